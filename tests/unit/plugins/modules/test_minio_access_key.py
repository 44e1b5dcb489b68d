# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Unit tests of minio_access_key against an in-memory protocol double of MinIO's admin API.

No MinIO can run on the test machines, so the module is driven against
``MinioAdminProtocolDouble``: the admin client classes of minio-py 7.2.13, 7.2.16 and 7.2.20
(each with that release's call signatures, argument checks and request bodies) in front of
``MinioServerDouble``, which keeps users, canned policies and access keys in memory and answers
like the server does (minio/minio cmd/admin-handlers-users.go, cmd/iam-store.go,
cmd/api-errors.go): JSON string results, MinioAdminException(status, JSON error body),
authentication and self-service rules, and its quirk of dropping a key's inline policy on an
update that carries none. Every call is recorded, so tests can assert which calls were made.
"""

from __future__ import annotations

import copy
import datetime
import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.datamesh.platform.plugins.module_utils import minio as minio_utils
from ansible_collections.datamesh.platform.plugins.module_utils import minio_admin
from ansible_collections.datamesh.platform.plugins.modules import minio_access_key

ROOT_USER = 'rootadmin'
ROOT_SECRET = 'root-secret-0123'
ENDPOINT = 'http://127.0.0.1:9000'

WRITE_METHODS = frozenset((
    'user_add', 'policy_add', 'policy_set', 'policy_unset', 'attach_policy', 'detach_policy',
    'add_service_account', 'update_service_account', 'delete_service_account',
))

READ_TESTE = {
    'Version': '2012-10-17',
    'Statement': [
        {'Effect': 'Allow', 'Action': ['s3:ListBucket'], 'Resource': ['arn:aws:s3:::teste']},
        {'Effect': 'Allow', 'Action': ['s3:GetObject'], 'Resource': ['arn:aws:s3:::teste/*']},
    ],
}
WRITE_TESTE = {
    'Version': '2012-10-17',
    'Statement': [{'Effect': 'Allow', 'Action': ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
                   'Resource': ['arn:aws:s3:::teste/*']}],
}


# ====================================================================== the protocol double

class MinioAdminExceptionDouble(Exception):
    """Same shape as minio.error.MinioAdminException: (code, body) kept as _code/_body."""

    def __init__(self, code, body):
        self._code = code
        self._body = body
        super().__init__('admin request failed; Status: %s, Body: %s' % (code, body))


class TransportErrorDouble(OSError):
    """Stands for urllib3's MaxRetryError/NewConnectionError."""


class StaticProviderDouble:
    """minio.credentials.StaticProvider(access_key, secret_key, session_token=None)."""

    def __init__(self, access_key, secret_key, session_token=None):
        self.access_key = access_key
        self.secret_key = secret_key
        self.session_token = session_token

    def retrieve(self):
        return self


def _error(status, code, message):
    body = json.dumps({'Code': code, 'Message': message, 'Resource': '/minio/admin/v3/',
                       'RequestId': '180A1B2C3D4E5F60', 'HostId': 'dd9025ba'})
    return MinioAdminExceptionDouble(str(status), body)


def _normalized(document):
    """What MinIO stores and returns for a policy: Statement always a list, Action and Resource
    always lists (minio/pkg policy marshalling)."""
    doc = copy.deepcopy(document)
    statements = doc.get('Statement', [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        for field in ('Action', 'Resource', 'NotAction', 'NotResource'):
            if isinstance(statement.get(field), str):
                statement[field] = [statement[field]]
    doc['Statement'] = statements
    return doc


class MinioServerDouble:
    """Users, canned policies and access keys of one MinIO server, in memory."""

    def __init__(self):
        self.users = {}      # name -> {'secret', 'status', 'policies'}
        self.policies = {'readwrite': {'Version': '2012-10-17', 'Statement': [
            {'Effect': 'Allow', 'Action': ['s3:*'], 'Resource': ['arn:aws:s3:::*']}]},
            'consoleAdmin': {'Version': '2012-10-17', 'Statement': [
                {'Effect': 'Allow', 'Action': ['admin:*'], 'Resource': ['arn:aws:s3:::*']}]}}
        self.accounts = {}   # access key -> {'parent', 'secret', 'status', 'policy', 'description', 'expiration'}
        self.calls = []      # (identity, method, arguments)
        self.reachable = True
        self.is_minio = True

    # ---------------------------------------------------------------- seeding
    def add_user(self, name, secret, policies=(), status='enabled'):
        self.users[name] = {'secret': secret, 'status': status, 'policies': list(policies)}

    def add_account(self, access_key, parent, secret, policy=None, status='on', description='',
                    expiration=None):
        self.accounts[access_key] = {'parent': parent, 'secret': secret, 'status': status,
                                     'policy': _normalized(policy) if policy else None,
                                     'description': description, 'expiration': expiration}

    def write_calls(self):
        return [call for call in self.calls if call[1] in WRITE_METHODS]

    # ---------------------------------------------------------------- authentication
    def authenticate(self, credentials):
        if not self.reachable:
            raise TransportErrorDouble("HTTPConnectionPool(host='127.0.0.1', port=9000): Max retries exceeded "
                                       "(Caused by NewConnectionError: Connection refused)")
        if not self.is_minio:
            raise MinioAdminExceptionDouble('404', '<?xml version="1.0" encoding="UTF-8"?><Error>'
                                                   '<Code>NoSuchBucket</Code><BucketName>minio</BucketName></Error>')
        key, secret = credentials.access_key, credentials.secret_key
        if key == ROOT_USER:
            entry = {'secret': ROOT_SECRET, 'status': 'enabled'}
        elif key in self.users:
            entry = self.users[key]
        elif key in self.accounts:
            entry = self.accounts[key]
        else:
            raise _error(403, 'InvalidAccessKeyId', 'The Access Key Id you provided does not exist in our records.')
        if entry['status'] in ('disabled', 'off'):
            raise _error(403, 'InvalidAccessKeyId', 'Your account is disabled; please contact your administrator.')
        if entry['secret'] != secret:
            raise _error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match '
                                                       'the signature you provided.')
        return key

    def is_admin(self, who):
        return who == ROOT_USER or (who in self.users and 'consoleAdmin' in self.users[who]['policies'])

    def parent_of(self, who):
        return self.accounts[who]['parent'] if who in self.accounts else who

    def require_admin(self, who):
        if not self.is_admin(who):
            raise _error(403, 'AccessDenied', 'Access Denied.')

    # ---------------------------------------------------------------- operations
    def user_info(self, who, name):
        if who != name:
            self.require_admin(who)
        if name not in self.users:
            raise _error(404, 'XMinioAdminNoSuchUser', 'The specified user does not exist.')
        user = self.users[name]
        info = {'status': user['status']}
        if user['policies']:
            info['policyName'] = ','.join(user['policies'])
        return json.dumps(info)

    def user_add(self, who, name, secret):
        self.require_admin(who)
        if name in self.accounts or name == ROOT_USER:
            raise _error(403, 'XMinioInvalidIAMCredentials', 'Credential is not allowed to be same as admin access key')
        if not 8 <= len(secret) <= 40:
            raise _error(400, 'XMinioAdminInvalidSecretKey', 'The secret key is invalid.')
        entry = self.users.setdefault(name, {'status': 'enabled', 'policies': []})
        entry['secret'] = secret
        return ''

    def policy_info(self, who, name):
        self.require_admin(who)
        if name not in self.policies:
            raise _error(404, 'XMinioAdminNoSuchPolicy', 'The canned policy does not exist.')
        return json.dumps(self.policies[name], indent=1)

    def policy_add(self, who, name, body):
        self.require_admin(who)
        self.policies[name] = _normalized(json.loads(body))
        return ''

    def _require_user(self, name):
        if name not in self.users:
            raise _error(404, 'XMinioAdminNoSuchUser', 'The specified user does not exist.')

    def _require_policies(self, names):
        for name in names:
            if name not in self.policies:
                raise _error(404, 'XMinioAdminNoSuchPolicy', 'The canned policy does not exist.')

    def policy_set(self, who, policy_names, user):
        self.require_admin(who)
        self._require_user(user)
        names = [n for n in policy_names.split(',') if n]
        self._require_policies(names)
        self.users[user]['policies'] = names
        return ''

    def attach_detach(self, who, attach, policies, user):
        self.require_admin(who)
        self._require_user(user)
        current = self.users[user]['policies']
        if attach:
            change = [p for p in policies if p not in current]
            self._require_policies(change)
            new = current + change
        else:
            change = [p for p in policies if p in current]
            new = [p for p in current if p not in change]
        if not change:
            raise _error(400, 'XMinioAdminPolicyChangeAlreadyApplied', 'The specified policy change is already in effect.')
        self.users[user]['policies'] = new
        key = 'policiesAttached' if attach else 'policiesDetached'
        return json.dumps({key: change, 'updatedAt': '2026-11-24T09:00:00Z'})

    def add_service_account(self, who, data):
        parent = self.parent_of(who)
        access_key, secret = data.get('accessKey'), data.get('secretKey')
        if not access_key or not 3 <= len(access_key) <= 20 or set('=,') & set(access_key):
            raise _error(400, 'XMinioAdminInvalidAccessKey', 'The access key is invalid.')
        if not 8 <= len(secret) <= 40:
            raise _error(400, 'XMinioAdminInvalidSecretKey', 'The secret key is invalid.')
        if access_key == ROOT_USER:
            raise _error(403, 'XMinioInvalidIAMCredentials', 'Credential is not allowed to be same as admin access key')
        # cmd/iam.go IAMSys.NewServiceAccount: a key named like its parent user is refused.
        if access_key == parent:
            raise _error(403, 'XMinioIAMActionNotAllowed', 'Specified IAM action is not allowed')
        # cmd/iam-store.go IAMStoreSys.AddServiceAccount: the name of any existing identity is taken
        # (a user's own parent is empty, so a user's name is "taken by another user").
        if access_key in self.users or access_key in self.accounts:
            owner = self.accounts[access_key]['parent'] if access_key in self.accounts else ''
            raise _error(400, 'XMinioIAMServiceAccountNotAllowed', 'Specified service account action is not allowed: %s'
                         % ('the service account access key already taken' if owner == parent
                            else 'the service account access key is taken by another user'))
        # The server ignores "status": new keys are always enabled.
        self.add_account(access_key, parent, secret, policy=data.get('policy'),
                         description=data.get('description', ''), expiration=data.get('expiration'))
        return json.dumps({'credentials': {'accessKey': access_key, 'secretKey': secret,
                                           'expiration': data.get('expiration') or '1970-01-01T00:00:00Z'}})

    def _account(self, access_key):
        if access_key not in self.accounts:
            raise _error(404, 'XMinioInvalidIAMCredentials', 'The specified service account is not found')
        return self.accounts[access_key]

    def get_service_account(self, who, access_key):
        account = self._account(access_key)
        if not self.is_admin(who) and self.parent_of(who) != account['parent']:
            raise _error(403, 'AccessDenied', 'Access Denied.')
        implied = account['policy'] is None
        if implied:
            parent = self.users.get(account['parent'])
            names = parent['policies'] if parent else ['consoleAdmin']
            statements = [s for n in names for s in self.policies[n]['Statement']]
            policy = {'Version': '2012-10-17', 'Statement': statements}
        else:
            policy = account['policy']
        info = {'parentUser': account['parent'], 'accountStatus': account['status'],
                'impliedPolicy': implied, 'policy': json.dumps(policy, indent=' ')}
        if account['description']:
            info['description'] = account['description']
        if account['expiration']:
            info['expiration'] = account['expiration']
        return json.dumps(info)

    def update_service_account(self, who, access_key, data):
        self.require_admin(who)
        account = self._account(access_key)
        status = data.get('newStatus')
        if status not in (None, '', 'on', 'off', 'enabled', 'disabled'):
            raise _error(500, 'InternalError', 'unknown account status value')
        if data.get('newSecretKey'):
            account['secret'] = data['newSecretKey']
        if data.get('newDescription'):
            account['description'] = data['newDescription']
        if data.get('newExpiration'):
            account['expiration'] = data['newExpiration']
        if status:
            account['status'] = {'enabled': 'on', 'disabled': 'off'}.get(status, status)
        new_policy = data.get('newPolicy')
        # cmd/iam-store.go UpdateServiceAccount: no (or an empty) policy drops the inline one.
        account['policy'] = _normalized(new_policy) if new_policy else None
        return ''

    def delete_service_account(self, who, access_key):
        self.require_admin(who)
        self._account(access_key)
        del self.accounts[access_key]
        return ''


class MinioAdminProtocolDouble:
    """Base of the per-release doubles of minio.minioadmin.MinioAdmin. Subclasses carry that
    release's exact public signatures; ``server`` is bound per test (see admin_class_for)."""

    server = None
    version = None

    def _init(self, endpoint, credentials, region, secure, cert_check, http_client):
        if not isinstance(credentials, StaticProviderDouble):
            raise ValueError('valid credentials must be provided')
        self.endpoint = endpoint
        self.credentials = credentials
        self.region = region
        self.secure = secure
        self.cert_check = cert_check
        self.http_client = http_client

    def _do(self, method, arguments, operation, *args):
        who = self.server.authenticate(self.credentials)
        self.server.calls.append((who, method, arguments))
        return getattr(self.server, operation)(who, *args)

    # -------------------------------------------------- same signature in every 7.2.x
    def user_info(self, access_key):
        return self._do('user_info', {'access_key': access_key}, 'user_info', access_key)

    def user_add(self, access_key, secret_key):
        return self._do('user_add', {'access_key': access_key}, 'user_add', access_key, secret_key)

    def policy_info(self, policy_name):
        return self._do('policy_info', {'policy_name': policy_name}, 'policy_info', policy_name)

    def policy_set(self, policy_name, user=None, group=None):
        if not (user is not None) ^ (group is not None):
            raise ValueError('either user or group must be set')
        return self._do('policy_set', {'policy_name': policy_name, 'user': user}, 'policy_set', policy_name, user)

    def get_service_account(self, access_key):
        return self._do('get_service_account', {'access_key': access_key}, 'get_service_account', access_key)

    def delete_service_account(self, access_key):
        return self._do('delete_service_account', {'access_key': access_key}, 'delete_service_account', access_key)

    # -------------------------------------------------- helpers that build bodies like minio-py
    @staticmethod
    def _load_policy_file(policy_file):
        with open(policy_file, encoding='utf-8') as handle:
            return json.load(handle)

    def _add_sa(self, access_key, secret_key, name, description, policy, policy_file, expiration, status):
        if (access_key is None) ^ (secret_key is None):
            raise ValueError('both access key and secret key must be provided')
        if access_key == '' or secret_key == '':
            raise ValueError('access key or secret key must not be empty')
        if policy_file is not None and policy is not None:
            raise ValueError('either policy_file or policy must be provided')
        data = {'status': 'enabled', 'accessKey': access_key, 'secretKey': secret_key}
        if name:
            data['name'] = name
        if description:
            data['description'] = description
        if policy_file:
            data['policy'] = self._load_policy_file(policy_file)
        if policy:
            data['policy'] = policy
        if expiration:
            data['expiration'] = expiration
        if status:
            data['status'] = status
        shown = {k: v for k, v in data.items() if k != 'secretKey'}
        shown['via'] = 'policy_file' if policy_file else ('policy' if policy else None)
        return self._do('add_service_account', shown, 'add_service_account', data)

    def _update_sa(self, access_key, secret_key, name, description, policy, policy_file, expiration, status):
        if not any((secret_key, name, description, policy_file, policy, expiration, status)):
            raise ValueError('at least one of secret_key, name, description, policy_file, policy, expiration '
                             'or status must be specified')
        if policy_file is not None and policy is not None:
            raise ValueError('either policy_file or policy must be provided')
        data = {}
        if secret_key:
            data['newSecretKey'] = secret_key
        if name:
            data['newName'] = name
        if description:
            data['newDescription'] = description
        if policy_file:
            data['newPolicy'] = self._load_policy_file(policy_file)
        if policy:
            data['newPolicy'] = policy
        if expiration:
            data['newExpiration'] = expiration
        if status:
            data['newStatus'] = status
        shown = {k: v for k, v in data.items() if k != 'newSecretKey'}
        shown['secret_changed'] = 'newSecretKey' in data
        shown['via'] = 'policy_file' if policy_file else ('policy' if policy else None)
        return self._do('update_service_account', dict(shown, access_key=access_key),
                        'update_service_account', access_key, data)

    def _attach_detach(self, method, attach, policies, user, group):
        if not (user is not None) ^ (group is not None):
            raise ValueError('either user or group must be set')
        return self._do(method, {'policies': list(policies), 'user': user}, 'attach_detach', attach, list(policies), user)


class MinioAdmin_7_2_13(MinioAdminProtocolDouble):   # noqa: N801 (release in the name)
    """7.2.13: positional constructor, policy_file only, no attach_policy/detach_policy;
    policy_unset posts to idp/builtin/policy/detach itself."""

    version = '7.2.13'

    def __init__(self, endpoint, credentials, region='', secure=True, cert_check=True, http_client=None):
        self._init(endpoint, credentials, region, secure, cert_check, http_client)

    def policy_add(self, policy_name, policy_file):
        with open(policy_file, encoding='utf-8') as handle:
            body = handle.read()
        return self._do('policy_add', {'policy_name': policy_name, 'via': 'policy_file'}, 'policy_add',
                        policy_name, body)

    def policy_unset(self, policy_name, user=None, group=None):
        names = policy_name if isinstance(policy_name, list) else [policy_name]
        return self._attach_detach('policy_unset', False, names, user, group)

    def add_service_account(self, access_key=None, secret_key=None, name=None, description=None,
                            policy_file=None, expiration=None, status=None):
        return self._add_sa(access_key, secret_key, name, description, None, policy_file, expiration, status)

    def update_service_account(self, access_key, secret_key=None, name=None, description=None,
                               policy_file=None, expiration=None, status=None):
        return self._update_sa(access_key, secret_key, name, description, None, policy_file, expiration, status)


class MinioAdmin_7_2_16(MinioAdmin_7_2_13):   # noqa: N801
    """7.2.16: as 7.2.13 plus attach_policy/detach_policy (from 7.2.14); policy_unset detaches."""

    version = '7.2.16'

    def attach_policy(self, policies, user=None, group=None):
        return self._attach_detach('attach_policy', True, policies, user, group)

    def detach_policy(self, policies, user=None, group=None):
        return self._attach_detach('detach_policy', False, policies, user, group)

    def policy_unset(self, policy_name, user=None, group=None):
        return self.detach_policy(policy_name if isinstance(policy_name, list) else [policy_name], user, group)


class MinioAdmin_7_2_20(MinioAdmin_7_2_16):   # noqa: N801
    """7.2.20: keyword-only constructor and service-account calls, `policy` dicts (from 7.2.17)."""

    version = '7.2.20'

    def __init__(self, *, endpoint, credentials, region='', secure=True, cert_check=True, http_client=None):
        # pylint: disable=super-init-not-called
        self._init(endpoint, credentials, region, secure, cert_check, http_client)

    def policy_add(self, policy_name, policy_file=None, policy=None):
        if not (policy_file is not None) ^ (policy is not None):
            raise ValueError('either policy_file or policy must be provided')
        if policy_file:
            with open(policy_file, encoding='utf-8') as handle:
                body = handle.read()
        else:
            body = json.dumps(policy)
        return self._do('policy_add', {'policy_name': policy_name, 'via': 'policy_file' if policy_file else 'policy'},
                        'policy_add', policy_name, body)

    def add_service_account(self, *, access_key=None, secret_key=None, name=None, description=None,
                            policy=None, policy_file=None, expiration=None, status=None):
        return self._add_sa(access_key, secret_key, name, description, policy, policy_file, expiration, status)

    def update_service_account(self, *, access_key, secret_key=None, name=None, description=None,
                               policy_file=None, policy=None, expiration=None, status=None):
        return self._update_sa(access_key, secret_key, name, description, policy, policy_file, expiration, status)


RELEASES = {'7.2.13': MinioAdmin_7_2_13, '7.2.16': MinioAdmin_7_2_16, '7.2.20': MinioAdmin_7_2_20}


def admin_class_for(server, release):
    base = RELEASES[release]
    return type('MinioAdmin', (base,), {'server': server})


def make_backend(server, release='7.2.20'):
    return minio_admin.Backend(admin_class_for(server, release), StaticProviderDouble, MinioAdminExceptionDouble,
                               (TransportErrorDouble,), release, lambda validate, ca: ('pool', validate, ca))


# ====================================================================== running the module

@pytest.fixture
def server():
    return MinioServerDouble()


def run(server, capsys, monkeypatch, release='7.2.20', check_mode=False, diff=True, **params):
    """Runs the module's main() against the double; returns (failed, result)."""
    args = dict(endpoint_url=ENDPOINT, access_key=ROOT_USER, secret_key=ROOT_SECRET,
                _ansible_check_mode=check_mode, _ansible_diff=diff)
    args.update(params)
    monkeypatch.setattr(minio_admin, 'load_backend', lambda module: make_backend(server, release))
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            minio_access_key.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    assert exit_info.value.code == (1 if result.get('failed') else 0)
    return result


def ok(server, capsys, monkeypatch, **params):
    result = run(server, capsys, monkeypatch, **params)
    assert not result.get('failed'), result.get('msg')
    return result


def warning_text(result):
    """The warnings' messages (ansible-core 2.19+ returns them as structured events)."""
    messages = []
    for warning in result.get('warnings', []):
        if isinstance(warning, dict):
            warning = warning.get('event', {}).get('msg', json.dumps(warning))
        messages.append(warning)
    return ' | '.join(messages)


def failed(server, capsys, monkeypatch, **params):
    result = run(server, capsys, monkeypatch, **params)
    assert result.get('failed'), result
    return result


# ====================================================================== creation

def test_create_key_for_new_user_with_given_secrets(server, capsys, monkeypatch):
    result = ok(server, capsys, monkeypatch, user='trino', user_secret_key='trino-user-secret',
                key_access_key='trino-teste', key_secret_key='trino-teste-secret', policy=READ_TESTE,
                description='Trino on teste')

    assert result['changed'] is True
    assert result['actions'] == ['user_add trino', 'add_service_account trino-teste (parent: trino)']
    assert server.users['trino']['secret'] == 'trino-user-secret'
    account = server.accounts['trino-teste']
    assert account['parent'] == 'trino'
    assert account['secret'] == 'trino-teste-secret'
    assert account['description'] == 'Trino on teste'
    assert minio_utils.json_equal(account['policy'], READ_TESTE)
    # The key was created authenticated as the user (parent = user), not as the admin.
    creator = [who for who, method, dummy in server.calls if method == 'add_service_account']
    assert creator == ['trino']
    assert 'generated_key_secret_key' not in result and 'generated_user_secret_key' not in result
    assert result['key'] == {'parent_user': 'trino', 'status': 'enabled', 'description': 'Trino on teste',
                             'expiration': None, 'policy': READ_TESTE}
    assert result['user'] == {'name': 'trino', 'created': True, 'policies': []}
    # Secrets given as options are masked wherever they would appear.
    assert 'trino-user-secret' not in json.dumps(result)


def test_generated_secrets_are_returned_once_with_a_warning(server, capsys, monkeypatch):
    first = ok(server, capsys, monkeypatch, user='spark', key_access_key='spark-key')

    key_secret = first['generated_key_secret_key']
    user_secret = first['generated_user_secret_key']
    assert len(key_secret) == 40 and key_secret.isalnum()
    assert len(user_secret) == 40 and key_secret != user_secret
    assert server.accounts['spark-key']['secret'] == key_secret
    assert server.users['spark']['secret'] == user_secret
    warnings = warning_text(first)
    assert 'generated_key_secret_key' in warnings and 'generated_user_secret_key' in warnings
    assert key_secret not in warnings and user_secret not in warnings

    second = ok(server, capsys, monkeypatch, user='spark', key_access_key='spark-key')
    assert second['changed'] is False
    assert 'generated_key_secret_key' not in second and 'generated_user_secret_key' not in second
    assert server.accounts['spark-key']['secret'] == key_secret


def test_key_without_user_belongs_to_the_admin_identity(server, capsys, monkeypatch):
    result = ok(server, capsys, monkeypatch, key_access_key='backup', key_secret_key='backup-secret-1')

    assert server.accounts['backup']['parent'] == ROOT_USER
    assert result['actions'] == ['add_service_account backup (parent: %s)' % ROOT_USER]
    assert 'user' not in result


def test_existing_user_needs_its_secret_to_get_a_new_key(server, capsys, monkeypatch):
    server.add_user('trino', 'trino-user-secret')

    result = failed(server, capsys, monkeypatch, user='trino', key_access_key='trino-teste',
                    key_secret_key='trino-teste-secret')

    assert 'needs user_secret_key' in result['msg']
    assert 'mc admin accesskey create' in result['msg']
    assert server.write_calls() == []

    with_policy = failed(server, capsys, monkeypatch, user='trino', key_access_key='trino-teste',
                         policies=['p-new'], policy_documents={'p-new': WRITE_TESTE})
    assert 'needs user_secret_key' in with_policy['msg']
    assert server.write_calls() == [] and 'p-new' not in server.policies


def test_wrong_user_secret_is_reported_before_any_write(server, capsys, monkeypatch):
    server.add_user('trino', 'trino-user-secret')

    result = failed(server, capsys, monkeypatch, user='trino', user_secret_key='not-the-secret',
                    key_access_key='trino-teste', key_secret_key='trino-teste-secret')

    assert "user_secret_key is not the secret of user 'trino'" in result['msg']
    assert 'SignatureDoesNotMatch' in result['msg']
    assert server.write_calls() == []


def test_existing_user_with_its_secret_gets_the_key_and_keeps_its_secret(server, capsys, monkeypatch):
    server.add_user('trino', 'trino-user-secret', policies=['readwrite'])

    result = ok(server, capsys, monkeypatch, user='trino', user_secret_key='trino-user-secret',
                key_access_key='trino-teste', key_secret_key='trino-teste-secret')

    assert result['actions'] == ['add_service_account trino-teste (parent: trino)']
    assert server.users['trino']['secret'] == 'trino-user-secret'
    assert server.users['trino']['policies'] == ['readwrite']    # policies not managed: untouched
    assert result['user'] == {'name': 'trino', 'created': False, 'policies': ['readwrite']}


def test_create_disabled_key_keeps_its_inline_policy(server, capsys, monkeypatch):
    result = ok(server, capsys, monkeypatch, key_access_key='cold', key_secret_key='cold-secret-1',
                policy=READ_TESTE, status='disabled')

    account = server.accounts['cold']
    assert account['status'] == 'off'
    assert minio_utils.json_equal(account['policy'], READ_TESTE)
    assert result['actions'] == ['add_service_account cold (parent: %s)' % ROOT_USER,
                                 'update_service_account cold (status, policy unchanged, re-sent)']


# ====================================================================== idempotence and updates

def seed_key(server, **overrides):
    server.add_user('trino', 'trino-user-secret', policies=['teste-read'])
    server.policies['teste-read'] = _normalized(READ_TESTE)
    params = dict(parent='trino', secret='trino-teste-secret', policy=READ_TESTE, description='Trino on teste')
    params.update(overrides)
    server.add_account('trino-teste', **params)


def test_second_run_is_a_no_op(server, capsys, monkeypatch):
    params = dict(user='trino', user_secret_key='trino-user-secret', key_access_key='trino-teste',
                  key_secret_key='trino-teste-secret', policy=READ_TESTE, policies=['teste-read'],
                  policy_documents={'teste-read': READ_TESTE}, description='Trino on teste',
                  expiration='2030-01-31T00:00:00Z')
    first = ok(server, capsys, monkeypatch, **params)
    assert first['changed'] is True
    calls_after_first = len(server.write_calls())

    second = ok(server, capsys, monkeypatch, **params)

    assert second['changed'] is False
    assert second['actions'] == []
    assert len(server.write_calls()) == calls_after_first
    assert second['diff']['before'] == second['diff']['after']


def test_policy_with_reordered_statements_and_scalar_values_is_unchanged(server, capsys, monkeypatch):
    seed_key(server)
    reordered = {'Statement': [
        {'Resource': 'arn:aws:s3:::teste/*', 'Action': 's3:GetObject', 'Effect': 'Allow'},
        {'Effect': 'Allow', 'Action': 's3:ListBucket', 'Resource': ['arn:aws:s3:::teste']},
    ], 'Version': '2012-10-17'}

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', policy=json.dumps(reordered))

    assert result['changed'] is False
    assert server.write_calls() == []


def test_policy_change_is_detected_and_applied(server, capsys, monkeypatch):
    seed_key(server)

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', policy=WRITE_TESTE)

    assert result['changed'] is True
    assert result['actions'] == ['update_service_account trino-teste (policy)']
    assert minio_utils.json_equal(server.accounts['trino-teste']['policy'], WRITE_TESTE)
    assert minio_utils.json_equal(result['diff']['before']['key']['policy'], READ_TESTE)
    assert result['diff']['after']['key']['policy'] == WRITE_TESTE


def test_empty_policy_removes_the_inline_policy(server, capsys, monkeypatch):
    seed_key(server)

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', policy={})

    assert server.accounts['trino-teste']['policy'] is None
    assert result['key']['policy'] is None
    again = ok(server, capsys, monkeypatch, key_access_key='trino-teste', policy='{}')
    assert again['changed'] is False


def test_status_change_keeps_the_inline_policy(server, capsys, monkeypatch):
    """MinIO drops the inline policy on an update without one; the module re-sends it."""
    seed_key(server)

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', status='disabled')

    assert result['actions'] == ['update_service_account trino-teste (status, policy unchanged, re-sent)']
    assert server.accounts['trino-teste']['status'] == 'off'
    assert minio_utils.json_equal(server.accounts['trino-teste']['policy'], READ_TESTE)
    assert result['diff']['before']['key']['status'] == 'enabled'
    assert result['diff']['after']['key']['status'] == 'disabled'

    enabled = ok(server, capsys, monkeypatch, key_access_key='trino-teste', status='enabled')
    assert enabled['changed'] is True and server.accounts['trino-teste']['status'] == 'on'


def test_description_change(server, capsys, monkeypatch):
    seed_key(server)

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', description='Trino, read only')

    assert result['actions'] == ['update_service_account trino-teste (description, policy unchanged, re-sent)']
    assert server.accounts['trino-teste']['description'] == 'Trino, read only'
    assert minio_utils.json_equal(server.accounts['trino-teste']['policy'], READ_TESTE)
    assert result['diff']['before']['key']['description'] == 'Trino on teste'
    assert result['diff']['after']['key']['description'] == 'Trino, read only'


def test_description_of_a_key_without_inline_policy_sends_no_policy(server, capsys, monkeypatch):
    seed_key(server, policy=None)

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', description='other')

    assert result['actions'] == ['update_service_account trino-teste (description)']
    update = [args for dummy, method, args in server.calls if method == 'update_service_account']
    assert 'newPolicy' not in update[0]


def test_expiration_is_compared_as_a_time(server, capsys, monkeypatch):
    seed_key(server, expiration='2030-01-31T00:00:00Z')

    same = ok(server, capsys, monkeypatch, key_access_key='trino-teste', expiration='2030-01-31T01:00:00+01:00')
    assert same['changed'] is False

    later = ok(server, capsys, monkeypatch, key_access_key='trino-teste', expiration='2030-06-30 12:00:00')
    assert later['actions'] == ['update_service_account trino-teste (expiration, policy unchanged, re-sent)']
    assert server.accounts['trino-teste']['expiration'] == '2030-06-30T12:00:00Z'


def test_update_secret_always_rotates_only_a_different_secret(server, capsys, monkeypatch):
    seed_key(server)

    same = ok(server, capsys, monkeypatch, key_access_key='trino-teste', key_secret_key='trino-teste-secret',
              update_secret='always')
    assert same['changed'] is False
    assert server.write_calls() == []

    rotated = ok(server, capsys, monkeypatch, key_access_key='trino-teste', key_secret_key='rotated-secret-2',
                 update_secret='always')
    assert rotated['actions'] == ['update_service_account trino-teste (secret_key, policy unchanged, re-sent)']
    assert server.accounts['trino-teste']['secret'] == 'rotated-secret-2'
    assert 'rotated-secret-2' not in json.dumps(rotated)


def test_update_secret_on_create_leaves_an_existing_secret(server, capsys, monkeypatch):
    seed_key(server)

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', key_secret_key='another-secret-3')

    assert result['changed'] is False
    assert server.accounts['trino-teste']['secret'] == 'trino-teste-secret'


def test_secret_of_a_disabled_key_cannot_be_checked_and_is_set_with_a_warning(server, capsys, monkeypatch):
    seed_key(server, status='off')

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', key_secret_key='trino-teste-secret',
                update_secret='always', status='disabled')

    assert result['changed'] is True
    assert 'cannot be checked' in warning_text(result)


def test_secret_check_denied_by_policy_still_proves_the_secret(server, capsys, monkeypatch):
    """AccessDenied comes after the signature check: the secret is right, nothing to update."""
    seed_key(server)
    real = server.get_service_account

    def deny_keys(who, access_key):
        if who in server.accounts:
            raise _error(403, 'AccessDenied', 'Access Denied.')
        return real(who, access_key)
    monkeypatch.setattr(server, 'get_service_account', deny_keys)

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', key_secret_key='trino-teste-secret',
                update_secret='always')

    assert result['changed'] is False
    assert server.write_calls() == []


