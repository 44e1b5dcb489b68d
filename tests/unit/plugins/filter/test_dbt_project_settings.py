from __future__ import annotations

import json
import pathlib

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.dbt_project_settings import (
    KNOWN_VARIABLES, FilterModule, dbt_project_settings)

ROLE = pathlib.Path(__file__).parents[4] / 'roles' / 'dbt_project'
# A real self-signed certificate (no key anywhere): the filter parses it.
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
SRC = '/ctl/datamesh_seed'
FILES = ['dbt_project.yml', 'README.md', 'docs/overview.md', 'models/sources.yml', 'models/staging/stg_orders.sql',
         'models/marts/fct_orders.sql', 'target/manifest.json', 'logs/dbt.log']
PROJECT_YML = 'name: datamesh_seed\nprofile: datamesh\n'
PASSWORD = 'Xq7-trino-dbt-9f2Lk'


def found(root, names):
    return [{'path': '%s/%s' % (root, n), 'mtime': 1.0} for n in names]


def build(**changes):
    params = {'src': SRC, 'src_files': found(SRC, FILES), 'project_yml': PROJECT_YML, 'trino_host': 'trino1.example.net',
              'trino_user': 'dbt_runner', 'trino_password': PASSWORD, 'trino_ca': CA}
    params.update(changes)
    return dbt_project_settings(params, 'dbt_project_')


def refused(match, **kwargs):
    with pytest.raises(AnsibleFilterError, match=match):
        build(**kwargs)


def test_defaults_derive_paths_unit_and_command():
    s = build()
    assert s['dir'] == '/var/lib/datamesh/dbt/datamesh_seed/project'
    assert s['target_dir'] == s['dir'] + '/target' and s['logs_dir'] == s['dir'] + '/logs'
    assert s['profiles_file'] == '/etc/datamesh/dbt/datamesh_seed/profiles.yml'
    assert s['ca_file'] == '/etc/datamesh/dbt/datamesh_seed/trino-ca.crt'
    assert s['service'] == 'datamesh-dbt-datamesh_seed.service' and s['timer'] == 'datamesh-dbt-datamesh_seed.timer'
    assert s['command'] == ['/usr/local/bin/datamesh-dbt-run', '/opt/datamesh/dbt/venv/bin/dbt',
                            '/etc/datamesh/dbt/datamesh_seed/vars.json']
    assert s['exec_start'] == ' '.join(s['command'])
    assert s['environment']['DBT_PROFILES_DIR'] == '/etc/datamesh/dbt/datamesh_seed'
    assert s['environment']['HOME'] == s['dir']
    assert s['schedule'] == 'daily' and s['must_pass'] is True
    assert s['docs_files'] == [s['target_dir'] + '/' + f for f in ('index.html', 'manifest.json', 'catalog.json')]


def test_the_files_to_copy_leave_out_what_dbt_writes():
    s = build()
    assert s['files'] == sorted(['dbt_project.yml', 'README.md', 'docs/overview.md', 'models/sources.yml',
                                 'models/staging/stg_orders.sql', 'models/marts/fct_orders.sql'])
    assert s['dirs'] == ['docs', 'models', 'models/marts', 'models/staging']
    assert s['dbt_name'] == 'datamesh_seed' and s['profile_name'] == 'datamesh'


def test_files_removed_from_the_source_are_removed_from_the_host():
    host = found('/var/lib/datamesh/dbt/datamesh_seed/project',
                 ['dbt_project.yml', 'models/old_model.sql', 'target/run_results.json', 'logs/dbt.log'])
    assert build(host_files=host)['stale'] == ['models/old_model.sql']
    assert build(host_files=[])['stale'] == []


def test_the_profile_is_password_auth_over_https_without_the_password():
    s = build(trino_port=8443, trino_catalog='lake', trino_schema='marts', threads=2)
    out = s['profile']['outputs']['trino']
    assert s['profile']['target'] == 'trino'
    assert out == {'type': 'trino', 'method': 'ldap', 'http_scheme': 'https', 'host': 'trino1.example.net',
                   'port': 8443, 'user': 'dbt_runner', 'cert': s['ca_file'], 'database': 'lake', 'schema': 'marts',
                   'threads': 2}
    assert PASSWORD not in json.dumps(s)


