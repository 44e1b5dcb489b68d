# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``grafana_settings``: everything the grafana role derives from its variables, as one dict.

The secrets given in the inventory (admin password, secret key, database and data source passwords) go in to
be checked (length, well-known values, characters the files cannot hold); none comes out. The data source
passwords are resolved where they are written, under no_log (roles/grafana/templates/datasources.yaml.j2).
"""

from __future__ import annotations

import posixpath
import re

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks
from ansible_collections.datamesh.platform.plugins.plugin_utils.settings import (
    fail as _fail, refuse as _refuse, role_params, bounded_int as _int)

P = 'grafana_'
SOURCES = ('apt', 'deb')
DATABASE_TYPES = ('sqlite3', 'mysql')
# Grafana's own account and unit (the Debian package creates both; the role creates the account first).
USER = 'grafana'
UNIT = 'grafana-server.service'
# Guesses for Grafana's secrets on top of the collection's list: Grafana's shipped defaults
# (admin/admin, secret_key SW2YcwTIb9zpOOhoPsMm of conf/defaults.ini) and the usual words.
KNOWN_SECRETS = ('admin', 'grafana', 'grafana123', 'grafanaadmin', 'sw2ycwtib9zpoohopsmm', 'prom-operator')
# The role's variables (meta/argument_specs.yml; a unit test keeps them equal).
KNOWN_VARIABLES = (
    'grafana_install_server', 'grafana_install_source', 'grafana_version', 'grafana_apt_repo_url',
    'grafana_apt_key_url', 'grafana_apt_key', 'grafana_apt_key_fingerprint', 'grafana_deb_url', 'grafana_deb_build',
    'grafana_deb_sha256', 'grafana_config_dir', 'grafana_data_dir', 'grafana_logs_dir', 'grafana_port',
    'grafana_bind_address', 'grafana_domain', 'grafana_admin_user', 'grafana_admin_password', 'grafana_secret_key',
    'grafana_tls_cert', 'grafana_tls_key', 'grafana_tls_ca', 'grafana_tls_extra_sans', 'grafana_tls_days',
    'grafana_database_type', 'grafana_database_host', 'grafana_database_instance', 'grafana_database_address',
    'grafana_database_port', 'grafana_database_name', 'grafana_database_user', 'grafana_database_password',
    'grafana_mysql_group', 'grafana_mysql_datasources', 'grafana_trino_datasource', 'grafana_plugins',
    'grafana_dashboards', 'grafana_credentials_dir', 'grafana_health_timeout',
)
DATASOURCE_KEYS = ('name', 'uid', 'mysql_host', 'instance', 'database', 'user', 'password', 'address', 'port',
                   'is_default')
TRINO_KEYS = ('name', 'uid', 'url', 'user', 'password', 'ca', 'is_default')
PLUGIN_KEYS = ('id', 'version', 'url', 'sha256')
DASHBOARD_KEYS = ('name', 'title', 'datasource', 'datasources', 'json')
# The dashboards the role ships (built below): the seed's orders over MariaDB, and one row per
# MariaDB instance with its version, uptime and connections.
BUILTIN_DASHBOARDS = ('customers_orders', 'platform_overview')
# Privileges a read-only data source account may hold (mysql_multi's priv: "db.*:SELECT[,SHOW VIEW]/...").
READ_ONLY_PRIVS = {'SELECT', 'SHOW VIEW'}
# Grafana's identifiers: a data source or dashboard uid is at most 40 of these characters.
_UID = re.compile(r'^[A-Za-z0-9_-]{1,40}$')
_NAME = re.compile(r'^[a-z][a-z0-9_]{0,62}$')
_PLUGIN_ID = re.compile(r'^[a-z0-9][a-z0-9-]{0,99}$')
_SQL_NAME = re.compile(r'^[A-Za-z0-9_$]{1,64}$')
_HOST = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^[0-9a-fA-F:]+$')
_FINGERPRINT = re.compile(r'^[0-9A-F]{40}$')
_SHA256 = re.compile(r'^[0-9a-f]{64}$')
_VERSION = re.compile(r'^[0-9]+\.[0-9]+\.[0-9]+([+~.-][A-Za-z0-9.+~-]+)?$')
# What the Debian package and apt.grafana.com call the machine types.
DEB_ARCH = {'x86_64': 'amd64', 'amd64': 'amd64', 'aarch64': 'arm64', 'arm64': 'arm64', 'armv7l': 'armhf'}

DEFAULTS = {
    'install_server': True, 'install_source': 'apt', 'version': '', 'architecture': 'x86_64',
    'apt_repo_url': 'https://apt.grafana.com', 'apt_key_url': 'https://apt.grafana.com/gpg.key', 'apt_key': '',
    'apt_key_fingerprint': '', 'deb_url': '', 'deb_sha256': '',
    'config_dir': '/etc/grafana', 'data_dir': '/var/lib/grafana', 'logs_dir': '/var/log/grafana',
    'port': 3000, 'bind_address': '', 'domain': '',
    'admin_user': 'admin', 'admin_password': '', 'secret_key': '',
    'tls_cert': '', 'tls_key': '', 'tls_ca': '', 'tls_extra_sans': [], 'tls_days': 825,
    'database_type': 'sqlite3', 'database_host': '', 'database_instance': '', 'database_address': '',
    'database_port': None, 'database_name': 'grafana', 'database_user': 'grafana', 'database_password': '',
    'mysql_group': 'mysql', 'mysql_datasources': [], 'trino_datasource': {}, 'plugins': [], 'dashboards': [],
    'credentials_dir': '', 'health_timeout': 120,
    # {inventory host: {mysql_multi_instances (None: not visible), mysql_multi_bind_address, ansible_host}}
    'mysql_hosts': {}, 'mysql_group_hosts': [],
    # For the checks (each skipped when not given).
    'variables': None, 'host_vars': {}, 'group_names': [], 'listening': None,
}
REQUIRED = ('host',)


def _text(value):
    return to_text(value if value is not None else '')


def _secret(value, name, user=None, required=False):
    """The shared checks plus what grafana.ini (a triple-quoted value) and YAML cannot hold. Never shows it."""
    problems = checks.secret_problems(name, value, user=user, known=KNOWN_SECRETS, required=required)
    if isinstance(value, str) and ('\n' in value or '\r' in value or '"""' in value):
        problems.append('%s must be one line without """' % name)
    return problems


