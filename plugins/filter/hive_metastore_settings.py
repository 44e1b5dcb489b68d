# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``hive_metastore_settings``: everything the hive_metastore role derives from its variables.

One dict (see hive_metastore_settings.yml): the artifacts to install, the Java to run them on, the
class path and JVM arguments of the direct ``java`` launch, the database instance chosen from the
inventory, the JDBC URL, the non-secret properties of metastore-site.xml and core-site.xml, and the
systemd unit. Bad input raises AnsibleFilterError with a message that names the variable to change;
the role's preflight calls this before anything is changed. Secrets (database password, S3 keys,
truststore password) never enter the result: the templates add them.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

P = 'hive_metastore_'

# What each Hive line runs on, [oldest, newest] Java major (see docs/roles/hive_metastore.md):
# 4.0.x is built for Java 8 but runs on 21 (verified live, molecule/hive_metastore_live); Java 23 and
# later reject Subject.getSubject, which Hadoop 3.3.6's UserGroupInformation calls on every metastore
# call that touches a file system (seen with Java 25: "getSubject is not supported").
DEFAULT_JAVA_VERSIONS = {
    '3.1': [8, 8],
    '4.0': [17, 21],
    '4.1': [17, 17],
    '4.2': [21, 21],
}
# Debian release -> the JRE package the role installs when hive_metastore_java_package is empty.
DEFAULT_JAVA_PACKAGES = {'12': 'openjdk-17-jre-headless', '13': 'openjdk-21-jre-headless'}

# schematool's main class per major version (Hive's bin/ext/schemaTool.sh of each line).
SCHEMATOOL_CLASS = {
    '3': 'org.apache.hadoop.hive.metastore.tools.MetastoreSchemaTool',
    '4': 'org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool',
}
SERVER_CLASS = 'org.apache.hadoop.hive.metastore.HiveMetaStore'

# metastore.task.threads.always of Hive 4.0 (MetastoreConf) without HiveProtoEventsCleanerTask, which lives
# in hive-exec, not in the standalone metastore: with it, the metastore logs "HiveProtoEventsCleanerTask class
# not found" at start and starts none of these housekeeping tasks. Overridable in hive_metastore_site_properties.
ALWAYS_TASKS_40 = ('org.apache.hadoop.hive.metastore.events.EventCleanerTask',
                   'org.apache.hadoop.hive.metastore.RuntimeStatsCleanerTask',
                   'org.apache.hadoop.hive.metastore.metrics.AcidMetricService',
                   'org.apache.hadoop.hive.metastore.metrics.AcidMetricLogger',
                   'org.apache.hadoop.hive.metastore.ScheduledQueryExecutionsMaintTask',
                   'org.apache.hadoop.hive.metastore.ReplicationMetricsMaintTask')

# Properties the role sets; hive_metastore_site_properties may not override them.
MANAGED_PREFIXES = ('javax.jdo.option.', 'metastore.warehouse.dir', 'hive.metastore.warehouse.dir', 'metastore.thrift.',
                    'hive.metastore.port', 'hive.metastore.uris', 'fs.s3a.', 'datanucleus.schema.autoCreateAll',
                    'metastore.schema.verification', 'hive.metastore.schema.verification')

# Schema DDL and DML on the metastore database only: what Hive's MySQL init and upgrade scripts use
# (tables, indexes, foreign keys), nothing global, no routines, no GRANT.
DB_PRIVILEGES = ('SELECT,INSERT,UPDATE,DELETE,CREATE,DROP,ALTER,INDEX,REFERENCES,CREATE TEMPORARY TABLES,'
                 'LOCK TABLES,CREATE VIEW,SHOW VIEW')

ARCH = {'x86_64': 'amd64', 'amd64': 'amd64', 'aarch64': 'arm64', 'arm64': 'arm64'}

_RELEASE = re.compile(r'^[0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.-]*$')
_SHA256 = re.compile(r'^[0-9a-fA-F]{64}$')
_PART = re.compile(r'^[A-Za-z0-9_.+-]+$')
_BUCKET_URI = re.compile(r'^s3a://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$')
_ENDPOINT = re.compile(r'^https?://[^/\s]+/?$')

