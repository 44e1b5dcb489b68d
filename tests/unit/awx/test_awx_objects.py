"""The AWX objects of awx/vars/main.yml, as data, and the execution environment's definition.

Checked against the collection itself: the playbooks, inventories and roles the objects name, the
order of site.yml, AWX's rules for surveys and credential types (through the protocol double's ports
of them, tests/unit/awx/awx_double.py), and the pins the rest of the project uses. No AWX runs here.
"""
from __future__ import annotations

import copy
import importlib.util
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
AWX = REPO / 'awx'
_SPEC = importlib.util.spec_from_file_location('awx_double', Path(__file__).with_name('awx_double.py'))
double = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(double)

DATA = yaml.safe_load((AWX / 'vars' / 'main.yml').read_text())
OBJECTS = DATA['datamesh_awx']
JOB_TEMPLATES = {jt['name']: jt for jt in OBJECTS['job_templates']}
WORKFLOWS = {wf['name']: wf for wf in OBJECTS['workflows']}
CUSTOM_TYPES = {ct['name']: ct for ct in OBJECTS['credential_types']}


def load(path):
    return yaml.safe_load(Path(path).read_text())


def site_layers():
    """[(playbook, vars)] of playbooks/site.yml, in order."""
    return [('playbooks/' + item['ansible.builtin.import_playbook'], item.get('vars', {}))
            for item in load(REPO / 'playbooks' / 'site.yml')]


def ancestors(workflow, identifier):
    needs = {node['identifier']: node.get('needs', []) for node in workflow['nodes']}
    seen, stack = set(), list(needs[identifier])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(needs[node])
    return seen


def survey_spec(owner):
    return {'name': owner['name'], 'description': '', 'spec': copy.deepcopy(owner['survey'])}


def rendered_credential_type(ctype):
    """The credential type as awx/configure.yml sends it (inputs without extra_var, injectors from it)."""
    fields = [{k: v for k, v in field.items() if k != 'extra_var'} for field in ctype['fields']]
    return {'name': ctype['name'], 'description': ctype['description'], 'kind': ctype['kind'], 'managed': False,
            'inputs': {'fields': fields, 'required': ctype.get('required', [])},
            'injectors': {'extra_vars': {f['extra_var']: '{{ %s }}' % f['id'] for f in ctype['fields']}}}


# ---------------------------------------------------------------- job templates and playbooks
@pytest.mark.parametrize('name', sorted(JOB_TEMPLATES))
def test_job_template_playbook_is_one_awx_lists_for_the_project(name):
    playbook = JOB_TEMPLATES[name]['playbook']
    assert (REPO / playbook).is_file(), playbook
    assert playbook.startswith('playbooks/')
    # AWX offers only the files its could_be_playbook rule finds (JobOptionsSerializer refuses others)
    assert playbook in double.project_playbooks(str(REPO))


def test_every_playbook_has_a_job_template_or_a_reason():
    playbooks = {'playbooks/' + p.name for p in (REPO / 'playbooks').glob('*.yml')}
    offered = {jt['playbook'] for jt in OBJECTS['job_templates']}
    not_offered = OBJECTS['playbooks_not_offered']
    assert not offered & set(not_offered)
    assert playbooks == offered | set(not_offered), 'give each playbook a job template, or a reason in playbooks_not_offered'
    assert all(len(reason) > 20 for reason in not_offered.values())
    assert len(offered) == len(OBJECTS['job_templates']), 'one job template per playbook'


def test_names_are_unique_among_unified_job_templates():
    # workflow nodes find their job template by name among all unified job templates of the
    # organisation (awx.awx workflow_job_template_node): a project, inventory source or workflow of
    # the same name would make that lookup ambiguous
    names = ([jt['name'] for jt in OBJECTS['job_templates']] + [wf['name'] for wf in OBJECTS['workflows']]
             + [OBJECTS['project']['name']] + ['%s (project)' % inv['name'] for inv in OBJECTS['inventories']])
    assert len(names) == len(set(names))