def test_disabled_parent_user_is_warned_about(server, capsys, monkeypatch):
    seed_key(server)
    server.users['trino']['status'] = 'disabled'

    result = ok(server, capsys, monkeypatch, user='trino', key_access_key='trino-teste')

    assert result['changed'] is False
    assert "user 'trino' is disabled" in warning_text(result)


def test_key_of_another_user_is_not_taken_over(server, capsys, monkeypatch):
    seed_key(server)
    server.add_user('spark', 'spark-user-secret')

    result = failed(server, capsys, monkeypatch, user='spark', user_secret_key='spark-user-secret',
                    key_access_key='trino-teste', policy=WRITE_TESTE)

    assert "belongs to user 'trino', not 'spark'" in result['msg']
    assert server.write_calls() == []


def test_refusals_come_before_any_write(server, capsys, monkeypatch):
    """A key of another user is found before the new user or its policy would be created."""
    seed_key(server)

    result = failed(server, capsys, monkeypatch, user='newcomer', key_access_key='trino-teste',
                    policies=['p-new'], policy_documents={'p-new': WRITE_TESTE})

    assert "belongs to user 'trino', not 'newcomer'" in result['msg']
    assert result['actions'] == []
    assert server.write_calls() == [] and 'newcomer' not in server.users and 'p-new' not in server.policies


