"""A protocol double of the AWX REST API (v2). It is NOT AWX.

Hand-written for tests/unit/awx: a small threading HTTP server on 127.0.0.1 that answers the
requests awx.awx 24.6.1 makes (plugins/module_utils/controller_api.py and the modules configure.yml
uses, read in the collection of the ansible 13.8.0 package) and keeps its objects in memory:

* list views with exact-value filters as ControllerAPIModule.get_one sends them (``?name=...``,
  ``?organization=<id>``, ``?identifier=...&workflow_job_template=<id>``, ``or__id``/``or__name``),
  page/page_size and ``next`` links (get_all_endpoint, the controller_api lookup);
* POST to create, PATCH to update, DELETE; the detail URLs each object names in ``url`` and
  ``related``; association sub-lists (POST ``{"id": n}`` / ``{"id": n, "disassociate": true}``,
  answered 204) for credentials, labels, galaxy_credentials and success/failure/always nodes;
* survey_spec of job templates and workflow job templates; /api/v2/ping/, /api/v2/me/,
  /api/v2/tokens/ (basic auth) and bearer-token authentication; the X-API-Product-* headers the
  collection reads to compare versions.

It validates what the tests rely on the way AWX 24.6.1 does, where its rules were read in AWX's
source (tag 24.6.1): survey specs (awx/api/views JobTemplateSurveySpec._validate_spec_data, ported),
credential inputs against their type, secret inputs shown as ``$encrypted$``, custom credential
type inputs and injectors (awx/main/fields.py), kind cloud/net only and no input change on a type
in use (awx/api/serializers.py), a job template's playbook among the project's playbooks
(JobOptionsSerializer.validate, with AWX's could_be_playbook rule), scm inventory sources, workflow
node prompts (extra_data against the survey or ask_variables_on_launch, job_type/inventory against
their ask_*_on_launch), links within one workflow without cycles, one credential per type on a job
template, unique names. A shared id space for unified job templates, as in AWX.

Stricter than AWX on purpose: a field it does not know is refused with 400 (AWX drops it silently),
so that a misspelt field fails a test instead of passing unnoticed.

Not there: jobs and their launch, repository clones (a project "update" is immediately successful
and lists the playbooks of a local directory given to the double), inventory imports, RBAC, teams,
users, instance groups, notifications, schedules, and every endpoint not named above.
"""
from __future__ import annotations

import base64
import copy
import itertools
import json
import os
import re
import secrets
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml

API = '/api/v2/'
VERSION = '24.6.1'
ENCRYPTED = '$encrypted$'

# kind -> (type name, {writable field: default}, {foreign key field: kind it references})
_UJT_KINDS = ('projects', 'inventory_sources', 'job_templates', 'workflow_job_templates')
_ASK = ('ask_scm_branch_on_launch', 'ask_diff_mode_on_launch', 'ask_variables_on_launch', 'ask_limit_on_launch',
        'ask_tags_on_launch', 'ask_skip_tags_on_launch', 'ask_job_type_on_launch', 'ask_verbosity_on_launch',
        'ask_inventory_on_launch', 'ask_credential_on_launch', 'ask_execution_environment_on_launch',
        'ask_forks_on_launch', 'ask_instance_groups_on_launch', 'ask_job_slice_count_on_launch',
        'ask_labels_on_launch', 'ask_timeout_on_launch')
