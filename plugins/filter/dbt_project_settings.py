# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``dbt_project_settings``: everything the dbt_project role derives from its variables, as one dict."""

from __future__ import annotations

import json
import posixpath
import re

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks
from ansible_collections.datamesh.platform.plugins.plugin_utils.settings import (
    fail as _fail, refuse as _refuse, role_params, bounded_int as _int, pem_certificate_problems, systemctl_show as _status)

try:
    import yaml
    HAS_YAML = True
except ImportError:  # ansible-core depends on PyYAML
    HAS_YAML = False

ACTIONS = ('deploy', 'build')
# The role's variables (meta/argument_specs.yml; a unit test keeps them equal): any other
# dbt_project_* variable is a typo the role would ignore.
KNOWN_VARIABLES = (
    'dbt_project_name', 'dbt_project_src', 'dbt_project_dir', 'dbt_project_user', 'dbt_project_venv',
    'dbt_project_profiles_dir', 'dbt_project_trino_host', 'dbt_project_trino_port', 'dbt_project_trino_user',
    'dbt_project_trino_password', 'dbt_project_trino_ca', 'dbt_project_trino_catalog', 'dbt_project_trino_schema',
    'dbt_project_threads', 'dbt_project_vars', 'dbt_project_schedule', 'dbt_project_build_select',
    'dbt_project_build_must_pass', 'dbt_project_docs_fetch_dir',
)
# Facts the role sets (the build entry point), in scope like variables on a later run.
KNOWN_FACTS = ('dbt_project_build_result',)
# Guesses for the password of dbt's Trino account, on top of the collection's list.
KNOWN_SECRETS = ('dbt', 'dbt-trino', 'dbtpassword', 'analytics', 'warehouse')
# What dbt writes into the project directory at run time (never deployed, never deleted as stale):
# target-path, log-path, packages-install-path, and version control.
RUNTIME_DIRS = ('target', 'logs', 'dbt_packages', '.git')
# The files that `dbt docs generate` writes into target/ and a docs site serves (roles/nginx_docs).
DOCS_FILES = ('index.html', 'manifest.json', 'catalog.json')
# target/run_results.json of `dbt build`, kept by the run script (files/datamesh-dbt-run) before
# `dbt docs generate` overwrites run_results.json with its own.
BUILD_RESULTS = 'datamesh_build_results.json'
# dbt node types whose success means the warehouse was written (tests and others only read).
WRITING_TYPES = ('model', 'seed', 'snapshot')
# dbt's failed statuses in run_results.json.
FAILED = ('error', 'fail', 'runtime error')
_NAME = re.compile(r'^[a-z][a-z0-9_]{0,62}$')
_USER = re.compile(r'^[a-z_][a-z0-9_-]{0,31}$')
_HOST = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$')
_TRINO_USER = re.compile(r'^[A-Za-z0-9._@-]{1,128}$')
_IDENTIFIER = re.compile(r'^[a-z_][a-z0-9_]{0,127}$')
_SELECT = re.compile(r'^[A-Za-z0-9_.:+*@,/=-]+$')
_SECRETISH = re.compile(r'pass(word|wd)?|secret|token|credential|api_?key|private', re.IGNORECASE)

DEFAULTS = {
    'action': 'deploy',
    'name': 'datamesh_seed',
    'src': '',
    'dir': '/var/lib/datamesh/dbt/datamesh_seed/project',
    'user': 'dbt',
    'venv': '/opt/datamesh/dbt/venv',
    'profiles_dir': '/etc/datamesh/dbt/datamesh_seed',
    'trino_host': '',
    'trino_port': 2020,
    'trino_user': '',
    'trino_password': '',
    'trino_ca': '',
    'trino_catalog': 'hive',
    'trino_schema': 'analytics',
    'threads': 4,
    'vars': {},
    'schedule': 'daily',
    'build_select': '',
    'build_must_pass': True,
    'docs_fetch_dir': '',
    # What preflight read (None: not checked): the files of dbt_project_src on the controller and
    # of dbt_project_dir on the host (as ansible.builtin.find lists them), the text of the source's
    # dbt_project.yml, `systemd-analyze calendar` of the schedule ({rc, stdout, stderr}), the
    # dbt_project_* variables in scope, whether the unit exists (build).
    'src_files': None,
    'host_files': None,
    'project_yml': None,
    'calendar': None,
    'variables': None,
    'unit_present': None,
    # The build entry point's readings after the run: `systemctl start` rc, `systemctl show` of the
    # unit (ExecMainStatus, Result, ...), target/datamesh_build_results.json, whether catalog.json exists.
    'start_rc': None,
    'unit_status': None,
    'run_results': None,
    'docs_generated': None,
}