# ====================================================================== named policies

def test_policies_are_created_and_attached(server, capsys, monkeypatch):
    result = ok(server, capsys, monkeypatch, user='trino', user_secret_key='trino-user-secret',
                key_access_key='trino-teste', key_secret_key='trino-teste-secret',
                policies=['teste-read', 'readwrite'], policy_documents={'teste-read': json.dumps(READ_TESTE)})

    assert result['actions'] == ['policy_add teste-read', 'user_add trino',
                                 'attach_policy readwrite,teste-read to user trino',
                                 'add_service_account trino-teste (parent: trino)']
    assert sorted(server.users['trino']['policies']) == ['readwrite', 'teste-read']
    assert result['user']['policies'] == ['readwrite', 'teste-read']
    assert result['diff']['after']['policy_documents'] == {'teste-read': READ_TESTE}
    assert result['diff']['before']['policy_documents'] == {'teste-read': None}


def test_policy_document_change_is_detected_semantically(server, capsys, monkeypatch):
    server.policies['teste-read'] = _normalized(READ_TESTE)
    reordered = dict(READ_TESTE, Statement=list(reversed(READ_TESTE['Statement'])))

    same = ok(server, capsys, monkeypatch, key_access_key='k-admin', key_secret_key='k-admin-secret',
              policy_documents={'teste-read': reordered})
    assert 'policy_add teste-read' not in same['actions']

    changed = ok(server, capsys, monkeypatch, key_access_key='k-admin', policy_documents={'teste-read': WRITE_TESTE})
    assert changed['actions'] == ['policy_add teste-read']
    assert minio_utils.json_equal(server.policies['teste-read'], WRITE_TESTE)


