# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Shared code for Hive Metastore schema management (used by the hive_schema module).

What is in here, and where each fact comes from (apache/hive, standalone-metastore):

- Version order and equivalence: MetaStoreSchemaInfo.java (EQUIVALENT_VERSIONS: 4.0.1 uses
  schema 4.0.0; isVersionCompatible puts pre-releases such as 4.0.0-beta-1 before 4.0.0).
- What a distribution can install or upgrade to: its scripts directory
  <metastore home>/scripts/metastore/upgrade/<dbType>/ with hive-schema-<v>.<db>.sql and
  upgrade.order.<db>. `schematool -upgradeSchema` always runs to the end of upgrade.order, so
  the last "A-to-B" line gives B, the schema version of this distribution.
- The schema version in the database: the one-row VERSION table (VER_ID, SCHEMA_VERSION,
  VERSION_COMMENT). hive-schema-*.sql records the version as its *last* statement, so a
  VERSION table without a row means an initialisation that stopped half way.
- `schematool -info` output: SchemaToolTaskInfo.java prints "Hive distribution version:\\t <v>"
  and "Metastore schema version:\\t <v>", then fails when the two are not compatible;
  MetastoreSchemaTool.run() prints errors to stderr and ends with "*** schemaTool failed ***".

PyMySQL is imported here and reported through require_pymysql(), so the module can be
imported (ansible-test sanity) and documented without it.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import traceback
import zipfile

from ansible.module_utils.basic import missing_required_lib

try:
    import pymysql
    HAS_PYMYSQL = True
    PYMYSQL_IMPORT_ERROR = None
except ImportError:
    pymysql = None
    HAS_PYMYSQL = False
    PYMYSQL_IMPORT_ERROR = traceback.format_exc()

# schematool's -dbType values (SchemaToolCommandLine.java / HiveSchemaHelper.java). Only the
# ones listed in SUPPORTED_DB_TYPES are handled by this collection.
SCHEMATOOL_DB_TYPES = ('derby', 'mysql', 'postgres', 'oracle', 'mssql', 'hive')
SUPPORTED_DB_TYPES = ('mysql',)

# MetaStoreSchemaInfo.EQUIVALENT_VERSIONS (4.x): releases that use the schema of another.
EQUIVALENT_VERSIONS = {
    '0.13.1': '0.13.0',
    '1.0.0': '0.14.0',
    '1.0.1': '1.0.0',
    '1.1.1': '1.1.0',
    '1.2.1': '1.2.0',
    '4.0.1': '4.0.0',
}

DEFAULT_DRIVER = 'com.mysql.cj.jdbc.Driver'
# schematool's main class: 4.x moved it into a package of its own (bin/ext/schemaTool.sh of each line).
SCHEMATOOL_CLASSES = ('org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool',
                      'org.apache.hadoop.hive.metastore.tools.MetastoreSchemaTool')
MARIADB_DRIVER = 'org.mariadb.jdbc.Driver'
PASSWORD_MASK = '********'

# MySQL/MariaDB client and server error numbers the reader tells apart.
ER_DBACCESS_DENIED_ERROR = 1044  # Access denied for user ... to database (also when it does not exist)
ER_BAD_DB_ERROR = 1049          # Unknown database
ER_ACCESS_DENIED_ERROR = 1045   # Access denied for user
CR_CONN_HOST_ERROR = 2003       # Can't connect to MySQL server on ...


class HiveSchemaError(Exception):
    """A condition the module reports with fail_json; `details` go into the result."""

    def __init__(self, msg, **details):
        super(HiveSchemaError, self).__init__(msg)
        self.msg = msg
        self.details = details


def require_pymysql(module):
    if not HAS_PYMYSQL:
        module.fail_json(msg=missing_required_lib('PyMySQL'), exception=PYMYSQL_IMPORT_ERROR)


# ---------------------------------------------------------------- versions

_VERSION_RE = re.compile(r'^(\d+(?:\.\d+)*)(?:-([0-9A-Za-z][0-9A-Za-z.-]*))?$')


def equivalent(version):
    """The schema version a release uses (4.0.1 -> 4.0.0); other versions map to themselves."""
    return EQUIVALENT_VERSIONS.get(version, version)