def _relative(files, root):
    """Paths of the found files relative to root, without dbt's run-time directories, sorted."""
    out = []
    for item in files or []:
        path = to_text(item.get('path') if isinstance(item, dict) else item)
        if not path.startswith(root + '/'):
            continue
        rel = path[len(root) + 1:]
        parts = rel.split('/')
        if parts[0] in RUNTIME_DIRS or '__pycache__' in parts:
            continue
        out.append(rel)
    return sorted(set(out))


def _source(p, name):
    """The project on the controller: its files, and the profile and name its dbt_project.yml names."""
    src = to_text(p['src'] or '').rstrip('/')
    if not src.startswith('/'):
        _fail('%s=%s must be an absolute path on the Ansible controller (the directory that holds dbt_project.yml)',
              name('src'), src)
    src = posixpath.normpath(src)
    files = _relative(p['src_files'], src)
    if 'dbt_project.yml' not in files:
        _fail('%s=%s is not a dbt project: it has no dbt_project.yml (or does not exist on the Ansible controller)',
              name('src'), src)
    if any(posixpath.basename(f) == 'profiles.yml' for f in files):
        _fail('%s=%s holds a profiles.yml (%s): connection settings and passwords do not belong in the project, the '
              'role writes the profile to %s. Remove it from the project', name('src'), src,
              ', '.join(f for f in files if posixpath.basename(f) == 'profiles.yml'), name('profiles_dir'))
    project = {}
    if p['project_yml'] is None:
        _fail('dbt_project_settings: the text of %s/dbt_project.yml is missing', src)
    if HAS_YAML:
        try:
            project = yaml.safe_load(to_text(p['project_yml'])) or {}
        except yaml.YAMLError as exc:
            _fail('%s/dbt_project.yml is not valid YAML: %s', src, exc)
        if not isinstance(project, dict):
            _fail('%s/dbt_project.yml must hold a mapping', src)
    profile = to_text(project.get('profile') or '')
    if not re.match(r'^[A-Za-z0-9_]+$', profile):
        _fail('%s/dbt_project.yml names no profile (profile: <name>), which the role needs to write profiles.yml',
              src)
    return src, files, profile, to_text(project.get('name') or '')


def _ca_problems(pem, name):
    if not pem:
        return ['%s is required: the CA certificate (PEM) that signed Trino\'s HTTPS certificate, e.g. the platform '
                'CA <credentials dir>/tls/ca.crt' % name]
    return pem_certificate_problems(pem, name)


def _vars_problems(value, name):
    """dbt vars are written into target/manifest.json and the docs: plain data, nothing secret."""
    if not isinstance(value, dict):
        return ['%s must be a dict of dbt vars' % name]
    problems = []
    for key in value:
        if not isinstance(key, str) or not re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', key):
            problems.append('%s: %s is not a dbt var name (letters, digits and _)' % (name, key))
        elif _SECRETISH.search(key):
            problems.append('%s: %s looks like a secret; dbt writes vars into target/manifest.json and the docs '
                            'site. Give secrets to dbt through env_var() in the profile, never as vars' % (name, key))
    try:
        json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        problems.append('%s must hold plain data (strings, numbers, booleans, lists, dicts)' % name)
    return problems


def _build_result(p, unit):
    """The fact dbt_project_build_result: rc, success, results (no secrets), changed, docs."""
    status = _status(p['unit_status'])
    try:
        rc = int(status.get('ExecMainStatus', ''))
    except ValueError:
        rc = -1
    start_rc = int(p['start_rc'] if p['start_rc'] is not None else -1)
    results = []
    run_results = p['run_results'] if isinstance(p['run_results'], dict) else {}
    for item in run_results.get('results') or []:
        adapter = item.get('adapter_response') or {}
        results.append({
            'unique_id': to_text(item.get('unique_id', '')),
            'status': to_text(item.get('status', '')),
            'failures': item.get('failures'),
            'rows_affected': adapter.get('rows_affected') if isinstance(adapter, dict) else None,
            'message': to_text(item.get('message') or '')[:500],
        })
    success = start_rc == 0 and rc == 0 and status.get('Result', 'success') == 'success'
    wrote = [r for r in results if r['status'] == 'success' and r['unique_id'].split('.', 1)[0] in WRITING_TYPES]
    return {
        'rc': rc if rc >= 0 else start_rc,
        'success': success,
        'results': results,
        'failed': [r['unique_id'] for r in results if r['status'] in FAILED],
        'failed_messages': ['%s (%s): %s' % (r['unique_id'], r['status'], r['message']) for r in results
                            if r['status'] in FAILED],
        # The warehouse was written: at least one model, seed or snapshot was built.
        'changed': bool(wrote),
        'docs': bool(p['docs_generated']),
        'unit': unit,
        'systemd_result': status.get('Result', ''),
        'invocation_id': status.get('InvocationID', ''),
    }


