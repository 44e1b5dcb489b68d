from __future__ import annotations

import base64
import json
import pathlib

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.datahub_ingestion_settings import (
    KNOWN_VARIABLES, FilterModule, clear_secrets, datahub_ingestion_settings, references)

ROLE = pathlib.Path(__file__).parents[4] / 'roles' / 'datahub_ingestion'
# The self-signed test certificate of test_dbt_project_settings.py (no key anywhere): the filter parses it.
CA = """-----BEGIN CERTIFICATE-----
MIIBkTCCATegAwIBAgIUAUvvlFcYh8Eb1BWllW6r+6+PgM4wCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTZGJ0LXByb2plY3QtdGVzdC1jYTAeFw0yNjEyMDYyMDE2MzNa
Fw0zNjEyMDMyMDE2MzNaMB4xHDAaBgNVBAMME2RidC1wcm9qZWN0LXRlc3QtY2Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASQxzcSr6hHcPB0GpZIyo2/3G9lYoHo
p9qdLtI+82nEtgUmE8VOPm8IZDL4lgUUoUVQnv784Gk7qStOjVqrfmiuo1MwUTAd
BgNVHQ4EFgQU/x4iCdC6qYIimEHwCbaHyJBTauswHwYDVR0jBBgwFoAU/x4iCdC6
qYIimEHwCbaHyJBTauswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
AiEAvJlAbn1U2vMT6e7Si1gl+xuz4lP3QUZPK8kGw77gTfoCIDD8D6wEKH4mUUD3
b51dh0eDB+eCzRXdEVLgLjKTOVtc
-----END CERTIFICATE-----
"""
TRINO_PASSWORD = 'Tq8-ingest-Trino-4kP2'
DB_PASSWORD = 'Mz3-ingest-Meta-7wQ9'
TOKEN = 'eyJhbGciOiJIUzI1NiJ9.test-token-Wq2'
TARGET = '/var/lib/datamesh/dbt/datamesh_seed/project/target'


def build(**changes):
    params = {'trino_host': 'trino1.example.net', 'trino_password': TRINO_PASSWORD, 'trino_catalogs': ['hive', 'mariadb'],
              'metastore_db_host': 'db1.example.net', 'metastore_db_port': 3307, 'metastore_db_password': DB_PASSWORD,
              'dbt_target_dir': TARGET, 'ca': CA}
    params.update(changes)
    return datahub_ingestion_settings(params, 'datahub_ingestion_')


def refused(match, **kwargs):
    with pytest.raises(AnsibleFilterError, match=match):
        build(**kwargs)


def recipe(settings, name):
    return next(r for r in settings['recipes'] if r['name'] == name)


def test_the_platform_recipes():
    s = build()
    assert [r['name'] for r in s['recipes']] == ['trino-hive', 'trino-mariadb', 'metastore', 'dbt']
    trino = recipe(s, 'trino-hive')['document']
    assert trino['pipeline_name'] == 'datamesh-trino-hive'
    assert trino['source'] == {'type': 'trino', 'config': {
        'host_port': 'trino1.example.net:2020', 'database': 'hive', 'username': 'datahub',
        'password': '${DATAHUB_TRINO_PASSWORD}', 'env': 'PROD',
        'options': {'connect_args': {'http_scheme': 'https', 'verify': '/etc/datamesh/datahub-ingestion/ca.crt'}}}}
    assert trino['sink'] == {'type': 'file', 'config': {'filename': '/var/lib/datamesh/datahub-ingestion/output/trino-hive.json'}}
    meta = recipe(s, 'metastore')['document']['source']
    assert meta['type'] == 'hive-metastore'
    assert meta['config']['host_port'] == 'db1.example.net:3307' and meta['config']['scheme'] == 'mysql+pymysql'
    assert meta['config']['password'] == '${DATAHUB_METASTORE_DB_PASSWORD}'
    dbt = recipe(s, 'dbt')['document']['source']['config']
    assert dbt['manifest_path'] == TARGET + '/manifest.json' and dbt['catalog_path'] == TARGET + '/catalog.json'
    assert dbt['run_results_paths'] == [TARGET + '/datamesh_build_results.json']
    assert dbt['target_platform'] == 'trino'
    # the file sink has no DataHub to merge with
    assert dbt['write_semantics'] == 'OVERRIDE'


def test_no_secret_value_comes_out():
    text = json.dumps(build(sink='datahub-rest', server='https://datahub.example.net:8943', token=TOKEN,
                            secrets={'SNOWFLAKE_PASSWORD': 'Sf9-secret-Value-x1'}))
    for secret in (TRINO_PASSWORD, DB_PASSWORD, TOKEN, 'Sf9-secret-Value-x1'):
        assert secret not in text