def _check_typos(p):
    if p['variables'] is not None:
        _refuse(checks.unknown_variables('grafana', [_text(v) for v in p['variables']], KNOWN_VARIABLES))


def _install(p):
    source = _text(p['install_source'])
    if source not in SOURCES:
        _fail('%sinstall_source=%s must be apt (the APT repository apt.grafana.com or a mirror of it) or deb (a '
              'pinned .deb through the artifact cache)', P, source)
    version = _text(p['version'])
    if not _VERSION.match(version):
        _fail('%sversion=%s is not a Grafana release version such as 13.2.1', P, version)
    arch = DEB_ARCH.get(_text(p['architecture']))
    if not arch:
        _fail('Grafana publishes no Debian package for the architecture %s', p['architecture'])
    out = {'source': source, 'version': version, 'arch': arch, 'apt': None, 'deb': None}
    if source == 'apt':
        fingerprint = _text(p['apt_key_fingerprint']).replace(' ', '').upper()
        if not _FINGERPRINT.match(fingerprint):
            _fail('%sapt_key_fingerprint=%s is not an OpenPGP v4 fingerprint (40 hex digits, as gpg --show-keys '
                  'prints it)', P, p['apt_key_fingerprint'])
        repo = _text(p['apt_repo_url']).rstrip('/')
        if not repo.startswith(('https://', 'http://', 'file:/')):
            _fail('%sapt_repo_url=%s must be an http(s):// or file:/ URL', P, repo)
        out['apt'] = {'repo_url': repo, 'key_url': _text(p['apt_key_url']), 'fingerprint': fingerprint,
                      'keyring': '/etc/apt/keyrings/grafana.asc', 'source_file': '/etc/apt/sources.list.d/grafana.list',
                      'package': 'grafana=%s' % version}
    else:
        url = _text(p['deb_url'])
        if not url.startswith(('https://', 'http://')) or not url.endswith('.deb'):
            _fail('%sdeb_url=%s must be an http(s) URL of a .deb file', P, url)
        sha256 = _text(p['deb_sha256']).lower()
        if not sha256:
            _fail('%sdeb_sha256 is required with %sinstall_source=deb: the sha256 of %s (no public checksum of it is '
                  'pinned in the role; take it from your own verified download or your mirror)', P, P,
                  posixpath.basename(url))
        if not _SHA256.match(sha256):
            _fail('%sdeb_sha256=%s is not a sha256 (64 hex digits)', P, p['deb_sha256'])
        out['deb'] = {'name': 'grafana', 'version': version, 'url': url, 'sha256': sha256, 'format': 'file',
                      'dest_name': 'grafana.deb'}
    return out


