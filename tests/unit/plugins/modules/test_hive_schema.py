"""Unit tests of datamesh.platform.hive_schema and module_utils/hive.py: the decisions, driven through doubles.

Doubles (hand-written, nothing here talks to a network or starts a JVM):
- FakePyMySQL: protocol double of the PyMySQL module as module_utils/hive.py uses it, connect()
  and err.MySQLError/OperationalError/ProgrammingError. It serves databases from memory, answers
  the information_schema and VERSION queries, raises the error numbers MariaDB gives (2003, 1045,
  1049, 1146) and records every statement.
- FakeRunner: replaces AnsibleModule.run_command and answers schematool invocations with
  recorded outputs. It records every call and fails the test on an unexpected one.
- A Hive metastore distribution on disk (tmp_path): bin/schematool, lib/ jar, and the scripts
  directory with the file names and the mysql upgrade.order of the 4.0.x and 3.1.x lines.

The schematool outputs below are hand-written from apache/hive's source, not captured from a
run (no Hive distribution can be fetched here). They follow SchemaToolTaskInfo.java,
MetaStoreSchemaInfo.getMetaStoreSchemaVersion(), HiveSchemaHelper.getConnectionToMetastore() and
MetastoreSchemaTool.run(), in their 3.x (standalone-metastore/src/...) and 4.x
(standalone-metastore/metastore-server/src/...) copies. The live half is the Molecule scenario
hive_schema_db, which runs the module's database path against a real MariaDB.
"""

from __future__ import annotations

import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.datamesh.platform.plugins.module_utils import hive
from ansible_collections.datamesh.platform.plugins.modules import hive_schema
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_exits

PASSWORD = 'Hive-db-S3cret-7q'
VERSION_DDL = 'CREATE TABLE VERSION (VER_ID BIGINT, SCHEMA_VERSION VARCHAR(127), VERSION_COMMENT VARCHAR(255))'

# upgrade.order.mysql of the 4.0.x line (the steps schematool 4.0 runs from 3.1.0 are in
# hive.apache.org's schematool page: 3.1.0-to-3.2.0 ... 4.0.0-beta-1-to-4.0.0) and of 3.1.x.
ORDER_40 = ['0.5.0-to-0.6.0', '0.6.0-to-0.7.0', '0.7.0-to-0.8.0', '0.8.0-to-0.9.0', '0.9.0-to-0.10.0',
            '0.10.0-to-0.11.0', '0.11.0-to-0.12.0', '0.12.0-to-0.13.0', '0.13.0-to-0.14.0', '0.14.0-to-1.1.0',
            '1.1.0-to-1.2.0', '1.2.0-to-2.0.0', '2.0.0-to-2.1.0', '2.1.0-to-2.2.0', '2.2.0-to-2.3.0',
            '2.3.0-to-3.0.0', '3.0.0-to-3.1.0', '3.1.0-to-3.2.0', '3.2.0-to-4.0.0-alpha-1',
            '4.0.0-alpha-1-to-4.0.0-alpha-2', '4.0.0-alpha-2-to-4.0.0-beta-1', '4.0.0-beta-1-to-4.0.0']
ORDER_31 = ORDER_40[:ORDER_40.index('3.0.0-to-3.1.0') + 1]
SCHEMAS_40 = ['2.3.0', '3.0.0', '3.1.0', '3.2.0', '4.0.0-alpha-1', '4.0.0-alpha-2', '4.0.0-beta-1', '4.0.0']
SCHEMAS_31 = ['2.3.0', '3.0.0', '3.1.0']
SCRIPTS_31_TO_40 = ['upgrade-3.1.0-to-3.2.0.mysql.sql', 'upgrade-3.2.0-to-4.0.0-alpha-1.mysql.sql',
                    'upgrade-4.0.0-alpha-1-to-4.0.0-alpha-2.mysql.sql',
                    'upgrade-4.0.0-alpha-2-to-4.0.0-beta-1.mysql.sql', 'upgrade-4.0.0-beta-1-to-4.0.0.mysql.sql']


# ---------------------------------------------------------------- recorded schematool -info outputs

def connection_lines(url, driver='com.mysql.cj.jdbc.Driver', user='hive', log4j=False):
    """HiveSchemaHelper.getConnectionToMetastore(printInfo=true); 4.x also logs them through log4j."""
    lines = []
    for label, value in (('Metastore connection URL:', url), ('Metastore connection Driver :', driver),
                         ('Metastore connection User:', user)):
        if log4j:
            lines.append('2026-07-20 10:00:00,001 INFO schematool.HiveSchemaHelper: %s\t %s' % (label, value))
        lines.append('%s\t %s' % (label, value))
    return '\n'.join(lines) + '\n'


URL = 'jdbc:mysql://db1:3307/metastore'
FAILED_TAIL = 'Use --verbose for detailed stacktrace.\n*** schemaTool failed ***\n'

# 4.0.1 binaries print the equivalent schema version 4.0.0 as their distribution version.
INFO_40X_CURRENT = (0, connection_lines(URL, log4j=True)
                    + 'Hive distribution version:\t 4.0.0\nMetastore schema version:\t 4.0.0\n', '')
INFO_40X_OLDER_SCHEMA = (1, connection_lines(URL, log4j=True)
                         + 'Hive distribution version:\t 4.0.0\nMetastore schema version:\t 3.1.0\n',
                         'Metastore schema version is not compatible. Hive Version: 4.0.0, Database Schema '
                         'Version: 3.1.0\n' + FAILED_TAIL)
INFO_40X_EMPTY_DB = (1, connection_lines(URL, log4j=True),
                     "Failed to get schema version, Cause:Table 'metastore.VERSION' doesn't exist\n" + FAILED_TAIL)
INFO_40X_EMPTY_VERSION_TABLE = (1, connection_lines(URL, log4j=True),
                                'Could not find version info in metastore VERSION table.\n' + FAILED_TAIL)
