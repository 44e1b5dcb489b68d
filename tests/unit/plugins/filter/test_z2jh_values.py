from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.z2jh_values import FilterModule, z2jh_values

BASE = {
    'admin_users': ['alice', 'alice'],
    'authenticator_class': 'nativeauthenticator.NativeAuthenticator',
    'node_port': 31030,
    'image': 'datamesh/jupyterhub-singleuser',
    'tag': '5.5.4',
    'storage_class': 'local-path',
}


def values(**changes):
    return z2jh_values(dict(BASE, **changes))


def test_bare_kubeadm_defaults():
    v = values()
    assert v['proxy']['service'] == {'type': 'NodePort', 'nodePorts': {'http': 31030}}
    assert v['hub']['db'] == {'type': 'sqlite-pvc', 'pvc': {'storageClassName': 'local-path'}}
    assert v['singleuser']['storage'] == {'type': 'dynamic', 'dynamic': {'storageClass': 'local-path'}, 'capacity': '10Gi'}
    assert v['scheduling']['userScheduler'] == {'enabled': False}
    assert v['scheduling']['userPlaceholder'] == {'enabled': False}
    assert v['prePuller'] == {'hook': {'enabled': False}, 'continuous': {'enabled': False}}
    assert v['cull'] == {'enabled': True, 'timeout': 3600, 'every': 300, 'users': False, 'adminUsers': True, 'maxAge': 0}
    assert v['ingress'] == {'enabled': False}


def test_hub_config_authenticator_and_admins():
    v = values(allowed_users=['bob', 'carol', 'bob'],
               authenticator_config={'NativeAuthenticator': {'open_signup': False}, 'Authenticator': {'allow_all': False}})
    cfg = v['hub']['config']
    assert cfg['JupyterHub']['authenticator_class'] == 'nativeauthenticator.NativeAuthenticator'
    assert cfg['Authenticator'] == {'admin_users': ['alice'], 'allowed_users': ['bob', 'carol'], 'allow_all': False}
    assert cfg['NativeAuthenticator'] == {'open_signup': False}


def test_singleuser_image_resources_and_environment():
    v = values(cpu_limit=2, cpu_guarantee='0.25', mem_limit='4G', mem_guarantee='512M', pull_policy='Never',
               kernel_cull={'idle_timeout': 600, 'connected': False}, environment={'TZ': 'UTC', 'N': 3})
    su = v['singleuser']
    assert su['image'] == {'name': 'datamesh/jupyterhub-singleuser', 'tag': '5.5.4', 'pullPolicy': 'Never'}
    assert su['cpu'] == {'limit': 2.0, 'guarantee': 0.25}
    assert su['memory'] == {'limit': '4G', 'guarantee': '512M'}
    assert su['cmd'] == 'jupyterhub-singleuser'
    assert su['defaultUrl'] == '/lab'
    assert su['extraEnv'] == {'DATAMESH_KERNEL_CULL_IDLE_TIMEOUT': '600', 'DATAMESH_KERNEL_CULL_CONNECTED': 'false',
                              'TZ': 'UTC', 'N': '3'}
    assert 'extraFiles' not in su


def test_tag_is_a_string():
    assert values(tag=5.5)['singleuser']['image']['tag'] == '5.5'


def test_dbt_profile_mounted():
    su = values(profiles_yml='datamesh: {}\n')['singleuser']
    assert su['extraFiles']['dbt-profiles'] == {'mountPath': '/home/jovyan/.dbt/profiles.yml',
                                                'stringData': 'datamesh: {}\n', 'mode': 0o644}


def test_no_storage_and_memory_db_need_no_storage_class():
    v = values(storage_type='none', db_type='sqlite-memory', storage_class='')
    assert v['singleuser']['storage'] == {'type': 'none'}
    assert v['hub']['db'] == {'type': 'sqlite-memory'}


def test_mysql_hub_db():
    v = values(db_type='mysql', db_url='mysql+pymysql://jupyter:pw@db:3307/jupyter')
    assert v['hub']['db'] == {'type': 'mysql', 'url': 'mysql+pymysql://jupyter:pw@db:3307/jupyter', 'upgrade': True}


def test_culling_settings():
    v = values(cull={'timeout': 1800, 'every': 60, 'users': True, 'admin_users': False, 'max_age': 86400})
    assert v['cull'] == {'enabled': True, 'timeout': 1800, 'every': 60, 'users': True, 'adminUsers': False,
                         'maxAge': 86400}
    assert values(cull={'enabled': False})['cull']['enabled'] is False


def test_user_scheduler_for_several_nodes():
    v = values(user_scheduler=True, prepuller_continuous=True)
    assert v['scheduling']['userScheduler'] == {'enabled': True}
    assert v['scheduling']['userPlaceholder'] == {'enabled': True}
    assert v['prePuller']['continuous'] == {'enabled': True}


def test_extra_values_merge_recursively_and_last():
    v = values(extra_values={'proxy': {'service': {'nodePorts': {'https': 31443}}}, 'cull': {'timeout': 60},
                             'singleuser': {'storage': {'type': 'none'}}, 'debug': {'enabled': True}})
    assert v['proxy']['service'] == {'type': 'NodePort', 'nodePorts': {'http': 31030, 'https': 31443}}
    assert v['cull']['timeout'] == 60 and v['cull']['every'] == 300
    assert v['singleuser']['storage']['type'] == 'none'
    assert v['debug'] == {'enabled': True}


def test_input_is_not_modified():
    settings = dict(BASE, extra_values={'hub': {'config': {'X': {'y': 1}}}})
    before = repr(settings)
    z2jh_values(settings)
    assert repr(settings) == before


@pytest.mark.parametrize('port', [29999, 32768, 80, '31030', True, None])
def test_node_port_out_of_range(port):
    with pytest.raises(AnsibleFilterError, match='node_port|missing settings: node_port'):
        values(node_port=port)


@pytest.mark.parametrize('authenticator', ['dummy', 'Dummy', 'null', 'shared-password',
                                           'jupyterhub.auth.DummyAuthenticator'])
def test_open_authenticators_refused(authenticator):
    with pytest.raises(AnsibleFilterError, match='lets anyone in'):
        values(authenticator_class=authenticator)


@pytest.mark.parametrize('key', ['admin_users', 'authenticator_class', 'node_port', 'image', 'tag'])
def test_required_settings(key):
    settings = dict(BASE)
    settings[key] = [] if key == 'admin_users' else ''
    with pytest.raises(AnsibleFilterError, match='missing settings: ' + key):
        z2jh_values(settings)


@pytest.mark.parametrize('changes, message', [
    ({'storage_class': ''}, 'storage_class is required'),
    ({'storage_class': '', 'storage_type': 'none'}, 'storage_class is required'),      # sqlite-pvc still needs it
    ({'db_type': 'mysql'}, 'needs db_url'),
    ({'db_type': 'mysql', 'db_url': 'postgresql://x'}, 'needs db_url'),
    ({'db_type': 'postgres'}, 'db_type must be'),
    ({'storage_type': 'static'}, 'storage_type must be'),
])
def test_unusable_storage_and_db(changes, message):
    with pytest.raises(AnsibleFilterError, match=message):
        values(**changes)


def test_rejects_non_dict():
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        z2jh_values(['x'])


def test_registered_name():
    assert FilterModule().filters()['z2jh_values'] is z2jh_values
