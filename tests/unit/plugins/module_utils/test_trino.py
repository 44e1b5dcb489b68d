"""Unit tests of module_utils/trino.py: catalog validation per connector and Trino version,
S3 rendering, the .properties format, SQL quoting, masking and the connection options.

The connection tests replace the optional ``trino`` client with a recording stand-in
(FakeTrinoDbapi); nothing here talks to a network.
"""

from __future__ import annotations

import pytest

from ansible_collections.datamesh.platform.plugins.module_utils import trino as t
from ansible_collections.datamesh.platform.plugins.module_utils.trino import CatalogError, build_catalog

MYSQL = {'connection-url': 'jdbc:mysql://db1:3306', 'connection-user': 'trino'}
SECRET = {'connection-password': 's3cr3t-pw'}
METASTORE = {'hive.metastore.uri': 'thrift://metastore:9083'}
S3 = {'endpoint': 'http://minio:9000', 'access_key': 'trino', 'secret_key': 'minio-s3cr3t', 'path_style': True}


def refused(match, **kwargs):
    with pytest.raises(CatalogError, match=match):
        build_catalog(**kwargs)


# ---------------------------------------------------------------- catalog names

@pytest.mark.parametrize('name', ['sales', 'lake2', 'tpch', 'a', 'raw_events_v2'])
def test_catalog_names_trino_accepts_unquoted(name):
    assert t.catalog_name_problem(name) is None


@pytest.mark.parametrize('name, match', [
    ('', 'empty'),
    ('Sales', 'lowercase letters'),
    ('raw-events', 'lowercase letters'),
    ('2024_sales', 'starting with a letter'),
    ('_private', 'starting with a letter'),
    ('sales.eu', 'lowercase letters'),
    ('system', 'reserved by Trino'),
    ('table', 'reserved SQL keyword'),
    ('current_user', 'reserved SQL keyword'),
])
def test_catalog_names_refused(name, match):
    assert match in t.catalog_name_problem(name)


# ---------------------------------------------------------------- connectors

def test_mysql_catalog_merges_secret_properties():
    spec = build_catalog('mysql', properties=MYSQL, secret_properties=SECRET)
    assert spec.properties == dict(MYSQL, **SECRET)
    assert spec.secret_keys == {'connection-password'}
    assert spec.masked_properties()['connection-password'] == t.MASK
    assert spec.literal_secrets() == ['connection-password']
    assert spec.warnings == []


def test_mariadb_needs_the_mariadb_jdbc_prefix():
    refused(r"connection-url 'jdbc:mysql://db1:3306' of a mariadb catalog must start with jdbc:mariadb://",
            connector='mariadb', properties=MYSQL, secret_properties=SECRET)
    spec = build_catalog('mariadb', properties={'connection-url': 'jdbc:mariadb://db1:3307', 'connection-user': 'trino'},
                         secret_properties=SECRET)
    assert spec.connector == 'mariadb'


@pytest.mark.parametrize('properties, secret, match', [
    ({'connection-user': 'trino'}, SECRET, 'needs connection-url'),
    ({'connection-url': 'jdbc:mysql://db1:3306'}, SECRET, 'needs connection-user'),
    (MYSQL, None, 'needs connection-password'),
    (dict(MYSQL, **{'connection-url': 'jdbc:mysql://db1:3306/?user=a&password=b'}), SECRET, 'must not hold a password'),
])
def test_jdbc_connectors_need_url_user_and_password(properties, secret, match):
    refused(match, connector='mysql', properties=properties, secret_properties=secret)


def test_jdbc_password_may_come_from_the_coordinators_environment():
    spec = build_catalog('mysql', properties=dict(MYSQL, **{'connection-password': '${ENV:SALES_PW}'}))
    assert spec.masked_properties()['connection-password'] == '${ENV:SALES_PW}'
    assert spec.literal_secrets() == []