def _paths(p):
    paths = {P + 'config_dir': _text(p['config_dir']), P + 'data_dir': _text(p['data_dir']),
             P + 'logs_dir': _text(p['logs_dir'])}
    foreign = {"Debian's Grafana defaults file": '/etc/default/grafana-server', "Grafana's own files": '/usr/share/grafana'}
    problems = checks.path_problems(paths, foreign=foreign)
    for name, path in paths.items():
        if not problems and not re.match(r'^[A-Za-z0-9._/@+-]+$', path):
            problems.append('%s=%s may only hold letters, digits and . _ - @ + /' % (name, path))
    _refuse(problems)
    return {k[len(P):]: posixpath.normpath(v) for k, v in paths.items()}


def _mysql_endpoint(p, what, mysql_host, instance_name, port, address, user, read_only, database):
    """Where a MariaDB instance of mysql_multi is: port, address; refuses references to nothing.

    ``what`` names the variable in messages. The instance list of ``mysql_host`` is checked when the
    inventory shows it (mysql_hosts[host].mysql_multi_instances is not None).
    """
    host = _text(p['host'])
    hosts = p['mysql_hosts'] or {}
    if not mysql_host:
        group = list(p['mysql_group_hosts'] or [])
        mysql_host = host if host in group or not group else group[0]
    mysql_host = _text(mysql_host)
    known = mysql_host in hosts
    view = hosts.get(mysql_host) or {}
    instances = view.get('mysql_multi_instances')
    if port is not None and port != '':
        port = _int(port, '%s port' % what, 1, 65535)
    else:
        port = None
    if instances is not None:
        present = [i for i in instances if isinstance(i, dict) and i.get('state', 'present') == 'present']
        names = [_text(i.get('name')) for i in present]
        chosen = [i for i in present if _text(i.get('name')) == instance_name]
        if not chosen:
            _fail('%s names the mysql_multi instance %s on %s, which mysql_multi_instances there does not define '
                  '(its instances: %s)', what, instance_name, mysql_host, ', '.join(names) or 'none')
        inst = chosen[0]
        try:
            inst_port = int(inst.get('port'))
        except (TypeError, ValueError):
            _fail('mysql_multi instance %s on %s has no valid port (%r)', instance_name, mysql_host, inst.get('port'))
        if port is not None and port != inst_port:
            _fail('%s port=%d, but the mysql_multi instance %s on %s listens on %d: leave the port out',
                  what, port, instance_name, mysql_host, inst_port)
        port = inst_port
        databases = [_text(d.get('name') if isinstance(d, dict) else d) for d in inst.get('databases') or []
                     if not isinstance(d, dict) or d.get('state', 'present') == 'present']
        if database not in databases:
            _fail('%s names the database %s, which the mysql_multi instance %s on %s does not define (its '
                  'databases: %s)', what, database, instance_name, mysql_host, ', '.join(databases) or 'none')
        accounts = [u for u in inst.get('users') or [] if isinstance(u, dict) and _text(u.get('name')) == user
                    and u.get('state', 'present') == 'present']
        if not accounts:
            _fail('%s names the user %s, which the mysql_multi instance %s on %s does not define: add it to its '
                  'users', what, user, instance_name, mysql_host)
        if read_only:
            privs = set()
            for part in _text(accounts[0].get('priv') or '').split('/'):
                if ':' in part:
                    privs |= {x.strip().upper() for x in part.split(':', 1)[1].split(',') if x.strip()}
            if not privs or privs - READ_ONLY_PRIVS:
                _fail('%s uses the account %s of instance %s on %s, which may %s: a data source account must be '
                      'read-only (priv "<db>.*:SELECT")', what, user, instance_name, mysql_host,
                      ', '.join(sorted(privs - READ_ONLY_PRIVS)) or 'do nothing (no priv)')
        bind = _text(inst.get('bind_address') or view.get('mysql_multi_bind_address') or '127.0.0.1')
        if mysql_host != host and bind in ('127.0.0.1', 'localhost', '::1') and not address:
            _fail('%s: the mysql_multi instance %s on %s listens on %s only, which %s cannot reach: set its '
                  'bind_address (mysql_multi_instances) to an address of %s', what, instance_name, mysql_host, bind,
                  host, mysql_host)
    elif port is None:
        _fail('%s has no port, and the mysql_multi instances of %s are not visible here%s: give the port', what,
              mysql_host, '' if known else ' (not a host of this inventory)')
    if not address:
        address = '127.0.0.1' if mysql_host == host else _text(view.get('ansible_host') or mysql_host)
    if not _HOST.match(address):
        _fail('%s address=%s is not a host name or IP address', what, address)
    creds = _text(p['credentials_dir'])
    return {'mysql_host': mysql_host, 'instance': instance_name, 'port': port, 'address': address,
            'url': '%s:%d' % ('[%s]' % address if ':' in address else address, port),
            'password_file': posixpath.join(creds, 'mysql_multi', mysql_host, instance_name, user)}


