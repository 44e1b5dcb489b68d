"""Checks of the hive_metastore scenario: the role in preparation mode (hive_metastore_install_server: false).

No Hive or Hadoop release can be fetched on our machines, so the metastore never runs here (that is
molecule/hive_metastore_live). What runs is everything around it, on two metastore hosts (one of them
also the database host): Java and the JDBC driver from Debian, the account and directories, the
configuration files as the metastore would read them, the S3 truststore, the unit, and the metastore
database and accounts on a real MariaDB instance, whose rights are checked by logging in with them.
"""
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import testinfra

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
INVENTORY = Path(os.environ.get('MOLECULE_INVENTORY_FILE', EPHEMERAL / 'inventory' / 'ansible_inventory.yml'))
CREDENTIALS = EPHEMERAL / 'credentials'
DB_HOST = 'datamesh-hive-metastore'
REMOTE = 'datamesh-hive-metastore-remote'
SOCKET = '/run/mysql-multi/hms/mysqld.sock'
PRIVILEGES = ('SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, '
              'LOCK TABLES, CREATE VIEW, SHOW VIEW')


def other_host(name):
    return testinfra.get_host(f'ansible://{name}?ansible_inventory={INVENTORY}')


def name_of(host):
    return host.backend.get_hostname()


def address_of(name):
    return other_host(name).interface('eth0').addresses[0]


def db_password():
    """One password for the database's account, whichever metastore host uses it."""
    path = CREDENTIALS / 'hive_metastore' / DB_HOST / 'hms' / 'hive'
    assert path.stat().st_mode & 0o077 == 0, f'{path} must be private to its owner'
    return path.read_text().split()[0]


def properties(host, path):
    """name -> value of a Hadoop-style XML configuration file, parsed like the metastore would."""
    root = ET.fromstring(host.file(path).content_string)
    assert root.tag == 'configuration'
    return {p.findtext('name'): p.findtext('value') for p in root.findall('property')}


def as_root(query):
    """root is socket-only on mysql_multi instances: on the database host."""
    return other_host(DB_HOST).run('mariadb --socket=%s -N -B -e %s', SOCKET, query)


def as_hive(query, database='metastore'):
    """The metastore's account, over TCP from where the metastore on the DB host connects (127.0.0.1)."""
    return other_host(DB_HOST).run('MYSQL_PWD=%s mariadb --protocol=TCP -h 127.0.0.1 -P 3307 -u hive -N -B %s -e %s',
                                   db_password(), database, query)


def as_hive_from_remote(statements):
    """The same account name from the remote metastore host, with the PyMySQL the role installed there."""
    script = ('import pymysql, sys\n'
              'c = pymysql.connect(host=sys.argv[1], port=3307, user="hive", password=sys.argv[2], database="metastore")\n'
              'cur = c.cursor()\n'
              'for q in sys.argv[3:]:\n'
              '    cur.execute(q)\n'
              '    print(";".join(str(r[0]) for r in cur.fetchall()))\n')
    return other_host(REMOTE).run('python3 -c %s %s %s ' + ' '.join(['%s'] * len(statements)),
                                  script, DB_HOST, db_password(), *statements)


def ts_password(host):
    return (CREDENTIALS / 'hive_metastore' / name_of(host) / 'truststore_password').read_text().split()[0]


def test_java_from_debian_is_17(host):
    assert host.package('openjdk-17-jre-headless').is_installed
    result = host.run('/usr/lib/jvm/java-17-openjdk-amd64/bin/java -version')
    assert result.rc == 0, result.stderr
    assert 'version "17.' in result.stderr


def test_jdbc_driver_from_debian(host):
    assert host.package('libmariadb-java').is_installed
    jar = host.file('/usr/share/java/mariadb-java-client.jar')
    assert jar.exists
    listing = host.run('/usr/lib/jvm/java-17-openjdk-amd64/bin/jar tf /usr/share/java/mariadb-java-client.jar '
                       '2>/dev/null || python3 -m zipfile -l /usr/share/java/mariadb-java-client.jar')
    assert 'org/mariadb/jdbc/Driver.class' in listing.stdout