def test_jdbc_credential_provider_other_than_inline_needs_no_inline_credentials():
    spec = build_catalog('mysql', properties={'connection-url': 'jdbc:mysql://db1:3306',
                                              'credential-provider.type': 'FILE',
                                              'connection-credential-file': '/etc/trino/sales.credentials'})
    assert 'connection-user' not in spec.properties


def test_hive_needs_a_thrift_metastore_uri():
    refused('needs hive.metastore.uri', connector='hive', properties={})
    refused(r"hive.metastore.uri 'http://metastore:9083': each URI must be thrift://host:port",
            connector='hive', properties={'hive.metastore.uri': 'http://metastore:9083'})
    refused(r"'thrift://metastore': each URI", connector='hive', properties={'hive.metastore.uri': 'thrift://metastore'})
    spec = build_catalog('hive', properties={'hive.metastore.uri': 'thrift://m1:9083,thrift://m2:9083'})
    assert spec.properties['hive.metastore.uri'] == 'thrift://m1:9083,thrift://m2:9083'


def test_hive_with_another_metastore_type_needs_no_thrift_uri():
    spec = build_catalog('hive', properties={'hive.metastore': 'file', 'hive.metastore.catalog.dir': '/data/hms'})
    assert spec.properties['hive.metastore'] == 'file'


def test_memory_and_tpch_properties_are_checked():
    assert build_catalog('memory').properties == {}
    assert build_catalog('memory', properties={'memory.max-data-per-node': '128MB'}).properties == {
        'memory.max-data-per-node': '128MB'}
    refused("memory.max-data-per-node '128' is not a data size", connector='memory',
            properties={'memory.max-data-per-node': 128})
    assert build_catalog('tpch', properties={'tpch.splits-per-node': 4}).properties == {'tpch.splits-per-node': '4'}
    refused('must be a positive integer', connector='tpch', properties={'tpch.splits-per-node': 0})
    refused('must be SIMPLIFIED or STANDARD', connector='tpch', properties={'tpch.column-naming': 'simplified'})


def test_unknown_connector_needs_explicit_properties():
    refused(r"connector 'blackhole' is not one this module checks .*properties: \{\}", connector='blackhole')
    assert build_catalog('blackhole', properties={}).properties == {}
    assert build_catalog('postgresql', properties={'connection-url': 'jdbc:postgresql://pg:5432/x'}).connector == 'postgresql'


@pytest.mark.parametrize('connector', ['', 'Hive', 'delta-lake', 'my connector', None])
def test_connector_names_are_lowercase_identifiers(connector):
    refused('a Trino connector name is lowercase', connector=connector, properties={})


def test_property_values_become_strings():
    spec = build_catalog('blackhole', properties={'a.flag': True, 'b.off': False, 'c.count': 3, 'd.ratio': 0.5})
    assert spec.properties == {'a.flag': 'true', 'b.off': 'false', 'c.count': '3', 'd.ratio': '0.5'}


@pytest.mark.parametrize('properties, match', [
    ({'bad name': 'x'}, "'bad name' is not a catalog property name"),
    ({'a=b': 'x'}, 'is not a catalog property name'),
    ({'connector.name': 'mysql'}, 'set the connector with the connector option'),
    ({'x.list': [1, 2]}, 'not list'),
    ({'x.none': None}, 'has no value'),
    ({'x.multi': 'a\nb'}, 'line break'),
])
def test_malformed_properties_are_refused(properties, match):
    refused(match, connector='blackhole', properties=properties)


# ---------------------------------------------------------------- secrets

@pytest.mark.parametrize('key', ['connection-password', 'hive.s3.aws-secret-key', 's3.aws-access-key',
                                 'kerberos.client.keytab', 'iceberg.rest-catalog.oauth2.SECRET'])
def test_secret_looking_properties_must_be_secret_properties(key):
    refused('%s looks secret: give it in secret_properties' % key, connector='blackhole', properties={key: 'value'})