REQUIRED = ('version', 'maven', 'checksums', 'jars', 'java_package', 'java_versions', 'os_family', 'os_major',
            'architecture', 'install_root', 'config_dir', 'data_dir', 'jdbc_jar', 'jdbc_driver', 'user', 'port',
            'bind_address', 'heap_mb', 'jvm_options', 'warehouse_dir', 's3_endpoint', 's3_region', 's3_path_style',
            's3_access_key_set', 's3_secret_key_set', 's3_keys_plain', 's3_ca', 'site_properties', 'db_host',
            'db_group', 'db_host_known', 'db_instance', 'db_vars', 'db_name', 'db_user', 'db_address',
            'db_client_host', 'db_socket', 'db_jdbc_options', 'db_password_set', 'generate_password',
            'inventory_hostname', 'default_ipv4', 'start_timeout')
OPTIONAL = {'sha256': ''}


def _fail(msg):
    raise AnsibleFilterError(msg)


def _text(value):
    return '' if value is None else str(value)


def _maven(coordinate, what):
    """group:artifact:version[:extension[:classifier]] -> dict (Maven's own client form)."""
    parts = _text(coordinate).strip().split(':')
    if len(parts) not in (3, 4, 5) or not all(_PART.match(p) and '..' not in p for p in parts):
        _fail('%s: %r is not a Maven coordinate group:artifact:version[:extension[:classifier]]' % (what, coordinate))
    group, artifact, version = parts[:3]
    extension = parts[3] if len(parts) > 3 else 'jar'
    classifier = parts[4] if len(parts) > 4 else ''
    file_name = '%s-%s%s.%s' % (artifact, version, '-' + classifier if classifier else '', extension)
    return {'group': group, 'artifact': artifact, 'version': version, 'extension': extension,
            'classifier': classifier, 'file': file_name, 'coordinate': ':'.join(parts)}


def _java(s):
    line_match = re.match(r'^([0-9]+)\.([0-9]+)', _text(s['version']))
    line = '%s.%s' % line_match.groups() if line_match else ''
    package = _text(s['java_package']) or DEFAULT_JAVA_PACKAGES.get(_text(s['os_major']), '')
    if not package:
        _fail('%sjava_package is empty and there is no default Java for %s %s: set it to the OpenJDK JRE package '
              'that fits Hive %s (%sjava_versions)' % (P, s['os_family'], s['os_major'], s['version'], P))
    found = re.search(r'[0-9]+', package)
    major = int(found.group(0)) if found else 0
    versions = s['java_versions'] or DEFAULT_JAVA_VERSIONS
    span = versions.get(line)
    if not span or len(span) != 2:
        _fail('There is no Java requirement for Hive %s in %sjava_versions (known lines: %s); add "%s": [oldest, '
              'newest Java major] from the release notes.' % (line or s['version'], P, ', '.join(sorted(versions)), line))
    low, high = int(span[0]), int(span[1])
    if not low <= major <= high:
        msg = ('Hive %s runs on Java %s (%sjava_versions), but %sjava_package=%s is Java %d (%s). '
               % (s['version'], low if low == high else '%d-%d' % (low, high), P, P, package, major,
                  'too old' if major < low else 'newer than the line supports'))
        if high < 17:
            msg += 'Debian ships no Java %d: use Hive 4.0.x (Java 17 on Debian 12, Java 21 on Debian 13).' % low
        else:
            msg += ('Set %sjava_package to openjdk-%d-jre-headless (Debian 12 ships 17, Debian 13 ships 21 and 25), or '
                    'choose a Hive release for the Java you have.' % (P, low if major < low else high))
        _fail(msg)
    arch = ARCH.get(_text(s['architecture']), _text(s['architecture']))
    return line, {'package': package, 'major': major, 'home': '/usr/lib/jvm/java-%d-openjdk-%s' % (major, arch)}


