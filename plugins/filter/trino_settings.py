# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``trino_settings``: everything the trino role derives from its variables, as one dict."""

from __future__ import annotations

import posixpath
import re

from ansible_collections.datamesh.platform.plugins.plugin_utils import checks
from ansible_collections.datamesh.platform.plugins.plugin_utils.settings import role_params

# JDK major each Trino line requires: (first release, major), newest first (release notes 390,
# 436, 447, 464, 476 and PR trinodb/trino#27171 for 479).
JAVA_LINES = ((479, 25), (476, 24), (464, 23), (447, 22), (436, 21), (390, 17), (351, 11))
# trino-server-core exists from 472 on (trino-packages README); on Maven Central up to 476.
FIRST_CORE_RELEASE = 472
# Connector name -> plugin directory/artifact name where they differ beyond _ -> -.
CONNECTOR_PLUGINS = {'gsheets': 'google-sheets', 'system': None}
# Keys of config.properties the role sets itself (trino_config_extra cannot set them).
MANAGED_KEYS = (
    'coordinator', 'node-scheduler.include-coordinator', 'discovery.uri', 'http-server.http.enabled',
    'http-server.http.port', 'http-server.https.enabled', 'http-server.https.port', 'http-server.https.keystore.path',
    'http-server.authentication.type', 'http-server.process-forwarded', 'internal-communication.shared-secret',
    'internal-communication.https.required', 'internal-communication.https.keystore.path',
    'internal-communication.https.truststore.path', 'query.max-memory', 'query.max-memory-per-node',
    'memory.heap-headroom-per-node', 'catalog.management', 'plugin.dir', 'http-server.log.path',
)
SHA256_RE = re.compile(r'^[0-9a-fA-F]{64}$')
OS_JDK_RE = re.compile(r'^openjdk-([0-9]+)-jre-headless$')
DEB_ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64', 'ppc64le': 'ppc64el'}
CENTRAL = 'io.trino'
# Trino's own documentation examples and the usual guesses for its accounts (checks.KNOWN_SECRETS has
# 'trino' and 'presto'); compared in lower case.
KNOWN_SECRETS = ('trino123', 'trino-admin', 'trinoadmin', 'presto123', 'trino-password', 'shared-secret',
                 'internal-shared-secret')
# internal-communication.shared-secret: generated with 64 characters; a given one needs 32 or more.
SHARED_SECRET_LENGTH = 32
USER_NAME_RE = re.compile(r'^[A-Za-z0-9_.@-]+$')
# Keys of a catalog definition (datamesh.platform.trino_catalog's options), of its s3 dict, of a
# trino_users entry, of a trino_plugin_sources entry and of a trino_checksums entry.
CATALOG_KEYS = ('name', 'connector', 'properties', 'secret_properties', 's3', 's3_implementation', 'state')
S3_KEYS = ('endpoint', 'region', 'path_style', 'access_key', 'secret_key')
USER_KEYS = ('name', 'password')
PLUGIN_SOURCE_KEYS = ('url', 'maven', 'sha256', 'directory')
CHECKSUM_KEYS = ('full', 'core')
# config.properties keys: lowercase words with dots and dashes (Trino's property names).
CONFIG_KEY_RE = re.compile(r'^[a-z0-9][a-z0-9._-]*$')
# log.properties: logger names and the levels of Trino's logging (airlift Level).
LOGGER_RE = re.compile(r'^[A-Za-z0-9_$.-]+$')
LOG_LEVELS = ('DEBUG', 'INFO', 'WARN', 'ERROR', 'OFF')
HOST_RE = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^[0-9A-Fa-f:]+$')
# Catalogs that point at services this collection runs: JDBC URLs of the MySQL/MariaDB connectors
# (default port 3306) and Hive Metastore URIs of the object storage connectors (default 9083).
JDBC_RE = re.compile(r'^jdbc:(mysql|mariadb)://(\[[^]]+\]|[^:/?;,]+)(?::([0-9]+))?(?:[/?;].*)?$')
THRIFT_RE = re.compile(r'^thrift://(\[[^]]+\]|[^:/]+)(?::([0-9]+))?/?$')
METASTORE_CONNECTORS = ('hive', 'iceberg', 'delta_lake', 'hudi')
LOCAL_NAMES = ('localhost', '127.0.0.1', '::1')