INFO_40X_UNREACHABLE = (1, connection_lines(URL, log4j=True),
                        'Failed to get schema version.\nUnderlying cause: '
                        'com.mysql.cj.jdbc.exceptions.CommunicationsException : Communications link failure\n\n'
                        'The last packet sent successfully to the server was 0 milliseconds ago. The driver has '
                        'not received any packets from the server.\nSQL Error code: 0\n' + FAILED_TAIL)
INFO_40X_NO_DRIVER = (1, connection_lines(URL, log4j=True),
                      'Unable to find driver class\nUnderlying cause: java.lang.ClassNotFoundException : '
                      'com.mysql.cj.jdbc.Driver\n' + FAILED_TAIL)
# 3.1.x: the standalone 3.x HiveSchemaHelper prints "Connection Driver" capitalised; releases
# 3.1.1-3.1.3 report distribution version 3.1.0.
INFO_31X_CURRENT = (0, connection_lines(URL).replace('connection Driver', 'Connection Driver')
                    + 'Hive distribution version:\t 3.1.0\nMetastore schema version:\t 3.1.0\n', '')
INFO_31X_OLDER_SCHEMA = (1, connection_lines(URL).replace('connection Driver', 'Connection Driver')
                         + 'Hive distribution version:\t 3.1.0\nMetastore schema version:\t 2.3.0\n',
                         'Metastore schema version is not compatible. Hive Version: 3.1.0, Database Schema '
                         'Version: 2.3.0\n' + FAILED_TAIL)
INFO_31X_EMPTY_DB = (1, connection_lines(URL).replace('connection Driver', 'Connection Driver'),
                     "Failed to get schema version, Cause:Table 'metastore.VERSION' doesn't exist\n" + FAILED_TAIL)

INIT_40X_OK = (0, 'Starting metastore schema initialization to 4.0.0\nInitialization script '
               'hive-schema-4.0.0.mysql.sql\nInitialization script completed\n', '')
UPGRADE_40X_OK = (0, 'Upgrading from the version 3.1.0\nStarting upgrade metastore schema from version 3.1.0 to '
                  '4.0.0\n' + ''.join('Upgrade script %s\nCompleted %s\n' % (s, s) for s in SCRIPTS_31_TO_40), '')


# ---------------------------------------------------------------- the PyMySQL double

class FakeMySQLError(Exception):
    pass


class FakeOperationalError(FakeMySQLError):
    pass


class FakeProgrammingError(FakeMySQLError):
    pass


class FakeErr:
    MySQLError = FakeMySQLError
    OperationalError = FakeOperationalError
    ProgrammingError = FakeProgrammingError


class FakeServer:
    """A MariaDB server in memory: databases = {name: {table: [SCHEMA_VERSION, ...]}}."""

    def __init__(self, databases=None, reachable=True, password=PASSWORD, host='db1', port=3307):
        self.databases = databases if databases is not None else {'metastore': {}}
        self.reachable = reachable
        self.password = password
        self.host = host
        self.port = port
        self.forbidden = set()
        self.denied_tables = set()
        self.connects = []
        self.statements = []


class FakePyMySQL:
    err = FakeErr

    def __init__(self, server):
        self.server = server

    def connect(self, **kwargs):
        server = self.server
        server.connects.append(kwargs)
        if not server.reachable or (kwargs['host'], kwargs['port']) != (server.host, server.port):
            raise FakeOperationalError(2003, "Can't connect to MySQL server on '%s' ([Errno 111] Connection refused)"
                                       % kwargs['host'])
        if kwargs['password'] != server.password:
            raise FakeOperationalError(1045, "Access denied for user '%s'@'10.0.0.5' (using password: YES)"
                                       % kwargs['user'])
        if kwargs['database'] in server.forbidden:
            raise FakeOperationalError(1044, "Access denied for user '%s'@'%%' to database '%s'"
                                       % (kwargs['user'], kwargs['database']))
        if kwargs['database'] not in server.databases:
            raise FakeOperationalError(1049, "Unknown database '%s'" % kwargs['database'])
        return FakeConnection(server, kwargs['database'])


class FakeConnection:
    def __init__(self, server, database):
        self.server = server
        self.database = database
        self.closed = False

    def cursor(self):
        return FakeCursor(self)

    def close(self):
        self.closed = True


class FakeCursor:
    def __init__(self, connection):
        self.connection = connection
        self.rows = []

    def execute(self, sql, params=None):
        server = self.connection.server
        server.statements.append(sql)
        tables = server.databases[self.connection.database]
        if sql.startswith('SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s'):
            assert params == (self.connection.database,)
            self.rows = [(name,) for name in tables]
        elif sql.startswith('SELECT SCHEMA_VERSION FROM `'):
            name = sql[len('SELECT SCHEMA_VERSION FROM `'):-1]
            if name in server.denied_tables:
                raise FakeOperationalError(1142, "SELECT command denied to user 'hive'@'10.0.0.5' for table "
                                           "`%s`.`%s`" % (self.connection.database, name))
            if name not in tables:
                raise FakeProgrammingError(1146, "Table '%s.%s' doesn't exist" % (self.connection.database, name))
            self.rows = [(v,) for v in tables[name]]
        else:
            raise AssertionError('unexpected statement %r' % sql)
        return len(self.rows)

    def fetchall(self):
        return tuple(self.rows)

    def close(self):
        pass


# ---------------------------------------------------------------- the command runner double

class FakeRunner:
    """Answers schematool runs by their task flag; anything not in answers fails the test.

    Installed as AnsibleModule.run_command through its bound method run_command.
    """

    def __init__(self, answers=None):
        self.answers = answers or {}
        self.calls = []

    def run_command(self, args, environ_update=None, check_rc=False, **kwargs):
        self.calls.append(dict(args=list(args), env=dict(environ_update or {})))
        for flag, answer in self.answers.items():
            if flag in args:
                return answer
        raise AssertionError('schematool was run unexpectedly: %r' % (args,))

    @property
    def flags(self):
        return [next(a for a in call['args'] if a in ('-initSchemaTo', '-upgradeSchema', '-info'))
                for call in self.calls]


# ---------------------------------------------------------------- a distribution on disk

