# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Check a candidate Grafana file before it replaces the one in place (the `validate:` of the grafana role).

    python3 check_grafana_files.py ini FILE                 grafana.ini
    python3 check_grafana_files.py datasources FILE         provisioning/datasources/*.yaml
    python3 check_grafana_files.py dashboards FILE          provisioning/dashboards/*.yaml (the provider)
    python3 check_grafana_files.py dashboard FILE UIDS      a dashboard JSON; UIDS: the provisioned data source uids, comma-separated

grafana-server has no offline check of its configuration, and is not installed in preparation mode. This
checks what would make Grafana refuse to start, or start unsafely: the file parses (INI as Grafana's parser
reads it, YAML, JSON), HTTPS with a certificate, an admin password that is not Grafana's default, a secret
key, sign-up and anonymous access off; the provisioning schema of Grafana's documentation
(https://grafana.com/docs/grafana/latest/administration/provisioning/). Exit 0 = fine; otherwise the
problems on stderr. Never prints a value of a secret.
"""
import configparser
import json
import sys

MYSQL_SECURE = ('password',)


def fail(problems):
    for problem in problems:
        print(problem, file=sys.stderr)
    sys.exit(1 if problems else 0)


def unquote(value):
    value = (value or '').strip()
    if len(value) >= 6 and value.startswith('"""') and value.endswith('"""'):
        return value[3:-3]
    return value


def check_ini(path):
    parser = configparser.ConfigParser(interpolation=None, strict=True, comment_prefixes=('#', ';'),
                                       inline_comment_prefixes=None, default_section='__none__')
    try:
        with open(path, encoding='utf-8') as handle:
            parser.read_file(handle)
    except (configparser.Error, UnicodeDecodeError) as exc:
        text = str(exc).lower()
        detail = '' if 'password' in text or 'secret' in text else ': %s' % exc
        return ['not a valid INI file: %s%s' % (type(exc).__name__, detail)]
    problems = []

    def get(section, key):
        return parser.get(section, key, fallback=None)

    for section in ('paths', 'server', 'database', 'security', 'users', 'auth.anonymous'):
        if not parser.has_section(section):
            problems.append('section [%s] is missing' % section)
    if problems:
        return problems
    if get('server', 'protocol') != 'https':
        problems.append('[server] protocol must be https')
    for key in ('cert_file', 'cert_key', 'root_url'):
        if not get('server', key):
            problems.append('[server] %s is empty' % key)
    try:
        port = int(get('server', 'http_port'))
        if not 1 <= port <= 65535:
            raise ValueError
    except (TypeError, ValueError):
        problems.append('[server] http_port is not a port')
    password = unquote(get('security', 'admin_password'))
    if not password:
        problems.append('[security] admin_password is empty')
    elif password.lower() == 'admin':
        problems.append("[security] admin_password is Grafana's default")
    if not unquote(get('security', 'secret_key')):
        problems.append('[security] secret_key is empty')
    if (get('users', 'allow_sign_up') or '').lower() != 'false':
        problems.append('[users] allow_sign_up must be false')
    if (get('auth.anonymous', 'enabled') or '').lower() != 'false':
        problems.append('[auth.anonymous] enabled must be false')
    kind = get('database', 'type')
    if kind not in ('sqlite3', 'mysql'):
        problems.append('[database] type must be sqlite3 or mysql')
    elif kind == 'mysql':
        for key in ('host', 'name', 'user'):
            if not get('database', key):
                problems.append('[database] %s is empty' % key)
        if not unquote(get('database', 'password')):
            problems.append('[database] password is empty')
    for key in ('data', 'logs', 'plugins', 'provisioning'):
        if not (get('paths', key) or '').startswith('/'):
            problems.append('[paths] %s must be an absolute path' % key)
    return problems


def load_yaml(path):
    import yaml  # pylint: disable=import-outside-toplevel  # python3-yaml, installed by the role
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def check_datasources(path):
    try:
        data = load_yaml(path)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return ['not valid YAML: %s' % type(exc).__name__]
    if not isinstance(data, dict) or data.get('apiVersion') != 1:
        return ['apiVersion must be 1']
    sources = data.get('datasources')
    if not isinstance(sources, list):
        return ['datasources must be a list']
    problems = []
    names, uids, defaults = [], [], 0
    for index, ds in enumerate(sources):
        where = 'datasources[%d]' % index
        if not isinstance(ds, dict):
            problems.append('%s is not a mapping' % where)
            continue
        for key in ('name', 'type', 'uid', 'url'):
            if not isinstance(ds.get(key), str) or not ds.get(key):
                problems.append('%s has no %s' % (where, key))
        uid = ds.get('uid') or ''
        if len(uid) > 40:
            problems.append('%s uid is longer than 40 characters' % where)
        names.append(ds.get('name'))
        uids.append(uid)
        defaults += bool(ds.get('isDefault'))
        for key in ('jsonData', 'secureJsonData'):
            if key in ds and not isinstance(ds[key], dict):
                problems.append('%s %s must be a mapping' % (where, key))
        if ds.get('type') == 'mysql':
            if not ds.get('user'):
                problems.append('%s (mysql) has no user' % where)
            if not (ds.get('jsonData') or {}).get('database'):
                problems.append('%s (mysql) has no jsonData.database' % where)
            if not (ds.get('secureJsonData') or {}).get('password'):
                problems.append('%s (mysql) has no secureJsonData.password' % where)
            if 'password' in ds or 'database' in ds:
                problems.append('%s (mysql): password and database go into secureJsonData/jsonData' % where)
    for what, values in (('name', names), ('uid', uids)):
        twice = sorted(set(v for v in values if values.count(v) > 1 and v))
        if twice:
            problems.append('the %s %s is given twice' % (what, ', '.join(twice)))
    if defaults > 1:
        problems.append('more than one data source is the default')
    return problems


def check_dashboards(path):
    try:
        data = load_yaml(path)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return ['not valid YAML: %s' % type(exc).__name__]
    if not isinstance(data, dict) or data.get('apiVersion') != 1 or not isinstance(data.get('providers'), list):
        return ['apiVersion must be 1 and providers a list']
    problems = []
    for index, provider in enumerate(data['providers']):
        if not isinstance(provider, dict) or not provider.get('name') or provider.get('type') != 'file' \
                or not str((provider.get('options') or {}).get('path', '')).startswith('/'):
            problems.append('providers[%d] needs a name, type file and options.path (absolute)' % index)
    return problems


def panel_uids(panels):
    for panel in panels or []:
        if not isinstance(panel, dict):
            continue
        if panel.get('type') == 'row':
            yield from panel_uids(panel.get('panels'))
            continue
        refs = [panel.get('datasource')] + [t.get('datasource') for t in panel.get('targets') or []
                                            if isinstance(t, dict) and t.get('datasource') is not None]
        for ref in refs:
            yield ref.get('uid') if isinstance(ref, dict) else ref


def check_dashboard(path, uids):
    try:
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)
    except (ValueError, UnicodeDecodeError) as exc:
        return ['not valid JSON: %s' % exc]
    if not isinstance(data, dict) or not isinstance(data.get('panels'), list) or not data.get('uid') \
            or not data.get('title'):
        return ['not a Grafana dashboard (uid, title and a list of panels)']
    known = set(u for u in uids.split(',') if u and u != '-')
    unknown = sorted(set(str(u) for u in panel_uids(data['panels']) if u not in known and not str(u).startswith('$')))
    return ['panels use data source uid(s) the provisioning does not define: %s' % ', '.join(unknown)] if unknown else []


def main(argv):
    if len(argv) < 3 or argv[1] not in ('ini', 'datasources', 'dashboards', 'dashboard'):
        print(__doc__, file=sys.stderr)
        return 2
    mode, path = argv[1], argv[2]
    if mode == 'ini':
        fail(check_ini(path))
    elif mode == 'datasources':
        fail(check_datasources(path))
    elif mode == 'dashboards':
        fail(check_dashboards(path))
    else:
        fail(check_dashboard(path, argv[3] if len(argv) > 3 else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