def _artifacts(s):
    if not _RELEASE.match(_text(s['version'])):
        _fail('%sversion (%s) must be a release number such as 4.0.1.' % (P, s['version']))
    sha256 = _text(s.get('sha256')) or _text((s['checksums'] or {}).get(_text(s['version'])))
    if not _SHA256.match(sha256):
        _fail('%ssha256 must be the sha256 of %s; there is no pinned checksum for %sversion=%s (pinned: %s). Compute '
              'it from the file (and compare with the .sha1 beside it on Maven Central) and set %ssha256 next to '
              '%sversion.' % (P, s['maven'], P, s['version'], ', '.join(sorted(s['checksums'] or {})) or 'none', P, P))
    release = _maven(s['maven'], P + 'maven')
    root = _text(s['install_root']).rstrip('/')
    server = {'name': 'hive-metastore', 'version': _text(s['version']), 'maven': release['coordinate'],
              'sha256': sha256.lower(), 'format': 'tar', 'strip_components': 1}
    jars, paths = [], []
    if not isinstance(s['jars'], list) or not s['jars']:
        _fail('%shadoop_jars must be a non-empty list of {maven: group:artifact:version, sha256: ...}' % P)
    for item in s['jars']:
        if not isinstance(item, dict):
            _fail('%shadoop_jars: each item is {maven: group:artifact:version, sha256: <64 hex>}, got %r' % (P, item))
        jar = _maven(item.get('maven'), P + 'hadoop_jars')
        if not _SHA256.match(_text(item.get('sha256'))):
            _fail('%shadoop_jars: %s has no sha256 (got %r); compute it from the file on Maven Central and compare '
                  'with the .sha1 beside it.' % (P, jar['coordinate'], item.get('sha256')))
        if jar['extension'] != 'jar':
            _fail('%shadoop_jars: %s is not a jar' % (P, jar['coordinate']))
        jars.append({'name': jar['artifact'], 'version': jar['version'], 'maven': jar['coordinate'],
                     'sha256': _text(item['sha256']).lower(), 'format': 'file', 'dest_name': jar['file']})
        paths.append('%s/%s/%s/%s' % (root, jar['artifact'], jar['version'], jar['file']))
    names = [j['name'] for j in jars]
    twice = sorted(set(n for n in names if names.count(n) > 1))
    if twice:
        _fail('%shadoop_jars lists %s more than once (one version per artifact)' % (P, ', '.join(twice)))
    home = '%s/hive-metastore/%s' % (root, s['version'])
    return home, [server] + jars, paths


def _db(s):
    host = _text(s['db_host'])
    if not host:
        _fail('%sdb_host is empty and the inventory group %s (%sdb_group) has no host: put the MariaDB host '
              '(mysql_multi) into that group or set %sdb_host.' % (P, s['db_group'], P, P))
    if not s['db_host_known']:
        _fail('%sdb_host=%s is not a host of this inventory; the metastore database must be a mysql_multi instance of '
              'an inventory host (group %s).' % (P, host, s['db_group']))
    db_vars = s['db_vars'] or {}
    instances = db_vars.get('mysql_multi_instances') or []
    present = [i for i in instances if isinstance(i, dict) and i.get('state', 'present') == 'present']
    names = [_text(i.get('name')) for i in present]
    wanted = _text(s['db_instance'])
    if wanted:
        chosen = [i for i in present if _text(i.get('name')) == wanted]
    else:
        chosen = present if len(present) == 1 else []
    if not chosen:
        if not present:
            _fail('%s (%sdb_host) has no present mysql_multi instance in mysql_multi_instances: define one there for '
                  'the metastore database.' % (host, P))
        if wanted:
            _fail('%s has no mysql_multi instance %s (%sdb_instance); its present instances are: %s.'
                  % (host, wanted, P, ', '.join(names)))
        _fail('%s has %d mysql_multi instances (%s): say which one holds the metastore with %sdb_instance.'
              % (host, len(present), ', '.join(names), P))
    instance = chosen[0]
    same_host = host == _text(s['inventory_hostname'])
    bind = _text(instance.get('bind_address') or db_vars.get('mysql_multi_bind_address') or '127.0.0.1')
    client_host = _text(s['db_client_host']) or ('127.0.0.1' if same_host else _text(s['default_ipv4']))
    if not same_host and bind in ('127.0.0.1', 'localhost', '::1'):
        _fail('Instance %s on %s listens on %s only, which %s cannot reach: set its bind_address (mysql_multi_instances) '
              'to an address of %s, or run the metastore there.'
              % (instance.get('name'), host, bind, s['inventory_hostname'], host))
    if not client_host:
        _fail('Cannot tell the address %s connects from (no default IPv4 address): set %sdb_client_host.'
              % (s['inventory_hostname'], P))
    address = _text(s['db_address']) or ('127.0.0.1' if same_host else _text(db_vars.get('ansible_host') or host))
    try:
        port = int(instance.get('port'))
    except (TypeError, ValueError):
        _fail('mysql_multi instance %s on %s has no valid port (%r)' % (instance.get('name'), host, instance.get('port')))
    return {
        'host': host,
        'instance': _text(instance.get('name')),
        'port': port,
        'bind_address': bind,
        'same_host': same_host,
        'socket': _text(s['db_socket']) or '/run/mysql-multi/%s/mysqld.sock' % instance.get('name'),
        'address': address,
        'client_host': client_host,
        'privileges': DB_PRIVILEGES,
    }


