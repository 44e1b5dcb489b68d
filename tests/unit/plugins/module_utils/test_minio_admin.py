# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Unit tests of module_utils/minio_admin.py: the 7.2.x compatibility branches, result parsing
and error mapping.

The releases are simulated by the protocol doubles of minio-py's MinioAdmin 7.2.13, 7.2.16 and
7.2.20 defined in tests/unit/plugins/modules/test_minio_access_key.py (one double, shared).
When the real minio package is installed, the last tests also check the doubles' signatures
against it and drive the real MinioAdmin through an in-process HTTP pool.
"""

from __future__ import annotations

import inspect
import io
import json
import os

import pytest

from ansible_collections.datamesh.platform.plugins.module_utils import minio as minio_utils
from ansible_collections.datamesh.platform.plugins.module_utils import minio_admin
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.test_minio_access_key import (
    RELEASES,
    ROOT_SECRET,
    ROOT_USER,
    WRITE_TESTE,
    MinioServerDouble,
    StaticProviderDouble,
    make_backend,
)


@pytest.fixture
def server():
    return MinioServerDouble()


def client(server, release='7.2.20', check_mode=False, access_key=ROOT_USER, secret_key=ROOT_SECRET, **kwargs):
    return minio_admin.connect(make_backend(server, release), kwargs.pop('endpoint_url', 'https://minio.lab:9000'),
                               access_key, secret_key, check_mode=check_mode, **kwargs)


# ====================================================================== capabilities

@pytest.mark.parametrize('release, keyword_only, policy_dict, attach', [
    ('7.2.13', False, [], False),
    ('7.2.16', False, [], True),
    ('7.2.20', True, ['add_service_account', 'policy_add', 'update_service_account'], True),
])
def test_capabilities_are_read_from_signatures(server, release, keyword_only, policy_dict, attach):
    caps = make_backend(server, release).capabilities
    assert caps.as_dict() == {'keyword_only_constructor': keyword_only, 'policy_dict': policy_dict,
                              'attach_policy': attach, 'service_accounts': True}


@pytest.mark.parametrize('release', sorted(RELEASES))
def test_constructor_is_called_with_keywords_on_each_release(server, release):
    admin_client = client(server, release, region='eu-1', validate_certs=False, ca_bundle='/etc/ca.pem')
    admin = admin_client._admin   # pylint: disable=protected-access
    assert (admin.endpoint, admin.secure, admin.cert_check, admin.region) == ('minio.lab:9000', True, False, 'eu-1')
    assert admin.http_client == ('pool', False, '/etc/ca.pem')
    assert (admin.credentials.access_key, admin.credentials.secret_key) == (ROOT_USER, ROOT_SECRET)


def test_positional_only_use_would_break_7_2_20(server):
    """Why connect() uses keywords: 7.2.17+ refuses positional arguments."""
    with pytest.raises(TypeError):
        RELEASES['7.2.20']('minio.lab:9000', StaticProviderDouble('a', 'b'))   # pylint: disable=missing-kwoa
    assert RELEASES['7.2.13']('minio.lab:9000', StaticProviderDouble('a', 'b')).endpoint == 'minio.lab:9000'


# ====================================================================== endpoint

@pytest.mark.parametrize('url, expected', [
    ('http://127.0.0.1:9000', ('127.0.0.1:9000', False)),
    ('https://minio.example.com', ('minio.example.com', True)),
    ('https://minio.example.com:9000/', ('minio.example.com:9000', True)),
    ('http://[::1]:9000', ('[::1]:9000', False)),
])
def test_parse_endpoint(url, expected):
    assert minio_admin.parse_endpoint(url) == expected


@pytest.mark.parametrize('url, message', [
    ('minio:9000', 'must look like'),
    ('ftp://minio:21', 'must look like'),
    ('http://user:pw@minio:9000', 'must look like'),
    ('http://minio:9000/minio/admin', 'must not have a path'),
    ('http://minio:9000?x=1', 'must not have a path'),
    ('', 'must look like'),
])
def test_parse_endpoint_refuses(url, message):
    with pytest.raises(ValueError, match=message):
        minio_admin.parse_endpoint(url)


# ====================================================================== results and errors

def test_reads_parse_json_and_not_found_is_none(server):
    server.add_user('trino', 'trino-user-secret', policies=['readwrite'])
    admin = client(server)
    assert admin.user_info('trino') == {'status': 'enabled', 'policyName': 'readwrite'}
    assert admin.user_info('nobody') is None
    assert admin.policy_info('nope') is None
    assert admin.service_account_info('nope') is None
    assert admin.policy_info('readwrite')['Statement'][0]['Action'] == ['s3:*']


def test_minio_json_error_is_parsed(server):
    with pytest.raises(minio_admin.AdminError) as info:
        client(server, secret_key='wrong-secret-99').user_info('trino')
    err = info.value
    assert (err.status, err.code, err.operation) == ('403', 'SignatureDoesNotMatch', 'user_info')
    assert err.from_minio and err.bad_credentials and not err.not_found
    assert 'signature we calculated' in err.message
    assert str(err).startswith('user_info failed: The request signature')


def test_xml_error_of_a_server_that_is_not_minio(server):
    server.is_minio = False
    with pytest.raises(minio_admin.AdminError) as info:
        client(server).user_info('trino')
    assert (info.value.status, info.value.code, info.value.from_minio) == ('404', 'NoSuchBucket', False)


def test_error_without_the_usual_attributes_is_read_from_its_message():
    class Other(Exception):
        pass
    err = minio_admin.parse_error(Other('admin request failed; Status: 502, Body: <html>Bad gateway</html>'), 'info')
    assert (err.status, err.code, err.body, err.from_minio) == ('502', None, '<html>Bad gateway</html>', False)
    assert 'HTTP 502' in str(err)


def test_unparsable_answer_is_an_admin_error():
    with pytest.raises(minio_admin.AdminError) as info:
        minio_admin.parse_json('<html>', 'user_info')
    assert info.value.code == 'InvalidResponse'
    assert minio_admin.parse_json('', 'user_add') is None
    assert minio_admin.parse_json(' {"a": 1} ', 'x') == {'a': 1}


def test_transport_error_becomes_endpoint_error(server):
    server.reachable = False
    with pytest.raises(minio_admin.EndpointError, match='Connection refused'):
        client(server).user_info('trino')


def test_client_side_value_error_becomes_admin_error(server):
    admin = client(server)
    with pytest.raises(minio_admin.AdminError) as info:
        admin.add_service_account('k', '')      # minio-py refuses an empty secret before sending
    assert info.value.code == 'ClientValueError'
    assert 'must not be empty' in info.value.message


def test_other_exceptions_are_not_mistaken_for_admin_errors(server, monkeypatch):
    def broken(who, name):
        raise RuntimeError('bug in the server double')
    monkeypatch.setattr(server, 'user_info', broken)
    with pytest.raises(RuntimeError, match='bug in the server double'):
        client(server).user_info('trino')


# ====================================================================== writes

def test_check_mode_records_writes_and_sends_none(server):
    admin = client(server, check_mode=True)
    admin.user_add('trino', 'trino-user-secret')
    admin.policy_add('p', WRITE_TESTE)
    admin.set_user_policies('trino', [], ['p'])
    assert admin.add_service_account('key1', 'k1-secret-123', policy=WRITE_TESTE) is None
    admin.update_service_account('key1', status='off', policy={})
    admin.delete_service_account('key1')
    assert admin.actions == ['user_add trino', 'policy_add p', 'attach_policy p to user trino',
                             'add_service_account key1 (parent: %s)' % ROOT_USER,
                             'update_service_account key1 (status, policy)', 'delete_service_account key1']
    assert server.calls == []


def test_key_named_like_its_parent_user_is_refused_as_minio_does(server):
    """MinIO refuses an access key whose name is its parent user's: minio/minio cmd/iam.go,
    IAMSys.NewServiceAccount ("if parentUser == opts.accessKey { return errIAMActionNotAllowed }",
    since minio/minio#13082), answered as 403 XMinioIAMActionNotAllowed (cmd/admin-handler-utils.go
    toAdminAPIErr). The double must answer the same, so the role cannot pass here and fail on MinIO."""
    server.add_user('query-plane', 'query-plane-user-secret')
    as_user = client(server, access_key='query-plane', secret_key='query-plane-user-secret')
    with pytest.raises(minio_admin.AdminError) as info:
        as_user.add_service_account('query-plane', 'query-plane-key-secret')
    assert (info.value.status, info.value.code) == ('403', 'XMinioIAMActionNotAllowed')
    assert info.value.message == 'Specified IAM action is not allowed'
    assert server.accounts == {}
    # The same key under a parent of another name is fine.
    as_user.add_service_account('qp-key', 'query-plane-key-secret')
    assert server.accounts['qp-key']['parent'] == 'query-plane'


def test_key_named_like_another_user_is_taken(server):
    """cmd/iam-store.go, IAMStoreSys.AddServiceAccount: an access key that already names an identity
    of another parent is "taken by another user" (400 XMinioIAMServiceAccountNotAllowed)."""
    server.add_user('trino', 'trino-user-secret')
    with pytest.raises(minio_admin.AdminError) as info:
        client(server).add_service_account('trino', 'some-secret-4')
    assert (info.value.status, info.value.code) == ('400', 'XMinioIAMServiceAccountNotAllowed')
    assert info.value.message.endswith('the service account access key is taken by another user')
    client(server).add_service_account('backup', 'some-secret-4')
    with pytest.raises(minio_admin.AdminError) as again:
        client(server).add_service_account('backup', 'some-secret-4')
    assert again.value.message.endswith('the service account access key already taken')


def test_add_service_account_returns_the_parsed_credentials(server):
    answer = client(server).add_service_account('key1', 'k1-secret-123', description='d',
                                                expiration='2030-01-31T00:00:00Z')
    assert answer['credentials']['accessKey'] == 'key1'
    assert server.accounts['key1']['description'] == 'd'
    assert server.accounts['key1']['expiration'] == '2030-01-31T00:00:00Z'


@pytest.mark.parametrize('release, via', [('7.2.13', 'policy_file'), ('7.2.16', 'policy_file'), ('7.2.20', 'policy')])
def test_policy_documents_are_passed_the_way_each_release_accepts(server, tmp_path, monkeypatch, release, via):
    monkeypatch.setattr(minio_admin.tempfile, 'tempdir', str(tmp_path))
    admin = client(server, release)
    admin.policy_add('p', WRITE_TESTE)
    admin.add_service_account('key1', 'k1-secret-123', policy=WRITE_TESTE)
    admin.update_service_account('key1', description='x', policy=WRITE_TESTE)
    used = [(method, args['via']) for dummy, method, args in server.calls]
    assert used == [('policy_add', via), ('add_service_account', via), ('update_service_account', via)]
    assert minio_utils.json_equal(server.policies['p'], WRITE_TESTE)
    assert minio_utils.json_equal(server.accounts['key1']['policy'], WRITE_TESTE)
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('release', sorted(RELEASES))
def test_empty_policy_is_always_sent_as_a_file(server, tmp_path, monkeypatch, release):
    monkeypatch.setattr(minio_admin.tempfile, 'tempdir', str(tmp_path))
    server.add_account('key1', ROOT_USER, 'k1-secret-123', policy=WRITE_TESTE)
    client(server, release).update_service_account('key1', policy={})
    dummy, method, args = server.calls[-1]
    assert (method, args['via'], args['newPolicy']) == ('update_service_account', 'policy_file', {})
    assert server.accounts['key1']['policy'] is None
    assert os.listdir(str(tmp_path)) == []


def test_temporary_file_is_removed_when_the_call_fails(server, tmp_path, monkeypatch):
    monkeypatch.setattr(minio_admin.tempfile, 'tempdir', str(tmp_path))
    with pytest.raises(minio_admin.AdminError) as info:
        client(server, '7.2.13').update_service_account('missing', policy=WRITE_TESTE)
    assert info.value.not_found
    assert os.listdir(str(tmp_path)) == []


def test_temporary_policy_file_is_private(server, monkeypatch):
    modes = []
    real_load = RELEASES['7.2.13']._load_policy_file   # pylint: disable=protected-access

    def spy(policy_file):
        modes.append(os.stat(policy_file).st_mode & 0o777)
        return real_load(policy_file)
    monkeypatch.setattr(RELEASES['7.2.13'], '_load_policy_file', staticmethod(spy))
    client(server, '7.2.13').add_service_account('key1', 'k1-secret-123', policy=WRITE_TESTE)
    assert modes == [0o600]


def test_update_labels_a_re_sent_policy(server):
    server.add_account('key1', ROOT_USER, 'k1-secret-123', policy=WRITE_TESTE)
    admin = client(server)
    admin.update_service_account('key1', status='off', policy=WRITE_TESTE, policy_kept=True)
    admin.update_service_account('key1', secret_key='new-secret-456', description='d', expiration='2030-01-31T00:00:00Z')
    assert admin.actions == ['update_service_account key1 (status, policy unchanged, re-sent)',
                             'update_service_account key1 (secret_key, description, expiration)']
    assert 'new-secret-456' not in ' '.join(admin.actions)
    assert server.accounts['key1']['secret'] == 'new-secret-456'


@pytest.mark.parametrize('release, current, target, actions, calls', [
    ('7.2.20', ['a'], ['a', 'b', 'c'], ['attach_policy b,c to user u'], [('attach_policy', ['b', 'c'])]),
    ('7.2.20', ['a', 'b'], ['b'], ['detach_policy a from user u'], [('detach_policy', ['a'])]),
    ('7.2.16', ['a'], ['b'], ['attach_policy b to user u', 'detach_policy a from user u'],
     [('attach_policy', ['b']), ('detach_policy', ['a'])]),
    ('7.2.13', ['a'], ['b', 'c'], ['policy_set b,c on user u'], [('policy_set', 'b,c')]),
    ('7.2.13', ['a', 'b'], [], ['policy_unset a,b from user u'], [('policy_unset', ['a', 'b'])]),
    ('7.2.20', ['a'], ['a'], [], []),
])
def test_set_user_policies_per_release(server, release, current, target, actions, calls):
    for name in 'abc':
        server.policies[name] = WRITE_TESTE
    server.add_user('u', 'u-secret-1234', policies=current)
    admin = client(server, release)
    admin.set_user_policies('u', current, target)
    assert admin.actions == actions
    assert [(method, args.get('policies', args.get('policy_name'))) for dummy, method, args in server.calls] == calls
    assert sorted(server.users['u']['policies']) == sorted(target)


def test_attach_that_changes_nothing_is_tolerated(server):
    server.policies['a'] = WRITE_TESTE
    server.add_user('u', 'u-secret-1234', policies=['a'])
    admin = client(server)
    admin.set_user_policies('u', [], ['a'])     # stale view: the server says "already in effect"
    assert admin.actions == ['attach_policy a to user u']
    assert server.users['u']['policies'] == ['a']


def test_attach_of_an_unknown_policy_raises(server):
    server.add_user('u', 'u-secret-1234')
    with pytest.raises(minio_admin.AdminError) as info:
        client(server).set_user_policies('u', [], ['nope'])
    assert info.value.code == 'XMinioAdminNoSuchPolicy' and info.value.not_found


def test_generate_secret():
    first, second = minio_admin.generate_secret(), minio_admin.generate_secret()
    assert len(first) == 40 and first.isalnum() and first != second
    assert len(minio_admin.generate_secret(12)) == 12


# ====================================================================== load_backend

class FailJson(Exception):
    pass


class ModuleStub:
    def __init__(self):
        self.failures = []

    def fail_json(self, **kwargs):
        self.failures.append(kwargs)
        raise FailJson(kwargs['msg'])


def test_load_backend_without_minio_fails_with_missing_required_lib(monkeypatch):
    monkeypatch.setattr(minio_utils, 'HAS_MINIO', False)
    monkeypatch.setattr(minio_utils, 'MINIO_IMPORT_ERROR', 'No module named minio')
    module = ModuleStub()
    with pytest.raises(FailJson, match=r'Failed to import the required Python library \(minio>=7.2.5\)'):
        minio_admin.load_backend(module)


def test_load_backend_when_admin_parts_are_missing(monkeypatch):
    class NewEnough:
        __version__ = '7.2.20'
    monkeypatch.setattr(minio_utils, 'HAS_MINIO', True)
    monkeypatch.setattr(minio_utils, 'minio', NewEnough, raising=False)
    monkeypatch.setattr(minio_admin, 'HAS_MINIO_ADMIN', False)
    monkeypatch.setattr(minio_admin, 'MINIO_ADMIN_IMPORT_ERROR', 'No module named minio.minioadmin')
    module = ModuleStub()
    with pytest.raises(FailJson, match='minio>=7.2.5'):
        minio_admin.load_backend(module)
    assert module.failures[0]['exception'] == 'No module named minio.minioadmin'


# ====================================================================== against the real package (when installed)

def _real_minio():
    return pytest.importorskip('minio', reason='the minio package is not installed in this test environment '
                                               '(tests/unit/requirements.txt); the doubles above still ran')


def test_doubles_match_the_installed_minio_signatures():
    minio = _real_minio()
    from minio.minioadmin import MinioAdmin
    version = tuple(int(p) for p in minio.__version__.split('.')[:3])
    double = RELEASES['7.2.20'] if version >= (7, 2, 17) else RELEASES['7.2.16'] if version >= (7, 2, 14) \
        else RELEASES['7.2.13']
    for name in ('__init__', 'user_info', 'user_add', 'policy_info', 'policy_add', 'policy_set', 'policy_unset',
                 'get_service_account', 'add_service_account', 'update_service_account', 'delete_service_account',
                 'attach_policy', 'detach_policy'):
        real, fake = getattr(MinioAdmin, name, None), getattr(double, name, None)
        assert (real is None) == (fake is None), name
        if real is None:
            continue
        real_params = [(p.name, p.kind) for p in inspect.signature(real).parameters.values()]
        fake_params = [(p.name, p.kind) for p in inspect.signature(fake).parameters.values()]
        assert fake_params == real_params, name


def test_real_minio_admin_through_an_in_process_pool():
    """The wrapper drives the installed MinioAdmin: keyword constructor, policy passing, the
    encrypted add-service-account exchange and MinioAdminException parsing."""
    _real_minio()
    import urllib3
    from minio.crypto import decrypt, encrypt

    requests = []

    class LoopbackPool(urllib3.PoolManager):
        def urlopen(self, method, url, redirect=True, **kw):   # pylint: disable=arguments-differ
            body = kw.get('body')
            path = url.split('/minio/admin/v3/', 1)[1]
            if path.startswith('user-info'):
                data = json.dumps({'Code': 'XMinioAdminNoSuchUser', 'Message': 'The specified user does not exist.'})
                return urllib3.HTTPResponse(body=io.BytesIO(data.encode()), status=404, preload_content=True)
            if path.startswith('add-service-account'):
                plain = decrypt(urllib3.HTTPResponse(body=io.BytesIO(body), preload_content=False), ROOT_SECRET)
                request = json.loads(plain)
                requests.append(request)
                answer = encrypt(json.dumps({'credentials': {'accessKey': request['accessKey'],
                                                             'secretKey': request['secretKey']}}).encode(), ROOT_SECRET)
                return urllib3.HTTPResponse(body=io.BytesIO(answer), status=200,
                                            preload_content=kw.get('preload_content', True))
            raise AssertionError('unexpected request %s %s' % (method, url))

    backend = minio_admin.Backend(*_real_parts(), http_client_factory=lambda validate, ca: LoopbackPool())
    admin = minio_admin.connect(backend, 'http://127.0.0.1:9000', ROOT_USER, ROOT_SECRET)

    assert admin.user_info('trino') is None
    answer = admin.add_service_account('key1', 'k1-secret-123', description='d', policy=WRITE_TESTE)
    assert answer['credentials']['accessKey'] == 'key1'
    assert requests[0]['accessKey'] == 'key1' and requests[0]['description'] == 'd'
    assert requests[0]['policy'] == WRITE_TESTE


def test_load_backend_with_the_installed_package():
    minio = _real_minio()
    from minio.minioadmin import MinioAdmin
    backend = minio_admin.load_backend(ModuleStub())
    assert backend.admin_class is MinioAdmin and backend.version == minio.__version__
    assert backend.capabilities.service_accounts


def test_http_client_with_short_timeouts_and_the_given_ca():
    _real_minio()
    import urllib3
    strict = minio_admin._http_client(True, '/etc/ssl/certs/ca-certificates.crt')   # pylint: disable=protected-access
    assert isinstance(strict, urllib3.PoolManager)
    assert strict.connection_pool_kw['cert_reqs'] == 'CERT_REQUIRED'
    assert strict.connection_pool_kw['ca_certs'] == '/etc/ssl/certs/ca-certificates.crt'
    assert strict.connection_pool_kw['timeout'].connect_timeout == 10
    assert strict.connection_pool_kw['retries'].total == 2
    lax = minio_admin._http_client(False, None)   # pylint: disable=protected-access
    assert lax.connection_pool_kw['cert_reqs'] == 'CERT_NONE'


def _real_parts():
    import minio
    import urllib3
    from minio.credentials import StaticProvider
    from minio.error import MinioAdminException
    from minio.minioadmin import MinioAdmin
    return MinioAdmin, StaticProvider, MinioAdminException, (urllib3.exceptions.HTTPError, OSError), minio.__version__
