"""Checks of the minio_live scenario: a real MinIO server installed by the role, a bucket and an
access key created by the collection's modules, and an object written and read with that key."""
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
CREDENTIALS = EPHEMERAL / 'credentials'
PYTHON = EPHEMERAL / 'pyenv' / 'bin' / 'python'
CA = CREDENTIALS / 'tls' / 'ca.crt'
DEFAULTS = yaml.safe_load((Path(__file__).parents[3] / 'roles' / 'minio' / 'defaults' / 'main.yml').read_text())
BUCKET, KEY = 'live-data', 'liveappkey01'


def secret(*parts):
    return (CREDENTIALS.joinpath(*parts)).read_text().split()[0]


def s3(host, script, access_key, secret_key):
    """Run a boto3 snippet on the controller against the node's address, trusting the platform CA."""
    address = host.interface('eth0').addresses[0]
    prelude = textwrap.dedent(f'''
        import boto3, botocore.config, botocore.exceptions, sys
        s3 = boto3.client('s3', endpoint_url='https://{address}:9000', aws_access_key_id=sys.argv[1],
                          aws_secret_access_key=sys.argv[2], region_name='us-east-1', verify='{CA}',
                          config=botocore.config.Config(signature_version='s3v4', s3={{'addressing_style': 'path'}}))
    ''')
    return subprocess.run([str(PYTHON), '-c', prelude + textwrap.dedent(script), access_key, secret_key],
                          capture_output=True, text=True, timeout=120, check=False)


def test_service_runs_the_pinned_release(host):
    service = host.service('minio')
    assert service.is_enabled and service.is_running
    version = host.check_output('/opt/datamesh/minio/current/minio --version')
    assert DEFAULTS['minio_version'] in version
    assert host.check_output('readlink /opt/datamesh/minio/current').endswith('/' + DEFAULTS['minio_version'])
    assert host.process.get(comm='minio').user == 'minio'


def test_api_and_console_listen(host):
    assert host.socket('tcp://0.0.0.0:9000').is_listening or host.socket('tcp://:::9000').is_listening
    assert host.socket('tcp://0.0.0.0:9001').is_listening or host.socket('tcp://:::9001').is_listening


def test_unit_verifies_with_the_binary_installed(host):
    result = host.run('systemd-analyze verify --man=no /etc/systemd/system/minio.service')
    assert result.rc == 0, result.stdout + result.stderr


@pytest.mark.parametrize('endpoint', ['live', 'ready', 'cluster'])
def test_health_endpoints_over_tls(host, endpoint):
    """From the node itself, by its name, trusting only the platform CA."""
    name = host.backend.get_hostname()
    result = host.run(
        "python3 -c 'import ssl, sys, urllib.request; "
        "c = ssl.create_default_context(cafile=\"/etc/minio/certs/CAs/ca.crt\"); "
        "print(urllib.request.urlopen(sys.argv[1], context=c, timeout=10).status)' %s",
        f'https://{name}:9000/minio/health/{endpoint}')
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == '200'


def test_plain_http_is_not_served(host):
    result = host.run("python3 -c 'import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:9000/minio/health/live\", timeout=5)'")
    assert result.rc != 0


def test_object_written_and_read_with_the_access_key(host):
    result = s3(host, f'''
        body = b'written by the minio_live scenario'
        s3.put_object(Bucket='{BUCKET}', Key='probe/hello.txt', Body=body)
        assert s3.get_object(Bucket='{BUCKET}', Key='probe/hello.txt')['Body'].read() == body
        keys = [o['Key'] for o in s3.list_objects_v2(Bucket='{BUCKET}', Prefix='probe/')['Contents']]
        assert keys == ['probe/hello.txt'], keys
        print('ok')
    ''', KEY, secret('live', 'key_secret'))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'


def test_access_key_is_limited_to_its_bucket(host):
    result = s3(host, '''
        try:
            s3.create_bucket(Bucket='not-allowed')
        except botocore.exceptions.ClientError as e:
            print(e.response['Error']['Code'])
    ''', KEY, secret('live', 'key_secret'))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'AccessDenied'


def test_wrong_secret_is_refused(host):
    result = s3(host, f'''
        try:
            s3.head_bucket(Bucket='{BUCKET}')
        except botocore.exceptions.ClientError as e:
            print(e.response['Error']['Code'])
    ''', KEY, 'not-the-secret-of-this-key')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in ('403', 'SignatureDoesNotMatch')


def test_bucket_settings_from_the_module(host):
    result = s3(host, f'''
        print(s3.get_bucket_versioning(Bucket='{BUCKET}').get('Status'))
        print(s3.get_bucket_tagging(Bucket='{BUCKET}')['TagSet'])
    ''', secret('minio', 'minio', 'root_user'), secret('minio', 'minio', 'root_password'))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ['Enabled', "[{'Key': 'domain', 'Value': 'live-test'}]"]


def test_role_managed_key_is_limited_to_its_bucket(host):
    """minio_buckets/minio_access_keys of the role: the key writes to its bucket and sees no other."""
    result = s3(host, f'''
        s3.put_object(Bucket='role-landing', Key='csv/one.csv', Body=b'id,name\\n1,a\\n')
        try:
            s3.list_objects_v2(Bucket='{BUCKET}')
        except botocore.exceptions.ClientError as e:
            assert e.response['Error']['Code'] == 'AccessDenied', e.response
        else:
            raise AssertionError('the role-managed key could list another bucket')
        print('ok')
    ''', 'role-query', secret('live', 'role_query'))
    assert result.returncode == 0 and result.stdout.strip() == 'ok', result.stdout + result.stderr
