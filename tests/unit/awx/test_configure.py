"""ansible-playbook awx/configure.yml against the AWX protocol double (awx_double.py, not AWX).

The real awx.awx 24.6.1 modules talk HTTP to the double: a first run creates every object of
awx/vars/main.yml, a second run and a dry run change nothing (no write request at all), a dry run
against an empty controller writes nothing, and bad secrets are refused before any request.

Needs the awx.awx collection (24.6.1, from the ansible 13.8.0 package): found through
DATAMESH_AWX_COLLECTIONS or ANSIBLE_COLLECTIONS_PATH (a directory holding ansible_collections/awx/awx),
the collection tree this checkout sits in, or the Python path. Without it these tests are skipped,
or fail when DATAMESH_REQUIRE_AWX=1.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
_SPEC = importlib.util.spec_from_file_location('awx_double', Path(__file__).with_name('awx_double.py'))
double = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(double)

OBJECTS = yaml.safe_load((REPO / 'awx' / 'vars' / 'main.yml').read_text())['datamesh_awx']
TIMEOUT = 600


def _awx_collection_root():
    """A directory holding ansible_collections/awx/awx, or None."""
    candidates = [os.environ.get('DATAMESH_AWX_COLLECTIONS', '')]
    candidates += os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep)
    if REPO.parents[1].name == 'ansible_collections':
        candidates.append(str(REPO.parents[2]))  # ansible-test's copy, beside its collections
    candidates += sys.path
    for candidate in candidates:
        if candidate and (Path(candidate) / 'ansible_collections' / 'awx' / 'awx' / 'MANIFEST.json').is_file():
            return Path(candidate)
    return None


AWX_ROOT = _awx_collection_root()
if AWX_ROOT is None:
    if os.environ.get('DATAMESH_REQUIRE_AWX') == '1':
        raise RuntimeError('awx.awx not found (DATAMESH_REQUIRE_AWX=1): see the docstring of %s' % __file__)
    pytest.skip('awx.awx is not installed (it is in the ansible 13.8.0 package, not in 14.x): set DATAMESH_AWX_COLLECTIONS',
                allow_module_level=True)
AWX_VERSION = json.loads((AWX_ROOT / 'ansible_collections' / 'awx' / 'awx' / 'MANIFEST.json').read_text())['collection_info']['version']


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(('CONTROLLER_', 'TOWER_'))}
    env.update(ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_PIPELINING='1', ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_DEPRECATION_WARNINGS='0', ANSIBLE_RETRY_FILES_ENABLED='0',
               PYTHONWARNINGS='ignore')
    env['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join([str(AWX_ROOT)] + [p for p in env.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep) if p])
    return env


class Run:
    def __init__(self, result):
        self.rc, self.out = result.returncode, result.stdout + result.stderr
        recap = re.search(r'localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)', self.out)
        self.ok, self.changed, _unreachable, self.failed, self.skipped = map(int, recap.groups()) if recap else (0, -1, 0, -1, 0)

    def __repr__(self):
        return 'rc=%d changed=%d failed=%d\n%s' % (self.rc, self.changed, self.failed, self.out[-6000:])


def configure(url, token, *args):
    executable = shutil.which('ansible-playbook')
    command = [executable] if executable else [sys.executable, '-m', 'ansible.cli.playbook']
    command += ['awx/configure.yml', '-e', 'controller_host=%s' % url, '-e', 'controller_oauthtoken=%s' % token,
                '-e', 'controller_validate_certs=false'] + list(args)
    return Run(subprocess.run(command, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=TIMEOUT, check=False))


def _secret():
    return secrets.token_urlsafe(24)


SECRETS = {
    'datamesh | machine': {'username': 'admin', 'become_method': 'sudo'},
    'datamesh | vault': {'vault_password': _secret()},
    'datamesh | platform secrets': {
        's3_secret_key': _secret(), 'trino_db_password': _secret(), 'dbt_trino_password': _secret(),
        'datahub_trino_password': _secret(), 'datahub_metastore_db_password': _secret(), 'grafana_secret_key': _secret(),
    },
}
SECRET_VALUES = [v for inputs in SECRETS.values() for k, v in inputs.items() if k not in ('username', 'become_method')]


def _vars_file(tmp_path, inputs):
    path = tmp_path / 'credentials.yml'
    path.write_text(yaml.safe_dump({'datamesh_awx_credential_inputs': inputs}))
    return '@%s' % path


@pytest.fixture(name='configured', scope='module')
def fixture_configured(tmp_path_factory):
    """A double configured by one run (-vvv, with credential inputs) and checked by a second run."""
    server = double.AWXDouble(project_checkout=str(REPO))
    url = server.start()
    tmp = tmp_path_factory.mktemp('configure')
    first = configure(url, server.token, '-vvv', '-e', _vars_file(tmp, SECRETS))
    writes_after_first = len(server.writes)
    second = configure(url, server.token)
    yield {'server': server, 'url': url, 'first': first, 'second': second, 'writes_after_first': writes_after_first}
    server.stop()


def _one(server, kind, **fields):
    found = server.find(kind, **fields)
    assert len(found) == 1, (kind, fields, found)
    return found[0]


def _names(server, kind, ids):
    return sorted(server.raw(kind, i)['name'] for i in ids)


def test_first_run_creates_every_object(configured):
    server, first = configured['server'], configured['first']
    assert first.rc == 0 and first.failed == 0 and first.changed > 0, first
    org = _one(server, 'organizations', name=OBJECTS['organization']['name'])
    assert server.associated('organizations', org['id'], 'galaxy_credentials') == []
    ee = _one(server, 'execution_environments', name=OBJECTS['execution_environment']['name'])
    assert ee['image'] == 'registry.example.internal/datamesh/ee-platform:0.1.0' and ee['pull'] == 'missing'
    project = _one(server, 'projects', name=OBJECTS['project']['name'])
    assert (project['organization'], project['scm_type'], project['default_environment']) == (org['id'], 'git', ee['id'])
    assert project['scm_url'] == 'https://git.example.internal/datamesh/platform.git' and project['scm_update_on_launch'] is True
    for inventory in OBJECTS['inventories']:
        inv = _one(server, 'inventories', name=inventory['name'], organization=org['id'])
        source = _one(server, 'inventory_sources', inventory=inv['id'])
        assert (source['source'], source['source_path'], source['source_project']) == ('scm', inventory['source_path'], project['id'])
        assert source['update_on_launch'] and source['overwrite'] and source['overwrite_vars'] and source['execution_environment'] == ee['id']


def test_credential_type_injects_every_field_as_its_variable(configured):
    server = configured['server']
    for ctype in OBJECTS['credential_types']:
        made = _one(server, 'credential_types', name=ctype['name'])
        assert made['kind'] == ctype['kind'] and made['managed'] is False
        assert made['inputs']['required'] == ctype['required']
        assert made['inputs']['fields'] == [{k: v for k, v in f.items() if k != 'extra_var'} for f in ctype['fields']]
        # the injector templates reach AWX as text, not rendered by Ansible
        assert made['injectors'] == {'extra_vars': {f['extra_var']: '{{ %s }}' % f['id'] for f in ctype['fields']}}


def test_credentials_hold_the_given_inputs_and_never_show_them(configured):
    server, first = configured['server'], configured['first']
    org = _one(server, 'organizations', name=OBJECTS['organization']['name'])
    for credential in OBJECTS['credentials']:
        made = _one(server, 'credentials', name=credential['name'], organization=org['id'])
        assert server.raw('credentials', made['id'])['inputs'] == SECRETS[credential['name']]
    leaked = [value for value in SECRET_VALUES if value in first.out]
    assert not leaked, 'a secret occurs in the output of configure.yml -vvv'


def test_job_templates_run_each_layer_playbook_with_prompts_and_surveys(configured):
    server = configured['server']
    org = _one(server, 'organizations', name=OBJECTS['organization']['name'])
    project = _one(server, 'projects', name=OBJECTS['project']['name'])
    inventory = _one(server, 'inventories', name=OBJECTS['default_inventory'])
    assert len(server.find('job_templates')) == len(OBJECTS['job_templates'])
    for jt in OBJECTS['job_templates']:
        made = _one(server, 'job_templates', name=jt['name'], organization=org['id'])
        assert (made['project'], made['playbook'], made['inventory'], made['job_type']) == (project['id'], jt['playbook'], inventory['id'], 'run')
        assert made['ask_job_type_on_launch'] and made['ask_diff_mode_on_launch'] and made['ask_inventory_on_launch']
        assert not made['ask_limit_on_launch'] and not made['ask_variables_on_launch'] and not made['allow_simultaneous']
        assert made['ask_tags_on_launch'] is bool(jt.get('ask_tags_on_launch'))
        assert json.loads(made['extra_vars']) == {
            'datamesh_credentials_dir': '/srv/datamesh/credentials', 'datamesh_artifact_cache_dir': '/srv/datamesh/artifacts'}
        assert _names(server, 'credentials', server.associated('job_templates', made['id'], 'credentials')) == sorted(OBJECTS['job_credentials'])
        assert _names(server, 'labels', server.associated('job_templates', made['id'], 'labels')) == OBJECTS['labels']
        survey = server.survey('job_templates', made['id'])
        assert made['survey_enabled'] is ('survey' in jt)
        assert survey == ({'name': jt['name'], 'description': '', 'spec': jt['survey']} if 'survey' in jt else {})


def test_workflows_link_their_nodes_as_the_data_says(configured):
    server = configured['server']
    for workflow in OBJECTS['workflows']:
        made = _one(server, 'workflow_job_templates', name=workflow['name'])
        assert made['ask_inventory_on_launch'] and made['survey_enabled'] is ('survey' in workflow)
        if 'survey' in workflow:
            assert server.survey('workflow_job_templates', made['id'])['spec'] == workflow['survey']
        nodes = {n['identifier']: n for n in server.find('workflow_job_template_nodes', workflow_job_template=made['id'])}
        assert sorted(nodes) == sorted(n['identifier'] for n in workflow['nodes'])
        for node in workflow['nodes']:
            made_node = nodes[node['identifier']]
            assert server.raw('job_templates', made_node['unified_job_template'])['name'] == node['job_template']
            assert made_node['extra_data'] == node.get('extra_data', {})
            assert made_node['job_type'] == workflow.get('job_type')
            assert made_node['all_parents_must_converge'] is (len(node.get('needs', [])) > 1)
            children = sorted(n['identifier'] for n in workflow['nodes'] if node['identifier'] in n.get('needs', []))
            linked = server.associated('workflow_job_template_nodes', made_node['id'], 'success_nodes')
            assert sorted(server.raw('workflow_job_template_nodes', i)['identifier'] for i in linked) == children, node['identifier']
            for other in ('failure_nodes', 'always_nodes'):
                assert server.associated('workflow_job_template_nodes', made_node['id'], other) == []


def test_second_run_changes_nothing_and_writes_nothing(configured):
    second, server = configured['second'], configured['server']
    assert second.rc == 0 and second.failed == 0, second
    assert second.changed == 0, second
    assert len(server.writes) == configured['writes_after_first'], server.writes[configured['writes_after_first']:]


def test_dry_run_on_the_configured_controller_changes_nothing(configured):
    server = configured['server']
    before = len(server.requests)
    run = configure(configured['url'], server.token, '--check', '--diff')
    assert run.rc == 0 and run.changed == 0, run
    assert [r for r in server.requests[before:] if r[0] != 'GET'] == []


def test_dry_run_on_an_empty_controller_creates_nothing():
    server = double.AWXDouble(project_checkout=str(REPO))
    url = server.start()
    try:
        run = configure(url, server.token, '--check')
        assert run.rc == 0 and run.failed == 0, run
        # the organisation, the execution environment and the credential type would be created; the
        # rest depends on them and is skipped
        assert run.changed == 3, run
        assert server.writes == []
        assert [o['name'] for o in server.find('organizations')] == ['Default']
    finally:
        server.stop()


def test_a_short_secret_is_refused_before_any_request(tmp_path):
    server = double.AWXDouble(project_checkout=str(REPO))
    url = server.start()
    try:
        inputs = {'datamesh | platform secrets': dict(SECRETS['datamesh | platform secrets'], trino_db_password='tooShort9')}
        run = configure(url, server.token, '-e', _vars_file(tmp_path, inputs))
        assert run.rc != 0 and '16 characters or more' in run.out, run
        assert 'tooShort9' not in run.out
        assert server.requests == []
        missing = {'datamesh | platform secrets': {'s3_secret_key': _secret()}}
        run = configure(url, server.token, '-e', _vars_file(tmp_path, missing))
        assert run.rc != 0 and 'must give s3_secret_key, trino_db_password' in run.out, run
        assert server.requests == []
    finally:
        server.stop()


def test_the_collection_is_the_one_the_double_was_written_for():
    assert AWX_VERSION == '24.6.1', 'awx_double.py follows awx.awx 24.6.1; check it against %s' % AWX_VERSION
