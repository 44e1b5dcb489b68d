# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``z2jh_values``: Helm values for the Zero-to-JupyterHub chart from role settings."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.plugin_utils.merge import deep_merge

NODE_PORT_RANGE = (30000, 32767)
REFUSED_AUTHENTICATORS = {
    'dummy', 'null', 'shared-password', 'jupyterhub.auth.dummyauthenticator', 'jupyterhub.auth.nullauthenticator',
    'jupyterhub.authenticators.shared.sharedpasswordauthenticator',
}
REQUIRED = ('admin_users', 'authenticator_class', 'node_port', 'image', 'tag')


def _fail(message):
    raise AnsibleFilterError('z2jh_values: ' + message)


def z2jh_values(settings):
    """Build the chart values from a dict of settings (the role passes its jupyterhub_k8s_* variables).

    Keys: admin_users, allowed_users, authenticator_class, authenticator_config, node_port, image, tag,
    pull_policy, cpu_limit, cpu_guarantee, mem_limit, mem_guarantee, storage_type, storage_class,
    storage_capacity, db_type, db_url, user_scheduler, prepuller_hook, prepuller_continuous,
    cull (dict: enabled, timeout, every, users, admin_users, max_age), kernel_cull (dict: idle_timeout,
    connected), default_url, environment, profiles_yml, extra_values.
    """
    if not isinstance(settings, dict):
        _fail('expects a dict of settings, got %s' % type(settings).__name__)
    missing = [k for k in REQUIRED if settings.get(k) in (None, '', [])]
    if missing:
        _fail('missing settings: %s' % ', '.join(missing))
    port = settings['node_port']
    if isinstance(port, bool) or not isinstance(port, int) or not NODE_PORT_RANGE[0] <= port <= NODE_PORT_RANGE[1]:
        _fail('node_port %r is outside the NodePort range %d-%d' % ((port,) + NODE_PORT_RANGE))
    authenticator = str(settings['authenticator_class'])
    if authenticator.lower() in REFUSED_AUTHENTICATORS:
        _fail('authenticator %s lets anyone in; configure a real one' % authenticator)
    storage_type = settings.get('storage_type', 'dynamic')
    db_type = settings.get('db_type', 'sqlite-pvc')
    storage_class = settings.get('storage_class') or ''
    if storage_type not in ('dynamic', 'none'):
        _fail('storage_type must be dynamic or none, got %s' % storage_type)
    if db_type not in ('sqlite-pvc', 'sqlite-memory', 'mysql'):
        _fail('db_type must be sqlite-pvc, sqlite-memory or mysql, got %s' % db_type)
    if (storage_type == 'dynamic' or db_type == 'sqlite-pvc') and not storage_class:
        _fail('storage_class is required for dynamic storage and sqlite-pvc (a bare cluster has no default StorageClass)')
    if db_type == 'mysql' and not str(settings.get('db_url') or '').startswith('mysql+pymysql://'):
        _fail('db_type mysql needs db_url mysql+pymysql://user:password@host:port/db')

    cull = dict({'enabled': True, 'timeout': 3600, 'every': 300, 'users': False, 'admin_users': True, 'max_age': 0},
                **(settings.get('cull') or {}))
    kernel_cull = dict({'idle_timeout': 3600, 'connected': True}, **(settings.get('kernel_cull') or {}))

    hub_db = {'type': db_type}
    if db_type == 'sqlite-pvc':
        hub_db['pvc'] = {'storageClassName': storage_class}
    elif db_type == 'mysql':
        hub_db['url'] = settings['db_url']
        hub_db['upgrade'] = True     # an external database is not upgraded unless asked (z2jh#1244)

    storage = {'type': storage_type}
    if storage_type == 'dynamic':
        storage.update({'dynamic': {'storageClass': storage_class}, 'capacity': settings.get('storage_capacity', '10Gi')})

    env = {
        'DATAMESH_KERNEL_CULL_IDLE_TIMEOUT': str(int(kernel_cull['idle_timeout'])),
        'DATAMESH_KERNEL_CULL_CONNECTED': 'true' if kernel_cull['connected'] else 'false',
    }
    env.update({str(k): str(v) for k, v in (settings.get('environment') or {}).items()})

    singleuser = {
        'image': {'name': settings['image'], 'tag': str(settings['tag']),
                  'pullPolicy': settings.get('pull_policy', 'IfNotPresent')},
        'cpu': {'limit': float(settings.get('cpu_limit', 1.0)), 'guarantee': float(settings.get('cpu_guarantee', 0.5))},
        'memory': {'limit': str(settings.get('mem_limit', '2G')), 'guarantee': str(settings.get('mem_guarantee', '1G'))},
        'storage': storage,
        'defaultUrl': settings.get('default_url', '/lab'),
        'cmd': 'jupyterhub-singleuser',
        'extraEnv': env,
    }
    if settings.get('profiles_yml'):
        # the dbt profile of the platform's Trino, read-only on top of the user's home
        singleuser['extraFiles'] = {'dbt-profiles': {
            'mountPath': '/home/jovyan/.dbt/profiles.yml', 'stringData': settings['profiles_yml'], 'mode': 0o644}}

    hub_config = {
        'JupyterHub': {'authenticator_class': authenticator, 'admin_access': True},
        'Authenticator': {'admin_users': sorted(set(settings['admin_users'])), 'allow_all': False},
    }
    if settings.get('allowed_users'):
        hub_config['Authenticator']['allowed_users'] = sorted(set(settings['allowed_users']))
    hub_config = deep_merge(hub_config, settings.get('authenticator_config') or {})

    values = {
        'hub': {'config': hub_config, 'db': hub_db},
        'proxy': {'service': {'type': 'NodePort', 'nodePorts': {'http': port}}},
        'singleuser': singleuser,
        'scheduling': {
            'userScheduler': {'enabled': bool(settings.get('user_scheduler', False))},
            'userPlaceholder': {'enabled': bool(settings.get('user_scheduler', False))},
            'podPriority': {'enabled': False},
        },
        'prePuller': {
            'hook': {'enabled': bool(settings.get('prepuller_hook', False))},
            'continuous': {'enabled': bool(settings.get('prepuller_continuous', False))},
        },
        'cull': {
            'enabled': bool(cull['enabled']), 'timeout': int(cull['timeout']), 'every': int(cull['every']),
            'users': bool(cull['users']), 'adminUsers': bool(cull['admin_users']), 'maxAge': int(cull['max_age']),
        },
        'ingress': {'enabled': False},
    }
    return deep_merge(values, settings.get('extra_values') or {})


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'z2jh_values': z2jh_values}