def executable(path, text='#!/bin/sh\nexit 99\n'):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, 0o755)


def make_distribution(root, jar='hive-standalone-metastore-server-4.0.1.jar', order=None, schemas=None):
    home = root / 'apache-hive-metastore-bin'
    scripts = home / 'scripts' / 'metastore' / 'upgrade' / 'mysql'
    scripts.mkdir(parents=True)
    order = ORDER_40 if order is None else order
    (scripts / 'upgrade.order.mysql').write_text('\n'.join(order) + '\n')
    for step in order:
        (scripts / ('upgrade-%s.mysql.sql' % step)).write_text('-- %s\n' % step)
    for version in (SCHEMAS_40 if schemas is None else schemas):
        (scripts / ('hive-schema-%s.mysql.sql' % version)).write_text('-- schema %s\n' % version)
    (home / 'lib').mkdir()
    if jar:
        (home / 'lib' / jar).write_text('')
    (home / 'lib' / 'hive-standalone-metastore-common-4.0.1.jar').write_text('')
    executable(str(home / 'bin' / 'schematool'))
    return home


@pytest.fixture
def dist(tmp_path):
    make_distribution(tmp_path)
    executable(str(tmp_path / 'hadoop' / 'bin' / 'hadoop'))
    executable(str(tmp_path / 'jdk' / 'bin' / 'java'))
    return tmp_path


# ---------------------------------------------------------------- running the module

@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    """exit_json/fail_json raise ExitJson/FailJson; the value is the list of module warnings."""
    return patch_module_exits(monkeypatch)


def run(monkeypatch, root, server, runner=None, check_mode=False, diff=False, expect=ExitJson, home=None, **params):
    """Runs the module against server and runner; returns (result, runner)."""
    runner = runner or FakeRunner()
    args = dict(metastore_home=str(home or root / 'apache-hive-metastore-bin'), hadoop_home=str(root / 'hadoop'),
                java_home=str(root / 'jdk'), db_host='db1', db_port=3307, db_name='metastore', db_user='hive',
                db_password=PASSWORD)
    args.update(params)
    args = dict((k, v) for k, v in args.items() if v is not None)
    args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    monkeypatch.setattr(hive, 'pymysql', FakePyMySQL(server))
    monkeypatch.setattr(hive, 'HAS_PYMYSQL', True)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', runner.run_command)
    with patch_module_args(args):
        with pytest.raises(expect) as raised:
            hive_schema.main()
    result = raised.value.args[0]
    assert PASSWORD not in json.dumps(result), 'the password leaked into the result'
    return result, runner


def empty_db():
    return FakeServer({'metastore': {}})


def db_at(version):
    return FakeServer({'metastore': {'DBS': [], 'TBLS': [], 'VERSION': [version]}})


def assert_read_only(server):
    assert server.statements, 'the database was not read'
    assert all(s.startswith('SELECT ') for s in server.statements), server.statements


# ---------------------------------------------------------------- versions

@pytest.mark.parametrize('older, newer', [
    ('2.3.0', '3.0.0'),
    ('3.1.0', '3.2.0'),
    ('3.2.0', '4.0.0-alpha-1'),
    ('4.0.0-alpha-1', '4.0.0-alpha-2'),
    ('4.0.0-alpha-2', '4.0.0-beta-1'),
    ('4.0.0-beta-1', '4.0.0'),
    ('4.0.0', '4.1.0'),
    ('0.9.0', '0.10.0'),          # numeric, not text, order
    ('3.1.2000', '3.1.3000'),
])
def test_version_order(older, newer):
    assert hive.compare_versions(older, newer) == -1
    assert hive.compare_versions(newer, older) == 1


@pytest.mark.parametrize('a, b', [('4.0.1', '4.0.0'), ('4.0.0', '4.0.1'), ('1.2.1', '1.2.0'), ('3.1', '3.1.0')])
def test_equivalent_versions_compare_equal(a, b):
    assert hive.compare_versions(a, b) == 0


def test_3_1_3_is_not_made_equivalent_to_3_1_0():
    """Hive's own map has no 3.1.x entry; 3.1.x distributions simply ship schema 3.1.0."""
    assert hive.compare_versions('3.1.3', '3.1.0') == 1


@pytest.mark.parametrize('text', ['Unknown', '', 'four', '4.0.0 final', None])
def test_non_versions_are_refused(text):
    with pytest.raises(ValueError):
        hive.version_key(text)


def test_blanks_around_a_version_are_ignored():
    assert hive.version_key(' 4.0.0\n') == hive.version_key('4.0.0')


# ---------------------------------------------------------------- the distribution on disk

def test_distribution_version_is_where_the_upgrade_order_ends(dist):
    d = hive.Distribution(str(dist / 'apache-hive-metastore-bin'), 'mysql')
    assert d.schema_version == '4.0.0'
    assert d.release == '4.0.1'
    assert d.upgrade_scripts('3.1.0') == SCRIPTS_31_TO_40
    assert d.schema_versions()[-2:] == ['4.0.0-beta-1', '4.0.0']


def test_3_1_x_distribution_and_its_jar_name(tmp_path):
    home = make_distribution(tmp_path, jar='hive-standalone-metastore-3.1.3.jar', order=ORDER_31, schemas=SCHEMAS_31)
    d = hive.Distribution(str(home), 'mysql')
    assert (d.schema_version, d.release) == ('3.1.0', '3.1.3')
    assert d.upgrade_scripts('2.3.0') == ['upgrade-2.3.0-to-3.0.0.mysql.sql', 'upgrade-3.0.0-to-3.1.0.mysql.sql']


def test_no_jar_is_only_informational(tmp_path):
    home = make_distribution(tmp_path, jar=None)
    assert hive.Distribution(str(home), 'mysql').release is None