def test_unlisted_policies_are_detached_unless_appending(server, capsys, monkeypatch):
    seed_key(server)
    server.users['trino']['policies'] = ['teste-read', 'readwrite']

    appended = ok(server, capsys, monkeypatch, user='trino', key_access_key='trino-teste', policies=['teste-read'],
                  append_policies=True)
    assert appended['changed'] is False

    exact = ok(server, capsys, monkeypatch, user='trino', key_access_key='trino-teste', policies=['teste-read'])
    assert exact['actions'] == ['detach_policy readwrite from user trino']
    assert server.users['trino']['policies'] == ['teste-read']
    assert exact['diff']['before']['user']['policies'] == ['readwrite', 'teste-read']
    assert exact['diff']['after']['user']['policies'] == ['teste-read']


def test_unknown_named_policy_fails_before_any_write(server, capsys, monkeypatch):
    result = failed(server, capsys, monkeypatch, user='trino', user_secret_key='trino-user-secret',
                    key_access_key='trino-teste', policies=['no-such-policy'])

    assert "unknown named policy 'no-such-policy'" in result['msg']
    assert server.write_calls() == []


# ====================================================================== check mode and diff

def test_check_mode_makes_no_write_call_and_predicts_everything(server, capsys, monkeypatch):
    result = ok(server, capsys, monkeypatch, check_mode=True, user='trino', key_access_key='trino-teste',
                policies=['teste-read'], policy_documents={'teste-read': READ_TESTE}, policy=READ_TESTE,
                status='disabled', description='Trino on teste')

    assert server.write_calls() == []
    assert server.users == {} and server.accounts == {} and 'teste-read' not in server.policies
    assert result['changed'] is True
    assert result['actions'] == ['policy_add teste-read', 'user_add trino',
                                 'attach_policy teste-read to user trino',
                                 'add_service_account trino-teste (parent: trino)',
                                 'update_service_account trino-teste (status, policy unchanged, re-sent)']
    assert 'generated_key_secret_key' not in result and 'generated_user_secret_key' not in result
    assert result['diff']['before']['key'] == {}
    assert result['diff']['after']['key']['status'] == 'disabled'


