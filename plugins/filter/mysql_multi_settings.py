# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``mysql_multi_settings``: everything the mysql_multi role derives from its variables, as one dict.

The result holds no secret: user passwords are only checked here; the tasks that need one look it
up where it is used (under no_log), so that no set_fact result, loop item or label carries it.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks

# The role's variables (meta/argument_specs.yml, entry point main); a unit test keeps them equal.
KNOWN_VARIABLES = (
    'mysql_multi_flavor', 'mysql_multi_instances', 'mysql_multi_bind_address', 'mysql_multi_server_options',
    'mysql_multi_config_dir', 'mysql_multi_data_root', 'mysql_multi_log_root', 'mysql_multi_generate_passwords',
    'mysql_multi_credentials_dir', 'mysql_multi_disable_default_server', 'mysql_multi_tls_cert',
    'mysql_multi_tls_key', 'mysql_multi_tls_ca',
)
# [mysqld] options the role writes itself from other settings: a second value would override them.
MANAGED_OPTIONS = {
    'user': 'the role runs every instance as the mysql user',
    'port': 'set the instance\'s port',
    'bind_address': 'set the instance\'s bind_address',
    'datadir': 'set the instance\'s datadir',
    'socket': 'the socket is /run/mysql-multi/<name>/mysqld.sock',
    'pid_file': 'the pid file is /run/mysql-multi/<name>/mysqld.pid',
    'log_error': 'the error log is <mysql_multi_log_root>/<name>/error.log',
    'ssl_cert': 'set mysql_multi_tls_cert',
    'ssl_key': 'set mysql_multi_tls_key',
    'ssl_ca': 'set mysql_multi_tls_ca',
}
# Well-known passwords of this product, on top of checks.KNOWN_SECRETS.
KNOWN_SECRETS = ('mariadb', 'mysql', 'root', 'mysql123', 'mariadb123')
_OPTION = re.compile(r'^[a-z][a-z0-9_-]{0,63}$')
_HOST = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$')
DEFAULTS = {
    'flavor': 'mariadb',
    'instances': [],
    'bind_address': '127.0.0.1',
    'server_options': {},
    'config_dir': '/etc/mysql-multi',
    'data_root': '/var/lib/mysql-multi',
    'log_root': '/var/log/mysql-multi',
    'generate_passwords': True,
    'credentials_dir': '',
    'disable_default_server': True,
    'tls': False,
    'os': {},
    'run_root': '/run/mysql-multi',
    'user': 'mysql',
    'variables': [],
    'host_vars': {},
    'group_names': [],
    'listening': None,
    'active_units': [],
}
# The OS server's port, which it keeps unless mysql_multi_disable_default_server.
DEFAULT_PORT = 3306
REQUIRED = ('host',)


def _instance_name(inst, index):
    return 'mysql_multi_instances[%d] (%s)' % (index, to_text(inst.get('name', '?')))


def _bind_problems(name, value):
    value = to_text(value)
    problems = []
    for part in value.split(','):
        part = part.strip()
        if part == '*':
            continue
        try:
            ipaddress.ip_address(part)
            continue
        except ValueError:
            pass
        if not _HOST.match(part) or len(part) > 253 or re.match(r'^[0-9.]+$', part):
            problems.append('%s=%s is not an IP address, * or a host name: give e.g. 127.0.0.1, 0.0.0.0 or '
                            'a comma-separated list of addresses of this host' % (name, value))
            break
    return problems


def _option_problems(name, options):
    problems = []
    if not isinstance(options, dict):
        return ['%s must be a dict of [mysqld] options, got %s' % (name, type(options).__name__)]
    for key, value in options.items():
        key = to_text(key)
        norm = key.replace('-', '_')
        if not _OPTION.match(key):
            problems.append('%s has an option named %r: option names are lower-case letters, digits, "_" and "-" '
                            '(see mariadbd --help --verbose)' % (name, key))
            continue
        for prefix in ('loose_', ''):
            if norm.startswith(prefix) and norm[len(prefix):] in MANAGED_OPTIONS:
                problems.append('%s sets %s, which the role writes itself: remove it (%s)'
                                % (name, key, MANAGED_OPTIONS[norm[len(prefix):]]))
                break
        if isinstance(value, (dict, list, tuple)) or value is None:
            problems.append('%s.%s must be a string, number or boolean, got %s'
                            % (name, key, 'nothing' if value is None else type(value).__name__))
        elif isinstance(value, str) and ('\n' in value or '\r' in value or value != value.strip()):
            problems.append('%s.%s must be one line without surrounding spaces' % (name, key))
    return problems


def _priv_databases(priv):
    """The database part of each grant of a user's priv (string 'db.tbl:PRIV/db2.*:ALL' or dict)."""
    if isinstance(priv, dict):
        keys = list(priv)
    elif isinstance(priv, str) and priv:
        keys = [part.rsplit(':', 1)[0] for part in priv.split('/') if part]
    else:
        keys = []
    out = []
    for key in keys:
        db = to_text(key).split('.', 1)[0].strip().strip('`"')
        if db and db != '*':
            out.append(db)
    return out


