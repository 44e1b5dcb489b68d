"""Unit tests of datamesh.platform.datahub_ingestion_source.

The module runs against DataHubGraphQLDouble (datahub_double.py), a hand-written protocol double of
DataHub's GraphQL endpoint that stands in for open_url: it checks every query and mutation against
the field names of DataHub's schema, keeps sources and execution requests in memory and records
every request. No DataHub server runs in this test environment, so there is no live test.
"""

from __future__ import annotations

import json
import types

import pytest

from urllib.error import URLError

from ansible.module_utils.testing import patch_module_args
from ansible_collections.datamesh.platform.plugins.module_utils import datahub as datahub_utils
from ansible_collections.datamesh.platform.plugins.modules import datahub_ingestion_source
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.datahub_double import (
    DataHubGraphQLDouble,
    GraphQLFailure,
    HttpFailure,
    RawAnswer,
)
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_exits

URL = 'https://datahub.example.com:8080'
TOKEN = 'eyJhbGciOiJIUzI1NiJ9.pat-for-tests.c2lnbmF0dXJl'
RECIPE = {
    'source': {
        'type': 'trino',
        'config': {
            'host_port': 'trino.example.com:8443',
            'database': 'lake',
            'username': 'datahub',
            'password': '${TRINO_PASSWORD}',
            'options': {'connect_args': {'http_scheme': 'https'}},
        },
    },
}
# The same recipe as YAML, keys in another order and formatted differently.
RECIPE_YAML = '''
source:
  config:
    options: {connect_args: {http_scheme: https}}
    password: "${TRINO_PASSWORD}"
    username: datahub
    database: lake
    host_port: "trino.example.com:8443"
  type: trino
'''
READS = ['listIngestionSources', 'ingestionSource']


@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    """exit_json/fail_json raise ExitJson/FailJson; the value is the list of module warnings."""
    return patch_module_exits(monkeypatch)


def run(params, server=None, monkeypatch=None, check_mode=False, diff=False, expect=ExitJson):
    args = dict(url=URL, token=TOKEN)
    args.update(params)
    args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    if server is not None:
        monkeypatch.setattr(datahub_utils, 'open_url', server.open_url)
        monkeypatch.setattr(datahub_utils, 'time', types.SimpleNamespace(monotonic=server.monotonic, sleep=server.sleep))
    with patch_module_args(args):
        with pytest.raises(expect) as raised:
            datahub_ingestion_source.main()
    return raised.value.args[0]


def source_args(**extra):
    args = dict(name='trino-lake', recipe=RECIPE, schedule=dict(interval='0 2 * * *', timezone='Europe/Berlin'))
    args.update(extra)
    return args


def existing(server, **extra):
    """Puts the source of source_args() into the double, as DataHub holds it after a create."""
    fields = dict(name='trino-lake', type='trino', recipe=json.dumps(RECIPE, indent=2),
                  schedule={'interval': '0 2 * * *', 'timezone': 'Europe/Berlin'}, debug_mode=False)
    fields.update(extra)
    return server.add_source(**fields)


def no_token_in(result):
    return TOKEN not in json.dumps(result)


# ================================================================ create, idempotence, update

def test_creates_the_source_with_a_canonical_json_recipe(monkeypatch):
    server = DataHubGraphQLDouble(token=TOKEN)
    result = run(source_args(description='Trino lake'), server, monkeypatch)
    assert result['changed'] is True
    assert result['actions'] == ['createIngestionSource']
    # looked up by name, then (nothing found) once more without a query, then created
    assert server.operations == ['listIngestionSources', 'listIngestionSources', 'createIngestionSource']
    assert server.requests[0]['variables'] == {'input': {'start': 0, 'count': 100, 'query': 'trino-lake'}}
    assert server.requests[1]['variables'] == {'input': {'start': 0, 'count': 100}}
    sent = server.variables_of('createIngestionSource')['input']
    assert sent == {
        'name': 'trino-lake', 'type': 'trino', 'description': 'Trino lake',
        'schedule': {'interval': '0 2 * * *', 'timezone': 'Europe/Berlin'},
        'config': {'recipe': json.dumps(RECIPE, sort_keys=True, separators=(',', ':')), 'executorId': 'default',
                   'debugMode': False},
    }
    stored = server.source_named('trino-lake')
    assert result['urn'] == stored['urn']
    assert server.recipe_of('trino-lake') == RECIPE
    assert result['source'] == dict(name='trino-lake', type='trino', recipe=RECIPE, executor_id='default',
                                    schedule={'interval': '0 2 * * *', 'timezone': 'Europe/Berlin'},
                                    cli_version=None, debug_mode=False, extra_args={})
    assert all(r['headers']['Authorization'] == 'Bearer ' + TOKEN for r in server.requests)
    assert no_token_in(result)