@pytest.mark.parametrize('content, message', [
    (None, 'cannot read .*upgrade.order.mysql, which schematool needs'),
    ('', 'upgrade.order.mysql does not end with an "<from>-to-<to>" line'),
    ('3.1.0\n', 'upgrade.order.mysql does not end with an "<from>-to-<to>" line'),
])
def test_unreadable_upgrade_order(dist, content, message):
    order = dist / 'apache-hive-metastore-bin' / 'scripts' / 'metastore' / 'upgrade' / 'mysql' / 'upgrade.order.mysql'
    if content is None:
        order.unlink()
    else:
        order.write_text(content)
    with pytest.raises(hive.HiveSchemaError, match=message):
        hive.Distribution(str(dist / 'apache-hive-metastore-bin'), 'mysql')


def test_upgrade_path_missing_from_the_order_file(dist):
    d = hive.Distribution(str(dist / 'apache-hive-metastore-bin'), 'mysql')
    with pytest.raises(hive.HiveSchemaError, match='no upgrade path from schema 3.1.3000'):
        d.upgrade_scripts('3.1.3000')


def test_upgrade_script_listed_but_missing(dist):
    scripts = dist / 'apache-hive-metastore-bin' / 'scripts' / 'metastore' / 'upgrade' / 'mysql'
    (scripts / 'upgrade-3.2.0-to-4.0.0-alpha-1.mysql.sql').unlink()
    d = hive.Distribution(str(dist / 'apache-hive-metastore-bin'), 'mysql')
    with pytest.raises(hive.HiveSchemaError, match='missing from .*upgrade-3.2.0-to-4.0.0-alpha-1.mysql.sql'):
        d.upgrade_scripts('3.1.0')


# ---------------------------------------------------------------- parsing schematool -info

@pytest.mark.parametrize('name, output, state, dist_version, schema_version', [
    ('4.0.x current', INFO_40X_CURRENT, 'compatible', '4.0.0', '4.0.0'),
    ('4.0.x older schema', INFO_40X_OLDER_SCHEMA, 'incompatible', '4.0.0', '3.1.0'),
    ('4.0.x empty database', INFO_40X_EMPTY_DB, 'no_version_table', None, None),
    ('4.0.x VERSION without row', INFO_40X_EMPTY_VERSION_TABLE, 'empty_version_table', None, None),
    ('4.0.x unreachable', INFO_40X_UNREACHABLE, 'unreachable', None, None),
    ('4.0.x no JDBC driver', INFO_40X_NO_DRIVER, 'no_driver', None, None),
    ('3.1.x current', INFO_31X_CURRENT, 'compatible', '3.1.0', '3.1.0'),
    ('3.1.x older schema', INFO_31X_OLDER_SCHEMA, 'incompatible', '3.1.0', '2.3.0'),
    ('3.1.x empty database', INFO_31X_EMPTY_DB, 'no_version_table', None, None),
])
def test_parse_recorded_info_output(name, output, state, dist_version, schema_version):
    info = hive.parse_info(*output)
    assert (info['state'], info['distribution_version'], info['schema_version']) == \
        (state, dist_version, schema_version), name
    assert info['rc'] == output[0]
    if state == 'compatible':
        assert info['error'] is None
    else:
        assert info['error'] and 'schemaTool failed' not in info['error']


def test_parse_info_of_newer_hive_that_prints_schema_version_only():
    """apache/hive master (4.3 development) prints "Schema version:" instead of "Metastore schema version:"."""
    info = hive.parse_info(0, 'Hive distribution version:\t 4.3.0\nSchema version:\t 4.3.0\n', '')
    assert (info['state'], info['schema_version']) == ('compatible', '4.3.0')


def test_failure_exit_without_versions_is_never_compatible():
    info = hive.parse_info(1, '', 'java.lang.OutOfMemoryError: Java heap space\n')
    assert info['state'] == 'error'
    assert 'OutOfMemoryError' in info['error']


# ---------------------------------------------------------------- JDBC URLs

@pytest.mark.parametrize('url, expected', [
    ('jdbc:mysql://db1:3307/metastore', ('db1', 3307, 'metastore')),
    ('jdbc:mysql://db1/metastore?createDatabaseIfNotExist=true&useSSL=false', ('db1', 3306, 'metastore')),
    ('jdbc:mariadb://10.0.0.7:3308/hms', ('10.0.0.7', 3308, 'hms')),
    ('jdbc:mysql://[fd00::7]:3307/metastore', ('fd00::7', 3307, 'metastore')),
])
def test_parse_jdbc_url(url, expected):
    assert hive.parse_jdbc_url(url) == expected


@pytest.mark.parametrize('url', ['jdbc:mysql://db1:3307,db2:3307/metastore', 'jdbc:mysql:loadbalance://db1,db2/m',
                                 'jdbc:postgresql://db1/metastore', 'jdbc:mysql://db1:3307/', 'db1:3307/metastore'])
def test_unsupported_jdbc_urls_are_refused(url):
    with pytest.raises(hive.HiveSchemaError, match='is not understood'):
        hive.parse_jdbc_url(url)


def test_built_jdbc_url_follows_the_driver():
    assert hive.build_jdbc_url('db1', 3307, 'metastore', 'com.mysql.cj.jdbc.Driver') == 'jdbc:mysql://db1:3307/metastore'
    assert hive.build_jdbc_url('db1', 3307, 'metastore', 'org.mariadb.jdbc.Driver') == 'jdbc:mariadb://db1:3307/metastore'


# ---------------------------------------------------------------- masking

def test_mask_command_hides_the_password_wherever_it_appears():
    args = ['/opt/hive/bin/schematool', '-dbType', 'mysql', '-info', '-url',
            'jdbc:mysql://db1/metastore?password=' + PASSWORD, '-userName', 'hive', '-passWord', PASSWORD]
    shown = hive.mask_command(args, [PASSWORD])
    assert PASSWORD not in shown
    assert shown.endswith("-passWord '********'")
    assert 'password=********' in shown


# ---------------------------------------------------------------- the module: decisions

