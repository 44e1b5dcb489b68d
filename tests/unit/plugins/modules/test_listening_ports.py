"""listening_ports: against this machine's real /proc (a socket the test opens), and a written /proc tree."""

from __future__ import annotations

import os
import socket

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.datamesh.platform.plugins.modules import listening_ports
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.utils import ExitJson, patch_module_exits


def test_finds_a_socket_this_process_listens_on():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        sock.listen()
        port = sock.getsockname()[1]
        found = [s for s in listening_ports.listening('/proc', {port}) if s['port'] == port]
    assert len(found) == 1
    assert found[0]['address'] == '127.0.0.1'
    assert found[0]['family'] == 'ipv4'
    assert found[0]['pid'] == os.getpid()
    assert found[0]['process']
    assert found[0]['uid'] == os.getuid()
    assert found[0]['user']


def test_ipv6_socket_and_port_filter():
    if not socket.has_ipv6 or not os.path.exists('/proc/net/tcp6'):
        pytest.fail('this machine has no IPv6 stack; the test needs one')
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.bind(('::1', 0))
        sock.listen()
        port = sock.getsockname()[1]
        found = listening_ports.listening('/proc', {port})
    assert [(s['port'], s['address'], s['family']) for s in found] == [(port, '::1', 'ipv6')]


def test_closed_socket_is_gone():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        sock.listen()
        port = sock.getsockname()[1]
    assert listening_ports.listening('/proc', {port}) == []


def _proc_tree(tmp_path):
    """A hand-written /proc: one IPv4 listener on 0.0.0.0:8443 held by pid 42 in trino.service,
    one established connection (not listed), one listener whose owner cannot be seen."""
    (tmp_path / 'net').mkdir()
    header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
    (tmp_path / 'net' / 'tcp').write_text(
        header
        + '   0: 00000000:20FB 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 111 1\n'
        + '   1: 0100007F:20FB 0100007F:D431 01 00000000:00000000 00:00000000 00000000 0 0 222 1\n'
        + '   2: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 333 1\n')
    pid = tmp_path / '42'
    (pid / 'fd').mkdir(parents=True)
    os.symlink('socket:[111]', pid / 'fd' / '7')
    os.symlink('/dev/null', pid / 'fd' / '0')
    (pid / 'comm').write_text('java\n')
    (pid / 'cgroup').write_text('0::/system.slice/trino.service\n')
    return tmp_path


def test_written_proc_tree(tmp_path):
    proc = _proc_tree(tmp_path)
    assert listening_ports.listening(str(proc)) == [
        {'port': 3306, 'address': '127.0.0.1', 'family': 'ipv4', 'pid': None, 'process': None, 'unit': None,
         'uid': 0, 'user': 'root'},
        {'port': 8443, 'address': '0.0.0.0', 'family': 'ipv4', 'pid': 42, 'process': 'java', 'unit': 'trino.service',
         'uid': 0, 'user': 'root'},
    ]


def test_module_run_is_read_only(monkeypatch):
    patch_module_exits(monkeypatch)
    with patch_module_args({'ports': [1], '_ansible_check_mode': True}), pytest.raises(ExitJson) as exit_:
        listening_ports.main()
    result = exit_.value.args[0]
    assert result['changed'] is False
    assert result['listening'] == []