DEFAULTS = {
    'install_mode': 'auto', 'checksums': {}, 'plugin_checksums': {}, 'plugin_sources': {}, 'plugins_extra': [],
    'url': '', 'sha256': '', 'install_server': True, 'install_cli': True, 'cli_version': None, 'cli_checksums': {},
    'cli_url': '', 'cli_sha256': '', 'java_major': 'auto', 'java_source': 'auto', 'jdk_version': '', 'jdk_url': '',
    'jdk_sha256': '', 'jdk_major': 0, 'os_java_packages': [], 'architecture': 'x86_64', 'install_root': '/opt/datamesh',
    'coordinators': [], 'workers': [], 'coordinator_group': 'trino_coordinator', 'worker_group': 'trino_worker',
    'environment': 'datamesh', 'include_coordinator': False, 'internal_address': '', 'port': 2020, 'tls': True,
    'tls_cert': False, 'tls_key': False, 'tls_ca': False, 'tls_generate': True, 'authentication': 'password',
    'admin_user': 'admin', 'admin_password': '', 'shared_secret': '', 'generate_credentials': True,
    'users': [], 'behind_proxy': False, 'heap_mb': 0, 'heap_percent': 70, 'query_max_memory_per_node_mb': 0,
    'heap_headroom_mb': 0, 'query_max_memory_mb': 0, 'ram_mb': {}, 'jvm_extra_options': [], 'catalogs': [],
    'catalog_management': 'static', 'config_extra': {}, 'user': 'trino', 'config_dir': '/etc/trino',
    'data_dir': '/var/lib/trino', 'log_dir': '/var/log/trino', 'hostnames': {},
    # Preflight only (see trino_settings.yml): the trino_* variables given and the known ones, the
    # other roles' port variables on this host and its groups, what listens on the host, the
    # database and metastore hosts of the inventory with their addresses, the CLI link, log levels.
    'given_variables': [], 'known_variables': [], 'host_vars': {}, 'group_names': [], 'listening': [],
    'mysql_hosts': {}, 'metastore_hosts': {}, 'host_addresses': {}, 'cli_link': '/usr/local/bin/trino',
    'log_levels': {'io.trino': 'INFO'},
}
REQUIRED = ('version', 'host', 'hostname')


def _int(value, default=0):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def java_required(version):
    """The JDK major Trino ``version`` needs (0 = older than the table)."""
    for first, major in JAVA_LINES:
        if version >= first:
            return major
    return 0


def plugin_of(connector):
    """The plugin (directory and artifact trino-<plugin>) that provides ``connector``."""
    if connector in CONNECTOR_PLUGINS:
        return CONNECTOR_PLUGINS[connector]
    return connector.replace('_', '-')


def _catalog_list(catalogs, errors):
    if isinstance(catalogs, dict):
        catalogs = [dict(v or {}, name=k) for k, v in catalogs.items()]
    if not isinstance(catalogs, list):
        errors.append('trino_catalogs must be a list of dicts (or a map name -> dict).')
        return []
    good = [c for c in catalogs if isinstance(c, dict)]
    names = [c.get('name') or '' for c in good]
    if len(good) != len(catalogs) or '' in names or len(set(names)) != len(names) or any(
            c.get('state', 'present') not in ('present', 'absent') for c in good):
        errors.append('trino_catalogs must be a list of dicts (or a map name -> dict), each with a unique name and '
                      'state present or absent (names given: %s).' % ', '.join(str(n) for n in names))
    return good


def _java(p, version, errors):
    required = java_required(version)
    wanted = p['java_major']
    explicit = str(wanted) != 'auto'
    if explicit and (not re.match(r'^[0-9]+$', str(wanted)) or int(wanted) < required):
        errors.append('Trino %d needs Java %d or later (390-435 need 17, 436-446 21, 447-463 22, 464-475 23, 476-478 24, '
                      '479 on 25); trino_java_major is %s. Set trino_java_major: auto or a major of at least %d.'
                      % (version, required, wanted, required))
        return {'required': required, 'major': required, 'source': 'none', 'package': '', 'home': ''}
    os_majors = sorted({int(m.group(1)) for m in (OS_JDK_RE.match(str(n).strip()) for n in p['os_java_packages']) if m})
    fitting = [m for m in os_majors if (m == int(wanted) if explicit else m >= required)]
    arch = DEB_ARCH.get(p['architecture'], p['architecture'])
    if p['java_source'] in ('auto', 'os') and fitting:
        major = fitting[0]
        return {'required': required, 'major': major, 'source': 'os', 'package': 'openjdk-%d-jre-headless' % major,
                'home': '/usr/lib/jvm/java-%d-openjdk-%s' % (major, arch)}
    if p['java_source'] in ('auto', 'artifact') and p['jdk_url']:
        major = _int(p['jdk_major'])
        if not SHA256_RE.match(str(p['jdk_sha256'])) or not re.match(r'^[A-Za-z0-9._+-]+$', str(p['jdk_version'])) \
                or major < required or (explicit and major != int(wanted)):
            errors.append('trino_jdk_url is set: trino_jdk_sha256 (64 hex digits), trino_jdk_version (the version '
                          'directory) and trino_jdk_major (its Java major, %s here) are required with it.'
                          % ('%d or later' % required if not explicit else wanted))
        return {'required': required, 'major': major, 'source': 'artifact', 'package': '',
                'home': '%s/trino-jdk/%s' % (p['install_root'], p['jdk_version'])}
    have = ', '.join('openjdk-%d-jre-headless' % m for m in os_majors) or 'no openjdk-*-jre-headless'
    errors.append('Trino %d needs Java %s, but the package sources of %s have %s%s. Set trino_java_source: artifact '
                  'with trino_jdk_url, trino_jdk_sha256, trino_jdk_version and trino_jdk_major (a JDK tarball, e.g. '
                  'Eclipse Temurin %d, or from your mirror), add a package source that has it, or run Trino on a '
                  'host whose OS packages it (Debian 13: openjdk-25).'
                  % (version, wanted if explicit else '%d or later' % required, p['host'], have,
                     ' (trino_java_source: os)' if p['java_source'] == 'os' else '', required))
    return {'required': required, 'major': required, 'source': 'none', 'package': '', 'home': ''}