def test_schedules_pull_recipes_only_and_dbt_after_the_build():
    s = build(dbt_after_units=['datamesh-dbt-datamesh_seed.service'])
    assert {r['name']: r['schedule'] for r in s['recipes']} == {
        'trino-hive': 'daily', 'trino-mariadb': 'daily', 'metastore': 'daily', 'dbt': ''}
    assert s['after_units'] == ['datamesh-dbt-datamesh_seed.service']
    assert s['dbt_unit'] == 'datamesh-datahub-ingest-dbt.service'
    own = build(recipes=[{'name': 'extra', 'source': {'type': 'file', 'config': {'path': '/srv/x.json'}},
                          'schedule': 'hourly'}], schedule='')
    assert recipe(own, 'extra')['schedule'] == 'hourly' and recipe(own, 'metastore')['schedule'] == ''


def test_units_run_the_cli_sandboxed():
    s = build()
    unit = next(u for u in s['units'] if u['name'] == 'datamesh-datahub-ingest-dbt')
    assert unit['exec_start'] == ('/opt/datamesh/datahub-ingestion/venv/bin/python /usr/local/libexec/datamesh-datahub-ingest '
                                  '/etc/datamesh/datahub-ingestion/recipes/dbt.yml '
                                  '/var/lib/datamesh/datahub-ingestion/reports/dbt.json')
    assert unit['user'] == 'datahub-ingest' and unit['environment_file'] == '/etc/datamesh/datahub-ingestion/secrets.env'
    assert unit['environment']['DATAHUB_TELEMETRY_ENABLED'] == 'false'
    assert unit['read_write_paths'] == ['/var/lib/datamesh/datahub-ingestion'] and unit['restart'] == 'no'
    assert unit['verify_executables'] is True and build(check_mode=True)['units'][0]['verify_executables'] is False


def test_rest_sink_references_the_token():
    s = build(sink='datahub-rest', server='https://datahub.example.net:8943/', token=TOKEN)
    assert recipe(s, 'dbt')['document']['sink'] == {'type': 'datahub-rest', 'config': {
        'server': 'https://datahub.example.net:8943', 'token': '${DATAHUB_GMS_TOKEN}',
        'ca_certificate_path': '/etc/datamesh/datahub-ingestion/ca.crt'}}
    assert recipe(s, 'dbt')['document']['source']['config']['write_semantics'] == 'PATCH'
    assert recipe(s, 'trino-hive')['secrets'] == ['DATAHUB_TRINO_PASSWORD', 'DATAHUB_GMS_TOKEN']


def test_own_recipes_with_referenced_secrets():
    s = build(trino_host='', trino_catalogs=[], metastore_db_host='', dbt_target_dir='',
              recipes=[{'name': 'pg', 'source': {'type': 'postgres', 'config': {
                  'host_port': 'pg:5432', 'username': 'dh', 'password': '${PG_PASSWORD}'}}}],
              secrets={'PG_PASSWORD': 'Pg4-long-enough-x'}, ca='')
    assert [r['name'] for r in s['recipes']] == ['pg'] and s['ca_file'] == ''
    assert recipe(s, 'pg')['secrets'] == ['PG_PASSWORD']


def test_clear_secrets_and_references():
    source = {'config': {'password': '${A}', 'options': {'connect_args': {'sasl.password': 'x'}},
                         'users': [{'token': 'clear'}, {'token': '${B}'}], 'use_token': True, 'name': 'secret'}}
    # module_utils.datahub.clear_secret_paths, shared with the modules and roles/datahub
    assert clear_secrets(source) == ['config.options.connect_args.sasl.password', 'config.users[0].token']
    assert references(source) == ['A', 'B']