def test_a_key_in_both_properties_and_secret_properties_is_refused():
    refused('connection-user given in both', connector='mysql', properties=MYSQL,
            secret_properties=dict(SECRET, **{'connection-user': 'x'}))


def test_masking_keeps_env_references_and_hides_secret_values():
    props = {'connection-password': 'pw', 'a.key': '${ENV:A_KEY}', 'plain': 'v', 'x.token': 't'}
    assert t.masked(props, secret_keys={'x.token'}) == {
        'connection-password': t.MASK, 'a.key': '${ENV:A_KEY}', 'plain': 'v', 'x.token': t.MASK}


def test_mask_text_hides_secret_values_in_messages():
    props = {'connection-password': 'hunter22', 'connection-user': 'trino'}
    text = "Access denied for user 'trino' with password hunter22"
    assert t.mask_text(text, props, {'connection-password'}) == "Access denied for user 'trino' with password ********"


# ---------------------------------------------------------------- S3 per Trino version

def test_trino_406_gets_legacy_hive_s3_properties():
    spec = build_catalog('hive', properties=METASTORE, s3=S3, trino_version=406)
    assert spec.s3_implementation == 'legacy'
    assert spec.properties == dict(METASTORE, **{
        'hive.s3.endpoint': 'http://minio:9000',
        'hive.s3.path-style-access': 'true',
        'hive.s3.ssl.enabled': 'false',
        'hive.s3.aws-access-key': 'trino',
        'hive.s3.aws-secret-key': 'minio-s3cr3t',
    })
    assert spec.hidden == {'hive.s3.aws-access-key', 'hive.s3.aws-secret-key'}
    assert spec.warnings == []


def test_trino_458_gets_native_s3_by_default():
    spec = build_catalog('hive', properties=METASTORE, s3=dict(S3, endpoint='https://minio:9000'), trino_version=458)
    assert spec.s3_implementation == 'native'
    assert spec.properties == dict(METASTORE, **{
        'fs.native-s3.enabled': 'true',
        's3.endpoint': 'https://minio:9000',
        's3.region': 'us-east-1',
        's3.path-style-access': 'true',
        's3.aws-access-key': 'trino',
        's3.aws-secret-key': 'minio-s3cr3t',
    })
    assert spec.warnings == []


def test_trino_458_legacy_on_request_needs_fs_hadoop_enabled():
    spec = build_catalog('hive', properties=METASTORE, s3=S3, trino_version=458, s3_implementation='legacy')
    assert spec.properties['fs.hadoop.enabled'] == 'true'
    assert 'hive.s3.endpoint' in spec.properties and 's3.endpoint' not in spec.properties
    assert spec.warnings == []


def test_trino_470_legacy_warns_about_the_deprecation():
    spec = build_catalog('hive', properties=METASTORE, s3=S3, trino_version=470, s3_implementation='legacy')
    assert spec.properties['fs.hadoop.enabled'] == 'true'
    assert spec.warnings == ['legacy S3 (hive.s3.*) is deprecated since Trino 470 and removed in 481; plan the move '
                             'to native S3 (s3_implementation=native)']


def test_trino_470_auto_is_native_with_region_and_path_style_given():
    spec = build_catalog('hive', properties=METASTORE, trino_version=470,
                         s3={'endpoint': 'https://s3.eu-central-1.amazonaws.com', 'region': 'eu-central-1',
                             'path_style': False})
    assert spec.properties == dict(METASTORE, **{
        'fs.native-s3.enabled': 'true', 's3.endpoint': 'https://s3.eu-central-1.amazonaws.com',
        's3.region': 'eu-central-1', 's3.path-style-access': 'false'})