def test_service_account(host):
    user = host.user('hive')
    assert user.exists
    assert user.group == 'hive'
    assert user.shell == '/usr/sbin/nologin'
    assert user.uid < 1000


@pytest.mark.parametrize('path,owner,mode', [
    ('/etc/hive-metastore', 'root', 0o750),
    ('/var/lib/hive-metastore', 'hive', 0o750),
])
def test_directories(host, path, owner, mode):
    d = host.file(path)
    assert d.is_directory
    assert (d.user, d.group, d.mode) == (owner, 'hive', mode)


@pytest.mark.parametrize('name', ['metastore-site.xml', 'core-site.xml', 'hive-metastore.env',
                                  'metastore-log4j2.properties'])
def test_config_files_are_private_to_the_service(host, name):
    f = host.file(f'/etc/hive-metastore/{name}')
    assert (f.user, f.group, f.mode) == ('root', 'hive', 0o640)


def test_metastore_site_points_at_the_instance(host):
    props = properties(host, '/etc/hive-metastore/metastore-site.xml')
    address = '127.0.0.1' if name_of(host) == DB_HOST else DB_HOST
    assert props['javax.jdo.option.ConnectionURL'] == f'jdbc:mariadb://{address}:3307/metastore'
    assert props['javax.jdo.option.ConnectionDriverName'] == 'org.mariadb.jdbc.Driver'
    assert props['javax.jdo.option.ConnectionUserName'] == 'hive'
    assert props['javax.jdo.option.ConnectionPassword'] == db_password()
    assert props['metastore.warehouse.dir'] == 's3a://warehouse/hive/'
    assert props['metastore.thrift.port'] == '9083'
    assert props['datanucleus.schema.autoCreateAll'] == 'false'
    assert props['metastore.schema.verification'] == 'true'


def test_core_site_has_s3a_for_minio(host):
    props = properties(host, '/etc/hive-metastore/core-site.xml')
    assert props['fs.s3a.endpoint'] == 'https://minio.datamesh.test:9000'
    assert props['fs.s3a.path.style.access'] == 'true'
    assert props['fs.s3a.connection.ssl.enabled'] == 'true'
    assert props['fs.s3a.access.key'] == 'hms-fixture-access'
    assert props['fs.s3a.secret.key'] == 'hms-fixture-secret-0123456789'
    assert props['fs.s3a.aws.credentials.provider'] == 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider'
    assert props['fs.s3a.endpoint.region'] == 'us-east-1'


def test_truststore_holds_the_s3_ca_and_debians_cas(host):
    password = ts_password(host)
    store = host.file('/etc/hive-metastore/truststore.p12')
    assert (store.user, store.group, store.mode) == ('root', 'hive', 0o640)
    keytool = '/usr/lib/jvm/java-17-openjdk-amd64/bin/keytool'
    ca = host.run('%s -list -keystore /etc/hive-metastore/truststore.p12 -storetype PKCS12 -storepass %s '
                  '-alias datamesh-s3-ca -v', keytool, password)
    assert ca.rc == 0, ca.stdout + ca.stderr
    assert 'CN=datamesh-test-s3-ca' in ca.stdout
    entries = host.run('%s -list -keystore /etc/hive-metastore/truststore.p12 -storetype PKCS12 -storepass %s',
                       keytool, password)
    assert entries.stdout.count('trustedCertEntry') > 50  # Debian's Java CAs are still trusted
    env = host.file('/etc/hive-metastore/hive-metastore.env').content_string
    assert '-Djavax.net.ssl.trustStore=/etc/hive-metastore/truststore.p12' in env
    assert f'-Djavax.net.ssl.trustStorePassword={password}' in env
    assert '-Xmx1024m' in env