def _database(p):
    kind = _text(p['database_type'])
    if kind not in DATABASE_TYPES:
        _fail('%sdatabase_type=%s must be sqlite3 (a file in %sdata_dir) or mysql (an instance of mysql_multi)',
              P, kind, P)
    if kind == 'sqlite3':
        set_ = [k for k in ('database_instance', 'database_host', 'database_address', 'database_password')
                if p[k]]
        if set_:
            _fail('%s only apply to %sdatabase_type=mysql, and the type is sqlite3: set the type, or remove them',
                  ', '.join(P + k for k in set_), P)
        return {'type': 'sqlite3', 'path': 'grafana.db'}
    instance = _text(p['database_instance'])
    if not instance:
        _fail('%sdatabase_instance is required with %sdatabase_type=mysql: the mysql_multi instance that holds '
              'Grafana\'s database', P, P)
    name, user = _text(p['database_name']), _text(p['database_user'])
    for value, key in ((name, 'database_name'), (user, 'database_user')):
        if not _SQL_NAME.match(value):
            _fail('%s%s=%s must be 1 to 64 letters, digits, "_" or "$"', P, key, value)
    _refuse(_secret(p['database_password'], P + 'database_password', user=user))
    end = _mysql_endpoint(p, '%sdatabase_instance=%s' % (P, instance), _text(p['database_host']), instance,
                          p['database_port'], _text(p['database_address']), user, False, name)
    return dict(end, type='mysql', name=name, user=user, password_given=bool(p['database_password']))


def _datasources(p):
    items = p['mysql_datasources'] or []
    if not isinstance(items, list):
        _fail('%smysql_datasources must be a list', P)
    out = []
    for index, item in enumerate(items):
        what = '%smysql_datasources[%d]' % (P, index)
        _refuse(checks.unknown_keys(what, item, DATASOURCE_KEYS))
        missing = [k for k in ('name', 'instance', 'database') if not item.get(k)]
        if missing:
            _fail('%s needs %s', what, ', '.join(missing))
        name, instance, database = _text(item['name']), _text(item['instance']), _text(item['database'])
        what = '%s (%s)' % (what, name)
        user = _text(item.get('user') or 'grafana')
        uid = _text(item.get('uid') or '%s-%s' % (instance, database)).replace('_', '-')
        if not _UID.match(uid):
            _fail('%s uid=%s must be 1 to 40 letters, digits, "-" or "_"', what, uid)
        if not _SQL_NAME.match(database) or not _SQL_NAME.match(user):
            _fail('%s: database and user must be 1 to 64 letters, digits, "_" or "$"', what)
        _refuse(_secret(item.get('password') or '', '%s password' % what, user=user))
        end = _mysql_endpoint(p, what, _text(item.get('mysql_host')), instance, item.get('port'),
                              _text(item.get('address')), user, True, database)
        out.append(dict(end, index=index, name=name, uid=uid, type='mysql', database=database, user=user,
                        password_given=bool(item.get('password')), is_default=bool(item.get('is_default'))))
    return out