@pytest.mark.parametrize('version', [481, 483])
def test_trino_481_and_later_refuse_legacy_s3(version):
    refused('legacy S3 \\(hive.s3.\\*\\) was removed in Trino 481', connector='hive', properties=METASTORE, s3=S3,
            trino_version=version, s3_implementation='legacy')
    spec = build_catalog('hive', properties=METASTORE, s3=S3, trino_version=version)
    assert spec.properties['fs.native-s3.enabled'] == 'true'
    assert not any(k.startswith('hive.s3.') for k in spec.properties)


def test_native_s3_before_the_first_confirmed_release_is_refused():
    refused('native S3 \\(fs.native-s3.enabled\\) for Trino 406: the first release with native S3 is not confirmed',
            connector='hive', properties=METASTORE, s3=S3, trino_version=406, s3_implementation='native')
    spec = build_catalog('hive', properties=METASTORE, s3=S3, trino_version=443, s3_implementation='native')
    assert spec.properties['fs.native-s3.enabled'] == 'true'


def test_s3_option_needs_a_version_a_url_and_both_keys():
    refused('trino_version is required with the s3 option', connector='hive', properties=METASTORE, s3=S3)
    refused("s3.endpoint 'minio:9000': give the full URL", connector='hive', properties=METASTORE,
            s3=dict(S3, endpoint='minio:9000'), trino_version=458)
    refused('must be given together', connector='hive', properties=METASTORE,
            s3=dict(S3, secret_key=None), trino_version=458)
    refused('the s3 option applies to the hive, iceberg, delta_lake, hudi connectors, not to mysql',
            connector='mysql', properties=MYSQL, secret_properties=SECRET, s3=S3, trino_version=458)


def test_s3_option_and_the_same_property_by_hand_clash():
    refused('s3.region set both by the s3 option and in properties', connector='hive',
            properties=dict(METASTORE, **{'s3.region': 'eu-west-1'}), s3=S3, trino_version=458)


def test_s3_without_keys_uses_the_default_credential_chain():
    spec = build_catalog('hive', properties=METASTORE, s3={'endpoint': 'https://minio:9000'}, trino_version=481)
    assert 's3.aws-access-key' not in spec.properties and spec.secret_keys == set()


def test_raw_legacy_s3_properties_are_checked_against_the_version():
    legacy = dict(METASTORE, **{'hive.s3.endpoint': 'http://minio:9000'})
    refused('trino_version is required for a hive catalog with S3 settings', connector='hive', properties=legacy)
    assert build_catalog('hive', properties=legacy, trino_version=406).warnings == []
    refused('from Trino 458 legacy S3 properties are only read with fs.hadoop.enabled=true', connector='hive',
            properties=legacy, trino_version=460)
    spec = build_catalog('hive', properties=dict(legacy, **{'fs.hadoop.enabled': True}), trino_version=475)
    assert 'deprecated since Trino 470' in spec.warnings[0]
    refused('hive.s3.endpoint: legacy S3 properties were removed in Trino 481', connector='hive',
            properties=dict(legacy, **{'fs.hadoop.enabled': True}), trino_version=481)


def test_raw_native_s3_properties_need_the_flag_and_a_known_version():
    native = dict(METASTORE, **{'s3.endpoint': 'https://minio:9000', 's3.region': 'us-east-1'})
    refused('s3.endpoint, s3.region are only read with fs.native-s3.enabled=true', connector='hive',
            properties=native, trino_version=470)
    assert build_catalog('hive', properties=dict(native, **{'fs.native-s3.enabled': 'true'}), trino_version=470)
    spec = build_catalog('hive', properties=dict(native, **{'fs.s3.enabled': 'true'}), trino_version=483)
    assert spec.warnings == ['fs.s3.enabled: the first release that accepts this name is not confirmed (it is after '
                             '480); if Trino 483 reports the property as unused, use fs.native-s3.enabled']
    refused('fs.s3.enabled is the newer name of fs.native-s3.enabled .* Trino 480 only knows fs.native-s3.enabled',
            connector='hive', properties=dict(native, **{'fs.s3.enabled': 'true'}), trino_version=480)
    refused('native S3 properties for Trino 420 are not confirmed', connector='hive',
            properties=dict(native, **{'fs.native-s3.enabled': 'true'}), trino_version=420)
    refused('set only one of fs.native-s3.enabled and fs.s3.enabled', connector='hive',
            properties=dict(native, **{'fs.native-s3.enabled': 'true', 'fs.s3.enabled': 'true'}), trino_version=483)