def _artifact(name, version, coordinate, url, sha256, fmt, **extra):
    out = dict(name=name, version=version, sha256=str(sha256 or '').lower(), format=fmt, **extra)
    if url:
        out['url'] = url
    else:
        out['maven'] = coordinate
    return out


def _install(p, version, catalogs, errors):
    """Server, plugins and CLI: the _common artifacts and the paths they end up in."""
    v = str(version)
    root = p['install_root']
    pins = p['checksums'].get(v) or {}
    if not isinstance(pins, dict):
        errors.append('trino_checksums["%s"] must be a dict {full: <sha256>, core: <sha256>} (trino_sha256 and '
                      'trino_url give a server tarball that is not pinned).' % v)
        pins = {}
    plugin_pins = p['plugin_checksums'].get(v) or {}
    sources = p['plugin_sources'] or {}
    wanted = []
    for c in catalogs:
        if c.get('state', 'present') == 'present' and c.get('connector'):
            plugin = plugin_of(str(c['connector']))
            if plugin and plugin not in wanted:
                wanted.append(plugin)
    for plugin in p['plugins_extra']:
        if plugin not in wanted:
            wanted.append(str(plugin))
    wanted.sort()
    missing = [x for x in wanted if x not in sources and x not in plugin_pins]
    core_known = version >= FIRST_CORE_RELEASE and (bool(pins.get('core')) or bool(p['url']))
    mode = p['install_mode']
    if mode == 'auto':
        mode = 'core' if (version >= FIRST_CORE_RELEASE and pins.get('core') and not missing) else 'full'
    if mode not in ('core', 'full'):
        errors.append('trino_install_mode must be auto, core or full (got %s).' % mode)
        mode = 'full'
    if mode == 'core' and version < FIRST_CORE_RELEASE:
        errors.append('trino_install_mode core needs Trino %d or later (trino-server-core); Trino %d: use full.'
                      % (FIRST_CORE_RELEASE, version))
    if mode == 'core' and missing and p['install_server']:
        errors.append('trino_install_mode core: no source for the plugin(s) %s of Trino %s (Maven Central has the %s '
                      'zips of %s only: %s). Give each in trino_plugin_sources as {url, sha256} (e.g. from your mirror '
                      'or https://github.com/trinodb/trino/releases), or set trino_install_mode: full.'
                      % (', '.join(missing), v, 'plugin', v, ', '.join(sorted(plugin_pins)) or 'none pinned'))
    artifact = 'trino-server-core' if mode == 'core' else 'trino-server'
    sha = p['sha256'] or pins.get(mode, '')
    if p['install_server'] and not SHA256_RE.match(str(sha)):
        if p['url'] or pins:
            errors.append('trino_sha256 must be the sha256 (64 hex digits) of %s; got %r.'
                          % (p['url'] or '%s-%s.tar.gz' % (artifact, v), sha))
        else:
            errors.append('Trino %s is not pinned (pinned: %s). Releases after 476 are not on Maven Central: set '
                          'trino_url to the %s tarball (e.g. https://github.com/trinodb/trino/releases/download/%s/'
                          '%s-%s.tar.gz, or your mirror) and trino_sha256 to its sha256 (sha256sum of the file you '
                          'checked), or choose a pinned trino_version.'
                          % (v, ', '.join(sorted(p['checksums'])) or 'none', 'core' if mode == 'core' else 'server',
                             v, artifact, v))
    dir_version = v + ('-core' if mode == 'core' else '')
    server = _artifact('trino-server', dir_version, '%s:%s:%s:tar.gz' % (CENTRAL, artifact, v), p['url'], sha, 'tar',
                       strip_components=1)
    home = '%s/trino-server/%s' % (root, dir_version)
    plugins = []
    if mode == 'core':
        for plugin in wanted:
            src = sources.get(plugin) or {}
            psha = src.get('sha256', '') if plugin in sources else plugin_pins.get(plugin, '')
            if plugin in sources and not SHA256_RE.match(str(psha)):
                errors.append('trino_plugin_sources.%s needs a sha256 (64 hex digits).' % plugin)
            art = _artifact('trino-plugin-' + plugin, v, src.get('maven') or '%s:trino-%s:%s:zip' % (CENTRAL, plugin, v),
                            src.get('url', ''), psha, 'zip')
            # The zip holds one directory, trino-<plugin>-<version>/ (Trino's plugin assembly).
            top = src.get('directory') or 'trino-%s-%s' % (plugin, v)
            plugins.append({'name': plugin, 'artifact': art, 'path': '%s/trino-plugin-%s/%s/%s' % (root, plugin, v, top)})
    plugin_dir = '%s/trino-plugins/%s' % (root, v) if mode == 'core' else home + '/plugin'
    cli_version = str(p['cli_version'] or v)
    cli_sha = p['cli_sha256'] or (p['cli_checksums'] or {}).get(cli_version, '')
    if p['install_server'] and p['install_cli'] and not SHA256_RE.match(str(cli_sha)):
        errors.append('trino_cli_sha256 must be the sha256 of trino-cli-%s-executable.jar%s; none is pinned for '
                      'trino_cli_version=%s (pinned: %s). Set trino_cli_url and trino_cli_sha256, or trino_install_cli: false.'
                      % (cli_version, ' (%s)' % p['cli_url'] if p['cli_url'] else '', cli_version,
                         ', '.join(sorted(p['cli_checksums'] or {})) or 'none'))
    cli = _artifact('trino-cli', cli_version, '%s:trino-cli:%s:jar:executable' % (CENTRAL, cli_version), p['cli_url'],
                    cli_sha, 'file', dest_name='trino-cli.jar', mode='0644')
    return {
        'mode': mode, 'core_available': core_known, 'server': server, 'home': home, 'plugins': plugins,
        'plugin_names': wanted if mode == 'core' else [], 'plugin_dir': plugin_dir,
        'plugin_root': '%s/trino-plugins' % root, 'cli': cli,
        # _common unpacks zip artifacts with unzip.
        'packages': ['unzip'] if plugins and p['install_server'] else [],
        'cli_jar': '%s/trino-cli/%s/trino-cli.jar' % (root, cli_version),
    }


