"""Checks of the hive_metastore_live scenario, in the multi-node layout (metastore and database on two hosts):
the real Hive standalone metastore and the Hadoop jars from Maven Central installed by the role and run
directly on Java 21 under systemd; the schema initialised by hive_schema with the real schematool on a real
MariaDB instance of the other host; the account created there for the metastore host only, with its rights
checked by logging in with it; the thrift server answering real calls; a database created through it on a
real S3 store over HTTPS (the SeaweedFS fixture of prepare.yml, trusted through the role's truststore); and
the service surviving a restart."""
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import testinfra
import yaml

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
INVENTORY = Path(os.environ.get('MOLECULE_INVENTORY_FILE', EPHEMERAL / 'inventory' / 'ansible_inventory.yml'))
CREDENTIALS = EPHEMERAL / 'credentials'
DB_HOST = 'datamesh-hms-db'
METASTORE = 'datamesh-hms-live'
# The tests below take the metastore host; the database host is reached through db().
testinfra_hosts = [f'ansible://{METASTORE}?ansible_inventory={INVENTORY}']

ROLE = Path(__file__).parents[3] / 'roles' / 'hive_metastore'
DEFAULTS = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
THRIFT = (Path(__file__).parents[1] / 'files' / 'hms_thrift.py').read_text()
SOCKET = '/run/mysql-multi/hms/mysqld.sock'
JAVA = '/usr/lib/jvm/java-21-openjdk-amd64/bin/java'
PRIVILEGES = ('SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, '
              'LOCK TABLES, CREATE VIEW, SHOW VIEW')


def db():
    return testinfra.get_host(f'ansible://{DB_HOST}?ansible_inventory={INVENTORY}')


def db_password():
    path = CREDENTIALS / 'hive_metastore' / DB_HOST / 'hms' / 'hive'
    assert path.stat().st_mode & 0o077 == 0, f'{path} must be private to its owner'
    return path.read_text().split()[0]


def ts_password():
    return (CREDENTIALS / 'hive_metastore' / METASTORE / 'truststore_password').read_text().split()[0]


def thrift(host, *args):
    """One real thrift call to the metastore, from its host (files/hms_thrift.py, stdlib only)."""
    result = host.run('python3 -c %s 127.0.0.1 9083 ' + ' '.join(['%s'] * len(args)), THRIFT, *args)
    assert result.rc == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def bucket_listing(host, path=''):
    """The fixture's filer view of the bucket (SeaweedFS filer HTTP API on 127.0.0.1:8888)."""
    script = ('import json, sys, urllib.request\n'
              'r = urllib.request.Request("http://127.0.0.1:8888/buckets/warehouse/" + sys.argv[1], '
              'headers={"Accept": "application/json"})\n'
              'print(json.dumps([e["FullPath"] for e in json.load(urllib.request.urlopen(r))["Entries"] or []]))\n')
    result = host.run('python3 -c %s %s', script, path)
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def properties(host, path):
    root = ET.fromstring(host.file(path).content_string)
    return {p.findtext('name'): p.findtext('value') for p in root.findall('property')}


def as_root(query):
    """root is socket-only on mysql_multi instances: on the database host."""
    return db().run('mariadb --socket=%s -N -B -e %s', SOCKET, query)


def as_hive(host, statements):
    """The metastore's account, from the metastore host by the DB host's name, with the PyMySQL the role installed."""
    script = ('import pymysql, sys\n'
              'c = pymysql.connect(host=sys.argv[1], port=3307, user="hive", password=sys.argv[2], database=sys.argv[3])\n'
              'cur = c.cursor()\n'
              'for q in sys.argv[4:]:\n'
              '    cur.execute(q)\n'
              '    print(";".join(str(r[0]) for r in cur.fetchall()))\n')
    return host.run('python3 -c %s %s %s ' + ' '.join(['%s'] * len(statements)), script, DB_HOST, db_password(),
                    *statements)


def metastore_address(host):
    return host.interface('eth0').addresses[0]


def test_java_21_from_debian(host):
    assert host.package('openjdk-21-jre-headless').is_installed
    result = host.run('%s -version', JAVA)
    assert 'version "21.' in result.stderr


@pytest.mark.parametrize('name,version', [('hive-metastore', DEFAULTS['hive_metastore_version'])] + [
    (jar['maven'].split(':')[1], jar['maven'].split(':')[2]) for jar in DEFAULTS['hive_metastore_hadoop_jars']])
def test_artifacts_installed_by_version(host, name, version):
    # _common's layout: current -> <version> -> <version>-<first 12 hex of the sha256>
    assert host.check_output(f'readlink /opt/datamesh/{name}/current') == f'/opt/datamesh/{name}/{version}'
    assert re.fullmatch(rf'/opt/datamesh/{re.escape(name)}/{re.escape(version)}-[0-9a-f]{{12}}',
                        host.file(f'/opt/datamesh/{name}/current').linked_to)


