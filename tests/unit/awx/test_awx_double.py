"""The AWX protocol double itself (tests/unit/awx/awx_double.py): the AWX 24.6.1 behaviours that
test_configure.py relies on, each seen through HTTP as awx.awx would see it. The double is not AWX."""
from __future__ import annotations

import importlib.util
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
_SPEC = importlib.util.spec_from_file_location('awx_double', Path(__file__).with_name('awx_double.py'))
double = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(double)


class Client:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None, token=True):
        request = urllib.request.Request(self.base + path, method=method, data=None if body is None else json.dumps(body).encode())
        request.add_header('Content-Type', 'application/json')
        if token:
            request.add_header('Authorization', 'Bearer ' + self.token)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw else None), dict(response.headers)
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, (json.loads(raw) if raw else None), dict(error.headers)

    def create(self, kind, body):
        status, data, _headers = self.call('POST', '/api/v2/%s/' % kind, body)
        assert status == 201, data
        return data


@pytest.fixture(name='awx')
def fixture_awx():
    server = double.AWXDouble(project_checkout=str(REPO))
    base = server.start()
    yield server, Client(base, server.token)
    server.stop()


@pytest.fixture(name='org')
def fixture_org(awx):
    return awx[1].create('organizations', {'name': 'O'})


def _project(client, org):
    return client.create('projects', {'name': 'P', 'organization': org['id'], 'scm_type': 'git', 'scm_url': 'https://git.invalid/p.git'})


def _job_template(client, org, project, **extra):
    fields = {'name': 'JT', 'organization': org['id'], 'project': project['id'], 'playbook': 'playbooks/mysql.yml'}
    return client.create('job_templates', dict(fields, **extra))


def test_ping_is_open_everything_else_needs_the_token(awx):
    _server, client = awx
    status, data, headers = client.call('GET', '/api/v2/ping/', token=False)
    assert status == 200 and data['version'] == '24.6.1'
    assert headers['X-API-Product-Name'] == 'AWX' and headers['X-API-Product-Version'] == '24.6.1'
    assert client.call('GET', '/api/v2/me/', token=False)[0] == 401
    assert client.call('GET', '/api/v2/me/')[1]['results'][0]['username'] == 'admin'


def test_lists_filter_by_exact_field_values_and_page(awx, org):
    _server, client = awx
    for number in range(30):
        client.create('labels', {'name': 'l%02d' % number, 'organization': org['id']})
    status, data, _headers = client.call('GET', '/api/v2/labels/?name=l07&organization=%d' % org['id'])
    assert status == 200 and data['count'] == 1 and data['results'][0]['name'] == 'l07'
    assert client.call('GET', '/api/v2/labels/?name=l07&organization=999')[1]['count'] == 0
    first = client.call('GET', '/api/v2/labels/')[1]
    assert first['count'] == 30 and len(first['results']) == 25 and first['next']
    assert len(client.call('GET', first['next'])[1]['results']) == 5
    # get_one's numeric lookup: or__id / or__name
    assert client.call('GET', '/api/v2/labels/?or__id=%d&or__name=zz' % first['results'][0]['id'])[1]['count'] == 1
    assert client.call('GET', '/api/v2/labels/?colour=red')[0] == 400


def test_unknown_fields_and_duplicate_names_are_refused(awx, org):
    _server, client = awx
    status, data, _headers = client.call('POST', '/api/v2/inventories/', {'name': 'I', 'organization': org['id'], 'colour': 'red'})
    assert status == 400 and 'colour' in data
    client.create('inventories', {'name': 'I', 'organization': org['id'], 'kind': None})
    assert client.call('POST', '/api/v2/inventories/', {'name': 'I', 'organization': org['id']})[0] == 400
    # AWX keeps kind "" for null
    assert client.call('GET', '/api/v2/inventories/?name=I')[1]['results'][0]['kind'] == ''


