"""Checks of the hive_metastore_live scenario: the real Hive standalone metastore and Hadoop installed by the
role, its schema initialised by hive_schema with the real schematool on a real MariaDB instance, and the
thrift server answering."""
import os
from pathlib import Path

import yaml

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
CREDENTIALS = EPHEMERAL / 'credentials'
DEFAULTS = yaml.safe_load((Path(__file__).parents[3] / 'roles' / 'hive_metastore' / 'defaults' / 'main.yml').read_text())
SOCKET = '/run/mysql-multi/hms/mysqld.sock'


def test_service_runs_the_pinned_release_as_hive(host):
    service = host.service('hive-metastore')
    assert service.is_enabled and service.is_running
    version = DEFAULTS['hive_metastore_version']
    assert host.file('/opt/datamesh/hive-metastore/current').linkpath.endswith('/' + version)
    assert host.file('/opt/datamesh/hadoop/current').linkpath.endswith('/' + DEFAULTS['hive_metastore_hadoop_version'])
    java = [p for p in host.process.filter(comm='java') if 'HiveMetaStore' in p.args]
    assert java and all(p.user == 'hive' for p in java)


def test_thrift_port_listens(host):
    assert host.socket('tcp://0.0.0.0:9083').is_listening or host.socket('tcp://:::9083').is_listening


def test_thrift_port_answers_from_the_host_itself(host):
    result = host.run("python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 9083), 5).close()'")
    assert result.rc == 0, result.stderr


def test_unit_verifies_with_the_release_installed(host):
    result = host.run('systemd-analyze verify --man=no /etc/systemd/system/hive-metastore.service')
    assert result.rc == 0, result.stdout + result.stderr


def test_schema_version_recorded_by_schematool(host):
    result = host.run('mariadb --socket=%s -N -B -e %s', SOCKET, 'SELECT SCHEMA_VERSION FROM metastore.VERSION')
    assert result.rc == 0, result.stderr
    assert result.stdout.strip().startswith('4.')
    tables = host.run('mariadb --socket=%s -N -B -e %s', SOCKET,
                      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'metastore'")
    assert int(tables.stdout.strip()) > 50


def test_schematool_info_agrees(host):
    password = (CREDENTIALS / 'hive_metastore' / host.backend.get_hostname() / 'hms' / 'hive').read_text().split()[0]
    result = host.run(
        'env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 HADOOP_HOME=/opt/datamesh/hadoop/current '
        'METASTORE_CONF_DIR=/etc/hive-metastore METASTORE_AUX_JARS_PATH=/usr/share/java/mariadb-java-client.jar '
        '/opt/datamesh/hive-metastore/current/bin/schematool -dbType mysql -info '
        '-url jdbc:mariadb://127.0.0.1:3307/metastore -driver org.mariadb.jdbc.Driver -userName hive -passWord %s',
        password)
    assert result.rc == 0, result.stdout + result.stderr
    assert 'Metastore schema version:' in result.stdout


def test_no_log_leaks_the_database_password(host):
    password = (CREDENTIALS / 'hive_metastore' / host.backend.get_hostname() / 'hms' / 'hive').read_text().split()[0]
    journal = host.run('journalctl -u hive-metastore --no-pager').stdout
    assert password not in journal