def test_empty_database_is_initialised_then_checked_with_info(monkeypatch, dist):
    server = empty_db()
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_CURRENT})
    result, runner = run(monkeypatch, dist, server, runner)
    assert result['changed'] is True
    assert (result['action'], result['from_version'], result['to_version']) == ('init', None, '4.0.0')
    assert result['scripts'] == ['hive-schema-4.0.0.mysql.sql']
    assert runner.flags == ['-initSchemaTo', '-info']
    init = runner.calls[0]['args']
    assert init[:5] == [str(dist / 'apache-hive-metastore-bin' / 'bin' / 'schematool'), '-dbType', 'mysql',
                        '-initSchemaTo', '4.0.0']
    assert init[init.index('-url') + 1] == 'jdbc:mysql://db1:3307/metastore'
    assert init[init.index('-passWord') + 1] == PASSWORD          # the real password reaches schematool ...
    assert len(result['executed_commands']) == 2                   # ... and only a masked one the result
    assert all("-passWord '********'" in c for c in result['executed_commands'])
    assert result['executed_commands'] == result['planned_commands']
    assert result['info']['state'] == 'compatible'
    assert result['distribution_version'] == '4.0.0' and result['hive_release'] == '4.0.1'
    assert_read_only(server)


def test_environment_of_schematool(monkeypatch, dist):
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_CURRENT})
    run(monkeypatch, dist, empty_db(), runner, schematool_env={'HADOOP_CLIENT_OPTS': '-Xmx1g', 'HADOOP_HOME': '/x'})
    env = runner.calls[0]['env']
    assert env == {'HADOOP_CLIENT_OPTS': '-Xmx1g', 'METASTORE_HOME': str(dist / 'apache-hive-metastore-bin'),
                   'HADOOP_HOME': str(dist / 'hadoop'), 'JAVA_HOME': str(dist / 'jdk')}   # the options win


def test_homes_can_come_from_the_environment(monkeypatch, dist):
    monkeypatch.setenv('HADOOP_HOME', str(dist / 'hadoop'))
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_CURRENT})
    run(monkeypatch, dist, empty_db(), runner, hadoop_home=None, java_home=None,
        schematool_env={'JAVA_HOME': str(dist / 'jdk')})
    assert runner.calls[0]['env']['HADOOP_HOME'] == str(dist / 'hadoop')
    assert runner.calls[0]['env']['JAVA_HOME'] == str(dist / 'jdk')


def test_check_mode_on_an_empty_database_runs_nothing(monkeypatch, dist):
    server = empty_db()
    result, runner = run(monkeypatch, dist, server, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['action'] == 'init'
    assert runner.calls == []
    assert result['executed_commands'] == []
    assert [c.split()[3] for c in result['planned_commands']] == ['-initSchemaTo', '-info']
    assert result['diff'] == {'before': {'schema_version': None}, 'after': {'schema_version': '4.0.0'}}
    assert 'would initialise' in result['msg'] and 'nothing was run' in result['msg']
    assert_read_only(server)


def test_current_schema_is_left_alone(monkeypatch, dist):
    server = db_at('4.0.0')
    result, runner = run(monkeypatch, dist, server, diff=True)
    assert result['changed'] is False
    assert (result['action'], result['from_version'], result['to_version']) == ('none', '4.0.0', '4.0.0')
    assert runner.calls == [] and result['executed_commands'] == [] and result['planned_commands'] == []
    assert result['diff']['before'] == result['diff']['after']


@pytest.mark.parametrize('db_version, target', [('4.0.0', None), ('4.0.0', '4.0.1'), ('4.0.1', None)])
def test_equivalent_versions_are_current(monkeypatch, dist, db_version, target):
    """Hive 4.0.1 uses schema 4.0.0 (MetaStoreSchemaInfo.EQUIVALENT_VERSIONS)."""
    result, runner = run(monkeypatch, dist, db_at(db_version), target_version=target, allow_upgrade=True)
    assert result['changed'] is False and result['action'] == 'none'
    assert runner.calls == []


def test_older_schema_is_upgraded_when_allowed(monkeypatch, dist):
    server = db_at('3.1.0')
    runner = FakeRunner({'-upgradeSchema': UPGRADE_40X_OK, '-info': INFO_40X_CURRENT})
    result, runner = run(monkeypatch, dist, server, runner, allow_upgrade=True, diff=True)
    assert result['changed'] is True
    assert (result['action'], result['from_version'], result['to_version']) == ('upgrade', '3.1.0', '4.0.0')
    assert result['scripts'] == SCRIPTS_31_TO_40
    assert runner.flags == ['-upgradeSchema', '-info']
    assert result['diff'] == {'before': {'schema_version': '3.1.0'}, 'after': {'schema_version': '4.0.0'}}
    assert_read_only(server)


def test_older_schema_without_allow_upgrade_fails_and_runs_nothing(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, db_at('3.1.0'), expect=FailJson)
    assert 'older than 4.0.0' in result['msg'] and 'allow_upgrade=true' in result['msg']
    assert 'upgrade-3.1.0-to-3.2.0.mysql.sql' in result['msg']
    assert result['scripts'] == SCRIPTS_31_TO_40
    assert (result['from_version'], result['to_version']) == ('3.1.0', '4.0.0')
    assert runner.calls == [] and result['executed_commands'] == []


def test_check_mode_upgrade_runs_nothing(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, db_at('4.0.0-beta-1'), check_mode=True, allow_upgrade=True)
    assert result['changed'] is True and result['action'] == 'upgrade'
    assert result['scripts'] == ['upgrade-4.0.0-beta-1-to-4.0.0.mysql.sql']
    assert runner.calls == [] and result['executed_commands'] == []
    assert 'would upgrade schema 4.0.0-beta-1 to 4.0.0' in result['msg']


@pytest.mark.parametrize('allow_upgrade', [False, True])
def test_newer_schema_is_never_downgraded(monkeypatch, dist, allow_upgrade):
    result, runner = run(monkeypatch, dist, db_at('4.1.0'), allow_upgrade=allow_upgrade, expect=FailJson)
    assert 'schema is 4.1.0, newer than the target 4.0.0' in result['msg']
    assert 'never downgrades' in result['msg'] and '4.0.1' in result['msg']
    assert runner.calls == []


def test_schema_without_upgrade_path_fails_before_running(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, db_at('3.1.3000'), allow_upgrade=True, expect=FailJson)
    assert 'no upgrade path from schema 3.1.3000' in result['msg']
    assert runner.calls == []


def test_init_to_an_older_target_uses_init_schema_to(monkeypatch, dist):
    runner = FakeRunner({'-initSchemaTo': (0, '', ''), '-info': INFO_40X_OLDER_SCHEMA})
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, w: warnings.append(w))
    result, runner = run(monkeypatch, dist, empty_db(), runner, target_version='3.1.0')
    assert runner.calls[0]['args'][3:5] == ['-initSchemaTo', '3.1.0']
    assert result['to_version'] == '3.1.0' and result['changed'] is True
    assert warnings and 'does not match the installed binaries' in warnings[0]


