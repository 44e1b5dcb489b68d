from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.grafana_settings import (
    CUSTOMERS_SQL, KNOWN_VARIABLES, ORDERS_SQL, FilterModule, grafana_settings, panel_datasource_uids)

ROLE = Path(__file__).resolve().parents[4] / 'roles' / 'grafana'
PASSWORD = 'Zq8rT2vLm4Xw9bNc7HdP'
FPR = 'B53AE77BADB630A683046005963FA27710458545'


def db_host(**changes):
    inst = {'name': 'mariadb', 'port': 3307, 'databases': [{'name': 'sales'}, {'name': 'grafana'}],
            'users': [{'name': 'grafana', 'priv': 'sales.*:SELECT'}, {'name': 'grafanadb', 'priv': 'grafana.*:ALL'}]}
    inst.update(changes)
    return {'mysql_multi_instances': [inst], 'mysql_multi_bind_address': '127.0.0.1', 'ansible_host': ''}


def build(**changes):
    params = {'host': 'dash1', 'version': '13.2.1', 'apt_key_fingerprint': FPR, 'credentials_dir': '/creds',
              'mysql_hosts': {'dash1': db_host()}, 'mysql_group_hosts': ['dash1'],
              'mysql_datasources': [{'name': 'MariaDB sales', 'instance': 'mariadb', 'database': 'sales'}],
              'dashboards': [{'name': 'customers_orders', 'datasource': 'mariadb-sales'},
                             {'name': 'platform_overview'}]}
    params.update(changes)
    return grafana_settings(params)


def refused(match, **kwargs):
    with pytest.raises(AnsibleFilterError, match=match):
        build(**kwargs)


def test_defaults_https_sqlite_and_apt_with_the_pinned_key():
    s = build()
    assert s['install']['source'] == 'apt' and s['install']['apt']['fingerprint'] == FPR
    assert s['install']['apt']['package'] == 'grafana=13.2.1' and s['install']['arch'] == 'amd64'
    assert s['database'] == {'type': 'sqlite3', 'path': 'grafana.db'}
    assert s['health_url'] == 'https://127.0.0.1:3000/api/health' and s['root_url'] == 'https://dash1:3000/'
    assert s['tls'] == {'generated': True, 'cert': '/etc/grafana/tls/server.crt', 'key': '/etc/grafana/tls/server.key',
                        'ca': '/etc/grafana/tls/ca.crt'}
    assert s['datasources_file'] == '/etc/grafana/provisioning/datasources/datamesh.yaml'
    assert s['plugins_dir'] == '/var/lib/grafana/plugins'


def test_no_secret_comes_out():
    text = json.dumps(build(admin_password=PASSWORD, secret_key=PASSWORD[::-1],
                            mysql_datasources=[{'name': 'S', 'instance': 'mariadb', 'database': 'sales',
                                                'password': PASSWORD + 'x'}]))
    assert PASSWORD not in text and PASSWORD[::-1] not in text


def test_datasource_from_the_mysql_multi_instance():
    ds = build()['mysql_datasources'][0]
    assert ds['uid'] == 'mariadb-sales' and ds['port'] == 3307 and ds['url'] == '127.0.0.1:3307'
    assert ds['user'] == 'grafana' and not ds['password_given']
    assert ds['password_file'] == '/creds/mysql_multi/dash1/mariadb/grafana'


def test_datasource_on_another_host_uses_its_address():
    hosts = {'db1': dict(db_host(bind_address='0.0.0.0'), ansible_host='10.0.0.5'), 'dash1': {'mysql_multi_instances': None}}
    ds = build(mysql_hosts=hosts, mysql_group_hosts=['db1'])['mysql_datasources'][0]
    assert ds['mysql_host'] == 'db1' and ds['url'] == '10.0.0.5:3307'
    assert ds['password_file'] == '/creds/mysql_multi/db1/mariadb/grafana'


def test_instance_listening_on_loopback_only_is_unreachable_from_elsewhere():
    refused('listens on 127.0.0.1 only, which dash1 cannot reach', mysql_hosts={'db1': db_host()},
            mysql_group_hosts=['db1'])