def test_credential_secrets_are_never_shown_and_kept_when_sent_back_encrypted(awx, org):
    server, client = awx
    machine = client.call('GET', '/api/v2/credential_types/?name=Machine')[1]['results'][0]
    cred = client.create('credentials', {'name': 'C', 'organization': org['id'], 'credential_type': machine['id'],
                                         'inputs': {'username': 'u', 'password': 'p' * 20}})
    assert cred['inputs'] == {'username': 'u', 'password': '$encrypted$'}
    status, data, _headers = client.call('PATCH', cred['url'], {'inputs': {'username': 'v', 'password': '$encrypted$'}})
    assert status == 200 and server.raw('credentials', cred['id'])['inputs'] == {'username': 'v', 'password': 'p' * 20}
    status, data, _headers = client.call('PATCH', cred['url'], {'inputs': {'colour': 'red'}})
    assert status == 400 and 'colour' in data['inputs']


def test_custom_credential_types_follow_awx_rules(awx, org):
    _server, client = awx
    good = {'name': 'T', 'kind': 'cloud', 'inputs': {'fields': [{'id': 'a', 'label': 'A', 'type': 'string', 'secret': True}]},
            'injectors': {'extra_vars': {'var_a': '{{ a }}'}}}
    assert client.call('POST', '/api/v2/credential_types/', dict(good, kind='ssh'))[0] == 400
    assert client.call('POST', '/api/v2/credential_types/', dict(good, injectors={'extra_vars': {'v': '{{ b }}'}}))[0] == 400
    assert client.call('POST', '/api/v2/credential_types/', dict(good, injectors={'env': {'ANSIBLE_X': '{{ a }}'}}))[0] == 400
    ctype = client.create('credential_types', good)
    client.create('credentials', {'name': 'C', 'organization': org['id'], 'credential_type': ctype['id'], 'inputs': {'a': 'x'}})
    inputs = {'fields': good['inputs']['fields'] + [{'id': 'b', 'label': 'B', 'type': 'string'}]}
    status, data, _headers = client.call('PATCH', ctype['url'], {'inputs': inputs})
    assert status == 403 and 'in use' in data['detail']
    machine = client.call('GET', '/api/v2/credential_types/?name=Machine')[1]['results'][0]
    assert client.call('PATCH', machine['url'], {'description': 'x'})[0] == 403


def test_project_update_lists_the_playbooks_job_templates_may_use(awx, org):
    _server, client = awx
    project = _project(client, org)
    assert project['summary_fields']['current_update']['status'] == 'successful'
    update = client.call('GET', '/api/v2/project_updates/%d/' % project['summary_fields']['current_update']['id'])[1]
    assert update['status'] == 'successful'
    assert 'current_update' not in client.call('GET', project['url'])[1]['summary_fields']
    status, data, _headers = client.call('POST', '/api/v2/job_templates/', {'name': 'X', 'project': project['id'], 'playbook': 'nope.yml'})
    assert status == 400 and data == {'playbook': ['Playbook not found for project.']}
    # files under roles/, tasks/ or group_vars/ are not playbooks for AWX
    in_a_role = {'name': 'X', 'project': project['id'], 'playbook': 'roles/trino/tasks/main.yml'}
    assert client.call('POST', '/api/v2/job_templates/', in_a_role)[0] == 400
    _job_template(client, org, project)


def test_survey_specs_are_validated_as_awx_does(awx, org):
    _server, client = awx
    jt = _job_template(client, org, _project(client, org))
    url = jt['related']['survey_spec']
    assert client.call('GET', url)[1] == {}
    question = {'question_name': 'Q', 'variable': 'v', 'type': 'multiplechoice', 'choices': ['a', 'b'], 'default': 'a', 'required': True}
    bad = [
        {'name': '', 'spec': [question]},                                              # no description
        {'name': '', 'description': '', 'spec': []},                                   # no question
        {'name': '', 'description': '', 'spec': [dict(question, type='boolean')]},     # no boolean type in AWX
        {'name': '', 'description': '', 'spec': [dict(question, default='c')]},        # default not a choice
        {'name': '', 'description': '', 'spec': [dict(question, required='yes')]},     # required must be bool
        {'name': '', 'description': '', 'spec': [question, question]},                 # variable twice
        {'name': '', 'description': '', 'spec': [{k: v for k, v in question.items() if k != 'choices'}]},
    ]
    for spec in bad:
        assert client.call('POST', url, spec)[0] == 400, spec
    good = {'name': 'S', 'description': '', 'spec': [question]}
    assert client.call('POST', url, good)[0] == 200
    assert client.call('GET', url)[1] == good
    assert client.call('DELETE', url)[0] == 200 and client.call('GET', url)[1] == {}