def test_upgrade_to_other_than_the_distribution_version_is_refused(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, db_at('3.1.0'), target_version='3.2.0', allow_upgrade=True,
                         expect=FailJson)
    assert 'can only upgrade to the schema of its own distribution, 4.0.0' in result['msg']
    assert runner.calls == []


def test_target_that_is_not_a_version(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, db_at('4.0.0'), target_version='latest', expect=FailJson)
    assert "target_version 'latest' is not a Hive version" in result['msg']


def test_init_target_without_script_is_refused(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, empty_db(), target_version='4.2.0', expect=FailJson)
    assert 'no hive-schema-4.2.0.mysql.sql' in result['msg'] and '4.0.0-beta-1, 4.0.0' in result['msg']
    assert runner.calls == []


def test_3_1_x_distribution_initialises_3_1_0(monkeypatch, tmp_path):
    home = make_distribution(tmp_path, jar='hive-standalone-metastore-3.1.3.jar', order=ORDER_31, schemas=SCHEMAS_31)
    executable(str(tmp_path / 'hadoop' / 'bin' / 'hadoop'))
    executable(str(tmp_path / 'jdk' / 'bin' / 'java'))
    runner = FakeRunner({'-initSchemaTo': (0, '', ''), '-info': INFO_31X_CURRENT})
    result, runner = run(monkeypatch, tmp_path, empty_db(), runner, home=home)
    assert runner.calls[0]['args'][3:5] == ['-initSchemaTo', '3.1.0']
    assert (result['to_version'], result['hive_release'], result['distribution_version']) == ('3.1.0', '3.1.3', '3.1.0')


# ---------------------------------------------------------------- the module: databases it refuses

@pytest.mark.parametrize('tables, message', [
    ({'DBS': [], 'TBLS': [], 'CTLGS': []}, 'is not empty (3 tables: CTLGS, DBS, TBLS) but has no Hive VERSION table'),
    ({'probe': []}, 'is not empty (1 table: probe) but has no Hive VERSION table'),
    ({'DBS': [], 'VERSION': []}, 'exists but holds no row'),
    ({'VERSION': ['3.1.0', '4.0.0']}, 'holds 2 rows (3.1.0, 4.0.0)'),
    ({'VERSION': ['Unknown']}, "holds 'Unknown', which is not a Hive schema version"),
])
def test_unclear_databases_are_refused_even_in_check_mode(monkeypatch, dist, tables, message):
    for check_mode in (False, True):
        server = FakeServer({'metastore': dict(tables)})
        result, runner = run(monkeypatch, dist, server, allow_upgrade=True, check_mode=check_mode, expect=FailJson)
        assert message in result['msg']
        assert runner.calls == []
        assert_read_only(server)


def test_lower_case_version_table_is_read(monkeypatch, dist):
    """With lower_case_table_names=1 the server reports the table as `version`."""
    result, runner = run(monkeypatch, dist, FakeServer({'metastore': {'dbs': [], 'version': ['4.0.0']}}))
    assert result['from_version'] == '4.0.0' and result['changed'] is False


def test_unreachable_database_names_host_port_and_error(monkeypatch, dist):
    server = FakeServer(reachable=False)
    result, runner = run(monkeypatch, dist, server, expect=FailJson)
    assert 'cannot connect to the metastore database at db1:3307 (database metastore, user hive)' in result['msg']
    assert '2003' in result['msg'] and 'Connection refused' in result['msg']
    assert runner.calls == []


def test_wrong_password_is_reported_without_the_password(monkeypatch, dist):
    server = FakeServer(password='another')
    result, runner = run(monkeypatch, dist, server, expect=FailJson)
    assert '1045' in result['msg'] and 'Access denied' in result['msg']


def test_unreadable_version_table(monkeypatch, dist):
    server = db_at('4.0.0')
    server.denied_tables.add('VERSION')
    result, runner = run(monkeypatch, dist, server, expect=FailJson)
    assert 'cannot read the schema version from db1:3307 (database metastore, user hive)' in result['msg']
    assert '1142' in result['msg']
    assert runner.calls == []


def test_missing_database(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, FakeServer({'other': {}}), expect=FailJson)
    assert 'database metastore does not exist on db1:3307' in result['msg']


def test_database_the_user_may_not_use(monkeypatch, dist):
    server = FakeServer()
    server.forbidden.add('metastore')
    result, runner = run(monkeypatch, dist, server, expect=FailJson)
    assert 'user hive may not use database metastore on db1:3307, or it does not exist' in result['msg']
    assert '1044' in result['msg']


def test_jdbc_url_is_used_for_both_connections(monkeypatch, dist):
    server = FakeServer(host='10.0.0.7', port=3308)
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_CURRENT})
    url = 'jdbc:mariadb://10.0.0.7:3308/metastore?useSsl=true'
    result, runner = run(monkeypatch, dist, server, runner, db_host=None, db_port=None, db_name=None, jdbc_url=url,
                         jdbc_driver='org.mariadb.jdbc.Driver')
    assert (server.connects[0]['host'], server.connects[0]['port'], server.connects[0]['database']) == \
        ('10.0.0.7', 3308, 'metastore')
    args = runner.calls[0]['args']
    assert args[args.index('-url') + 1] == url
    assert args[args.index('-driver') + 1] == 'org.mariadb.jdbc.Driver'