def _check_plain(s):
    if not 1024 <= int(s['port']) <= 65535:
        _fail('%sport must be between 1024 and 65535 (the service runs without privileges; got %s)' % (P, s['port']))
    for name in ('config_dir', 'data_dir', 'install_root'):
        if not re.match(r'^/[^ :]+$', _text(s[name])):
            _fail('%s%s must be an absolute path without spaces or ":" (got %r)' % (P, name, s[name]))
    if not re.match(r'^/[^ :,]+\.jar$', _text(s['jdbc_jar'])):
        _fail('%sjdbc_jar must be the absolute path of a jar, without ":" or "," (got %r)' % (P, s['jdbc_jar']))
    if not re.match(r'^[a-z_][a-z0-9_-]*$', _text(s['user'])):
        _fail('%suser must be a plain account name (got %r)' % (P, s['user']))
    if not re.match(r'^[A-Za-z0-9_]{1,64}$', _text(s['db_name'])):
        _fail('%sdb_name may hold letters, digits and "_" (at most 64; got %r)' % (P, s['db_name']))
    if not re.match(r'^[A-Za-z0-9_.-]{1,80}$', _text(s['db_user'])):
        _fail('%sdb_user may hold letters, digits and "_.-" (got %r)' % (P, s['db_user']))
    if int(s['heap_mb']) < 256:
        _fail('%sheap_mb must be at least 256 (got %s)' % (P, s['heap_mb']))
    if not isinstance(s['jvm_options'], list) or any(not isinstance(o, str) or not o.startswith('-') or '\n' in o
                                                     for o in s['jvm_options']):
        _fail('%sjvm_options must be a list of JVM options, each starting with "-" (got %r)' % (P, s['jvm_options']))
    if any(o.startswith(('-cp', '-classpath', '--class-path', '-Djavax.net.ssl.')) for o in s['jvm_options']):
        _fail('%sjvm_options may not set the class path or the truststore: the role sets them' % P)


def _check_s3(s):
    if not _BUCKET_URI.match(_text(s['warehouse_dir'])):
        _fail('%swarehouse_dir=%s must be an S3A URI on object storage, s3a://<bucket>/[path] with a valid bucket name '
              '(lowercase letters, digits, "." and "-"): this role sets up S3A for MinIO/S3, not HDFS or local paths '
              "(s3:// and s3n:// are not Hadoop's S3A scheme)." % (P, s['warehouse_dir']))
    if not (s['s3_access_key_set'] and s['s3_secret_key_set']):
        _fail('The warehouse is on S3 (%s): %ss3_access_key and %ss3_secret_key are required (the metastore needs its '
              'own S3 credentials to create database and table directories), e.g. an access key of the S3 store limited '
              'to the warehouse bucket.' % (s['warehouse_dir'], P, P))
    if not s['s3_keys_plain']:
        _fail('The S3 access key and secret key may not contain spaces or the characters < > & ".')
    endpoint = _text(s['s3_endpoint'])
    if endpoint and not _ENDPOINT.match(endpoint):
        _fail('%ss3_endpoint=%s must be a URL with scheme and without path, e.g. https://s3.example.net:8333.'
              % (P, endpoint))
    if _text(s['s3_ca']) and 'BEGIN CERTIFICATE' not in _text(s['s3_ca']):
        _fail('%ss3_ca must be a PEM certificate (-----BEGIN CERTIFICATE-----).' % P)


def _check_site_properties(s):
    props = s['site_properties'] or {}
    bad = sorted(k for k in props if _text(k).startswith(MANAGED_PREFIXES))
    if bad:
        _fail('%ssite_properties: %s %s set by the role; use %sdb_*, %swarehouse_dir, %sport and %ss3_* instead.'
              % (P, ', '.join(bad), 'is' if len(bad) == 1 else 'are', P, P, P, P))
    if not s['generate_password'] and not s['db_password_set']:
        _fail('%sdb_password is required when %sgenerate_password is false (give it from Vault or an AWX credential), '
              'or set %sgenerate_password: true.' % (P, P, P))


def _jdbc_url(db, s):
    address = '[%s]' % db['address'] if ':' in db['address'] else db['address']
    options = s['db_jdbc_options'] or {}
    query = '&'.join('%s=%s' % (k, options[k]) for k in options)
    return 'jdbc:mariadb://%s:%d/%s%s' % (address, db['port'], s['db_name'], '?' + query if query else '')


