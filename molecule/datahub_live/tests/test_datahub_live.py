"""Checks of the datahub_live scenario: DataHub running with Compose behind its TLS proxy.

Requests without the API token run inside the container (python3's urllib, the platform CA of
/etc/datahub/tls; the script reads the datahub password from user.props itself). The request with the
token goes from the controller to the container's address (the certificate names it), with the
platform CA of the credentials directory. No secret is ever on a command line or printed.
"""
import json
import os
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
CREDENTIALS = EPHEMERAL / 'credentials'
HOST = 'datamesh-datahub-live'
QUERY = {'query': '{ listIngestionSources(input: {start: 0, count: 50}) '
                  '{ ingestionSources { name type schedule { interval timezone } } } }'}

# Runs in the container: prints a JSON object of status codes, never a secret.
SCRIPT = r'''
import json, ssl, sys, urllib.error, urllib.request
ctx = ssl.create_default_context(cafile='/etc/datahub/tls/ca.crt')
password = open('/etc/datahub/frontend/user.props').read().split('datahub:', 1)[1].split()[0]
out = {}
def call(name, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            out[name] = r.status
    except urllib.error.HTTPError as e:
        out[name] = e.code
call('gms_health', 'https://127.0.0.1:8943/health')
call('frontend_admin', 'https://127.0.0.1:9443/admin')
call('login_generated', 'https://127.0.0.1:9443/logIn', {'username': 'datahub', 'password': password})
call('login_default', 'https://127.0.0.1:9443/logIn', {'username': 'datahub', 'password': 'datahub'})
call('graphql_anonymous', 'https://127.0.0.1:8943/api/graphql', json.loads(sys.argv[1]))
print(json.dumps(out))
'''


@pytest.fixture(scope='module')
def answers(host):
    result = host.run("python3 - '%s' <<'PYEOF'\n%s\nPYEOF" % (json.dumps(QUERY), SCRIPT))
    assert result.rc == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.fixture(scope='module')
def with_token(host):
    token = (CREDENTIALS / 'datahub' / HOST / 'api_token').read_text().strip()
    address = host.interface('eth0').addresses[0]
    ctx = ssl.create_default_context(cafile=str(CREDENTIALS / 'tls' / 'ca.crt'))
    req = urllib.request.Request('https://%s:8943/api/graphql' % address, data=json.dumps(QUERY).encode(),
                                 headers={'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as response:
            return {'status': response.status, 'body': json.loads(response.read().decode())}
    except urllib.error.HTTPError as exc:
        return {'status': exc.code, 'body': None}


def test_health_through_the_proxy(answers):
    assert answers['gms_health'] == 200
    assert answers['frontend_admin'] == 200


def test_generated_password_logs_in_and_the_default_does_not(answers):
    assert answers['login_generated'] == 200
    assert answers['login_default'] == 401


def test_metadata_service_authentication_is_on(answers, with_token):
    assert answers['graphql_anonymous'] == 401
    assert with_token['status'] == 200


def test_the_ingestion_source_exists_with_its_schedule(with_token):
    data = with_token['body']['data']['listIngestionSources']['ingestionSources']
    trino = [s for s in data if s['name'] == 'Trino lakehouse']
    assert trino and trino[0]['type'] == 'trino' and trino[0]['schedule']['interval'] == '0 2 * * *'


def test_stores_are_not_published(host):
    for port in (3306, 9092, 9200, 8080, 9002):
        assert not host.socket('tcp://0.0.0.0:%d' % port).is_listening, port
    assert host.socket('tcp://0.0.0.0:9443').is_listening and host.socket('tcp://0.0.0.0:8943').is_listening


def test_every_container_has_its_memory_limit(host):
    ids = host.check_output('docker-compose --file /etc/datahub/compose.yml ps --all --quiet').split()
    assert ids
    for container in ids:
        limit = int(host.check_output("docker inspect --format '{{.HostConfig.Memory}}' %s" % container))
        assert limit > 0, container