@pytest.mark.parametrize('changes, match', [
    ({'action': 'destroy'}, 'action must be deploy or ingest'),
    ({'variables': ['datahub_ingestion_trino_hots']}, 'did you mean datahub_ingestion_trino_host'),
    ({'user': 'root'}, 'datahub_ingestion_user=root must be a system account'),
    ({'groups': 'dbt'}, 'datahub_ingestion_groups must be a list'),
    ({'venv': '/opt'}, 'datahub_ingestion_venv=/opt is a system directory'),
    ({'data_dir': 'relative/dir'}, 'datahub_ingestion_data_dir=relative/dir is a relative path'),
    ({'config_dir': '/var/lib/datamesh/datahub-ingestion/etc'}, 'is inside datahub_ingestion_data_dir'),
    ({'config_dir': '/etc/datahub ingestion'}, 'may only hold letters'),
    ({'env': 'prod'}, 'datahub_ingestion_env=prod must be a DataHub environment'),
    ({'fetch_dir': 'out'}, 'datahub_ingestion_fetch_dir=out must be an absolute'),
    ({'sink': 'kafka'}, 'datahub_ingestion_sink=kafka must be file'),
    ({'sink': 'datahub-rest', 'token': TOKEN}, 'datahub_ingestion_server="" must be the https:// URL'),
    ({'sink': 'datahub-rest', 'server': 'http://datahub:8080', 'token': TOKEN}, 'must be the https:// URL'),
    ({'sink': 'datahub-rest', 'server': 'https://datahub:8943'}, 'datahub_ingestion_token is required'),
    ({'sink': 'datahub-rest', 'server': 'https://datahub:8943', 'token': 'datahub'}, 'well-known'),
    ({'token': TOKEN}, 'datahub_ingestion_token is set but datahub_ingestion_sink=file'),
    ({'trino_host': 'trino host'}, 'datahub_ingestion_trino_host=trino host is not a host name'),
    ({'trino_port': 0}, 'datahub_ingestion_trino_port=0 must be a port'),
    ({'trino_user': 'da tahub'}, 'datahub_ingestion_trino_user=da tahub must be the Trino user'),
    ({'trino_password': ''}, 'datahub_ingestion_trino_password is required'),
    ({'trino_password': 'short-1'}, 'datahub_ingestion_trino_password is 7 characters long'),
    ({'trino_password': 'datahub-2026-12-06-x'}, 'contains the user name datahub'),
    ({'trino_password': 'Tq8-with"quote-4kP2x'}, 'holds a quote, backslash'),
    ({'trino_password': 'Tq8-with$dollar-4kP2'}, 'holds a quote, backslash'),
    ({'trino_catalogs': []}, 'datahub_ingestion_trino_catalogs must list the Trino catalogs'),
    ({'trino_catalogs': ['Hive']}, 'datahub_ingestion_trino_catalogs must list'),
    ({'trino_catalogs': ['hive', 'hive']}, 'names a catalog twice'),
    ({'trino_host': '', 'trino_catalogs': ['hive']}, 'datahub_ingestion_trino_catalogs is set but'),
    ({'ca': ''}, 'datahub_ingestion_ca is required to reach Trino'),
    ({'ca': 'not a certificate'}, 'datahub_ingestion_ca must be a PEM certificate'),
    ({'metastore_db_port': 'x'}, 'datahub_ingestion_metastore_db_port=x must be a port'),
    ({'metastore_db_password': ''}, 'datahub_ingestion_metastore_db_password is required'),
    ({'metastore_db_name': 'meta-store'}, 'datahub_ingestion_metastore_db_name=meta-store must be a database'),
    ({'dbt_target_dir': '/var'}, 'datahub_ingestion_dbt_target_dir=/var is a system directory'),
    ({'dbt_run_results': '../x.json'}, 'datahub_ingestion_dbt_run_results=../x.json must be the file name'),
    ({'dbt_target_platform': 'excel'}, 'datahub_ingestion_dbt_target_platform=excel must be the platform'),
    ({'dbt_after_units': ['dbt build']}, 'datahub_ingestion_dbt_after_units must be a list of systemd service'),
    ({'dbt_target_dir': '', 'dbt_after_units': ['x.service']}, 'no dbt recipe to run after them'),
    ({'recipes': {'name': 'x'}}, 'datahub_ingestion_recipes must be a list'),
    ({'recipes': [{'name': 'Bad Name', 'source': {'type': 'file'}}]}, r'datahub_ingestion_recipes\[0\].name=Bad Name'),
    ({'recipes': [{'name': 'x', 'source': 'file'}]}, r'\(x\).source must be a dict'),
    ({'recipes': [{'name': 'x', 'source': {'type': 'file'}, 'shedule': 'daily'}]}, 'did you mean schedule'),
    ({'recipes': [{'name': 'dbt', 'source': {'type': 'file'}}]}, 'the recipe names dbt are used twice'),
    ({'recipes': [{'name': 'x', 'source': {'type': 'mysql', 'config': {'password': 'Cl3ar-text-passw0rd'}}}]},
     'the recipe x has a secret in clear at source.config.password'),
    ({'recipes': [{'name': 'x', 'source': {'type': 'mysql', 'config': {'password': '${NOWHERE}'}}}]},
     r'references \$\{NOWHERE\}, which is not in datahub_ingestion_secrets'),
    ({'secrets': ['A']}, 'datahub_ingestion_secrets must be a dict'),
    ({'secrets': {'lower': 'Long-enough-1234'}}, 'lower is not a secret name'),
    ({'secrets': {'DATAHUB_TRINO_PASSWORD': 'Long-enough-1234'}}, 'is set by the role'),
    ({'secrets': {'PG_PASSWORD': 'short'}}, 'datahub_ingestion_secrets.PG_PASSWORD is 5 characters long'),
    ({'secrets': {'PG_PASSWORD': 'Long-enough\\1234'}}, 'PG_PASSWORD holds a quote, backslash'),
    ({'trino_host': '', 'trino_catalogs': [], 'metastore_db_host': '', 'dbt_target_dir': ''}, 'nothing to ingest'),
    ({'calendar': {'daily': {'rc': 1, 'stderr': 'Failed to parse'}}}, 'datahub_ingestion_schedule=daily is not a systemd calendar'),
    ({'run': ['trino-iceberg']}, 'datahub_ingestion_run names recipes this host does not have: trino-iceberg'),
    ({'action': 'ingest', 'units_present': {}}, 'do not exist on this host'),
])
def test_refusals_name_the_variable(changes, match):
    refused(match, **changes)