def _trino(p, plugins):
    item = p['trino_datasource'] or {}
    if not item:
        return None
    what = P + 'trino_datasource'
    _refuse(checks.unknown_keys(what, item, TRINO_KEYS))
    if 'trino-datasource' not in [x['id'] for x in plugins]:
        _fail('%s is set, but %splugins has no trino-datasource (id, version, url, sha256): Grafana has no Trino data '
              'source without that plugin. Add it, or leave %s empty', what, P, what)
    url = _text(item.get('url'))
    if not url.startswith('https://'):
        _fail('%s url=%s must be the https:// URL of the Trino coordinator (its password goes with each query)',
              what, url or "''")
    user = _text(item.get('user') or '')
    if not user:
        _fail('%s needs a user (the Trino account Grafana queries as)', what)
    _refuse(_secret(item.get('password') or '', '%s password' % what, user=user, required=True))
    ca = _text(item.get('ca') or '')
    if ca and '-----BEGIN CERTIFICATE-----' not in ca:
        _fail('%s ca must be a PEM certificate (-----BEGIN CERTIFICATE-----)', what)
    uid = _text(item.get('uid') or 'trino')
    if not _UID.match(uid):
        _fail('%s uid=%s must be 1 to 40 letters, digits, "-" or "_"', what, uid)
    return {'name': _text(item.get('name') or 'Trino'), 'uid': uid, 'type': 'trino-datasource', 'url': url,
            'user': user, 'ca_given': bool(ca), 'is_default': bool(item.get('is_default'))}


def _plugins(p):
    items = p['plugins'] or []
    if not isinstance(items, list):
        _fail('%splugins must be a list', P)
    out = []
    for index, item in enumerate(items):
        what = '%splugins[%d]' % (P, index)
        _refuse(checks.unknown_keys(what, item, PLUGIN_KEYS))
        missing = [k for k in PLUGIN_KEYS if not item.get(k)]
        if missing:
            _fail('%s needs %s (plugins are installed from a pinned, checksummed zip through the artifact cache)',
                  what, ', '.join(missing))
        pid, sha = _text(item['id']), _text(item['sha256']).lower()
        if not _PLUGIN_ID.match(pid):
            _fail('%s id=%s is not a Grafana plugin id (lower-case letters, digits and "-")', what, pid)
        if not _SHA256.match(sha):
            _fail('%s sha256=%s is not a sha256 (64 hex digits)', what, item['sha256'])
        out.append({'id': pid, 'name': 'grafana-plugin-' + pid, 'version': _text(item['version']),
                    'url': _text(item['url']), 'sha256': sha, 'format': 'zip'})
    ids = [x['id'] for x in out]
    twice = sorted(set(i for i in ids if ids.count(i) > 1))
    if twice:
        _fail('%splugins lists %s more than once', P, ', '.join(twice))
    return out


# ---------------------------------------------------------------------------------------------- dashboards
def _ref(uid):
    return {'type': 'mysql', 'uid': uid}


def _target(uid, sql, ref='A', fmt='table'):
    return {'refId': ref, 'datasource': _ref(uid), 'editorMode': 'code', 'format': fmt, 'rawQuery': True,
            'rawSql': sql}


def _stat(panel_id, title, uid, sql, grid, unit='none', text=False):
    return {
        'id': panel_id, 'type': 'stat', 'title': title, 'datasource': _ref(uid), 'gridPos': grid,
        'targets': [_target(uid, sql)],
        'fieldConfig': {'defaults': {'unit': unit, 'color': {'mode': 'thresholds'},
                                     'thresholds': {'mode': 'absolute', 'steps': [{'color': 'blue', 'value': None}]}},
                        'overrides': []},
        'options': {'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '/.*/' if text else '', 'values': False},
                    'colorMode': 'value', 'graphMode': 'none', 'justifyMode': 'auto', 'textMode': 'value',
                    'orientation': 'auto'},
    }


