"""Unit tests of datamesh.platform.trino_catalog.

Static mode runs for real on the file system (pytest's tmp_path). Dynamic mode runs against
FakeTrino, a hand-written protocol double of the ``trino`` DB-API (connection, cursor,
execute/fetchall) and of the coordinator behind it: it interprets the SHOW CATALOGS,
system.metadata.catalogs, CREATE CATALOG and DROP CATALOG statements the module sends, keeps the
catalogs in memory, answers with the errors Trino gives, can keep catalog files the way
catalog.store=file does (java.util.Properties.store format), and records every statement.
No Trino server can run in this test environment, so dynamic mode has no live test.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.datamesh.platform.plugins.module_utils import trino as trino_utils
from ansible_collections.datamesh.platform.plugins.modules import trino_catalog
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_exits

PASSWORD = 'Sup3r-s3cret-pw'
S3_SECRET = 'minio-s3cr3t-key'
MYSQL = {'connection-url': 'jdbc:mysql://db1.example.com:3306', 'connection-user': 'trino'}
HEADER = '# Trino catalog sales, managed by Ansible (datamesh.platform.trino_catalog); local changes are overwritten.\n'


# ---------------------------------------------------------------- the protocol double

class FakeTrinoUserError(Exception):
    """Shaped like trino.exceptions.TrinoUserError's text."""

    def __init__(self, name, message):
        super().__init__('TrinoUserError(type=USER_ERROR, name=%s, message="%s", query_id=20250101_000000_00001_abcde)'
                         % (name, message))


def java_store_escape(text):
    """What java.util.Properties.store writes for a key or value (ASCII text)."""
    out = []
    for i, ch in enumerate(text):
        if ch in '=:#!\\':
            out.append('\\' + ch)
        elif ch == ' ' and i == 0:
            out.append('\\ ')
        else:
            out.append(ch)
    return ''.join(out)


class FakeTrino:
    """The coordinator and its DB-API client (see the module docstring).

    catalogs: {name: (connector, {property: value})}.
    store_dir: emulate catalog.store=file, writing/removing <store_dir>/<name>.properties.
    connector_name_column: False emulates releases whose system.metadata.catalogs lacks connector_name.
    static: emulate catalog.management=static (CREATE/DROP CATALOG refused).
    fail: {statement prefix: exception} raised instead of running the statement.
    """

    def __init__(self, catalogs=None, store_dir=None, connector_name_column=True, static=False, fail=None):
        self.catalogs = dict(catalogs or {})
        self.store_dir = store_dir
        self.connector_name_column = connector_name_column
        self.static = static
        self.fail = fail or {}
        self.statements = []
        self.connects = []
        self.closed = 0
        if store_dir:
            for name in self.catalogs:
                self._store(name)

    # -- DB-API surface
    def connect(self, params):
        self.connects.append(dict(params))
        return FakeConnection(self)

    @property
    def writes(self):
        return [s for s in self.statements if s.startswith(('CREATE', 'DROP'))]

    # -- the coordinator
    def execute(self, statement):
        self.statements.append(statement)
        for prefix, error in self.fail.items():
            if statement.startswith(prefix):
                raise error
        if statement == 'SHOW CATALOGS':
            return [[name] for name in sorted(set(self.catalogs) | {'system'})]
        m = re.match(r"^SELECT connector_name FROM system\.metadata\.catalogs WHERE catalog_name = '([^']*)'$", statement)
        if m:
            if not self.connector_name_column:
                raise FakeTrinoUserError('COLUMN_NOT_FOUND', "line 1:8: Column 'connector_name' cannot be resolved")
            found = self.catalogs.get(m.group(1))
            return [[found[0]]] if found else []
        m = re.match(r'^CREATE CATALOG ([a-z][a-z0-9_]*) USING ([a-z][a-z0-9_]*)(?: WITH \((.*)\))?$', statement)
        if m:
            self._modifiable('CREATE CATALOG')
            name, connector, body = m.groups()
            if name in self.catalogs:
                raise FakeTrinoUserError('ALREADY_EXISTS', "Catalog '%s' already exists" % name)
            self.catalogs[name] = (connector, self._parse_with(body or ''))
            self._store(name)
            return []
        m = re.match(r'^DROP CATALOG ([a-z][a-z0-9_]*)$', statement)
        if m:
            self._modifiable('DROP CATALOG')
            if m.group(1) not in self.catalogs:
                raise FakeTrinoUserError('NOT_FOUND', "Catalog '%s' does not exist" % m.group(1))
            del self.catalogs[m.group(1)]
            if self.store_dir:
                os.remove(os.path.join(self.store_dir, m.group(1) + '.properties'))
            return []
        raise FakeTrinoUserError('SYNTAX_ERROR', 'line 1:1: mismatched input in %r' % statement)

    def _modifiable(self, what):
        if self.static:
            raise FakeTrinoUserError('NOT_SUPPORTED', '%s is not supported by the static catalog store' % what)

    @staticmethod
    def _parse_with(body):
        pairs = re.findall(r'"((?:[^"]|"")*)" = \'((?:[^\']|\'\')*)\'(?:, |$)', body)
        props = dict((k.replace('""', '"'), v.replace("''", "'")) for k, v in pairs)
        assert len(props) == body.count(' = '), 'unparsed WITH clause: %s' % body
        return props

    def _store(self, name):
        if not self.store_dir:
            return
        connector, props = self.catalogs[name]
        lines = ['#Mon Nov 24 08:00:00 UTC 2025']
        for key, value in [('connector.name', connector)] + sorted(props.items()):
            lines.append('%s=%s' % (java_store_escape(key), java_store_escape(value)))
        with open(os.path.join(self.store_dir, name + '.properties'), 'w') as f:
            f.write('\r\n'.join(lines) + '\r\n')