def _check_security(p, errors):
    if p['authentication'] not in ('password', 'none'):
        errors.append('trino_authentication must be password or none.')
    if p['authentication'] == 'password' and not p['tls']:
        errors.append('trino_authentication is password but trino_tls is false: Trino accepts passwords only over '
                      'HTTPS, and sending them in clear text is refused. Keep trino_tls: true, or set '
                      'trino_authentication: none for a trusted network.')
    if bool(p['tls_cert']) != bool(p['tls_key']):
        errors.append('trino_tls_cert and trino_tls_key go together: set both (PEM contents), or neither to have a '
                      'certificate generated (trino_tls_generate).')
    elif p['tls'] and not p['tls_cert'] and not p['tls_generate']:
        errors.append('trino_tls is true but there is no certificate: set trino_tls_cert and trino_tls_key, or '
                      'trino_tls_generate: true, or trino_tls: false.')
    secrets = _secrets(p)
    given = {name: value for name, value, _user, _minimum in secrets if value}
    if not p['generate_credentials'] and (
            (p['authentication'] == 'password' and 'trino_admin_password' not in given)
            or 'trino_shared_secret' not in given):
        errors.append('trino_admin_password (%d or more characters) and trino_shared_secret (%d or more) are required '
                      'when trino_generate_credentials is false; give them from Vault or an AWX credential.'
                      % (checks.MIN_SECRET_LENGTH, SHARED_SECRET_LENGTH))
    users = p['users'] if isinstance(p['users'], list) else []
    names = [str(u.get('name') or '') if isinstance(u, dict) else '' for u in users] + [str(p['admin_user'])]
    if [n for n in names if not USER_NAME_RE.match(n)] or len(set(names)) != len(names):
        errors.append('user names (trino_admin_user, trino_users[].name) must be unique and made of letters, digits and '
                      '_ . @ - (given: %s).' % ', '.join(names))
    for name, value, user, minimum in secrets:
        errors.extend(checks.secret_problems(name, value, user=user, known=KNOWN_SECRETS, min_length=minimum,
                                             required=name.startswith('trino_users[')))


def _secrets(p):
    """(variable, value, user, minimum length) of every secret that can be given."""
    out = [('trino_shared_secret', p['shared_secret'], None, SHARED_SECRET_LENGTH)]
    if p['authentication'] == 'password':
        out.append(('trino_admin_password', p['admin_password'], str(p['admin_user']), checks.MIN_SECRET_LENGTH))
        for index, user in enumerate(p['users'] if isinstance(p['users'], list) else []):
            if isinstance(user, dict):
                out.append(('trino_users[%d].password (%s)' % (index, user.get('name') or '?'), user.get('password'),
                            str(user.get('name') or ''), checks.MIN_SECRET_LENGTH))
    return out


