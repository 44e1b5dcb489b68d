"""DataHubGraphQLDouble: a hand-written protocol double of DataHub's GraphQL endpoint, NOT DataHub.

It stands in for ``ansible.module_utils.urls.open_url`` and answers the POSTs the datamesh.platform
DataHub modules send to ``<url>/api/graphql``, just far enough to test them:

- It parses each GraphQL document (one operation, fields, aliases, arguments given as variables;
  no fragments or directives) and checks it the way a GraphQL server does before running it:
  every field against the types below, every argument and declared variable type against the
  root fields, every variable value against the input types (unknown fields, missing required
  fields, wrong scalar types). The types are copied by hand from DataHub's schema,
  datahub-graphql-core/src/main/resources/ingestion.graphql (DataHub 1.x); only the part the
  modules use is here. An error comes back the way graphql-java reports it (``errors``, no data).
- It keeps ingestion sources, secrets and execution requests in memory and answers with the
  shapes of the schema, projected onto the fields the query selected. Like DataHub 1.x it drops
  the description of an ingestion source (DataHubIngestionSourceInfo has no such field), makes a
  secret's urn from its name, and refuses a second secret of the same name.
- listIngestionSources/listSecrets page with start/count (``page_limit`` caps count, as a server
  may) and search with ``query`` roughly as DataHub's full-text search does: every word of the
  query must start a word of the name. ``search_misses`` lists names the search never finds.
- Execution requests follow ``execution_script``: one step per executionRequest query (None = no
  result yet, or a dict with status/report/durationMs), the last step repeating.
- It records every request (operation, query, variables, headers) and can fail on purpose:
  ``token`` (requests without ``Authorization: Bearer <token>`` get HTTP 401, as from GMS with
  metadata service authentication) and ``fail`` ({operationName: GraphQLFailure | HttpFailure |
  RawAnswer | exception}).
- ``monotonic``/``sleep`` are a fake clock for the modules' waiting.

What it does not show: DataHub's real search ranking and index delay, authorization, the
executor itself. Nothing here has been compared with a running DataHub.
"""

from __future__ import annotations

import copy
import io
import json
import re

from urllib.error import HTTPError

# ---------------------------------------------------------------- the schema (ingestion.graphql, in part)

SCALARS = frozenset(('String', 'Int', 'Long', 'Boolean'))

# Output types: field -> type name (lists are not marked; the data decides).
OUTPUT_TYPES = {
    'Query': {
        'listIngestionSources': 'ListIngestionSourcesResult',
        'ingestionSource': 'IngestionSource',
        'executionRequest': 'ExecutionRequest',
        'listSecrets': 'ListSecretsResult',
    },
    'Mutation': {
        'createIngestionSource': 'String',
        'updateIngestionSource': 'String',
        'deleteIngestionSource': 'String',
        'createIngestionExecutionRequest': 'String',
        'createSecret': 'String',
        'updateSecret': 'String',
        'deleteSecret': 'String',
    },
    'ListIngestionSourcesResult': {'start': 'Int', 'count': 'Int', 'total': 'Int', 'ingestionSources': 'IngestionSource'},
    'IngestionSource': {'urn': 'String', 'type': 'String', 'name': 'String', 'schedule': 'IngestionSchedule',
                        'platform': 'DataPlatform', 'config': 'IngestionConfig',
                        'executions': 'IngestionSourceExecutionRequests', 'ownership': 'Ownership'},
    'IngestionSchedule': {'timezone': 'String', 'interval': 'String'},
    'IngestionConfig': {'recipe': 'String', 'executorId': 'String', 'version': 'String', 'debugMode': 'Boolean',
                        'extraArgs': 'StringMapEntry'},
    'StringMapEntry': {'key': 'String', 'value': 'String'},
    'ExecutionRequest': {'urn': 'String', 'id': 'String', 'input': 'ExecutionRequestInput',
                         'result': 'ExecutionRequestResult', 'source': 'IngestionSource'},
    'ExecutionRequestResult': {'status': 'String', 'startTimeMs': 'Long', 'durationMs': 'Long', 'report': 'String',
                               'structuredReport': 'StructuredReport'},
    'ListSecretsResult': {'start': 'Int', 'count': 'Int', 'total': 'Int', 'secrets': 'Secret'},
    'Secret': {'urn': 'String', 'name': 'String', 'description': 'String'},
}