def test_second_run_with_the_recipe_as_yaml_in_another_order_changes_nothing(monkeypatch):
    server = DataHubGraphQLDouble()
    first = run(source_args(), server, monkeypatch)
    server.requests = []
    second = run(source_args(recipe=RECIPE_YAML), server, monkeypatch, diff=True)
    assert second['changed'] is False
    assert second['actions'] == []
    assert server.mutations == []
    assert server.operations == READS
    assert second['urn'] == first['urn']
    assert second['diff']['before'] == second['diff']['after']


def test_recipe_as_json_text_and_server_formatting_compare_equal(monkeypatch):
    server = DataHubGraphQLDouble()
    existing(server)        # stored indented, keys in the order given
    result = run(source_args(recipe=json.dumps(RECIPE, sort_keys=True)), server, monkeypatch)
    assert result['changed'] is False and server.mutations == []


def test_changed_recipe_updates_the_same_urn(monkeypatch):
    server = DataHubGraphQLDouble()
    urn = existing(server)
    recipe = json.loads(json.dumps(RECIPE))
    recipe['source']['config']['database'] = 'warehouse'
    result = run(source_args(recipe=recipe), server, monkeypatch, diff=True)
    assert result['changed'] is True
    assert result['actions'] == ['updateIngestionSource']
    assert server.operations == READS + ['updateIngestionSource']
    assert server.variables_of('updateIngestionSource')['urn'] == urn
    assert result['urn'] == urn
    assert server.recipe_of('trino-lake')['source']['config']['database'] == 'warehouse'
    assert result['diff']['before']['recipe']['source']['config']['database'] == 'lake'
    assert result['diff']['after']['recipe']['source']['config']['database'] == 'warehouse'
    assert len(server.sources) == 1


def test_changed_schedule_updates(monkeypatch):
    server = DataHubGraphQLDouble()
    existing(server)
    result = run(source_args(schedule=dict(interval='30  3 * * MON-FRI')), server, monkeypatch)
    assert result['changed'] is True
    # spaces normalised (DataHub counts fields by single spaces); timezone defaults to UTC
    assert server.source_named('trino-lake')['schedule'] == {'interval': '30 3 * * MON-FRI', 'timezone': 'UTC'}
    server.requests = []
    again = run(source_args(schedule=dict(interval='30 3 * * MON-FRI', timezone='UTC')), server, monkeypatch)
    assert again['changed'] is False and server.mutations == []


def test_no_schedule_makes_the_source_on_demand(monkeypatch):
    server = DataHubGraphQLDouble()
    existing(server)
    args = source_args()
    del args['schedule']
    result = run(args, server, monkeypatch, diff=True)
    assert result['changed'] is True
    assert 'schedule' not in server.variables_of('updateIngestionSource')['input']
    assert server.source_named('trino-lake')['schedule'] is None
    assert result['diff']['after']['schedule'] is None
    assert result['source']['schedule'] is None


def test_options_of_the_config_are_sent_and_compared(monkeypatch):
    server = DataHubGraphQLDouble()
    existing(server)
    args = source_args(executor_id='remote-pool', cli_version='1.2.0', debug_mode=True,
                       extra_args={'extra_pip_requirements': ['acryl-datahub[trino]'], 'max_workers': 4})
    result = run(args, server, monkeypatch)
    assert result['changed'] is True
    config = server.variables_of('updateIngestionSource')['input']['config']
    assert config['executorId'] == 'remote-pool'
    assert config['version'] == '1.2.0'
    assert config['debugMode'] is True
    assert config['extraArgs'] == [{'key': 'extra_pip_requirements', 'value': '["acryl-datahub[trino]"]'},
                                   {'key': 'max_workers', 'value': '4'}]
    server.requests = []
    assert run(args, server, monkeypatch)['changed'] is False
    assert server.mutations == []
    # leaving them out removes them again (an update replaces the whole source)
    result = run(source_args(), server, monkeypatch)
    assert result['changed'] is True
    stored = server.source_named('trino-lake')['config']
    assert (stored['executorId'], stored['version'], stored['extraArgs']) == ('default', None, None)