def test_unit_is_hardened_and_sets_the_hadoop_environment(host):
    unit = host.file('/etc/systemd/system/hive-metastore.service').content_string.splitlines()
    for line in (
        'User=hive', 'Group=hive', 'EnvironmentFile=/etc/hive-metastore/hive-metastore.env',
        'ExecStart=/opt/datamesh/hive-metastore/current/bin/start-metastore',
        'Environment="JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64"',
        'Environment="HADOOP_HOME=/opt/datamesh/hadoop/current"',
        'Environment="HADOOP_OPTIONAL_TOOLS=hadoop-aws"',
        'Environment="METASTORE_HOME=/opt/datamesh/hive-metastore/current"',
        'Environment="METASTORE_CONF_DIR=/etc/hive-metastore"',
        'Environment="HADOOP_CONF_DIR=/etc/hive-metastore"',
        'Environment="METASTORE_AUX_JARS_PATH=/usr/share/java/mariadb-java-client.jar"',
        'Environment="HADOOP_HEAPSIZE=1024"',
        'WorkingDirectory=/var/lib/hive-metastore', 'ReadWritePaths=/var/lib/hive-metastore',
        'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=',
    ):
        assert line in unit, line
    assert not any('Password' in line for line in unit)


def test_unit_verifies_apart_from_the_missing_release(host):
    """systemd-analyze accepts the unit once the only thing it may not find, start-metastore, is marked optional."""
    result = host.run('d=$(mktemp -d) && sed "s/^ExecStart=/ExecStart=-/" /etc/systemd/system/hive-metastore.service '
                      '> $d/hive-metastore.service && systemd-analyze verify --man=no $d/hive-metastore.service; '
                      'r=$?; rm -rf $d; exit $r')
    assert result.rc == 0, result.stdout + result.stderr


def test_preparation_mode_installs_no_release_and_starts_nothing(host):
    assert not host.file('/opt/datamesh/hive-metastore').exists
    assert not host.file('/opt/datamesh/hadoop').exists
    service = host.service('hive-metastore')
    assert not service.is_enabled
    assert not service.is_running
    assert not host.socket('tcp://0.0.0.0:9083').is_listening


# The database checks do not take the host fixture: they run once, against the database host.
def test_database_exists_with_latin1():
    result = as_root("SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'metastore'")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == 'latin1'


def test_accounts_have_only_the_intended_grants():
    """One account per metastore host, each from that host's address only, with rights on the metastore only."""
    remote = address_of(REMOTE)
    for client in ('127.0.0.1', remote):
        result = as_root(f"SHOW GRANTS FOR 'hive'@'{client}'")
        assert result.rc == 0, result.stderr
        grants = sorted(line.split(' IDENTIFIED BY')[0] for line in result.stdout.splitlines())
        assert grants == sorted([
            f"GRANT USAGE ON *.* TO `hive`@`{client}`",
            f"GRANT {PRIVILEGES} ON `metastore`.* TO `hive`@`{client}`",
        ]), grants
    hosts = as_root("SELECT Host FROM mysql.user WHERE User = 'hive'")
    assert sorted(hosts.stdout.split()) == sorted(['127.0.0.1', remote])


def test_account_can_change_the_schema_of_its_database():
    result = as_hive('CREATE TABLE probe (id BIGINT PRIMARY KEY, v VARCHAR(767)) ENGINE=InnoDB DEFAULT CHARSET=latin1; '
                     'CREATE INDEX probe_v ON probe (v); INSERT INTO probe VALUES (1, \'x\'); '
                     'ALTER TABLE probe ADD COLUMN w INT; SELECT COUNT(*) FROM probe; DROP TABLE probe;')
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == '1'


def test_account_sees_no_other_database():
    shown = as_hive('SHOW DATABASES')
    assert shown.rc == 0, shown.stderr
    assert sorted(shown.stdout.split()) == ['information_schema', 'metastore']
    other = as_hive('SELECT 1', database='other_app')
    assert other.rc != 0
    assert 'Access denied' in other.stderr
    create = as_hive('CREATE DATABASE hive_extra')
    assert create.rc != 0
    assert 'Access denied' in create.stderr


def test_remote_metastore_host_reaches_its_database_and_nothing_else():
    """From the remote metastore host, by the DB host's name, as in its metastore-site.xml."""
    result = as_hive_from_remote(['CREATE TABLE probe_remote (id BIGINT PRIMARY KEY)', 'SHOW DATABASES',
                                  'DROP TABLE probe_remote'])
    assert result.rc == 0, result.stderr
    assert result.stdout.splitlines()[1].split(';') == ['information_schema', 'metastore']
    denied = as_hive_from_remote(['CREATE DATABASE hive_remote_extra'])
    assert denied.rc != 0
    assert 'Access denied' in denied.stderr