def version_key(version):
    """Sort key for Hive schema versions: 3.1.0 < 3.2.0 < 4.0.0-alpha-1 < 4.0.0-beta-1 < 4.0.0.

    Raises ValueError for text that is not a version (e.g. 'Unknown').
    """
    match = _VERSION_RE.match(version.strip()) if isinstance(version, str) else None
    if not match:
        raise ValueError('not a Hive version: %r' % (version,))
    numbers = [int(p) for p in match.group(1).split('.')]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    suffix = match.group(2)
    if suffix is None:
        return (tuple(numbers), 1, ())
    tokens = tuple((0, int(t), '') if t.isdigit() else (1, 0, t.lower()) for t in re.split(r'[.-]', suffix) if t)
    return (tuple(numbers), 0, tokens)


def compare_versions(a, b):
    """-1, 0 or 1 as schema version a is older than, the same as or newer than b (after equivalence)."""
    ka, kb = version_key(equivalent(a)), version_key(equivalent(b))
    return (ka > kb) - (ka < kb)


# ---------------------------------------------------------------- the distribution on disk

class Distribution:
    """What a Hive standalone metastore installation can do, read from its files.

    schema_version: the version the distribution's scripts end at (last line of
        upgrade.order.<db>), i.e. what -upgradeSchema upgrades to.
    release: the release in the metastore jar's name (e.g. 4.0.1), or None when not found;
        informational only (3.1.x releases use schema 3.1.0).
    """

    def __init__(self, home, db_type):
        self.home = home
        self.db_type = db_type
        self.scripts_dir = os.path.join(home, 'scripts', 'metastore', 'upgrade', db_type)
        self.schematool = os.path.join(home, 'bin', 'schematool')
        if not os.path.isdir(home):
            raise HiveSchemaError('metastore_home %s does not exist or is not a directory' % home)
        if not os.path.isdir(self.scripts_dir):
            raise HiveSchemaError(
                'metastore_home %s is not a Hive standalone metastore for db_type %s: %s is missing'
                % (home, db_type, self.scripts_dir))
        self.order_file = os.path.join(self.scripts_dir, 'upgrade.order.%s' % db_type)
        try:
            with open(self.order_file) as f:
                self.upgrade_order = [line.strip() for line in f if line.strip()]
        except (IOError, OSError) as e:
            raise HiveSchemaError('cannot read %s, which schematool needs to upgrade: %s' % (self.order_file, e))
        if not self.upgrade_order or '-to-' not in self.upgrade_order[-1]:
            raise HiveSchemaError('%s does not end with an "<from>-to-<to>" line' % self.order_file)
        self.schema_version = self.upgrade_order[-1].split('-to-', 1)[1]
        self.release = self._release()

    def _release(self):
        for pattern in ('hive-standalone-metastore-server-*.jar', 'hive-standalone-metastore-*.jar'):
            for path in sorted(glob.glob(os.path.join(self.home, 'lib', pattern))):
                match = re.match(r'^hive-standalone-metastore-(?:server-)?(\d+\.\d+\.\d+[0-9A-Za-z.-]*?)\.jar$',
                                 os.path.basename(path))
                if match and not match.group(1).endswith('-tests'):
                    return match.group(1)
        return None

    def schematool_class(self):
        """schematool's main class, looked up in the metastore jars of lib/ (4.x first, then 3.x)."""
        jars = []
        for pattern in ('hive-standalone-metastore-server-*.jar', 'hive-standalone-metastore-*.jar'):
            jars += [j for j in sorted(glob.glob(os.path.join(self.home, 'lib', pattern))) if j not in jars]
        for jar in jars:
            try:
                with zipfile.ZipFile(jar) as archive:
                    names = set(archive.namelist())
            except (IOError, OSError, zipfile.BadZipfile):
                continue
            for cls in SCHEMATOOL_CLASSES:
                if cls.replace('.', '/') + '.class' in names:
                    return cls
        raise HiveSchemaError('no schematool class (%s) in the metastore jars of %s/lib; give main_class'
                              % (' or '.join(SCHEMATOOL_CLASSES), self.home))

    def init_script(self, version):
        return 'hive-schema-%s.%s.sql' % (version, self.db_type)

    def has_init_script(self, version):
        return os.path.isfile(os.path.join(self.scripts_dir, self.init_script(version)))

    def schema_versions(self):
        """Versions this distribution has a hive-schema-<v> script for, oldest first."""
        prefix, suffix = 'hive-schema-', '.%s.sql' % self.db_type
        found = []
        for name in os.listdir(self.scripts_dir):
            if name.startswith(prefix) and name.endswith(suffix):
                version = name[len(prefix):-len(suffix)]
                try:
                    version_key(version)
                except ValueError:
                    continue
                found.append(version)
        return sorted(found, key=version_key)

    def upgrade_scripts(self, from_version):
        """The scripts `schematool -upgradeSchema` runs from from_version (MetaStoreSchemaInfo.getUpgradeScripts)."""
        first = None
        for i, step in enumerate(self.upgrade_order):
            if step.startswith(from_version + '-to-'):
                first = i
        if first is None:
            raise HiveSchemaError(
                'schematool has no upgrade path from schema %s: %s has no "%s-to-..." line (the schema is older than '
                'this distribution supports, or was made by another Hive build)' % (from_version, self.order_file, from_version))
        scripts = ['upgrade-%s.%s.sql' % (step, self.db_type) for step in self.upgrade_order[first:]]
        missing = [s for s in scripts if not os.path.isfile(os.path.join(self.scripts_dir, s))]
        if missing:
            raise HiveSchemaError('upgrade scripts listed in %s are missing from %s: %s'
                                  % (self.order_file, self.scripts_dir, ', '.join(missing)))
        return scripts


