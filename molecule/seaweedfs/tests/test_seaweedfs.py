"""What the seaweedfs scenario left running, checked from outside the role: systemd, files, sockets,
and S3 through plain boto3 (files/s3probe.py, run in datamesh-seaweedfs-1 against both gateways),
trusting only the platform CA. The buckets were made by datamesh.platform.minio_bucket through the
role; here they are read back without it."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import testinfra

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
SCENARIO = Path(os.environ['MOLECULE_SCENARIO_DIRECTORY'])
SECRETS = EPHEMERAL / 'credentials' / 'seaweedfs' / 'seaweedfs'
PLATFORM_CA = EPHEMERAL / 'credentials' / 'tls' / 'ca.crt'
CA = '/etc/seaweedfs/tls/ca.crt'
PROBE = '/usr/local/lib/s3probe.py'
PROBE_ENV = '/root/.s3probe.json'
SERVICES = {
    'datamesh-seaweedfs-1': ['seaweedfs-master', 'seaweedfs-volume', 'seaweedfs-filer', 'seaweedfs-s3'],
    'datamesh-seaweedfs-2': ['seaweedfs-volume', 'seaweedfs-filer', 'seaweedfs-s3'],
}
PORTS = {'seaweedfs-master': 9333, 'seaweedfs-volume': 8380, 'seaweedfs-filer': 8888}
QUERY_PLANE = ('query-plane', 'Fx7QmR2vKp9WzL4tNc8YbH3jD6sA')


# The containers themselves (docker exec: much faster than Ansible for the many probe runs).
NODE1, NODE2 = testinfra.get_host('docker://datamesh-seaweedfs-1'), testinfra.get_host('docker://datamesh-seaweedfs-2')


def address(host):
    return [a for a in host.interface('eth0').addresses if ':' not in a][0]


@pytest.fixture(params=sorted(SERVICES), scope='module')
def node(request):
    """Each container in turn: (name, testinfra host)."""
    return request.param, testinfra.get_host(f'docker://{request.param}')


@pytest.fixture(scope='module')
def endpoints():
    subprocess.run(['docker', 'cp', str(SCENARIO / 'files' / 's3probe.py'), f'datamesh-seaweedfs-1:{PROBE}'], check=True)
    return {'node1': f'https://{address(NODE1)}:8333', 'node2': f'https://{address(NODE2)}:8333'}


def admin():
    return (SECRETS / 'admin_access_key').read_text().strip(), (SECRETS / 'admin_secret_key').read_text().strip()


def s3(endpoint, key, *args, ca=CA):
    """Run the probe in datamesh-seaweedfs-1 with these credentials; its JSON answer."""
    # The credentials go in through docker exec's stdin into a 0600 file, never onto a command
    # line (where a failing check would also print them).
    env = {'S3_ENDPOINT': endpoint, 'S3_ACCESS_KEY': key[0], 'S3_SECRET_KEY': key[1], 'S3_CA': ca}
    subprocess.run(['docker', 'exec', '-i', 'datamesh-seaweedfs-1', 'sh', '-c', f'umask 077 && cat > {PROBE_ENV}'],
                   input=json.dumps(env).encode(), check=True)
    command = f'S3_ENV_FILE={PROBE_ENV} python3 {PROBE} ' + ' '.join(f'{a!r}' for a in args)
    return json.loads(NODE1.check_output(command))


# ---------------------------------------------------------------- the hosts
def test_components_run_as_hardened_units(node):
    name, host = node
    for service in SERVICES[name]:
        assert host.service(service).is_running, service
        assert host.service(service).is_enabled, service
        unit = host.file(f'/etc/systemd/system/{service}.service').content_string
        for setting in ('User=seaweedfs', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes',
                        '-config_dir=/etc/seaweedfs'):
            assert setting in unit, (service, setting)
    assert not host.file('/etc/systemd/system/seaweedfs-master.service').exists or name == 'datamesh-seaweedfs-1'
    master = host.file('/etc/systemd/system/seaweedfs-master.service')
    if master.exists:
        assert '-telemetry=false' in master.content_string and '-peers=none' in master.content_string


def test_weed_is_the_pinned_build(node):
    host = node[1]
    out = host.check_output('/usr/local/bin/weed version')
    assert 'version 8000GB 4.48 ' in out and 'linux amd64' in out
    # _common's layout: current -> <version> -> <version>-<first 12 hex of the sha256>
    assert host.check_output('readlink /opt/datamesh/seaweedfs/current') == '/opt/datamesh/seaweedfs/4.48-pypi'
    assert re.fullmatch(r'/opt/datamesh/seaweedfs/4\.48-pypi-[0-9a-f]{12}',
                        host.file('/opt/datamesh/seaweedfs/current').linked_to)
    assert host.file('/var/lib/seaweedfs/.datamesh-volume-format').content_string == '8000GB\n'


def test_secrets_are_readable_by_the_service_only(node):
    host = node[1]
    for path in ('/etc/seaweedfs/s3.json', '/etc/seaweedfs/security.toml', '/etc/seaweedfs/tls/server.key'):
        f = host.file(path)
        assert (f.user, f.group, f.mode) == ('root', 'seaweedfs', 0o640), path
    for path in ('/var/lib/seaweedfs/volume', '/var/lib/seaweedfs/filer'):
        f = host.file(path)
        assert (f.user, f.mode) == ('seaweedfs', 0o750), path
    toml = host.file('/etc/seaweedfs/security.toml').content_string
    assert '[grpc.master]' in toml and '[https.volume]' in toml and '[jwt.filer_signing]' in toml


def test_identities_limit_each_key_to_its_buckets():
    identities = {i['name']: i for i in json.loads(NODE1.file('/etc/seaweedfs/s3.json').content_string)['identities']}
    assert NODE2.file('/etc/seaweedfs/s3.json').content_string == NODE1.file('/etc/seaweedfs/s3.json').content_string
    assert identities['admin']['credentials'][0]['accessKey'] == admin()[0]
    assert identities['query-plane']['actions'] == ['Read:warehouse', 'Write:warehouse', 'List:warehouse', 'Tagging:warehouse',
                                                    'Read:landing', 'Write:landing', 'List:landing', 'Tagging:landing']
    assert identities['dashboards']['actions'] == ['Read:public-reports', 'List:public-reports']
    assert identities['dashboards']['credentials'][0]['secretKey'] == (SECRETS / 'keys' / 'dashboards').read_text().strip()


def test_internal_services_listen_on_the_cluster_address_only(node):
    name, host = node
    mine = address(host)
    for service, port in PORTS.items():
        if service not in SERVICES[name]:
            continue
        assert host.socket(f'tcp://{mine}:{port}').is_listening, service
        assert host.socket(f'tcp://{mine}:{port + 10000}').is_listening, service
        assert not host.socket(f'tcp://0.0.0.0:{port}').is_listening, service
    assert host.socket('tcp://8333').is_listening
    # no embedded IAM API, Iceberg or Lance listeners
    for port in (8111, 8181, 9101):
        assert not host.socket(f'tcp://{port}').is_listening, port


def test_internal_apis_require_the_cluster_certificate(node):
    """master/volume/filer speak HTTPS with mutual TLS: no answer without a client certificate."""
    host = node[1]
    mine = address(host)
    script = (
        'import ssl, sys, urllib.request\n'
        'ctx = ssl.create_default_context(cafile="%s")\n'
        'if sys.argv[2] == "cert": ctx.load_cert_chain("/etc/seaweedfs/tls/server.crt", "/etc/seaweedfs/tls/server.key")\n'
        'try:\n    print(urllib.request.urlopen(sys.argv[1], context=ctx, timeout=5).status)\n'
        'except Exception as e:\n    print(type(e).__name__)\n' % CA)
    port = 8380
    host.run('cat > /root/tlsprobe.py <<"EOF"\n' + script + 'EOF')
    assert host.check_output(f'python3 /root/tlsprobe.py https://{mine}:{port}/status cert') == '200'
    assert host.check_output(f'python3 /root/tlsprobe.py https://{mine}:{port}/status none') != '200'
    plain = host.run(f'python3 -c "import urllib.request; urllib.request.urlopen(\'http://{mine}:{port}/status\', timeout=5)"')
    assert plain.rc != 0


# ---------------------------------------------------------------- S3, from outside the role
def test_platform_ca_is_the_only_trust(endpoints):
    assert NODE1.file(CA).content_string == PLATFORM_CA.read_text()
    assert NODE2.file(CA).content_string == PLATFORM_CA.read_text()
    for endpoint in endpoints.values():
        assert s3(endpoint, admin(), 'buckets', ca='system') == {'error': 'SSLError'}
        assert 'warehouse' in s3(endpoint, admin(), 'buckets')


def test_admin_creates_puts_lists_and_gets_across_gateways(endpoints):
    assert s3(endpoints['node1'], admin(), 'create', 'verify-scratch') in (200, {'error': 'BucketAlreadyOwnedByYou', 'status': 409})
    assert s3(endpoints['node1'], admin(), 'put', 'verify-scratch', 'hello.txt', 'hello from node 1') == 200
    # the filers share their metadata: the other gateway lists and serves the object
    assert 'hello.txt' in s3(endpoints['node2'], admin(), 'list', 'verify-scratch')
    assert s3(endpoints['node2'], admin(), 'get', 'verify-scratch', 'hello.txt') == 'hello from node 1'
    assert set(s3(endpoints['node2'], admin(), 'buckets')) >= {'warehouse', 'landing', 'audit-log', 'public-reports', 'finance'}


def test_service_key_uses_its_buckets_only(endpoints):
    for endpoint in endpoints.values():
        assert s3(endpoint, QUERY_PLANE, 'put', 'warehouse', 'tables/t1.csv', 'a,b') == 200
        assert s3(endpoint, QUERY_PLANE, 'get', 'warehouse', 'tables/t1.csv') == 'a,b'
        assert 'tables/t1.csv' in s3(endpoint, QUERY_PLANE, 'list', 'warehouse')
        assert s3(endpoint, QUERY_PLANE, 'put', 'landing', 'in.csv', 'x') == 200
        assert s3(endpoint, QUERY_PLANE, 'buckets') == ['landing', 'warehouse']
        for args in (('put', 'finance', 'x', 'y'), ('list', 'finance'), ('get', 'verify-scratch', 'hello.txt'),
                     ('create', 'query-plane-own')):
            assert s3(endpoint, QUERY_PLANE, *args)['error'] == 'AccessDenied', args


def test_readonly_key_reads_but_does_not_write(endpoints):
    dashboards = ('dashboards', (SECRETS / 'keys' / 'dashboards').read_text().strip())
    assert s3(endpoints['node1'], admin(), 'put', 'public-reports', 'r.txt', 'report') == 200
    assert s3(endpoints['node2'], dashboards, 'get', 'public-reports', 'r.txt') == 'report'
    assert s3(endpoints['node2'], dashboards, 'put', 'public-reports', 'w.txt', 'no')['error'] == 'AccessDenied'
    assert s3(endpoints['node2'], dashboards, 'list', 'warehouse')['error'] == 'AccessDenied'


def test_key_added_by_side_effect_has_a_generated_secret(endpoints):
    ingest = ('ingest', (SECRETS / 'keys' / 'ingest').read_text().strip())
    assert len(ingest[1]) == 40
    assert s3(endpoints['node2'], ingest, 'put', 'landing', 'ingested.csv', '1') == 200
    assert s3(endpoints['node1'], ingest, 'list', 'warehouse')['error'] == 'AccessDenied'


def test_wrong_or_unknown_credentials_are_refused(endpoints):
    for endpoint in endpoints.values():
        assert s3(endpoint, (QUERY_PLANE[0], 'not-the-secret-0123456789'), 'list', 'warehouse')['error'] == 'SignatureDoesNotMatch'
        assert s3(endpoint, (admin()[0], admin()[1][:-1] + 'x'), 'buckets')['error'] == 'SignatureDoesNotMatch'
        assert s3(endpoint, ('NOSUCHKEY0123456789', 'whatever-secret-0123456789'), 'buckets')['error'] == 'InvalidAccessKeyId'


# ---------------------------------------------------------------- minio_bucket against SeaweedFS
@pytest.fixture(scope='module')
def buckets(endpoints):
    return s3(endpoints['node2'], admin(), 'dump', 'warehouse', 'landing', 'audit-log', 'public-reports', 'finance')


def test_versioning_and_tags(buckets):
    assert buckets['warehouse']['versioning'] == 'Enabled'
    assert buckets['warehouse']['tags'] == {'domain': 'sales', 'owner': 'data-team'}
    assert buckets['finance'] == {'versioning': None, 'object_lock': None, 'policy': None, 'tags': {}, 'lifecycle': []}


def test_lifecycle_rules(buckets):
    rules = {r['ID']: r for r in buckets['landing']['lifecycle']}
    assert sorted(rules) == ['expire-tmp', 'old-logs']
    assert rules['expire-tmp']['Filter'] == {'Prefix': 'tmp/'} and rules['expire-tmp']['Expiration'] == {'Days': 7}
    assert rules['expire-tmp']['Status'] == 'Enabled' and rules['old-logs']['Status'] == 'Disabled'


def test_object_lock_comes_with_versioning(buckets):
    assert buckets['audit-log']['object_lock'] == 'Enabled'
    assert buckets['audit-log']['versioning'] == 'Enabled'
    assert buckets['warehouse']['object_lock'] is None


def test_readonly_policy_lets_anyone_read_only(buckets, endpoints):
    actions = {}
    for statement in buckets['public-reports']['policy']['Statement']:
        assert statement['Effect'] == 'Allow' and statement['Principal'] in ('*', {'AWS': '*'}, {'AWS': ['*']})
        resources = statement['Resource'] if isinstance(statement['Resource'], list) else [statement['Resource']]
        acts = statement['Action'] if isinstance(statement['Action'], list) else [statement['Action']]
        for resource in resources:
            actions.setdefault(resource, set()).update(acts)
    assert actions == {'arn:aws:s3:::public-reports': {'s3:GetBucketLocation', 's3:ListBucket'},
                       'arn:aws:s3:::public-reports/*': {'s3:GetObject'}}
    assert s3(endpoints['node1'], admin(), 'put', 'public-reports', 'open.txt', 'open') == 200
    assert s3(endpoints['node2'], admin(), 'anon-get', 'public-reports', 'open.txt') == 200
    assert s3(endpoints['node2'], admin(), 'anon-put', 'public-reports', 'evil.txt')['error'] == 'AccessDenied'
    assert s3(endpoints['node2'], admin(), 'anon-get', 'warehouse', 'tables/t1.csv')['error'] == 'AccessDenied'


def test_a_policy_the_inventory_does_not_declare_survives_the_role(buckets, endpoints):
    """converge.yml puts a policy on landing outside seaweedfs_buckets (whose landing entry has none);
    after the idempotence run and side_effect's dry run and configure run, which all re-ran the
    role's minio_bucket task for landing, it is still there: minio_bucket leaves an undeclared policy alone."""
    statements = buckets['landing']['policy']['Statement']
    assert len(statements) == 1
    statement = statements[0]
    assert statement['Effect'] == 'Allow' and statement['Principal'] in ('*', {'AWS': '*'}, {'AWS': ['*']})
    assert statement['Action'] in ('s3:GetObject', ['s3:GetObject'])
    assert statement['Resource'] in ('arn:aws:s3:::landing/published/*', ['arn:aws:s3:::landing/published/*'])
    assert s3(endpoints['node1'], admin(), 'put', 'landing', 'published/open.csv', 'open') == 200
    assert s3(endpoints['node2'], admin(), 'anon-get', 'landing', 'published/open.csv') == 200


# ---------------------------------------------------------------- restart, then health
def test_cluster_recovers_after_a_master_restart(endpoints):
    NODE1.run('systemctl restart seaweedfs-master')
    deadline = time.time() + 90
    while True:
        answer = s3(endpoints['node2'], QUERY_PLANE, 'put', 'warehouse', 'after-restart.txt', 'ok')
        if answer == 200 or time.time() > deadline:
            break
        time.sleep(2)
    assert answer == 200
    assert s3(endpoints['node1'], QUERY_PLANE, 'get', 'warehouse', 'after-restart.txt') == 'ok'