# Arguments of the root fields.
ROOT_ARGUMENTS = {
    'listIngestionSources': {'input': 'ListIngestionSourcesInput!'},
    'ingestionSource': {'urn': 'String!'},
    'executionRequest': {'urn': 'String!'},
    'listSecrets': {'input': 'ListSecretsInput!'},
    'createIngestionSource': {'input': 'UpdateIngestionSourceInput!'},
    'updateIngestionSource': {'urn': 'String!', 'input': 'UpdateIngestionSourceInput!'},
    'deleteIngestionSource': {'urn': 'String!'},
    'createIngestionExecutionRequest': {'input': 'CreateIngestionExecutionRequestInput!'},
    'createSecret': {'input': 'CreateSecretInput!'},
    'updateSecret': {'input': 'UpdateSecretInput!'},
    'deleteSecret': {'urn': 'String!'},
}

# Input types: field -> type ('!' = required).
INPUT_TYPES = {
    'ListIngestionSourcesInput': {'start': 'Int', 'count': 'Int', 'query': 'String',
                                  'filters': '[FacetFilterInput!]', 'sort': 'SortCriterion'},
    'ListSecretsInput': {'start': 'Int', 'count': 'Int', 'query': 'String'},
    'UpdateIngestionSourceInput': {'name': 'String!', 'type': 'String!', 'description': 'String',
                                   'schedule': 'UpdateIngestionSourceScheduleInput',
                                   'config': 'UpdateIngestionSourceConfigInput!'},
    'UpdateIngestionSourceScheduleInput': {'interval': 'String!', 'timezone': 'String!'},
    'UpdateIngestionSourceConfigInput': {'recipe': 'String!', 'version': 'String', 'executorId': 'String!',
                                         'debugMode': 'Boolean', 'extraArgs': '[StringMapEntryInput!]'},
    'StringMapEntryInput': {'key': 'String!', 'value': 'String'},
    'CreateIngestionExecutionRequestInput': {'ingestionSourceUrn': 'String!'},
    'CreateSecretInput': {'name': 'String!', 'value': 'String!', 'description': 'String'},
    'UpdateSecretInput': {'urn': 'String!', 'name': 'String!', 'value': 'String!', 'description': 'String'},
}

HTTP_REASONS = {401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error',
                502: 'Bad Gateway', 503: 'Service Unavailable'}


class GraphQLFailure:
    """Answer an operation with a GraphQL error, the way DataHub's resolvers do (HTTP 200)."""

    def __init__(self, message, code=500, error_type='SERVER_ERROR'):
        self.message = message
        self.code = code
        self.error_type = error_type


class HttpFailure:
    """Answer with an HTTP error status (and optional body)."""

    def __init__(self, status, body=''):
        self.status = status
        self.body = body


class RawAnswer:
    """Answer HTTP 200 with this body as it is (for example an HTML page)."""

    def __init__(self, body):
        self.body = body


class _ResolverError(Exception):
    def __init__(self, message, code=400, error_type='BAD_REQUEST'):
        super().__init__(message)
        self.code = code
        self.error_type = error_type


class FakeResponse:
    def __init__(self, body):
        self._body = body.encode('utf-8') if isinstance(body, str) else body

    def read(self):
        return self._body


# ---------------------------------------------------------------- a small GraphQL parser

class GraphQLSyntaxError(Exception):
    pass


_TOKEN_RE = re.compile(r'''[\s,]+|\#[^\n]*|(?P<punct>\.\.\.|[!$():=@\[\]{}|])|(?P<name>[_A-Za-z][_0-9A-Za-z]*)'''
                       r'''|(?P<number>-?\d+(?:\.\d+)?)|(?P<string>"(?:[^"\\]|\\.)*")''')


def tokenize(text):
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise GraphQLSyntaxError('Invalid Syntax : offending token %r at position %d' % (text[pos], pos))
        pos = m.end()
        if m.lastgroup:
            tokens.append((m.lastgroup, m.group(m.lastgroup)))
    return tokens


class Field:
    def __init__(self, name, alias, arguments, selections):
        self.name = name
        self.alias = alias
        self.arguments = arguments          # {argument: ('var', name) | ('literal', value)}
        self.selections = selections        # [Field]

    @property
    def key(self):
        return self.alias or self.name