@pytest.mark.parametrize('ds,match', [
    ({'instance': 'mariadb9'}, 'names the mysql_multi instance mariadb9 on dash1, which mysql_multi_instances there '
                               'does not define'),
    ({'database': 'nosuchdb'}, 'names the database nosuchdb, which the mysql_multi instance mariadb'),
    ({'user': 'nobody'}, 'names the user nobody, which the mysql_multi instance mariadb'),
    ({'user': 'grafanadb', 'database': 'grafana'}, 'may ALL: a data source account must be read-only'),
    ({'port': 3308}, 'port=3308, but the mysql_multi instance mariadb on dash1 listens on 3307'),
    ({'colour': 'red'}, 'grafana_mysql_datasources\\[0\\] has an unknown key colour'),
    ({'pasword': 'x'}, 'unknown key pasword: did you mean password'),
    ({'password': 'admin'}, 'password is a well-known default'),
    ({'password': 'short-one'}, 'password is 9 characters long; it needs at least 16'),
    ({'uid': 'x' * 41}, 'must be 1 to 40 letters'),
])
def test_datasource_references_and_secrets(ds, match):
    item = dict({'name': 'MariaDB sales', 'instance': 'mariadb', 'database': 'sales'}, **ds)
    refused(match, mysql_datasources=[item], dashboards=[])


def test_invisible_instance_needs_a_port():
    hosts = {'dash1': {'mysql_multi_instances': None}}
    refused('has no port, and the mysql_multi instances of dash1 are not visible here', mysql_hosts=hosts, dashboards=[])
    ds = build(mysql_hosts=hosts, mysql_datasources=[{'name': 'S', 'instance': 'mariadb', 'database': 'sales',
                                                      'port': 3307}])['mysql_datasources'][0]
    assert ds['url'] == '127.0.0.1:3307'


@pytest.mark.parametrize('secret', ['admin', 'Admin', 'grafana', 'changeme', 'aaaaaaaaaaaaaaaaaaaa', 'Sh0rt-pass',
                                    'admin-and-more-than-16'])
def test_weak_admin_passwords_refused(secret):
    refused('grafana_admin_password', admin_password=secret)


def test_secret_key_with_triple_quotes_refused():
    refused('grafana_secret_key must be one line without """', secret_key='abc"""defghijklmnopqrstu')


def test_typos_refused_and_every_spec_option_known():
    specs = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())
    assert sorted(KNOWN_VARIABLES) == sorted(specs['argument_specs']['main']['options'])
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    assert sorted(defaults) == sorted(KNOWN_VARIABLES)
    refused('grafana_admin_pasword is not a variable of role grafana: did you mean grafana_admin_password',
            variables=['grafana_port', 'grafana_admin_pasword'])
    assert build(variables=list(KNOWN_VARIABLES))['port'] == 3000


@pytest.mark.parametrize('key,value,match', [
    ('config_dir', '/etc', 'grafana_config_dir=/etc is a system directory'),
    ('data_dir', 'var/lib/grafana', 'grafana_data_dir=var/lib/grafana is a relative path'),
    ('logs_dir', '/var/lib/grafana/logs', 'grafana_data_dir=/var/lib/grafana contains grafana_logs_dir=/var/lib/grafana/logs'),
    ('data_dir', '/usr/share/grafana/data', "is inside Grafana's own files"),
    ('config_dir', '/etc/grafana/../ssl', 'is not a normalised path'),
])
def test_dangerous_paths(key, value, match):
    refused(match, **{key: value})


def test_port_clashes_with_another_role_and_with_a_listener():
    refused('minio_port=9000 clashes with grafana_port=9000 \\(role grafana\\)', port=9000, group_names=['minio'],
            host_vars={})
    listening = [{'port': 3000, 'address': '0.0.0.0', 'pid': 42, 'process': 'node', 'unit': 'app.service'}]
    refused('grafana_port=3000: port 3000 is already in use on this host by node', listening=listening)
    ours = [{'port': 3000, 'address': '0.0.0.0', 'pid': 42, 'process': 'grafana', 'unit': 'grafana-server.service'}]
    assert build(listening=ours)['port'] == 3000


