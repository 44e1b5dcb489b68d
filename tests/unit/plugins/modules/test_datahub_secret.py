"""Unit tests of datamesh.platform.datahub_secret.

The module runs against DataHubGraphQLDouble (datahub_double.py), a hand-written protocol double of
DataHub's GraphQL endpoint (not DataHub) that checks every query and mutation against the field
names of DataHub's schema and keeps secrets in memory. No DataHub server runs in this test
environment, so there is no live test.
"""

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.datamesh.platform.plugins.module_utils import datahub as datahub_utils
from ansible_collections.datamesh.platform.plugins.modules import datahub_secret
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.datahub_double import (
    DataHubGraphQLDouble,
    GraphQLFailure,
)
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_exits

URL = 'https://datahub.example.com:8080'
TOKEN = 'eyJhbGciOiJIUzI1NiJ9.pat-for-secret-tests.c2ln'
VALUE = 'Trino-pw-4-DataHub!'
URN = 'urn:li:dataHubSecret:TRINO_PASSWORD'


@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    return patch_module_exits(monkeypatch)


def run(params, server=None, monkeypatch=None, check_mode=False, diff=False, expect=ExitJson):
    args = dict(url=URL, token=TOKEN)
    args.update(params)
    args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    if server is not None:
        monkeypatch.setattr(datahub_utils, 'open_url', server.open_url)
    with patch_module_args(args):
        with pytest.raises(expect) as raised:
            datahub_secret.main()
    return raised.value.args[0]


def secret_args(**extra):
    args = dict(name='TRINO_PASSWORD', value=VALUE, description='Password of Trino user datahub')
    args.update(extra)
    return args


def nothing_secret_in(result):
    text = json.dumps(result)
    return VALUE not in text and TOKEN not in text


def test_creates_the_secret(monkeypatch):
    server = DataHubGraphQLDouble(token=TOKEN)
    result = run(secret_args(), server, monkeypatch, diff=True)
    assert result['changed'] is True
    assert result['actions'] == ['createSecret']
    assert server.operations == ['listSecrets', 'listSecrets', 'createSecret']
    assert server.requests[0]['variables'] == {'input': {'start': 0, 'count': 100, 'query': 'TRINO_PASSWORD'}}
    assert server.variables_of('createSecret') == {'input': {'name': 'TRINO_PASSWORD', 'value': VALUE,
                                                             'description': 'Password of Trino user datahub'}}
    assert server.secrets[URN]['value'] == VALUE
    assert result['urn'] == URN
    assert result['secret'] == {'name': 'TRINO_PASSWORD', 'description': 'Password of Trino user datahub'}
    assert result['diff'] == {'before': {'state': 'absent'},
                              'after': {'state': 'present', 'name': 'TRINO_PASSWORD',
                                        'description': 'Password of Trino user datahub', 'value': '******** (written)'}}
    assert nothing_secret_in(result)


def test_create_without_description_sends_none(monkeypatch):
    server = DataHubGraphQLDouble()
    run(secret_args(description=None), server, monkeypatch)
    assert server.variables_of('createSecret') == {'input': {'name': 'TRINO_PASSWORD', 'value': VALUE}}


def test_on_create_leaves_an_existing_secret_alone(monkeypatch):
    server = DataHubGraphQLDouble(secrets=[dict(name='TRINO_PASSWORD', value='old',
                                                description='Password of Trino user datahub')])
    result = run(secret_args(), server, monkeypatch, diff=True)
    assert result['changed'] is False and result['actions'] == []
    assert server.operations == ['listSecrets']
    assert server.secrets[URN]['value'] == 'old'
    assert result['urn'] == URN
    assert result['diff']['before'] == result['diff']['after']
    assert result['diff']['after']['value'] == '********'


def test_on_create_warns_about_a_description_it_cannot_change(monkeypatch, module_exits):
    server = DataHubGraphQLDouble(secrets=[dict(name='TRINO_PASSWORD', value='old', description='old text')])
    result = run(secret_args(), server, monkeypatch)
    assert result['changed'] is False and server.mutations == []
    assert module_exits == ['secret TRINO_PASSWORD has another description in DataHub; DataHub changes a description '
                            'only together with the value, so it is left as it is (use update_value: always to write '
                            'both)']