def _cluster(p, errors):
    host = p['host']
    coords, workers = list(p['coordinators'] or []), list(p['workers'] or [])
    in_c, in_w = host in coords, host in workers
    if not (in_c or in_w):
        coords, workers = [host], []
    if in_c and in_w:
        errors.append('%s is in both groups %s and %s: a host is the coordinator or a worker (a coordinator without '
                      'workers also runs the work). Remove it from one group.'
                      % (host, p['coordinator_group'], p['worker_group']))
    elif not coords:
        errors.append('%s is a worker (group %s) but there is no coordinator: put exactly one host into group %s '
                      '(trino_coordinator_group), or remove the workers.' % (host, p['worker_group'], p['coordinator_group']))
    elif len(coords) > 1:
        errors.append('A Trino cluster has exactly one coordinator; group %s has %d: %s. Keep one, make the others '
                      'workers (group %s).' % (p['coordinator_group'], len(coords), ', '.join(coords), p['worker_group']))
    coordinator = coords[0] if coords else ''
    return {
        'coordinators': coords, 'workers': workers, 'nodes': coords + workers, 'coordinator': coordinator,
        'is_coordinator': host == coordinator,
        'include_coordinator': not workers or bool(p['include_coordinator']),
    }


def _memory(p, cluster, errors):
    rams = [_int((p['ram_mb'] or {}).get(h)) for h in cluster['nodes']]
    rams = [r for r in rams if r > 0] or [_int((p['ram_mb'] or {}).get(p['host']))]
    ram = min(rams) if rams else 0
    heap = _int(p['heap_mb']) or int(ram * _int(p['heap_percent']) / 100)
    per_node = _int(p['query_max_memory_per_node_mb']) or int(heap * 0.3)
    headroom = _int(p['heap_headroom_mb']) or int(heap * 0.3)
    work_nodes = len(cluster['workers']) + (1 if cluster['include_coordinator'] else 0)
    query_max = _int(p['query_max_memory_mb']) or per_node * work_nodes
    if (heap < 1024 or (ram and heap >= ram) or per_node + headroom >= heap or query_max < per_node
            or not 0 < _int(p['heap_percent']) <= 90):
        errors.append('Memory settings of %s do not fit: heap (-Xmx) %d MiB (trino_heap_mb, or trino_heap_percent=%s %% '
                      "of the smallest node's %d MiB), query.max-memory-per-node %d MiB (trino_query_max_memory_per_node_mb), "
                      'memory.heap-headroom-per-node %d MiB (trino_heap_headroom_mb), query.max-memory %d MiB '
                      '(trino_query_max_memory_mb). Trino needs max-memory-per-node + heap-headroom below the heap, the '
                      'heap at least 1024 MiB and below the RAM, and query.max-memory at least max-memory-per-node.'
                      % (p['host'], heap, p['heap_percent'], ram, per_node, headroom, query_max))
    return {'ram': ram, 'heap': heap, 'per_node': per_node, 'headroom': headroom, 'query_max': query_max}


def _check_paths(p, errors):
    """The role's directories: absolute, normalised, no system directory, none inside another or
    inside the versioned install directories (replaced on upgrade)."""
    root = p['install_root']
    root_problems = checks.path_problems({'datamesh_install_root': root})
    # The install root is shared by the collection's roles (default /opt/datamesh); the role only
    # creates its own directories below it, so a system directory there is fine, / is not.
    root_problems = [x for x in root_problems if 'is a system directory' not in x or root == '/']
    errors.extend(root_problems)
    if root_problems:
        return
    foreign = {'the Trino installs (datamesh_install_root)': root.rstrip('/') + '/trino-server',
               'the Trino plugins (datamesh_install_root)': root.rstrip('/') + '/trino-plugins',
               "the Trino client's venv (datamesh_install_root)": root.rstrip('/') + '/trino'}
    errors.extend(checks.path_problems({'trino_config_dir': p['config_dir'], 'trino_data_dir': p['data_dir'],
                                        'trino_log_dir': p['log_dir']}, foreign))
    link = p['cli_link']
    if link and p['install_cli']:
        problems = checks.path_problems({'trino_cli_link': link}, foreign, what='CLI wrapper')
        if not problems and posixpath.dirname(link) in ('/', '/etc', '/boot'):
            problems = ['trino_cli_link=%s: put the CLI wrapper into a bin directory, such as /usr/local/bin/trino' % link]
        errors.extend(x.replace('give the CLI wrapper a directory of its own below it, such as',
                                'name the wrapper file, such as') for x in problems)