KINDS = {
    'organizations': ('organization', {
        'name': None, 'description': '', 'max_hosts': 0, 'custom_virtualenv': None, 'default_environment': None,
    }, {'default_environment': 'execution_environments'}),
    'labels': ('label', {'name': None, 'organization': None}, {'organization': 'organizations'}),
    'execution_environments': ('execution_environment', {
        'name': None, 'description': '', 'image': None, 'organization': None, 'credential': None, 'pull': '',
    }, {'organization': 'organizations', 'credential': 'credentials'}),
    'credential_types': ('credential_type', {
        'name': None, 'description': '', 'kind': None, 'inputs': {}, 'injectors': {}, 'managed': False,
    }, {}),
    'credentials': ('credential', {
        'name': None, 'description': '', 'organization': None, 'credential_type': None, 'inputs': {},
    }, {'organization': 'organizations', 'credential_type': 'credential_types'}),
    'projects': ('project', {
        'name': None, 'description': '', 'organization': None, 'scm_type': '', 'scm_url': '', 'scm_branch': '',
        'scm_refspec': '', 'scm_clean': False, 'scm_delete_on_update': False, 'scm_track_submodules': False,
        'scm_update_on_launch': False, 'scm_update_cache_timeout': 0, 'allow_override': False, 'timeout': 0,
        'credential': None, 'default_environment': None, 'signature_validation_credential': None, 'local_path': '',
        'custom_virtualenv': None,
    }, {'organization': 'organizations', 'credential': 'credentials', 'default_environment': 'execution_environments',
        'signature_validation_credential': 'credentials'}),
    'inventories': ('inventory', {
        'name': None, 'description': '', 'organization': None, 'kind': '', 'host_filter': None, 'variables': '',
        'prevent_instance_group_fallback': False,
    }, {'organization': 'organizations'}),
    'inventory_sources': ('inventory_source', {
        'name': None, 'description': '', 'inventory': None, 'source': None, 'source_path': '', 'source_vars': '',
        'source_project': None, 'credential': None, 'execution_environment': None, 'overwrite': False,
        'overwrite_vars': False, 'update_on_launch': False, 'update_cache_timeout': 0, 'timeout': 0, 'verbosity': 1,
        'enabled_var': '', 'enabled_value': '', 'host_filter': '', 'scm_branch': '', 'limit': '', 'custom_virtualenv': None,
    }, {'inventory': 'inventories', 'source_project': 'projects', 'credential': 'credentials',
        'execution_environment': 'execution_environments'}),
    'job_templates': ('job_template', dict({
        'name': None, 'description': '', 'organization': None, 'job_type': 'run', 'inventory': None, 'project': None,
        'playbook': '', 'scm_branch': '', 'forks': 0, 'limit': '', 'verbosity': 0, 'extra_vars': '', 'job_tags': '',
        'force_handlers': False, 'skip_tags': '', 'start_at_task': '', 'timeout': 0, 'use_fact_cache': False,
        'host_config_key': '', 'survey_enabled': False, 'become_enabled': False, 'diff_mode': False,
        'allow_simultaneous': False, 'custom_virtualenv': None, 'job_slice_count': 1, 'webhook_service': '',
        'webhook_credential': None, 'execution_environment': None, 'prevent_instance_group_fallback': False,
    }, **{ask: False for ask in _ASK}), {
        'organization': 'organizations', 'inventory': 'inventories', 'project': 'projects',
        'webhook_credential': 'credentials', 'execution_environment': 'execution_environments'}),
    'workflow_job_templates': ('workflow_job_template', {
        'name': None, 'description': '', 'organization': None, 'inventory': None, 'extra_vars': '',
        'survey_enabled': False, 'allow_simultaneous': False, 'limit': None, 'scm_branch': None, 'job_tags': None,
        'skip_tags': None, 'webhook_service': '', 'webhook_credential': None, 'ask_inventory_on_launch': False,
        'ask_scm_branch_on_launch': False, 'ask_limit_on_launch': False, 'ask_variables_on_launch': False,
        'ask_labels_on_launch': False, 'ask_tags_on_launch': False, 'ask_skip_tags_on_launch': False,
    }, {'organization': 'organizations', 'inventory': 'inventories', 'webhook_credential': 'credentials'}),
    'workflow_job_template_nodes': ('workflow_job_template_node', {
        'workflow_job_template': None, 'unified_job_template': None, 'identifier': None, 'extra_data': {},
        'inventory': None, 'scm_branch': None, 'job_type': None, 'job_tags': None, 'skip_tags': None, 'limit': None,
        'diff_mode': None, 'verbosity': None, 'all_parents_must_converge': False, 'forks': None,
        'job_slice_count': None, 'timeout': None, 'execution_environment': None,
    }, {'workflow_job_template': 'workflow_job_templates', 'inventory': 'inventories',
        'execution_environment': 'execution_environments'}),
    'project_updates': ('project_update', {}, {}),
}
REQUIRED = {
    'organizations': ('name',), 'labels': ('name', 'organization'), 'execution_environments': ('name', 'image'),
    'credential_types': ('name', 'kind'), 'credentials': ('name', 'credential_type'), 'projects': ('name',),
    'inventories': ('name', 'organization'), 'inventory_sources': ('name', 'inventory', 'source'),
    'job_templates': ('name', 'project', 'playbook'), 'workflow_job_templates': ('name',),
    'workflow_job_template_nodes': ('workflow_job_template',),
}
# The fields whose combination AWX keeps unique.
UNIQUE = {
    'organizations': ('name',), 'labels': ('name', 'organization'), 'execution_environments': ('name',),
    'credential_types': ('name', 'kind'), 'credentials': ('name', 'organization', 'credential_type'),
    'projects': ('name', 'organization'), 'inventories': ('name', 'organization'),
    'inventory_sources': ('name', 'inventory'), 'job_templates': ('name', 'organization'),
    'workflow_job_templates': ('name', 'organization'), 'workflow_job_template_nodes': ('identifier', 'workflow_job_template'),
}
# kind -> {association: kind of the associated objects}
ASSOCIATIONS = {
    'organizations': {'galaxy_credentials': 'credentials'},
    'job_templates': {'credentials': 'credentials', 'labels': 'labels'},
    'workflow_job_templates': {'labels': 'labels'},
    'workflow_job_template_nodes': {'success_nodes': 'workflow_job_template_nodes', 'failure_nodes': 'workflow_job_template_nodes',
                                    'always_nodes': 'workflow_job_template_nodes', 'credentials': 'credentials', 'labels': 'labels'},
}
_NODE_LINKS = ('success_nodes', 'failure_nodes', 'always_nodes')

# The managed credential types a fresh AWX 24.6.1 has that the tests use (awx/main/models/credential/__init__.py).
MANAGED_CREDENTIAL_TYPES = [
    {'name': 'Machine', 'kind': 'ssh', 'namespace': 'ssh', 'inputs': {'fields': [
        {'id': 'username', 'label': 'Username', 'type': 'string'},
        {'id': 'password', 'label': 'Password', 'type': 'string', 'secret': True, 'ask_at_runtime': True},
        {'id': 'ssh_key_data', 'label': 'SSH Private Key', 'type': 'string', 'format': 'ssh_private_key', 'secret': True, 'multiline': True},
        {'id': 'ssh_public_key_data', 'label': 'Signed SSH Certificate', 'type': 'string', 'multiline': True, 'secret': True},
        {'id': 'ssh_key_unlock', 'label': 'Private Key Passphrase', 'type': 'string', 'secret': True, 'ask_at_runtime': True},
        {'id': 'become_method', 'label': 'Privilege Escalation Method', 'type': 'string'},
        {'id': 'become_username', 'label': 'Privilege Escalation Username', 'type': 'string'},
        {'id': 'become_password', 'label': 'Privilege Escalation Password', 'type': 'string', 'secret': True, 'ask_at_runtime': True},
    ]}},
    {'name': 'Source Control', 'kind': 'scm', 'namespace': 'scm', 'inputs': {'fields': [
        {'id': 'username', 'label': 'Username', 'type': 'string'},
        {'id': 'password', 'label': 'Password', 'type': 'string', 'secret': True},
        {'id': 'ssh_key_data', 'label': 'SCM Private Key', 'type': 'string', 'format': 'ssh_private_key', 'secret': True, 'multiline': True},
        {'id': 'ssh_key_unlock', 'label': 'Private Key Passphrase', 'type': 'string', 'secret': True},
    ]}},
    {'name': 'Vault', 'kind': 'vault', 'namespace': 'vault', 'inputs': {'fields': [
        {'id': 'vault_password', 'label': 'Vault Password', 'type': 'string', 'secret': True, 'ask_at_runtime': True},
        {'id': 'vault_id', 'label': 'Vault Identifier', 'type': 'string', 'format': 'vault_id'},
    ], 'required': ['vault_password']}},
]