class Operation:
    def __init__(self, kind, name, variables, selections):
        self.kind = kind                    # query | mutation
        self.name = name
        self.variables = variables          # {name: type text}
        self.selections = selections


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def peek(self, value=None):
        if self.pos >= len(self.tokens):
            return None
        token = self.tokens[self.pos]
        return token if value is None or token[1] == value else None

    def next(self, kind=None, value=None):
        token = self.peek()
        if token is None or (kind and token[0] != kind) or (value and token[1] != value):
            raise GraphQLSyntaxError('Invalid Syntax : expected %s but found %s'
                                     % (value or kind, token[1] if token else 'the end'))
        self.pos += 1
        return token

    def operation(self):
        kind = 'query'
        name = None
        variables = {}
        if self.peek('query') or self.peek('mutation'):
            kind = self.next()[1]
            if self.peek() and self.peek()[0] == 'name':
                name = self.next()[1]
            if self.peek('('):
                variables = self.variable_definitions()
        selections = self.selection_set()
        if self.peek() is not None:
            raise GraphQLSyntaxError('the double takes one operation per document')
        return Operation(kind, name, variables, selections)

    def variable_definitions(self):
        variables = {}
        self.next(value='(')
        while not self.peek(')'):
            self.next(value='$')
            name = self.next('name')[1]
            self.next(value=':')
            variables[name] = self.type_reference()
            if self.peek('='):
                raise GraphQLSyntaxError('default values are not implemented by the double')
        self.next(value=')')
        return variables

    def type_reference(self):
        if self.peek('['):
            self.next()
            text = '[%s]' % self.type_reference()
            self.next(value=']')
        else:
            text = self.next('name')[1]
        if self.peek('!'):
            self.next()
            text += '!'
        return text

    def selection_set(self):
        self.next(value='{')
        fields = []
        while not self.peek('}'):
            if self.peek('...') or self.peek('@'):
                raise GraphQLSyntaxError('fragments and directives are not implemented by the double')
            fields.append(self.field())
        self.next(value='}')
        if not fields:
            raise GraphQLSyntaxError('Invalid Syntax : empty selection set')
        return fields

    def field(self):
        name = self.next('name')[1]
        alias = None
        if self.peek(':'):
            self.next()
            alias, name = name, self.next('name')[1]
        arguments = {}
        if self.peek('('):
            self.next()
            while not self.peek(')'):
                argument = self.next('name')[1]
                self.next(value=':')
                if self.peek('$'):
                    self.next()
                    arguments[argument] = ('var', self.next('name')[1])
                else:
                    kind, text = self.next()
                    if kind not in ('number', 'string', 'name'):
                        raise GraphQLSyntaxError('only variables and scalar literals are implemented by the double')
                    arguments[argument] = ('literal', json.loads(text) if kind != 'name' else
                                           {'true': True, 'false': False, 'null': None}.get(text, text))
            self.next(value=')')
        selections = self.selection_set() if self.peek('{') else []
        return Field(name, alias, arguments, selections)


def parse(text):
    return _Parser(tokenize(text)).operation()


# ---------------------------------------------------------------- validation

def _validation_error(kind, path, message):
    return {'message': 'Validation error (%s@[%s]) : %s' % (kind, '/'.join(path), message),
            'locations': [], 'extensions': {'classification': 'ValidationError'}}


def validate_selections(type_name, fields, path, errors):
    known = OUTPUT_TYPES.get(type_name)
    for field in fields:
        here = path + [field.key]
        if known is None or field.name not in known:
            errors.append(_validation_error('FieldUndefined', here, "Field '%s' in type '%s' is undefined"
                                            % (field.name, type_name)))
            continue
        field_type = known[field.name]
        if field_type in SCALARS:
            if field.selections:
                errors.append(_validation_error('SubselectionNotAllowed', here, "Sub selection not allowed on leaf "
                                                "type %s of field %s" % (field_type, field.name)))
        elif field_type not in OUTPUT_TYPES:
            errors.append(_validation_error('FieldUndefined', here, 'type %s is not implemented by the double'
                                            % field_type))
        elif not field.selections:
            errors.append(_validation_error('SubselectionRequired', here, 'Sub selection required for type %s of '
                                            'field %s' % (field_type, field.name)))
        else:
            validate_selections(field_type, field.selections, here, errors)


