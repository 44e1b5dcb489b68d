"""Checks of the grafana scenario (preparation mode) on the converged container.

The data source file is checked against Grafana's documented provisioning schema
(https://grafana.com/docs/grafana/latest/administration/provisioning/#data-sources and the MySQL data
source's page https://grafana.com/docs/grafana/latest/datasources/mysql/#provision-the-data-source), and
every panel's SQL of every provisioned dashboard is run over TCP as the data source's account, with the
password from the provisioned file, against the live MariaDB. No secret is printed: passwords are read
inside the container by the query script, and compared here only as booleans.
"""
import configparser
import json
import os
from pathlib import Path

import pytest
import yaml

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
CREDENTIALS = EPHEMERAL / 'credentials'
HOST = 'datamesh-grafana'
INI = '/etc/grafana/grafana.ini'
DATASOURCES = '/etc/grafana/provisioning/datasources/datamesh.yaml'
PROVIDER = '/etc/grafana/provisioning/dashboards/datamesh.yaml'
DASHBOARDS = '/etc/grafana/dashboards/datamesh'
# Keys Grafana's provisioning accepts for a data source (docs, "Example data source config file").
DATASOURCE_KEYS = {'name', 'type', 'access', 'orgId', 'uid', 'url', 'user', 'database', 'basicAuth', 'basicAuthUser',
                   'withCredentials', 'isDefault', 'jsonData', 'secureJsonData', 'version', 'editable'}

# Runs in the container: for each panel query of each dashboard, connect over TCP to the data source
# of its uid (url host:port, user, jsonData.database, secureJsonData.password, "$$" written for "$")
# and print the rows as JSON, keyed "<dashboard uid>/<panel title>".
QUERY_SCRIPT = r'''
import glob, json, sys
import pymysql, yaml
sources = {d['uid']: d for d in yaml.safe_load(open(sys.argv[1]))['datasources']}
out = {}
def panels(items):
    for p in items:
        if p.get('type') == 'row':
            yield from panels(p.get('panels') or [])
        else:
            yield p
for path in sorted(glob.glob(sys.argv[2] + '/*.json')):
    board = json.load(open(path))
    for panel in panels(board['panels']):
        for target in panel['targets']:
            ds = sources[target['datasource']['uid']]
            host, port = ds['url'].rsplit(':', 1)
            conn = pymysql.connect(host=host, port=int(port), user=ds['user'],
                                   password=ds['secureJsonData']['password'].replace('$$', '$'),
                                   database=ds['jsonData']['database'])
            try:
                with conn.cursor() as cur:
                    cur.execute(target['rawSql'])
                    out['%s/%s' % (board['uid'], panel['title'])] = [[str(v) for v in row] for row in cur.fetchall()]
            finally:
                conn.close()
print(json.dumps(out))
'''

# Runs in the container: the data source account tries to write; prints the MariaDB error code.
WRITE_SCRIPT = r'''
import sys
import pymysql, yaml
ds = yaml.safe_load(open(sys.argv[1]))['datasources'][0]
host, port = ds['url'].rsplit(':', 1)
conn = pymysql.connect(host=host, port=int(port), user=ds['user'],
                       password=ds['secureJsonData']['password'].replace('$$', '$'), database=ds['jsonData']['database'])
try:
    with conn.cursor() as cur:
        cur.execute("INSERT INTO sales.orders VALUES (999, 9, 1.00, '2024-01-01')")
    print('written')
except pymysql.err.MySQLError as exc:
    print('refused', exc.args[0])
finally:
    conn.close()
'''


def python(host, script, *args):
    result = host.run('python3 - %s <<\'PYEOF\'\n%s\nPYEOF' % (' '.join(args), script))
    assert result.rc == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope='module')
def datasources(host):
    return yaml.safe_load(host.file(DATASOURCES).content_string)


@pytest.fixture(scope='module')
def dashboards(host):
    names = host.check_output('ls %s' % DASHBOARDS).split()
    return {n: json.loads(host.file('%s/%s' % (DASHBOARDS, n)).content_string) for n in names}


@pytest.mark.parametrize('path,owner,group,mode', [
    (INI, 'root', 'grafana', 0o640),
    (DATASOURCES, 'root', 'grafana', 0o640),
    (PROVIDER, 'root', 'grafana', 0o640),
    ('/etc/grafana/tls/server.key', 'root', 'grafana', 0o640),
    ('/etc/grafana/tls/server.crt', 'root', 'grafana', 0o644),
    ('/etc/grafana/dashboards/datamesh/customers_orders.json', 'root', 'grafana', 0o640),
    ('/etc/grafana/dashboards/datamesh/platform_overview.json', 'root', 'grafana', 0o640),
    ('/var/lib/grafana', 'grafana', 'grafana', 0o750),
    ('/var/lib/grafana/plugins', 'grafana', 'grafana', 0o750),
    ('/var/log/grafana', 'grafana', 'grafana', 0o750),
])
def test_files_owners_and_modes(host, path, owner, group, mode):
    f = host.file(path)
    assert f.exists and f.user == owner and f.group == group and f.mode == mode