class FakeConnection:
    def __init__(self, server):
        self.server = server

    def cursor(self):
        return FakeCursor(self.server)

    def close(self):
        self.server.closed += 1


class FakeCursor:
    def __init__(self, server):
        self.server = server
        self.rows = None

    def execute(self, statement):
        self.rows = self.server.execute(statement)

    def fetchall(self):
        assert self.rows is not None, 'fetchall() before execute()'
        return self.rows

    def close(self):
        pass


# ---------------------------------------------------------------- running the module

@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    """exit_json/fail_json raise ExitJson/FailJson; the value is the list of module warnings."""
    return patch_module_exits(monkeypatch)


def run(params, check_mode=False, diff=False, expect=ExitJson, server=None, monkeypatch=None):
    args = dict(params)
    args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    if server is not None:
        # the double stands in for the trino client: it is "installed"
        monkeypatch.setattr(trino_utils, 'HAS_TRINO', True)
        monkeypatch.setattr(trino_catalog, 'trino_connect', lambda module, source=None: server.connect(module.params))
    with patch_module_args(args):
        with pytest.raises(expect) as raised:
            trino_catalog.main()
    return raised.value.args[0]


def no_secret_in(result):
    text = json.dumps(result)
    return PASSWORD not in text and S3_SECRET not in text


def file_mode(path):
    return os.stat(path).st_mode & 0o777


# ================================================================ static mode

def static_args(tmp_path, **extra):
    args = dict(name='sales', connector='mysql', catalog_dir=str(tmp_path), properties=dict(MYSQL),
                secret_properties={'connection-password': PASSWORD})
    args.update(extra)
    return args


SALES_FILE = (HEADER
              + 'connector.name=mysql\n'
              + 'connection-password=%s\n' % PASSWORD
              + 'connection-url=jdbc:mysql://db1.example.com:3306\n'
              + 'connection-user=trino\n')


def test_static_creates_the_file_private_and_returns_it_masked(tmp_path):
    result = run(static_args(tmp_path), diff=True)
    path = tmp_path / 'sales.properties'
    assert result['changed'] is True
    assert result['path'] == str(path)
    assert path.read_text() == SALES_FILE
    assert file_mode(path) == 0o640
    assert result['properties'] == dict(MYSQL, **{'connection-password': '********'})
    assert result['connector'] == 'mysql'
    assert result['diff']['before'] == ''
    assert result['diff']['after'] == ('connector.name=mysql\nconnection-password=********\n'
                                       'connection-url=jdbc:mysql://db1.example.com:3306\nconnection-user=trino\n')
    assert no_secret_in(result)
    assert os.listdir(str(tmp_path)) == ['sales.properties']


def test_static_second_run_changes_nothing(tmp_path):
    run(static_args(tmp_path))
    before = os.stat(str(tmp_path / 'sales.properties'))
    result = run(static_args(tmp_path), diff=True)
    assert result['changed'] is False
    assert result['diff']['before'] == result['diff']['after']
    assert os.stat(str(tmp_path / 'sales.properties')).st_mtime_ns == before.st_mtime_ns


def test_static_changed_property_rewrites_and_diffs(tmp_path):
    run(static_args(tmp_path))
    result = run(static_args(tmp_path, properties=dict(MYSQL, **{'connection-user': 'trino_ro'})), diff=True)
    assert result['changed'] is True
    assert 'connection-user=trino_ro\n' in (tmp_path / 'sales.properties').read_text()
    assert 'connection-user=trino\n' in result['diff']['before']
    assert 'connection-user=trino_ro\n' in result['diff']['after']


def test_static_changed_secret_shows_only_that_it_changed(tmp_path):
    run(static_args(tmp_path))
    result = run(static_args(tmp_path, secret_properties={'connection-password': PASSWORD + '-new'}), diff=True)
    assert result['changed'] is True
    assert 'connection-password=********\n' in result['diff']['before']
    assert 'connection-password=******** (changed)\n' in result['diff']['after']
    assert PASSWORD not in json.dumps(result)
    assert 'connection-password=%s-new\n' % PASSWORD in (tmp_path / 'sales.properties').read_text()