def test_check_mode_on_existing_key_reads_only(server, capsys, monkeypatch):
    seed_key(server)

    result = ok(server, capsys, monkeypatch, check_mode=True, key_access_key='trino-teste', policy=WRITE_TESTE,
                key_secret_key='rotated-secret-2', update_secret='always')

    assert result['changed'] is True
    assert server.write_calls() == []
    assert server.accounts['trino-teste']['secret'] == 'trino-teste-secret'
    assert result['actions'] == ['update_service_account trino-teste (secret_key, policy)']


def test_check_mode_delete_makes_no_write_call(server, capsys, monkeypatch):
    seed_key(server)

    result = ok(server, capsys, monkeypatch, check_mode=True, key_access_key='trino-teste', state='absent')

    assert result['changed'] is True
    assert 'trino-teste' in server.accounts
    assert server.write_calls() == []


def test_diff_holds_no_secret(server, capsys, monkeypatch):
    result = ok(server, capsys, monkeypatch, user='trino', user_secret_key='trino-user-secret',
                key_access_key='trino-teste', key_secret_key='trino-teste-secret', policy=READ_TESTE)

    diff = result['diff']
    assert diff['before'] == {'user': {'name': 'trino', 'exists': False, 'policies': []}, 'key': {}}
    assert diff['after'] == {'user': {'name': 'trino', 'exists': True, 'policies': []},
                             'key': {'parent_user': 'trino', 'status': 'enabled', 'description': '',
                                     'expiration': None, 'policy': READ_TESTE}}
    text = json.dumps(diff)
    assert 'secret' not in text.lower()


