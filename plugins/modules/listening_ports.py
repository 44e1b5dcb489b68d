#!/usr/bin/python
# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r'''
module: listening_ports
short_description: List the TCP ports listening on a Linux host, with the program and systemd unit behind each
version_added: 0.2.0
description:
  - Reads C(/proc/net/tcp) and C(/proc/net/tcp6) for sockets in the LISTEN state and finds, through
    C(/proc/<pid>/fd), the process that holds each one, its command name and the systemd unit whose
    control group it runs in.
  - Used by the roles' preflight to refuse a port that another program already uses, before
    anything is changed. It only reads, and needs no package (no C(ss), no C(netstat)).
  - Run as root to see every process; otherwise the sockets of other users' processes are listed
    without C(pid), C(process) and C(unit). Root without C(CAP_SYS_PTRACE) (a container with
    Docker's default capabilities) cannot see other users' processes either; C(uid) and C(user),
    the socket's owner, are always known.
author:
  - datamesh.platform maintainers (!UNKNOWN)
options:
  ports:
    description:
      - Only list these ports. Empty lists every listening port.
    type: list
    elements: int
    default: []
attributes:
  check_mode:
    description: Can run in check mode; it only reads, so the result is the same.
    support: full
  diff_mode:
    description: Nothing to show a difference for; the module never changes anything.
    support: none
  idempotent:
    description: Reading changes nothing.
    support: full
  platform:
    description: Target operating system.
    support: full
    platforms: linux
notes:
  - Linux only (it reads C(/proc)).
'''

EXAMPLES = r'''
- name: Find what listens on the ports the role will use
  datamesh.platform.listening_ports:
    ports: [8443, 9083]
  register: _listening

- name: Refuse a port that another program uses
  ansible.builtin.assert:
    that: _problems | length == 0
    fail_msg: "{{ _problems | join(' ') }}"
  vars:
    _problems: >-
      {{ [{'name': 'trino_port', 'port': 8443}]
         | datamesh.platform.ports_in_use_problems(_listening.listening, ['trino.service']) }}
'''

RETURN = r'''
listening:
  description: One entry per listening socket, sorted by port and address.
  returned: always
  type: list
  elements: dict
  contains:
    port:
      description: The TCP port.
      type: int
      sample: 8443
    address:
      description: The local address it is bound to (C(0.0.0.0) or C(::) for all).
      type: str
      sample: 0.0.0.0
    family:
      description: C(ipv4) or C(ipv6).
      type: str
      sample: ipv4
    pid:
      description: The process holding the socket, or null when it cannot be seen.
      type: int
      sample: 1234
    process:
      description: The command name of that process (C(/proc/<pid>/comm)), or null.
      type: str
      sample: java
    unit:
      description: The systemd unit of that process, from its control group, or null.
      type: str
      sample: trino.service
    uid:
      description: The owner of the socket (always known, also when the process is not visible).
      type: int
      sample: 998
    user:
      description: The name of that user, or null when it has none.
      type: str
      sample: trino
'''

import os
import pwd
import socket
import struct

from ansible.module_utils.basic import AnsibleModule

LISTEN = '0A'


def _address(hex_address, family):
    raw = bytes.fromhex(hex_address)
    if family == 'ipv4':
        return socket.inet_ntop(socket.AF_INET, struct.pack('<I', struct.unpack('>I', raw)[0]))
    # /proc prints IPv6 addresses as four host-order 32-bit words.
    words = struct.unpack('>4I', raw)
    return socket.inet_ntop(socket.AF_INET6, struct.pack('<4I', *words))


def read_sockets(proc):
    """The listening sockets of /proc/net/tcp{,6}: list of (port, address, family, inode, uid)."""
    sockets = []
    for name, family in (('tcp', 'ipv4'), ('tcp6', 'ipv6')):
        path = os.path.join(proc, 'net', name)
        if not os.path.exists(path):
            continue
        with open(path) as handle:
            next(handle, None)
            for line in handle:
                fields = line.split()
                if len(fields) < 10 or fields[3] != LISTEN:
                    continue
                hex_address, hex_port = fields[1].split(':')
                sockets.append((int(hex_port, 16), _address(hex_address, family), family, fields[9], int(fields[7])))
    return sockets


def socket_owners(proc):
    """Map socket inode -> pid, from /proc/<pid>/fd/* links of the form socket:[inode]."""
    owners = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        fd_dir = os.path.join(proc, entry, 'fd')
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith('socket:['):
                owners.setdefault(target[8:-1], int(entry))
    return owners


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def unit_of(proc, pid):
    """The systemd unit of a process, from the last .service/.scope/.socket part of its cgroup."""
    cgroup = _read(os.path.join(proc, str(pid), 'cgroup')) or ''
    for line in cgroup.splitlines():
        path = line.split(':', 2)[-1]
        for part in reversed(path.split('/')):
            if part.endswith(('.service', '.scope', '.socket')):
                return part
    return None


def user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def listening(proc='/proc', ports=None):
    owners = socket_owners(proc)
    result = []
    for port, address, family, inode, uid in read_sockets(proc):
        if ports and port not in ports:
            continue
        pid = owners.get(inode)
        comm = _read(os.path.join(proc, str(pid), 'comm')) if pid else None
        result.append({'port': port, 'address': address, 'family': family, 'pid': pid,
                       'process': comm.strip() if comm else None, 'unit': unit_of(proc, pid) if pid else None,
                       'uid': uid, 'user': user_name(uid)})
    return sorted(result, key=lambda s: (s['port'], s['family'], s['address']))


def main():
    module = AnsibleModule(argument_spec={'ports': {'type': 'list', 'elements': 'int', 'default': []}},
                           supports_check_mode=True)
    if not os.path.exists('/proc/net/tcp'):
        module.fail_json(msg='listening_ports reads /proc/net/tcp, which this host does not have (Linux only)')
    try:
        found = listening('/proc', set(module.params['ports']))
    except (OSError, ValueError) as exc:
        module.fail_json(msg='cannot read the listening sockets from /proc: %s' % exc)
    module.exit_json(changed=False, listening=found)


if __name__ == '__main__':
    main()