def _dashboard(uid, title, panels, tags):
    return {'uid': uid, 'title': title, 'tags': tags, 'editable': False, 'schemaVersion': 39, 'version': 1,
            'time': {'from': 'now-6h', 'to': 'now'}, 'timezone': 'browser', 'refresh': '', 'panels': panels,
            'templating': {'list': []}, 'annotations': {'list': []}}


# The seed's data product (playbooks/data_product.yml): sales.orders on instance mariadb.
ORDERS_SQL = 'SELECT id, customer_id, amount, ordered_at FROM sales.orders ORDER BY id'
CUSTOMERS_SQL = 'SELECT COUNT(DISTINCT customer_id) AS customers FROM sales.orders'
# information_schema.GLOBAL_STATUS / GLOBAL_VARIABLES: readable by any account, also one with SELECT on one
# database only (molecule/grafana runs each query as such an account on MariaDB 11.8).
VERSION_SQL = "SELECT VARIABLE_VALUE AS version FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME = 'VERSION'"
UPTIME_SQL = ("SELECT CAST(VARIABLE_VALUE AS UNSIGNED) AS uptime FROM information_schema.GLOBAL_STATUS "
              "WHERE VARIABLE_NAME = 'UPTIME'")
CONNECTIONS_SQL = ("SELECT CAST(VARIABLE_VALUE AS UNSIGNED) AS connections FROM information_schema.GLOBAL_STATUS "
                   "WHERE VARIABLE_NAME = 'THREADS_CONNECTED'")


def _customers_orders(uid):
    table = {
        'id': 1, 'type': 'table', 'title': 'Orders', 'datasource': _ref(uid),
        'gridPos': {'h': 10, 'w': 16, 'x': 0, 'y': 0}, 'targets': [_target(uid, ORDERS_SQL)],
        'fieldConfig': {'defaults': {}, 'overrides': []}, 'options': {'showHeader': True, 'cellHeight': 'sm'},
    }
    stat = _stat(2, 'Customers with orders', uid, CUSTOMERS_SQL, {'h': 10, 'w': 8, 'x': 16, 'y': 0})
    return [table, stat]


def _grid(x, y):
    return {'h': 4, 'w': 8, 'x': x, 'y': y}


def _platform_overview(sources):
    panels = []
    for row, ds in enumerate(sources):
        y = row * 5
        title = '%s (%s, port %d)' % (ds['name'], ds['mysql_host'], ds['port'])
        panels.append({'id': row * 10 + 1, 'type': 'row', 'title': title,
                       'collapsed': False, 'gridPos': {'h': 1, 'w': 24, 'x': 0, 'y': y}, 'panels': []})
        panels.append(_stat(row * 10 + 2, 'Version', ds['uid'], VERSION_SQL, _grid(0, y + 1), text=True))
        panels.append(_stat(row * 10 + 3, 'Uptime', ds['uid'], UPTIME_SQL, _grid(8, y + 1), unit='s'))
        panels.append(_stat(row * 10 + 4, 'Connections', ds['uid'], CONNECTIONS_SQL, _grid(16, y + 1)))
    return panels


def panel_datasource_uids(dashboard):
    """The data source uids a dashboard's panels and their queries name (rows included); '' for a
    panel without one that is no row (Grafana would use the default data source)."""
    uids = []

    def ref(value):
        if isinstance(value, dict):
            return _text(value.get('uid'))
        return _text(value)

    def walk(panels):
        for panel in panels or []:
            if not isinstance(panel, dict):
                continue
            if panel.get('type') == 'row':
                walk(panel.get('panels'))
                continue
            uids.append(ref(panel.get('datasource')))
            for target in panel.get('targets') or []:
                if isinstance(target, dict) and target.get('datasource') is not None:
                    uids.append(ref(target.get('datasource')))
    walk(dashboard.get('panels') if isinstance(dashboard, dict) else None)
    return uids