def test_no_diff_without_diff_mode(server, capsys, monkeypatch):
    result = ok(server, capsys, monkeypatch, diff=False, key_access_key='backup', key_secret_key='backup-secret-1')
    assert 'diff' not in result


# ====================================================================== deletion

def test_delete_and_delete_again(server, capsys, monkeypatch):
    seed_key(server)

    result = ok(server, capsys, monkeypatch, key_access_key='trino-teste', state='absent')

    assert result['actions'] == ['delete_service_account trino-teste']
    assert 'trino-teste' not in server.accounts
    assert 'trino' in server.users                  # the parent user stays
    assert result['diff']['after'] == {'key': {}}
    assert result['key'] == {}

    again = ok(server, capsys, monkeypatch, key_access_key='trino-teste', state='absent')
    assert again['changed'] is False and again['actions'] == []


def test_delete_refuses_a_key_of_another_user(server, capsys, monkeypatch):
    seed_key(server)

    result = failed(server, capsys, monkeypatch, user='spark', key_access_key='trino-teste', state='absent')

    assert "belongs to user 'trino'" in result['msg']
    assert 'trino-teste' in server.accounts


# ====================================================================== version compatibility

@pytest.mark.parametrize('release, attach_action', [
    ('7.2.13', 'policy_set readwrite,teste-read on user trino'),   # no attach_policy before 7.2.14
    ('7.2.16', 'attach_policy teste-read to user trino'),
    ('7.2.20', 'attach_policy teste-read to user trino'),
])
def test_same_result_on_each_release(server, capsys, monkeypatch, release, attach_action):
    server.add_user('trino', 'trino-user-secret', policies=['readwrite'])
    params = dict(release=release, user='trino', user_secret_key='trino-user-secret', key_access_key='trino-teste',
                  key_secret_key='trino-teste-secret', policy=READ_TESTE, policies=['teste-read', 'readwrite'],
                  policy_documents={'teste-read': READ_TESTE}, status='disabled')

    result = ok(server, capsys, monkeypatch, **params)

    assert result['actions'] == ['policy_add teste-read', attach_action,
                                 'add_service_account trino-teste (parent: trino)',
                                 'update_service_account trino-teste (status, policy unchanged, re-sent)']
    assert sorted(server.users['trino']['policies']) == ['readwrite', 'teste-read']
    account = server.accounts['trino-teste']
    assert account['parent'] == 'trino' and account['status'] == 'off'
    assert minio_utils.json_equal(account['policy'], READ_TESTE)
    via = {method: args.get('via') for dummy, method, args in server.calls if 'via' in args}
    expected_via = 'policy' if release == '7.2.20' else 'policy_file'
    assert via == {'policy_add': expected_via, 'add_service_account': expected_via,
                   'update_service_account': expected_via}

    again = ok(server, capsys, monkeypatch, **params)
    assert again['changed'] is False


