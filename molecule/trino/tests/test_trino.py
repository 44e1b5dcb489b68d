"""Checks of the trino scenario: the role in preparation mode (trino_install_server: false).

Neither the Trino server tarball nor the CLI jar can be fetched on our machines, so the
server never runs here (that is molecule/trino_live). What runs is everything around it on a
coordinator and a worker: Java 17 from Debian, the account, directories, generated secrets and
certificates, every configuration file as Trino would read it, the static catalog files and
the unit. The JVM options are checked by starting the installed JVM with them.
"""
import crypt  # noqa: deprecated in 3.11, present in the controller's 3.12; checks bcrypt hashes
import os
import re
import warnings
from pathlib import Path

import pytest
import testinfra

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
INVENTORY = Path(os.environ.get('MOLECULE_INVENTORY_FILE', EPHEMERAL / 'inventory' / 'ansible_inventory.yml'))
SECRETS = EPHEMERAL / 'credentials' / 'trino' / 'datamesh'
COORDINATOR = 'datamesh-trino-coordinator'
WORKER = 'datamesh-trino-worker1'
SINGLE = 'datamesh-trino-single'       # a single-node cluster of its own: no TLS, no authentication
JAVA = '/usr/lib/jvm/java-17-openjdk-amd64/bin/java'
warnings.filterwarnings('ignore', category=DeprecationWarning)


def properties(host, path):
    """A .properties file as key -> value (the role writes no escapes except in catalog files)."""
    lines = host.file(path).content_string.splitlines()
    return dict(line.split('=', 1) for line in lines if line and not line.startswith('#'))


def other(name):
    return testinfra.get_host(f'ansible://{name}?ansible_inventory={INVENTORY}')


def name(host):
    return host.backend.get_hostname()


def is_coordinator(host):
    return name(host) in (COORDINATOR, SINGLE)


def peer(host):
    """The other node of the two-node cluster, or None for the single node."""
    return {COORDINATOR: other(WORKER), WORKER: other(COORDINATOR)}.get(name(host))


def test_java_17_from_debian(host):
    assert host.package('openjdk-17-jre-headless').is_installed
    out = host.run(f'{JAVA} -version')
    assert out.rc == 0, out.stderr
    assert re.search(r'version "17\.0\.(\d+)', out.stderr), out.stderr
    # 390-435 need at least 17.0.3 (release-390 notes)
    assert int(re.search(r'version "17\.0\.(\d+)', out.stderr).group(1)) >= 3


def test_service_account(host):
    user = host.user('trino')
    assert user.exists and user.group == 'trino'
    assert user.uid < 1000
    assert user.shell == '/usr/sbin/nologin'


def test_directories(host):
    dirs = [('/etc/trino', 'root'), ('/etc/trino/catalog', 'root'), ('/var/lib/trino', 'trino'),
            ('/var/lib/trino/tmp', 'trino'), ('/var/log/trino', 'trino')]
    for path, owner in dirs + ([('/etc/trino/tls', 'root')] if name(host) != SINGLE else []):
        d = host.file(path)
        assert (d.is_directory, d.user, d.group, d.mode) == (True, owner, 'trino', 0o750), path
    if name(host) == SINGLE:
        assert not host.file('/etc/trino/tls').exists