def check_value(type_text, value, path):
    """Why value is not a valid value of type_text (an input or scalar type), or None."""
    required = type_text.endswith('!')
    base = type_text[:-1] if required else type_text
    if value is None:
        return "Field '%s' has null value in non-null type %s" % (path, type_text) if required else None
    if base.startswith('['):
        if not isinstance(value, list):
            return "Expected a list for '%s' (%s)" % (path, type_text)
        for index, item in enumerate(value):
            problem = check_value(base[1:-1], item, '%s[%d]' % (path, index))
            if problem:
                return problem
        return None
    if base == 'String':
        ok = isinstance(value, str)
    elif base in ('Int', 'Long'):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif base == 'Boolean':
        ok = isinstance(value, bool)
    elif base in INPUT_TYPES:
        if not isinstance(value, dict):
            return "Expected type '%s' to be an object for '%s'" % (base, path)
        fields = INPUT_TYPES[base]
        for key in value:
            if key not in fields:
                return ("The variables input contains a field name '%s' that is not defined for input object type "
                        "'%s'" % (key, base))
        for key, field_type in fields.items():
            problem = check_value(field_type, value.get(key), '%s.%s' % (path, key))
            if problem:
                return problem
        return None
    else:
        return "type %s of '%s' is not implemented by the double" % (base, path)
    return None if ok else "Expected type '%s' for '%s' but was %s" % (base, path, type(value).__name__)


def validate_operation(op, variables, errors):
    root = 'Query' if op.kind == 'query' else 'Mutation'
    used = set()
    for field in op.selections:
        path = [field.key]
        if field.name not in OUTPUT_TYPES[root]:
            errors.append(_validation_error('FieldUndefined', path, "Field '%s' in type '%s' is undefined"
                                            % (field.name, root)))
            continue
        arguments = ROOT_ARGUMENTS[field.name]
        for name, (kind, ref) in field.arguments.items():
            if name not in arguments:
                errors.append(_validation_error('UnknownArgument', path, "Unknown field argument '%s'" % name))
            elif kind == 'var':
                used.add(ref)
                declared = op.variables.get(ref)
                if declared is None:
                    errors.append(_validation_error('UndefinedVariable', path, "Undefined variable '%s'" % ref))
                elif declared != arguments[name]:
                    errors.append(_validation_error('VariableTypeMismatch', path, "Variable type '%s' does not match "
                                                    "expected type '%s'" % (declared, arguments[name])))
        for name, type_text in arguments.items():
            if type_text.endswith('!') and name not in field.arguments:
                errors.append(_validation_error('MissingFieldArgument', path, "Missing field argument '%s'" % name))
        field_type = OUTPUT_TYPES[root][field.name]
        if field_type in SCALARS:
            if field.selections:
                errors.append(_validation_error('SubselectionNotAllowed', path, 'Sub selection not allowed on leaf '
                                                'type %s' % field_type))
        elif not field.selections:
            errors.append(_validation_error('SubselectionRequired', path, 'Sub selection required for type %s'
                                            % field_type))
        else:
            validate_selections(field_type, field.selections, path, errors)
    for name in set(op.variables) - used:
        errors.append(_validation_error('UnusedVariable', [], "Unused variable '%s'" % name))
    if errors:
        return
    for name, type_text in op.variables.items():
        problem = check_value(type_text, variables.get(name), name)
        if problem:
            errors.append({'message': "Variable '%s' has an invalid value: %s" % (name, problem), 'locations': [],
                           'extensions': {'classification': 'ValidationError'}})


def project(value, type_name, fields):
    """value (data in the schema's shape) reduced to the selected fields."""
    if value is None:
        return None
    if isinstance(value, list):
        return [project(v, type_name, fields) for v in value]
    if type_name in SCALARS:
        return value
    out = {}
    for field in fields:
        out[field.key] = project(value.get(field.name), OUTPUT_TYPES[type_name][field.name], field.selections)
    return out


# ---------------------------------------------------------------- the double

