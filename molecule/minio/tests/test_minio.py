"""Checks of the minio scenario: the role in preparation mode (minio_install_binary: false).

No MinIO binary can be fetched on our machines, so the server never runs here (that is
molecule/minio_live). What runs is everything around it: the service account, drives,
generated and given credentials, certificates, the environment file as systemd reads it,
the unit and its ExecStartPre guard, and the pool layout on two nodes.
"""
import json
import os
import subprocess
from pathlib import Path

import testinfra

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
SCENARIO = Path(os.environ['MOLECULE_SCENARIO_DIRECTORY'])
INVENTORY = Path(os.environ.get('MOLECULE_INVENTORY_FILE', EPHEMERAL / 'inventory' / 'ansible_inventory.yml'))
CREDENTIALS = EPHEMERAL / 'credentials' / 'minio'
TLS = EPHEMERAL / 'credentials' / 'tls'

POOL = 'https://datamesh-minio-node{1...2}:9000/srv/minio/disk{1...2}'
NODES = {
    'datamesh-minio-basic': {
        'volumes': '/var/lib/minio/data', 'drives': ['/var/lib/minio/data'],
        'pool': 'datamesh-minio-basic', 'browser': 'on',
    },
    'datamesh-minio-snmd': {
        'volumes': '/srv/minio/disk{1...4}', 'drives': [f'/srv/minio/disk{i}' for i in range(1, 5)],
        'pool': 'datamesh-minio-snmd', 'browser': 'off',
        'user': 'platform-admin', 'password': 'Given"by\\inventory$HOME#9f2c',
    },
    'datamesh-minio-node1': {
        'volumes': POOL, 'drives': ['/srv/minio/disk1', '/srv/minio/disk2'], 'pool': 'minio', 'browser': 'on',
    },
    'datamesh-minio-node2': {
        'volumes': POOL, 'drives': ['/srv/minio/disk1', '/srv/minio/disk2'], 'pool': 'minio', 'browser': 'on',
    },
}
OPTS = '--address :9000 --console-address :9001 --certs-dir /etc/minio/certs'


def node(host):
    return NODES[host.backend.get_hostname()]


def other_host(name):
    return testinfra.get_host(f'ansible://{name}?ansible_inventory={INVENTORY}')


def env_file(host):
    """The environment file as key -> raw (quoted) value."""
    content = host.file('/etc/minio/minio.env').content_string
    return dict(line.split('=', 1) for line in content.splitlines() if line and not line.startswith('#'))


def expected_credentials(host):
    spec = node(host)
    if 'password' in spec:
        return spec['user'], spec['password']
    pool = CREDENTIALS / spec['pool']
    return (pool / 'root_user').read_text().split()[0], (pool / 'root_password').read_text().split()[0]


def systemd_env(host, *names):
    """Start a throw-away oneshot unit with minio's EnvironmentFile and return the values systemd gives it."""
    # printenv: no $ or % in the unit, which systemd would expand itself
    unit = ('[Service]\nType=oneshot\nEnvironmentFile=/etc/minio/minio.env\n'
            f"ExecStart=/bin/sh -c 'printenv {' '.join(names)} > /run/minio-envcheck.out'\n")
    write = host.run('cat > /run/systemd/system/minio-envcheck.service <<\'EOF\'\n' + unit + 'EOF')
    assert write.rc == 0, write.stderr
    run = host.run('systemctl daemon-reload && systemctl start minio-envcheck.service && cat /run/minio-envcheck.out')
    host.run('rm -f /run/systemd/system/minio-envcheck.service /run/minio-envcheck.out; systemctl daemon-reload')
    assert run.rc == 0, run.stderr
    return run.stdout.split('\n')[:len(names)]


def test_service_account(host):
    user = host.user('minio')
    assert user.exists
    assert user.group == 'minio'
    assert user.uid < 1000
    assert user.shell == '/usr/sbin/nologin'
    assert user.home == '/nonexistent'


def test_directories_and_modes(host):
    for path in ('/etc/minio', '/etc/minio/certs', '/etc/minio/certs/CAs'):
        d = host.file(path)
        assert (d.is_directory, d.user, d.group, d.mode) == (True, 'root', 'minio', 0o750), path
    for path in node(host)['drives']:
        d = host.file(path)
        assert (d.is_directory, d.user, d.group, d.mode) == (True, 'minio', 'minio', 0o750), path


def test_drives_are_mounts_except_the_allowed_root_drive(host):
    """The scenario's erasure-coded layouts use tmpfs mounts; only the basic node accepts the root filesystem."""
    mounted = [d for d in node(host)['drives'] if host.mount_point(d).exists]
    if host.backend.get_hostname() == 'datamesh-minio-basic':
        assert mounted == []
    else:
        assert mounted == node(host)['drives']