def test_static_wrong_mode_alone_is_corrected(tmp_path):
    run(static_args(tmp_path))
    path = tmp_path / 'sales.properties'
    os.chmod(str(path), 0o644)
    result = run(static_args(tmp_path))
    assert result['changed'] is True
    assert file_mode(path) == 0o640
    assert run(static_args(tmp_path))['changed'] is False


def test_static_mode_option(tmp_path):
    run(static_args(tmp_path, mode='0600'))
    assert file_mode(tmp_path / 'sales.properties') == 0o600


def test_static_group_is_applied(tmp_path):
    if os.geteuid() == 0:
        group = grp.getgrgid(1).gr_name     # any group: root may chown
    else:
        others = [g for g in os.getgroups() if g != os.getegid()]
        if not others:
            pytest.skip('not root and no supplementary group to chown the file to')
        group = grp.getgrgid(others[0]).gr_name
    result = run(static_args(tmp_path, group=group))
    assert result['changed'] is True
    assert grp.getgrgid(os.stat(str(tmp_path / 'sales.properties')).st_gid).gr_name == group
    assert run(static_args(tmp_path, group=group))['changed'] is False


def test_static_file_is_complete_and_private_before_it_gets_its_name(tmp_path, monkeypatch):
    seen = []
    original = basic.AnsibleModule.atomic_move

    def watching_atomic_move(self, src, dest, *args, **kwargs):
        with open(src) as f:
            seen.append((os.path.basename(src), file_mode(src), f.read(), os.path.exists(dest)))
        return original(self, src, dest, *args, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, 'atomic_move', watching_atomic_move)
    old_umask = os.umask(0o022)
    try:
        run(static_args(tmp_path))
    finally:
        os.umask(old_umask)
    (name, mode, content, dest_existed), = seen
    assert name.startswith('.sales.properties.') and name.endswith('.tmp')
    assert mode == 0o640
    assert content == SALES_FILE
    assert dest_existed is False
    assert file_mode(tmp_path / 'sales.properties') == 0o640


def test_static_check_mode_writes_nothing(tmp_path):
    result = run(static_args(tmp_path), check_mode=True, diff=True)
    assert result['changed'] is True
    assert 'connection-user=trino\n' in result['diff']['after']
    assert os.listdir(str(tmp_path)) == []


def test_static_check_mode_on_a_changed_file_leaves_it(tmp_path):
    run(static_args(tmp_path))
    os.chmod(str(tmp_path / 'sales.properties'), 0o644)
    result = run(static_args(tmp_path, properties=dict(MYSQL, **{'connection-user': 'x'})), check_mode=True)
    assert result['changed'] is True
    assert (tmp_path / 'sales.properties').read_text() == SALES_FILE
    assert file_mode(tmp_path / 'sales.properties') == 0o644


def test_static_absent_removes_the_file_once(tmp_path):
    run(static_args(tmp_path))
    result = run(dict(name='sales', state='absent', catalog_dir=str(tmp_path)), diff=True)
    assert result['changed'] is True
    assert os.listdir(str(tmp_path)) == []
    assert 'connection-password=********' in result['diff']['before']
    assert result['diff']['after'] == ''
    assert no_secret_in(result)
    assert run(dict(name='sales', state='absent', catalog_dir=str(tmp_path)))['changed'] is False


def test_static_absent_in_check_mode_keeps_the_file(tmp_path):
    run(static_args(tmp_path))
    result = run(dict(name='sales', state='absent', catalog_dir=str(tmp_path)), check_mode=True)
    assert result['changed'] is True
    assert (tmp_path / 'sales.properties').exists()


def test_static_hand_edited_file_is_rewritten(tmp_path):
    (tmp_path / 'sales.properties').write_text('connector.name = mysql\nconnection-url: jdbc\\:mysql\\://old:3306\n')
    result = run(static_args(tmp_path), diff=True)
    assert result['changed'] is True
    assert 'connection-url=jdbc:mysql://old:3306\n' in result['diff']['before']
    assert (tmp_path / 'sales.properties').read_text() == SALES_FILE


def test_static_utf8_file_written_by_hand_is_read_for_the_diff(tmp_path):
    (tmp_path / 'sales.properties').write_bytes(u'connector.name=mysql\nconnection-user=jos\u00e9\n'.encode('utf-8'))
    result = run(static_args(tmp_path), diff=True)
    assert 'connection-user=jos\\u00E9\n' in result['diff']['before']
    assert result['changed'] is True


