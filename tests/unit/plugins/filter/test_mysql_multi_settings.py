from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.mysql_multi_settings import (
    KNOWN_VARIABLES, FilterModule, mysql_multi_settings)

ROLE = Path(__file__).resolve().parents[4] / 'roles' / 'mysql_multi'
OS = {'server_bin': '/usr/sbin/mariadbd', 'unit_type': 'notify', 'default_units': ['mariadb.socket', 'mariadb.service']}
PASSWORD = 'Zq8rT2vLm4Xw9bNc7Hd'


def instances(**changes):
    out = [
        {'name': 'mariadb', 'port': 3307, 'databases': [{'name': 'jupyter'}, {'name': 'metastore'}],
         'users': [{'name': 'jupyter', 'priv': 'jupyter.*:ALL'}, {'name': 'hive', 'priv': 'metastore.*:ALL'}]},
        {'name': 'mariadb2', 'port': 3308, 'server_options': {'require_secure_transport': True},
         'databases': [{'name': 'jupyter'}],
         'users': [{'name': 'reporter', 'host': '127.0.0.1', 'password': PASSWORD, 'priv': 'jupyter.*:SELECT'}]},
    ]
    out[0].update(changes)
    return out


def build(**changes):
    params = {'host': 'db1', 'instances': instances(), 'os': OS, 'credentials_dir': '/ctl/creds',
              'server_options': {'character_set_server': 'utf8mb4'}}
    params.update(changes)
    return mysql_multi_settings(params)


def problems(cls, **changes):
    return build(**changes)['problems'][cls]


def test_filter_is_registered():
    assert FilterModule().filters()['mysql_multi_settings'] is mysql_multi_settings


def test_defaults_fill_in_each_instance():
    s = build()
    first = s['instances'][0]
    assert first['datadir'] == '/var/lib/mysql-multi/mariadb'
    assert first['bind_address'] == '127.0.0.1'
    assert first['socket'] == '/run/mysql-multi/mariadb/mysqld.sock'
    assert first['config'] == '/etc/mysql-multi/mariadb.cnf'
    assert first['unit'] == 'mysql-multi-mariadb'
    assert s['instances'][1]['server_options'] == {'character_set_server': 'utf8mb4', 'require_secure_transport': True}
    assert s['instances'][1]['server_argv'] == ['--character-set-server=utf8mb4', '--require-secure-transport=ON']
    assert [u['name'] for u in s['units']] == ['mysql-multi-mariadb', 'mysql-multi-mariadb2']
    assert s['units'][0]['exec_start'] == '/usr/sbin/mariadbd --defaults-file=/etc/mysql-multi/mariadb.cnf'
    assert not s['nothing_to_do']
    assert all(v == [] for v in s['problems'].values()), s['problems']


def test_no_password_in_the_result():
    """The result is kept with set_fact and looped over: a given password must not be in it."""
    s = build()
    assert PASSWORD not in json.dumps(s)
    reporter = [a for a in s['accounts'] if a['name'] == 'reporter'][0]
    assert reporter['password_given'] and reporter['index'] == [1, 0]
    jupyter = [a for a in s['accounts'] if a['name'] == 'jupyter'][0]
    assert not jupyter['password_given']
    assert jupyter['password_file'] == '/ctl/creds/mysql_multi/db1/mariadb/jupyter'


def test_empty_instance_list_is_nothing_to_do():
    s = build(instances=[])
    assert s['nothing_to_do'] and s['units'] == [] and s['accounts'] == []


def test_absent_instances_get_no_unit_or_account():
    s = build(instances=instances(state='absent'))
    assert [i['name'] for i in s['absent']] == ['mariadb']
    assert [u['name'] for u in s['units']] == ['mysql-multi-mariadb2']
    assert {a['instance'] for a in s['accounts']} == {'mariadb2'}


def test_known_variables_are_those_of_the_argument_specs():
    specs = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']
    names = {name for entry in specs.values() for name in entry['options']}
    assert names == set(KNOWN_VARIABLES)


def test_unknown_variable_names_the_closest_known():
    found = problems('variables', variables=['mysql_multi_instance', 'mysql_multi_flavor'])
    assert found == ['mysql_multi_instance is not a variable of role mysql_multi: did you mean mysql_multi_instances?']


