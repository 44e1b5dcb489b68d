"""Unit tests of module_utils/datahub.py: the pure helpers (recipes, the secret walk, cron,
report masking), the GraphQL client and its paging against DataHubGraphQLDouble (a hand-written
protocol double of DataHub's GraphQL endpoint, not DataHub), and checks that the double itself
refuses what a GraphQL server refuses, so the module tests can rely on it."""

from __future__ import annotations

import json
import types

import pytest

from ansible_collections.datamesh.platform.plugins.module_utils import datahub as du
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.datahub_double import (
    DataHubGraphQLDouble,
    GraphQLFailure,
    HttpFailure,
)

URL = 'https://datahub.example.com:8080'
TOKEN = 'pat-0123456789abcdef'


@pytest.fixture
def server(monkeypatch):
    double = DataHubGraphQLDouble()
    monkeypatch.setattr(du, 'open_url', double.open_url)
    return double


def client(**kwargs):
    kwargs.setdefault('token', TOKEN)
    return du.DataHubClient(URL, **kwargs)


# ================================================================ connection

def test_argument_spec_hides_the_token():
    spec = du.datahub_argument_spec()
    assert spec['token']['no_log'] is True
    assert spec['url']['required'] is True
    assert spec['validate_certs']['default'] is True
    assert spec['timeout']['default'] == 30.0


@pytest.mark.parametrize('url, endpoint', [
    ('https://datahub.example.com:8080', 'https://datahub.example.com:8080/api/graphql'),
    ('http://localhost:9002/', 'http://localhost:9002/api/graphql'),
    ('https://datahub.example.com/datahub', 'https://datahub.example.com/datahub/api/graphql'),
    ('https://datahub.example.com:8080/api/graphql', 'https://datahub.example.com:8080/api/graphql'),
])
def test_graphql_endpoint(url, endpoint):
    assert du.graphql_endpoint(url) == endpoint


@pytest.mark.parametrize('url', ['datahub.example.com:8080', 'ftp://datahub', '', None, 'https://'])
def test_graphql_endpoint_refuses_what_is_not_an_http_url(url):
    with pytest.raises(ValueError, match='url must start with http:// or https://'):
        du.graphql_endpoint(url)


@pytest.mark.parametrize('url, loopback', [
    ('http://localhost:8080', True), ('http://127.0.0.1:8080/x', True), ('http://[::1]:8080', True),
    ('http://datahub.example.com:8080', False), ('http://10.0.0.5', False),
])
def test_is_loopback_url(url, loopback):
    assert du.is_loopback_url(url) is loopback


def test_the_client_posts_query_variables_and_operation_with_the_token(server):
    data = client().graphql(du.LIST_SECRETS, {'input': {'start': 0, 'count': 5}}, 'listSecrets')
    assert data == {'listSecrets': {'start': 0, 'count': 5, 'total': 0, 'secrets': []}}
    request = server.requests[0]
    assert request['operation'] == 'listSecrets'
    assert request['variables'] == {'input': {'start': 0, 'count': 5}}
    assert request['headers']['Authorization'] == 'Bearer ' + TOKEN
    assert request['headers']['Accept'] == 'application/json'
    assert request['options']['follow_redirects'] == 'none'
    assert request['options']['use_netrc'] is False


def test_without_a_token_no_authorization_header_is_sent(server):
    client(token=None).graphql(du.LIST_SECRETS, {'input': {}}, 'listSecrets')
    assert 'Authorization' not in server.requests[0]['headers']


def test_graphql_errors_become_a_datahub_error_without_the_token(server):
    server.fail['listSecrets'] = GraphQLFailure('Unauthorized to perform this action (token %s)' % TOKEN, code=403,
                                                error_type='UNAUTHORIZED')
    with pytest.raises(du.DataHubError) as raised:
        client().graphql(du.LIST_SECRETS, {'input': {}}, 'listSecrets')
    assert str(raised.value) == ('listSecrets failed at %s/api/graphql: Unauthorized to perform this action (token '
                                 '********) (code 403)' % URL)


@pytest.mark.parametrize('status, body, expected', [
    (401, '', 'HTTP 401 Unauthorized (DataHub refused the request: give a valid personal access token'),
    (403, '', 'HTTP 403 Forbidden (the token\'s user lacks the privilege'),
    (500, json.dumps({'errors': [{'message': 'boom'}]}), 'HTTP 500 Internal Server Error: boom'),
    (502, json.dumps({'message': 'upstream down'}), 'HTTP 502 Bad Gateway: upstream down'),
    (503, 'x' * 500, 'HTTP 503 Service Unavailable: ' + 'x' * 200 + '...'),
])
def test_http_errors_are_explained(server, status, body, expected):
    server.fail['listSecrets'] = HttpFailure(status, body)
    with pytest.raises(du.DataHubError) as raised:
        client().graphql(du.LIST_SECRETS, {'input': {}}, 'listSecrets')
    assert str(raised.value).startswith('listSecrets failed at %s/api/graphql: %s' % (URL, expected))
    assert raised.value.status == status