def test_static_latin1_and_unparseable_files_are_replaced(tmp_path):
    path = tmp_path / 'sales.properties'
    path.write_bytes(b'connector.name=mysql\nconnection-user=jos\xe9\n')
    result = run(static_args(tmp_path), diff=True)
    assert 'connection-user=jos\\u00E9\n' in result['diff']['before']
    path.write_text('connector.name=mysql\nconnection-user=\\u00G9\n')
    result = run(static_args(tmp_path), diff=True)
    assert result['diff']['before'].startswith('# the existing file cannot be parsed: malformed')
    assert path.read_text() == SALES_FILE


def test_static_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    run(static_args(tmp_path))

    def failing_atomic_move(self, src, dest, *args, **kwargs):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(basic.AnsibleModule, 'atomic_move', failing_atomic_move)
    result = run(static_args(tmp_path, properties=dict(MYSQL, **{'connection-user': 'x'})), expect=FailJson)
    assert result['msg'] == 'cannot write %s: [Errno 28] No space left on device' % (tmp_path / 'sales.properties')
    assert os.listdir(str(tmp_path)) == ['sales.properties']
    assert (tmp_path / 'sales.properties').read_text() == SALES_FILE


def test_static_owner_is_applied(tmp_path):
    me = pwd.getpwuid(os.geteuid()).pw_name
    result = run(static_args(tmp_path, owner=me))
    assert result['changed'] is True
    assert os.stat(str(tmp_path / 'sales.properties')).st_uid == os.geteuid()
    assert run(static_args(tmp_path, owner=me))['changed'] is False


def test_static_hive_for_trino_406_renders_legacy_s3(tmp_path):
    result = run(dict(name='lake', connector='hive', catalog_dir=str(tmp_path), trino_version=406,
                      properties={'hive.metastore.uri': 'thrift://metastore:9083'},
                      s3={'endpoint': 'https://minio:9000', 'access_key': 'trino', 'secret_key': S3_SECRET}))
    assert result['s3_implementation'] == 'legacy'
    assert (tmp_path / 'lake.properties').read_text().splitlines()[1:] == [
        'connector.name=hive',
        'hive.metastore.uri=thrift://metastore:9083',
        'hive.s3.aws-access-key=trino',
        'hive.s3.aws-secret-key=%s' % S3_SECRET,
        'hive.s3.endpoint=https://minio:9000',
        'hive.s3.path-style-access=true',
    ]
    assert result['properties']['hive.s3.aws-secret-key'] == '********'
    assert result['properties']['hive.s3.aws-access-key'] == '********'
    assert no_secret_in(result)


def test_static_hive_for_trino_481_renders_native_s3(tmp_path):
    result = run(dict(name='lake', connector='hive', catalog_dir=str(tmp_path), trino_version=481,
                      properties={'hive.metastore.uri': 'thrift://metastore:9083'},
                      s3={'endpoint': 'https://minio:9000', 'access_key': 'trino', 'secret_key': S3_SECRET}))
    assert result['s3_implementation'] == 'native'
    assert (tmp_path / 'lake.properties').read_text().splitlines()[1:] == [
        'connector.name=hive',
        'fs.native-s3.enabled=true',
        'hive.metastore.uri=thrift://metastore:9083',
        's3.aws-access-key=trino',
        's3.aws-secret-key=%s' % S3_SECRET,
        's3.endpoint=https://minio:9000',
        's3.path-style-access=true',
        's3.region=us-east-1',
    ]


def test_static_legacy_s3_on_481_fails_before_writing(tmp_path):
    result = run(dict(name='lake', connector='hive', catalog_dir=str(tmp_path), trino_version=481,
                      properties={'hive.metastore.uri': 'thrift://metastore:9083'}, s3_implementation='legacy',
                      s3={'endpoint': 'https://minio:9000'}), expect=FailJson)
    assert result['msg'].startswith('catalog lake: legacy S3 (hive.s3.*) was removed in Trino 481')
    assert os.listdir(str(tmp_path)) == []


def test_static_deprecation_warning_for_legacy_s3_on_470(tmp_path, module_exits):
    run(dict(name='lake', connector='hive', catalog_dir=str(tmp_path), trino_version=470, s3_implementation='legacy',
             properties={'hive.metastore.uri': 'thrift://metastore:9083'}, s3={'endpoint': 'https://minio:9000'}))
    assert any('deprecated since Trino 470' in w for w in module_exits)
    assert 'fs.hadoop.enabled=true' in (tmp_path / 'lake.properties').read_text()


