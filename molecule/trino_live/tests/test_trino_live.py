"""Checks of the trino_live scenario: a real Trino coordinator and worker, queried through the
CLI over HTTPS with password authentication (generated admin password, generated CA)."""
import json
import os
import shlex
from pathlib import Path

import pytest

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
SECRETS = EPHEMERAL / 'credentials' / 'trino' / 'datamesh'
COORDINATOR = 'datamesh-trino-live-coordinator'
WORKER = 'datamesh-trino-live-worker1'
SERVER = f'https://{COORDINATOR}:2020'


def admin_password():
    return (SECRETS / 'admin_password').read_text().split()[0]


def cli(host, sql, password=None, user='admin'):
    password = admin_password() if password is None else password
    return host.run(f'TRINO_PASSWORD={shlex.quote(password)} trino --server {SERVER} --truststore-path /etc/trino/tls/ca.crt '
                    f'--user {user} --password --output-format TSV --execute {shlex.quote(sql)}')


FETCH = ("python3 -c 'import ssl, sys, urllib.request; "
         "print(urllib.request.urlopen(sys.argv[1], context=ssl.create_default_context(cafile=\"/etc/trino/tls/ca.crt\"), "
         "timeout=10).read().decode())' ")


def info(host):
    out = host.run(FETCH + 'https://localhost:2020/v1/info')
    assert out.rc == 0, out.stderr
    return json.loads(out.stdout)


def test_service_enabled_and_running(host):
    service = host.service('trino')
    assert service.is_enabled and service.is_running


def test_v1_info_not_starting(host):
    i = info(host)
    assert i['starting'] is False
    assert i['coordinator'] is (host.backend.get_hostname() == COORDINATOR)
    assert i['environment'] == 'datamesh'
    assert i['nodeVersion']['version'] == os.environ.get('DATAMESH_TRINO_VERSION', '406')


def test_plain_http_is_off(host):
    assert host.run(FETCH + 'http://localhost:2020/v1/info').rc != 0


@pytest.fixture
def coordinator(host):
    if host.backend.get_hostname() != COORDINATOR:
        pytest.skip('queries run on the coordinator')
    return host


def test_query_through_the_cli(coordinator):
    out = cli(coordinator, 'SELECT count(*) FROM tpch.tiny.nation')
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == '25'


def test_wrong_password_is_refused(coordinator):
    out = cli(coordinator, 'SELECT 1', password='not-the-password')
    assert out.rc != 0
    assert '401' in out.stderr + out.stdout or 'Unauthorized' in out.stderr + out.stdout


def test_worker_is_active(coordinator):
    out = cli(coordinator, 'SELECT node_id, coordinator, state FROM system.runtime.nodes ORDER BY coordinator')
    assert out.rc == 0, out.stderr
    rows = [line.split('\t') for line in out.stdout.strip().splitlines()]
    assert [(r[1], r[2]) for r in rows] == [('false', 'active'), ('true', 'active')]


def test_memory_catalog_holds_data(coordinator):
    out = cli(coordinator, 'CREATE TABLE IF NOT EXISTS memory.default.t AS SELECT * FROM tpch.tiny.region')
    assert out.rc == 0, out.stderr
    out = cli(coordinator, 'SELECT count(*) FROM memory.default.t')
    assert out.stdout.strip() == '5'


def test_catalog_added_by_side_effect(coordinator):
    out = cli(coordinator, 'SHOW CATALOGS')
    assert out.rc == 0, out.stderr
    assert {'memory', 'system', 'tpch', 'tpch_sf'} <= set(out.stdout.split())