def _check_ports(p, errors):
    """trino_port against the other roles of this host and against what already listens there."""
    own = [{'name': 'trino_port', 'port': _int(p['port'], p['port']), 'role': 'trino'}]
    claims = checks.host_port_claims('trino', own, p['host_vars'] or {}, p['group_names'] or [])
    # The other roles' claims first: the message then starts with trino_port.
    claims = claims[len(own):] + own
    errors.extend(x for x in checks.port_problems(claims) if 'trino_port' in x)
    # In a container without CAP_SYS_PTRACE Trino's process is hidden: its socket's owner is known.
    errors.extend(checks.ports_in_use_problems(own, p['listening'], ['trino.service'], [str(p['user'])]))


def _check_keys(p, catalogs, errors):
    """Unknown keys in the dicts that have no sub-option spec."""
    for index, catalog in enumerate(catalogs):
        name = 'trino_catalogs[%d] (%s)' % (index, catalog.get('name') or '?')
        errors.extend(checks.unknown_keys(name, catalog, CATALOG_KEYS))
        if isinstance(catalog.get('s3'), dict):
            errors.extend(checks.unknown_keys(name + '.s3', catalog['s3'], S3_KEYS))
    for index, user in enumerate(p['users'] if isinstance(p['users'], list) else []):
        errors.extend(checks.unknown_keys('trino_users[%d]' % index, user, USER_KEYS))
    for plugin, source in sorted((p['plugin_sources'] or {}).items()):
        errors.extend(checks.unknown_keys('trino_plugin_sources.%s' % plugin, source, PLUGIN_SOURCE_KEYS))
    for version, pins in sorted((p['checksums'] or {}).items()):
        if isinstance(pins, dict):
            errors.extend(checks.unknown_keys('trino_checksums["%s"]' % version, pins, CHECKSUM_KEYS))


def _aliases(p, address):
    """Inventory hosts that ``address`` names (inventory name, ansible_host or trino_hostname-like names)."""
    address = address.strip('[]').lower()
    if address in LOCAL_NAMES:
        return [p['host']]
    return sorted(h for h, names in (p['host_addresses'] or {}).items()
                  if address == str(h).lower() or address in [str(n).lower() for n in names or ()])


def _mysql_ports(instances):
    return sorted(_int(i.get('port')) for i in instances or () if isinstance(i, dict)
                  and i.get('state', 'present') != 'absent' and 'port' in i)


def _check_references(p, catalogs, errors):
    """Catalogs that point at a MariaDB instance or a metastore of this inventory must point at one
    that exists: a host of the inventory that runs it, on its port. Names outside the inventory are
    services this play does not manage, and are not judged."""
    for catalog in catalogs:
        if catalog.get('state', 'present') != 'present':
            continue
        name, connector = catalog.get('name'), str(catalog.get('connector') or '')
        props = catalog.get('properties') if isinstance(catalog.get('properties'), dict) else {}
        if connector in ('mysql', 'mariadb') and props.get('connection-url'):
            url = str(props['connection-url'])
            m = JDBC_RE.match(url)
            if not m:
                errors.append('trino_catalogs %s: connection-url %s is not a JDBC URL jdbc:%s://<host>:<port>'
                              % (name, url, connector))
                continue
            port = _int(m.group(3) or 3306)
            hosts = _aliases(p, m.group(2))
            if not hosts:
                continue
            offered = {h: _mysql_ports((p['mysql_hosts'] or {}).get(h)) for h in hosts}
            if not any(port in ports for ports in offered.values()):
                runs = '; '.join('%s runs %s' % (h, 'mysql_multi instances on ports %s' % ', '.join(map(str, ports))
                                                 if ports else 'no mysql_multi instance (not in group mysql, or none '
                                                 'defined)') for h, ports in offered.items())
                errors.append('trino_catalogs %s: connection-url %s points at port %d of %s, where no MariaDB instance '
                              'of this inventory listens (%s): fix the host or port, or add the instance to '
                              'mysql_multi_instances' % (name, url, port, ', '.join(hosts), runs))
        uris = props.get('hive.metastore.uri')
        if connector in METASTORE_CONNECTORS and uris:
            for uri in str(uris).split(','):
                m = THRIFT_RE.match(uri.strip())
                if not m:
                    errors.append('trino_catalogs %s: hive.metastore.uri %s is not thrift://<host>:<port>' % (name, uri))
                    continue
                port = _int(m.group(2) or 9083)
                hosts = _aliases(p, m.group(1))
                if hosts and not any(_int((p['metastore_hosts'] or {}).get(h), -1) == port for h in hosts):
                    runs = '; '.join('%s runs %s' % (h, 'the metastore on port %s' % p['metastore_hosts'][h]
                                                     if h in (p['metastore_hosts'] or {}) else 'no metastore (not in '
                                                     'group hive_metastore)') for h in hosts)
                    errors.append('trino_catalogs %s: hive.metastore.uri %s points at port %d of %s, where no Hive '
                                  'Metastore of this inventory listens (%s): fix the URI, or add the host to group '
                                  'hive_metastore' % (name, uri.strip(), port, ', '.join(hosts), runs))