def test_refusals_never_show_secret_values():
    with pytest.raises(AnsibleFilterError) as err:
        build(recipes=[{'name': 'x', 'source': {'type': 'mysql', 'config': {'password': 'Cl3ar-text-passw0rd'}}}])
    assert 'Cl3ar-text-passw0rd' not in str(err.value)


def test_ingest_result_from_systemd_and_the_reports():
    report = {'status': 'SUCCESS', 'source': {'report': {'events_produced': 12, 'failures': [], 'warnings': [{'w': 1}]}},
              'sink': {'report': {'total_records_written': 12, 'failures': []}}}
    slurped = {'content': base64.b64encode(json.dumps(report).encode()).decode()}
    s = build(action='ingest', run=['metastore', 'dbt'],
              units_present={'datamesh-datahub-ingest-metastore.service': True, 'datamesh-datahub-ingest-dbt.service': True},
              status_results=[{'stdout': 'ExecMainStatus=0\nResult=success'}, {'stdout': 'ExecMainStatus=1\nResult=exit-code'}],
              report_results=[slurped, {'failed': True}])
    result = s['result']
    assert result['success'] is False and result['failed'] == ['dbt'] and result['changed'] is True
    meta, dbt = result['recipes']
    assert meta == {'name': 'metastore', 'type': 'hive-metastore', 'unit': 'datamesh-datahub-ingest-metastore.service',
                    'rc': 0, 'systemd_result': 'success', 'success': True, 'workunits': 12, 'records_written': 12,
                    'failures': 0, 'warnings': 1, 'failure_messages': [], 'output': '/var/lib/datamesh/datahub-ingestion/output/metastore.json',
                    'report': '/var/lib/datamesh/datahub-ingestion/reports/metastore.json'}
    assert dbt['rc'] == 1 and dbt['success'] is False and dbt['records_written'] == 0


def test_ingest_result_names_the_failures():
    report = {'status': 'FAILURE', 'source': {'report': {'failures': [
        {'title': 'Pipeline Error', 'message': 'unexpected exception', 'context': ["No module named 'x'"]}]}}}
    slurped = {'content': base64.b64encode(json.dumps(report).encode()).decode()}
    s = build(action='ingest', run=['metastore'], status_results=[{'stdout': 'ExecMainStatus=1\nResult=exit-code'}],
              report_results=[slurped])
    assert s['result']['recipes'][0]['failure_messages'] == ["Pipeline Error: unexpected exception No module named 'x'"]


def test_every_variable_of_the_argument_specs_is_known():
    specs = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())
    for name, entry in specs['argument_specs'].items():
        if name == 'mirror':
            # playbooks/mirror.yml's entry point declares none: validating would template them all, and some read
            # files that a site before its first converge does not have yet (the platform CA).
            assert entry['options'] == {}
            continue
        assert sorted(KNOWN_VARIABLES) == sorted(entry['options'])
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    assert sorted(defaults) == sorted(KNOWN_VARIABLES)
    assert build(variables=list(KNOWN_VARIABLES) + ['datahub_ingestion_result'])['user'] == 'datahub-ingest'


def test_filter_is_registered():
    assert FilterModule().filters()['datahub_ingestion_settings'] is datahub_ingestion_settings