def _dashboards(p, mysql, trino):
    items = p['dashboards'] or []
    if not isinstance(items, list):
        _fail('%sdashboards must be a list', P)
    uids = {d['uid']: d for d in mysql}
    if trino:
        uids[trino['uid']] = trino
    out = []
    for index, item in enumerate(items):
        what = '%sdashboards[%d]' % (P, index)
        _refuse(checks.unknown_keys(what, item, DASHBOARD_KEYS))
        name = _text(item.get('name'))
        if not _NAME.match(name):
            _fail('%s name=%s must be a file name of lower-case letters, digits and "_" (the built-in dashboards: '
                  '%s)', what, name or "''", ', '.join(BUILTIN_DASHBOARDS))
        what = '%s (%s)' % (what, name)
        given = item.get('json')
        if given is not None:
            if name in BUILTIN_DASHBOARDS:
                _fail('%s: %s is a built-in dashboard; give your own a name of its own', what, name)
            if not isinstance(given, dict) or not isinstance(given.get('panels'), list):
                _fail('%s json must be a Grafana dashboard (a dict with panels)', what)
            content = dict(given)
            content.setdefault('uid', name.replace('_', '-')[:40])
            content.setdefault('title', _text(item.get('title') or name))
        elif name == 'customers_orders':
            uid = _text(item.get('datasource') or '')
            if not uid and len(mysql) == 1:
                uid = mysql[0]['uid']
            if not uid:
                _fail('%s needs the datasource (the uid of a %smysql_datasources entry over the instance that holds '
                      'sales.orders)', what, P)
            content = _dashboard('customers-orders', _text(item.get('title') or "Customers' orders"),
                                 _customers_orders(uid), ['datamesh', 'sales'])
        elif name == 'platform_overview':
            wanted = item.get('datasources') or [d['uid'] for d in mysql]
            unknown = [_text(u) for u in wanted if _text(u) not in uids]
            if unknown:
                _fail('%s names the data source(s) %s, which %smysql_datasources does not define (uids: %s)', what,
                      ', '.join(unknown), P, ', '.join(sorted(uids)) or 'none')
            sources = [uids[_text(u)] for u in wanted]
            if not sources:
                _fail('%s has no MariaDB data source to show: define %smysql_datasources', what, P)
            content = _dashboard('platform-overview', _text(item.get('title') or 'Data platform overview'),
                                 _platform_overview(sources), ['datamesh', 'platform'])
        else:
            _fail('%s is no built-in dashboard (%s) and has no json', what, ', '.join(BUILTIN_DASHBOARDS))
        referenced = panel_datasource_uids(content)
        dangling = sorted(set(u for u in referenced if u not in uids and not u.startswith('$')))
        if dangling:
            _fail('%s: panels use the data source uid(s) %s, which the provisioning does not define (uids: %s)',
                  what, ', '.join(repr(u) if not u else u for u in dangling), ', '.join(sorted(uids)) or 'none')
        out.append({'name': name, 'file': name + '.json', 'uid': _text(content.get('uid')),
                    'title': _text(content.get('title')), 'content': content})
    for key in ('file', 'uid'):
        values = [d[key] for d in out]
        twice = sorted(set(v for v in values if values.count(v) > 1))
        if twice:
            _fail('%sdashboards: %s %s given twice', P, key, ', '.join(twice))
    return out