# ---------------------------------------------------------------- the plan

class Plan:
    """What to do: action 'none', 'init' or 'upgrade', from_version (None = no schema) to to_version."""

    def __init__(self, action, from_version, to_version, scripts=()):
        self.action = action
        self.from_version = from_version
        self.to_version = to_version
        self.scripts = list(scripts)


def plan(current, target, distribution, allow_upgrade):
    """Decide init / upgrade / nothing, or raise HiveSchemaError when the module must not act.

    current: the version in the VERSION table, or None when the database holds no schema at all
        (read_schema_state() has already refused every other kind of "no version").
    target: the schema version wanted (already defaulted to the distribution's).
    """
    try:
        version_key(target)
    except ValueError:
        raise HiveSchemaError('target_version %r is not a Hive version' % (target,))
    if current is None:
        if not distribution.has_init_script(target):
            raise HiveSchemaError(
                'cannot initialise schema %s: %s has no %s (versions this distribution can initialise: %s)'
                % (target, distribution.scripts_dir, distribution.init_script(target),
                   ', '.join(distribution.schema_versions()) or 'none'))
        return Plan('init', None, target, [distribution.init_script(target)])
    try:
        order = compare_versions(current, target)
    except ValueError:
        raise HiveSchemaError('the VERSION table holds %r, which is not a Hive schema version; refusing to touch '
                              'this database' % (current,), from_version=current)
    if order == 0:
        return Plan('none', current, target)
    if order > 0:
        raise HiveSchemaError(
            'the metastore schema is %s, newer than the target %s (this distribution%s ships schema %s): this module '
            'never downgrades. Install Hive metastore binaries that match schema %s, or check that the module points '
            'at the right database.' % (current, target,
                                        ' %s' % distribution.release if distribution.release else '',
                                        distribution.schema_version, current),
            from_version=current, to_version=target)
    # older than the target
    if equivalent(target) != equivalent(distribution.schema_version):
        raise HiveSchemaError(
            'the metastore schema is %s, older than target_version %s, but schematool can only upgrade to the '
            'schema of its own distribution, %s' % (current, target, distribution.schema_version),
            from_version=current, to_version=target)
    scripts = distribution.upgrade_scripts(current)
    if not allow_upgrade:
        raise HiveSchemaError(
            'the metastore schema is %s, older than %s; upgrading it is not allowed by this task. Back up the '
            'database, then set allow_upgrade=true to run schematool -upgradeSchema (scripts: %s).'
            % (current, target, ', '.join(scripts)),
            from_version=current, to_version=target, scripts=scripts)
    return Plan('upgrade', current, target, scripts)