@pytest.mark.parametrize('args, message', [
    (dict(secret_properties=None), 'catalog sales: a mysql catalog needs connection-password'),
    (dict(secret_properties=None, properties=dict(MYSQL, **{'connection-password': PASSWORD})),
     'catalog sales: connection-password looks secret: give it in secret_properties'),
    (dict(connector='mariadb'), "must start with jdbc:mariadb://"),
    (dict(name='Sales'), "catalog name 'Sales': use lowercase letters"),
    (dict(name='system'), 'reserved by Trino'),
    (dict(connector='blackhole', properties=None, secret_properties=None),
     "connector 'blackhole' is not one this module checks"),
])
def test_static_invalid_catalogs_fail_before_anything_is_written(tmp_path, args, message):
    result = run(static_args(tmp_path, **args), expect=FailJson)
    assert message in result['msg']
    assert os.listdir(str(tmp_path)) == []
    assert PASSWORD not in json.dumps(result)


def test_static_missing_catalog_dir_fails(tmp_path):
    result = run(static_args(tmp_path / 'nope'), expect=FailJson)
    assert 'does not exist or is not a directory' in result['msg']


def test_static_needs_catalog_dir_and_connector(tmp_path):
    assert 'catalog_dir' in run(dict(name='sales', connector='tpch'), expect=FailJson)['msg']
    assert 'connector' in run(dict(name='sales', catalog_dir=str(tmp_path)), expect=FailJson)['msg']


def test_static_directory_in_the_way_fails(tmp_path):
    (tmp_path / 'sales.properties').mkdir()
    assert 'is not a regular file' in run(static_args(tmp_path), expect=FailJson)['msg']


# ================================================================ dynamic mode

def dyn_args(**extra):
    args = dict(name='sales', management='dynamic', host='trino.example.com', user='admin', password='admin-pw',
                connector='mysql', properties=dict(MYSQL), secret_properties={'connection-password': PASSWORD})
    args.update(extra)
    return args


CREATE_SALES = ('CREATE CATALOG sales USING mysql WITH ("connection-password" = \'%s\', '
                '"connection-url" = \'jdbc:mysql://db1.example.com:3306\', "connection-user" = \'trino\')')
CREATE_SALES_MASKED = CREATE_SALES % '********'
LOOKUP = "SELECT connector_name FROM system.metadata.catalogs WHERE catalog_name = 'sales'"
SALES = ('mysql', dict(MYSQL, **{'connection-password': PASSWORD}))


def test_dynamic_creates_a_missing_catalog(monkeypatch, module_exits):
    server = FakeTrino()
    result = run(dyn_args(), server=server, monkeypatch=monkeypatch, diff=True)
    assert result['changed'] is True
    assert server.statements == ['SHOW CATALOGS', CREATE_SALES % PASSWORD]
    assert server.catalogs['sales'] == SALES
    assert result['executed_statements'] == [CREATE_SALES_MASKED]
    assert result['current_properties_source'] == 'none'
    assert result['diff']['before'] == ''
    assert 'connection-password=********\n' in result['diff']['after']
    assert no_secret_in(result)
    assert server.closed == 1
    assert any('Trino logs the CREATE CATALOG statement of sales, with the values of connection-password' in w
               for w in module_exits)


def test_dynamic_connects_with_the_connection_options(monkeypatch):
    server = FakeTrino()
    run(dyn_args(port=8443, ca_cert='/etc/ssl/ca.pem'), server=server, monkeypatch=monkeypatch)
    params = server.connects[0]
    assert (params['host'], params['port'], params['http_scheme'], params['user'], params['ca_cert']) == (
        'trino.example.com', 8443, 'https', 'admin', '/etc/ssl/ca.pem')


def test_dynamic_env_references_are_not_warned_about(monkeypatch, module_exits):
    server = FakeTrino()
    props = dict(MYSQL, **{'connection-password': '${ENV:SALES_PW}'})
    result = run(dyn_args(properties=props, secret_properties=None), server=server, monkeypatch=monkeypatch)
    assert result['executed_statements'] == [CREATE_SALES % '${ENV:SALES_PW}']
    assert not any('Trino logs' in w for w in module_exits)


def test_dynamic_unchanged_catalog_compared_through_the_catalog_file(monkeypatch, tmp_path):
    server = FakeTrino(catalogs={'sales': SALES}, store_dir=str(tmp_path))
    result = run(dyn_args(catalog_dir=str(tmp_path)), server=server, monkeypatch=monkeypatch, diff=True)
    assert result['changed'] is False
    assert server.statements == ['SHOW CATALOGS', LOOKUP]
    assert result['executed_statements'] == []
    assert result['current_properties_source'] == 'catalog_file'
    assert result['diff']['before'] == result['diff']['after']


