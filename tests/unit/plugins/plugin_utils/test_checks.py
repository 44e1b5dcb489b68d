"""plugin_utils.checks and the preflight filters: every class of bad input, and the good cases."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks
from ansible_collections.datamesh.platform.plugins.filter import preflight

ROLES = Path(__file__).resolve().parents[4] / 'roles'


@pytest.mark.parametrize('path,expect', [
    ('/', 'is a system directory'),
    ('/etc', 'is a system directory'),
    ('/etc/', 'is a system directory'),
    ('/usr', 'is a system directory'),
    ('/var/lib', 'is a system directory'),
    ('/home', 'is a system directory'),
    ('/opt/datamesh', 'is a system directory'),
    ('var/lib/trino', 'is a relative path'),
    ('/var/lib/../etc', 'is not a normalised path'),
    ('/var//lib/trino', 'is not a normalised path'),
    ('/proc/trino', 'is inside /proc'),
    ('/boot/x', 'is inside /boot'),
    ('', 'must be an absolute path'),
    (None, 'must be an absolute path'),
    (7, 'must be an absolute path'),
])
def test_dangerous_paths(path, expect):
    problems = checks.path_problems({'trino_data_dir': path})
    assert len(problems) == 1
    assert problems[0].startswith('trino_data_dir=')
    assert expect in problems[0]


def test_good_paths_and_trailing_slash():
    assert checks.path_problems({'a_dir': '/var/lib/trino', 'b_dir': '/var/log/trino/', 'c_dir': '/srv/x'}) == []


def test_nested_paths_of_one_role():
    problems = checks.path_problems({'x_data_dir': '/srv/x', 'x_log_dir': '/srv/x/log', 'x_home': '/srv/x'})
    assert 'x_data_dir=/srv/x contains x_log_dir=/srv/x/log: give each its own directory' in problems
    assert 'x_data_dir=/srv/x is the same directory as x_home=/srv/x: give each its own directory' in problems


def test_foreign_paths():
    problems = checks.path_problems({'mysql_multi_instances[1].datadir': '/var/lib/mysql-a/sub'},
                                    {'mysql_multi_instances[0].datadir (a)': '/var/lib/mysql-a'})
    assert problems == ['mysql_multi_instances[1].datadir=/var/lib/mysql-a/sub is inside '
                        'mysql_multi_instances[0].datadir (a) (/var/lib/mysql-a): give it a directory of its own']
    assert checks.path_problems({'a': '/srv/a'}, {'b': '/srv/ab'}) == []


@pytest.mark.parametrize('value,expect', [
    ('admin', 'well-known'),
    ('Password', 'well-known'),
    ('changeit', 'well-known'),
    ('minioadmin', 'well-known'),
    ('aaaaaaaaaaaaaaaaaaaa', 'repeated'),
    ('short-but-random', None),
    ('hunter2', 'characters long'),
    (' Xk3kd92jfk3j2k3jd', 'whitespace'),
    (1234567890123456789, 'must be a string'),
])
def test_weak_secrets(value, expect):
    problems = checks.secret_problems('minio_root_password', value)
    if expect is None:
        assert problems == []
    else:
        assert any(expect in p for p in problems), problems
        assert all(p.startswith('minio_root_password ') for p in problems)
        assert all(str(value) not in p for p in problems if len(str(value)) >= 8)


def test_secret_with_user_name_and_product_default():
    assert 'contains the user name analyst' in checks.secret_problems('pw', 'analyst-2026-12-06-x', user='analyst')[0]
    assert 'well-known' in checks.secret_problems('pw', 'ProductDefault1234', known=['productdefault1234'])[0]


def test_empty_secret_is_generated_unless_required():
    assert checks.secret_problems('x_password', '') == []
    assert checks.secret_problems('x_password', None, required=True) == ['x_password is required']


def test_port_clash_and_bad_port():
    problems = checks.port_problems([
        {'name': 'trino_port', 'port': 8443, 'role': 'trino'},
        {'name': 'jupyterhub_port', 'port': 8443, 'role': 'jupyterhub'},
        {'name': 'minio_port', 'port': 70000},
        {'name': 'minio_console_port', 'port': '9001'},
        {'name': 'a', 'port': 5000, 'address': '127.0.0.1'},
        {'name': 'b', 'port': 5000, 'address': '10.0.0.1'},
    ])
    assert problems == [
        'jupyterhub_port=8443 clashes with trino_port=8443 (role trino) on this host: give one of them another port',
        'minio_port=70000 is not a TCP port (an integer from 1 to 65535)',
        "minio_console_port='9001' is not a TCP port (an integer from 1 to 65535)" .replace("'9001'", '9001'),
    ]


def test_host_port_claims_of_other_roles_by_group():
    host_vars = {'mysql_multi_instances': [{'name': 'a', 'port': 3307}, {'name': 'b', 'port': 9083, 'state': 'present'},
                                           {'name': 'c', 'port': 8443, 'state': 'absent'}],
                 'seaweedfs_s3_port': 8443}
    claims = checks.host_port_claims('hive_metastore', [{'name': 'hive_metastore_port', 'port': 9083}], host_vars,
                                     ['mysql', 'hive_metastore', 'seaweedfs'])
    problems = checks.port_problems(claims)
    assert problems == ['mysql_multi_instances[1].port (b)=9083 clashes with hive_metastore_port=9083 '
                        '(role hive_metastore) on this host: give one of them another port']
    names = {c['name'] for c in claims}
    assert 'seaweedfs_master_port + 10000 (gRPC)' in names
    assert 'trino_port' not in names


def test_ports_in_use():
    listening = [{'port': 8443, 'address': '0.0.0.0', 'pid': 9, 'process': 'nginx', 'unit': 'nginx.service'},
                 {'port': 3307, 'address': '127.0.0.1', 'pid': 10, 'process': 'mariadbd', 'unit': 'mariadb@a.service'}]
    claims = [{'name': 'trino_port', 'port': 8443}, {'name': 'mysql_multi_instances[0].port (a)', 'port': 3307}]
    assert checks.ports_in_use_problems(claims, listening, ['mariadb@*.service']) == [
        'trino_port=8443: port 8443 is already in use on this host by nginx (pid 9, unit nginx.service): '
        'stop that service or choose another port']


def test_unknown_variables_name_the_closest():
    problems = checks.unknown_variables('mysql_multi', ['mysql_multi_instance', 'mysql_multi_flavor', 'mysql_multi_zzz',
                                                        'mysql_multi_instances'],
                                        ['mysql_multi_instances', 'mysql_multi_flavour'])
    assert problems == ['mysql_multi_flavor is not a variable of role mysql_multi: did you mean mysql_multi_flavour?',
                        'mysql_multi_instance is not a variable of role mysql_multi: did you mean mysql_multi_instances?',
                        'mysql_multi_zzz is not a variable of role mysql_multi (see its meta/argument_specs.yml)']


def test_unknown_keys():
    assert checks.unknown_keys('trino_catalogs[0]', {'name': 'x', 'conector': 'hive'}, ['name', 'connector']) == [
        'trino_catalogs[0] has an unknown key conector: did you mean connector?']
    assert checks.unknown_keys('x', [], ['a']) == ['x must be a dict, got list']


def test_role_port_defaults_match_the_roles():
    """ROLE_PORTS repeats the roles' default ports: they must agree."""
    for role, ports in checks.ROLE_PORTS.items():
        defaults = yaml.safe_load((ROLES / role / 'defaults' / 'main.yml').read_text())
        for var, default in ports:
            assert defaults[var] == default, (role, var)