def _attribute(listening, instances, active_units, default_units):
    """Listeners whose owner the host hides (no pid: /proc/<pid>/fd of another user's process needs
    CAP_SYS_PTRACE, which containers often lack) are given to the active unit that serves their
    port: an instance's own unit, or the OS server's on 3306."""
    active = {to_text(u) for u in active_units}
    by_port = {i['port']: i['unit'] + '.service' for i in instances}
    out = []
    for sock in listening:
        sock = dict(sock)
        if not sock.get('pid') and not sock.get('unit'):
            unit = by_port.get(sock.get('port'))
            if unit in active:
                sock['unit'] = unit
            elif sock.get('port') == DEFAULT_PORT:
                sock['unit'] = next((u for u in default_units if u in active), None)
        out.append(sock)
    return out


def _option_value(value):
    if isinstance(value, bool):
        return 'ON' if value else 'OFF'
    return to_text(value)


def mysql_multi_settings(params):
    """Return the settings of the instances of one host (see the filter's documentation)."""
    if not isinstance(params, dict):
        raise AnsibleFilterError('mysql_multi_settings expects a dict, got %s' % type(params).__name__)
    unknown = sorted(set(params) - set(DEFAULTS) - set(REQUIRED))
    if unknown:
        raise AnsibleFilterError('mysql_multi_settings: unknown settings %s' % ', '.join(unknown))
    p = dict(DEFAULTS, **params)
    if not p.get('host'):
        raise AnsibleFilterError('mysql_multi_settings: host is required')
    host = to_text(p['host'])
    problems = {'variables': [], 'paths': [], 'secrets': [], 'ports': [], 'references': [], 'options': []}

    problems['variables'] = checks.unknown_variables('mysql_multi', p['variables'] or [], KNOWN_VARIABLES)

    # ------------------------------------------------------------------ instances (no secrets)
    config_dir = to_text(p['config_dir'])
    data_root = to_text(p['data_root'])
    log_root = to_text(p['log_root'])
    run_root = to_text(p['run_root']).rstrip('/')
    bind_default = to_text(p['bind_address'])
    base_options = p['server_options'] or {}
    problems['options'].extend(_bind_problems('mysql_multi_bind_address', bind_default))
    problems['options'].extend(_option_problems('mysql_multi_server_options', base_options))
    instances = []
    raw = p['instances'] or []
    for index, inst in enumerate(raw):
        if not isinstance(inst, dict):
            raise AnsibleFilterError('mysql_multi_instances[%d] must be a dict' % index)
        label = _instance_name(inst, index)
        name = to_text(inst.get('name', ''))
        own = inst.get('server_options') or {}
        problems['options'].extend(_option_problems('%s.server_options' % label, own))
        options = dict(base_options) if isinstance(base_options, dict) else {}
        if isinstance(own, dict):
            options.update(own)
        bind = to_text(inst.get('bind_address') or bind_default)
        if inst.get('bind_address'):
            problems['options'].extend(_bind_problems('%s.bind_address' % label, bind))
        datadir = to_text(inst.get('datadir') or posixpath.join(data_root, name))
        if len(datadir) > 1:
            datadir = datadir.rstrip('/') or '/'
        try:
            port = int(inst.get('port'))
        except (TypeError, ValueError):
            port = inst.get('port')
        databases = [{'name': to_text(d.get('name', '')), 'encoding': to_text(d.get('encoding') or 'utf8mb4'),
                      'collation': d.get('collation')} for d in inst.get('databases') or []]
        users = []
        for j, user in enumerate(inst.get('users') or []):
            users.append({'name': to_text(user.get('name', '')), 'host': to_text(user.get('host') or '%'),
                          'priv': user.get('priv'), 'state': to_text(user.get('state') or 'present'),
                          'password_given': bool(user.get('password')), 'index': [index, j]})
        instances.append({
            'name': name,
            'port': port,
            'bind_address': bind,
            'datadir': datadir,
            'state': to_text(inst.get('state') or 'present'),
            'purge': bool(inst.get('purge', False)),
            'server_options': options,
            'server_argv': ['--%s=%s' % (to_text(k).replace('_', '-'), _option_value(v))
                            for k, v in sorted(options.items()) if not isinstance(v, (dict, list, tuple))],
            'databases': databases,
            'users': users,
            'unit': 'mysql-multi-' + name,
            'config': posixpath.join(config_dir, name + '.cnf'),
            'log_dir': posixpath.join(log_root, name),
            'socket': posixpath.join(run_root, name, 'mysqld.sock'),
        })
    present = [i for i in instances if i['state'] == 'present']
    absent = [i for i in instances if i['state'] == 'absent']

    # ------------------------------------------------------------------ paths
    roots = {'mysql_multi_config_dir': config_dir, 'mysql_multi_data_root': data_root,
             'mysql_multi_log_root': log_root}
    problems['paths'].extend(checks.path_problems(roots))
    for index, (inst, given) in enumerate(zip(instances, raw)):
        name = '%s.datadir' % _instance_name(given, index)
        foreign = {'mysql_multi_config_dir': config_dir, 'mysql_multi_log_root': log_root,
                   'the sockets\' directory': run_root}
        for j, other in enumerate(instances[index + 1:], start=index + 1):
            foreign['%s.datadir' % _instance_name(raw[j], j)] = other['datadir']
        if posixpath.normpath(inst['datadir']) == posixpath.normpath(data_root):
            found = ['%s=%s is mysql_multi_data_root itself, which holds the data directories of all '
                     'instances: give it a directory of its own, such as %s/%s'
                     % (name, inst['datadir'], data_root, inst['name'])]
        else:
            found = checks.path_problems({name: to_text(given.get('datadir') or inst['datadir'])}, foreign,
                                         what='instance\'s data')
        problems['paths'].extend(found)

    # ------------------------------------------------------------------ secrets
    for index, given in enumerate(raw):
        for j, user in enumerate(given.get('users') or []):
            if user.get('password') not in (None, ''):
                problems['secrets'].extend(checks.secret_problems(
                    'mysql_multi_instances[%d].users[%d].password (%s:%s)' % (index, j, given.get('name'), user.get('name')),
                    user.get('password'), user=to_text(user.get('name', '')),
                    known=KNOWN_SECRETS + (to_text(given.get('name', '')),)))

    # ------------------------------------------------------------------ ports
    own = [{'name': 'mysql_multi_instances[%d].port (%s)' % (index, inst['name']), 'port': inst['port'],
            'address': inst['bind_address'], 'role': 'mysql_multi'}
           for index, inst in enumerate(instances) if inst['state'] == 'present']
    host_vars = {}
    source = p['host_vars'] or {}
    for role_ports in checks.ROLE_PORTS.values():
        for var, _default in role_ports:
            if var in source:
                host_vars[var] = source[var]
    claims = checks.host_port_claims('mysql_multi', own, host_vars, list(p['group_names'] or []))
    # Among themselves, the instances' ports are checked by the preflight task before this one.
    problems['ports'].extend(x for x in checks.port_problems(claims)
                             if x.count('mysql_multi_instances[') < 2)
    if p['listening'] is not None:
        own_units = ['mysql-multi-*.service']
        default_units = [u.replace('.socket', '.service') for u in (p['os'] or {}).get('default_units', [])]
        if p['disable_default_server']:
            own_units.extend(default_units)
        problems['ports'].extend(checks.ports_in_use_problems(
            own, _attribute(p['listening'], instances, p['active_units'] or [], default_units), own_units))

    # ------------------------------------------------------------------ references
    for index, inst in enumerate(instances):
        defined = {d['name'] for d in inst['databases']}
        for j, user in enumerate(inst['users']):
            for db in _priv_databases(user['priv']):
                if '%' in db or db in defined:
                    continue
                problems['references'].append(
                    'mysql_multi_instances[%d].users[%d].priv (%s:%s) grants on database %s, which instance %s '
                    'does not define: add {name: %s} to its databases, or correct the grant'
                    % (index, j, inst['name'], user['name'], db, inst['name'], db))

    # ------------------------------------------------------------------ what the tasks use
    os_ = p['os'] or {}
    flavor = to_text(p['flavor'])
    user = to_text(p['user'])
    creds = to_text(p['credentials_dir'])
    accounts = []
    for inst in present:
        for u in inst['users']:
            accounts.append(dict(u, instance=inst['name'], socket=inst['socket'], password_file=posixpath.join(
                creds, 'mysql_multi', host, inst['name'], u['name'])))
    dirs = [{'path': config_dir}, {'path': log_root}, {'path': data_root}]
    if p['tls']:
        dirs.append({'path': posixpath.join(config_dir, 'tls')})
    for inst in present:
        dirs.extend([{'path': inst['datadir'], 'owner': user, 'mode': '0750'},
                     {'path': inst['log_dir'], 'owner': user, 'mode': '0750'}])
    units = [{
        'name': inst['unit'],
        'description': '%s instance %s (port %s)' % (flavor, inst['name'], inst['port']),
        'documentation': 'man:mariadbd(8)' if flavor == 'mariadb' else 'man:mysqld(8)',
        'user': user,
        'type': os_.get('unit_type', 'notify'),
        'exec_start': '%s --defaults-file=%s' % (os_.get('server_bin', ''), inst['config']),
        'runtime_directory': 'mysql-multi/' + inst['name'],
        'runtime_directory_mode': '0755',
        'read_write_paths': [inst['datadir'], inst['log_dir']],
        'limit_nofile': 32768,
        'timeout_start_sec': 900,
        'restart': 'on-abort',
    } for inst in present]
    return {
        'instances': instances,
        'present': present,
        'absent': absent,
        'accounts': accounts,
        'dirs': dirs,
        'units': units,
        'nothing_to_do': not instances,
        'problems': problems,
    }


class FilterModule:
    """datamesh.platform mysql_multi_settings filter."""

    def filters(self):
        return {'mysql_multi_settings': mysql_multi_settings}