def test_node_properties(host):
    f = host.file('/etc/trino/node.properties')
    assert (f.user, f.group, f.mode) == ('root', 'trino', 0o640)
    node = properties(host, '/etc/trino/node.properties')
    assert node['node.environment'] == ('trusted' if name(host) == SINGLE else 'datamesh')
    assert node['node.data-dir'] == '/var/lib/trino'
    assert re.match(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', node['node.id'])
    ids = {properties(other(n), '/etc/trino/node.properties')['node.id'] for n in (COORDINATOR, WORKER, SINGLE)}
    assert len(ids) == 3


def test_config_properties(host):
    f = host.file('/etc/trino/config.properties')
    # holds the shared secret: the service's group may read it, nobody else
    assert (f.user, f.group, f.mode) == ('root', 'trino', 0o640)
    c = properties(host, '/etc/trino/config.properties')
    if name(host) == SINGLE:
        assert c['coordinator'] == 'true'
        assert c['node-scheduler.include-coordinator'] == 'true'     # no workers: it runs the work
        assert c['discovery.uri'] == f'http://{SINGLE}:8080'
        assert c['http-server.http.port'] == '8080'
        assert not [k for k in c if k.startswith('http-server.https') or k.startswith('internal-communication.https')]
        assert 'http-server.authentication.type' not in c
        assert (c['query.max-memory-per-node'], c['memory.heap-headroom-per-node'], c['query.max-memory']) == ('614MB', '614MB', '614MB')
        return
    assert c['discovery.uri'] == f'https://{COORDINATOR}:2020'
    assert (c['http-server.http.enabled'], c['http-server.https.enabled'], c['http-server.https.port']) == ('false', 'true', '2020')
    assert c['http-server.https.keystore.path'] == '/etc/trino/tls/server.pem'
    assert c['internal-communication.https.required'] == 'true'
    assert c['internal-communication.https.truststore.path'] == '/etc/trino/tls/ca.crt'
    # heap 2048 MiB: 30 % each for queries and headroom; one worker runs the work
    assert (c['query.max-memory-per-node'], c['memory.heap-headroom-per-node'], c['query.max-memory']) == ('614MB', '614MB', '614MB')
    assert c['http-server.log.path'] == '/var/log/trino/http-request.log'
    assert 'catalog.management' not in c
    if is_coordinator(host):
        assert c['coordinator'] == 'true'
        assert c['node-scheduler.include-coordinator'] == 'false'
        assert c['http-server.authentication.type'] == 'PASSWORD'
    else:
        assert c['coordinator'] == 'false'
        assert 'node-scheduler.include-coordinator' not in c
        assert 'http-server.authentication.type' not in c


def test_shared_secret_generated_once_and_identical(host):
    secret = properties(host, '/etc/trino/config.properties')['internal-communication.shared-secret']
    secrets = SECRETS.parent / ('trusted' if name(host) == SINGLE else 'datamesh')
    assert secret == (secrets / 'shared_secret').read_text().split()[0]
    assert len(secret) == 64
    assert (secrets / 'shared_secret').stat().st_mode & 0o077 == 0
    if peer(host):
        assert properties(peer(host), '/etc/trino/config.properties')['internal-communication.shared-secret'] == secret
    else:   # a cluster of its own: its own secret
        assert secret != properties(other(COORDINATOR), '/etc/trino/config.properties')['internal-communication.shared-secret']


def test_jvm_config_and_the_jvm_accepts_it(host):
    options = [line for line in host.file('/etc/trino/jvm.config').content_string.splitlines()
               if line and not line.startswith('#')]
    assert '-Xmx2048M' in options
    assert '-XX:-G1UsePreventiveGC' in options          # Java 17 only
    assert '-Djava.io.tmpdir=/var/lib/trino/tmp' in options
    assert not [o for o in options if o.startswith('--enable-native-access')]   # Trino >= 466 only
    run = host.run(f'runuser -u trino -- {JAVA} ' + ' '.join(options) + ' -Xms16m -XX:+PrintFlagsFinal -version')
    assert run.rc == 0, run.stderr
    assert re.search(r'MaxHeapSize\s*=\s*2147483648\b', run.stdout)


def test_log_properties(host):
    assert properties(host, '/etc/trino/log.properties') == {'io.trino': 'INFO'}


def test_tls_material(host):
    if name(host) == SINGLE:        # trino_tls: false: no certificate anywhere
        assert not host.file('/etc/trino/tls/server.pem').exists and not host.file('/etc/trino/tls/ca.crt').exists
        assert not (EPHEMERAL / 'credentials' / 'tls' / 'trino' / f'{SINGLE}.crt').exists()
        return
    pem = host.file('/etc/trino/tls/server.pem')
    assert (pem.user, pem.group, pem.mode) == ('root', 'trino', 0o640)
    text = pem.content_string
    assert text.count('-----BEGIN PRIVATE KEY-----') == 1    # PKCS#8, read by every Java
    check = host.run('openssl x509 -noout -ext subjectAltName -in /etc/trino/tls/server.pem'
                     ' && openssl verify -CAfile /etc/trino/tls/ca.crt /etc/trino/tls/server.pem')
    assert check.rc == 0, check.stderr
    for san in (f'DNS:{name(host)}', 'DNS:localhost', 'IP Address:127.0.0.1', 'DNS:trino.datamesh.test'):
        assert san in check.stdout
    key_matches = host.run("openssl pkey -in /etc/trino/tls/server.pem -pubout | sha256sum; "
                           "openssl x509 -in /etc/trino/tls/server.pem -noout -pubkey | sha256sum")
    first, second = key_matches.stdout.splitlines()
    assert first == second
    ca = host.file('/etc/trino/tls/ca.crt')
    assert ca.mode == 0o644
    # the platform CA of _common (one for every service of the inventory), also last in the keystore
    platform_ca = (EPHEMERAL / 'credentials' / 'tls' / 'ca.crt').read_text().strip()
    assert ca.content_string.strip() == platform_ca
    assert text.strip().endswith(platform_ca)
    assert ca.content_string == peer(host).file('/etc/trino/tls/ca.crt').content_string


def test_password_authentication_on_the_coordinator_only(host):
    auth = host.file('/etc/trino/password-authenticator.properties')
    db = host.file('/etc/trino/password.db')
    if name(host) != COORDINATOR:      # workers authenticate nobody; the single node has authentication off
        assert not auth.exists and not db.exists
        assert not (SECRETS.parent / 'trusted' / 'admin_password').exists()
        return
    assert properties(host, '/etc/trino/password-authenticator.properties') == {
        'password-authenticator.name': 'file', 'file.password-file': '/etc/trino/password.db'}
    assert (db.user, db.group, db.mode) == ('root', 'trino', 0o640)
    entries = dict(line.split(':', 1) for line in db.content_string.splitlines())
    assert sorted(entries) == ['admin', 'analyst']
    admin_password = (SECRETS / 'admin_password').read_text().split()[0]
    assert len(admin_password) == 32
    for user, password in (('admin', admin_password), ('analyst', 'Analyst-pw-given-by-inventory')):
        assert entries[user].startswith('$2y$10$')
        assert crypt.crypt(password, entries[user]) == entries[user], user
        assert crypt.crypt(password + 'x', entries[user]) != entries[user]


@pytest.mark.parametrize('name', ['tpch', 'memory', 'mariadb', 'hive'])
def test_catalog_files(host, name):
    f = host.file(f'/etc/trino/catalog/{name}.properties')
    assert (f.user, f.group, f.mode) == ('root', 'trino', 0o640)
    c = properties(host, f'/etc/trino/catalog/{name}.properties')
    expected = {
        'tpch': {'connector.name': 'tpch'},
        'memory': {'connector.name': 'memory', 'memory.max-data-per-node': '128MB'},
        'mariadb': {'connector.name': 'mariadb', 'connection-url': 'jdbc:mariadb://db.datamesh.test:3307',
                    'connection-user': 'trino', 'connection-password': 'Mariadb-catalog-s3cret'},
        # Trino 406: legacy hive.s3.* (native S3 does not exist there), no fs.hadoop.enabled (458+)
        'hive': {'connector.name': 'hive', 'hive.metastore.uri': 'thrift://metastore.datamesh.test:9083',
                 'hive.s3.endpoint': 'https://minio.datamesh.test:9000', 'hive.s3.path-style-access': 'true',
                 'hive.s3.aws-access-key': 'trino', 'hive.s3.aws-secret-key': 'Minio-catalog-s3cret'},
    }[name]
    assert c == expected


def test_absent_catalog_has_no_file(host):
    assert not host.file('/etc/trino/catalog/scratch.properties').exists
    assert sorted(host.file('/etc/trino/catalog').listdir()) == [
        'hive.properties', 'mariadb.properties', 'memory.properties', 'tpch.properties']


def test_unit(host):
    unit = host.file('/etc/systemd/system/trino.service').content_string
    assert ('ExecStart=/opt/datamesh/trino-server/current/bin/launcher run --etc-dir=/etc/trino '
            '--data-dir=/var/lib/trino') in unit
    for line in ('User=trino', 'LimitNOFILE=131072', 'LimitNPROC=128000', 'ProtectSystem=strict', 'NoNewPrivileges=yes',
                 'ReadWritePaths=/var/lib/trino /var/log/trino',
                 'Environment="JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64"'):
        assert line in unit.splitlines(), line
    # systemd accepts the unit except for the missing launcher (preparation mode)
    verify = host.run("sed 's/^ExecStart=/ExecStart=-/' /etc/systemd/system/trino.service > /run/trino-check.service"
                      " && systemd-analyze verify --man=no /run/trino-check.service; r=$?; rm -f /run/trino-check.service; exit $r")
    assert verify.rc == 0, verify.stderr


def test_service_neither_enabled_nor_started_in_preparation_mode(host):
    assert not host.file('/opt/datamesh/trino-server').exists
    service = host.service('trino')
    assert not service.is_enabled
    assert not service.is_running


def test_cli_wrapper(host):
    f = host.file('/usr/local/bin/trino')
    assert (f.user, f.mode) == ('root', 0o755)
    assert f'exec "{JAVA.rsplit("/bin/", 1)[0]}/bin/java" -jar "/opt/datamesh/trino-cli/current/trino-cli.jar" "$@"' in f.content_string
    assert host.run('sh -n /usr/local/bin/trino').rc == 0


def test_java_trusts_the_platform_ca(host):
    """Catalog connectors (S3 on MinIO with the platform CA) use Java's default trust store."""
    f = host.file('/usr/local/share/ca-certificates/datamesh-trino-0.crt')
    if name(host) == SINGLE:
        assert not f.exists
        return
    platform_ca = (EPHEMERAL / 'credentials' / 'tls' / 'ca.crt').read_text().strip()
    assert f.content_string.strip() == platform_ca
    keytool = JAVA.rsplit('/', 1)[0] + '/keytool'
    listed = host.run(f'{keytool} -list -cacerts -storepass changeit -alias debian:datamesh-trino-0.pem -rfc')
    assert listed.rc == 0, listed.stdout + listed.stderr
    fingerprint = host.run('openssl x509 -noout -fingerprint -sha256 -in /etc/trino/tls/ca.crt').stdout.split('=', 1)[1].strip()
    assert fingerprint in host.run(f'{keytool} -list -cacerts -storepass changeit -alias debian:datamesh-trino-0.pem').stdout