def test_filters_wrap_the_checks():
    filters = preflight.FilterModule().filters()
    assert filters['path_problems']({'x_dir': '/etc'})[0].startswith('x_dir=/etc is a system directory')
    assert filters['secret_problems']({'x_password': 'admin'})[0].startswith('x_password is a well-known')
    assert filters['secret_problems']([{'name': 'y', 'value': 'y-user-long-enough-1', 'user': 'y-user'}])
    assert filters['unknown_keys']({'b': 1}, 'x', ['a']) == ['x has an unknown key b (known: a)']
    claims = filters['host_port_claims']([{'name': 'trino_port', 'port': 8001}], 'trino', {}, ['jupyterhub'])
    assert filters['port_problems'](claims) == [
        'jupyterhub_proxy_api_port=8001 clashes with trino_port=8001 (role trino) on this host: give one of them '
        'another port']
    with pytest.raises(AnsibleFilterError, match='path_problems expects a dict, got list'):
        filters['path_problems'](['/etc'])


def test_host_vars_may_be_any_mapping_and_kubernetes_hub_claims_nothing():
    class HostVars(Mapping):  # like hostvars[host]: a Mapping, not a dict
        def __init__(self, data):
            self._data = data

        def __getitem__(self, key):
            return self._data[key]

        def __iter__(self):
            return iter(self._data)

        def __len__(self):
            return len(self._data)

    filters = preflight.FilterModule().filters()
    claims = filters['host_port_claims']([{'name': 'trino_port', 'port': 8001}], 'trino',
                                         HostVars({'jupyterhub_mode': 'kubernetes'}), ['jupyterhub'])
    assert filters['port_problems'](claims) == []
    claims = filters['host_port_claims']([{'name': 'trino_port', 'port': 8001}], 'trino',
                                         HostVars({'jupyterhub_mode': 'native'}), ['jupyterhub'])
    assert len(filters['port_problems'](claims)) == 1


def test_ports_in_use_by_an_invisible_process():
    """Without CAP_SYS_PTRACE only the socket's owner is known: the role's own account is fine."""
    listening = [{'port': 3307, 'address': '0.0.0.0', 'pid': None, 'process': None, 'unit': None, 'uid': 101,
                  'user': 'mysql'}]
    claim = [{'name': 'mysql_multi_instances[0].port (a)', 'port': 3307}]
    assert checks.ports_in_use_problems(claim, listening, ['mariadb@*.service'], ['mysql']) == []
    assert checks.ports_in_use_problems(claim, listening, ['mariadb@*.service']) == [
        'mysql_multi_instances[0].port (a)=3307: port 3307 is already in use on this host by a process of user '
        'mysql: stop that service or choose another port']


def test_parent_dirs_stop_at_the_system_directories():
    assert checks.parent_dirs(['/etc/datamesh/dbt/seed', '/var/lib/datamesh/dbt/seed/project', '/opt/datamesh/dbt/venv',
                               'relative', None]) == [
        # /etc/datamesh and the like are system directories here too: created on the way, as by mkdir -p
        '/etc/datamesh/dbt', '/opt/datamesh/dbt', '/var/lib/datamesh/dbt', '/var/lib/datamesh/dbt/seed']
    assert checks.parent_dirs(['/srv/x']) == []