class DataHubGraphQLDouble:
    """A protocol double of DataHub's GraphQL endpoint (see the module docstring)."""

    def __init__(self, sources=None, secrets=None, token=None, fail=None, page_limit=None, search_misses=(),
                 execution_script=None):
        self.sources = {}           # urn -> stored source (GraphQL shape, as DataHub returns it)
        self.secrets = {}           # urn -> {urn, name, value, description}
        self.executions = {}        # urn -> {urn, source, script: [...], polls}
        self.token = token
        self.fail = dict(fail or {})
        self.page_limit = page_limit
        self.search_misses = set(search_misses)
        self.execution_script = execution_script if execution_script is not None else [{'status': 'SUCCESS'}]
        self.requests = []
        self.now = 1000.0
        self.slept = []
        self._ids = 0
        for source in sources or []:
            self.add_source(**source)
        for secret in secrets or []:
            self.add_secret(**secret)

    # -- fixtures
    def _id(self):
        self._ids += 1
        return '00000000-0000-4000-8000-%012d' % self._ids

    def add_source(self, name, type='trino', recipe=None, schedule=None, executor_id='default', version=None,
                   debug_mode=None, extra_args=None, urn=None):  # pylint: disable=redefined-builtin
        urn = urn or 'urn:li:dataHubIngestionSource:%s' % self._id()
        recipe = recipe if recipe is not None else {'source': {'type': type, 'config': {}}}
        config = {'recipe': recipe if isinstance(recipe, str) else json.dumps(recipe), 'executorId': executor_id,
                  'version': version, 'debugMode': debug_mode,
                  'extraArgs': [{'key': k, 'value': v} for k, v in extra_args.items()] if extra_args else None}
        self.sources[urn] = {'urn': urn, 'name': name, 'type': type, 'schedule': copy.deepcopy(schedule),
                             'config': config}
        return urn

    def add_secret(self, name, value='x', description=None):
        urn = 'urn:li:dataHubSecret:%s' % name
        self.secrets[urn] = {'urn': urn, 'name': name, 'value': value, 'description': description}
        return urn

    def source_named(self, name):
        found = [s for s in self.sources.values() if s['name'] == name]
        assert len(found) == 1, '%d sources named %s' % (len(found), name)
        return found[0]

    def recipe_of(self, name):
        return json.loads(self.source_named(name)['config']['recipe'])

    # -- what was asked
    @property
    def operations(self):
        return [r['operation'] for r in self.requests]

    @property
    def mutations(self):
        return [r['operation'] for r in self.requests if r['kind'] == 'mutation']

    def variables_of(self, operation):
        found = [r['variables'] for r in self.requests if r['operation'] == operation]
        assert len(found) == 1, '%s sent %d times' % (operation, len(found))
        return found[0]

    # -- fake clock
    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    # -- HTTP: stands in for ansible.module_utils.urls.open_url
    def open_url(self, url, data=None, headers=None, method=None, **kwargs):
        headers = dict(headers or {})
        assert method == 'POST', 'GraphQL is POST-only at /api/graphql'
        assert url.endswith('/api/graphql'), url
        assert headers.get('Content-Type') == 'application/json'
        body = json.loads(data)
        assert set(body) <= {'query', 'variables', 'operationName'}, body
        record = {'url': url, 'operation': body.get('operationName'), 'query': body.get('query'),
                  'variables': copy.deepcopy(body.get('variables') or {}), 'headers': headers, 'kind': None,
                  'options': dict(kwargs)}
        self.requests.append(record)
        if self.token is not None and headers.get('Authorization') != 'Bearer %s' % self.token:
            raise HTTPError(url, 401, HTTP_REASONS[401], {}, io.BytesIO(b''))
        injected = self.fail.get(record['operation'])
        if isinstance(injected, HttpFailure):
            raise HTTPError(url, injected.status, HTTP_REASONS.get(injected.status, 'Error'), {},
                            io.BytesIO(injected.body.encode('utf-8')))
        if isinstance(injected, RawAnswer):
            return FakeResponse(injected.body)
        if isinstance(injected, BaseException):
            raise injected
        return FakeResponse(json.dumps(self.answer(body, record, injected)))

    def answer(self, body, record, injected=None):
        try:
            op = parse(body.get('query') or '')
        except GraphQLSyntaxError as e:
            return {'errors': [{'message': str(e), 'extensions': {'classification': 'InvalidSyntax'}}]}
        record['kind'] = op.kind
        if body.get('operationName') and body['operationName'] != op.name:
            return {'errors': [{'message': 'Unknown operation named \'%s\'.' % body['operationName']}]}
        variables = body.get('variables') or {}
        errors = []
        validate_operation(op, variables, errors)
        if errors:
            return {'errors': errors}
        root = 'Query' if op.kind == 'query' else 'Mutation'
        data = {}
        for field in op.selections:
            if isinstance(injected, GraphQLFailure):
                errors.append({'message': injected.message, 'path': [field.key],
                               'extensions': {'code': injected.code, 'type': injected.error_type,
                                              'classification': 'DataFetchingException'}})
                data[field.key] = None
                continue
            arguments = dict((name, variables.get(ref) if kind == 'var' else ref)
                             for name, (kind, ref) in field.arguments.items())
            try:
                value = getattr(self, '_resolve_' + field.name)(**arguments)
            except _ResolverError as e:
                errors.append({'message': str(e), 'path': [field.key],
                               'extensions': {'code': e.code, 'type': e.error_type,
                                              'classification': 'DataFetchingException'}})
                data[field.key] = None
                continue
            data[field.key] = project(copy.deepcopy(value), OUTPUT_TYPES[root][field.name], field.selections)
        answer = {'data': data}
        if errors:
            answer['errors'] = errors
        return answer

    # -- search and pages
    def _matches(self, name, query):
        if not query or query == '*':
            return True
        if name in self.search_misses:
            return False
        words = re.findall(r'[a-z0-9]+', name.lower())
        return all(any(w.startswith(q) for w in words) for q in re.findall(r'[a-z0-9]+', query.lower()))

    def _page(self, items, input_, key):
        start = input_.get('start') or 0
        count = input_.get('count') if input_.get('count') is not None else 20
        if self.page_limit is not None:
            count = min(count, self.page_limit)
        found = [i for i in items if self._matches(i['name'], input_.get('query'))]
        return {'start': start, 'count': count, 'total': len(found), key: found[start:start + count]}

    # -- ingestion sources
    def _resolve_listIngestionSources(self, input):  # pylint: disable=redefined-builtin
        return self._page(list(self.sources.values()), input, 'ingestionSources')

    def _resolve_ingestionSource(self, urn):
        return self.sources.get(urn)

    def _store(self, urn, input_):
        # UpsertIngestionSourceResolver: name, type, config, schedule; no description.
        config = input_['config']
        schedule = input_.get('schedule')
        if schedule is not None and len(schedule['interval'].split(' ')) not in (5, 6):
            raise _ResolverError('Invalid cron schedule `%s`' % schedule['interval'])
        self.sources[urn] = {
            'urn': urn, 'name': input_['name'], 'type': input_['type'],
            'schedule': dict(schedule) if schedule else None,
            'config': {'recipe': config['recipe'], 'executorId': config['executorId'], 'version': config.get('version'),
                       'debugMode': config.get('debugMode'), 'extraArgs': copy.deepcopy(config.get('extraArgs'))},
        }
        return urn

    def _resolve_createIngestionSource(self, input):  # pylint: disable=redefined-builtin
        return self._store('urn:li:dataHubIngestionSource:%s' % self._id(), input)

    def _resolve_updateIngestionSource(self, urn, input):  # pylint: disable=redefined-builtin
        if not urn.startswith('urn:li:'):
            raise _ResolverError('Malformed urn %s provided.' % urn)
        return self._store(urn, input)

    def _resolve_deleteIngestionSource(self, urn):
        self.sources.pop(urn, None)
        return urn

    # -- execution requests
    def _resolve_createIngestionExecutionRequest(self, input):  # pylint: disable=redefined-builtin
        source = input['ingestionSourceUrn']
        if source not in self.sources:
            raise _ResolverError('Failed to find ingestion source with urn %s' % source)
        urn = 'urn:li:dataHubExecutionRequest:%s' % self._id()
        self.executions[urn] = {'urn': urn, 'source': source, 'script': copy.deepcopy(self.execution_script),
                                'polls': 0}
        return urn

    def _resolve_executionRequest(self, urn):
        execution = self.executions.get(urn)
        if execution is None:
            return None
        script = execution['script']
        step = script[min(execution['polls'], len(script) - 1)]
        execution['polls'] += 1
        result = None
        if step is not None:
            result = {'status': step['status'], 'startTimeMs': 1767225600000, 'durationMs': step.get('durationMs'),
                      'report': step.get('report')}
        return {'urn': urn, 'id': urn.rsplit(':', 1)[1], 'result': result}

    # -- secrets
    def _resolve_listSecrets(self, input):  # pylint: disable=redefined-builtin
        return self._page(list(self.secrets.values()), input, 'secrets')

    def _resolve_createSecret(self, input):  # pylint: disable=redefined-builtin
        urn = 'urn:li:dataHubSecret:%s' % input['name']
        if urn in self.secrets:
            raise _ResolverError('Failed to create new secret with name %s' % input['name'], code=500,
                                 error_type='SERVER_ERROR')
        self.secrets[urn] = {'urn': urn, 'name': input['name'], 'value': input['value'],
                             'description': input.get('description')}
        return urn

    def _resolve_updateSecret(self, input):  # pylint: disable=redefined-builtin
        urn = input['urn']
        if urn not in self.secrets:
            raise _ResolverError('Failed to update a secret with urn %s and name %s' % (urn, input['name']),
                                 code=500, error_type='SERVER_ERROR')
        self.secrets[urn].update(name=input['name'], value=input['value'], description=input.get('description'))
        return urn

    def _resolve_deleteSecret(self, urn):
        self.secrets.pop(urn, None)
        return urn
