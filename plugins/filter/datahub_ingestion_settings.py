# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``datahub_ingestion_settings``: everything the datahub_ingestion role derives from its variables.

The secrets (Trino and metastore database passwords, the DataHub token, the recipes' own secrets) go in to
be checked; none comes out. The recipes that come out reference them as ``${NAME}``, which the DataHub CLI
expands from the environment of the unit (an EnvironmentFile only root and the ingestion account read) and
which DataHub's UI ingestion resolves from DataHub secrets of the same name.
"""

from __future__ import annotations

import base64
import json
import posixpath
import re

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.datamesh.platform.plugins.module_utils.datahub import clear_secret_paths as clear_secrets
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks
from ansible_collections.datamesh.platform.plugins.plugin_utils.settings import (
    fail as _fail, refuse as _refuse, role_params, bounded_int as _int, pem_certificate_problems, systemctl_show as _status)

ACTIONS = ('deploy', 'ingest')
KNOWN_VARIABLES = (
    'datahub_ingestion_user', 'datahub_ingestion_groups', 'datahub_ingestion_venv', 'datahub_ingestion_config_dir',
    'datahub_ingestion_data_dir', 'datahub_ingestion_env', 'datahub_ingestion_sink', 'datahub_ingestion_server',
    'datahub_ingestion_token', 'datahub_ingestion_ca', 'datahub_ingestion_trino_host', 'datahub_ingestion_trino_port',
    'datahub_ingestion_trino_user', 'datahub_ingestion_trino_password', 'datahub_ingestion_trino_catalogs',
    'datahub_ingestion_metastore_db_host', 'datahub_ingestion_metastore_db_port',
    'datahub_ingestion_metastore_db_name', 'datahub_ingestion_metastore_db_user',
    'datahub_ingestion_metastore_db_password', 'datahub_ingestion_dbt_target_dir',
    'datahub_ingestion_dbt_run_results', 'datahub_ingestion_dbt_target_platform', 'datahub_ingestion_dbt_after_units',
    'datahub_ingestion_recipes', 'datahub_ingestion_secrets', 'datahub_ingestion_schedule',
    'datahub_ingestion_run', 'datahub_ingestion_run_must_pass', 'datahub_ingestion_fetch_dir',
)
KNOWN_FACTS = ('datahub_ingestion_result',)
# Guesses for the passwords and tokens, on top of the collection's list.
KNOWN_SECRETS = ('datahub', 'hive', 'metastore', 'trino', 'ingestion')
SINKS = ('file', 'datahub-rest')
# dbt's target platforms DataHub maps dbt nodes to (the warehouse the models are built in).
DBT_PLATFORMS = ('trino', 'hive', 'mysql', 'mariadb', 'postgres', 'spark', 'athena', 'bigquery', 'snowflake',
                 'redshift', 'databricks')
# The environment variables of the generated recipes' secrets, and the one of the sink's token.
TRINO_PASSWORD = 'DATAHUB_TRINO_PASSWORD'
METASTORE_PASSWORD = 'DATAHUB_METASTORE_DB_PASSWORD'
GMS_TOKEN = 'DATAHUB_GMS_TOKEN'
BUILTIN_SECRETS = (TRINO_PASSWORD, METASTORE_PASSWORD, GMS_TOKEN)
# The role's runner of one recipe (files/datamesh-datahub-ingest), run by the venv's python.
RUNNER = '/usr/local/libexec/datamesh-datahub-ingest'
RECIPE_KEYS = ('name', 'source', 'schedule')
_ANY_REFERENCE = re.compile(r'\$\{([^}]*)\}')
_SECRET_NAME = re.compile(r'^[A-Z][A-Z0-9_]{0,63}$')
_NAME = re.compile(r'^[a-z][a-z0-9_-]{0,62}$')
_USER = re.compile(r'^[a-z_][a-z0-9_-]{0,31}$')
_HOST = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$')
_LOGIN = re.compile(r'^[A-Za-z0-9._@-]{1,128}$')
_IDENTIFIER = re.compile(r'^[a-z_][a-z0-9_]{0,127}$')
_UNIT = re.compile(r'^[A-Za-z0-9@_.:-]{1,200}[.]service$')
_ENV = re.compile(r'^[A-Z][A-Z0-9_]{0,31}$')
_SAFE_PATH = re.compile(r'^[A-Za-z0-9._/@+-]+$')

DEFAULTS = {
    'action': 'deploy',
    'user': 'datahub-ingest',
    'groups': [],
    'venv': '/opt/datamesh/datahub-ingestion/venv',
    'config_dir': '/etc/datamesh/datahub-ingestion',
    'data_dir': '/var/lib/datamesh/datahub-ingestion',
    'env': 'PROD',
    'sink': 'file',
    'server': '',
    'token': '',
    'ca': '',
    'trino_host': '',
    'trino_port': 2020,
    'trino_user': 'datahub',
    'trino_password': '',
    'trino_catalogs': [],
    'metastore_db_host': '',
    'metastore_db_port': 3306,
    'metastore_db_name': 'metastore',
    'metastore_db_user': 'datahub',
    'metastore_db_password': '',
    'dbt_target_dir': '',
    'dbt_run_results': 'datamesh_build_results.json',
    'dbt_target_platform': 'trino',
    'dbt_after_units': [],
    'recipes': [],
    'secrets': {},
    'schedule': 'daily',
    'run': [],
    'run_must_pass': True,
    'fetch_dir': '',
    # what preflight read (each check skipped when None)
    'variables': None,
    'calendar': None,
    'units_present': None,
    'check_mode': False,
    # what the ingest entry point read after the runs: the results of `systemctl show` and of slurp
    # of the reports, one per recipe run, in the order of the settings' run
    'status_results': None,
    'report_results': None,
}


def _ca_problems(pem, name, required_for):
    if not pem:
        return ['%s is required %s: the CA certificate (PEM) that signed its HTTPS certificate, e.g. the platform '
                'CA <credentials dir>/tls/ca.crt' % (name, required_for)] if required_for else []
    return pem_certificate_problems(pem, name)


def _env_value_problems(name, value):
    """The secrets go into a systemd environment file, in double quotes: nothing in them may be interpreted."""
    if isinstance(value, str) and re.search('["\'\\\\$`\r\n]', value):
        return ['%s holds a quote, backslash, $, backquote or line break, which the environment file of the units '
                'would interpret: use letters, digits and other punctuation' % name]
    return []


def references(value):
    """The ``${NAME}`` references anywhere in a recipe, sorted."""
    return sorted(set(_ANY_REFERENCE.findall(json.dumps(value, sort_keys=True))))


def _failure_text(failure):
    """One failure of a run's report: its title, message and first two context lines."""
    context = '; '.join(to_text(c) for c in (failure.get('context') or [])[:2])
    return ('%s: %s %s' % (failure.get('title', ''), failure.get('message', ''), context)).strip()


def _run_result(recipe, run):
    """One recipe's run: systemd's exit status and the DataHub CLI's report (--report-to)."""
    status = _status(run.get('unit_status'))
    report = run.get('report') if isinstance(run.get('report'), dict) else {}
    source = report.get('source', {}).get('report', {}) if isinstance(report.get('source'), dict) else {}
    sink = report.get('sink', {}).get('report', {}) if isinstance(report.get('sink'), dict) else {}

    def count(section, key):
        item = section.get(key)
        if isinstance(item, (list, dict)):
            return len(item)
        try:
            return int(item or 0)
        except (TypeError, ValueError):
            return 0
    rc = int(status.get('ExecMainStatus') or 0) if to_text(status.get('ExecMainStatus', '0')).isdigit() else 1
    result = status.get('Result', '')
    return {
        'name': recipe['name'],
        'type': recipe['type'],
        'unit': recipe['service'],
        'rc': rc,
        'systemd_result': result,
        'success': rc == 0 and result in ('success', '') and report.get('status') == 'SUCCESS',
        'workunits': count(source, 'events_produced'),
        'records_written': count(sink, 'total_records_written'),
        'failures': count(source, 'failures') + count(sink, 'failures'),
        'warnings': count(source, 'warnings') + count(sink, 'warnings'),
        # What went wrong, from the report (DataHub masks the secrets it knows in it).
        'failure_messages': [_failure_text(f) for f in (source.get('failures') or []) + (sink.get('failures') or [])
                             if isinstance(f, dict)][:5],
        'output': recipe['output'] if recipe['sink'] == 'file' else '',
        'report': recipe['report'],
    }


def datahub_ingestion_settings(params, prefix=''):
    """Return the settings of the DataHub ingestion on one host (see the filter's documentation)."""
    p = role_params('datahub_ingestion_settings', params, DEFAULTS, ())

    def name(key):
        return prefix + key

    action = to_text(p['action'])
    if action not in ACTIONS:
        _fail('datahub_ingestion_settings: action must be deploy or ingest, not %s', action)
    if p['variables'] is not None:
        _refuse(checks.unknown_variables('datahub_ingestion', [to_text(v) for v in p['variables']],
                                         KNOWN_VARIABLES + KNOWN_FACTS))

    user = to_text(p['user'])
    if not _USER.match(user) or user == 'root':
        _fail('%s=%s must be a system account name (lower-case letters, digits, "_" or "-") other than root: the '
              'ingestion runs as this unprivileged user', name('user'), user)
    groups = p['groups']
    if not isinstance(groups, list) or not all(isinstance(g, str) and _USER.match(g) and g != 'root' for g in groups):
        _fail('%s must be a list of group names (not root), e.g. [dbt] to read the dbt project\'s target/',
              name('groups'))

    paths = {name('venv'): p['venv'], name('config_dir'): p['config_dir'], name('data_dir'): p['data_dir']}
    _refuse(checks.path_problems(paths))
    bad = [n for n, v in paths.items() if not _SAFE_PATH.match(v)]
    if bad:  # they go unquoted into the systemd units
        _fail('%s may only hold letters, digits and . _ - @ + /', ', '.join('%s=%s' % (n, paths[n]) for n in bad))
    venv, config_dir, data_dir = (posixpath.normpath(p[k]) for k in ('venv', 'config_dir', 'data_dir'))
    env = to_text(p['env'] or '')
    if not _ENV.match(env):
        _fail('%s=%s must be a DataHub environment (fabric) such as PROD, DEV or TEST', name('env'), env)
    fetch_dir = to_text(p['fetch_dir'] or '')
    if fetch_dir:
        if not fetch_dir.startswith('/') or posixpath.normpath(fetch_dir) != fetch_dir.rstrip('/') or \
                posixpath.normpath(fetch_dir) in checks.SYSTEM_DIRS:
            _fail('%s=%s must be an absolute, normalised directory on the Ansible controller, not a system '
                  'directory (the file sink\'s output and the reports are copied into it)', name('fetch_dir'),
                  fetch_dir)
        fetch_dir = posixpath.normpath(fetch_dir)

    # ------------------------------------------------------------------ the sink
    sink = to_text(p['sink'])
    if sink not in SINKS:
        _fail('%s=%s must be file (metadata written to files under %s, e.g. to check or ship them) or datahub-rest '
              '(sent to DataHub\'s GMS)', name('sink'), sink, name('data_dir'))
    server = to_text(p['server'] or '').rstrip('/')
    ca = to_text(p['ca'] or '').strip()
    if sink == 'datahub-rest':
        if not re.match(r'^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._/-]*)?$', server):
            _fail('%s=%s must be the https:// URL of DataHub\'s GMS (e.g. https://datahub.example.net:8943, the '
                  'TLS port of roles/datahub) with %s=datahub-rest', name('server'), server or '""', name('sink'))
        _refuse(checks.secret_problems(name('token'), p['token'], known=KNOWN_SECRETS, required=True)
                + _env_value_problems(name('token'), p['token']))
    elif p['token']:
        _fail('%s is set but %s=file sends nothing to DataHub: set %s=datahub-rest, or remove the token',
              name('token'), name('sink'), name('sink'))

    # ------------------------------------------------------------------ the recipes
    secrets = p['secrets']
    if not isinstance(secrets, dict):
        _fail('%s must be a dict of NAME: value (the ${NAME} the recipes reference)', name('secrets'))
    problems = []
    for key, value in secrets.items():
        if not isinstance(key, str) or not _SECRET_NAME.match(key):
            problems.append('%s: %s is not a secret name (upper-case letters, digits and _, starting with a letter, '
                            'as DataHub secrets and environment variables are named)' % (name('secrets'), key))
        elif key in BUILTIN_SECRETS:
            problems.append('%s: %s is set by the role from its own variables; give your secret another name'
                            % (name('secrets'), key))
        else:
            problems += checks.secret_problems('%s.%s' % (name('secrets'), key), value, known=KNOWN_SECRETS,
                                               min_length=8, required=True)
            problems += _env_value_problems('%s.%s' % (name('secrets'), key), value)
    _refuse(problems)

    sink_config = None
    if sink == 'datahub-rest':
        sink_config = {'type': 'datahub-rest', 'config': {'server': server, 'token': '${%s}' % GMS_TOKEN}}
        if ca:
            sink_config['config']['ca_certificate_path'] = config_dir + '/ca.crt'
    recipes = []
    ca_file = config_dir + '/ca.crt'

    # Trino (pull): one recipe per catalog, password authentication over HTTPS trusting only the CA.
    trino_host = to_text(p['trino_host'] or '')
    if trino_host:
        if not _HOST.match(trino_host):
            _fail('%s=%s is not a host name or IP address', name('trino_host'), trino_host)
        port = _int(p['trino_port'], name('trino_port'), 1, 65535, 'a port')
        login = to_text(p['trino_user'] or '')
        if not _LOGIN.match(login):
            _fail('%s=%s must be the Trino user of the ingestion (1 to 128 letters, digits, ".", "_", "@" or "-")',
                  name('trino_user'), login)
        _refuse(checks.secret_problems(name('trino_password'), p['trino_password'], user=login, known=KNOWN_SECRETS,
                                       required=True) + _env_value_problems(name('trino_password'), p['trino_password']))
        catalogs = p['trino_catalogs']
        if not isinstance(catalogs, list) or not catalogs or \
                not all(isinstance(c, str) and _IDENTIFIER.match(c) for c in catalogs):
            _fail('%s must list the Trino catalogs to ingest (e.g. [hive, mariadb]) when %s is set: lower-case '
                  'letters, digits and _', name('trino_catalogs'), name('trino_host'))
        if len(set(catalogs)) != len(catalogs):
            _fail('%s names a catalog twice', name('trino_catalogs'))
        for catalog in catalogs:
            recipes.append({'name': 'trino-' + catalog.replace('_', '-'), 'schedule_default': True, 'source': {
                'type': 'trino',
                'config': {
                    'host_port': '%s:%d' % (trino_host, port),
                    'database': catalog,
                    'username': login,
                    'password': '${%s}' % TRINO_PASSWORD,
                    'env': env,
                    'options': {'connect_args': {'http_scheme': 'https', 'verify': ca_file}},
                },
            }})
    elif p['trino_catalogs']:
        _fail('%s is set but %s is empty: name the Trino coordinator', name('trino_catalogs'), name('trino_host'))

    # The Hive Metastore (pull, through its database, read-only account).
    db_host = to_text(p['metastore_db_host'] or '')
    if db_host:
        if not _HOST.match(db_host):
            _fail('%s=%s is not a host name or IP address', name('metastore_db_host'), db_host)
        db_port = _int(p['metastore_db_port'], name('metastore_db_port'), 1, 65535, 'a port')
        db_user = to_text(p['metastore_db_user'] or '')
        if not _LOGIN.match(db_user) or len(db_user) > 80:
            _fail('%s=%s must be a MariaDB/MySQL account name', name('metastore_db_user'), db_user)
        db_name = to_text(p['metastore_db_name'] or '')
        if not re.match(r'^[A-Za-z0-9_]{1,64}$', db_name):
            _fail('%s=%s must be a database name (letters, digits and _)', name('metastore_db_name'), db_name)
        _refuse(checks.secret_problems(name('metastore_db_password'), p['metastore_db_password'], user=db_user,
                                       known=KNOWN_SECRETS, required=True)
                + _env_value_problems(name('metastore_db_password'), p['metastore_db_password']))
        recipes.append({'name': 'metastore', 'schedule_default': True, 'source': {
            'type': 'hive-metastore',
            'config': {
                'host_port': '%s:%d' % (db_host, db_port),
                'database': db_name,
                'username': db_user,
                'password': '${%s}' % METASTORE_PASSWORD,
                'scheme': 'mysql+pymysql',
                'env': env,
            },
        }})

    # dbt (push of the artifacts of the last build: manifest, catalog, run results with the tests).
    target = to_text(p['dbt_target_dir'] or '')
    after = p['dbt_after_units']
    if target:
        _refuse(checks.path_problems({name('dbt_target_dir'): target}))
        if not _SAFE_PATH.match(target):
            _fail('%s=%s may only hold letters, digits and . _ - @ + /', name('dbt_target_dir'), target)
        target = posixpath.normpath(target)
        run_results = to_text(p['dbt_run_results'] or '')
        if not re.match(r'^[A-Za-z0-9._-]+[.]json$', run_results):
            _fail('%s=%s must be the file name of run results in %s, e.g. run_results.json or the dbt_project '
                  'role\'s datamesh_build_results.json', name('dbt_run_results'), run_results, name('dbt_target_dir'))
        platform = to_text(p['dbt_target_platform'] or '')
        if platform not in DBT_PLATFORMS:
            _fail('%s=%s must be the platform the models are built on, one of %s', name('dbt_target_platform'),
                  platform, ', '.join(DBT_PLATFORMS))
        recipes.append({'name': 'dbt', 'schedule_default': False, 'source': {
            'type': 'dbt',
            'config': {
                'manifest_path': target + '/manifest.json',
                'catalog_path': target + '/catalog.json',
                'run_results_paths': [target + '/' + run_results],
                'target_platform': platform,
                'env': env,
                # PATCH (the default) merges with what DataHub holds and needs a server to read it from.
                'write_semantics': 'PATCH' if sink == 'datahub-rest' else 'OVERRIDE',
            },
        }})
    if not isinstance(after, list) or not all(isinstance(u, str) and _UNIT.match(u) for u in after):
        _fail('%s must be a list of systemd service names (e.g. [datamesh-dbt-datamesh_seed.service])',
              name('dbt_after_units'))
    if after and not target:
        _fail('%s is set but %s is empty: there is no dbt recipe to run after them', name('dbt_after_units'),
              name('dbt_target_dir'))

    # The site's own recipes.
    own = p['recipes']
    if not isinstance(own, list):
        _fail('%s must be a list of {name, source: {type, config}, schedule}', name('recipes'))
    problems = []
    for index, item in enumerate(own):
        label = '%s[%d]' % (name('recipes'), index)
        if not isinstance(item, dict):
            problems.append('%s must be a dict {name, source: {type, config}, schedule}' % label)
            continue
        problems += checks.unknown_keys(label, item, RECIPE_KEYS)
        recipe_name = to_text(item.get('name') or '')
        if not _NAME.match(recipe_name):
            problems.append('%s.name=%s must be 1 to 63 lower-case letters, digits, "_" or "-", starting with a '
                            'letter (it names the unit)' % (label, recipe_name or '""'))
            continue
        source = item.get('source')
        if not isinstance(source, dict) or not isinstance(source.get('type'), str) or \
                not isinstance(source.get('config', {}), dict):
            problems.append('%s (%s).source must be a dict {type: <DataHub source type>, config: {...}}'
                            % (label, recipe_name))
            continue
        problems += checks.unknown_keys('%s (%s).source' % (label, recipe_name), source, ('type', 'config'))
        recipes.append({'name': recipe_name, 'schedule': item.get('schedule'), 'schedule_default': True,
                        'source': source})
    _refuse(problems)
    if not recipes:
        _fail('nothing to ingest: set %s (with %s), %s, %s or %s', name('trino_host'), name('trino_catalogs'),
              name('metastore_db_host'), name('dbt_target_dir'), name('recipes'))
    names = [r['name'] for r in recipes]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        _fail('%s: the recipe names %s are used twice (the role names its own trino-<catalog>, metastore and dbt)',
              name('recipes'), ', '.join(twice))

    # Secrets only by reference, and every reference to something.
    given = set(secrets) | {s for s, v in ((TRINO_PASSWORD, trino_host), (METASTORE_PASSWORD, db_host),
                                           (GMS_TOKEN, sink == 'datahub-rest')) if v}
    problems = []
    for recipe in recipes:
        for path in clear_secrets(recipe['source']):
            problems.append('%s: the recipe %s has a secret in clear at source.%s: put the value into %s as NAME and '
                            'write "${NAME}" in the recipe (a DataHub secret of that name serves UI ingestion)'
                            % (name('recipes'), recipe['name'], path, name('secrets')))
        for ref in references(recipe['source']):
            if ref not in given:
                problems.append('%s: the recipe %s references ${%s}, which is not in %s' % (
                    name('recipes'), recipe['name'], ref, name('secrets')))
    _refuse(problems)

    # Schedules: systemd's own parser judged them (preflight ran systemd-analyze calendar on each).
    default_schedule = to_text(p['schedule'] or '').strip()
    calendar = p['calendar'] if isinstance(p['calendar'], dict) else {}
    for recipe in recipes:
        own_schedule = recipe.pop('schedule', None)
        variable = name('schedule') if own_schedule is None else '%s (%s).schedule' % (name('recipes'), recipe['name'])
        schedule = default_schedule if own_schedule is None and recipe.pop('schedule_default') \
            else to_text(own_schedule or '')
        recipe.pop('schedule_default', None)
        schedule = schedule.strip()
        if '\n' in schedule or '\r' in schedule:
            _fail('%s must be one systemd calendar expression on one line', variable)
        verdict = calendar.get(schedule)
        if schedule and isinstance(verdict, dict) and verdict.get('rc', 0) != 0:
            reason = to_text(verdict.get('stderr') or verdict.get('stdout') or '').strip().splitlines()
            _fail('%s=%s is not a systemd calendar expression (systemd-analyze calendar: %s). Examples: daily, '
                  'hourly, "*-*-* 03:00:00" (man systemd.time); "" = no timer', variable, schedule,
                  reason[-1] if reason else 'refused')
        recipe['schedule'] = schedule

    _refuse(_ca_problems(ca, name('ca'), 'to reach Trino over HTTPS (%s is set)' % name('trino_host')
                         if trino_host else ''))

    out_recipes = []
    for recipe in recipes:
        unit = 'datamesh-datahub-ingest-' + recipe['name']
        output = '%s/output/%s.json' % (data_dir, recipe['name'])
        document = {
            'pipeline_name': 'datamesh-' + recipe['name'],
            'source': recipe['source'],
            'sink': sink_config or {'type': 'file', 'config': {'filename': output}},
        }
        out_recipes.append({
            'name': recipe['name'],
            'type': to_text(recipe['source'].get('type')),
            'file': '%s/recipes/%s.yml' % (config_dir, recipe['name']),
            'document': document,
            'secrets': references(recipe['source']) + ([GMS_TOKEN] if sink == 'datahub-rest' else []),
            'unit': unit,
            'service': unit + '.service',
            'timer': unit + '.timer',
            'schedule': recipe['schedule'],
            'sink': sink,
            'output': output,
            'report': '%s/reports/%s.json' % (data_dir, recipe['name']),
        })

    run = p['run']
    if not isinstance(run, list) or not all(isinstance(r, str) for r in run):
        _fail('%s must be a list of recipe names (empty = all)', name('run'))
    unknown = sorted(set(run) - {r['name'] for r in out_recipes})
    if unknown:
        _fail('%s names recipes this host does not have: %s (it has %s)', name('run'), ', '.join(unknown),
              ', '.join(r['name'] for r in out_recipes))
    selected = [r for r in out_recipes if not run or r['name'] in run]
    if action == 'ingest' and isinstance(p['units_present'], dict):
        missing = [r['service'] for r in selected if not p['units_present'].get(r['service'])]
        if missing:
            _fail('the units %s do not exist on this host: apply the main entry point of datahub_ingestion (with the '
                  'same variables) before the ingest entry point', ', '.join(missing))

    out = {
        'action': action,
        'user': user,
        'groups': groups,
        'venv': venv,
        'datahub': venv + '/bin/datahub',
        'runner': RUNNER,
        'config_dir': config_dir,
        'recipes_dir': config_dir + '/recipes',
        'secrets_file': config_dir + '/secrets.env',
        'ca_file': ca_file if ca else '',
        'data_dir': data_dir,
        'dirs': [data_dir + '/output', data_dir + '/reports'],
        'parents': checks.parent_dirs([venv, config_dir, data_dir]),
        'sink': sink,
        'recipes': out_recipes,
        'run': [r['name'] for r in selected],
        # what the ingest entry point copies to fetch_dir: the reports, and the file sink's output
        'fetch_files': [r['report'] for r in selected] + [r['output'] for r in selected if sink == 'file'],
        'run_must_pass': bool(p['run_must_pass']),
        'fetch_dir': fetch_dir,
        'after_units': after,
        'dbt_unit': 'datamesh-datahub-ingest-dbt.service' if target else '',
        'environment': {
            'HOME': data_dir,
            'DATAHUB_TELEMETRY_ENABLED': 'false',
            'DATAHUB_VERSION_CHECK': 'false',
            'PYTHONDONTWRITEBYTECODE': '1',
        },
    }
    out['units'] = [{
        'name': r['unit'],
        'description': 'DataHub ingestion of the recipe %s (%s)' % (r['name'], r['type']),
        'documentation': 'https://docs.datahub.com/docs/metadata-ingestion',
        'type': 'oneshot',
        'user': user,
        'environment_file': out['secrets_file'],
        'environment': out['environment'],
        'working_directory': data_dir,
        'exec_start_pre': ['/bin/rm -f ' + r['report']],
        # `datahub ingest run -c <recipe>`, plus the run's report for every sink (files/datamesh-datahub-ingest).
        'exec_start': ' '.join([venv + '/bin/python', RUNNER, r['file'], r['report']]),
        # A failed run is an answer, not a crash: never run again by itself.
        'restart': 'no',
        'timeout_start_sec': '1h',
        'read_write_paths': [data_dir],
        # In a dry run on a fresh host the venv does not exist yet.
        'verify_executables': not p['check_mode'],
    } for r in out_recipes]
    if action == 'ingest' and isinstance(p['status_results'], list):
        out['result'] = _ingest_result(out, p['status_results'], p['report_results'] or [])
    return out


def _report(result):
    """The CLI's JSON report from a slurp result; {} when it is missing or unreadable."""
    if not isinstance(result, dict) or not result.get('content'):
        return {}
    try:
        report = json.loads(base64.b64decode(result['content']).decode('utf-8'))
    except (ValueError, TypeError):
        return {}
    return report if isinstance(report, dict) else {}


def _ingest_result(settings, status_results, report_results):
    selected = [r for r in settings['recipes'] if r['name'] in settings['run']]
    results = []
    for index, recipe in enumerate(selected):
        status = status_results[index] if index < len(status_results) else {}
        report = report_results[index] if index < len(report_results) else {}
        results.append(_run_result(recipe, {'unit_status': status.get('stdout') if isinstance(status, dict) else '',
                                            'report': _report(report)}))
    return {
        'success': all(r['success'] for r in results),
        'failed': [r['name'] for r in results if not r['success']],
        'recipes': results,
        # A run that wrote metadata changed something: DataHub's graph, or the file sink's output.
        'changed': any(r['records_written'] > 0 for r in results),
    }


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'datahub_ingestion_settings': datahub_ingestion_settings}