def test_inventories_are_the_example_inventories_with_real_hosts():
    for inventory in OBJECTS['inventories']:
        path = REPO / inventory['source_path']
        assert (path / 'hosts.yml').is_file() and (path / 'group_vars' / 'all.yml').is_file(), inventory
    sources = {inv['source_path'] for inv in OBJECTS['inventories']}
    assert sources == {'inventory/single-node', 'inventory/multi-node'}  # not the lab's Docker containers
    assert OBJECTS['default_inventory'] in {inv['name'] for inv in OBJECTS['inventories']}


def test_ask_tags_only_where_the_playbook_has_tags_and_no_layer_tags_for_site():
    for jt in OBJECTS['job_templates']:
        plays = load(REPO / jt['playbook'])
        tagged = [play for play in plays if play.get('tags')]
        assert bool(jt.get('ask_tags_on_launch')) == bool(tagged), jt['name']
    # a "layer" question for site.yml would need tags on its layers; there are none
    for playbook, _vars in site_layers():
        assert not [play for play in load(REPO / playbook) if play.get('tags')], playbook
    assert all('tags' not in item for item in load(REPO / 'playbooks' / 'site.yml'))
    assert 'survey' not in JOB_TEMPLATES['datamesh | site']


# ---------------------------------------------------------------- surveys
SURVEYS = [(jt['name'], jt) for jt in OBJECTS['job_templates'] if 'survey' in jt] + \
          [(wf['name'], wf) for wf in OBJECTS['workflows'] if 'survey' in wf]


@pytest.mark.parametrize('name, owner', SURVEYS, ids=[s[0] for s in SURVEYS])
def test_survey_is_a_valid_awx_survey_spec_that_awx_keeps_as_given(name, owner):
    spec = survey_spec(owner)
    assert double.validate_survey_spec(spec) is None, name
    # AWX stores the validated spec (it normalises string choices): equal to what configure.yml
    # sends, or awx.awx's comparison would report a change on every run
    assert spec == survey_spec(owner)


@pytest.mark.parametrize('name, owner', SURVEYS, ids=[s[0] for s in SURVEYS])
def test_survey_true_false_questions_are_read_as_booleans_by_the_playbooks(name, owner):
    playbooks = [owner['playbook']] if 'playbook' in owner else \
        [JOB_TEMPLATES[node['job_template']]['playbook'] for node in owner['nodes']]
    # the playbooks' code, not their comments
    text = '\n'.join(line for p in playbooks for line in (REPO / p).read_text().splitlines() if not line.lstrip().startswith('#'))
    for question in owner['survey']:
        assert question['type'] == 'multiplechoice' and sorted(question['choices']) == ['false', 'true'], name
        assert question['default'] in question['choices'] and question['required'] is True
        # the answer is the string "true"/"false": every use must go through | bool
        uses = re.findall(r'%s\b[^\n]*' % re.escape(question['variable']), text)
        assert uses, '%s: no playbook of %s reads %s' % (name, playbooks, question['variable'])
        for use in uses:
            assert re.match(r'%s \| default\((true|false)\) \| bool' % re.escape(question['variable']), use), use


def test_workflow_survey_variables_are_survey_variables_of_its_job_templates():
    for workflow in OBJECTS['workflows']:
        variables = {q['variable'] for node in workflow['nodes']
                     for q in JOB_TEMPLATES[node['job_template']].get('survey', [])}
        for question in workflow.get('survey', []):
            assert question['variable'] in variables, (workflow['name'], question['variable'])