def _check_values(p, extra, errors):
    """Values that would only fail when Trino starts, or break the files they are written into."""
    for key, value in sorted(extra.items(), key=lambda kv: str(kv[0])):
        if not CONFIG_KEY_RE.match(str(key)):
            errors.append('trino_config_extra key %r is not a Trino property name (lowercase words with . and -)' % key)
        if '\n' in str(value) or '\r' in str(value) or isinstance(value, (dict, list)):
            errors.append('trino_config_extra.%s must be one line of text (config.properties takes key=value lines)'
                          % key)
    for option in p['jvm_extra_options'] or ():
        if '\n' in str(option) or not str(option).startswith('-'):
            errors.append('trino_jvm_extra_options: %r is not one JVM option (one line starting with -)' % option)
    levels = p['log_levels'] if isinstance(p['log_levels'], dict) else None
    if levels is None:
        errors.append('trino_log_levels must be a dict logger -> level (DEBUG, INFO, WARN, ERROR or OFF)')
    for logger, level in sorted((levels or {}).items(), key=lambda kv: str(kv[0])):
        if not LOGGER_RE.match(str(logger)) or str(level) not in LOG_LEVELS:
            errors.append('trino_log_levels.%s=%s: a logger name (letters, digits, . and _) and one of the levels %s'
                          % (logger, level, ', '.join(LOG_LEVELS)))
    address = str(p['internal_address'] or '')
    if address and not HOST_RE.match(address):
        errors.append('trino_internal_address (%s) must be a host name or an IP address (node.internal-address)'
                      % address)


def _jvm_options(p, version, java, memory):
    major = java['major']
    options = [
        '-server', '-Xmx%dM' % memory['heap'], '-XX:G1HeapRegionSize=32M', '-XX:+ExplicitGCInvokesConcurrent',
        '-XX:+ExitOnOutOfMemoryError', '-XX:+HeapDumpOnOutOfMemoryError', '-XX:HeapDumpPath=%s/var' % p['data_dir'],
        '-XX:-OmitStackTraceInFastThrow', '-XX:ReservedCodeCacheSize=512M', '-XX:PerMethodRecompilationCutoff=10000',
        '-XX:PerBytecodeRecompilationCutoff=10000', '-Djdk.attach.allowAttachSelf=true',
        '-Djdk.nio.maxCachedBufferSize=2000000', '-Dfile.encoding=UTF-8',
        # Diagnostic options (UseAESCTRIntrinsics is one from JDK 25 on) must follow the unlock.
        '-XX:+UnlockDiagnosticVMOptions',
        '-Djava.io.tmpdir=%s/tmp' % p['data_dir'],
    ]
    if p['architecture'] == 'x86_64':
        options.append('-XX:+UseAESCTRIntrinsics')
    # JDK-8293861: 406's docs disable preventive GC; the flag exists in JDK 17 only.
    if major == 17:
        options.append('-XX:-G1UsePreventiveGC')
    if major >= 21:
        options.append('-XX:+EnableDynamicAgentLoading')
    if version >= 466:
        options.append('--enable-native-access=ALL-UNNAMED')
    # Release 476: needed by the BigQuery and Snowflake connectors; accepted from JDK 23 on.
    if major >= 24:
        options.append('--sun-misc-unsafe-memory-access=allow')
    return options + [str(o) for o in p['jvm_extra_options']]