def test_dynamic_changed_property_drops_and_creates(monkeypatch, tmp_path):
    server = FakeTrino(catalogs={'sales': ('mysql', dict(SALES[1], **{'connection-user': 'old'}))}, store_dir=str(tmp_path))
    result = run(dyn_args(catalog_dir=str(tmp_path)), server=server, monkeypatch=monkeypatch, diff=True)
    assert result['changed'] is True
    assert server.statements == ['SHOW CATALOGS', LOOKUP, 'DROP CATALOG sales', CREATE_SALES % PASSWORD]
    assert result['executed_statements'] == ['DROP CATALOG sales', CREATE_SALES_MASKED]
    assert server.catalogs['sales'] == SALES
    assert 'connection-user=old\n' in result['diff']['before']
    assert no_secret_in(result)
    # and the next run finds the file Trino rewrote equal
    server.statements = []
    assert run(dyn_args(catalog_dir=str(tmp_path)), server=server, monkeypatch=monkeypatch)['changed'] is False
    assert server.writes == []


def test_dynamic_changed_secret_is_detected_and_masked(monkeypatch, tmp_path):
    server = FakeTrino(catalogs={'sales': ('mysql', dict(SALES[1], **{'connection-password': 'old-pw-123'}))},
                       store_dir=str(tmp_path))
    result = run(dyn_args(catalog_dir=str(tmp_path)), server=server, monkeypatch=monkeypatch, diff=True)
    assert server.writes == ['DROP CATALOG sales', CREATE_SALES % PASSWORD]
    assert 'connection-password=******** (changed)' in result['diff']['after']
    assert 'old-pw-123' not in json.dumps(result)


def test_dynamic_old_trino_compares_the_connector_from_the_catalog_file(monkeypatch, tmp_path):
    server = FakeTrino(catalogs={'sales': ('mariadb', {'connection-url': 'jdbc:mariadb://x:3306'})},
                       store_dir=str(tmp_path), connector_name_column=False)
    result = run(dyn_args(catalog_dir=str(tmp_path)), server=server, monkeypatch=monkeypatch)
    assert server.writes == ['DROP CATALOG sales', CREATE_SALES % PASSWORD]
    assert result['current_properties_source'] == 'catalog_file'


def test_dynamic_unparseable_catalog_file_is_not_compared(monkeypatch, tmp_path, module_exits):
    server = FakeTrino(catalogs={'sales': SALES})
    (tmp_path / 'sales.properties').write_text('connector.name=mysql\nconnection-user=\\u12\n')
    result = run(dyn_args(catalog_dir=str(tmp_path)), server=server, monkeypatch=monkeypatch)
    assert result['changed'] is False and server.writes == []
    assert result['current_properties_source'] == 'unavailable'
    assert any(w.startswith('cannot read the catalog file %s to compare properties: malformed'
                            % (tmp_path / 'sales.properties')) for w in module_exits)


def test_dynamic_other_connector_is_recreated_without_a_catalog_file(monkeypatch):
    server = FakeTrino(catalogs={'sales': ('mariadb', {'connection-url': 'jdbc:mariadb://x:3306'})})
    result = run(dyn_args(), server=server, monkeypatch=monkeypatch)
    assert server.statements == ['SHOW CATALOGS', LOOKUP, 'DROP CATALOG sales', CREATE_SALES % PASSWORD]
    assert result['current_properties_source'] == 'unavailable'


def test_dynamic_unknown_properties_are_left_alone_with_a_warning(monkeypatch, module_exits):
    server = FakeTrino(catalogs={'sales': ('mysql', {'connection-url': 'jdbc:mysql://other:3306'})})
    result = run(dyn_args(), server=server, monkeypatch=monkeypatch, diff=True)
    assert result['changed'] is False
    assert server.writes == []
    assert result['current_properties_source'] == 'unavailable'
    assert result['diff']['before'].startswith('# catalog sales exists; its properties are unknown')
    assert any('Trino cannot show its properties, so they were not compared' in w for w in module_exits)


def test_dynamic_old_trino_without_connector_name_column(monkeypatch, module_exits):
    server = FakeTrino(catalogs={'sales': ('mariadb', {})}, connector_name_column=False)
    result = run(dyn_args(), server=server, monkeypatch=monkeypatch)
    assert result['changed'] is False
    assert server.statements == ['SHOW CATALOGS', LOOKUP]
    assert any('not compared' in w for w in module_exits)


def test_dynamic_force_recreates_every_time(monkeypatch):
    server = FakeTrino(catalogs={'sales': SALES})
    first = run(dyn_args(force=True), server=server, monkeypatch=monkeypatch)
    second = run(dyn_args(force=True), server=server, monkeypatch=monkeypatch)
    assert first['changed'] is True and second['changed'] is True
    assert server.writes == ['DROP CATALOG sales', CREATE_SALES % PASSWORD] * 2


def test_dynamic_check_mode_issues_no_create_or_drop(monkeypatch, tmp_path):
    server = FakeTrino(catalogs={'sales': ('mysql', dict(SALES[1], **{'connection-user': 'old'}))}, store_dir=str(tmp_path))
    result = run(dyn_args(catalog_dir=str(tmp_path)), server=server, monkeypatch=monkeypatch, check_mode=True, diff=True)
    assert result['changed'] is True
    assert server.statements == ['SHOW CATALOGS', LOOKUP]
    assert result['executed_statements'] == ['DROP CATALOG sales', CREATE_SALES_MASKED]
    assert server.catalogs['sales'][1]['connection-user'] == 'old'