# ---------------------------------------------------------------- credentials
def test_credential_type_is_accepted_by_awx_rules():
    awx = double.AWXDouble()
    for ctype in CUSTOM_TYPES.values():
        rendered = rendered_credential_type(ctype)
        awx._validate_credential_types(rendered, None)  # pylint: disable=protected-access
        ids = [f['id'] for f in ctype['fields']]
        assert set(ctype['required']) <= set(ids)
        # AWX adds "type": "string" to a field without one: always given, so that AWX keeps the inputs as sent
        assert all('type' in f and f.get('secret') is True for f in ctype['fields'])
        assert len({f['extra_var'] for f in ctype['fields']}) == len(ids)


def _generated_secrets(inventory):
    """Variables an inventory's group_vars/all.yml generates with the password lookup."""
    text = (REPO / 'inventory' / inventory / 'group_vars' / 'all.yml').read_text()
    return set(re.findall(r"^(\w+): >-\n\s+\{\{ lookup\('ansible\.builtin\.password'", text, re.M))


def test_required_fields_are_the_shared_secrets_the_inventories_generate():
    secrets = CUSTOM_TYPES['datamesh platform secrets']
    required = {f['extra_var'] for f in secrets['fields'] if f['id'] in secrets['required']}
    assert required == _generated_secrets('single-node')
    assert _generated_secrets('multi-node') <= required
    assert _generated_secrets('lab') <= required


def _role_defaults():
    defaults = {}
    for path in sorted(REPO.glob('roles/*/defaults/main.yml')):
        defaults.update(load(path) or {})
    return defaults


def test_optional_fields_left_empty_mean_the_roles_own_default():
    # an empty field injects "": for these variables that is the role's default (generate once)
    secrets = CUSTOM_TYPES['datamesh platform secrets']
    defaults = _role_defaults()
    for field in secrets['fields']:
        if field['id'] not in secrets['required']:
            assert defaults.get(field['extra_var'], 'undefined') == '', field['extra_var']


@pytest.mark.parametrize('variable', sorted(f['extra_var'] for ct in OBJECTS['credential_types'] for f in ct['fields']))
def test_injected_variable_is_used_by_an_inventory_a_role_or_a_playbook(variable):
    uses = []
    for path in list(REPO.glob('roles/**/*')) + list(REPO.glob('inventory/**/*')) + list(REPO.glob('playbooks/**/*')):
        if path.is_file() and path.suffix in ('.yml', '.j2', '.py') and '.credentials' not in path.parts:
            for line in path.read_text(errors='ignore').splitlines():
                # a use, not the definition ("name:" at the start of a line)
                if re.search(r'\b%s\b' % variable, line) and not re.match(r'\s*%s:' % variable, line) \
                        and not line.lstrip().startswith('#'):
                    uses.append(str(path.relative_to(REPO)))
    assert [u for u in uses if not u.endswith('meta/argument_specs.yml')], variable


def test_job_credentials_are_known_and_one_per_type():
    credentials = {c['name']: c for c in OBJECTS['credentials']}
    types = [credentials[name]['credential_type'] for name in OBJECTS['job_credentials']]
    assert len(types) == len(set(types))  # AWX: one credential per type on a job template
    assert {c['credential_type'] for c in OBJECTS['credentials']} <= {'Machine', 'Vault', 'Source Control'} | set(CUSTOM_TYPES)


# ---------------------------------------------------------------- workflows
@pytest.mark.parametrize('name', sorted(WORKFLOWS))
def test_workflow_is_a_graph_of_known_job_templates_without_cycles(name):
    workflow = WORKFLOWS[name]
    identifiers = [node['identifier'] for node in workflow['nodes']]
    assert len(identifiers) == len(set(identifiers))
    for node in workflow['nodes']:
        assert node['job_template'] in JOB_TEMPLATES, node
        assert set(node.get('needs', [])) <= set(identifiers), node
        assert node['identifier'] not in ancestors(workflow, node['identifier']), 'cycle at %s' % node['identifier']