# ---------------------------------------------------------------- the database

_JDBC_RE = re.compile(r'^jdbc:(mysql|mariadb)://(\[[^\]]+\]|[^/:?,;\[\]]+)(?::(\d+))?/([^/?;,]+)(?:[?;].*)?$')


def parse_jdbc_url(url):
    """(host, port, database) of a single-host jdbc:mysql:// or jdbc:mariadb:// URL."""
    match = _JDBC_RE.match(url or '')
    if not match:
        raise HiveSchemaError(
            'jdbc_url %r is not understood: give a single-host URL like jdbc:mysql://HOST[:PORT]/DATABASE[?options] '
            '(jdbc:mariadb:// also works; multi-host and load-balancing URLs are not supported), or use '
            'db_host/db_port/db_name instead' % (url,))
    host = match.group(2).strip('[]')
    port = int(match.group(3)) if match.group(3) else 3306
    return host, port, match.group(4)


def build_jdbc_url(host, port, database, driver):
    scheme = 'mariadb' if driver == MARIADB_DRIVER else 'mysql'
    if ':' in host:
        host = '[%s]' % host
    return 'jdbc:%s://%s:%d/%s' % (scheme, host, port, database)


class SchemaState:
    """What the database holds: version None = no schema at all (and no other table)."""

    def __init__(self, version, tables):
        self.version = version
        self.tables = tables


def _errno(error):
    args = getattr(error, 'args', ())
    return args[0] if args and isinstance(args[0], int) else None


def read_schema_state(host, port, database, user, password, connect_timeout=10, driver=None):
    """Read the schema version from the VERSION table, refusing everything that is not clear-cut.

    driver is the PyMySQL module (or a double with the same connect() and err.MySQLError).
    Returns SchemaState; raises HiveSchemaError when the database cannot be reached or read,
    or holds something that is neither an empty database nor a schema with exactly one version.
    """
    driver = driver or pymysql
    where = '%s:%s (database %s, user %s)' % (host, port, database, user)
    try:
        connection = driver.connect(host=host, port=port, user=user, password=password, database=database,
                                    connect_timeout=connect_timeout, charset='utf8mb4')
    except driver.err.MySQLError as e:
        if _errno(e) == ER_BAD_DB_ERROR:
            raise HiveSchemaError('database %s does not exist on %s:%s; create it (empty) first, for example '
                                  'with the mysql_multi role: %s' % (database, host, port, e))
        if _errno(e) == ER_DBACCESS_DENIED_ERROR:
            raise HiveSchemaError('user %s may not use database %s on %s:%s, or it does not exist; create it and '
                                  'grant the user ALL on it: %s' % (user, database, host, port, e))
        raise HiveSchemaError('cannot connect to the metastore database at %s: %s' % (where, e))
    try:
        cursor = connection.cursor()
        try:
            cursor.execute('SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s', (database,))
            tables = sorted(row[0] for row in cursor.fetchall())
            version_table = 'VERSION' if 'VERSION' in tables else next((t for t in tables if t.upper() == 'VERSION'), None)
            if version_table is None:
                if tables:
                    shown = ', '.join(tables[:10]) + (', ...' if len(tables) > 10 else '')
                    raise HiveSchemaError(
                        'database %s is not empty (%d table%s: %s) but has no Hive VERSION table: it holds a partial '
                        'or foreign schema, and -initSchema over it would fail half way or mix two schemas. Use an '
                        'empty database, or restore the metastore from a backup.'
                        % (database, len(tables), '' if len(tables) == 1 else 's', shown),
                        tables=tables)
                return SchemaState(None, [])
            cursor.execute('SELECT SCHEMA_VERSION FROM `%s`' % version_table.replace('`', '``'))
            rows = [row[0] for row in cursor.fetchall()]
        finally:
            cursor.close()
    except driver.err.MySQLError as e:
        raise HiveSchemaError('cannot read the schema version from %s: %s' % (where, e))
    finally:
        connection.close()
    if not rows:
        raise HiveSchemaError(
            'the VERSION table in %s exists but holds no row: an earlier -initSchema most likely stopped half way '
            '(it records the version as its last statement). Refusing to initialise over a partial schema: '
            'inspect it, then drop and recreate the database or restore a backup.' % database, tables=tables)
    if len(rows) > 1:
        raise HiveSchemaError('the VERSION table in %s holds %d rows (%s); schematool refuses this too ("Multiple '
                              'versions were found in metastore")' % (database, len(rows), ', '.join(map(str, rows))),
                              tables=tables)
    version = rows[0].decode() if isinstance(rows[0], bytes) else str(rows[0])
    return SchemaState(version.strip(), tables)