def test_select_and_vars_reach_the_command():
    s = build(build_select='stg_customers+ tag:nightly', vars={'landing_schema': 'landing_v2'})
    assert s['command'][-3:] == ['--select', 'stg_customers+', 'tag:nightly']
    assert json.loads(s['vars_json']) == {'landing_schema': 'landing_v2'}


@pytest.mark.parametrize('changes,match', [
    ({'variables': ['dbt_project_shedule']}, 'dbt_project_shedule is not a variable of role dbt_project: did you mean '
                                             'dbt_project_schedule'),
    ({'dir': '/var/lib'}, 'dbt_project_dir=/var/lib is a system directory'),
    ({'dir': 'project'}, 'dbt_project_dir=project is a relative path'),
    ({'venv': '/var/lib/datamesh/dbt/datamesh_seed/project/venv'}, 'contains dbt_project_venv'),
    ({'profiles_dir': '/etc/datamesh/dbt/../ssl'}, 'dbt_project_profiles_dir=/etc/datamesh/dbt/../ssl is not a normalised'),
    ({'user': 'root'}, 'dbt_project_user=root must be a system account name'),
    ({'name': 'Seed Project'}, 'dbt_project_name=Seed Project must be'),
    ({'trino_password': ''}, 'dbt_project_trino_password is required'),
    ({'trino_password': 'short-pw'}, 'dbt_project_trino_password is 8 characters long; it needs at least 16'),
    ({'trino_password': 'changeme'}, 'dbt_project_trino_password is a well-known default'),
    ({'trino_password': 'dbt_runner-2026-12-06'}, 'dbt_project_trino_password contains the user name dbt_runner'),
    ({'trino_password': ' Xq7-trino-dbt-9f2Lk'}, 'dbt_project_trino_password starts or ends with whitespace'),
    ({'trino_password': 'Xq7-trino-dbt\n9f2Lk-2'}, 'dbt_project_trino_password must be one line'),
    ({'trino_host': ''}, 'dbt_project_trino_host is required'),
    ({'trino_host': 'trino host'}, 'dbt_project_trino_host=trino host is not a host name'),
    ({'trino_port': 70000}, 'dbt_project_trino_port=70000 must be a port between 1 and 65535'),
    ({'trino_port': 'https'}, 'dbt_project_trino_port=https must be a port'),
    ({'trino_user': ''}, 'dbt_project_trino_user= must be the Trino user'),
    ({'trino_ca': ''}, 'dbt_project_trino_ca is required'),
    ({'trino_ca': 'not a pem'}, 'dbt_project_trino_ca must be a PEM certificate'),
    ({'trino_ca': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'},
     'dbt_project_trino_ca is not a readable PEM certificate'),
    ({'trino_catalog': 'Hive-Catalog'}, 'dbt_project_trino_catalog=Hive-Catalog must be a Trino name'),
    ({'threads': 0}, 'dbt_project_threads=0 must be a number between 1 and 64'),
    ({'vars': {'s3_secret_key': 'x'}}, 'dbt_project_vars: s3_secret_key looks like a secret'),
    ({'vars': {'db_password': 'x'}}, 'dbt_project_vars: db_password looks like a secret'),
    ({'build_select': 'stg; rm -rf /'}, 'dbt_project_build_select: stg; is not a dbt node selector'),
    ({'schedule': 'every tuesday', 'calendar': {'rc': 1, 'stderr': 'Failed to parse calendar specification'}},
     'dbt_project_schedule=every tuesday is not a systemd calendar expression'),
    ({'schedule': 'daily\nExecStartPre=/bin/sh'}, 'dbt_project_schedule must be one systemd calendar expression'),
    ({'src_files': found(SRC, ['README.md', 'models/a.sql'])}, 'dbt_project_src=/ctl/datamesh_seed is not a dbt project'),
    ({'src_files': found(SRC, ['dbt_project.yml', 'profiles.yml'])}, 'dbt_project_src=/ctl/datamesh_seed holds a profiles.yml'),
    ({'project_yml': 'name: x\n'}, 'dbt_project.yml names no profile'),
    ({'project_yml': 'name: [x\n'}, 'dbt_project.yml is not valid YAML'),
    ({'src': 'relative/project'}, 'dbt_project_src=relative/project must be an absolute path'),
    ({'docs_fetch_dir': 'docs'}, 'dbt_project_docs_fetch_dir=docs must be an absolute'),
    ({'docs_fetch_dir': '/etc'}, 'dbt_project_docs_fetch_dir=/etc must be'),
    ({'action': 'build', 'unit_present': False}, 'the unit datamesh-dbt-datamesh_seed.service does not exist'),
])
def test_bad_input_is_refused_naming_the_variable(changes, match):
    refused(match, **changes)


def test_a_schedule_systemd_accepts_passes_and_no_schedule_needs_no_check():
    assert build(schedule='Mon..Fri 06:00', calendar={'rc': 0, 'stdout': 'Normalized form: ...'})['schedule'] == \
        'Mon..Fri 06:00'
    assert build(schedule='', calendar={'rc': 1, 'stderr': 'x'})['schedule'] == ''


def test_the_password_never_appears_in_a_refusal():
    with pytest.raises(AnsibleFilterError) as info:
        build(trino_password='dbt_runner' + 'A' * 10)
    assert 'AAAAAAAAAA' not in str(info.value)


def test_build_result_from_run_results_and_systemd():
    run_results = {'results': [
        {'unique_id': 'model.datamesh_seed.stg_customers', 'status': 'success', 'failures': None,
         'adapter_response': {'_message': 'SUCCESS', 'rows_affected': None}, 'message': 'SUCCESS'},
        {'unique_id': 'model.datamesh_seed.fct_orders', 'status': 'success', 'failures': None,
         'adapter_response': {'rows_affected': 1}, 'message': 'SUCCESS 1'},
        {'unique_id': 'test.datamesh_seed.not_null_stg_customers_customer_id.e2cfb1f9aa', 'status': 'fail',
         'failures': 1, 'adapter_response': {}, 'message': 'Got 1 result, configured to fail if != 0'},
        {'unique_id': 'model.datamesh_seed.customer_revenue', 'status': 'skipped', 'failures': None,
         'adapter_response': {}, 'message': None},
    ]}
    s = build(action='build', unit_present=True, start_rc=1, run_results=run_results, docs_generated=True,
              unit_status='ExecMainStatus=1\nResult=exit-code\nInvocationID=abc\n')
    r = s['build_result']
    assert r['rc'] == 1 and r['success'] is False and r['changed'] is True and r['docs'] is True
    assert [x['unique_id'] for x in r['results']][:2] == ['model.datamesh_seed.stg_customers', 'model.datamesh_seed.fct_orders']
    assert r['results'][1]['rows_affected'] == 1 and r['results'][2]['failures'] == 1
    assert r['failed'] == ['test.datamesh_seed.not_null_stg_customers_customer_id.e2cfb1f9aa']
    assert r['failed_messages'] == ['test.datamesh_seed.not_null_stg_customers_customer_id.e2cfb1f9aa (fail): Got 1 result, '
                                    'configured to fail if != 0']
    assert r['systemd_result'] == 'exit-code' and r['invocation_id'] == 'abc'
    assert PASSWORD not in json.dumps(r)


def test_a_passing_build_succeeds_and_a_test_only_run_changes_nothing():
    tests_only = {'results': [{'unique_id': 'test.datamesh_seed.unique_x', 'status': 'pass', 'failures': 0,
                               'adapter_response': {}}]}
    r = build(action='build', unit_present=True, start_rc=0, run_results=tests_only, docs_generated=True,
              unit_status='ExecMainStatus=0\nResult=success\n')['build_result']
    assert r['rc'] == 0 and r['success'] is True and r['changed'] is False and r['failed'] == []


def test_a_build_that_stopped_before_any_node_has_no_results():
    r = build(action='build', unit_present=True, start_rc=1, run_results=None, docs_generated=False,
              unit_status='ExecMainStatus=2\nResult=exit-code\n')['build_result']
    assert r == dict(r, rc=2, success=False, results=[], failed=[], changed=False, docs=False)


def test_build_action_needs_no_source():
    s = build(action='build', src='', src_files=None, project_yml=None, unit_present=True)
    assert s['files'] == [] and 'build_result' not in s


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
    assert build(variables=list(KNOWN_VARIABLES))['name'] == 'datamesh_seed'


def test_the_fact_of_an_earlier_build_is_no_typo():
    # A second build in the same play sees dbt_project_build_result among the dbt_project_* names.
    assert build(action='build', unit_present=True,
                 variables=list(KNOWN_VARIABLES) + ['dbt_project_build_result'])['name'] == 'datamesh_seed'


def test_the_filter_is_registered():
    assert FilterModule().filters()['dbt_project_settings'] is dbt_project_settings
