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

import ipaddress
import posixpath
import re
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks
from ansible_collections.datamesh.platform.plugins.plugin_utils.settings import role_params

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

# Hive 4's metastore rewrites, for clients that do not announce Hive's capabilities (Trino), every
# new managed table into an EXTERNAL one (MetastoreDefaultTransformer, the default of
# metastore.metadata.transformer.class), and Trino then refuses to write to its own tables: "Cannot
# write to non-managed Hive table" (trinodb/trino#28424; a dbt incremental model's INSERT failed so
# in scenario data_product). A single space switches the transformer off (an empty value means the
# default): stackabletech/hive-operator#757. Overridable in hive_metastore_site_properties.
TRANSFORMER_OFF = ' '

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

# The facts the role passes in; everything else has the role's default (defaults/main.yml).
REQUIRED = ('os_family', 'os_major', 'architecture', 'inventory_hostname')
DEFAULTS = {
    'version': '', 'maven': '', 'sha256': '', 'checksums': {}, 'jars': [], 'java_package': '', 'java_versions': {},
    'jvm_options': [], 'install_root': '/opt/datamesh', 'config_dir': '/etc/hive-metastore',
    'data_dir': '/var/lib/hive-metastore', 'jdbc_jar': '/usr/share/java/mariadb-java-client.jar',
    'jdbc_driver': 'org.mariadb.jdbc.Driver', 'user': 'hive', 'port': 9083, 'bind_address': '', 'heap_mb': 1024,
    'start_timeout': 180, 'warehouse_dir': 's3a://warehouse/', 's3_endpoint': '', 's3_region': 'us-east-1',
    's3_path_style': True, 's3_access_key': '', 's3_secret_key': '', 's3_ca': '', 'site_properties': {},
    'db_group': 'mysql', 'db_host': '', 'db_host_known': False, 'db_instance': '', 'db_vars': {},
    'db_name': 'metastore', 'db_user': 'hive', 'db_address': '', 'db_client_host': '', 'db_socket': '',
    'db_jdbc_options': {}, 'db_readers': [], 'db_password': '', 'generate_password': True, 'default_ipv4': '',
    # preflight's view of the host and the inventory: the host's inventory variables and groups (for the other
    # roles' ports and directories), every host's variables and the groups (for the S3 store), what listens on the
    # host (module listening_ports), the role-prefixed variables in scope and the role's own variable names
    'host_vars': {}, 'group_names': [], 'hostvars': {}, 'groups': {}, 'listening': [], 'variables': [],
    'known_variables': [],
}
# Secrets everybody knows besides checks.KNOWN_SECRETS: Hive's own default ConnectionPassword (hive-default.xml,
# "mine"), Derby's APP account, and the example secret key of the AWS documentation.
KNOWN_SECRETS = ('mine', 'app', 'hivemetastore', 'hive-metastore', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')
# Variables of the role that are not options: what the schema task registers.
REGISTERED = ('hive_metastore_schema',)
# Keys of an item of hive_metastore_hadoop_jars.
JAR_KEYS = ('maven', 'sha256')
# systemd units whose listeners are the metastore's own (a re-run on a converged host).
OWN_UNITS = ('hive-metastore.service',)
# Directories of the collection's other roles, by role, with their defaults (roles/<role>/defaults/main.yml):
# the metastore's directories may be none of them, nor inside or around one, on a host that runs that role.
OTHER_ROLE_DIRS = {
    'mysql_multi': (('mysql_multi_config_dir', '/etc/mysql-multi'), ('mysql_multi_data_root', '/var/lib/mysql-multi'),
                    ('mysql_multi_log_root', '/var/log/mysql-multi')),
    'minio': (('minio_config_dir', '/etc/minio'),),
    'seaweedfs': (('seaweedfs_data_dir', '/var/lib/seaweedfs'), ('seaweedfs_config_dir', '/etc/seaweedfs')),
    'trino': (('trino_config_dir', '/etc/trino'), ('trino_data_dir', '/var/lib/trino'),
              ('trino_log_dir', '/var/log/trino')),
    'jupyterhub': (('jupyterhub_install_dir', None),),
    'nginx_docs': (('nginx_docs_root', '/var/www/dbt-docs'),),
}
# The S3 stores of the collection: inventory group, port variable and default, bucket list variable.
STORES = (('seaweedfs', 'seaweedfs_s3_port', 8333, 'seaweedfs_buckets'),
          ('minio', 'minio_port', 9000, 'minio_buckets'))
# MariaDB Connector/J options whose case is easily got wrong (the driver ignores a misspelt one silently).
JDBC_OPTIONS = ('sslMode', 'serverSslCert', 'trustStore', 'trustStoreType', 'keyStore', 'keyStoreType',
                'connectTimeout', 'socketTimeout', 'useCompression', 'allowPublicKeyRetrieval',
                'enabledSslProtocolSuites', 'enabledSslCipherSuites', 'tcpKeepAlive', 'sessionVariables',
                'connectionAttributes', 'localSocket', 'useServerPrepStmts', 'cachePrepStmts')
_PROPERTY = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')
_JDBC_KEY = re.compile(r'^[A-Za-z][A-Za-z0-9_.]*$')
_JDBC_VALUE = re.compile(r'^[^\s&=?#;]+$')
_HOSTNAME = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$')
_REGION = re.compile(r'^[a-z0-9][a-z0-9-]*$')


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
    for name, var in (('config_dir', P + 'config_dir'), ('data_dir', P + 'data_dir'),
                      ('install_root', 'datamesh_install_root')):
        if not re.match(r'^/[^ :]+$', _text(s[name])):
            _fail('%s must be an absolute path without spaces or ":" (got %r)' % (var, s[name]))
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
    if not (_text(s['s3_access_key']) and _text(s['s3_secret_key'])):
        _fail('The warehouse is on S3 (%s): %ss3_access_key and %ss3_secret_key are required (the metastore needs its '
              'own S3 credentials to create database and table directories), e.g. an access key of the S3 store limited '
              'to the warehouse bucket.' % (s['warehouse_dir'], P, P))
    if re.search(r'[\s<>&"]', _text(s['s3_access_key']) + _text(s['s3_secret_key'])):
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
    if not s['generate_password'] and not _text(s['db_password']):
        _fail('%sdb_password is required when %sgenerate_password is false (give it from Vault or an AWX credential), '
              'or set %sgenerate_password: true.' % (P, P, P))


def _refuse(problems):
    if problems:
        _fail(' '.join(p if p.endswith('.') else p + '.' for p in problems))


def _typo_problems(s):
    """Unknown hive_metastore_* variables (the closest known name) and unknown keys of the jar entries."""
    known = list(s['known_variables'] or []) + list(REGISTERED)
    problems = checks.unknown_variables('hive_metastore', list(s['variables'] or []), known) if known else []
    for index, item in enumerate(s['jars'] if isinstance(s['jars'], list) else []):
        if isinstance(item, dict):
            problems += checks.unknown_keys('%shadoop_jars[%d]' % (P, index), item, JAR_KEYS)
    return problems


def _path_problems(s):
    """The directories the role creates and owns: not a system directory, absolute and normalised, none inside
    another, nor inside, equal to or around a directory of another role this host runs."""
    root = _text(s['install_root'])
    paths = {P + 'config_dir': s['config_dir'], P + 'data_dir': s['data_dir']}
    # The install root is shared by the collection's roles (default /opt/datamesh, a system directory for the
    # others): the metastore's releases go into <root>/hive-metastore, which must be a directory of its own.
    problems = checks.path_problems({'datamesh_install_root': root})
    if problems and root.startswith('/') and posixpath.normpath(root) not in ('/', '/usr', '/etc', '/var') \
            and all('is a system directory' in p for p in problems):
        problems = []
    if not problems:
        paths['datamesh_install_root/hive-metastore'] = posixpath.join(root, 'hive-metastore')
    return problems + checks.path_problems(paths, _foreign_dirs(s, root), what='metastore')


def _foreign_dirs(s, root):
    host_vars = s['host_vars'] or {}
    groups = set(s['group_names'] or ())
    foreign = {}
    for role, role_groups in checks.ROLE_GROUPS.items():
        if role not in OTHER_ROLE_DIRS or not groups & set(role_groups):
            continue
        for var, default in OTHER_ROLE_DIRS[role]:
            if default is None:
                default = posixpath.join(root or '/opt/datamesh', role)
            value = host_vars.get(var, default) if hasattr(host_vars, 'get') else default
            foreign['%s of role %s' % (var, role)] = _text(value)
    if root.startswith('/'):
        # the other artifacts of the collection live in <install root>/<artifact>/
        for item in s['jars'] if isinstance(s['jars'], list) else []:
            try:
                artifact = _maven(item.get('maven'), P + 'hadoop_jars')['artifact']
            except (AnsibleFilterError, AttributeError):
                continue
            foreign['the install directory of %s' % artifact] = posixpath.join(root, artifact)
    foreign["_common's artifact cache"] = '/var/cache/datamesh'
    return foreign


def _secret_problems(s):
    """Every secret the inventory can give: the database password (generated when empty) and the S3 secret key."""
    known = KNOWN_SECRETS + (_text(s['db_name']), _text(s['user']))
    problems = checks.secret_problems(P + 'db_password', s['db_password'] or '', user=_text(s['db_user']),
                                      known=known)
    readers = s['db_readers']
    if not isinstance(readers, list) or not all(isinstance(r, dict) for r in readers):
        return problems + ['%sdb_readers must be a list of {name, password, host}' % P]
    names = [_text(r.get('name')) for r in readers]
    for index, reader in enumerate(readers):
        label = '%sdb_readers[%d]' % (P, index)
        problems += checks.unknown_keys(label, reader, ('name', 'password', 'host'))
        name = _text(reader.get('name'))
        if not re.match(r'^[A-Za-z0-9_.-]{1,80}$', name) or name == _text(s['db_user']) or names.count(name) > 1:
            problems.append('%s.name=%s must be an account name of its own (letters, digits and "_.-", not %sdb_user, '
                            'not twice)' % (label, name or '""', P))
        if not re.match(r'^[A-Za-z0-9_.%:-]{1,255}$', _text(reader.get('host', '%'))):
            problems.append('%s.host=%s must be a MariaDB host pattern (letters, digits and "_.%%:-")'
                            % (label, reader.get('host')))
        problems += checks.secret_problems(label + '.password', reader.get('password') or '', user=name, known=known,
                                           required=True)
    access = _text(s['s3_access_key'])
    problems += checks.secret_problems(P + 's3_secret_key', s['s3_secret_key'] or '', user=access, known=known)
    if access and access == _text(s['s3_secret_key']):
        problems.append('%ss3_secret_key equals %ss3_access_key: give the key its own secret' % (P, P))
    return problems


def _value_problems(s):
    """Values that would only fail once the metastore starts (or silently do the wrong thing)."""
    problems = []
    bind = _text(s['bind_address'])
    if bind:
        try:
            ipaddress.ip_address(bind)
        except ValueError:
            if not _HOSTNAME.match(bind):
                problems.append('%sbind_address=%r is neither an IP address nor a host name: give an address of this '
                                'host, or leave it empty for all' % (P, bind))
    if not _REGION.match(_text(s['s3_region'])):
        problems.append('%ss3_region=%r is not a region name such as us-east-1 (fs.s3a.endpoint.region signs every '
                        'request)' % (P, s['s3_region']))
    for option in s['jvm_options'] or []:
        if isinstance(option, str) and option.startswith(('-Xmx', '-XX:MaxHeapSize')):
            problems.append('%sjvm_options sets the heap (%s): set %sheap_mb instead' % (P, option, P))
    props = s['site_properties'] if isinstance(s['site_properties'], dict) else {}
    if not isinstance(s['site_properties'], dict):
        problems.append('%ssite_properties must be a dict of property name: value' % P)
    for key, value in props.items():
        if not isinstance(key, str) or not _PROPERTY.match(key):
            problems.append('%ssite_properties: %r is not a Hadoop property name (letters, digits, ".", "_" and "-", '
                            'e.g. metastore.server.max.threads)' % (P, key))
        elif value is None or isinstance(value, (dict, list)) or '\n' in _text(value):
            problems.append('%ssite_properties: %s must have one value on one line (a string, number or boolean), '
                            'got %r' % (P, key, value))
    options = s['db_jdbc_options'] if isinstance(s['db_jdbc_options'], dict) else {}
    if not isinstance(s['db_jdbc_options'], dict):
        problems.append('%sdb_jdbc_options must be a dict of Connector/J option: value' % P)
    lower = dict((o.lower(), o) for o in JDBC_OPTIONS)
    for key, value in options.items():
        key = _text(key)
        if not _JDBC_KEY.match(key):
            problems.append('%sdb_jdbc_options: %r is not a JDBC option name' % (P, key))
        elif 'password' in key.lower() or key.lower() == 'user':
            problems.append('%sdb_jdbc_options: %s may not be given here: the JDBC URL goes onto schematool\'s command '
                            'line and into metastore-site.xml; use %sdb_user and %sdb_password' % (P, key, P, P))
        elif key.lower() in lower and key != lower[key.lower()]:
            problems.append('%sdb_jdbc_options has an unknown key %s: did you mean %s? (MariaDB Connector/J ignores '
                            'an option it does not know)' % (P, key, lower[key.lower()]))
        elif isinstance(value, (dict, list)) or value is None or not _JDBC_VALUE.match(_property_value(value)):
            problems.append('%sdb_jdbc_options: the value of %s must be one word without spaces, "&", "=", "?", "#" or '
                            '";" (got %r)' % (P, key, value))
    return problems


def _property_value(value):
    # YAML true/false are Python booleans; Hadoop's Configuration reads "true"/"false".
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return _text(value)


def _port_problems(s, db):
    """hive_metastore_port against the other roles this host runs (and its own database instance, when that is on
    this host) and against what already listens here."""
    own = [{'name': P + 'port', 'port': int(s['port']), 'address': _text(s['bind_address']) or None}]
    claims = checks.host_port_claims('hive_metastore', own, s['host_vars'] or {}, list(s['group_names'] or ()))
    if db['same_host'] and not any(c.get('role') == 'mysql_multi' and c.get('port') == db['port'] for c in claims):
        claims.append({'name': 'the port of mysql_multi instance %s (%sdb_instance)' % (db['instance'], P),
                       'port': db['port'], 'role': 'mysql_multi'})
    problems = checks.port_problems(claims)
    # In a container without CAP_SYS_PTRACE the metastore's process is hidden: its socket's owner is known.
    problems += checks.ports_in_use_problems(own, list(s['listening'] or ()), OWN_UNITS, [_text(s['user'])])
    return problems


def _store_problems(s):
    """The S3 endpoint and the warehouse bucket, where the endpoint is a store of this inventory (seaweedfs or
    minio group): its S3 port, and the bucket declared there. Endpoints outside the inventory are not checked."""
    endpoint = _text(s['s3_endpoint'])
    if not endpoint:
        return []
    parts = urlsplit(endpoint)
    host = parts.hostname or ''
    try:
        port = parts.port or (443 if parts.scheme == 'https' else 80)
    except ValueError:
        return []
    hostvars = s['hostvars'] or {}
    groups = s['groups'] or {}
    if host in ('127.0.0.1', 'localhost', '::1'):
        candidates = [_text(s['inventory_hostname'])]
    else:
        candidates = [h for h in hostvars if h == host or _text(hostvars[h].get('ansible_host', '')) == host]
    bucket = _text(s['warehouse_dir'])[len('s3a://'):].split('/', maxsplit=1)[0]
    for group, port_var, default_port, bucket_var in STORES:
        members = [h for h in candidates if h in (groups.get(group) or ())]
        if not members:
            continue
        store = hostvars[members[0]] if members[0] in hostvars else {}
        store_port = store.get(port_var, default_port)
        problems = []
        if _text(store_port) != str(port):
            problems.append('%ss3_endpoint=%s: %s runs the %s S3 API on port %s (%s), not %s: fix the port'
                            % (P, endpoint, members[0], group, store_port, port_var, port))
        names = [_text(b.get('name') if isinstance(b, dict) else b) for b in store.get(bucket_var) or []]
        if bucket not in names:
            problems.append('%swarehouse_dir=%s: the bucket %s is not declared on %s (%s: %s): add {name: %s} there, '
                            'or use one of its buckets' % (P, s['warehouse_dir'], bucket, members[0], bucket_var,
                                                           ', '.join(names) or 'none', bucket))
        return problems
    return []


def _jdbc_url(db, s):
    address = '[%s]' % db['address'] if ':' in db['address'] else db['address']
    options = s['db_jdbc_options'] or {}
    query = '&'.join('%s=%s' % (k, options[k]) for k in options)
    return 'jdbc:mariadb://%s:%d/%s%s' % (address, db['port'], s['db_name'], '?' + query if query else '')


def hive_metastore_settings(params):
    """The hive_metastore role's derived settings as one dict; raises AnsibleFilterError on bad input."""
    s = role_params('hive_metastore_settings', params, DEFAULTS, REQUIRED)
    # Typos, dangerous directories and weak secrets first: all of them at once, the first on top.
    _refuse(_typo_problems(s) + _path_problems(s) + _secret_problems(s))
    if _text(s['os_family']) != 'Debian':
        _fail('hive_metastore supports the Debian family (Java and MariaDB Connector/J come from its packages); %s runs '
              '%s.' % (s['inventory_hostname'], s['os_family']))
    line, java = _java(s)
    home, artifacts, jar_paths = _artifacts(s)
    _check_plain(s)
    _check_s3(s)
    _check_site_properties(s)
    _refuse(_value_problems(s))
    db = _db(s)
    _refuse(_port_problems(s, db) + _store_problems(s))
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
    if major == '4':
        site['metastore.metadata.transformer.class'] = TRANSFORMER_OFF
    site.update(dict((k, _property_value(v)) for k, v in (s['site_properties'] or {}).items()))

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
        'db_readers': [{'name': _text(r['name']), 'host': _text(r.get('host', '%'))} for r in s['db_readers']],
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


def hive_metastore_artifacts(params):
    """Only the artifacts of the settings (the release and Hadoop's jars), from only what decides them: for the role's
    `mirror` entry point, which runs before the platform's secrets and CA exist."""
    if not isinstance(params, dict):
        _fail('hive_metastore_artifacts expects a dict, got %s' % type(params).__name__)
    missing = sorted({'version', 'maven', 'sha256', 'checksums', 'jars', 'install_root'} - set(params))
    if missing:
        _fail('hive_metastore_artifacts: missing keys %s' % ', '.join(missing))
    return _artifacts(params)[1]


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'hive_metastore_settings': hive_metastore_settings, 'hive_metastore_artifacts': hive_metastore_artifacts}
