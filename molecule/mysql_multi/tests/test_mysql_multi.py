"""Live checks of the mysql_multi scenario (real MariaDB from Debian in a systemd container)."""
import os
from pathlib import Path

import pytest

INSTANCES = {'mariadb': 3307, 'mariadb2': 3308}
CREDENTIALS = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY']) / 'credentials' / 'mysql_multi'


def generated_password(host, instance, user):
    path = CREDENTIALS / host.backend.get_hostname() / instance / user
    assert path.stat().st_mode & 0o077 == 0, f'{path} must be private to its owner'
    return path.read_text().split()[0]


def sql_over_tcp(host, port, user, password, query):
    """Run a query over TCP to the container's own network address (not the socket)."""
    address = host.interface('eth0').addresses[0]
    return host.run(
        "mariadb --ssl --protocol=TCP -h %s -P %s -u %s -p%s -N -B -e %s",
        address, str(port), user, password, query)


@pytest.mark.parametrize('name,port', INSTANCES.items())
def test_instance_unit_enabled_and_running(host, name, port):
    unit = host.service(f'mysql-multi-{name}')
    assert unit.is_enabled
    assert unit.is_running
    assert host.socket(f'tcp://0.0.0.0:{port}').is_listening
    assert host.file(f'/run/mysql-multi/{name}/mysqld.sock').is_socket
    assert host.file(f'/var/log/mysql-multi/{name}/error.log').is_file
    assert host.file(f'/var/lib/mysql-multi/{name}').user == 'mysql'


def test_unit_is_hardened(host):
    unit = host.file('/etc/systemd/system/mysql-multi-mariadb.service').content_string
    for line in ('ProtectSystem=strict', 'NoNewPrivileges=yes', 'User=mysql', 'Type=notify',
                 'ReadWritePaths=/var/lib/mysql-multi/mariadb /var/log/mysql-multi/mariadb'):
        assert line in unit


def test_os_default_server_is_off(host):
    assert not host.socket('tcp://0.0.0.0:3306').is_listening
    assert not host.socket('tcp://127.0.0.1:3306').is_listening
    for unit in ('mariadb.service', 'mariadb.socket'):
        assert not host.service(unit).is_enabled
        assert not host.service(unit).is_running


@pytest.mark.parametrize('instance,user,database', [
    ('mariadb', 'jupyter', 'jupyter'),
    ('mariadb', 'hive', 'metastore'),
    ('mariadb2', 'jupyter', 'jupyter'),
])
def test_app_user_queries_over_tcp(host, instance, user, database):
    password = generated_password(host, instance, user)
    assert len(password) == 32
    result = sql_over_tcp(host, INSTANCES[instance], user, password,
                          f"CREATE TABLE IF NOT EXISTS {database}.probe (v INT); SELECT CURRENT_USER(), @@port;"
                          "SHOW STATUS LIKE 'Ssl_version';")
    assert result.rc == 0, result.stderr
    assert result.stdout.split()[:3] == [f'{user}@%', str(INSTANCES[instance]), 'Ssl_version']
    assert result.stdout.split()[3].startswith('TLSv1.')


def test_explicit_password_and_limited_grant(host):
    ok = host.run("mariadb --ssl --protocol=TCP -h 127.0.0.1 -P 3308 -u reporter -pgiven-by-inventory-9f2c -N -e 'SELECT 1'")
    assert ok.rc == 0, ok.stderr
    denied = host.run("mariadb --ssl --protocol=TCP -h 127.0.0.1 -P 3308 -u reporter -pgiven-by-inventory-9f2c "
                      "-e 'CREATE TABLE jupyter.nope (v INT)'")
    assert denied.rc != 0
    assert 'command denied' in denied.stderr