@pytest.mark.parametrize('changes,expect', [
    ({'data_root': '/var/lib'}, 'mysql_multi_data_root=/var/lib is a system directory'),
    ({'log_root': 'logs'}, 'mysql_multi_log_root=logs is a relative path'),
    ({'config_dir': '/etc/mysql-multi/../x'}, 'is not a normalised path'),
    ({'log_root': '/var/lib/mysql-multi/logs'}, 'mysql_multi_data_root=/var/lib/mysql-multi contains mysql_multi_log_root'),
    ({'instances': instances(datadir='/etc')}, 'mysql_multi_instances[0] (mariadb).datadir=/etc is a system directory'),
    ({'instances': instances(datadir='/var/lib/mysql-multi/mariadb2/inner')},
     'mysql_multi_instances[0] (mariadb).datadir=/var/lib/mysql-multi/mariadb2/inner is inside '
     'mysql_multi_instances[1] (mariadb2).datadir'),
    ({'instances': instances(datadir='/var/log/mysql-multi/db')}, 'is inside mysql_multi_log_root'),
    ({'instances': instances(datadir='/var/lib/mysql-multi')}, 'is mysql_multi_data_root itself'),
    ({'instances': instances(datadir='/run/mysql-multi/x')}, "is inside the sockets' directory"),
])
def test_dangerous_or_nested_paths(changes, expect):
    found = problems('paths', **changes)
    assert found and expect in found[0], found


def test_datadir_with_a_trailing_slash_is_fine():
    s = build(instances=instances(datadir='/srv/db/'))
    assert s['instances'][0]['datadir'] == '/srv/db'
    assert s['problems']['paths'] == []


@pytest.mark.parametrize('password,expect', [
    ('short-9f2c', 'is 10 characters long; it needs at least 16'),
    ('mariadb', 'is a well-known default or guess'),
    ('reporter-reporter-2026', 'contains the user name reporter'),
    ('mariadb2', 'is a well-known default or guess'),   # the instance's name
    ('aaaaaaaaaaaaaaaaaaaa', 'is one or two characters repeated'),
])
def test_weak_passwords_are_refused_without_showing_them(password, expect):
    inst = instances()
    inst[1]['users'][0]['password'] = password
    found = problems('secrets', instances=inst)
    assert found and expect in found[0], found
    assert found[0].startswith('mysql_multi_instances[1].users[0].password (mariadb2:reporter)')
    label = 'mysql_multi_instances[1].users[0].password (mariadb2:reporter)'
    assert password not in ' '.join(found).replace(label, '')


def test_port_of_another_role_on_the_host():
    found = problems('ports', instances=instances(port=9083), group_names=['mysql', 'hive_metastore'])
    assert found == ['hive_metastore_port=9083 clashes with mysql_multi_instances[0].port (mariadb)=9083 '
                     '(role mysql_multi) on this host: give one of them another port']


def test_port_of_another_role_set_in_the_inventory():
    found = problems('ports', instances=instances(port=8080), group_names=['trino_coordinator'],
                     host_vars={'trino_port': 8080, 'unrelated': 1})
    assert len(found) == 1 and 'trino_port=8080 clashes' in found[0]


def test_other_roles_ports_count_only_where_the_host_runs_them():
    assert problems('ports', instances=instances(port=9083), group_names=['mysql']) == []


def test_port_in_use_by_another_program():
    listening = [{'port': 3307, 'address': '0.0.0.0', 'pid': 42, 'process': 'nc', 'unit': 'session-1.scope'}]
    found = problems('ports', listening=listening)
    assert found == ['mysql_multi_instances[0].port (mariadb)=3307: port 3307 is already in use on this host by nc '
                     '(pid 42, unit session-1.scope): stop that service or choose another port']


def test_own_units_and_the_os_server_that_is_disabled_are_not_a_clash():
    listening = [{'port': 3307, 'address': '0.0.0.0', 'pid': 4, 'process': 'mariadbd', 'unit': 'mysql-multi-mariadb.service'},
                 {'port': 3308, 'address': '127.0.0.1', 'pid': 5, 'process': 'mariadbd', 'unit': 'mariadb.service'}]
    inst = instances()
    assert problems('ports', instances=inst, listening=listening) == []
    found = problems('ports', instances=inst, listening=listening, disable_default_server=False)
    assert len(found) == 1 and 'mariadb.service' in found[0]


