"""Unit tests of module_utils/minio.py: argument spec, client factory, library checks,
policy comparison, bucket names and error messages. No network: the client factory is
checked through the arguments it hands to boto3."""

from __future__ import annotations

import types

import pytest

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError, SSLError

from ansible_collections.datamesh.platform.plugins.module_utils import minio as mu


class FailJson(Exception):
    pass


class FakeModule:
    """Just what module_utils uses of AnsibleModule: params and fail_json."""

    def __init__(self, **params):
        self.params = dict(endpoint_url='http://127.0.0.1:7480', access_key='datamesh', secret_key='s3cr3t',
                           region='us-east-1', validate_certs=True, ca_bundle=None, path_style=True)
        self.params.update(params)

    def fail_json(self, msg, **kwargs):
        raise FailJson(dict(kwargs, msg=msg))


# ---------------------------------------------------------------- argument spec and clients

def test_argument_spec_hides_the_secret_only():
    spec = mu.minio_argument_spec()
    assert spec['secret_key']['no_log'] is True
    assert spec['access_key']['no_log'] is False
    assert spec['region']['default'] == 'us-east-1'
    assert spec['path_style']['default'] is True


def capture_client(monkeypatch):
    seen = {}

    def client(service, **kwargs):
        seen.update(kwargs, service=service)
        return 'client'

    monkeypatch.setattr(mu.boto3, 'client', client)
    return seen


def test_s3_client_is_sigv4_path_style_with_the_module_options(monkeypatch):
    seen = capture_client(monkeypatch)
    assert mu.s3_client(FakeModule()) == 'client'
    assert seen['service'] == 's3'
    assert seen['endpoint_url'] == 'http://127.0.0.1:7480'
    assert (seen['aws_access_key_id'], seen['aws_secret_access_key']) == ('datamesh', 's3cr3t')
    assert seen['region_name'] == 'us-east-1'
    assert seen['verify'] is True
    assert seen['config'].signature_version == 's3v4'
    assert seen['config'].s3 == {'addressing_style': 'path'}


@pytest.mark.parametrize('validate_certs, ca_bundle, verify', [
    (True, '/etc/ssl/ca.pem', '/etc/ssl/ca.pem'),
    (True, None, True),
    (False, '/etc/ssl/ca.pem', False),
])
def test_s3_client_certificate_verification(monkeypatch, validate_certs, ca_bundle, verify):
    seen = capture_client(monkeypatch)
    mu.s3_client(FakeModule(validate_certs=validate_certs, ca_bundle=ca_bundle))
    assert seen['verify'] == verify


def test_s3_client_virtual_host_style_when_path_style_is_off(monkeypatch):
    seen = capture_client(monkeypatch)
    mu.s3_client(FakeModule(path_style=False))
    assert seen['config'].s3 == {'addressing_style': 'auto'}


def test_s3_client_refuses_an_endpoint_without_scheme():
    """boto3 itself raises ValueError here (creating a client sends nothing)."""
    with pytest.raises(FailJson) as raised:
        mu.s3_client(FakeModule(endpoint_url='minio:9000'))
    assert raised.value.args[0]['msg'].startswith("endpoint_url 'minio:9000' is not a usable URL")


def test_require_boto3_reports_the_missing_library(monkeypatch):
    monkeypatch.setattr(mu, 'HAS_BOTO3', False)
    monkeypatch.setattr(mu, 'BOTO3_IMPORT_ERROR', 'Traceback: No module named boto3')
    with pytest.raises(FailJson) as raised:
        mu.require_boto3(FakeModule())
    assert 'Failed to import the required Python library (boto3)' in raised.value.args[0]['msg']
    assert raised.value.args[0]['exception'] == 'Traceback: No module named boto3'


def test_require_boto3_passes_when_installed():
    assert mu.require_boto3(FakeModule()) is None