def test_plain_tcp_refused_where_tls_is_required(host):
    """Same account, same password: only the transport differs."""
    login = "mariadb {} --protocol=TCP -h 127.0.0.1 -P 3308 -u reporter -pgiven-by-inventory-9f2c -N -e 'SELECT 1'"
    assert host.run(login.format('--ssl')).rc == 0
    plain = host.run(login.format('--skip-ssl'))
    assert plain.rc != 0
    # MariaDB 10.11 reports a refused insecure transport as an access denial.
    assert 'Access denied' in plain.stderr or 'insecure transport' in plain.stderr
    assert host.check_output("mariadb --defaults-file=/etc/mysql-multi/mariadb2.cnf -N -B -e "
                             "'SELECT @@require_secure_transport'") == '1'


def test_tls_key_is_private(host):
    key = host.file('/etc/mysql-multi/tls/server-key.pem')
    assert (key.user, key.group, key.mode) == ('root', 'mysql', 0o640)


def test_wrong_password_is_refused(host):
    result = sql_over_tcp(host, 3307, 'jupyter', 'not-the-password', 'SELECT 1')
    assert result.rc != 0
    assert 'Access denied' in result.stderr


@pytest.mark.parametrize('name', INSTANCES)
def test_root_is_socket_only_again_after_a_half_finished_run(host, name):
    """side_effect.yml gave root an empty password (what a first run that failed after initialising
    leaves behind) before applying the role again: the role must have restored socket auth."""
    socket = f'/run/mysql-multi/{name}/mysqld.sock'
    local_user = host.run(f"runuser -u nobody -- mariadb -S {socket} -u root -N -e 'SELECT 1'")
    assert local_user.rc != 0 and 'Access denied' in local_user.stderr, local_user.stdout
    empty_tcp = host.run(f"mariadb --protocol=TCP -h 127.0.0.1 -P {INSTANCES[name]} -u root --password= -N -e 'SELECT 1'")
    assert empty_tcp.rc != 0 and 'Access denied' in empty_tcp.stderr
    plugin = host.check_output(
        f"mariadb -S {socket} -N -B -e \"SELECT JSON_VALUE(priv, '$.plugin'), JSON_VALUE(priv, '$.authentication_string'), "
        "JSON_VALUE(priv, '$.auth_or[1].plugin') FROM mysql.global_priv WHERE user = 'root' AND host = 'localhost'\"")
    assert plugin.split('\t') == ['mysql_native_password', 'invalid', 'unix_socket']


@pytest.mark.parametrize('name', INSTANCES)
def test_root_only_through_the_socket(host, name):
    tcp = host.run(f"mariadb --protocol=TCP -h 127.0.0.1 -P {INSTANCES[name]} -u root -e 'SELECT 1'")
    assert tcp.rc != 0 and 'Access denied' in tcp.stderr
    accounts = host.check_output(
        f"mariadb --defaults-file=/etc/mysql-multi/{name}.cnf -N -B -e "
        "\"SELECT CONCAT(user, '@', host) FROM mysql.user WHERE user IN ('root', '') ORDER BY 1\"")
    assert accounts.split() == ['root@localhost']
    create = host.check_output(f"mariadb --defaults-file=/etc/mysql-multi/{name}.cnf -N -B -e "
                               "'SHOW CREATE USER root@localhost'")
    # 'invalid' is a hash no password can match: the socket is the only way in.
    assert create.endswith("IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket")
    databases = host.check_output(f"mariadb --defaults-file=/etc/mysql-multi/{name}.cnf -N -B -e 'SHOW DATABASES'")
    assert 'test' not in databases.split()


def test_absent_instance_is_stopped_and_keeps_its_data(host):
    unit = host.service('mysql-multi-scratch')
    assert not unit.is_running
    assert not unit.is_enabled
    assert not host.socket('tcp://127.0.0.1:3309').is_listening
    assert host.file('/var/lib/mysql-multi/scratch/keep/t.ibd').is_file
    assert host.file('/etc/mysql-multi/scratch.cnf').is_file


def test_purged_instance_is_gone(host):
    for path in ('/var/lib/mysql-multi/tmp', '/etc/mysql-multi/tmp.cnf', '/var/log/mysql-multi/tmp',
                 '/etc/systemd/system/mysql-multi-tmp.service'):
        assert not host.file(path).exists, path
