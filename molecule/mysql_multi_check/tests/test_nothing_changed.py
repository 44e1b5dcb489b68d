"""After a check-mode run on a fresh container, nothing may have been installed or written."""


def test_no_server_installed(host):
    assert not host.package('mariadb-server').is_installed
    assert not host.exists('mariadbd')


def test_no_files_written(host):
    for path in ('/etc/mysql-multi', '/var/lib/mysql-multi', '/var/log/mysql-multi',
                 '/etc/systemd/system/mysql-multi-mariadb.service'):
        assert not host.file(path).exists, path


def test_nothing_listens(host):
    for port in (3306, 3307, 3308):
        assert not host.socket(f'tcp://0.0.0.0:{port}').is_listening