def test_description_is_sent_but_never_compared(monkeypatch):
    """DataHub 1.x neither stores nor returns a source's description (see the module's notes)."""
    server = DataHubGraphQLDouble()
    existing(server)
    result = run(source_args(description='something new'), server, monkeypatch)
    assert result['changed'] is False and server.mutations == []


def test_type_is_taken_from_the_recipe_or_must_match_it(monkeypatch):
    server = DataHubGraphQLDouble()
    run(source_args(type='trino'), server, monkeypatch)
    assert server.source_named('trino-lake')['type'] == 'trino'
    server.requests = []
    result = run(source_args(type='mysql'), server, monkeypatch, expect=FailJson)
    assert result['msg'] == ("ingestion source 'trino-lake': type 'mysql' differs from the recipe's source.type "
                             "'trino'; DataHub needs them equal (or leave type out to take it from the recipe)")
    assert server.requests == []


def test_a_recipe_without_source_type_is_refused(monkeypatch):
    server = DataHubGraphQLDouble()
    result = run(source_args(recipe={'source': {'config': {}}}), server, monkeypatch, expect=FailJson)
    assert 'the recipe needs source.type' in result['msg']
    result = run(source_args(recipe='source: [unclosed'), server, monkeypatch, expect=FailJson)
    assert result['msg'].startswith("ingestion source 'trino-lake': recipe: the recipe is neither JSON nor YAML")
    assert server.requests == []


def test_an_unparseable_recipe_in_datahub_is_replaced(monkeypatch):
    server = DataHubGraphQLDouble()
    existing(server, recipe='source: {type: trino}')      # not JSON, as a broken client could leave it
    result = run(source_args(), server, monkeypatch, diff=True)
    assert result['changed'] is True and server.recipe_of('trino-lake') == RECIPE
    assert result['diff']['before']['recipe'] == 'source: {type: trino}'


# ================================================================ secrets in clear are refused before any request

@pytest.mark.parametrize('path, value', [
    (('source', 'config', 'password'), 'hunter2-clear'),
    (('source', 'config', 'options', 'connect_args', 'password'), 'hunter2-clear'),
    (('sink', 'config', 'token'), 'hunter2-clear'),
    (('source', 'config', 'password'), 123456789),
    (('source', 'config', 'password'), 'prefix-${TRINO_PASSWORD}'),
])
def test_a_secret_in_clear_is_refused_and_nothing_is_sent(monkeypatch, path, value):
    server = DataHubGraphQLDouble()
    recipe = json.loads(json.dumps(RECIPE))
    recipe.setdefault('sink', {'type': 'datahub-rest', 'config': {'server': URL}})
    node = recipe
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    result = run(source_args(recipe=recipe), server, monkeypatch, expect=FailJson)
    assert server.requests == []
    assert '.'.join(path) in result['msg']
    assert 'in clear' in result['msg'] and '${MY_SECRET}' in result['msg']
    assert str(value) not in result['msg']


def test_every_secret_in_clear_is_named(monkeypatch):
    recipe = {'source': {'type': 'kafka', 'config': {'connection': {
        'consumer_config': {'sasl.username': 'datahub', 'sasl.password': 'kafka-pw'},
        'schema_registry_config': {'basic.auth.user.info': '${REGISTRY_AUTH}'}}, 'client_secret': 's3cr3t'}}}
    result = run(dict(name='kafka', recipe=recipe), DataHubGraphQLDouble(), monkeypatch, expect=FailJson)
    assert ('the recipe holds 2 secrets in clear: source.config.connection.consumer_config.sasl.password, '
            'source.config.client_secret.') in result['msg']
    assert 'kafka-pw' not in result['msg'] and 's3cr3t' not in result['msg']


def test_references_switches_and_key_names_that_only_mention_a_secret_pass(monkeypatch):
    server = DataHubGraphQLDouble()
    recipe = {'source': {'type': 'tableau', 'config': {
        'token_name': 'datahub-pat', 'token_value': '${TABLEAU_TOKEN}', 'use_token': True,
        'private_key_path': '/etc/datahub/key.pem', 'aws_access_key_id': 'AKIAEXAMPLE', 'password': None}}}
    result = run(dict(name='tableau', recipe=recipe), server, monkeypatch)
    assert result['changed'] is True


# ================================================================ check mode and diff