# ---------------------------------------------------------------- the module: the host it runs on

def test_missing_hadoop_home_fails_before_connecting(monkeypatch, dist):
    monkeypatch.delenv('HADOOP_HOME', raising=False)
    server = empty_db()
    result, runner = run(monkeypatch, dist, server, hadoop_home=None, expect=FailJson)
    assert result['msg'].startswith('schematool needs HADOOP_HOME: set hadoop_home')
    assert server.connects == []


def test_hadoop_home_without_hadoop(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, empty_db(), hadoop_home=str(dist / 'jdk'), expect=FailJson)
    assert 'has no executable bin/hadoop' in result['msg'] and 'not a Hadoop installation' in result['msg']


def test_missing_java_home(monkeypatch, dist):
    monkeypatch.delenv('JAVA_HOME', raising=False)
    result, runner = run(monkeypatch, dist, empty_db(), java_home=None, expect=FailJson)
    assert result['msg'].startswith('schematool needs JAVA_HOME: set java_home')


def test_missing_schematool(monkeypatch, dist):
    os.remove(str(dist / 'apache-hive-metastore-bin' / 'bin' / 'schematool'))
    server = empty_db()
    result, runner = run(monkeypatch, dist, server, expect=FailJson)
    assert 'bin/schematool is missing or not executable' in result['msg']
    assert server.connects == []


def test_metastore_home_that_does_not_exist(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, empty_db(), home=dist / 'nowhere', expect=FailJson)
    assert 'nowhere does not exist or is not a directory' in result['msg']


def test_metastore_home_that_is_not_a_metastore(monkeypatch, dist):
    result, runner = run(monkeypatch, dist, empty_db(), home=dist / 'hadoop', expect=FailJson)
    assert 'is not a Hive standalone metastore for db_type mysql' in result['msg']


@pytest.mark.parametrize('db_type, message', [
    ('mariadb', "use db_type=mysql for MariaDB"),
    ('postgres', "'postgres' is a schematool dbType, but this module supports only: mysql"),
    ('sqlite', "unknown db_type 'sqlite': schematool knows derby, mysql, postgres, oracle, mssql, hive"),
])
def test_db_types(monkeypatch, dist, db_type, message):
    server = empty_db()
    result, runner = run(monkeypatch, dist, server, db_type=db_type, expect=FailJson)
    assert message in result['msg']
    assert server.connects == []


def test_pymysql_missing(monkeypatch, dist):
    monkeypatch.setattr(hive, 'HAS_PYMYSQL', False)
    monkeypatch.setattr(hive, 'PYMYSQL_IMPORT_ERROR', 'ImportError: No module named pymysql')
    runner = FakeRunner()
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', runner.run_command)
    args = dict(metastore_home=str(dist), db_host='db1', db_name='metastore', db_user='hive', db_password=PASSWORD)
    with patch_module_args(args):
        with pytest.raises(FailJson) as raised:
            hive_schema.main()
    assert 'Failed to import the required Python library (PyMySQL)' in raised.value.args[0]['msg']
    assert runner.calls == []


@pytest.mark.parametrize('params, message', [
    (dict(jdbc_url='jdbc:mysql://db1:3307/metastore'), 'mutually exclusive'),
    (dict(db_host=None, db_name=None), 'one of the following is required: jdbc_url, db_host'),
    (dict(db_name=None), 'parameters are required together: db_host, db_name'),
])
def test_connection_options(monkeypatch, dist, params, message):
    result, runner = run(monkeypatch, dist, empty_db(), expect=FailJson, **params)
    assert message in result['msg']


# ---------------------------------------------------------------- the module: schematool failing

def test_failed_init_reports_the_error_and_the_partial_schema(monkeypatch, dist):
    runner = FakeRunner({'-initSchemaTo': (1, 'Starting metastore schema initialization to 4.0.0\n',
                                           "Error: Table 'CTLGS' already exists (state=42S01,code=1050)\n"
                                           'Schema initialization FAILED! Metastore state would be inconsistent!\n'
                                           + FAILED_TAIL)})
    result, runner = run(monkeypatch, dist, empty_db(), runner, expect=FailJson)
    assert result['msg'].startswith('schematool -initSchemaTo 4.0.0 failed (exit 1):')
    assert "Table 'CTLGS' already exists" in result['msg'] and 'partial schema' in result['msg']
    assert runner.flags == ['-initSchemaTo']                      # no -info after a failure
    assert len(result['executed_commands']) == 1 and result['rc'] == 1


def test_failed_upgrade_points_at_the_backup(monkeypatch, dist):
    runner = FakeRunner({'-upgradeSchema': (1, 'Upgrade script upgrade-3.1.0-to-3.2.0.mysql.sql\n',
                                            'Upgrade FAILED! Metastore state would be inconsistent !!\n' + FAILED_TAIL)})
    result, runner = run(monkeypatch, dist, db_at('3.1.0'), runner, allow_upgrade=True, expect=FailJson)
    assert result['msg'].startswith('schematool -upgradeSchema failed (exit 1): ')
    assert 'Upgrade FAILED!' in result['msg'] and 'restore the backup' in result['msg']
    assert runner.flags == ['-upgradeSchema']


def test_missing_jdbc_driver_hint(monkeypatch, dist):
    runner = FakeRunner({'-initSchemaTo': INFO_40X_NO_DRIVER})
    result, runner = run(monkeypatch, dist, empty_db(), runner, expect=FailJson)
    assert 'put the jar of com.mysql.cj.jdbc.Driver into' in result['msg']
    assert 'or on METASTORE_AUX_JARS_PATH in schematool_env' in result['msg']


def test_missing_jdbc_driver_hint_names_the_aux_jars_path(monkeypatch, dist):
    """The hive_metastore role puts Debian's Connector/J on METASTORE_AUX_JARS_PATH: the hint names that path."""
    runner = FakeRunner({'-initSchemaTo': INFO_40X_NO_DRIVER})
    result, runner = run(monkeypatch, dist, empty_db(), runner, expect=FailJson,
                         schematool_env={'METASTORE_AUX_JARS_PATH': '/usr/share/java/mariadb-java-client.jar'})
    assert 'or fix METASTORE_AUX_JARS_PATH=/usr/share/java/mariadb-java-client.jar' in result['msg']
    assert runner.calls[0]['env']['METASTORE_AUX_JARS_PATH'] == '/usr/share/java/mariadb-java-client.jar'