def test_s3_option_uses_the_newer_flag_name_when_the_task_sets_it():
    spec = build_catalog('hive', properties=dict(METASTORE, **{'fs.s3.enabled': True}), s3=S3, trino_version=483)
    assert spec.properties['fs.s3.enabled'] == 'true'
    assert 'fs.native-s3.enabled' not in spec.properties


def test_mixed_legacy_and_native_s3_properties_are_refused():
    refused('mixes legacy S3 \\(hive.s3.endpoint\\) and native S3', connector='hive', trino_version=470,
            properties=dict(METASTORE, **{'hive.s3.endpoint': 'http://m:9000', 'fs.native-s3.enabled': 'true'}))


def test_object_storage_catalog_without_any_file_system_warns_from_458():
    assert build_catalog('hive', properties=METASTORE, trino_version=406).warnings == []
    warnings = build_catalog('hive', properties=METASTORE, trino_version=458).warnings
    assert warnings == ['the hive catalog enables no file system support (fs.native-s3.enabled, fs.hadoop.enabled, '
                        '...); from Trino 458 each such catalog must choose one']


def test_iceberg_gets_the_same_s3_rendering():
    spec = build_catalog('iceberg', properties={'iceberg.catalog.type': 'hive_metastore',
                                                'hive.metastore.uri': 'thrift://m:9083'},
                         s3=S3, trino_version=481)
    assert spec.properties['s3.endpoint'] == 'http://minio:9000'


def test_trino_versions_start_at_351():
    refused('Trino releases are numbered from 351', connector='memory', trino_version=350)


# ---------------------------------------------------------------- the .properties format

def test_format_properties_sorts_keys_after_the_connector_and_escapes():
    text = t.format_properties('mysql', {'z.last': 'a\\b', 'a.first': ' lead', 'm.uni': 'caf\u00e9 \U0001F600',
                                         'connection-url': 'jdbc:mysql://h:3306?x=1#y'}, header='managed')
    assert text == ('# managed\n'
                    'connector.name=mysql\n'
                    'a.first=\\ lead\n'
                    'connection-url=jdbc:mysql://h:3306?x=1#y\n'
                    'm.uni=caf\\u00E9 \\uD83D\\uDE00\n'
                    'z.last=a\\\\b\n')
    text.encode('ascii')


def test_format_properties_masks_and_marks_changed_secrets():
    text = t.format_properties('mysql', {'connection-password': 'pw', 'x.secret': 's'},
                               hidden={'connection-password', 'x.secret'}, changed={'x.secret'})
    assert text == 'connector.name=mysql\nconnection-password=********\nx.secret=******** (changed)\n'


@pytest.mark.parametrize('props', [
    {'a': 'plain', 'b.c-d': 'jdbc:mysql://h:3306', 'e': ' two  spaces ', 'f': 'tab\there', 'g': 'back\\slash'},
    {'u': 'caf\u00e9 \u20ac \U0001F600', 'empty': '', 'eq': 'a=b:c', 'hash': '#not a comment'},
])
def test_format_then_parse_round_trips(props):
    assert t.split_connector(t.parse_properties(t.format_properties('hive', props))) == ('hive', props)