def test_absent_instances_claim_no_port():
    listening = [{'port': 3307, 'address': '0.0.0.0', 'pid': 42, 'process': 'nc', 'unit': None}]
    assert problems('ports', instances=instances(state='absent'), listening=listening) == []


@pytest.mark.parametrize('priv,expect', [
    ('analytics.*:ALL', 'grants on database analytics, which instance mariadb does not define'),
    ('jupyter.*:ALL/`other`.t:SELECT', 'grants on database other'),
    ({'nope.*': 'ALL'}, 'grants on database nope'),
])
def test_grant_on_a_database_the_instance_does_not_define(priv, expect):
    inst = instances()
    inst[0]['users'][0]['priv'] = priv
    found = problems('references', instances=inst)
    assert len(found) == 1 and expect in found[0], found
    assert found[0].startswith('mysql_multi_instances[0].users[0].priv (mariadb:jupyter)')


def test_global_and_wildcard_grants_reference_no_database():
    inst = instances()
    inst[0]['users'][0]['priv'] = '*.*:PROCESS/jupyter.*:ALL/test\\_%.*:SELECT'
    assert problems('references', instances=inst) == []


@pytest.mark.parametrize('changes,expect', [
    ({'bind_address': 'not an address'}, 'mysql_multi_bind_address=not an address is not an IP address'),
    ({'instances': instances(bind_address='10.0.0.300')}, 'mysql_multi_instances[0] (mariadb).bind_address=10.0.0.300'),
    ({'instances': instances(server_options={'port': 3400})}, 'server_options sets port, which the role writes itself'),
    ({'instances': instances(server_options={'loose-socket': '/tmp/x'})}, 'sets loose-socket, which the role writes'),
    ({'server_options': {'Innodb Buffer': 1}}, "mysql_multi_server_options has an option named 'Innodb Buffer'"),
    ({'server_options': {'init_connect': 'SET x=1\n[client]'}}, 'init_connect must be one line'),
    ({'server_options': {'sql_mode': None}}, 'sql_mode must be a string, number or boolean, got nothing'),
])
def test_bad_bind_addresses_and_server_options(changes, expect):
    found = problems('options', **changes)
    assert found and expect in found[0], found


def test_comma_separated_bind_addresses_and_wildcards_are_fine():
    for bind in ('0.0.0.0', '::', '*', '127.0.0.1,192.168.1.5', 'db1.example.org'):
        assert problems('options', bind_address=bind) == [], bind


@pytest.mark.parametrize('params,match', [
    ('nope', 'expects a dict'),
    ({'instances': []}, 'host is required'),
    ({'host': 'a', 'colour': 1}, 'unknown settings colour'),
])
def test_bad_calls(params, match):
    with pytest.raises(AnsibleFilterError, match=match):
        mysql_multi_settings(params)


def test_hidden_owner_of_an_active_instance_port_is_the_instance():
    """In a container without CAP_SYS_PTRACE, listening_ports sees no pid for mariadbd (user mysql)."""
    hidden = [{'port': 3307, 'address': '0.0.0.0', 'pid': None, 'process': None, 'unit': None},
              {'port': 3306, 'address': '0.0.0.0', 'pid': None, 'process': None, 'unit': None}]
    inst = instances(port=3306)
    inst[1]['port'] = 3307
    found = problems('ports', instances=inst, listening=hidden)
    assert len(found) == 2 and all('an unknown process' in f for f in found), found
    assert problems('ports', instances=inst, listening=hidden,
                    active_units=['mysql-multi-mariadb2.service', 'mariadb.service']) == []
    # The OS server keeps 3306 when it is not disabled: a clash.
    found = problems('ports', instances=inst, listening=hidden, disable_default_server=False,
                     active_units=['mysql-multi-mariadb2.service', 'mariadb.service'])
    assert len(found) == 1 and found[0].startswith('mysql_multi_instances[0].port (mariadb)=3306'), found
    # An active unit of another instance does not own a port it does not serve.
    found = problems('ports', instances=inst, listening=hidden, active_units=['mysql-multi-mariadb.service'])
    assert len(found) == 1 and 'port 3307' in found[0], found