@pytest.mark.parametrize('version, ok', [('7.2.20', True), ('7.2.5', True), ('7.2.4', False), ('7.1.17', False)])
def test_require_minio_admin_checks_the_version(monkeypatch, version, ok):
    monkeypatch.setattr(mu, 'HAS_MINIO', True)
    monkeypatch.setattr(mu, 'minio', types.SimpleNamespace(__version__=version), raising=False)
    if ok:
        assert mu.require_minio_admin(FakeModule()) is None
    else:
        with pytest.raises(FailJson) as raised:
            mu.require_minio_admin(FakeModule())
        assert 'found %s' % version in raised.value.args[0]['msg']


def test_require_minio_admin_reports_the_missing_library(monkeypatch):
    monkeypatch.setattr(mu, 'HAS_MINIO', False)
    with pytest.raises(FailJson) as raised:
        mu.require_minio_admin(FakeModule())
    assert 'minio>=7.2.5' in raised.value.args[0]['msg']


# ---------------------------------------------------------------- JSON and policy comparison

READONLY = {
    'Version': '2012-10-17',
    'Statement': [
        {'Effect': 'Allow', 'Principal': {'AWS': ['*']}, 'Action': ['s3:GetBucketLocation', 's3:ListBucket'],
         'Resource': ['arn:aws:s3:::b']},
        {'Effect': 'Allow', 'Principal': {'AWS': ['*']}, 'Action': ['s3:GetObject'], 'Resource': ['arn:aws:s3:::b/*']},
    ],
}


def test_json_equal_ignores_statement_and_value_order_and_one_element_lists():
    other = {'Statement': [
        {'Resource': 'arn:aws:s3:::b/*', 'Action': 's3:GetObject', 'Principal': {'AWS': '*'}, 'Effect': 'Allow'},
        {'Action': ['s3:ListBucket', 's3:GetBucketLocation'], 'Resource': 'arn:aws:s3:::b', 'Effect': 'Allow',
         'Principal': {'AWS': '*'}},
    ], 'Version': '2012-10-17'}
    assert mu.json_equal(READONLY, other)


def test_json_equal_takes_json_text():
    import json
    assert mu.json_equal(json.dumps(READONLY), READONLY)
    assert mu.json_equal(json.dumps(READONLY).encode(), READONLY)


@pytest.mark.parametrize('change', [
    lambda p: p['Statement'][1].update(Action=['s3:GetObject', 's3:PutObject']),
    lambda p: p['Statement'][1].update(Effect='Deny'),
    lambda p: p['Statement'][0].update(Resource=['arn:aws:s3:::other']),
    lambda p: p['Statement'].pop(),
])
def test_json_equal_sees_changes_of_meaning(change):
    import copy
    other = copy.deepcopy(READONLY)
    change(other)
    assert not mu.json_equal(READONLY, other)
    assert not mu.policy_equal(READONLY, other)


def test_normalize_json_is_canonical():
    assert mu.normalize_json('{"b": [2, 1], "a": ["x"]}') == {'a': 'x', 'b': [1, 2]}


def test_policy_equal_principal_star_is_every_aws_principal():
    """MinIO stores "Principal": "*" as {"AWS": ["*"]}."""
    star = {'Version': '2012-10-17', 'Statement': [dict(s, Principal='*') for s in READONLY['Statement']]}
    assert mu.policy_equal(star, READONLY)
    assert not mu.json_equal(star, READONLY)   # plain JSON comparison does not know policies


def test_policy_equal_single_statement_object_is_a_list_of_one():
    one = {'Version': '2012-10-17', 'Statement': READONLY['Statement'][1]}
    assert mu.policy_equal(one, dict(READONLY, Statement=[READONLY['Statement'][1]]))
    assert not mu.policy_equal(one, READONLY)


# ---------------------------------------------------------------- bucket names

@pytest.mark.parametrize('name', ['abc', 'raw-events', 'a.b.c', '1bucket', 'x' * 63, 'logs-2024.10', '192.168.5'])
def test_valid_bucket_names(name):
    assert mu.bucket_name_problems(name) == []