def test_parse_reads_what_java_properties_store_writes():
    # What FileCatalogStore writes with Properties.store(): a date comment, escaped ':' and '=' in values.
    text = ('#Mon Nov 24 08:00:00 UTC 2025\r\n'
            'connection-url=jdbc\\:mysql\\://db1\\:3306/?a\\=b\r\n'
            'connector.name=mysql\r\n'
            'connection-user=trino\r\n')
    assert t.parse_properties(text) == {'connection-url': 'jdbc:mysql://db1:3306/?a=b', 'connector.name': 'mysql',
                                        'connection-user': 'trino'}


def test_parse_handles_separators_comments_and_continuations():
    text = ('  ! a comment\n'
            '# another\n'
            '\n'
            'key1 = value1\n'
            'key2:value2\n'
            'key3 value3 with spaces\n'
            'key\\ 4=spaced key\n'
            'long = first \\\n'
            '       second \\\n'
            '   third\n'
            'even=ends with backslash\\\\\n'
            'last=x\\')
    assert t.parse_properties(text) == {
        'key1': 'value1', 'key2': 'value2', 'key3': 'value3 with spaces', 'key 4': 'spaced key',
        'long': 'first second third', 'even': 'ends with backslash\\', 'last': 'x'}


def test_parse_refuses_a_malformed_unicode_escape():
    with pytest.raises(ValueError, match='malformed'):
        t.parse_properties('a=\\u12G4\n')


# ---------------------------------------------------------------- SQL

def test_create_catalog_sql_quotes_every_property_and_value():
    props = {'connection-url': "jdbc:mysql://h:3306", 'connection-password': "it's", 'weird"name': 'v'}
    assert t.create_catalog_sql('sales', 'mysql', props) == (
        'CREATE CATALOG sales USING mysql WITH ("connection-password" = \'it\'\'s\', '
        '"connection-url" = \'jdbc:mysql://h:3306\', "weird""name" = \'v\')')
    assert t.create_catalog_sql('sales', 'mysql', props, mask_keys={'connection-password'}) == (
        'CREATE CATALOG sales USING mysql WITH ("connection-password" = \'********\', '
        '"connection-url" = \'jdbc:mysql://h:3306\', "weird""name" = \'v\')')


def test_create_catalog_sql_without_properties_has_no_with_clause():
    assert t.create_catalog_sql('tpch', 'tpch', {}) == 'CREATE CATALOG tpch USING tpch'
    assert t.drop_catalog_sql('tpch') == 'DROP CATALOG tpch'
    assert t.connector_name_sql("o'k") == "SELECT connector_name FROM system.metadata.catalogs WHERE catalog_name = 'o''k'"


# ---------------------------------------------------------------- connection

class FakeModule:
    def __init__(self, **params):
        self.params = dict(host='trino.example.com', port=None, http_scheme='https', user='ansible', password=None,
                           validate_certs=True, ca_cert=None, allow_insecure_auth=False, request_timeout=30.0)
        self.params.update(params)

    def fail_json(self, msg, **kwargs):
        raise RuntimeError(msg)


class FakeAuth:
    class BasicAuthentication:
        def __init__(self, user, password):
            self.user = user
            self.password = password


class FakeTrinoDbapi:
    """Stand-in for trino.dbapi: records connect() arguments; old=True behaves like a client older than
    0.339.0, whose connect() has no allow_insecure_auth argument."""

    def __init__(self, old=False):
        self.old = old
        self.calls = []

    def connect(self, **kwargs):
        self.calls.append(kwargs)
        if self.old and 'allow_insecure_auth' in kwargs:
            raise TypeError("__init__() got an unexpected keyword argument 'allow_insecure_auth'")
        return 'connection'


@pytest.fixture
def dbapi(monkeypatch):
    fake = FakeTrinoDbapi()
    monkeypatch.setattr(t, 'HAS_TRINO', True)
    monkeypatch.setattr(t, 'trino_dbapi', fake)
    monkeypatch.setattr(t, 'trino_auth', FakeAuth)
    return fake