def hive_metastore_settings(params):
    """The hive_metastore role's derived settings as one dict; raises AnsibleFilterError on bad input."""
    if not isinstance(params, dict):
        _fail('hive_metastore_settings expects a dict, got %s' % type(params).__name__)
    missing = [k for k in REQUIRED if k not in params]
    unknown = sorted(set(params) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:
        _fail('hive_metastore_settings: missing %s; unknown %s' % (', '.join(missing) or 'none', ', '.join(unknown) or 'none'))
    s = dict(OPTIONAL)
    s.update(params)
    if _text(s['os_family']) != 'Debian':
        _fail('hive_metastore supports the Debian family (Java and MariaDB Connector/J come from its packages); %s runs '
              '%s.' % (s['inventory_hostname'], s['os_family']))
    line, java = _java(s)
    home, artifacts, jar_paths = _artifacts(s)
    _check_plain(s)
    _check_s3(s)
    _check_site_properties(s)
    db = _db(s)
    jdbc_url = _jdbc_url(db, s)
    config_dir = _text(s['config_dir'])
    major = line.split('.')[0] if line else ''

    site = {
        'javax.jdo.option.ConnectionURL': jdbc_url,
        'javax.jdo.option.ConnectionDriverName': _text(s['jdbc_driver']),
        'javax.jdo.option.ConnectionUserName': _text(s['db_user']),
        'metastore.warehouse.dir': _text(s['warehouse_dir']),
        'metastore.thrift.port': str(int(s['port'])),
        'datanucleus.schema.autoCreateAll': 'false',
        'metastore.schema.verification': 'true',
    }
    if _text(s['bind_address']):
        site['metastore.thrift.bind.host'] = _text(s['bind_address'])
    if line == '4.0':
        site['metastore.task.threads.always'] = ','.join(ALWAYS_TASKS_40)
    site.update(dict((k, _text(v)) for k, v in (s['site_properties'] or {}).items()))

    endpoint = _text(s['s3_endpoint']).rstrip('/')
    core_site = {
        'hadoop.tmp.dir': _text(s['data_dir']) + '/tmp',
        'fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
        'fs.s3a.path.style.access': 'true' if s['s3_path_style'] else 'false',
        'fs.s3a.endpoint.region': _text(s['s3_region']),
    }
    if endpoint:
        core_site['fs.s3a.endpoint'] = endpoint
        core_site['fs.s3a.connection.ssl.enabled'] = 'true' if endpoint.startswith('https://') else 'false'

    truststore = config_dir + '/truststore.p12'
    # The class path: configuration first (metastore-site.xml, core-site.xml, log4j2), the release's
    # lib/, the Hadoop jars, then the JDBC driver from the OS.
    classpath = [config_dir, home + '/lib/*'] + jar_paths + [_text(s['jdbc_jar'])]
    jvm_args = ['-Xmx%dm' % int(s['heap_mb']), '-Djava.io.tmpdir=' + _text(s['data_dir']) + '/tmp',
                '-Dlog4j.configurationFile=' + config_dir + '/metastore-log4j2.properties'] + list(s['jvm_options'])
    if _text(s['s3_ca']):
        jvm_args += ['-Djavax.net.ssl.trustStore=' + truststore, '-Djavax.net.ssl.trustStoreType=PKCS12']
    listen = _text(s['bind_address'])
    wait_host = '127.0.0.1' if listen in ('', '0.0.0.0', '::') else listen
    argfile = config_dir + '/jvm.args'
    return {
        'line': line,
        'java': java,
        'packages': [java['package'], 'python3-pymysql'],
        'home': home,
        'artifacts': artifacts,
        'classpath': classpath,
        'jvm_args': jvm_args,
        'argfile': argfile,
        'truststore': truststore,
        'ca_file': config_dir + '/s3-ca.crt',
        'db': db,
        'jdbc_url': jdbc_url,
        'site': site,
        'core_site': core_site,
        'schematool_class': SCHEMATOOL_CLASS.get(major, SCHEMATOOL_CLASS['4']),
        'wait': {'host': wait_host, 'port': int(s['port']), 'timeout': int(s['start_timeout'])},
        'unit': {
            'name': 'hive-metastore',
            'description': 'Hive standalone metastore %s (thrift port %s)' % (s['version'], s['port']),
            'documentation': 'https://hive.apache.org/docs/latest/admin/adminmanual-metastore-3-0-administration/',
            'user': _text(s['user']),
            # The JVM reads its options, class path and the truststore password from the argument file
            # (root:<group> 0640): nothing secret on the command line or in the environment.
            'exec_start': '%s/bin/java @%s %s' % (java['home'], argfile, SERVER_CLASS),
            'working_directory': _text(s['data_dir']),
            'read_write_paths': [_text(s['data_dir'])],
            'restart': 'on-failure',
            'timeout_stop_sec': 60,
        },
    }


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'hive_metastore_settings': hive_metastore_settings}