def test_no_hadoop_installation(host):
    assert not host.file('/opt/datamesh/hadoop').exists
    assert host.run('command -v hadoop').rc != 0


def test_service_runs_java_directly_as_hive(host):
    service = host.service('hive-metastore')
    assert service.is_enabled and service.is_running
    java = [p for p in host.process.filter(comm='java') if 'HiveMetaStore' in p.args]
    assert len(java) == 1
    assert java[0].user == 'hive'
    assert java[0].args == f'{JAVA} @/etc/hive-metastore/jvm.args org.apache.hadoop.hive.metastore.HiveMetaStore'


def test_no_secret_on_command_lines_or_in_the_environment(host):
    """The DB password, the S3 secret and the truststore password: not in any process's arguments or environment,
    not in the unit, not in the journal."""
    secrets = [db_password(), ts_password(), 'hms-live-secret-0123456789']
    pid = host.check_output('systemctl show -p MainPID --value hive-metastore')
    environ = host.check_output('tr "\\0" "\\n" < /proc/%s/environ', pid)
    cmdlines = host.check_output('cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "')
    unit = host.file('/etc/systemd/system/hive-metastore.service').content_string
    journal = host.check_output('journalctl -u hive-metastore --no-pager')
    for secret in secrets:
        for where, text in (('environment', environ), ('command lines', cmdlines), ('unit', unit), ('journal', journal)):
            assert secret not in text, where
    assert not host.file('/etc/hive-metastore/hive-metastore.env').exists


@pytest.mark.parametrize('name', ['metastore-site.xml', 'core-site.xml', 'jvm.args', 'metastore-log4j2.properties',
                                  'truststore.p12'])
def test_config_files_are_private_to_the_service(host, name):
    f = host.file(f'/etc/hive-metastore/{name}')
    assert (f.user, f.group, f.mode) == ('root', 'hive', 0o640)


def test_metastore_site_points_at_the_instance(host):
    props = properties(host, '/etc/hive-metastore/metastore-site.xml')
    assert props['javax.jdo.option.ConnectionURL'] == f'jdbc:mariadb://{DB_HOST}:3307/metastore'
    assert props['javax.jdo.option.ConnectionDriverName'] == 'org.mariadb.jdbc.Driver'
    assert props['javax.jdo.option.ConnectionUserName'] == 'hive'
    assert props['javax.jdo.option.ConnectionPassword'] == db_password()
    assert props['metastore.warehouse.dir'] == 's3a://warehouse/'
    assert props['metastore.thrift.port'] == '9083'
    assert props['datanucleus.schema.autoCreateAll'] == 'false'


def test_core_site_has_s3a_for_the_https_endpoint(host):
    props = properties(host, '/etc/hive-metastore/core-site.xml')
    assert props['fs.s3a.endpoint'] == 'https://127.0.0.1:8333'
    assert props['fs.s3a.connection.ssl.enabled'] == 'true'
    assert props['fs.s3a.path.style.access'] == 'true'
    assert props['fs.s3a.access.key'] == 'hms-live-access'
    assert props['fs.s3a.aws.credentials.provider'] == 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider'


def test_jvm_args_name_the_truststore_and_every_artifact(host):
    args = host.file('/etc/hive-metastore/jvm.args').content_string.splitlines()
    assert '-Djavax.net.ssl.trustStore=/etc/hive-metastore/truststore.p12' in args
    assert f'-Djavax.net.ssl.trustStorePassword={ts_password()}' in args
    classpath = args[args.index('-cp') + 1].split(':')
    assert classpath[0] == '/etc/hive-metastore'
    assert classpath[-1] == '/usr/share/java/mariadb-java-client.jar'
    for jar in DEFAULTS['hive_metastore_hadoop_jars']:
        artifact, version = jar['maven'].split(':')[1:3]
        assert f'/opt/datamesh/{artifact}/{version}/{artifact}-{version}.jar' in classpath
        assert f'# {jar["maven"]} sha256 {jar["sha256"]}' in args


def test_truststore_holds_the_s3_ca(host):
    result = host.run('/usr/lib/jvm/java-21-openjdk-amd64/bin/keytool -list -keystore /etc/hive-metastore/truststore.p12 '
                      '-storetype PKCS12 -storepass %s -alias datamesh-s3-ca -v', ts_password())
    assert result.rc == 0, result.stdout + result.stderr
    assert 'CN=datamesh-test-s3-ca' in result.stdout


def test_unit_verifies(host):
    result = host.run('systemd-analyze verify --man=no /etc/systemd/system/hive-metastore.service')
    assert result.rc == 0, result.stdout + result.stderr


def test_schema_version_recorded_by_schematool():
    result = as_root('SELECT SCHEMA_VERSION FROM metastore.VERSION')
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == '4.0.0'
    tables = as_root("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'metastore'")
    assert int(tables.stdout.strip()) > 50