def test_environment_file(host):
    f = host.file('/etc/minio/minio.env')
    assert (f.user, f.group, f.mode) == ('root', 'minio', 0o640)
    env = env_file(host)
    assert env['MINIO_VOLUMES'] == f'"{node(host)["volumes"]}"'
    assert env['MINIO_OPTS'] == f'"{OPTS}"'
    assert env['MINIO_BROWSER'] == f'"{node(host)["browser"]}"'
    assert 'MINIO_ACCESS_KEY' not in env and 'MINIO_SECRET_KEY' not in env


def test_environment_as_systemd_reads_it(host):
    """Quotes, backslashes, $ and # in a given password reach the service unchanged."""
    user, password = expected_credentials(host)
    assert len(user) >= 3 and len(password) >= 8
    assert 'minioadmin' not in (user, password)
    volumes, got_user, got_password = systemd_env(host, 'MINIO_VOLUMES', 'MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD')
    assert volumes == node(host)['volumes']
    assert (got_user, got_password) == (user, password)


def test_generated_secrets_are_private_to_the_controller_user():
    for pool in ('datamesh-minio-basic', 'minio'):
        for name in ('root_user', 'root_password'):
            path = CREDENTIALS / pool / name
            assert path.stat().st_mode & 0o077 == 0, path
    assert len((CREDENTIALS / 'minio' / 'root_password').read_text().split()[0]) == 40
    keys = [TLS / 'ca.key', *(TLS / 'minio').glob('*.key')]
    assert len(keys) == 4  # the platform CA, the snmd node and both distributed nodes
    for key in keys:
        assert key.stat().st_mode & 0o077 == 0, key
    # credentials given by the inventory are not written to the controller
    assert not (CREDENTIALS / 'datamesh-minio-snmd' / 'root_password').exists()


def test_unit_is_hardened_and_starts_minio_with_the_pool(host):
    unit = host.file('/etc/systemd/system/minio.service').content_string
    for line in (
        'User=minio', 'Group=minio', 'Type=simple', 'EnvironmentFile=/etc/minio/minio.env',
        'ExecStart=/opt/datamesh/minio/current/minio server $MINIO_OPTS $MINIO_VOLUMES',
        'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'PrivateDevices=yes',
        'CapabilityBoundingSet=', 'LimitNOFILE=1048576', 'Restart=always',
        'ReadWritePaths=' + ' '.join(node(host)['drives']),
    ):
        assert line in unit.splitlines(), line
    assert 'ExecStartPre=/bin/sh -c \'if [ -z "$${MINIO_VOLUMES}" ]' in unit


def test_preparation_mode_installs_no_binary_and_starts_nothing(host):
    assert not host.file('/opt/datamesh/minio').exists
    service = host.service('minio')
    assert not service.is_enabled
    assert not service.is_running


def test_exec_start_pre_guard(host):
    """The unit's own ExecStartPre line, run by systemd: refuses an empty MINIO_VOLUMES, passes the real file."""
    unit = host.file('/etc/systemd/system/minio.service').content_string
    guard = next(line for line in unit.splitlines() if line.startswith('ExecStartPre='))
    host.run('touch /run/minio-empty.env')
    results = {}
    for name, env in (('empty', '/run/minio-empty.env'), ('real', '/etc/minio/minio.env')):
        test_unit = f'[Service]\nType=oneshot\nEnvironmentFile={env}\n{guard}\nExecStart=/bin/true\n'
        host.run(f"cat > /run/systemd/system/minio-guard-{name}.service <<'EOF'\n{test_unit}EOF")
        host.run('systemctl daemon-reload')
        results[name] = host.run(f'systemctl start minio-guard-{name}.service')
        results[name + '_log'] = host.run(f'journalctl -q -u minio-guard-{name}.service --no-pager').stdout
    host.run('rm -f /run/systemd/system/minio-guard-*.service /run/minio-empty.env; systemctl daemon-reload')
    assert results['empty'].rc != 0
    assert 'MINIO_VOLUMES is not set in /etc/minio/minio.env' in results['empty_log']
    assert results['real'].rc == 0, results['real_log']


def certificate_text(host, path='/etc/minio/certs/public.crt'):
    return host.check_output('openssl x509 -in %s -noout -text', path)


def test_certificate_key_and_ca(host):
    key = host.file('/etc/minio/certs/private.key')
    assert (key.user, key.group, key.mode) == ('root', 'minio', 0o640)
    cert = host.file('/etc/minio/certs/public.crt')
    assert (cert.user, cert.group, cert.mode) == ('root', 'minio', 0o644)
    verify = host.run('openssl verify -CAfile /etc/minio/certs/CAs/ca.crt /etc/minio/certs/public.crt')
    assert verify.rc == 0, verify.stdout + verify.stderr
    pub_of_key = host.check_output('openssl pkey -in /etc/minio/certs/private.key -pubout')
    pub_of_cert = host.check_output('openssl x509 -in /etc/minio/certs/public.crt -noout -pubkey')
    assert pub_of_key == pub_of_cert


