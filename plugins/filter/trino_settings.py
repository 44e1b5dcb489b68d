# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``trino_settings``: everything the trino role derives from its variables, as one dict."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

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

DEFAULTS = {
    'install_mode': 'auto', 'checksums': {}, 'plugin_checksums': {}, 'plugin_sources': {}, 'plugins_extra': [],
    'url': '', 'sha256': '', 'install_server': True, 'install_cli': True, 'cli_version': None, 'cli_checksums': {},
    'cli_url': '', 'cli_sha256': '', 'java_major': 'auto', 'java_source': 'auto', 'jdk_version': '', 'jdk_url': '',
    'jdk_sha256': '', 'jdk_major': 0, 'os_java_packages': [], 'architecture': 'x86_64', 'install_root': '/opt/datamesh',
    'coordinators': [], 'workers': [], 'coordinator_group': 'trino_coordinator', 'worker_group': 'trino_worker',
    'environment': 'datamesh', 'include_coordinator': False, 'internal_address': '', 'port': 2020, 'tls': True,
    'tls_cert': False, 'tls_key': False, 'tls_ca': False, 'tls_generate': True, 'authentication': 'password',
    'admin_user': 'admin', 'admin_password_length': 0, 'shared_secret_length': 0, 'generate_credentials': True,
    'user_names': [], 'user_password_lengths': [], 'behind_proxy': False, 'heap_mb': 0, 'heap_percent': 70, 'query_max_memory_per_node_mb': 0,
    'heap_headroom_mb': 0, 'query_max_memory_mb': 0, 'ram_mb': {}, 'jvm_extra_options': [], 'catalogs': [],
    'catalog_management': 'static', 'config_extra': {}, 'user': 'trino', 'config_dir': '/etc/trino',
    'data_dir': '/var/lib/trino', 'log_dir': '/var/log/trino', 'hostnames': {},
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
    if not p['generate_credentials'] and (
            (p['authentication'] == 'password' and _int(p['admin_password_length']) < 8)
            or _int(p['shared_secret_length']) < 32):
        errors.append('trino_admin_password (8 or more characters) and trino_shared_secret (32 or more) are required '
                      'when trino_generate_credentials is false; give them from Vault or an AWX credential.')
    bad_lengths = (0 < _int(p['admin_password_length']) < 8 or 0 < _int(p['shared_secret_length']) < 32
                   or any(_int(n) < 8 for n in p['user_password_lengths']))
    names = [str(n or '') for n in p['user_names']] + [str(p['admin_user'])]
    bad_names = [n for n in names if not re.match(r'^[A-Za-z0-9_.@-]+$', n)] or len(set(names)) != len(names)
    if bad_lengths or bad_names:
        errors.append('trino_admin_password and every password in trino_users need 8 or more characters, '
                      'trino_shared_secret 32 or more; user names (trino_admin_user, trino_users[].name) must be '
                      'unique and made of letters, digits and _ . @ -.')


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
    if not isinstance(params, dict):
        raise AnsibleFilterError('trino_settings expects a dict, got %s' % type(params).__name__)
    missing = [k for k in REQUIRED if not params.get(k)]
    if missing:
        raise AnsibleFilterError('trino_settings: missing %s' % ', '.join(missing))
    p = dict(DEFAULTS)
    p.update({k: v for k, v in params.items() if v is not None})
    errors = []
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