# awx/main/utils/ansible.py (24.6.1): which files of a project are playbooks.
_PLAYBOOK_RE = re.compile(r'^\s*?-?\s*?(?:hosts|(ansible\.builtin\.)?include|(ansible\.builtin\.)?import_playbook):\s*?.*?$')
_SURVEY_TYPES = {'text': str, 'textarea': str, 'password': str, 'multiplechoice': str, 'multiselect': str,
                 'integer': int, 'float': (float, int)}
_FIELD_ID_RE = re.compile(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$')
_EXTRA_VAR_KEY_RE = re.compile(r'^[a-zA-Z_\{\}]+[a-zA-Z0-9_\{\}]*$')
_TEMPLATE_NAME_RE = re.compile(r'\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)')


class ApiError(Exception):
    """An answer other than 2xx: status and JSON body."""

    def __init__(self, status, body):
        super().__init__(status, body)
        self.status = status
        self.body = body


def _skip_directory(relative_directory_path):
    elements = relative_directory_path.split(os.sep)
    if 'roles' in elements or 'tasks' in elements or 'group_vars' in elements or 'host_vars' in elements:
        return True
    return any(element.startswith('.') for element in elements)


def project_playbooks(project_path):
    """The playbooks AWX lists for a project checked out in project_path (Project.playbooks)."""
    results = []
    for dirpath, dirnames, filenames in os.walk(project_path):
        # AWX walks everything and skips by path; pruning what it would skip gives the same list, faster
        dirnames[:] = [d for d in dirnames if not _skip_directory(d)]
        relative = os.path.relpath(dirpath, project_path)
        if relative != '.' and _skip_directory(relative):
            continue
        for filename in filenames:
            if os.path.splitext(filename)[-1] not in ('.yml', '.yaml'):
                continue
            path = os.path.join(dirpath, filename)
            with open(path, encoding='utf-8', errors='ignore') as handle:
                for number, line in enumerate(handle):
                    if _PLAYBOOK_RE.match(line) or (number == 0 and line.startswith('$ANSIBLE_VAULT;')):
                        results.append(os.path.relpath(path, project_path))
                        break
    return sorted(results, key=str.lower)


def validate_survey_spec(new_spec, old_spec=None):
    """Port of JobTemplateSurveySpec._validate_spec_data (AWX 24.6.1). Returns an error dict or None;
    normalises multiple-choice strings in place as AWX does."""
    del old_spec  # only used by AWX for encrypted password defaults, which the tests do not use
    if not isinstance(new_spec, dict):
        return {'error': 'Survey spec must be a JSON object.'}
    schema_errors = {}
    for field, expect_type, type_label in (('name', str, 'string'), ('description', str, 'string'), ('spec', list, 'list of items')):
        if field not in new_spec:
            schema_errors['error'] = "Field '{}' is missing from survey spec.".format(field)
        elif not isinstance(new_spec[field], expect_type):
            schema_errors['error'] = "Expected {} for field '{}', received {} type.".format(type_label, field, type(new_spec[field]).__name__)
    if isinstance(new_spec.get('spec'), list) and len(new_spec['spec']) < 1:
        schema_errors['error'] = "'spec' doesn't contain any items."
    if schema_errors:
        return schema_errors
    variables = set()
    for idx, item in enumerate(new_spec['spec']):
        if not isinstance(item, dict):
            return {'error': 'Survey question %s is not a json object.' % idx}
        for field_name in ('type', 'question_name', 'variable', 'required'):
            if field_name not in item:
                return {'error': "'{}' missing from survey question {}".format(field_name, idx)}
            allowed, label = (bool, 'boolean') if field_name == 'required' else (str, 'string')
            if not isinstance(item[field_name], allowed):
                return {'error': "'{}' in survey question {} expected to be {}.".format(field_name, idx, label)}
        if item['variable'] in variables:
            return {'error': "'variable' '%s' duplicated in survey question %s." % (item['variable'], idx)}
        variables.add(item['variable'])
        qtype = item['type']
        if qtype not in _SURVEY_TYPES:
            return {'error': "'{}' in survey question {} is not one of '{}' allowed question types.".format(qtype, idx, ', '.join(_SURVEY_TYPES))}
        if 'default' in item and item['default'] != '' and not isinstance(item['default'], _SURVEY_TYPES[qtype]):
            return {'error': 'Default value {} in survey question {} expected to be {}.'.format(
                item['default'], idx, qtype if qtype in ('integer', 'float') else 'string')}
        for key in ('min', 'max'):
            if key in item and item[key] is not None and not isinstance(item[key], int):
                return {'error': 'The {} limit in survey question {} expected to be integer.'.format(key, idx)}
        if qtype in ('multiselect', 'multiplechoice'):
            if 'choices' not in item:
                return {'error': 'Survey question {} of type {} must specify choices.'.format(idx, qtype)}
            if isinstance(item['choices'], str):
                item['choices'] = '\n'.join(c for c in item['choices'].splitlines() if c.strip() != '')
            if 'default' in item:
                if isinstance(item['default'], str):
                    item['default'] = '\n'.join(c for c in item['default'].splitlines() if c.strip() != '')
                    defaults = item['default'].splitlines()
                else:
                    defaults = item['default']
                if qtype == 'multiplechoice' and len(defaults) > 1:
                    return {'error': 'Multiple Choice (Single Select) can only have one default value.'}
                if any(default not in item['choices'] for default in defaults):
                    return {'error': 'Default choice must be answered from the choices listed.'}
        if isinstance(item.get('default'), str) and item['default'].startswith(ENCRYPTED):
            return {'error': '$encrypted$ is a reserved keyword, may not be used for new default in position {}.'.format(idx)}
    return None


def survey_value_errors(spec, data):
    """Errors of the answers in data for the questions of spec (Mixin._survey_element_validation, the
    types configure.yml uses; 'required' is not checked, as for workflow nodes)."""
    errors = []
    for element in spec.get('spec', []):
        name = element['variable']
        if name not in data:
            continue
        value = data[name]
        if element['type'] in ('text', 'textarea', 'password') and not isinstance(value, str):
            errors.append("Value %s for '%s' expected to be a string." % (value, name))
        elif element['type'] == 'integer' and type(value) is not int:  # pylint: disable=unidiomatic-typecheck
            errors.append("Value %s for '%s' expected to be an integer." % (value, name))
        elif element['type'] in ('multiplechoice', 'multiselect'):
            choices = element['choices']
            if isinstance(choices, str):
                choices = [c for c in choices.splitlines() if c.strip() != '']
            values = value if element['type'] == 'multiselect' else [value]
            for one in values:
                if one not in choices:
                    errors.append("Value %s for '%s' expected to be one of %s." % (one, name, choices))
    return errors


def _parse_vars(text, field):
    """AWX's vars_validate_or_raise: '' or a JSON/YAML mapping."""
    if text in ('', None):
        return {}
    if not isinstance(text, str):
        raise ApiError(400, {field: ['Must be a string (JSON or YAML).']})
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ApiError(400, {field: ['Cannot parse as JSON or YAML: %s' % exc]}) from exc
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(400, {field: ['Input type `%s` is not a dictionary' % type(value).__name__]})
    return value


class AWXDouble:
    """The double's state and its HTTP server. start() returns the base URL (http://127.0.0.1:<port>)."""

    def __init__(self, token=None, project_checkout=None, username='admin', password=None):
        self.token = token or secrets.token_hex(20)
        self.username = username
        self.password = password or secrets.token_hex(12)
        self.project_checkout = project_checkout
        self.objects = {kind: {} for kind in KINDS}
        self.associations = {}  # (kind, id, association) -> [ids]
        self.surveys = {}       # (kind, id) -> survey spec
        self.requests = []      # (method, path with query, JSON body or None)
        self.tokens = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server = None
        self._thread = None
        for managed in MANAGED_CREDENTIAL_TYPES:
            self._store('credential_types', dict(managed, description='', injectors={}, managed=True))
        self._store('organizations', {'name': 'Default', 'description': '', 'max_hosts': 0,
                                      'custom_virtualenv': None, 'default_environment': None})

    # ------------------------------------------------------------------ server
    def start(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):  # quiet
                pass

            def _answer(self, method):
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length) if length else b''
                status, body = double.handle(method, self.path, dict(self.headers), raw)
                payload = b'' if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(payload)))
                self.send_header('X-API-Product-Name', 'AWX')
                self.send_header('X-API-Product-Version', VERSION)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):  # noqa: N802 (http.server's names)
                self._answer('GET')

            def do_POST(self):  # noqa: N802
                self._answer('POST')

            def do_PATCH(self):  # noqa: N802
                self._answer('PATCH')

            def do_PUT(self):  # noqa: N802
                self._answer('PUT')

            def do_DELETE(self):  # noqa: N802
                self._answer('DELETE')

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return 'http://127.0.0.1:%d' % self._server.server_address[1]

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ------------------------------------------------------------------ inspection for tests
    @property
    def writes(self):
        """The requests that would change something (token requests excluded)."""
        return [r for r in self.requests if r[0] in ('POST', 'PATCH', 'PUT', 'DELETE') and not r[1].startswith(API + 'tokens/')]

    def find(self, kind, **fields):
        with self._lock:
            return [self.to_json(kind, obj) for obj in self.objects[kind].values()
                    if all(obj.get(k) == v for k, v in fields.items())]

    def raw(self, kind, object_id):
        """An object as stored (secrets in clear), for assertions."""
        return self.objects[kind][object_id]

    def associated(self, kind, object_id, association):
        return list(self.associations.get((kind, object_id, association), []))

    def survey(self, kind, object_id):
        return copy.deepcopy(self.surveys.get((kind, object_id), {}))

    # ------------------------------------------------------------------ request handling
    def handle(self, method, target, headers, raw):
        split = urlsplit(target)
        path, query = split.path, parse_qsl(split.query, keep_blank_values=True)
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return 400, {'detail': 'JSON parse error'}
        with self._lock:
            self.requests.append((method, target, body))
            try:
                return self._route(method, path, query, headers, body)
            except ApiError as exc:
                return exc.status, exc.body

    def _authenticated(self, headers):
        auth = headers.get('Authorization') or headers.get('authorization') or ''
        if auth.startswith('Bearer '):
            token = auth[len('Bearer '):]
            return token == self.token or token in self.tokens.values()
        return False

    def _basic_ok(self, headers):
        auth = headers.get('Authorization') or headers.get('authorization') or ''
        if not auth.startswith('Basic '):
            return False
        user, _colon, password = base64.b64decode(auth[6:]).decode().partition(':')
        return user == self.username and password == self.password

    def _route(self, method, path, query, headers, body):
        if path in ('/api/', '/api'):
            return 200, {'description': 'AWX REST API (protocol double)', 'current_version': API, 'available_versions': {'v2': API}}
        if not path.startswith(API):
            raise ApiError(404, {'detail': 'Not found.'})
        parts = [p for p in path[len(API):].split('/') if p]
        if parts == ['ping'] and method == 'GET':
            return 200, {'ha': False, 'version': VERSION, 'active_node': 'awx-double', 'install_uuid': '00000000-0000-0000-0000-000000000000',
                         'instances': [], 'instance_groups': []}
        if parts and parts[0] == 'tokens':
            return self._tokens(method, parts, headers)
        if not self._authenticated(headers):
            raise ApiError(401, {'detail': 'Authentication credentials were not provided.'})
        if not parts:
            return 200, {kind: API + kind + '/' for kind in KINDS}
        if parts == ['me'] and method == 'GET':
            return 200, {'count': 1, 'next': None, 'previous': None, 'results': [
                {'id': 1, 'type': 'user', 'url': API + 'users/1/', 'username': self.username, 'is_superuser': True}]}
        kind = parts[0]
        if kind == 'unified_job_templates' and len(parts) == 1 and method == 'GET':
            objects = [obj for ujt in _UJT_KINDS for obj in self.objects[ujt].values()]
            return 200, self._list(objects, query, path, kind)
        if kind not in KINDS:
            raise ApiError(404, {'detail': 'Not found (not in this double).'})
        if len(parts) == 1:
            if method == 'GET':
                return 200, self._list(self.objects[kind].values(), query, path, kind)
            if method == 'POST' and kind != 'project_updates':
                return 201, self.to_json(kind, self._create(kind, body or {}), fresh=True)
            raise ApiError(405, {'detail': 'Method "%s" not allowed.' % method})
        obj = self.objects[kind].get(int(parts[1])) if parts[1].isdigit() else None
        if obj is None:
            raise ApiError(404, {'detail': 'Not found.'})
        if len(parts) == 2:
            if method == 'GET':
                return 200, self.to_json(kind, obj)
            if method == 'PATCH':
                updated, fresh = self._update(kind, obj, body or {})
                return 200, self.to_json(kind, updated, fresh=fresh)
            if method == 'DELETE':
                self._delete(kind, obj)
                return 204, None
            raise ApiError(405, {'detail': 'Method "%s" not allowed.' % method})
        sub = parts[2]
        if sub == 'survey_spec' and kind in ('job_templates', 'workflow_job_templates'):
            return self._survey(method, kind, obj, body)
        if sub in ASSOCIATIONS.get(kind, {}):
            return self._association(method, kind, obj, sub, body, query, path)
        raise ApiError(404, {'detail': 'Not found (not in this double).'})

    def _tokens(self, method, parts, headers):
        if method == 'POST' and len(parts) == 1:
            if not self._basic_ok(headers):
                raise ApiError(401, {'detail': 'Invalid username/password.'})
            token_id = next(self._ids)
            self.tokens[token_id] = secrets.token_hex(20)
            return 201, {'id': token_id, 'type': 'o_auth2_access_token', 'token': self.tokens[token_id], 'scope': 'write'}
        if method == 'DELETE' and len(parts) == 2 and parts[1].isdigit():
            if not self._basic_ok(headers) and not self._authenticated(headers):
                raise ApiError(401, {'detail': 'Authentication credentials were not provided.'})
            self.tokens.pop(int(parts[1]), None)
            return 204, None
        raise ApiError(405, {'detail': 'Method "%s" not allowed.' % method})

    # ------------------------------------------------------------------ lists and filters
    def _list(self, objects, query, path, kind):
        page, page_size, filters, alternatives = 1, 25, [], []
        for key, value in query:
            if key == 'page':
                page = int(value)
            elif key == 'page_size':
                page_size = min(int(value), 200)
            elif key in ('order_by', 'search'):
                continue
            elif key.startswith('or__'):
                alternatives.append((key[4:], value))
            else:
                filters.append((key, value))
        known = {'id', 'name', 'type'}
        for one in ([kind] if kind in KINDS else list(_UJT_KINDS)):
            known |= set(KINDS[one][1])
        for key, _value in filters + alternatives:
            if key not in known:
                raise ApiError(400, {'detail': '%s is not an allowed field name for %s in this double.' % (key, kind)})
        selected = [obj for obj in sorted(objects, key=lambda o: o['id'])
                    if all(self._matches(obj, k, v) for k, v in filters)
                    and (not alternatives or any(self._matches(obj, k, v) for k, v in alternatives))]
        start = (page - 1) * page_size
        results = [self.to_json(self._kind_of(obj), obj) for obj in selected[start:start + page_size]]

        def link(number):
            params = [(k, v) for k, v in query if k != 'page'] + [('page', str(number))]
            return path + '?' + urlencode(params)
        return {'count': len(selected), 'next': link(page + 1) if start + page_size < len(selected) else None,
                'previous': link(page - 1) if page > 1 else None, 'results': results}

    @staticmethod
    def _matches(obj, key, value):
        have = obj.get(key)
        if isinstance(have, bool):
            return str(have).lower() == value.lower()
        if have is None:
            return value in ('', 'null', 'None')
        return str(have) == value

    def _kind_of(self, obj):
        for kind, (type_name, _f, _k) in KINDS.items():
            if obj['type'] == type_name:
                return kind
        raise KeyError(obj['type'])

    # ------------------------------------------------------------------ JSON views
    def to_json(self, kind, obj, fresh=False):
        data = {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith('_')}
        url = data['url']
        related = {name: url + name + '/' for name in ASSOCIATIONS.get(kind, {})}
        summary = {}
        if kind in ('job_templates', 'workflow_job_templates'):
            related['survey_spec'] = url + 'survey_spec/'
        if kind == 'projects':
            related['update'] = url + 'update/'
            if obj.get('_last_update'):
                update = {'id': obj['_last_update'], 'status': 'successful', 'failed': False}
                related['last_update'] = API + 'project_updates/%d/' % obj['_last_update']
                summary['last_update'] = update
                if fresh:  # the answer to the request that started the update
                    summary['current_update'] = update
        if kind == 'credentials':
            ctype = self.objects['credential_types'][obj['credential_type']]
            secret = {f['id'] for f in ctype['inputs'].get('fields', []) if f.get('secret')}
            data['inputs'] = {k: (ENCRYPTED if k in secret and v not in ('', None) else v) for k, v in obj['inputs'].items()}
            data['kind'] = ctype['kind']
        if kind == 'workflow_job_template_nodes' and obj.get('unified_job_template'):
            related['unified_job_template'] = self._ujt_url(obj['unified_job_template'])
        data['related'] = related
        data['summary_fields'] = summary
        return data

    def _ujt_url(self, object_id):
        for kind in _UJT_KINDS:
            if object_id in self.objects[kind]:
                return self.objects[kind][object_id]['url']
        return None

    # ------------------------------------------------------------------ create / update / delete
    def _store(self, kind, fields):
        object_id = next(self._ids)
        obj = dict(fields, id=object_id, type=KINDS[kind][0], url='%s%s/%d/' % (API, kind, object_id),
                   created='2026-12-07T00:00:00Z', modified='2026-12-07T00:00:00Z')
        self.objects[kind][object_id] = obj
        return obj

    def _check_fields(self, kind, body):
        if not isinstance(body, dict):
            raise ApiError(400, {'detail': 'Expected a JSON object.'})
        type_name, writable, _fks = KINDS[kind]
        unknown = sorted(k for k in body if k not in writable and not (k == 'type' and body[k] == type_name))
        if unknown:
            raise ApiError(400, {k: ['Field not known to this double (AWX would ignore it).'] for k in unknown})
        return {k: v for k, v in body.items() if k != 'type'}

    def _create(self, kind, body):
        fields = self._check_fields(kind, body)
        defaults = copy.deepcopy(KINDS[kind][1])
        merged = dict(defaults, **fields)
        if kind == 'workflow_job_template_nodes' and not merged.get('identifier'):
            merged['identifier'] = str(uuid.uuid4())
        missing = [f for f in REQUIRED.get(kind, ()) if merged.get(f) in (None, '')]
        if missing:
            raise ApiError(400, {f: ['This field is required.'] for f in missing})
        self._validate(kind, merged, None)
        obj = self._store(kind, merged)
        if kind == 'projects' and obj['scm_type']:
            self._project_update(obj)
        return obj

    def _update(self, kind, obj, body):
        if kind == 'credential_types' and obj.get('managed'):
            raise ApiError(403, {'detail': 'Modifications not allowed for managed credential types'})
        fields = self._check_fields(kind, body)
        if kind == 'workflow_job_template_nodes' and 'workflow_job_template' in fields and fields['workflow_job_template'] != obj['workflow_job_template']:
            raise ApiError(400, {'workflow_job_template': ['Cannot change the workflow of a node.']})
        if kind == 'credentials' and isinstance(fields.get('inputs'), dict):
            fields['inputs'] = {k: (obj['inputs'].get(k, '') if v == ENCRYPTED else v) for k, v in fields['inputs'].items()}
        merged = dict(obj, **fields)
        self._validate(kind, merged, obj)
        fresh = False
        if kind == 'projects' and merged['scm_type'] and any(
                merged.get(f) != obj.get(f) for f in ('scm_type', 'scm_url', 'scm_branch', 'scm_refspec', 'credential')):
            fresh = True
        if any(merged.get(k) != obj.get(k) for k in fields):
            merged['modified'] = '2026-12-07T00:00:01Z'
        obj.clear()
        obj.update(merged)
        if fresh:
            self._project_update(obj)
        return obj, fresh

    def _delete(self, kind, obj):
        if kind == 'credential_types' and obj.get('managed'):
            raise ApiError(403, {'detail': 'Deletion not allowed for managed credential types'})
        del self.objects[kind][obj['id']]
        for key in [k for k in self.associations if k[0] == kind and k[1] == obj['id']]:
            del self.associations[key]
        for key, ids in self.associations.items():
            if obj['id'] in ids and ASSOCIATIONS[key[0]][key[2]] == kind:
                ids.remove(obj['id'])

    def _project_update(self, project):
        update = self._store('project_updates', {'project': project['id'], 'status': 'successful', 'failed': False,
                                                 'finished': '2026-12-07T00:00:02Z', 'scm_revision': '0' * 40})
        project['_last_update'] = update['id']
        project['scm_revision'] = update['scm_revision']
        project['_playbooks'] = project_playbooks(self.project_checkout) if self.project_checkout else []

    # ------------------------------------------------------------------ validation
    def _validate(self, kind, merged, old):
        _type, _writable, fks = KINDS[kind]
        for field, target in fks.items():
            value = merged.get(field)
            if value is not None and value not in self.objects[target]:
                raise ApiError(400, {field: ['Invalid pk "%s" - object does not exist.' % value]})
        unique = UNIQUE.get(kind)
        if unique:
            for other in self.objects[kind].values():
                if other is not old and all(other.get(f) == merged.get(f) for f in unique):
                    raise ApiError(400, {'__all__': ['%s with this %s already exists.' % (kind, ', '.join(unique))]})
        check = getattr(self, '_validate_' + kind, None)
        if check:
            check(merged, old)

    def _validate_credential_types(self, merged, old):
        if merged['kind'] not in ('cloud', 'net'):
            raise ApiError(400, {'kind': ["Must be 'cloud' or 'net', not %s" % merged['kind']]})
        inputs, injectors = merged['inputs'] or {}, merged['injectors'] or {}
        if not isinstance(inputs, dict) or set(inputs) - {'fields', 'required'}:
            raise ApiError(400, {'inputs': ['Additional properties are not allowed (only fields and required).']})
        allowed = {'id', 'type', 'format', 'choices', 'label', 'help_text', 'multiline', 'secret', 'ask_at_runtime', 'default'}
        ids = []
        for field in inputs.get('fields', []):
            if not isinstance(field, dict) or set(field) - allowed or 'id' not in field or 'label' not in field:
                raise ApiError(400, {'inputs': ['Invalid field %r.' % (field,)]})
            if not _FIELD_ID_RE.match(field['id']):
                raise ApiError(400, {'inputs': ['%s is an invalid variable name' % field['id']]})
            if field['id'] in ids:
                raise ApiError(400, {'inputs': ['field IDs must be unique (%s)' % field['id']]})
            if field.get('ask_at_runtime'):
                raise ApiError(400, {'inputs': ["'ask_at_runtime' is not supported for custom credentials."]})
            field.setdefault('type', 'string')  # AWX adds it too
            if field['type'] not in ('string', 'boolean'):
                raise ApiError(400, {'inputs': ['%s is not one of string, boolean' % field['type']]})
            ids.append(field['id'])
        for name in inputs.get('required', []):
            if not isinstance(name, str):
                raise ApiError(400, {'inputs': ['required must list strings']})
        if not isinstance(injectors, dict) or set(injectors) - {'file', 'env', 'extra_vars'}:
            raise ApiError(400, {'injectors': ['Additional properties are not allowed (file, env, extra_vars).']})
        templates = []

        def walk(node):
            if isinstance(node, dict):
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
            else:
                templates.append(node)
        for key in injectors.get('extra_vars', {}):
            if not _EXTRA_VAR_KEY_RE.match(key):
                raise ApiError(400, {'injectors': ['%s is not a valid extra variable name' % key]})
        for key in injectors.get('env', {}):
            if key.startswith('ANSIBLE_'):
                raise ApiError(400, {'injectors': ['Environment variable %s may affect Ansible configuration' % key]})
        walk(injectors)
        for template in templates:
            if not isinstance(template, str):
                raise ApiError(400, {'injectors': ['%r is not a string' % (template,)]})
            for name in _TEMPLATE_NAME_RE.findall(template):
                if name not in ids and name != 'tower':
                    raise ApiError(400, {'injectors': ["'%s' is undefined (not a field of this credential type)" % name]})
        if old is not None and old['inputs'] != merged['inputs'] and any(
                c['credential_type'] == old['id'] for c in self.objects['credentials'].values()):
            raise ApiError(403, {'detail': 'Modifications to inputs are not allowed for credential types that are in use'})

    def _validate_credentials(self, merged, old):
        ctype = self.objects['credential_types'][merged['credential_type']]
        if old is not None and old['credential_type'] != merged['credential_type']:
            raise ApiError(400, {'credential_type': ['You cannot change the credential type of the credential (double).']})
        inputs = merged.get('inputs') or {}
        if not isinstance(inputs, dict):
            raise ApiError(400, {'inputs': ['Must be an object.']})
        fields = {f['id']: f for f in ctype['inputs'].get('fields', [])}
        errors = {}
        for key, value in inputs.items():
            if key not in fields:
                errors[key] = ['Additional properties are not allowed (%r was unexpected)' % key]
            elif fields[key].get('type', 'string') == 'string' and not isinstance(value, str):
                errors[key] = ['%r is not of type string' % (value,)]
            elif fields[key].get('type') == 'boolean' and not isinstance(value, bool):
                errors[key] = ['%r is not of type boolean' % (value,)]
            elif old is None and fields[key].get('secret') and value == ENCRYPTED:
                errors[key] = ['$encrypted$ is a reserved keyword, and cannot be used for %s.' % key]
        if errors:
            raise ApiError(400, {'inputs': errors})

    def _validate_projects(self, merged, old):
        del old
        if merged['scm_type'] not in ('', 'git', 'svn', 'insights', 'archive'):
            raise ApiError(400, {'scm_type': ['"%s" is not a valid choice.' % merged['scm_type']]})
        if merged['scm_type'] and not merged['scm_url']:
            raise ApiError(400, {'scm_url': ['SCM URL is required.']})
        if merged.get('credential') is not None:
            ctype = self.objects['credential_types'][self.objects['credentials'][merged['credential']]['credential_type']]
            if ctype['kind'] != 'scm':
                raise ApiError(400, {'credential': ['Credential kind must be \'scm\'.']})

    def _validate_inventories(self, merged, old):
        del old
        if merged['kind'] is None:
            merged['kind'] = ''
        if merged['kind'] not in ('', 'smart', 'constructed'):
            raise ApiError(400, {'kind': ['"%s" is not a valid choice.' % merged['kind']]})
        _parse_vars(merged['variables'], 'variables')

    def _validate_inventory_sources(self, merged, old):
        del old
        choices = ('scm', 'ec2', 'gce', 'azure_rm', 'vmware', 'satellite6', 'openstack', 'rhv', 'controller', 'insights',
                   'terraform', 'openshift_virtualization', 'constructed')
        if merged['source'] not in choices:
            raise ApiError(400, {'source': ['"%s" is not a valid choice.' % merged['source']]})
        if merged['source'] == 'scm':
            if merged['source_project'] is None:
                raise ApiError(400, {'source_project': ['Project required for scm type sources.']})
            if self.objects['projects'][merged['source_project']]['scm_type'] == '':
                raise ApiError(400, {'source_project': ['Cannot use manual project for SCM-based inventory.']})
        elif merged.get('source_project') or merged.get('source_path'):
            raise ApiError(400, {'detail': 'Cannot set source_project source_path if not SCM type.'})
        _parse_vars(merged['source_vars'], 'source_vars')

    def _validate_job_templates(self, merged, old):
        del old
        project = self.objects['projects'][merged['project']]
        if merged['job_type'] not in ('run', 'check'):
            raise ApiError(400, {'job_type': ['"%s" is not a valid choice.' % merged['job_type']]})
        if project['scm_type'] and not project['allow_override'] and merged['playbook'] not in project.get('_playbooks', []):
            raise ApiError(400, {'playbook': ['Playbook not found for project.']})
        if merged['scm_branch'] and not project['allow_override']:
            raise ApiError(400, {'scm_branch': ['Project does not allow overriding branch.']})
        _parse_vars(merged['extra_vars'], 'extra_vars')

    def _validate_workflow_job_templates(self, merged, old):
        del old
        _parse_vars(merged['extra_vars'], 'extra_vars')

    def _validate_workflow_job_template_nodes(self, merged, old):
        del old
        ujt_id = merged.get('unified_job_template')
        ujt = None
        if ujt_id is not None:
            for kind in _UJT_KINDS:
                if ujt_id in self.objects[kind]:
                    ujt, ujt_kind = self.objects[kind][ujt_id], kind
            if ujt is None:
                raise ApiError(400, {'unified_job_template': ['Invalid pk "%s" - object does not exist.' % ujt_id]})
        extra = merged.get('extra_data') or {}
        if not isinstance(extra, dict):
            raise ApiError(400, {'extra_data': ['Must be an object.']})
        prompts = {'job_type': 'ask_job_type_on_launch', 'inventory': 'ask_inventory_on_launch', 'job_tags': 'ask_tags_on_launch',
                   'skip_tags': 'ask_skip_tags_on_launch', 'limit': 'ask_limit_on_launch', 'diff_mode': 'ask_diff_mode_on_launch',
                   'verbosity': 'ask_verbosity_on_launch', 'scm_branch': 'ask_scm_branch_on_launch'}
        errors = {}
        if ujt is not None and ujt_kind in ('job_templates', 'workflow_job_templates'):
            for field, ask in prompts.items():
                if merged.get(field) not in (None, '') and not ujt.get(ask, False):
                    errors[field] = ['Field is not configured to prompt on launch.']
            if merged.get('job_type') not in (None, 'run', 'check'):
                errors['job_type'] = ['"%s" is not a valid choice.' % merged['job_type']]
            survey = self.surveys.get((ujt_kind, ujt_id)) if ujt.get('survey_enabled') else None
            rest = dict(extra)
            if survey:
                value_errors = survey_value_errors(survey, extra)
                if value_errors:
                    errors['variables_needed_to_start'] = value_errors
                for element in survey.get('spec', []):
                    rest.pop(element['variable'], None)
            if ujt.get('ask_variables_on_launch'):
                rest = {}
            own = _parse_vars(ujt.get('extra_vars', ''), 'extra_vars')
            rest = {k: v for k, v in rest.items() if own.get(k, object()) != v}
            if rest:
                errors['extra_vars'] = ['Variables {} are not allowed on launch. Check the Prompt on Launch setting on the '
                                        'Job Template to include Extra Variables.'.format(', '.join(sorted(rest)))]
        elif extra:
            errors['extra_data'] = ['Only job templates and workflows take extra data (double).']
        if errors:
            raise ApiError(400, errors)

    # ------------------------------------------------------------------ sub-resources
    def _survey(self, method, kind, obj, body):
        key = (kind, obj['id'])
        if method == 'GET':
            return 200, copy.deepcopy(self.surveys.get(key, {}))
        if method == 'POST':
            spec = copy.deepcopy(body) if body is not None else {}
            error = validate_survey_spec(spec, self.surveys.get(key))
            if error:
                raise ApiError(400, error)
            self.surveys[key] = spec
            return 200, None
        if method == 'DELETE':
            self.surveys.pop(key, None)
            return 200, None
        raise ApiError(405, {'detail': 'Method "%s" not allowed.' % method})

    def _association(self, method, kind, obj, sub, body, query, path):
        target_kind = ASSOCIATIONS[kind][sub]
        key = (kind, obj['id'], sub)
        ids = self.associations.setdefault(key, [])
        if method == 'GET':
            return 200, self._list([self.objects[target_kind][i] for i in ids], query, path, target_kind)
        if method != 'POST':
            raise ApiError(405, {'detail': 'Method "%s" not allowed.' % method})
        if not isinstance(body, dict) or not isinstance(body.get('id'), int):
            raise ApiError(400, {'id': ['An integer id is required.']})
        target_id = body['id']
        if body.get('disassociate'):
            if target_id in ids:
                ids.remove(target_id)
            return 204, None
        target = self.objects[target_kind].get(target_id)
        if target is None:
            raise ApiError(400, {'msg': 'Object with id %s not found.' % target_id})
        if target_id in ids:
            return 204, None
        if kind == 'workflow_job_template_nodes' and sub in _NODE_LINKS:
            self._check_link(obj, target, sub)
        if sub == 'credentials' and kind == 'job_templates':
            ctype = self.objects['credential_types'][target['credential_type']]
            for other in ids:
                other_type = self.objects['credential_types'][self.objects['credentials'][other]['credential_type']]
                same_vault = ctype['kind'] == 'vault' and (target['inputs'].get('vault_id') != self.objects['credentials'][other]['inputs'].get('vault_id'))
                if other_type['id'] == ctype['id'] and not same_vault:
                    raise ApiError(400, {'error': 'Cannot assign multiple %s credentials.' % ctype['name']})
        if sub == 'labels' and target.get('organization') is None:
            raise ApiError(400, {'msg': 'Label without organization.'})
        ids.append(target_id)
        return 204, None

    def _check_link(self, parent, child, sub):
        if parent['workflow_job_template'] != child['workflow_job_template']:
            raise ApiError(400, {'Error': 'Cannot associate a node of another workflow.'})
        if parent['id'] == child['id']:
            raise ApiError(400, {'Error': 'Cycle detected.'})
        for other in _NODE_LINKS:
            if other != sub and child['id'] in self.associations.get(('workflow_job_template_nodes', parent['id'], other), []):
                raise ApiError(400, {'Error': 'Relationship not allowed.'})
        # a cycle: the parent is reachable from the child
        seen, stack = set(), [child['id']]
        while stack:
            node = stack.pop()
            if node == parent['id']:
                raise ApiError(400, {'Error': 'Cycle detected.'})
            if node in seen:
                continue
            seen.add(node)
            for link in _NODE_LINKS:
                stack.extend(self.associations.get(('workflow_job_template_nodes', node, link), []))