def test_grafana_account_exists(host):
    assert host.user('grafana').exists and host.group('grafana').exists


def test_grafana_ini_as_grafana_reads_it(host):
    text = host.file(INI).content_string
    ini = configparser.ConfigParser(interpolation=None, comment_prefixes=('#', ';'), default_section='__none__')
    ini.read_string(text)
    assert ini['server']['protocol'] == 'https' and ini['server']['http_port'] == '3000'
    assert ini['server']['cert_file'] == '/etc/grafana/tls/server.crt'
    assert ini['users']['allow_sign_up'] == 'false' and ini['auth.anonymous']['enabled'] == 'false'
    assert ini['database']['type'] == 'sqlite3'
    admin = ini['security']['admin_password']
    generated = (CREDENTIALS / 'grafana' / HOST / 'admin_password').read_text().split()[0]
    quoted_generated = admin == '"""%s"""' % generated
    is_default = admin.strip('"').lower() == 'admin'
    assert quoted_generated and not is_default
    secret = (CREDENTIALS / 'grafana' / HOST / 'secret_key').read_text().split()[0]
    secret_matches = ini['security']['secret_key'] == '"""%s"""' % secret
    assert secret_matches and len(secret) == 40


def test_role_checker_accepts_the_files_in_place(host):
    for mode, path in (('ini', INI), ('datasources', DATASOURCES), ('dashboards', PROVIDER)):
        assert host.run('python3 /etc/grafana/.check_grafana_files.py %s %s' % (mode, path)).rc == 0, path


def test_datasource_file_matches_grafanas_provisioning_schema(datasources):
    assert datasources['apiVersion'] == 1
    assert isinstance(datasources['datasources'], list) and len(datasources['datasources']) == 1
    ds = datasources['datasources'][0]
    assert set(ds) <= DATASOURCE_KEYS, set(ds) - DATASOURCE_KEYS
    assert ds['name'] == 'MariaDB sales' and ds['type'] == 'mysql' and ds['uid'] == 'mariadb-sales'
    assert ds['access'] == 'proxy' and ds['orgId'] == 1 and ds['editable'] is False
    assert ds['url'] == '127.0.0.1:3307' and ds['user'] == 'grafana'
    assert isinstance(ds['jsonData'], dict) and ds['jsonData']['database'] == 'sales'
    assert set(ds['secureJsonData']) == {'password'}
    # the password mysql_multi generated for the account, never in plain jsonData
    generated = (CREDENTIALS / 'mysql_multi' / HOST / 'mariadb' / 'grafana').read_text().split()[0]
    same = ds['secureJsonData']['password'].replace('$$', '$') == generated
    assert same and 'password' not in ds['jsonData'] and 'password' not in ds


def test_dashboard_provider(host):
    provider = yaml.safe_load(host.file(PROVIDER).content_string)
    assert provider['apiVersion'] == 1
    assert provider['providers'][0]['type'] == 'file'
    assert provider['providers'][0]['options']['path'] == DASHBOARDS


def test_dashboards_are_valid_and_use_provisioned_uids(dashboards, datasources):
    assert sorted(dashboards) == ['customers_orders.json', 'platform_overview.json']
    uids = {d['uid'] for d in datasources['datasources']}
    for name, board in dashboards.items():
        assert board['uid'] and board['title'] and board['panels'], name
        for panel in board['panels']:
            if panel['type'] == 'row':
                continue
            assert panel['datasource']['uid'] in uids, (name, panel['title'])
            for target in panel['targets']:
                assert target['datasource']['uid'] in uids and target['rawSql'], (name, panel['title'])
    assert dashboards['customers_orders.json']['title'] == "Customers' orders"


def test_every_panel_query_answers_as_the_read_only_account(host, dashboards):
    answers = json.loads(python(host, QUERY_SCRIPT, DATASOURCES, DASHBOARDS))
    expected_panels = {'%s/%s' % (b['uid'], p['title']) for b in dashboards.values() for p in b['panels']
                       if p['type'] != 'row'}
    assert set(answers) == expected_panels
    orders = answers["customers-orders/Orders"]
    assert [row[0] for row in orders] == ['101', '102', '103', '104', '105']
    assert orders[0] == ['101', '1', '120.50', '2024-03-01']
    assert answers['customers-orders/Customers with orders'] == [['4']]
    assert len(answers['platform-overview/Version']) == 1 and 'MariaDB' in answers['platform-overview/Version'][0][0]
    assert answers['platform-overview/Version'][0][0].startswith('11.8.')
    assert int(answers['platform-overview/Uptime'][0][0]) > 0
    assert int(answers['platform-overview/Connections'][0][0]) >= 1


def test_the_data_source_account_cannot_write(host):
    out = python(host, WRITE_SCRIPT, DATASOURCES).split()
    # 1142: INSERT command denied to user
    assert out == ['refused', '1142']


def test_preparation_mode_installs_and_starts_nothing(host):
    assert not host.package('grafana').is_installed
    assert not host.file('/etc/apt/sources.list.d/grafana.list').exists
    assert not host.socket('tcp://0.0.0.0:3000').is_listening
    assert host.run('systemctl cat grafana-server.service').rc != 0