def test_dynamic_check_mode_create(monkeypatch):
    server = FakeTrino()
    result = run(dyn_args(), server=server, monkeypatch=monkeypatch, check_mode=True)
    assert result['changed'] is True
    assert server.statements == ['SHOW CATALOGS']
    assert 'sales' not in server.catalogs


def test_dynamic_absent_drops_once(monkeypatch, module_exits):
    server = FakeTrino(catalogs={'sales': SALES, 'lake': ('hive', {})})
    args = dict(name='lake', management='dynamic', state='absent', host='trino.example.com', password='pw')
    result = run(args, server=server, monkeypatch=monkeypatch)
    assert result['changed'] is True
    assert server.statements == ['SHOW CATALOGS', "SELECT connector_name FROM system.metadata.catalogs "
                                                  "WHERE catalog_name = 'lake'", 'DROP CATALOG lake']
    assert set(server.catalogs) == {'sales'}
    assert any('hive catalogs may not release all resources' in w for w in module_exits)
    server.statements = []
    assert run(args, server=server, monkeypatch=monkeypatch)['changed'] is False
    assert server.statements == ['SHOW CATALOGS']


def test_dynamic_absent_in_check_mode(monkeypatch):
    server = FakeTrino(catalogs={'sales': SALES})
    args = dict(name='sales', management='dynamic', state='absent', host='trino.example.com')
    result = run(args, server=server, monkeypatch=monkeypatch, check_mode=True)
    assert result['changed'] is True and result['executed_statements'] == ['DROP CATALOG sales']
    assert server.writes == [] and 'sales' in server.catalogs


def test_dynamic_failed_create_after_drop_says_the_catalog_is_gone(monkeypatch, tmp_path):
    error = FakeTrinoUserError('INVALID_CATALOG_PROPERTY', 'Unable to connect with password %s' % PASSWORD)
    server = FakeTrino(catalogs={'sales': ('mariadb', {})}, fail={'CREATE CATALOG': error})
    result = run(dyn_args(), server=server, monkeypatch=monkeypatch, expect=FailJson)
    assert result['msg'].startswith(CREATE_SALES_MASKED + ' failed on https://trino.example.com:8443: ')
    assert result['msg'].endswith('Catalog sales was dropped and is NOT re-created')
    assert result['executed_statements'] == ['DROP CATALOG sales', CREATE_SALES_MASKED]
    assert 'sales' not in server.catalogs
    assert PASSWORD not in json.dumps(result)


def test_dynamic_on_a_static_coordinator_explains_the_setting(monkeypatch):
    server = FakeTrino(static=True)
    result = run(dyn_args(), server=server, monkeypatch=monkeypatch, expect=FailJson)
    assert 'is not supported by the static catalog store' in result['msg']
    assert result['msg'].endswith('(the coordinator needs catalog.management=dynamic in config.properties)')


def test_dynamic_unreachable_coordinator(monkeypatch):
    server = FakeTrino(fail={'SHOW CATALOGS': IOError('Connection refused')})
    result = run(dyn_args(), server=server, monkeypatch=monkeypatch, expect=FailJson)
    assert result['msg'] == 'SHOW CATALOGS on https://trino.example.com:8443 failed: Connection refused'


def test_dynamic_refuses_a_password_over_http_before_connecting():
    result = run(dyn_args(http_scheme='http'), expect=FailJson)
    assert result['msg'].startswith("refusing to send the password of user 'admin' over plain http")


def test_dynamic_needs_the_trino_client(monkeypatch):
    from ansible_collections.datamesh.platform.plugins.module_utils import trino as trino_utils
    monkeypatch.setattr(trino_utils, 'HAS_TRINO', False)
    result = run(dyn_args(), expect=FailJson)
    assert 'Failed to import the required Python library (trino)' in result['msg']


def test_dynamic_needs_a_host():
    result = run(dict(name='sales', management='dynamic', connector='tpch'), expect=FailJson)
    assert 'host' in result['msg']


def test_dynamic_invalid_catalog_fails_before_connecting(monkeypatch):
    server = FakeTrino()
    result = run(dyn_args(properties={'connection-user': 'x'}), server=server, monkeypatch=monkeypatch, expect=FailJson)
    assert 'needs connection-url' in result['msg']
    assert server.connects == []


def test_dynamic_catalog_without_properties(monkeypatch):
    server = FakeTrino()
    result = run(dict(name='tpch', management='dynamic', host='trino.example.com', connector='tpch',
                      http_scheme='http'), server=server, monkeypatch=monkeypatch)
    assert server.writes == ['CREATE CATALOG tpch USING tpch']
    assert result['properties'] == {}