def test_check_mode_create_sends_no_mutation(monkeypatch):
    server = DataHubGraphQLDouble()
    result = run(source_args(), server, monkeypatch, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['actions'] == ['createIngestionSource']
    assert result['urn'] is None
    assert server.mutations == []
    assert server.sources == {}
    assert result['diff']['before'] == {'state': 'absent'}
    assert result['diff']['after']['recipe'] == RECIPE


def test_check_mode_update_reports_the_diff_without_changing(monkeypatch):
    server = DataHubGraphQLDouble()
    urn = existing(server, executor_id='old-pool')
    result = run(source_args(), server, monkeypatch, check_mode=True, diff=True)
    assert result['changed'] is True and result['actions'] == ['updateIngestionSource']
    assert result['urn'] == urn
    assert server.mutations == []
    assert server.source_named('trino-lake')['config']['executorId'] == 'old-pool'
    before, after = result['diff']['before'], result['diff']['after']
    assert before == dict(after, executor_id='old-pool')
    assert after == dict(state='present', name='trino-lake', type='trino', recipe=RECIPE, executor_id='default',
                         schedule={'interval': '0 2 * * *', 'timezone': 'Europe/Berlin'}, cli_version=None,
                         debug_mode=False, extra_args={})


def test_check_mode_run_requests_no_execution(monkeypatch):
    server = DataHubGraphQLDouble()
    result = run(source_args(run='on_change', wait=True), server, monkeypatch, check_mode=True)
    assert result['actions'] == ['createIngestionSource', 'createIngestionExecutionRequest']
    assert result['execution'] == dict(urn=None, status=None, start_time_ms=None, duration_ms=None)
    assert server.mutations == [] and server.executions == {}


# ================================================================ absent

def test_absent_deletes_then_changes_nothing(monkeypatch):
    server = DataHubGraphQLDouble()
    urn = existing(server)
    server.add_source(name='other')
    result = run(dict(name='trino-lake', state='absent'), server, monkeypatch, diff=True)
    assert result['changed'] is True and result['actions'] == ['deleteIngestionSource']
    assert server.variables_of('deleteIngestionSource') == {'urn': urn}
    assert [s['name'] for s in server.sources.values()] == ['other']
    assert result['urn'] is None and result['source'] is None
    assert result['diff']['after'] == {'state': 'absent'}
    assert result['diff']['before']['recipe'] == RECIPE
    server.requests = []
    again = run(dict(name='trino-lake', state='absent'), server, monkeypatch)
    assert again['changed'] is False and server.mutations == []
    assert server.operations == ['listIngestionSources', 'listIngestionSources']


def test_absent_in_check_mode(monkeypatch):
    server = DataHubGraphQLDouble()
    existing(server)
    result = run(dict(name='trino-lake', state='absent'), server, monkeypatch, check_mode=True)
    assert result['changed'] is True and server.mutations == [] and len(server.sources) == 1


def test_absent_needs_no_recipe_and_ignores_run(monkeypatch):
    server = DataHubGraphQLDouble()
    existing(server)
    result = run(dict(name='trino-lake', state='absent', run='always', wait=True), server, monkeypatch)
    assert result['actions'] == ['deleteIngestionSource'] and 'execution' not in result


# ================================================================ names

def test_two_sources_with_the_name_fail_without_changes(monkeypatch):
    server = DataHubGraphQLDouble()
    first = existing(server)
    second = existing(server)
    result = run(source_args(), server, monkeypatch, expect=FailJson)
    assert result['msg'] == ("2 ingestion sources are named 'trino-lake' (%s); this "
                             "module identifies a source by its name: rename or delete all but one in DataHub first"
                             % ', '.join(sorted([first, second])))
    assert server.mutations == [] and result['changed'] is False


def test_search_matches_are_filtered_by_exact_name(monkeypatch):
    server = DataHubGraphQLDouble()
    server.add_source(name='trino-lake-old')
    server.add_source(name='Trino-Lake')
    result = run(source_args(), server, monkeypatch)
    assert result['actions'] == ['createIngestionSource']
    assert sorted(s['name'] for s in server.sources.values()) == ['Trino-Lake', 'trino-lake', 'trino-lake-old']


def test_a_name_the_search_misses_is_found_in_the_full_list(monkeypatch):
    server = DataHubGraphQLDouble(search_misses={'trino: lake/prod'})
    urn = existing(server, name='trino: lake/prod')
    result = run(source_args(name='trino: lake/prod'), server, monkeypatch)
    assert result['changed'] is False and result['urn'] == urn
    assert server.operations == ['listIngestionSources', 'listIngestionSources', 'ingestionSource']
    assert len(server.sources) == 1


def test_the_lookup_pages_through_more_than_one_page(monkeypatch):
    server = DataHubGraphQLDouble(page_limit=2)
    for i in range(5):
        server.add_source(name='trino-lake-%d' % i)
    urn = existing(server)       # the sixth source: on the third page
    result = run(source_args(), server, monkeypatch)
    assert result['changed'] is False and result['urn'] == urn
    lists = [r['variables']['input'] for r in server.requests if r['operation'] == 'listIngestionSources']
    assert [i['start'] for i in lists] == [0, 2, 4]
    assert all(i['query'] == 'trino-lake' for i in lists)


# ================================================================ runs

def test_run_on_change_waits_for_success(monkeypatch):
    server = DataHubGraphQLDouble(execution_script=[None, {'status': 'RUNNING'}, {'status': 'RUNNING'},
                                                    {'status': 'SUCCESS', 'durationMs': 93000, 'report': 'ok'}])
    result = run(source_args(run='on_change', wait=True), server, monkeypatch)
    assert result['changed'] is True
    assert result['actions'] == ['createIngestionSource', 'createIngestionExecutionRequest']
    source_urn = server.source_named('trino-lake')['urn']
    assert server.variables_of('createIngestionExecutionRequest') == {'input': {'ingestionSourceUrn': source_urn}}
    execution = result['execution']
    assert execution['status'] == 'SUCCESS' and execution['duration_ms'] == 93000
    assert execution['urn'] in server.executions
    assert server.operations.count('executionRequest') == 4
    assert server.slept == [10.0, 10.0, 10.0]


def test_run_on_change_does_not_run_an_unchanged_source(monkeypatch):
    server = DataHubGraphQLDouble()
    existing(server)
    result = run(source_args(run='on_change', wait=True), server, monkeypatch)
    assert result['changed'] is False and 'execution' not in result and server.executions == {}


def test_run_always_runs_every_time_without_waiting(monkeypatch):
    server = DataHubGraphQLDouble()
    existing(server)
    result = run(source_args(run='always'), server, monkeypatch)
    assert result['changed'] is True
    assert result['actions'] == ['createIngestionExecutionRequest']
    assert result['execution']['status'] is None and result['execution']['urn'] in server.executions
    assert 'executionRequest' not in server.operations
    run(source_args(run='always'), server, monkeypatch)
    assert len(server.executions) == 2


def test_a_failed_run_fails_with_the_end_of_its_report_masked(monkeypatch):
    report = '\n'.join(['line %d' % i for i in range(100)] + [
        "Pipeline config: {'password': 'hunter2-leaked', 'token': '%s', 'api_key': \"k3y\"}" % TOKEN,
        'password=${TRINO_PASSWORD}',
        'Failed to connect to trino.example.com:8443'])
    server = DataHubGraphQLDouble(execution_script=[{'status': 'RUNNING'},
                                                    {'status': 'FAILURE', 'durationMs': 12000, 'report': report}])
    result = run(source_args(run='on_change', wait=True), server, monkeypatch, expect=FailJson)
    assert result['msg'].startswith("ingestion source 'trino-lake': execution urn:li:dataHubExecutionRequest:")
    assert ' ended with status FAILURE after 12 s. End of its report (secret values masked):\n' in result['msg']
    assert result['msg'].endswith('Failed to connect to trino.example.com:8443')
    assert 'line 69' not in result['msg'] and 'line 99' in result['msg']      # only the tail
    assert 'hunter2-leaked' not in result['msg'] and 'k3y' not in result['msg']
    assert "'password': '********'" in result['msg'] and 'password=${TRINO_PASSWORD}' in result['msg']
    assert no_token_in(result)
    assert result['changed'] is True            # the source was created before the run failed
    assert result['execution']['status'] == 'FAILURE'
    assert result['urn'] == server.source_named('trino-lake')['urn']


def test_a_run_that_does_not_finish_in_time_fails(monkeypatch):
    server = DataHubGraphQLDouble(execution_script=[None, {'status': 'RUNNING'}])
    result = run(source_args(run='on_change', wait=True, wait_timeout=25), server, monkeypatch, expect=FailJson)
    assert result['msg'].endswith('has not finished within 25 s (status RUNNING); it keeps running in DataHub')
    assert server.slept == [10.0, 10.0, 5.0]
    assert result['execution']['status'] == 'RUNNING'


# ================================================================ errors

def test_a_graphql_error_names_the_operation_and_never_the_token(monkeypatch):
    error = GraphQLFailure('Failed to perform update against ingestion source with token %s' % TOKEN)
    server = DataHubGraphQLDouble(fail={'createIngestionSource': error})
    result = run(source_args(), server, monkeypatch, expect=FailJson)
    assert result['msg'] == ("ingestion source 'trino-lake': createIngestionSource failed at %s/api/graphql: Failed to "
                             "perform update against ingestion source with token ******** (code 500)" % URL)
    assert result['changed'] is False and result['actions'] == ['createIngestionSource']
    assert no_token_in(result)


def test_an_unauthorized_token_is_explained(monkeypatch):
    server = DataHubGraphQLDouble(token='another-token')
    result = run(source_args(), server, monkeypatch, expect=FailJson)
    assert result['msg'].startswith("ingestion source 'trino-lake': listIngestionSources failed at %s/api/graphql: "
                                    "HTTP 401 Unauthorized (DataHub refused the request" % URL)
    assert no_token_in(result)
    result = run(source_args(token=None), server, monkeypatch, expect=FailJson)
    assert 'give a personal access token in token' in result['msg']
    assert 'Authorization' not in server.requests[-1]['headers']


def test_a_server_error_fails_clearly(monkeypatch):
    server = DataHubGraphQLDouble(fail={'ingestionSource': HttpFailure(500, 'java.lang.RuntimeException: boom')})
    existing(server)
    result = run(source_args(), server, monkeypatch, expect=FailJson)
    assert result['msg'].endswith('ingestionSource failed at %s/api/graphql: HTTP 500 Internal Server Error: '
                                  'java.lang.RuntimeException: boom' % URL)


def test_an_html_answer_points_at_the_url(monkeypatch):
    server = DataHubGraphQLDouble(fail={'listIngestionSources': RawAnswer('<html><body>Login</body></html>')})
    result = run(source_args(), server, monkeypatch, expect=FailJson)
    assert 'the answer is not JSON (is url the address of DataHub GMS or of its frontend?)' in result['msg']


def test_an_unreachable_server(monkeypatch):
    server = DataHubGraphQLDouble(fail={'listIngestionSources': URLError(ConnectionRefusedError(111, 'Connection refused'))})
    result = run(source_args(), server, monkeypatch, expect=FailJson)
    assert result['msg'].endswith('listIngestionSources failed at %s/api/graphql: cannot reach DataHub: '
                                  '[Errno 111] Connection refused' % URL)


def test_the_connection_options_reach_open_url(monkeypatch):
    server = DataHubGraphQLDouble()
    run(source_args(url='https://datahub.example.com:9002/', validate_certs=False, ca_path='/etc/ssl/ca.pem',
                    timeout=5), server, monkeypatch)
    request = server.requests[0]
    assert request['url'] == 'https://datahub.example.com:9002/api/graphql'
    assert request['options']['validate_certs'] is False
    assert request['options']['ca_path'] == '/etc/ssl/ca.pem'
    assert request['options']['timeout'] == 5.0


def test_a_token_over_plain_http_warns(monkeypatch, module_exits):
    server = DataHubGraphQLDouble()
    run(source_args(url='http://datahub.example.com:8080'), server, monkeypatch)
    assert module_exits == ['the token is sent over plain http to http://datahub.example.com:8080; use https outside '
                            'a test setup']
    del module_exits[:]
    run(source_args(url='http://localhost:8080'), server, monkeypatch)
    assert module_exits == []


# ================================================================ input checked before any request

@pytest.mark.parametrize('params, message', [
    (dict(schedule=dict(interval='0 2 * *')), "schedule.interval '0 2 * *' has 4 fields"),
    (dict(schedule=dict(interval='0 25 * * *')), "hour field '25'"),
    (dict(schedule=dict(interval='0 2 * * *', timezone=' ')), 'schedule.timezone is empty'),
    (dict(url='datahub.example.com:8080'), 'url must start with http:// or https://'),
    (dict(executor_id=''), 'executor_id is empty'),
    (dict(wait_timeout=-1), 'wait_timeout must not be negative'),
])
def test_bad_input_is_refused_before_any_request(monkeypatch, params, message):
    server = DataHubGraphQLDouble()
    result = run(source_args(**params), server, monkeypatch, expect=FailJson)
    assert message in result['msg']
    assert server.requests == []


def test_present_needs_a_recipe():
    result = run(dict(name='trino-lake'), expect=FailJson)
    assert 'state is present but all of the following are missing: recipe' in result['msg']