def test_certificate_names_every_address_clients_use(host):
    name = host.backend.get_hostname()
    text = certificate_text(host)
    assert f'DNS:{name}' in text
    assert 'IP Address:127.0.0.1' in text
    if name == 'datamesh-minio-basic':
        # given by the inventory: installed as it is
        given = (EPHEMERAL / 'basic-tls' / 'cert.pem').read_text().strip()
        assert host.file('/etc/minio/certs/public.crt').content_string.strip() == given
        return
    for address in host.interface('eth0').addresses:
        if ':' not in address:
            assert f'IP Address:{address}' in text
    assert 'TLS Web Server Authentication' in text
    if name.startswith('datamesh-minio-node'):
        assert 'DNS:s3.datamesh.test' in text
        assert 'IP Address:192.0.2.10' in text


def test_distributed_nodes_share_volumes_credentials_and_ca():
    one, two = other_host('datamesh-minio-node1'), other_host('datamesh-minio-node2')
    assert env_file(one)['MINIO_VOLUMES'] == env_file(two)['MINIO_VOLUMES'] == f'"{POOL}"'
    for key in ('MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD'):
        assert env_file(one)[key] == env_file(two)[key]
    ca = one.file('/etc/minio/certs/CAs/ca.crt').content_string
    assert ca == two.file('/etc/minio/certs/CAs/ca.crt').content_string
    assert ca == (TLS / 'ca.crt').read_text()  # the platform CA
    # each node has its own key, and the other node trusts it
    assert one.file('/etc/minio/certs/public.crt').content_string != two.file('/etc/minio/certs/public.crt').content_string
    pem = two.file('/etc/minio/certs/public.crt').content_string
    check = one.run("openssl verify -CAfile /etc/minio/certs/CAs/ca.crt /dev/stdin <<'EOF'\n" + pem + 'EOF')
    assert check.rc == 0, check.stdout + check.stderr
    assert 'DNS:datamesh-minio-node2' in certificate_text(two)


def test_distributed_nodes_resolve_each_other():
    for a, b in (('datamesh-minio-node1', 'datamesh-minio-node2'), ('datamesh-minio-node2', 'datamesh-minio-node1')):
        assert other_host(a).run('getent ahostsv4 %s', b).rc == 0


def run_converge(*args):
    """Run this scenario's converge playbook again, with the JSON callback; returns (process, output, results)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_STDOUT_CALLBACK='ansible.builtin.json',
               ANSIBLE_LOAD_CALLBACK_PLUGINS='1')
    if (EPHEMERAL / 'ansible.cfg').exists():
        env['ANSIBLE_CONFIG'] = str(EPHEMERAL / 'ansible.cfg')
    proc = subprocess.run(['ansible-playbook', '-i', str(INVENTORY.parent), str(SCENARIO / 'converge.yml'), *args],
                          capture_output=True, text=True, env=env, timeout=900, check=False)
    report = json.loads(proc.stdout[proc.stdout.index('\n{') if not proc.stdout.startswith('{') else 0:])
    results = {}
    for play in report['plays']:
        for task in play['tasks']:
            for name, result in task['hosts'].items():
                results[(task['task']['name'].split(' : ', 1)[-1], name)] = result
    return proc, proc.stdout + proc.stderr, results


def test_secrets_stay_out_of_the_output():
    """A dry run with --diff that would change the root password: the env file task reports the
    change, and neither the old nor the new password appears anywhere in the output."""
    old = NODES['datamesh-minio-snmd']['password']
    new = 'a-new-password-that-must-not-be-printed'
    proc, output, results = run_converge('--check', '--diff', '--limit', 'localhost,datamesh-minio-snmd',
                                         '-e', json.dumps({'minio_root_password': new}))
    assert proc.returncode == 0, output[-3000:]
    assert results[('Write the environment file', 'datamesh-minio-snmd')]['changed'] is True
    for secret in (old, new, json.dumps(old)[1:-1]):
        assert secret not in output


def test_layout_of_an_initialised_pool_cannot_change():
    """Once MinIO has formatted a drive (.minio.sys/format.json), another drive layout is refused before
    anything changes: MinIO would not start with it."""
    host = other_host('datamesh-minio-snmd')
    marker = '/srv/minio/disk1/.minio.sys/format.json'
    host.run('mkdir -p /srv/minio/disk1/.minio.sys && touch %s', marker)
    try:
        proc, output, results = run_converge('--limit', 'localhost,datamesh-minio-snmd',
                                             '-e', json.dumps({'minio_drives': '/srv/minio/disk{1...2}'}))
    finally:
        host.run('rm -rf /srv/minio/disk1/.minio.sys')
    assert proc.returncode != 0
    failed = {task: r for (task, _host), r in results.items() if r.get('failed')}
    assert list(failed) == ['Check that the layout of an initialised pool stays the same'], output[-3000:]
    assert 'started with MINIO_VOLUMES=/srv/minio/disk{1...4}' in failed['Check that the layout of an initialised pool stays the same']['msg']
    assert not any(r.get('changed') for r in results.values())
    assert env_file(host)['MINIO_VOLUMES'] == '"/srv/minio/disk{1...4}"'