def test_always_writes_the_value_every_time(monkeypatch):
    server = DataHubGraphQLDouble(secrets=[dict(name='TRINO_PASSWORD', value='old', description='kept')])
    result = run(secret_args(update_value='always', description=None), server, monkeypatch, diff=True)
    assert result['changed'] is True and result['actions'] == ['updateSecret']
    assert server.variables_of('updateSecret') == {'input': {'urn': URN, 'name': 'TRINO_PASSWORD', 'value': VALUE,
                                                             'description': 'kept'}}
    assert server.secrets[URN] == {'urn': URN, 'name': 'TRINO_PASSWORD', 'value': VALUE, 'description': 'kept'}
    assert result['diff']['before']['value'] == '********'
    assert result['diff']['after']['value'] == '******** (written)'
    assert nothing_secret_in(result)
    again = run(secret_args(update_value='always'), server, monkeypatch)
    assert again['changed'] is True
    assert server.secrets[URN]['description'] == 'Password of Trino user datahub'


def test_check_mode_writes_nothing(monkeypatch):
    server = DataHubGraphQLDouble()
    result = run(secret_args(), server, monkeypatch, check_mode=True)
    assert result['changed'] is True and result['actions'] == ['createSecret']
    assert result['urn'] is None and server.mutations == [] and server.secrets == {}
    server.add_secret('TRINO_PASSWORD', value='old')
    result = run(secret_args(update_value='always'), server, monkeypatch, check_mode=True)
    assert result['changed'] is True and server.mutations == [] and server.secrets[URN]['value'] == 'old'


def test_absent_deletes_then_changes_nothing(monkeypatch):
    server = DataHubGraphQLDouble(secrets=[dict(name='TRINO_PASSWORD'), dict(name='OTHER')])
    result = run(dict(name='TRINO_PASSWORD', state='absent'), server, monkeypatch, diff=True)
    assert result['changed'] is True and result['actions'] == ['deleteSecret']
    assert server.variables_of('deleteSecret') == {'urn': URN}
    assert list(server.secrets) == ['urn:li:dataHubSecret:OTHER']
    assert result['urn'] is None and result['secret'] is None
    assert result['diff']['after'] == {'state': 'absent'}
    server.requests = []
    again = run(dict(name='TRINO_PASSWORD', state='absent'), server, monkeypatch)
    assert again['changed'] is False and server.mutations == []


def test_absent_in_check_mode(monkeypatch):
    server = DataHubGraphQLDouble(secrets=[dict(name='TRINO_PASSWORD')])
    result = run(dict(name='TRINO_PASSWORD', state='absent'), server, monkeypatch, check_mode=True)
    assert result['changed'] is True and server.mutations == [] and URN in server.secrets


def test_the_lookup_pages_and_matches_the_exact_name(monkeypatch):
    secrets = [dict(name='TRINO_PASSWORD_%d' % i) for i in range(7)]
    secrets.append(dict(name='TRINO_PASSWORD', value='old'))
    server = DataHubGraphQLDouble(page_limit=3, secrets=secrets)
    result = run(secret_args(), server, monkeypatch)
    assert result['changed'] is False and result['urn'] == URN
    starts = [r['variables']['input']['start'] for r in server.requests]
    assert starts == [0, 3, 6]


def test_a_name_datahub_cannot_resolve_is_refused(monkeypatch):
    server = DataHubGraphQLDouble()
    result = run(secret_args(name='trino-password'), server, monkeypatch, expect=FailJson)
    assert result['msg'].startswith("secret name 'trino-password': use letters, digits and underscores")
    assert server.requests == []


def test_absent_takes_any_name(monkeypatch):
    server = DataHubGraphQLDouble(secrets=[dict(name='legacy-password')])
    result = run(dict(name='legacy-password', state='absent'), server, monkeypatch)
    assert result['changed'] is True and server.secrets == {}


def test_present_needs_a_value():
    result = run(dict(name='TRINO_PASSWORD'), expect=FailJson)
    assert 'state is present but all of the following are missing: value' in result['msg']


def test_errors_name_the_operation_and_hold_neither_token_nor_value(monkeypatch):
    error = GraphQLFailure('Failed to create new secret %s with %s' % (VALUE, TOKEN))
    server = DataHubGraphQLDouble(fail={'createSecret': error})
    result = run(secret_args(), server, monkeypatch, expect=FailJson)
    assert result['msg'] == ('secret TRINO_PASSWORD: createSecret failed at %s/api/graphql: Failed to create new secret '
                             '******** with ******** (code 500)' % URL)
    assert nothing_secret_in(result)
    assert result['changed'] is False


def test_a_second_secret_of_the_same_name_is_refused_by_datahub(monkeypatch):
    """The double refuses a duplicate name as CreateSecretResolver does; the module never sends one
    because it finds the existing secret first, even when the search misses it."""
    server = DataHubGraphQLDouble(secrets=[dict(name='TRINO_PASSWORD', value='old')],
                                  search_misses={'TRINO_PASSWORD'})
    result = run(secret_args(), server, monkeypatch)
    assert result['changed'] is False and server.mutations == []
    assert server.operations == ['listSecrets', 'listSecrets']