@pytest.mark.parametrize('name, problems', [
    ('', ['must be 3 to 63 characters long (is 0)', 'may only contain lowercase letters, digits, dots and hyphens']),
    ('ab', ['must be 3 to 63 characters long (is 2)']),
    ('x' * 64, ['must be 3 to 63 characters long (is 64)']),
    ('Raw', ['may only contain lowercase letters, digits, dots and hyphens',
             'must begin and end with a lowercase letter or a digit']),
    ('raw_events', ['may only contain lowercase letters, digits, dots and hyphens']),
    ('raw events', ['may only contain lowercase letters, digits, dots and hyphens']),
    ('-raw', ['must begin and end with a lowercase letter or a digit']),
    ('raw.', ['must begin and end with a lowercase letter or a digit']),
    ('raw..events', ['must not contain ".."']),
    ('raw.-events', ['must not contain ".-"']),
    ('raw-.events', ['must not contain "-."']),
    ('10.0.0.1', ['must not be formatted as an IP address']),
    ('xn--bucket', ['must not start with "xn--"']),
    ('sthree-bucket', ['must not start with "sthree-"']),
    ('bucket-s3alias', ['must not end with "-s3alias"']),
    ('bucket--ol-s3', ['must not end with "--ol-s3"']),
    ('bücket', ['may only contain lowercase letters, digits, dots and hyphens']),
])
def test_invalid_bucket_names(name, problems):
    assert mu.bucket_name_problems(name) == problems


# ---------------------------------------------------------------- errors

def client_error(code, message=None):
    error = {'Code': code}
    if message:
        error['Message'] = message
    return ClientError({'Error': error}, 'HeadBucket')


def message(error, bucket='raw'):
    return mu.boto3_error_message(error, 'head_bucket', 'https://s3.test:9000', 'datamesh', bucket=bucket)


def test_boto3_errors_tuple_catches_client_and_core_errors():
    assert issubclass(ClientError, mu.BOTO3_ERRORS)
    assert issubclass(EndpointConnectionError, mu.BOTO3_ERRORS)


def test_error_code():
    assert mu.boto3_error_code(client_error('NoSuchBucket')) == 'NoSuchBucket'
    assert mu.boto3_error_code(EndpointConnectionError(endpoint_url='x')) is None
    assert mu.boto3_error_code(ValueError('x')) is None


def test_wrong_secret():
    assert message(client_error('SignatureDoesNotMatch')) == (
        'the server at https://s3.test:9000 rejected the request signature (SignatureDoesNotMatch): '
        "secret_key is wrong for access_key 'datamesh'")


def test_unknown_access_key():
    assert message(client_error('InvalidAccessKeyId')) == (
        "the server at https://s3.test:9000 does not know access_key 'datamesh' (InvalidAccessKeyId)")


def test_access_denied():
    assert message(client_error('AccessDenied', 'Access Denied')) == (
        "head_bucket on bucket 'raw' was denied to access_key 'datamesh' (AccessDenied): the key lacks the "
        'permission, or the bucket belongs to another account')


def test_other_client_errors_carry_code_and_message():
    assert message(client_error('InvalidBucketState', 'object lock not enabled')) == (
        "head_bucket on bucket 'raw' failed: InvalidBucketState: object lock not enabled")
    assert message(client_error('403'), bucket=None) == 'head_bucket failed: 403'


@pytest.mark.parametrize('error', [
    EndpointConnectionError(endpoint_url='https://s3.test:9000/raw'),
    ConnectTimeoutError(endpoint_url='https://s3.test:9000/raw'),
])
def test_unreachable_endpoint(error):
    text = message(error)
    assert text.startswith('cannot reach the S3 endpoint https://s3.test:9000: ')
    assert 'Check endpoint_url (scheme, host, port)' in text


def test_tls_error():
    text = message(SSLError(endpoint_url='https://s3.test:9000/raw', error='CERTIFICATE_VERIFY_FAILED'))
    assert text.startswith('TLS error talking to https://s3.test:9000: SSL validation failed')
    assert 'Set ca_bundle' in text


def test_other_botocore_errors():
    text = message(ReadTimeoutError(endpoint_url='https://s3.test:9000/raw'))
    assert text.startswith("head_bucket on bucket 'raw' failed: Read timeout")