@pytest.mark.parametrize('release', sorted(RELEASES))
def test_detaching_the_last_policy_on_each_release(server, capsys, monkeypatch, release):
    server.add_user('trino', 'trino-user-secret', policies=['readwrite'])

    result = ok(server, capsys, monkeypatch, release=release, user='trino', key_access_key='k-trino',
                user_secret_key='trino-user-secret', key_secret_key='k-trino-secret', policies=[])

    assert server.users['trino']['policies'] == []
    expected = 'policy_unset readwrite from user trino' if release == '7.2.13' else 'detach_policy readwrite from user trino'
    assert result['actions'][0] == expected


@pytest.mark.parametrize('release', sorted(RELEASES))
def test_policy_removal_goes_through_a_file_on_each_release(server, capsys, monkeypatch, release):
    seed_key(server)

    ok(server, capsys, monkeypatch, release=release, key_access_key='trino-teste', policy={})

    update = [args for dummy, method, args in server.calls if method == 'update_service_account'][-1]
    assert update['via'] == 'policy_file' and update['newPolicy'] == {}
    assert server.accounts['trino-teste']['policy'] is None


# ====================================================================== errors

def test_wrong_admin_credentials(server, capsys, monkeypatch):
    result = failed(server, capsys, monkeypatch, secret_key='wrong-secret', key_access_key='backup')

    assert 'MinIO rejected the credentials of access_key' in result['msg']
    assert 'SignatureDoesNotMatch' in result['msg']
    assert 'wrong-secret' not in json.dumps(result)


def test_unknown_admin_access_key(server, capsys, monkeypatch):
    result = failed(server, capsys, monkeypatch, access_key='nobody', key_access_key='backup')
    assert 'InvalidAccessKeyId' in result['msg']


def test_admin_identity_without_permission(server, capsys, monkeypatch):
    server.add_user('reader', 'reader-secret-1', policies=['readwrite'])

    result = failed(server, capsys, monkeypatch, access_key='reader', secret_key='reader-secret-1',
                    user='trino', key_access_key='backup')

    assert "access_key 'reader' is not allowed to read user 'trino' (AccessDenied)" in result['msg']
    assert server.write_calls() == []


def test_non_admin_identity_can_manage_its_own_key(server, capsys, monkeypatch):
    """Like MinIO: any user may create an access key for itself (only an explicit deny stops it)."""
    server.add_user('reader', 'reader-secret-1', policies=['readwrite'])

    result = ok(server, capsys, monkeypatch, access_key='reader', secret_key='reader-secret-1',
                key_access_key='reader-key', key_secret_key='reader-key-secret')

    assert server.accounts['reader-key']['parent'] == 'reader'
    assert result['key']['parent_user'] == 'reader'


def test_unreachable_endpoint(server, capsys, monkeypatch):
    server.reachable = False

    result = failed(server, capsys, monkeypatch, key_access_key='backup')

    assert result['msg'].startswith('cannot reach the MinIO admin API at http://127.0.0.1:9000')
    assert 'Connection refused' in result['msg']


def test_endpoint_that_is_not_minio(server, capsys, monkeypatch):
    server.is_minio = False

    result = failed(server, capsys, monkeypatch, key_access_key='backup')

    assert 'is endpoint_url a MinIO server' in result['msg']