def test_workflow_nodes_take_only_what_their_template_prompts_for(awx, org):
    _server, client = awx
    project = _project(client, org)
    jt = _job_template(client, org, project, survey_enabled=True)
    question = {'question_name': 'Q', 'variable': 'v', 'type': 'multiplechoice', 'choices': ['true', 'false'], 'default': 'true', 'required': True}
    assert client.call('POST', jt['related']['survey_spec'], {'name': 'S', 'description': '', 'spec': [question]})[0] == 200
    wf = client.create('workflow_job_templates', {'name': 'W', 'organization': org['id']})

    def node(identifier, **fields):
        return client.call('POST', '/api/v2/workflow_job_template_nodes/', dict(
            {'workflow_job_template': wf['id'], 'unified_job_template': jt['id'], 'identifier': identifier}, **fields))
    assert node('a', extra_data={'v': 'false'})[0] == 201
    assert node('b', extra_data={'v': 'maybe'})[0] == 400          # not one of the choices
    assert node('c', extra_data={'w': 'x'})[0] == 400              # not a survey variable, no ask_variables_on_launch
    assert node('d', job_type='check')[0] == 400                   # ask_job_type_on_launch is false
    assert node('a')[0] == 400                                     # identifier taken in this workflow
    # the unified job template is found by name among every kind (a shared id space)
    found = client.call('GET', '/api/v2/unified_job_templates/?name=JT&organization=%d' % org['id'])[1]
    assert found['count'] == 1 and found['results'][0]['id'] == jt['id']


def test_workflow_links_stay_in_one_workflow_without_cycles(awx, org):
    _server, client = awx
    jt = _job_template(client, org, _project(client, org))
    wf = client.create('workflow_job_templates', {'name': 'W', 'organization': org['id']})
    other = client.create('workflow_job_templates', {'name': 'W2', 'organization': org['id']})
    nodes = [client.create('workflow_job_template_nodes', {'workflow_job_template': wf['id'], 'unified_job_template': jt['id'],
                                                           'identifier': name}) for name in 'abc']
    stranger = client.create('workflow_job_template_nodes', {'workflow_job_template': other['id'], 'unified_job_template': jt['id']})

    def link(parent, child, kind='success_nodes'):
        return client.call('POST', parent['related'][kind], {'id': child['id']})[0]
    assert link(nodes[0], nodes[1]) == 204 and link(nodes[1], nodes[2]) == 204
    assert link(nodes[2], nodes[0]) == 400           # cycle
    assert link(nodes[0], nodes[0]) == 400
    assert link(nodes[0], stranger) == 400           # another workflow
    assert link(nodes[0], nodes[1], 'failure_nodes') == 400
    listed = client.call('GET', nodes[0]['related']['success_nodes'])[1]
    assert [n['identifier'] for n in listed['results']] == ['b']
    assert client.call('POST', nodes[0]['related']['success_nodes'], {'id': nodes[1]['id'], 'disassociate': True})[0] == 204
    assert client.call('GET', nodes[0]['related']['success_nodes'])[1]['count'] == 0


def test_one_credential_per_type_on_a_job_template(awx, org):
    _server, client = awx
    jt = _job_template(client, org, _project(client, org))
    machine = client.call('GET', '/api/v2/credential_types/?name=Machine')[1]['results'][0]
    one, two = (client.create('credentials', {'name': n, 'organization': org['id'], 'credential_type': machine['id']}) for n in 'AB')
    assert client.call('POST', jt['related']['credentials'], {'id': one['id']})[0] == 204
    assert client.call('POST', jt['related']['credentials'], {'id': two['id']})[0] == 400


def test_tokens_from_basic_auth(awx):
    server, client = awx
    import base64  # pylint: disable=import-outside-toplevel
    request = urllib.request.Request(client.base + '/api/v2/tokens/', method='POST', data=b'{}')
    request.add_header('Authorization', 'Basic ' + base64.b64encode(('%s:%s' % (server.username, server.password)).encode()).decode())
    request.add_header('Content-Type', 'application/json')
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.loads(response.read())
    assert Client(client.base, token['token']).call('GET', '/api/v2/me/')[0] == 200
    assert server.writes == []  # token requests are not changes