def test_connect_https_with_password_and_ca(dbapi):
    assert t.connect(FakeModule(password='pw', ca_cert='/etc/ssl/ca.pem'), source='test') == 'connection'
    call = dbapi.calls[0]
    auth = call.pop('auth')
    assert (auth.user, auth.password) == ('ansible', 'pw')
    assert call == dict(host='trino.example.com', port=8443, user='ansible', http_scheme='https', source='test',
                        request_timeout=30.0, verify='/etc/ssl/ca.pem')


def test_connect_http_without_password_on_the_default_port(dbapi):
    t.connect(FakeModule(http_scheme='http', validate_certs=False))
    assert dbapi.calls[0] == dict(host='trino.example.com', port=8080, user='ansible', http_scheme='http',
                                  source='datamesh.platform', request_timeout=30.0)


def test_connect_refuses_a_password_over_http(dbapi):
    with pytest.raises(RuntimeError, match="refusing to send the password of user 'ansible' over plain http to "
                                           "http://trino.example.com:8080"):
        t.connect(FakeModule(http_scheme='http', password='pw'))
    assert dbapi.calls == []


def test_connect_password_over_http_when_explicitly_allowed(dbapi):
    t.connect(FakeModule(http_scheme='http', password='pw', allow_insecure_auth=True, port=8081))
    assert dbapi.calls[0]['allow_insecure_auth'] is True
    assert dbapi.calls[0]['port'] == 8081


def test_connect_with_a_client_older_than_0_339(dbapi):
    dbapi.old = True
    t.connect(FakeModule(http_scheme='http', password='pw', allow_insecure_auth=True))
    assert [('allow_insecure_auth' in c) for c in dbapi.calls] == [True, False]


def test_connect_without_certificate_validation(dbapi):
    t.connect(FakeModule(validate_certs=False, ca_cert='/etc/ssl/ca.pem'))
    assert dbapi.calls[0]['verify'] is False


@pytest.mark.parametrize('host', ['https://trino.example.com', 'trino.example.com:8443', 'trino/x'])
def test_connect_wants_a_bare_host(dbapi, host):
    with pytest.raises(RuntimeError, match='host must be a host name or address only'):
        t.connect(FakeModule(host=host))


def test_connect_accepts_ipv6_addresses(dbapi):
    t.connect(FakeModule(host='fe80::1'))
    assert dbapi.calls[0]['host'] == 'fe80::1'


def test_connect_without_the_client_library(monkeypatch):
    monkeypatch.setattr(t, 'HAS_TRINO', False)
    with pytest.raises(RuntimeError, match='Failed to import the required Python library \\(trino\\)'):
        t.connect(FakeModule())


def test_run_sql_fetches_everything_and_closes_the_cursor():
    class Cursor:
        closed = False

        def execute(self, statement):
            self.statement = statement

        def fetchall(self):
            return [['a'], ['b']]

        def close(self):
            Cursor.closed = True

    class Connection:
        def cursor(self):
            return Cursor()

    assert t.run_sql(Connection(), 'SHOW CATALOGS') == [['a'], ['b']]
    assert Cursor.closed


def test_unreachable_tells_a_missing_coordinator_from_a_refusal():
    from ansible_collections.datamesh.platform.plugins.module_utils.trino import unreachable

    class ConnectionError_(Exception):
        pass
    ConnectionError_.__name__ = 'ConnectionError'    # requests.exceptions.ConnectionError, without requests

    class ReadTimeout(Exception):
        pass
    assert unreachable(ConnectionRefusedError(111, 'Connection refused'))
    assert unreachable(IOError('Max retries exceeded'))
    assert unreachable(ConnectionError_('HTTPSConnectionPool(host=localhost, port=2020)'))
    assert unreachable(ReadTimeout('read timed out'))
    assert not unreachable(ValueError('TrinoUserError(type=USER_ERROR, name=PERMISSION_DENIED)'))
    assert not unreachable(Exception('error 401: Unauthorized'))