@pytest.mark.parametrize('policy, message', [
    ('{"Statement": [', 'policy is not valid JSON'),
    ('["s3:GetObject"]', 'policy must be a JSON object'),
    ({'Version': '2012-10-17'}, 'policy has no Statement'),
])
def test_invalid_inline_policy(server, capsys, monkeypatch, policy, message):
    result = failed(server, capsys, monkeypatch, key_access_key='backup', policy=policy)
    assert message in result['msg']
    assert server.calls == []


@pytest.mark.parametrize('document, message', [
    ('not json', "policy_documents['p'] is not valid JSON"),
    ({}, "policy_documents['p'] is empty"),
])
def test_invalid_policy_document(server, capsys, monkeypatch, document, message):
    result = failed(server, capsys, monkeypatch, key_access_key='backup', policy_documents={'p': document})
    assert message in result['msg']
    assert server.calls == []


@pytest.mark.parametrize('params, message', [
    (dict(expiration='next week'), 'expiration is not an ISO 8601 time'),
    (dict(expiration='1970-01-01T00:00:00Z'), 'means "no expiration"'),
    (dict(expiration='2030-13-01T00:00:00Z'), 'expiration is not a valid time (month must be in 1..12)'),
    (dict(description=''), 'description must not be empty'),
    (dict(user=ROOT_USER), 'omit user to manage a key of that identity'),
    (dict(policies=['readwrite']), 'missing parameter(s) required by \'policies\': user'),
    (dict(update_secret='always'), 'update_secret is always but all of the following are missing: key_secret_key'),
    (dict(endpoint_url='minio:9000'), 'endpoint_url must look like http(s)://host[:port]'),
    (dict(endpoint_url='http://minio:9000/admin'), 'endpoint_url must not have a path'),
])
def test_invalid_arguments(server, capsys, monkeypatch, params, message):
    result = failed(server, capsys, monkeypatch, key_access_key='backup', **params)
    assert message in result['msg']
    assert server.calls == []


def test_invalid_secret_is_explained(server, capsys, monkeypatch):
    result = failed(server, capsys, monkeypatch, key_access_key='backup', key_secret_key='short')
    assert 'XMinioAdminInvalidSecretKey' in result['msg'] and 'secret keys 8 to 40' in result['msg']


def test_key_name_taken_by_a_user(server, capsys, monkeypatch):
    server.add_user('trino', 'trino-user-secret')

    result = failed(server, capsys, monkeypatch, key_access_key='trino', key_secret_key='some-secret-4')

    assert 'XMinioIAMServiceAccountNotAllowed' in result['msg']
    assert 'may not be the name of a MinIO user' in result['msg']


@pytest.mark.parametrize('params', [
    dict(user='query-plane', user_secret_key='query-plane-user-secret', key_access_key='query-plane',
         policies=['qp-rw'], policy_documents={'qp-rw': WRITE_TESTE}),
    dict(key_access_key=ROOT_USER),
])
def test_key_named_like_its_parent_user_is_refused_before_any_write(server, capsys, monkeypatch, params):
    """MinIO refuses an access key named like its parent user (minio/minio cmd/iam.go
    NewServiceAccount: XMinioIAMActionNotAllowed). The module says so before it creates the user
    or the policy, instead of leaving them behind and failing at the key."""
    result = failed(server, capsys, monkeypatch, key_secret_key='query-plane-key-secret', **params)

    assert 'is the name of its parent user' in result['msg']
    assert 'XMinioIAMActionNotAllowed' in result['msg']
    assert result['actions'] == [] and server.write_calls() == []
    assert server.users == {} and 'qp-rw' not in server.policies


def test_failure_reports_the_actions_already_done(server, capsys, monkeypatch):
    result = failed(server, capsys, monkeypatch, user='trino', user_secret_key='trino-user-secret',
                    key_access_key='x=y', key_secret_key='some-secret-4')

    assert result['actions'] == ['user_add trino', 'add_service_account x=y (parent: trino)']
    assert 'XMinioAdminInvalidAccessKey' in result['msg']


def test_missing_minio_package(capsys, monkeypatch):
    monkeypatch.setattr(minio_utils, 'HAS_MINIO', False)
    monkeypatch.setattr(minio_utils, 'MINIO_IMPORT_ERROR', 'Traceback: No module named minio')
    with patch_module_args(dict(endpoint_url=ENDPOINT, access_key=ROOT_USER, secret_key=ROOT_SECRET,
                                key_access_key='backup')):
        with pytest.raises(SystemExit):
            minio_access_key.main()
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] is True
    assert 'Failed to import the required Python library (minio>=7.2.5)' in result['msg']


def test_minio_package_too_old(capsys, monkeypatch):
    class OldMinio:
        __version__ = '7.1.17'

    monkeypatch.setattr(minio_utils, 'HAS_MINIO', True)
    monkeypatch.setattr(minio_utils, 'minio', OldMinio, raising=False)
    with patch_module_args(dict(endpoint_url=ENDPOINT, access_key=ROOT_USER, secret_key=ROOT_SECRET,
                                key_access_key='backup')):
        with pytest.raises(SystemExit):
            minio_access_key.main()
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] is True
    assert '>= 7.2.5' in result['msg'] and '7.1.17' in result['msg']


# ====================================================================== helpers

@pytest.mark.parametrize('value, expected', [
    ('2030-01-31T00:00:00Z', '2030-01-31T00:00:00Z'),
    ('2030-01-31T00:00:00.123456789Z', '2030-01-31T00:00:00Z'),
    ('2030-01-31T02:30:00+02:30', '2030-01-31T00:00:00Z'),
    ('2030-01-30T19:00:00-0500', '2030-01-31T00:00:00Z'),
    ('2030-01-31 00:00:00', '2030-01-31T00:00:00Z'),
    ('1970-01-01T00:00:00Z', None),
    ('0001-01-01T00:00:00Z', None),
    (None, None),
])
def test_parse_time(value, expected):
    assert minio_access_key.format_time(minio_access_key.parse_time(value)) == expected


def test_parse_time_is_utc_aware():
    moment = minio_access_key.parse_time('2030-01-31T00:00:00Z')
    assert moment.tzinfo == datetime.timezone.utc


def test_policies_equal_takes_a_lone_statement_as_a_list():
    lone = {'Version': '2012-10-17', 'Statement': WRITE_TESTE['Statement'][0]}
    assert minio_access_key.policies_equal(lone, WRITE_TESTE)
    assert not minio_access_key.policies_equal(READ_TESTE, WRITE_TESTE)


def test_temporary_policy_files_are_removed(server, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(minio_admin.tempfile, 'tempdir', str(tmp_path))
    seed_key(server)

    ok(server, capsys, monkeypatch, release='7.2.16', key_access_key='trino-teste', policy=WRITE_TESTE)

    assert minio_utils.json_equal(server.accounts['trino-teste']['policy'], WRITE_TESTE)
    assert os.listdir(str(tmp_path)) == []