@pytest.mark.parametrize('name', sorted(WORKFLOWS))
def test_node_extra_data_answers_the_job_templates_survey(name):
    for node in WORKFLOWS[name]['nodes']:
        jt = JOB_TEMPLATES[node['job_template']]
        extra = node.get('extra_data', {})
        # job templates do not prompt for variables: only survey answers are accepted (AWX refuses others)
        assert set(extra) <= {q['variable'] for q in jt.get('survey', [])}, node
        assert double.survey_value_errors(survey_spec(jt) if 'survey' in jt else {}, extra) == [], node


PLATFORM = [wf for wf in OBJECTS['workflows'] if wf['name'].startswith('datamesh | platform')]


@pytest.mark.parametrize('workflow', PLATFORM, ids=[wf['name'] for wf in PLATFORM])
def test_platform_workflow_runs_every_layer_of_site_yml_in_its_order(workflow):
    layers = site_layers()
    order = [playbook for playbook, _vars in layers]
    by_playbook = {JOB_TEMPLATES[node['job_template']]['playbook']: node for node in workflow['nodes']}
    assert sorted(by_playbook) == sorted(order) and len(workflow['nodes']) == len(order)
    for node in workflow['nodes']:
        child = order.index(JOB_TEMPLATES[node['job_template']]['playbook'])
        for parent in node.get('needs', []):
            parent_node = next(n for n in workflow['nodes'] if n['identifier'] == parent)
            assert order.index(JOB_TEMPLATES[parent_node['job_template']]['playbook']) < child, (parent, node['identifier'])
    # what site.yml passes to a layer (dbt_build_now: false ...), the node answers the same way
    for playbook, variables in layers:
        expected = {k: str(v).lower() for k, v in variables.items()}
        assert by_playbook[playbook].get('extra_data', {}) == expected, playbook


# What each layer needs before it, from the roles' documentation (README.md, docs/roles/*).
NEEDS = {
    'hive_metastore': {'mysql', 'minio', 'seaweedfs'},  # its database; S3A to the object store
    'trino': {'hive_metastore', 'mysql'},                # hive catalog; mariadb catalogs
    'jupyterhub': {'trino', 'kubernetes'},               # Trino settings for the notebooks; kubernetes mode
    'dbt': {'trino'},
    'grafana': {'mysql'},                                # its data sources read mysql_multi's passwords
    'datahub_ingestion': {'trino', 'hive_metastore', 'dbt', 'datahub'},
}


@pytest.mark.parametrize('workflow', PLATFORM, ids=[wf['name'] for wf in PLATFORM])
def test_platform_workflow_respects_the_layers_dependencies(workflow):
    for identifier, needed in NEEDS.items():
        assert needed <= ancestors(workflow, identifier), identifier
    roots = [n['identifier'] for n in workflow['nodes'] if not n.get('needs')]
    assert roots == ['mysql', 'kubernetes']


def test_check_mode_workflow_is_the_platform_workflow_in_check_mode():
    assert WORKFLOWS['datamesh | platform (check mode)']['job_type'] == 'check'
    assert WORKFLOWS['datamesh | platform (check mode)']['nodes'] == WORKFLOWS['datamesh | platform']['nodes']
    assert 'job_type' not in WORKFLOWS['datamesh | platform']


def test_data_product_pipeline_builds_after_the_data_and_ingests_after_the_build():
    workflow = WORKFLOWS['datamesh | data product pipeline']
    assert ancestors(workflow, 'dbt') == {'data_product'}
    assert ancestors(workflow, 'datahub_ingestion') == {'data_product', 'dbt'}
    extra = {n['identifier']: n.get('extra_data', {}) for n in workflow['nodes']}
    assert extra['dbt'] == {'dbt_build_now': 'true'} and extra['datahub_ingestion'] == {'datahub_ingest_now': 'true'}


# ---------------------------------------------------------------- the execution environment
EE = load(AWX / 'execution-environment.yml')


def _pins(path):
    pins = {}
    for line in Path(path).read_text().splitlines():
        line = line.split('#')[0].strip()
        if line and not line.startswith('-'):
            name, _sep, version = line.partition('==')
            pins[name.strip().lower()] = version.strip()
    return pins