def test_schematool_info_agrees_without_a_password_argument(host):
    """The real schematool, launched like the role does, reads the password from metastore-site.xml."""
    classpath = host.file('/etc/hive-metastore/jvm.args').content_string.splitlines()
    classpath = classpath[classpath.index('-cp') + 1]
    result = host.run('cd /var/lib/hive-metastore && runuser -u hive -- env METASTORE_HOME=/opt/datamesh/hive-metastore/current '
                      '%s -Xmx256m -cp %s org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool '
                      '-dbType mysql -info', JAVA, classpath)
    assert result.rc == 0, result.stdout + result.stderr
    assert 'Hive distribution version:\t 4.0.0' in result.stdout
    assert 'Metastore schema version:\t 4.0.0' in result.stdout


def test_database_latin1_and_one_account_for_the_metastore_host(host):
    """The account exists for the metastore host's address only, with exactly the intended grants."""
    charset = as_root("SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'metastore'")
    assert charset.stdout.strip() == 'latin1'
    client = metastore_address(host)
    assert as_root("SELECT Host FROM mysql.user WHERE User = 'hive'").stdout.split() == [client]
    grants = as_root(f"SHOW GRANTS FOR 'hive'@'{client}'")
    assert grants.rc == 0, grants.stderr
    assert sorted(line.split(' IDENTIFIED BY')[0] for line in grants.stdout.splitlines()) == sorted([
        f'GRANT USAGE ON *.* TO `hive`@`{client}`',
        f'GRANT {PRIVILEGES} ON `metastore`.* TO `hive`@`{client}`',
    ])


def test_account_can_change_the_schema_of_its_database_only(host):
    result = as_hive(host, ['metastore', 'CREATE TABLE probe (id BIGINT PRIMARY KEY, v VARCHAR(767))',
                            'CREATE INDEX probe_v ON probe (v)', 'ALTER TABLE probe ADD COLUMN w INT',
                            'SHOW DATABASES', 'DROP TABLE probe'])
    assert result.rc == 0, result.stderr
    assert result.stdout.splitlines()[3].split(';') == ['information_schema', 'metastore']
    denied = as_hive(host, ['metastore', 'CREATE DATABASE hive_extra'])
    assert denied.rc != 0 and 'Access denied' in denied.stderr
    other = as_hive(host, ['other_app', 'SELECT 1'])
    assert other.rc != 0 and 'Access denied' in other.stderr


def test_no_missing_class_in_the_journal(host):
    """Every class the metastore loads is on the class path (e.g. no HiveProtoEventsCleanerTask from hive-exec)."""
    journal = host.check_output('journalctl -u hive-metastore --no-pager')
    assert 'class not found' not in journal and 'ClassNotFoundException' not in journal
    assert 'NoClassDefFoundError' not in journal


def test_thrift_lists_the_default_database(host):
    assert 'default' in thrift(host, 'get_all_databases')


def test_thrift_creates_a_database_on_s3_over_https(host):
    """create_database makes the database's directory in the bucket through S3A: HTTPS to the fixture,
    trusted through the role's truststore, signed with the role's S3 keys."""
    assert thrift(host, 'create_database', 'live_s3', 's3a://warehouse/live_s3.db') == {}
    assert thrift(host, 'get_database', 'live_s3') == {'name': 'live_s3', 'location': 's3a://warehouse/live_s3.db'}
    assert '/buckets/warehouse/live_s3.db' in bucket_listing(host)
    assert 'live_s3' in thrift(host, 'get_all_databases')
    assert thrift(host, 'drop_database', 'live_s3') == {}
    assert 'live_s3' not in thrift(host, 'get_all_databases')


def test_thrift_refuses_a_bucket_that_does_not_exist(host):
    """The S3 answer reaches the client: a database on a missing bucket is refused, nothing is recorded."""
    answer = thrift(host, 'create_database', 'live_nobucket', 's3a://no-such-bucket/live_nobucket.db')
    assert answer.get('error')
    assert 'live_nobucket' not in thrift(host, 'get_all_databases')


def test_survives_a_restart(host):
    """Last: restart the service, then the thrift port answers again and the data is still there."""
    before = host.check_output('systemctl show -p MainPID --value hive-metastore')
    assert thrift(host, 'create_database', 'live_restart', 's3a://warehouse/live_restart.db') == {}
    assert host.run('systemctl restart hive-metastore').rc == 0
    wait = host.run('python3 -c %s', 'import socket, time\n'
                    'for _ in range(120):\n'
                    '    try:\n'
                    '        socket.create_connection(("127.0.0.1", 9083), 2).close(); break\n'
                    '    except OSError:\n'
                    '        time.sleep(1)\n'
                    'else:\n'
                    '    raise SystemExit("port 9083 closed after the restart")\n')
    assert wait.rc == 0, wait.stderr
    assert host.check_output('systemctl show -p MainPID --value hive-metastore') != before
    assert 'live_restart' in thrift(host, 'get_all_databases')
    assert thrift(host, 'drop_database', 'live_restart') == {}