def test_an_answer_without_data_is_an_error(monkeypatch):
    monkeypatch.setattr(du, 'open_url', lambda *a, **k: types.SimpleNamespace(read=lambda: b'{"data": null}'))
    with pytest.raises(du.DataHubError, match='the answer has no data'):
        client().graphql('query x { y }', {}, 'x')


def test_any_other_failure_is_reported_without_the_token(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError('TLS handshake with %s failed' % TOKEN)
    monkeypatch.setattr(du, 'open_url', refuse)
    with pytest.raises(du.DataHubError) as raised:
        client().graphql('query x { y }', {}, 'x')
    assert str(raised.value) == 'x failed at %s/api/graphql: cannot reach DataHub: OSError: TLS handshake with ******** ' \
                                'failed' % URL


def test_graphql_error_text():
    assert du.graphql_error_text([{'message': 'a'}, {'message': 'b', 'extensions': {'code': 400}}]) == 'a; b (code 400)'
    assert du.graphql_error_text('plain') == 'plain'


# ================================================================ paging and lookup by name

def test_paginate_reads_every_page(server):
    server.page_limit = 2
    for i in range(5):
        server.add_secret('S%d' % i)
    items = du.paginate(client(), du.LIST_SECRETS, 'listSecrets', 'listSecrets', 'secrets', page_size=10)
    assert [i['name'] for i in items] == ['S0', 'S1', 'S2', 'S3', 'S4']
    assert [r['variables']['input'] for r in server.requests] == [
        {'start': 0, 'count': 10}, {'start': 2, 'count': 10}, {'start': 4, 'count': 10}]


def test_paginate_stops_at_an_empty_page_and_gives_up_on_endless_answers():
    class Endless:
        def __init__(self, page):
            self.page = page
            self.calls = 0

        def graphql(self, query, variables, operation):
            self.calls += 1
            return {'listSecrets': {'total': None, 'secrets': self.page}}

    empty = Endless([])
    assert du.paginate(empty, du.LIST_SECRETS, 'listSecrets', 'listSecrets', 'secrets') == []
    assert empty.calls == 1
    with pytest.raises(du.DataHubError, match='still more results after 1000 pages'):
        du.paginate(Endless([{'name': 'x'}]), du.LIST_SECRETS, 'listSecrets', 'listSecrets', 'secrets')


def test_find_by_name_searches_then_reads_the_whole_list(server):
    server.add_secret('A_B')
    server.add_secret('A')
    found = du.find_by_name(client(), du.LIST_SECRETS, 'listSecrets', 'listSecrets', 'secrets', 'A')
    assert [f['name'] for f in found] == ['A']
    assert len(server.requests) == 1
    server.requests = []
    server.search_misses.add('A')
    found = du.find_by_name(client(), du.LIST_SECRETS, 'listSecrets', 'listSecrets', 'secrets', 'A')
    assert [f['name'] for f in found] == ['A']
    assert [r['variables']['input'].get('query') for r in server.requests] == ['A', None]


# ================================================================ recipes

def test_parse_recipe_reads_dicts_json_and_yaml_alike():
    wanted = {'source': {'type': 'dbt', 'config': {'target_platform': 'trino', 'n': 1, 'on': True}}}
    assert du.parse_recipe(wanted) == wanted
    assert du.parse_recipe(wanted) is not wanted
    assert du.parse_recipe(json.dumps(wanted)) == wanted
    assert du.parse_recipe('source:\n  config: {n: 1, "on": true, target_platform: trino}\n  type: dbt\n') == wanted
    assert du.parse_recipe(json.dumps(wanted).encode('utf-8')) == wanted


@pytest.mark.parametrize('value, message', [
    ('', 'the recipe is empty'),
    ('  \n', 'the recipe is empty'),
    ('source: [x', 'the recipe is neither JSON nor YAML'),
    ('- a\n- b\n', 'the recipe must be a mapping with a source section, not list'),
    (42, 'the recipe must be a dictionary, or a JSON or YAML text, not int'),
])
def test_parse_recipe_refuses(value, message):
    with pytest.raises(ValueError, match=message.replace('[', r'\[')):
        du.parse_recipe(value)


def test_parse_recipe_without_pyyaml_still_reads_json(monkeypatch):
    monkeypatch.setattr(du, 'HAS_YAML', False)
    assert du.parse_recipe('{"source": {"type": "x"}}') == {'source': {'type': 'x'}}
    with pytest.raises(ValueError, match='PyYAML, needed to read it as YAML, is not installed'):
        du.parse_recipe('source: {type: x}')


def test_canonical_json_is_one_text_per_meaning():
    assert du.canonical_json({'b': 1, 'a': {'d': [1, 2], 'c': 'é'}}) == '{"a":{"c":"é","d":[1,2]},"b":1}'
    assert du.canonical_json({'a': 1, 'b': 2}) == du.canonical_json({'b': 2, 'a': 1})


def test_recipe_source_type():
    assert du.recipe_source_type({'source': {'type': 'trino'}}) == 'trino'
    for recipe in ({}, {'source': 'trino'}, {'source': {'type': ''}}, {'source': {'type': 3}}, []):
        assert du.recipe_source_type(recipe) is None


# ================================================================ secrets in recipes

@pytest.mark.parametrize('key', [
    'password', 'PASSWORD', 'passwd', 'pwd', 'sasl.password', 'token', 'api_key', 'apiKey', 'APIKey',
    'client_secret', 'clientSecret', 'secret', 'secret_key', 'aws_secret_access_key', 'access_key', 'private_key',
    'private_key_password', 'private_key_passphrase', 'okta_api_token', 'token_value', 'personal_access_token',
    'sas_token', 'webhook-secret', 'api_keys', 'tokens',
])
def test_secret_keys(key):
    assert du.is_secret_key(key) is True


@pytest.mark.parametrize('key', [
    'username', 'host_port', 'database', 'private_key_path', 'token_name', 'aws_access_key_id', 'password_file',
    'tokenizer', 'key', 'primary_key', 'secrets_path', 'use_token_auth_env', 'keyspace', '', 3,
])
def test_keys_that_are_not_secrets(key):
    assert du.is_secret_key(key) is False


@pytest.mark.parametrize('value', ['${TRINO_PASSWORD}', '${_X1}'])
def test_secret_references(value):
    assert du.is_secret_reference(value) is True


@pytest.mark.parametrize('value', ['$TRINO_PASSWORD', '${TRINO_PASSWORD}x', ' ${A}', '${A:-default}', '${1A}', '${}',
                                   None, 3])
def test_not_secret_references(value):
    assert du.is_secret_reference(value) is False


def test_clear_secret_paths_walks_everything():
    recipe = {
        'source': {'type': 'x', 'config': {
            'password': '${OK}',
            'options': {'connect_args': {'password': 'clear'}},
            'credential': {'private_key': 'pem', 'private_key_id': 'id', 'client_email': 'a@b'},
            'token': {'value': 'nested-clear', 'ref': '${T}'},
            'api_keys': ['${K1}', 'clear-key'],
            'secret': 12345,
            'use_token': True,
            'passphrase': None,
            'token_name': 'name',
        }},
        'sink': {'type': 'datahub-rest', 'config': {'server': 'http://gms:8080', 'token': '${DATAHUB_TOKEN}'}},
    }
    assert du.clear_secret_paths(recipe) == [
        'source.config.options.connect_args.password',
        'source.config.credential.private_key',
        'source.config.token.value',
        'source.config.api_keys[1]',
        'source.config.secret',
    ]


def test_clear_secrets_problem_names_paths_never_values():
    assert du.clear_secrets_problem({'source': {'config': {'password': '${P}'}}}) is None
    problem = du.clear_secrets_problem({'source': {'config': {'password': 'hunter2'}}})
    assert problem.startswith('the recipe holds a secret in clear: source.config.password. Store each value as a '
                              'DataHub secret (datamesh.platform.datahub_secret)')
    assert 'hunter2' not in problem


def test_mask_report():
    text = ('password: hunter2\n"token": "abc.def"\napi-key=k3y, secret_key = s3\n'
            'password: ${KEEP_REF}\ndatabase: visible\nBearer %s' % TOKEN)
    masked = du.mask_report(text, TOKEN)
    assert masked == ('password: ********\n"token": "********"\napi-key=********, secret_key = ********\n'
                      'password: ${KEEP_REF}\ndatabase: visible\nBearer ********')


def test_report_tail_keeps_the_end():
    report = '\n'.join('line %03d' % i for i in range(100)) + '\n\n'
    tail = du.report_tail(report, lines=3)
    assert tail == 'line 097\nline 098\nline 099'
    assert du.report_tail('x' * 50, chars=10) == '...' + 'x' * 10
    assert du.report_tail(None) == ''


# ================================================================ cron

@pytest.mark.parametrize('interval', [
    '0 2 * * *', '*/15 * * * *', '0 0 1 1 *', '5,35 8-18/2 * JAN-MAR,dec mon-fri', '0 0 ? * 7', '0 0 L * *',
    '0 0 15W * *', '0 0 * * 5L', '0 0 * * MON#2', '59 23 31 12 0', '  0   2 * * *  ',
])
def test_valid_cron(interval):
    assert du.cron_problem(interval) is None


@pytest.mark.parametrize('interval, message', [
    ('', 'schedule.interval is empty'),
    ('0 2 * *', "has 4 fields"),
    ('0 0 2 * * *', "has 6 fields"),
    ('@daily', "has 1 fields"),
    ('60 * * * *', "minute field '60': '60' is not a value (0-59"),
    ('* 24 * * *', "hour field '24'"),
    ('* * 0 * *', "day of month field '0'"),
    ('* * * 13 *', "month field '13': '13' is not a value (1-12 or JAN-DEC"),
    ('* * * * 8', "day of week field '8'"),
    ('* * * * FOO', "day of week field 'FOO'"),
    ('*/0 * * * *', "step '0' is not a positive number"),
    ('10-5 * * * *', "range '10-5' runs backwards"),
    ('1,,2 * * * *', 'an empty list item'),
    ('? * * * *', "minute field '?'"),
])
def test_invalid_cron(interval, message):
    assert message in du.cron_problem(interval)


def test_normalize_cron():
    assert du.normalize_cron(' 0  2 *\t* * ') == '0 2 * * *'


# ================================================================ executions

def test_execution_state_and_finish():
    assert du.execution_state(None) == dict(urn=None, status=None, start_time_ms=None, duration_ms=None)
    assert du.execution_state({'urn': 'u', 'result': {'status': 'SUCCESS', 'startTimeMs': 1, 'durationMs': 2}}) == \
        dict(urn='u', status='SUCCESS', start_time_ms=1, duration_ms=2)
    assert [du.execution_finished(s) for s in (None, 'RUNNING', 'UP_FOR_RETRY', 'SUCCESS', 'FAILURE', 'CANCELLED',
                                               'TIMEOUT', 'ABORTED', 'SOMETHING_NEW')] == \
        [False, False, False, True, True, True, True, True, True]


def test_wait_for_execution_polls_until_final(server):
    server.add_source(name='s', urn='urn:li:dataHubIngestionSource:s')
    server.execution_script = [None, {'status': 'RUNNING'}, {'status': 'TIMEOUT'}]
    urn = client().graphql(du.CREATE_EXECUTION_REQUEST, {'input': {'ingestionSourceUrn': 'urn:li:dataHubIngestionSource:s'}},
                           'createIngestionExecutionRequest')['createIngestionExecutionRequest']
    request, timed_out = du.wait_for_execution(client(), urn, 100, interval=3, clock=server.monotonic, sleep=server.sleep)
    assert timed_out is False
    assert request['result']['status'] == 'TIMEOUT'
    assert server.slept == [3, 3]


def test_wait_for_execution_gives_up_after_the_timeout(server):
    server.add_source(name='s', urn='urn:li:dataHubIngestionSource:s')
    server.execution_script = [None]
    urn = client().graphql(du.CREATE_EXECUTION_REQUEST, {'input': {'ingestionSourceUrn': 'urn:li:dataHubIngestionSource:s'}},
                           'createIngestionExecutionRequest')['createIngestionExecutionRequest']
    request, timed_out = du.wait_for_execution(client(), urn, 7, interval=3, clock=server.monotonic, sleep=server.sleep)
    assert timed_out is True and request['result'] is None
    assert server.slept == [3, 3, 1]


# ================================================================ the double refuses what a GraphQL server refuses

def ask(server, query, variables, operation):
    with pytest.raises(du.DataHubError) as raised:
        client().graphql(query, variables, operation)
    return str(raised.value)


def test_the_double_refuses_a_field_the_schema_lacks(server):
    query = du.GET_INGESTION_SOURCE.replace('    type\n', '    type\n    description\n')
    message = ask(server, query, {'urn': 'u'}, 'ingestionSource')
    assert "Validation error (FieldUndefined@[ingestionSource/description]) : Field 'description' in type " \
           "'IngestionSource' is undefined" in message


def test_the_double_refuses_an_input_field_the_schema_lacks(server):
    variables = {'input': {'name': 'n', 'type': 't', 'config': {'recipe': '{}', 'executorId': 'default',
                                                                'debug_mode': True}}}
    message = ask(server, du.CREATE_INGESTION_SOURCE, variables, 'createIngestionSource')
    assert "contains a field name 'debug_mode' that is not defined for input object type " \
           "'UpdateIngestionSourceConfigInput'" in message


def test_the_double_refuses_a_missing_required_input_field(server):
    variables = {'input': {'name': 'n', 'type': 't', 'config': {'recipe': '{}'}}}
    message = ask(server, du.CREATE_INGESTION_SOURCE, variables, 'createIngestionSource')
    assert "Field 'input.config.executorId' has null value in non-null type String!" in message


def test_the_double_refuses_wrong_scalar_and_variable_types(server):
    message = ask(server, du.LIST_SECRETS, {'input': {'start': '0'}}, 'listSecrets')
    assert "Expected type 'Int' for 'input.start' but was str" in message
    message = ask(server, du.DELETE_SECRET.replace('$urn: String!', '$urn: String'), {'urn': 'u'}, 'deleteSecret')
    assert "Variable type 'String' does not match expected type 'String!'" in message


def test_the_double_refuses_a_subselection_on_a_mutation_result_and_syntax_errors(server):
    message = ask(server, 'mutation deleteSecret($urn: String!) { deleteSecret(urn: $urn) { urn } }', {'urn': 'u'},
                  'deleteSecret')
    assert 'SubselectionNotAllowed' in message
    message = ask(server, 'query listSecrets($input: ListSecretsInput!) { listSecrets(input: $input) { total }',
                  {'input': {}}, 'listSecrets')
    assert message.endswith('Invalid Syntax : expected name but found the end')
    message = ask(server, 'query listSecrets { listSecrets(input: {start: 0}) { total } }', {}, 'listSecrets')
    assert message.endswith('only variables and scalar literals are implemented by the double')


def test_every_document_of_the_modules_passes_the_double(server):
    urn = server.add_source(name='s')
    c = client()
    c.graphql(du.LIST_INGESTION_SOURCES, {'input': {'start': 0, 'count': 1, 'query': 's'}}, 'listIngestionSources')
    c.graphql(du.GET_INGESTION_SOURCE, {'urn': urn}, 'ingestionSource')
    source = {'name': 's', 'type': 'trino', 'description': 'd', 'schedule': {'interval': '0 2 * * *', 'timezone': 'UTC'},
              'config': {'recipe': '{}', 'version': '1.2.0', 'executorId': 'default', 'debugMode': False,
                         'extraArgs': [{'key': 'k', 'value': 'v'}]}}
    c.graphql(du.UPDATE_INGESTION_SOURCE, {'urn': urn, 'input': source}, 'updateIngestionSource')
    created = c.graphql(du.CREATE_INGESTION_SOURCE, {'input': source}, 'createIngestionSource')['createIngestionSource']
    run = c.graphql(du.CREATE_EXECUTION_REQUEST, {'input': {'ingestionSourceUrn': created}},
                    'createIngestionExecutionRequest')['createIngestionExecutionRequest']
    assert c.graphql(du.GET_EXECUTION_REQUEST, {'urn': run}, 'executionRequest')['executionRequest']['result'] == \
        {'status': 'SUCCESS', 'startTimeMs': 1767225600000, 'durationMs': None, 'report': None}
    c.graphql(du.DELETE_INGESTION_SOURCE, {'urn': created}, 'deleteIngestionSource')
    c.graphql(du.CREATE_SECRET, {'input': {'name': 'S', 'value': 'v'}}, 'createSecret')
    c.graphql(du.UPDATE_SECRET, {'input': {'urn': 'urn:li:dataHubSecret:S', 'name': 'S', 'value': 'w'}}, 'updateSecret')
    c.graphql(du.LIST_SECRETS, {'input': {'start': 0, 'count': 1, 'query': 'S'}}, 'listSecrets')
    c.graphql(du.DELETE_SECRET, {'urn': 'urn:li:dataHubSecret:S'}, 'deleteSecret')
    assert server.operations == ['listIngestionSources', 'ingestionSource', 'updateIngestionSource',
                                 'createIngestionSource', 'createIngestionExecutionRequest', 'executionRequest',
                                 'deleteIngestionSource', 'createSecret', 'updateSecret', 'listSecrets', 'deleteSecret']