# ================================================================ validate_only (role preflight)

def test_validate_only_touches_nothing_and_masks_secrets(tmp_path):
    args = static_args(tmp_path, validate_only=True)
    del args['catalog_dir']
    result = run(args)
    assert result['changed'] is False
    assert result['properties'] == dict(MYSQL, **{'connection-password': '********'})
    assert 'path' not in result
    assert no_secret_in(result)
    assert os.listdir(str(tmp_path)) == []


def test_validate_only_needs_no_host_for_dynamic():
    result = run(dict(name='scratch', connector='memory', management='dynamic', validate_only=True))
    assert result == dict(changed=False, connector='memory', properties={})


def test_validate_only_refuses_what_present_would_refuse():
    result = run(dict(name='lake', connector='hive', trino_version=481, validate_only=True,
                      properties={'hive.metastore.uri': 'thrift://hms:9083', 'hive.s3.endpoint': 'https://minio:9000'}),
                 expect=FailJson)
    assert 'legacy S3 properties were removed in Trino 481' in result['msg']


def test_validate_only_refuses_a_bad_name():
    result = run(dict(name='Sales-DB', connector='memory', validate_only=True), expect=FailJson)
    assert "catalog name 'Sales-DB'" in result['msg']


def test_without_validate_only_static_still_needs_catalog_dir():
    result = run(dict(name='scratch', connector='memory'), expect=FailJson)
    assert 'management is static but all of the following are missing: catalog_dir' in result['msg']


# ---------------------------------------------------------------- check mode without a coordinator (issue 10, defect 7)
# A dry run on a fresh coordinator: the trino client is not installed yet and nothing listens; on
# a coordinator whose service is stopped, the client is there but the connection is refused. The
# module must report what it would do (from the catalog files of catalog.store=file) and not fail.

def test_check_mode_without_the_client_plans_from_the_catalog_files(monkeypatch, tmp_path, module_exits):
    from ansible_collections.datamesh.platform.plugins.module_utils import trino as trino_utils
    monkeypatch.setattr(trino_utils, 'HAS_TRINO', False)
    result = run(dyn_args(catalog_dir=str(tmp_path / 'catalog')), check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['executed_statements'] == [CREATE_SALES_MASKED]
    assert result['current_properties_source'] == 'none'
    assert result['diff']['before'] == ''
    assert no_secret_in(result)
    assert any(w.startswith('check mode: the coordinator at https://trino.example.com:8443 cannot be asked (the trino '
                            'Python client is not installed)') for w in module_exits)
    # outside check mode the client stays required
    result = run(dyn_args(catalog_dir=str(tmp_path)), expect=FailJson)
    assert 'Failed to import the required Python library (trino)' in result['msg']


def test_check_mode_against_a_stopped_coordinator_compares_the_catalog_files(monkeypatch, tmp_path, module_exits):
    stored = FakeTrino(catalogs={'sales': SALES, 'old': ('tpch', {})}, store_dir=str(tmp_path))
    server = FakeTrino(fail={'SHOW CATALOGS': IOError('Connection refused')})
    result = run(dyn_args(catalog_dir=str(tmp_path)), server=server, monkeypatch=monkeypatch, check_mode=True)
    assert result['changed'] is False and result['executed_statements'] == []
    assert result['current_properties_source'] == 'catalog_file'
    assert any('(Connection refused)' in w and 'the catalog files in %s' % tmp_path in w for w in module_exits)
    changed = dyn_args(catalog_dir=str(tmp_path), properties=dict(MYSQL, **{'connection-user': 'new'}))
    result = run(changed, server=server, monkeypatch=monkeypatch, check_mode=True)
    assert result['changed'] is True and result['executed_statements'][0] == 'DROP CATALOG sales'
    result = run(dict(name='old', state='absent', management='dynamic', host='trino.example.com', user='admin',
                      password='admin-pw', catalog_dir=str(tmp_path)), server=server, monkeypatch=monkeypatch,
                 check_mode=True)
    assert result['changed'] is True and result['executed_statements'] == ['DROP CATALOG old']
    assert stored.catalogs.keys() == {'sales', 'old'} and sorted(os.listdir(tmp_path)) == ['old.properties', 'sales.properties']


def test_check_mode_still_fails_on_a_refusal(monkeypatch):
    """Only an unreachable coordinator is planned offline: a coordinator that answers with an error
    (here a wrong password) fails the task as outside check mode."""
    server = FakeTrino(fail={'SHOW CATALOGS': FakeTrinoUserError('UNAUTHENTICATED', 'Access denied')})
    result = run(dyn_args(), server=server, monkeypatch=monkeypatch, check_mode=True, expect=FailJson)
    assert result['msg'].startswith('SHOW CATALOGS on https://trino.example.com:8443 failed: TrinoUserError')
