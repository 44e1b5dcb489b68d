"""After side_effect.yml: hive_schema only read the databases, and ran schematool only when it had to.

The module ran against real MariaDB here; schematool is a stub (no Hive release can be fetched on
the test machines) that appends one line per call to CALLS.
"""
import pytest

CALLS = '/var/log/hive-schema-test/schematool.calls'
HOME = '/opt/hive-schema-test/apache-hive-metastore-4.0.1-bin'


def sql(host, query):
    result = host.run('mariadb --defaults-file=/etc/mysql-multi/hms.cnf -N -B -e %s', query)
    assert result.rc == 0, result.stderr
    return result.stdout.split()


def test_instance_runs_on_loopback(host):
    assert host.service('mysql-multi-hms').is_running
    assert host.socket('tcp://127.0.0.1:3307').is_listening


def test_schematool_ran_once_for_the_empty_database_only(host):
    """Check-mode runs, current schemas and refused databases never start schematool."""
    calls = host.file(CALLS).content_string.splitlines()
    assert len(calls) == 1, calls
    call = calls[0]
    assert call.startswith('METASTORE_HOME=%s HADOOP_HOME=/opt/hive-schema-test/hadoop '
                           'JAVA_HOME=/opt/hive-schema-test/jdk ARGS=' % HOME)
    assert ' ARGS=-dbType mysql -initSchemaTo 4.0.0 -url jdbc:mysql://127.0.0.1:3307/hms_empty ' \
           '-driver com.mysql.cj.jdbc.Driver -userName hive -passWord ' in call


def test_empty_database_is_still_empty(host):
    assert sql(host, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'hms_empty'") == ['0']


@pytest.mark.parametrize('database, rows', [
    ('hms_current', ['4.0.0']),
    ('hms_older', ['3.1.0']),
    ('hms_newer', ['4.1.0']),
    ('hms_partial', []),
])
def test_version_tables_are_unchanged(host, database, rows):
    assert sql(host, 'SELECT SCHEMA_VERSION FROM %s.VERSION' % database) == rows


def test_foreign_database_is_unchanged(host):
    assert sql(host, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'hms_foreign'") == ['probe']