# ---------------------------------------------------------------- schematool

def schematool_args(distribution, action, db_type, url, driver, user, password, version=None, launcher=None):
    """Argument list of one schematool run; action is 'init', 'upgrade' or 'info'.

    launcher: what starts schematool (default the distribution's bin/schematool), e.g. a java command
    line with class path and main class. password None: no -passWord, schematool then reads
    javax.jdo.option.ConnectionPassword from the metastore-site.xml on its class path.
    """
    args = list(launcher or [distribution.schematool]) + ['-dbType', db_type]
    if action == 'init':
        args += ['-initSchemaTo', version]
    elif action == 'upgrade':
        args += ['-upgradeSchema']
    elif action == 'info':
        args += ['-info']
    else:
        raise ValueError(action)
    args += ['-url', url, '-driver', driver, '-userName', user]
    if password is not None:
        args += ['-passWord', password]
    return args


def mask_command(args, secrets):
    """The command as a shell-quoted string, with the -passWord value and any secret masked."""
    shown = []
    hide_next = False
    for arg in args:
        if hide_next:
            shown.append(PASSWORD_MASK)
            hide_next = False
            continue
        if arg == '-passWord':
            hide_next = True
        for secret in secrets:
            if secret and secret in arg:
                arg = arg.replace(secret, PASSWORD_MASK)
        shown.append(arg)
    return ' '.join(shlex.quote(a) for a in shown)


_INFO_DIST_RE = re.compile(r'^\s*Hive distribution version:\s*(\S+)\s*$', re.M)
_INFO_SCHEMA_RE = re.compile(r'^\s*(?:Metastore schema|Schema) version:\s*(\S+)\s*$', re.M)


def parse_info(rc, stdout, stderr):
    """Read the output of `schematool -info` (3.1.x and 4.x).

    Returns a dict: distribution_version and schema_version (None when not printed), rc, and
    state: 'compatible' (exit 0, both versions printed), 'incompatible' (both printed, exit
    non-zero: the schema is older than the binaries), 'no_version_table' (the VERSION table
    does not exist), 'empty_version_table', 'unreachable', 'no_driver' or 'error'.
    Only for reporting and verification: the module never initialises because of this output.
    """
    dist = _INFO_DIST_RE.search(stdout or '')
    schema = _INFO_SCHEMA_RE.search(stdout or '')
    text = '%s\n%s' % (stdout or '', stderr or '')
    result = dict(rc=rc, distribution_version=dist.group(1) if dist else None,
                  schema_version=schema.group(1) if schema else None, error=None)
    errors = [line.strip() for line in (stderr or '').splitlines()
              if line.strip() and not line.startswith('SLF4J') and 'schemaTool failed' not in line
              and 'Use --verbose' not in line]
    if rc == 0 and dist and schema:
        result['state'] = 'compatible'
        return result
    result['error'] = ' | '.join(errors[-4:]) if errors else None
    if dist and schema:
        result['state'] = 'incompatible'
    elif re.search(r"Table '[^']*\.?VERSION' doesn't exist", text, re.I):
        result['state'] = 'no_version_table'
    elif 'Could not find version info in metastore VERSION table' in text:
        result['state'] = 'empty_version_table'
    elif 'Unable to find driver class' in text or 'ClassNotFoundException' in text:
        result['state'] = 'no_driver'
    elif re.search(r'Communications link failure|Connection refused|Could not connect|UnknownHost', text):
        result['state'] = 'unreachable'
    else:
        result['state'] = 'error'
    return result