def trino_settings(params):
    """Derive the trino role's settings from its variables (see trino_settings.yml)."""
    if isinstance(params, dict):
        # None stands for "not given": the default applies.
        params = {k: v for k, v in params.items() if v is not None}
    p = role_params('trino_settings', params, DEFAULTS, REQUIRED)
    # Typos first: a misspelt variable explains why its setting seems ignored.
    errors = checks.unknown_variables('trino', p['given_variables'], p['known_variables']) if p['known_variables'] else []
    vs = str(p['version'])
    if not re.match(r'^[0-9]+$', vs) or int(vs) < 351:
        errors.append('trino_version (%s) must be a Trino release number, 351 or later (e.g. 476).' % vs)
    version = _int(vs)
    if not re.match(r'^[a-z0-9_]+$', str(p['environment'])) or not re.match(
            r'^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$', str(p['hostname'])) or not 1024 <= _int(p['port']) <= 65535 \
            or not re.match(r'^[a-z_][a-z0-9_-]*$', str(p['user'])):
        errors.append('trino_environment (%s) must be lowercase letters, digits and _ (node.environment); trino_hostname '
                      '(%s) a host name or address; trino_port (%s) between 1024 and 65535 (the service runs without '
                      'privileges); trino_user (%s) a system user name.'
                      % (p['environment'], p['hostname'], p['port'], p['user']))
    _check_security(p, errors)
    cluster = _cluster(p, errors)
    catalogs = _catalog_list(p['catalogs'], errors)
    if p['catalog_management'] not in ('static', 'dynamic'):
        errors.append('trino_catalog_management must be static or dynamic.')
    extra = p['config_extra'] if isinstance(p['config_extra'], dict) else {}
    clash = sorted(set(extra) & set(MANAGED_KEYS))
    if clash:
        errors.append('trino_config_extra must not set %s (use the role\'s variables for those).' % ', '.join(clash))
    java = _java(p, version, errors)
    install = _install(p, version, catalogs, errors)
    memory = _memory(p, cluster, errors)
    _check_paths(p, errors)
    _check_ports(p, errors)
    _check_keys(p, catalogs, errors)
    _check_references(p, catalogs, errors)
    _check_values(p, extra, errors)
    scheme = 'https' if p['tls'] else 'http'
    has_ca = bool(p['tls']) and (bool(p['tls_ca']) or (not p['tls_cert'] and bool(p['tls_generate'])))
    tls_dir = p['config_dir'] + '/tls'
    dynamic = p['catalog_management'] == 'dynamic'
    local = 'localhost' if p['tls'] else '127.0.0.1'
    config = [('coordinator', 'true' if cluster['is_coordinator'] else 'false')]
    if cluster['is_coordinator']:
        config.append(('node-scheduler.include-coordinator', 'true' if cluster['include_coordinator'] else 'false'))
    coordinator = cluster['coordinator']
    coordinator_name = p['hostname'] if coordinator == p['host'] else ((p['hostnames'] or {}).get(coordinator) or coordinator)
    config.append(('discovery.uri', '%s://%s:%s' % (scheme, coordinator_name, p['port'])))
    if p['tls']:
        config += [('http-server.http.enabled', 'false'), ('http-server.https.enabled', 'true'),
                   ('http-server.https.port', str(p['port'])),
                   ('http-server.https.keystore.path', tls_dir + '/server.pem'),
                   ('internal-communication.https.required', 'true'),
                   ('internal-communication.https.keystore.path', tls_dir + '/server.pem')]
        if has_ca:
            config.append(('internal-communication.https.truststore.path', tls_dir + '/ca.crt'))
    else:
        config.append(('http-server.http.port', str(p['port'])))
    if p['authentication'] == 'password' and cluster['is_coordinator']:
        config.append(('http-server.authentication.type', 'PASSWORD'))
    if p['behind_proxy']:
        config.append(('http-server.process-forwarded', 'true'))
    config += [('http-server.log.path', p['log_dir'] + '/http-request.log'),
               ('query.max-memory', '%dMB' % memory['query_max']),
               ('query.max-memory-per-node', '%dMB' % memory['per_node']),
               ('memory.heap-headroom-per-node', '%dMB' % memory['headroom']),
               ('plugin.dir', install['plugin_dir'])]
    if dynamic:
        config.append(('catalog.management', 'dynamic'))
    config += sorted((str(k), str(v)) for k, v in extra.items())
    return {
        'errors': errors,
        'version': version,
        'java': java,
        'install': install,
        'cluster': cluster,
        'memory': memory,
        'catalogs': catalogs,
        'jvm_options': _jvm_options(p, version, java, memory),
        'config': config,
        'scheme': scheme,
        'has_ca': has_ca,
        'tls_dir': tls_dir,
        'ca_file': tls_dir + '/ca.crt',
        'keystore': tls_dir + '/server.pem',
        'catalog_dir': p['config_dir'] + '/catalog',
        'password_file': p['config_dir'] + '/password.db',
        'local_host': local,
        'info_url': '%s://%s:%s/v1/info' % (scheme, local, p['port']),
        'pyenv': '%s/trino/pyenv' % p['install_root'],
        'unit': {
            'name': 'trino',
            'description': 'Trino %s (environment %s)' % ('coordinator' if cluster['is_coordinator'] else 'worker',
                                                          p['environment']),
            'documentation': 'https://trino.io/docs/current/installation/deployment.html',
            'user': p['user'],
            'type': 'simple',
            'environment': {'JAVA_HOME': java['home'], 'PATH': '%s/bin:/usr/local/bin:/usr/bin:/bin' % java['home']},
            'working_directory': p['data_dir'],
            # run = in the foreground: the JVM's output goes to the journal.
            'exec_start': '%s/bin/launcher run --etc-dir=%s --data-dir=%s' % (install['home'], p['config_dir'],
                                                                              p['data_dir']),
            'read_write_paths': [p['data_dir'], p['log_dir']] + (
                [p['config_dir'] + '/catalog'] if dynamic and cluster['is_coordinator'] else []),
            'limit_nofile': 131072,
            'restart': 'on-failure',
            'timeout_stop_sec': 120,
            'service_options': {'LimitNPROC': 128000},
            'verify_executables': bool(p['install_server']),
        },
    }


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'trino_settings': trino_settings}