def test_info_disagreeing_after_success_fails(monkeypatch, dist):
    runner = FakeRunner({'-upgradeSchema': UPGRADE_40X_OK, '-info': INFO_40X_OLDER_SCHEMA})
    result, runner = run(monkeypatch, dist, db_at('3.1.0'), runner, allow_upgrade=True, expect=FailJson)
    assert 'reported success, but schematool -info then reported schema 3.1.0' in result['msg']
    assert runner.flags == ['-upgradeSchema', '-info']


def test_info_without_version_after_success_fails(monkeypatch, dist):
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_UNREACHABLE})
    result, runner = run(monkeypatch, dist, empty_db(), runner, expect=FailJson)
    assert 'then reported schema None (' in result['msg'] and 'Communications link failure' in result['msg']


def test_second_run_after_init_is_a_no_op(monkeypatch, dist):
    """Idempotence: the double's database now holds what -initSchemaTo records."""
    server = empty_db()
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_CURRENT})
    run(monkeypatch, dist, server, runner)
    server.databases['metastore'] = {'CTLGS': [], 'DBS': [], 'VERSION': ['4.0.0']}
    result, runner = run(monkeypatch, dist, server)
    assert result['changed'] is False and runner.calls == []


# ---------------------------------------------------------------- direct launch on Java (classpath, conf_dir)

SCHEMATOOL_4 = 'org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool'
SCHEMATOOL_3 = 'org.apache.hadoop.hive.metastore.tools.MetastoreSchemaTool'


def jar_with(path, classes):
    import zipfile
    with zipfile.ZipFile(str(path), 'w') as archive:
        for cls in classes:
            archive.writestr(cls.replace('.', '/') + '.class', b'')


def conf_dir(root):
    conf = root / 'conf'
    conf.mkdir(exist_ok=True)
    (conf / 'metastore-site.xml').write_text('<configuration/>')
    return str(conf)


def test_direct_launch_without_hadoop_and_without_the_password(monkeypatch, dist):
    """java -cp <conf>:<classpath> <class>: no bin/schematool, no Hadoop, no -passWord on the command line."""
    home = dist / 'apache-hive-metastore-bin'
    jar_with(home / 'lib' / 'hive-standalone-metastore-server-4.0.1.jar', [SCHEMATOOL_4])
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_CURRENT})
    result, runner = run(monkeypatch, dist, empty_db(), runner, hadoop_home=None, conf_dir=conf_dir(dist),
                         classpath=[str(home / 'lib' / '*'), '/usr/share/java/mariadb-java-client.jar'],
                         java_options=['-Xmx512m'], jdbc_driver='org.mariadb.jdbc.Driver')
    init = runner.calls[0]['args']
    assert init[:6] == [str(dist / 'jdk' / 'bin' / 'java'), '-Xmx512m', '-cp',
                        '%s:%s:/usr/share/java/mariadb-java-client.jar' % (dist / 'conf', home / 'lib' / '*'),
                        SCHEMATOOL_4, '-dbType']
    assert init[6:9] == ['mysql', '-initSchemaTo', '4.0.0']
    assert '-passWord' not in init and PASSWORD not in ' '.join(init)
    assert all('-passWord' not in c['args'] for c in runner.calls)
    assert runner.calls[0]['env'] == {'METASTORE_HOME': str(home), 'JAVA_HOME': str(dist / 'jdk')}
    assert result['changed'] is True and result['action'] == 'init'
    assert not any('passWord' in c for c in result['executed_commands'])


def test_direct_launch_finds_the_3x_class(monkeypatch, dist):
    home = dist / 'apache-hive-metastore-bin'
    jar_with(home / 'lib' / 'hive-standalone-metastore-server-4.0.1.jar', [SCHEMATOOL_3])
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_CURRENT})
    _result, runner = run(monkeypatch, dist, empty_db(), runner, classpath=['/x.jar'])
    assert runner.calls[0]['args'][3] == SCHEMATOOL_3
    assert '-passWord' in runner.calls[0]['args']   # no conf_dir: the password goes on the command line


def test_direct_launch_main_class_given(monkeypatch, dist):
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_CURRENT})
    _result, runner = run(monkeypatch, dist, empty_db(), runner, classpath=['/x.jar'], main_class='my.Tool')
    assert runner.calls[0]['args'][:4] == [str(dist / 'jdk' / 'bin' / 'java'), '-cp', '/x.jar', 'my.Tool']


def test_direct_launch_without_a_schematool_class(monkeypatch, dist):
    result, _runner = run(monkeypatch, dist, empty_db(), classpath=['/x.jar'], expect=FailJson)
    assert 'no schematool class' in result['msg'] and 'give main_class' in result['msg']


def test_conf_dir_must_hold_metastore_site(monkeypatch, dist):
    (dist / 'empty').mkdir()
    result, runner = run(monkeypatch, dist, empty_db(), conf_dir=str(dist / 'empty'), expect=FailJson)
    assert 'has no metastore-site.xml' in result['msg']
    assert runner.calls == []


def test_conf_dir_with_bin_schematool(monkeypatch, dist):
    """bin/schematool reads METASTORE_CONF_DIR: the password stays off its command line too."""
    runner = FakeRunner({'-initSchemaTo': INIT_40X_OK, '-info': INFO_40X_CURRENT})
    _result, runner = run(monkeypatch, dist, empty_db(), runner, conf_dir=conf_dir(dist))
    assert runner.calls[0]['args'][0] == str(dist / 'apache-hive-metastore-bin' / 'bin' / 'schematool')
    assert runner.calls[0]['env']['METASTORE_CONF_DIR'] == str(dist / 'conf')
    assert all('-passWord' not in c['args'] for c in runner.calls)