def test_deb_source_needs_its_sha256():
    url = 'https://dl.grafana.com/grafana/release/13.2.1/grafana_13.2.1_33191028959_linux_amd64.deb'
    refused('grafana_deb_sha256 is required with grafana_install_source=deb', install_source='deb', deb_url=url)
    s = build(install_source='deb', deb_url=url, deb_sha256='A' * 64)
    assert s['install']['deb'] == {'name': 'grafana', 'version': '13.2.1', 'url': url, 'sha256': 'a' * 64,
                                   'format': 'file', 'dest_name': 'grafana.deb'}
    refused('grafana_apt_key_fingerprint=ABC is not an OpenPGP v4 fingerprint', apt_key_fingerprint='ABC')


def test_mysql_database_on_the_instance():
    s = build(database_type='mysql', database_instance='mariadb', database_user='grafanadb')
    assert s['database']['url'] == '127.0.0.1:3307' and s['database']['name'] == 'grafana'
    assert s['database']['password_file'] == '/creds/mysql_multi/dash1/mariadb/grafanadb'
    refused('grafana_database_instance is required with grafana_database_type=mysql', database_type='mysql')
    refused('grafana_database_password is 5 characters long', database_type='mysql', database_instance='mariadb',
            database_user='grafanadb', database_password='short')
    refused('grafana_database_instance only apply to grafana_database_type=mysql', database_instance='mariadb')


def test_trino_datasource_needs_its_plugin():
    trino = {'name': 'Trino', 'url': 'https://trino1:2020', 'user': 'grafana', 'password': PASSWORD}
    refused('grafana_plugins has no trino-datasource', trino_datasource=trino)
    plugin = {'id': 'trino-datasource', 'version': '1.0.10', 'url': 'https://mirror.example/trino-datasource.zip',
              'sha256': 'b' * 64}
    s = build(trino_datasource=trino, plugins=[plugin])
    assert s['trino_datasource']['uid'] == 'trino' and s['datasource_uids'] == ['mariadb-sales', 'trino']
    assert s['plugins'][0]['name'] == 'grafana-plugin-trino-datasource'
    refused('url=http://trino1:2020 must be the https:// URL', trino_datasource=dict(trino, url='http://trino1:2020'),
            plugins=[plugin])
    refused('grafana_plugins\\[0\\] needs sha256', plugins=[dict(plugin, sha256='')])


def test_dashboards_reference_only_provisioned_uids():
    refused('names the data source\\(s\\) nope, which grafana_mysql_datasources does not define',
            dashboards=[{'name': 'platform_overview', 'datasources': ['nope']}])
    own = {'title': 'Mine', 'panels': [{'type': 'stat', 'datasource': {'type': 'mysql', 'uid': 'ghost'}, 'targets': []}]}
    refused("panels use the data source uid\\(s\\) ghost, which the provisioning does not define",
            dashboards=[{'name': 'mine', 'json': own}])
    refused('customers_orders\\) needs the datasource', dashboards=[{'name': 'customers_orders'}],
            mysql_datasources=[{'name': 'A', 'instance': 'mariadb', 'database': 'sales', 'uid': 'a'},
                               {'name': 'B', 'instance': 'mariadb', 'database': 'grafana', 'uid': 'b'}])
    refused('is no built-in dashboard', dashboards=[{'name': 'nothing_here'}])


def test_every_built_in_dashboard_is_valid_json_and_uses_provisioned_uids():
    s = build()
    for dashboard in s['dashboards']:
        content = json.loads(json.dumps(dashboard['content']))
        assert content['uid'] and content['title'] and content['panels']
        uids = panel_datasource_uids(content)
        assert uids and set(uids) <= set(s['datasource_uids']), uids
        ids = [p['id'] for p in content['panels']]
        assert len(ids) == len(set(ids))


def test_the_seed_dashboard_asks_the_issue_s_queries():
    orders = build()['dashboards'][0]['content']
    assert orders['title'] == "Customers' orders"
    sql = {p['type']: p['targets'][0]['rawSql'] for p in orders['panels']}
    assert sql == {'table': ORDERS_SQL, 'stat': CUSTOMERS_SQL}