def test_execution_environment_definition():
    assert EE['version'] == 3
    assert EE['images']['base_image']['name'] == 'datamesh/ee-base:13'
    deps = EE['dependencies']
    for key in ('galaxy', 'python', 'system'):
        assert (AWX / deps[key]).is_file()
    assert deps['python_interpreter']['python_path'] == '/usr/bin/python3'
    # the controller pin of the project, and nothing installed that is not pinned
    assert deps['ansible_core']['package_pip'] == 'ansible-core==' + _pins(REPO / 'requirements.txt')['ansible-core']
    assert re.fullmatch(r'ansible-runner==[0-9.]+', deps['ansible_runner']['package_pip'])
    # the base image provides pip and the dnf-style shim the definition names
    assert EE['options']['skip_pip_install'] is True
    containerfile = (AWX / 'ee-base' / 'Containerfile').read_text()
    assert 'COPY dnf-compat-apt %s' % EE['options']['package_manager_path'] in containerfile
    assert EE['build_arg_defaults']['ANSIBLE_GALAXY_CLI_COLLECTION_OPTS'] == '--offline'


def test_execution_environment_python_requirements_are_pinned_and_cover_the_modules():
    pins = _pins(AWX / 'requirements.txt')
    assert all(re.fullmatch(r'[0-9][0-9a-z.]*', v) for v in pins.values()), pins
    imports = set()
    for path in list((REPO / 'plugins').rglob('*.py')):
        imports |= set(re.findall(r'^\s+import (boto3|botocore|minio|trino|pymysql)\b', path.read_text(), re.M))
        imports |= set(re.findall(r'^\s+from (cryptography)\b', path.read_text(), re.M))
    packages = {'boto3': 'boto3', 'botocore': 'botocore', 'minio': 'minio', 'trino': 'trino', 'pymysql': 'pymysql',
                'cryptography': 'cryptography'}
    assert imports == set(packages)
    assert {packages[i] for i in imports} <= set(pins)
    # the same versions as the project's tests and roles use
    units = _pins(REPO / 'tests' / 'unit' / 'requirements.txt')
    assert (pins['boto3'], pins['botocore'], pins['minio']) == (units['boto3'], units['botocore'], units['minio'])
    trino_defaults = load(REPO / 'roles' / 'trino' / 'defaults' / 'main.yml')['trino_python_packages']
    assert trino_defaults == ['trino==' + pins['trino']]


def test_execution_environment_collections_are_the_projects_requirements():
    wanted = {c['name']: c.get('version', '') for c in load(REPO / 'requirements.yml')['collections']}
    # a controller tool, not run in the EE: awx/configure.yml's awx.awx (community.docker is in the EE: the lab's connection)
    wanted.pop('awx.awx', None)
    ee = {}
    for item in load(AWX / 'requirements.yml')['collections']:
        assert item['type'] == 'file'
        match = re.fullmatch(r'collections/([a-z0-9_]+)-([a-z0-9_]+)(?:-([0-9][0-9.]*))?\.tar\.gz', item['name'])
        assert match, item
        ee['%s.%s' % match.group(1, 2)] = match.group(3)
    assert ee.pop('datamesh.platform') is None  # built from the checkout, whatever its version
    assert ee.pop('community.library_inventory_filtering_v1')  # community.general's dependency
    assert set(ee) == set(wanted)
    for name, version in ee.items():
        minimum = wanted[name].lstrip('>=')
        assert tuple(map(int, version.split('.'))) >= tuple(map(int, minimum.split('.'))), name


def test_bindep_has_ssh_and_the_crypt_library():
    text = (AWX / 'bindep.txt').read_text()
    for package in ('openssh-client [platform:dpkg]', 'libcrypt1 [platform:dpkg]', 'ca-certificates'):
        assert package in text