def grafana_settings(params):
    """Return the settings of Grafana on one host (see the filter's documentation)."""
    p = role_params('grafana_settings', params, DEFAULTS, REQUIRED)
    _check_typos(p)
    paths = _paths(p)
    install = _install(p)

    # ------------------------------------------------------------------ server, ports
    port = _int(p['port'], P + 'port', 1, 65535)
    own = [{'name': P + 'port', 'port': port, 'address': _text(p['bind_address']) or None}]
    _refuse(checks.port_problems(checks.host_port_claims('grafana', own, p['host_vars'] or {},
                                                         list(p['group_names'] or []))))
    if p['listening'] is not None:
        _refuse(checks.ports_in_use_problems(own, list(p['listening']), (UNIT,), (USER,)))
    bind = _text(p['bind_address'])
    if bind and not _HOST.match(bind):
        _fail('%sbind_address=%s is not an IP address', P, bind)
    host = _text(p['host'])
    domain = _text(p['domain']) or host
    if not _HOST.match(domain):
        _fail('%sdomain=%s is not a host name', P, domain)

    # ------------------------------------------------------------------ secrets (checked, never returned)
    admin = _text(p['admin_user'])
    if not re.match(r'^[A-Za-z0-9._@-]{1,64}$', admin):
        _fail('%sadmin_user=%s must be 1 to 64 letters, digits, ".", "_", "@" or "-"', P, admin)
    _refuse(_secret(p['admin_password'], P + 'admin_password', user=admin)
            + _secret(p['secret_key'], P + 'secret_key'))

    # ------------------------------------------------------------------ TLS
    cert, key, ca = _text(p['tls_cert']), _text(p['tls_key']), _text(p['tls_ca'])
    if bool(cert) != bool(key):
        _fail('%stls_cert and %stls_key go together: set both (PEM contents), or neither to have a certificate '
              'issued by the platform CA', P, P)
    if cert and '-----BEGIN CERTIFICATE-----' not in cert or ca and '-----BEGIN CERTIFICATE-----' not in ca:
        _fail('%stls_cert and %stls_ca must be PEM certificates (-----BEGIN CERTIFICATE-----)', P, P)
    if key and 'PRIVATE KEY-----' not in key:
        _fail('%stls_key must be a PEM private key', P)
    if ca and not cert:
        _fail('%stls_ca is set but %stls_cert is not: the CA of a given certificate goes with that certificate',
              P, P)
    if cert and p['tls_extra_sans']:
        _fail('%stls_extra_sans only go into an issued certificate, and %stls_cert is given', P, P)
    generated = not cert
    if generated:
        _int(p['tls_days'], P + 'tls_days', 1, 3650)
    tls_dir = paths['config_dir'] + '/tls'
    tls = {'generated': generated, 'cert': tls_dir + '/server.crt', 'key': tls_dir + '/server.key',
           'ca': tls_dir + '/ca.crt' if generated or ca else ''}

    # ------------------------------------------------------------------ database, data sources, dashboards
    database = _database(p)
    plugins = _plugins(p)
    mysql = _datasources(p)
    trino = _trino(p, plugins)
    every = mysql + ([trino] if trino else [])
    for key in ('uid', 'name'):
        values = [d[key] for d in every]
        twice = sorted(set(v for v in values if values.count(v) > 1))
        if twice:
            _fail('%smysql_datasources/%strino_datasource: the %s %s is given twice', P, P, key, ', '.join(twice))
    defaults = [d['name'] for d in every if d['is_default']]
    if len(defaults) > 1:
        _fail('Only one data source can be the default; is_default is true for %s', ', '.join(defaults))
    dashboards = _dashboards(p, mysql, trino)

    config = paths['config_dir']
    provisioning = config + '/provisioning'
    scheme_host = '[%s]' % domain if ':' in domain else domain
    return {
        'install_server': bool(p['install_server']),
        'install': install,
        'user': USER,
        'group': USER,
        'unit': 'grafana-server',
        'config_dir': config,
        'data_dir': paths['data_dir'],
        'logs_dir': paths['logs_dir'],
        'plugins_dir': paths['data_dir'] + '/plugins',
        'provisioning_dir': provisioning,
        'dashboards_dir': config + '/dashboards/datamesh',
        'ini_file': config + '/grafana.ini',
        'validator': config + '/.check_grafana_files.py',
        'datasources_file': provisioning + '/datasources/datamesh.yaml',
        'dashboards_provider_file': provisioning + '/dashboards/datamesh.yaml',
        'tls': tls,
        'port': port,
        'bind_address': bind,
        'domain': domain,
        'root_url': 'https://%s:%d/' % (scheme_host, port),
        'health_url': 'https://127.0.0.1:%d/api/health' % port,
        'health_timeout': _int(p['health_timeout'], P + 'health_timeout', 1, 3600),
        'admin_user': admin,
        'database': database,
        'mysql_datasources': mysql,
        'trino_datasource': trino,
        'datasource_uids': [d['uid'] for d in every],
        'plugins': plugins,
        'dashboards': dashboards,
    }


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'grafana_settings': grafana_settings}