def dbt_project_settings(params, prefix=''):
    """Return the settings of one dbt project on one host (see the filter's documentation)."""
    p = role_params('dbt_project_settings', params, DEFAULTS, ())

    def name(key):
        return prefix + key

    action = to_text(p['action'])
    if action not in ACTIONS:
        _fail('dbt_project_settings: action must be deploy or build, not %s', action)
    # Typos first: a misspelt variable would be ignored, and the checks below would judge its default.
    if p['variables'] is not None:
        _refuse(checks.unknown_variables('dbt_project', [to_text(v) for v in p['variables']],
                                         KNOWN_VARIABLES + KNOWN_FACTS))

    project_name = to_text(p['name'])
    if not _NAME.match(project_name):
        _fail('%s=%s must be 1 to 63 lower-case letters, digits or "_", starting with a letter (it names the '
              'systemd unit and the directories)', name('name'), project_name)
    user = to_text(p['user'])
    if not _USER.match(user) or user == 'root':
        _fail('%s=%s must be a system account name (lower-case letters, digits, "_" or "-") other than root: dbt '
              'runs as this unprivileged user', name('user'), user)

    # ------------------------------------------------------------------ paths
    paths = {name('dir'): p['dir'], name('venv'): p['venv'], name('profiles_dir'): p['profiles_dir']}
    _refuse(checks.path_problems(paths))
    bad = [n for n, v in paths.items() if not re.match(r'^[A-Za-z0-9._/@+-]+$', v)]
    if bad:  # they go unquoted into the systemd unit
        _fail('%s may only hold letters, digits and . _ - @ + /', ', '.join('%s=%s' % (n, paths[n]) for n in bad))
    directory = posixpath.normpath(p['dir'])
    venv = posixpath.normpath(p['venv'])
    profiles_dir = posixpath.normpath(p['profiles_dir'])
    fetch_dir = to_text(p['docs_fetch_dir'] or '')
    if fetch_dir:
        if not fetch_dir.startswith('/') or posixpath.normpath(fetch_dir) != fetch_dir.rstrip('/') or \
                posixpath.normpath(fetch_dir) in checks.SYSTEM_DIRS:
            _fail('%s=%s must be an absolute, normalised directory on the Ansible controller, not a system '
                  'directory (the docs are copied into it for roles/nginx_docs)', name('docs_fetch_dir'), fetch_dir)
        fetch_dir = posixpath.normpath(fetch_dir)

    # ------------------------------------------------------------------ Trino
    host = to_text(p['trino_host'] or '')
    if not host:
        _fail('%s is required: the host name of the Trino coordinator', name('trino_host'))
    if not _HOST.match(host):
        _fail('%s=%s is not a host name or IP address', name('trino_host'), host)
    port = _int(p['trino_port'], name('trino_port'), 1, 65535, 'a port')
    trino_user = to_text(p['trino_user'] or '')
    if not _TRINO_USER.match(trino_user):
        _fail('%s=%s must be the Trino user of dbt (1 to 128 letters, digits, ".", "_", "@" or "-")',
              name('trino_user'), trino_user)
    _refuse(checks.secret_problems(name('trino_password'), p['trino_password'], user=trino_user, known=KNOWN_SECRETS,
                                   required=True))
    if isinstance(p['trino_password'], str) and ('\n' in p['trino_password'] or '\r' in p['trino_password']):
        _fail('%s must be one line', name('trino_password'))
    _refuse(_ca_problems(to_text(p['trino_ca'] or ''), name('trino_ca')))
    for key in ('trino_catalog', 'trino_schema'):
        if not _IDENTIFIER.match(to_text(p[key] or '')):
            _fail('%s=%s must be a Trino name: lower-case letters, digits and "_", starting with a letter or "_"',
                  name(key), p[key])
    threads = _int(p['threads'], name('threads'), 1, 64)

    # ------------------------------------------------------------------ run
    _refuse(_vars_problems(p['vars'], name('vars')))
    select = to_text(p['build_select'] or '').split()
    bad = [s for s in select if not _SELECT.match(s)]
    if bad:
        _fail('%s: %s is not a dbt node selector (letters, digits and _ . : + * @ , / = -)', name('build_select'),
              ' '.join(bad))
    schedule = to_text(p['schedule'] or '').strip()
    if '\n' in schedule or '\r' in schedule:
        _fail('%s must be one systemd calendar expression on one line', name('schedule'))
    if schedule and isinstance(p['calendar'], dict) and p['calendar'].get('rc', 0) != 0:
        reason = to_text(p['calendar'].get('stderr') or p['calendar'].get('stdout') or '').strip().splitlines()
        _fail('%s=%s is not a systemd calendar expression (systemd-analyze calendar: %s). Examples: daily, hourly, '
              '"*-*-* 02:30:00", "Mon..Fri 06:00" (man systemd.time); "" = no timer', name('schedule'), schedule,
              reason[-1] if reason else 'refused')

    # ------------------------------------------------------------------ the project
    src, files, profile, dbt_name = '', [], '', ''
    if action == 'deploy' and p['src_files'] is not None:
        src, files, profile, dbt_name = _source(p, name)
    stale = []
    if p['host_files'] is not None:
        stale = [f for f in _relative(p['host_files'], directory) if f not in files]
    dirs = sorted({'/'.join(f.split('/')[:i]) for f in files for i in range(1, f.count('/') + 1)})
    if action == 'build' and p['unit_present'] is False:
        _fail('the unit datamesh-dbt-%s.service does not exist on this host: apply the main entry point of '
              'dbt_project (with the same %s) before the build entry point', project_name, name('name'))

    unit = 'datamesh-dbt-' + project_name
    target = directory + '/target'
    vars_file = profiles_dir + '/vars.json'
    command = ['/usr/local/bin/datamesh-dbt-run', venv + '/bin/dbt', vars_file]
    if select:
        command += ['--select'] + select
    ca_file = profiles_dir + '/trino-ca.crt'
    out = {
        'action': action,
        'name': project_name,
        'user': user,
        'src': src,
        'files': files,
        'dirs': dirs,
        'parents': checks.parent_dirs([directory, profiles_dir, venv]),
        'stale': stale,
        'dbt_name': dbt_name,
        'profile_name': profile,
        'dir': directory,
        'target_dir': target,
        'logs_dir': directory + '/logs',
        'venv': venv,
        'dbt': venv + '/bin/dbt',
        'profiles_dir': profiles_dir,
        'profiles_file': profiles_dir + '/profiles.yml',
        'ca_file': ca_file,
        'vars_file': vars_file,
        'vars_json': json.dumps(p['vars'], sort_keys=True) + '\n',
        'unit': unit,
        'service': unit + '.service',
        'timer': unit + '.timer',
        'schedule': schedule,
        'select': select,
        'command': command,
        'exec_start': ' '.join(command),
        'environment': {
            'DBT_PROFILES_DIR': profiles_dir,
            'HOME': directory,
            'DBT_SEND_ANONYMOUS_USAGE_STATS': 'false',
            'DBT_USE_COLORS': 'false',
            'PYTHONDONTWRITEBYTECODE': '1',
        },
        'results_file': target + '/' + BUILD_RESULTS,
        'docs_files': [target + '/' + f for f in DOCS_FILES],
        'docs_fetch_dir': fetch_dir,
        'must_pass': bool(p['build_must_pass']),
        # profiles.yml without its password, which the template adds (never in a fact).
        'profile': {
            'target': 'trino',
            'outputs': {'trino': {
                'type': 'trino', 'method': 'ldap', 'http_scheme': 'https', 'host': host, 'port': port,
                'user': trino_user, 'cert': ca_file, 'database': to_text(p['trino_catalog']),
                'schema': to_text(p['trino_schema']), 'threads': threads,
            }},
        },
    }
    if p['unit_status'] is not None:
        out['build_result'] = _build_result(p, out['service'])
    return out


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'dbt_project_settings': dbt_project_settings}