def test_platform_overview_has_a_row_per_instance():
    two = [{'name': 'A', 'instance': 'mariadb', 'database': 'sales', 'uid': 'a'},
           {'name': 'B', 'instance': 'mariadb', 'database': 'grafana', 'uid': 'b', 'user': 'grafana'}]
    hosts = {'dash1': db_host(users=[{'name': 'grafana', 'priv': 'sales.*:SELECT/grafana.*:SELECT'}])}
    overview = build(mysql_datasources=two, mysql_hosts=hosts, dashboards=[{'name': 'platform_overview'}])
    panels = overview['dashboards'][0]['content']['panels']
    assert [p['title'] for p in panels if p['type'] == 'row'] == ['A (dash1, port 3307)', 'B (dash1, port 3307)']
    assert sorted(set(panel_datasource_uids(overview['dashboards'][0]['content']))) == ['a', 'b']


def test_duplicates_refused():
    refused('the uid mariadb-sales is given twice', mysql_datasources=[
        {'name': 'A', 'instance': 'mariadb', 'database': 'sales'}, {'name': 'B', 'instance': 'mariadb', 'database': 'sales'}])
    refused('Only one data source can be the default', mysql_datasources=[
        {'name': 'A', 'instance': 'mariadb', 'database': 'sales', 'uid': 'a', 'is_default': True},
        {'name': 'B', 'instance': 'mariadb', 'database': 'sales', 'uid': 'b', 'is_default': True}], dashboards=[])


def test_filter_is_registered():
    assert FilterModule().filters()['grafana_settings'] is grafana_settings


# ---------------------------------------------------------------- the role's checker of the files it writes
def checker():
    spec = importlib.util.spec_from_file_location('check_grafana_files', ROLE / 'files' / 'check_grafana_files.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


INI = """[paths]
data = /var/lib/grafana
logs = /var/log/grafana
plugins = /var/lib/grafana/plugins
provisioning = /etc/grafana/provisioning
[server]
protocol = https
http_port = 3000
root_url = https://dash1:3000/
cert_file = /etc/grafana/tls/server.crt
cert_key = /etc/grafana/tls/server.key
[database]
type = sqlite3
[security]
admin_password = \"\"\"{password}\"\"\"
secret_key = \"\"\"k3y;with#chars\"\"\"
[users]
allow_sign_up = false
[auth.anonymous]
enabled = false
"""


def test_checker_accepts_a_good_ini_and_refuses_the_default_admin_password(tmp_path, capsys):
    check = checker()
    path = tmp_path / 'grafana.ini'
    path.write_text(INI.format(password=PASSWORD))
    assert check.check_ini(str(path)) == []
    path.write_text(INI.format(password='admin'))
    assert check.check_ini(str(path)) == ["[security] admin_password is Grafana's default"]
    path.write_text(INI.format(password=PASSWORD).replace('protocol = https', 'protocol = http')
                    .replace('enabled = false', 'enabled = true'))
    assert check.check_ini(str(path)) == ['[server] protocol must be https', '[auth.anonymous] enabled must be false']
    path.write_text(INI.format(password=PASSWORD) + '[users]\nallow_sign_up = true\n')
    assert check.check_ini(str(path))[0].startswith('not a valid INI file: DuplicateSectionError')
    assert PASSWORD not in capsys.readouterr().err


def test_checker_datasource_schema_and_dashboard_uids(tmp_path):
    check = checker()
    good = {'apiVersion': 1, 'datasources': [{'name': 'S', 'type': 'mysql', 'uid': 'mariadb-sales', 'url': 'h:3307',
                                              'user': 'grafana', 'jsonData': {'database': 'sales'},
                                              'secureJsonData': {'password': PASSWORD}}]}
    path = tmp_path / 'ds.yaml'
    path.write_text(yaml.safe_dump(good))
    assert check.check_datasources(str(path)) == []
    bad = json.loads(json.dumps(good))
    bad['datasources'][0].pop('secureJsonData')
    bad['datasources'][0]['password'] = PASSWORD
    path.write_text(yaml.safe_dump(bad))
    assert check.check_datasources(str(path)) == [
        'datasources[0] (mysql) has no secureJsonData.password',
        'datasources[0] (mysql): password and database go into secureJsonData/jsonData']
    board = tmp_path / 'd.json'
    board.write_text(json.dumps(build()['dashboards'][0]['content']))
    assert check.check_dashboard(str(board), 'mariadb-sales') == []
    assert check.check_dashboard(str(board), 'other') == [
        'panels use data source uid(s) the provisioning does not define: mariadb-sales']
