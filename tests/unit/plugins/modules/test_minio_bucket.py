"""Unit tests of datamesh.platform.minio_bucket: its decisions, driven through a protocol double.

FakeS3Client is a hand-written protocol double of boto3's S3 client: it keeps buckets in
memory, answers the calls the module makes with the shapes (and botocore exceptions) a real
S3 server gives, answers lifecycle reads the way Ceph RGW does, and records every call.
Nothing here talks to a network; the live test is the Molecule scenario minio_bucket_rgw.
"""

from __future__ import annotations

import copy
import json

import pytest

from botocore.exceptions import ClientError, EndpointConnectionError, SSLError

from ansible.module_utils.testing import patch_module_args
from ansible_collections.datamesh.platform.plugins.modules import minio_bucket
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_exits

ENDPOINT = 'http://127.0.0.1:7480'
READS = {'head_bucket', 'get_bucket_location', 'get_bucket_versioning', 'get_object_lock_configuration',
         'get_bucket_policy', 'get_bucket_tagging', 'get_bucket_lifecycle_configuration', 'list_object_versions',
         'list_multipart_uploads'}


# ---------------------------------------------------------------- the protocol double

def client_error(code, operation, status=400, message=None):
    error = {'Code': code}
    if message:
        error['Message'] = message
    return ClientError({'Error': error, 'ResponseMetadata': {'HTTPStatusCode': status}}, operation)


class FakeBucket:
    def __init__(self, versioning=None, policy=None, tags=None, lifecycle=None, object_lock=False,
                 versions=(), delete_markers=(), uploads=()):
        self.versioning = versioning            # None (never set), 'Enabled' or 'Suspended'
        self.policy = policy                    # the policy text as stored, or None
        self.tags = dict(tags or {})
        self.lifecycle = lifecycle              # list of rules as the client sent them, or None
        self.object_lock = object_lock
        self.versions = [dict(v) for v in versions]              # {'Key', 'VersionId'}
        self.delete_markers = [dict(m) for m in delete_markers]
        self.uploads = [dict(u) for u in uploads]                # {'Key', 'UploadId'}


class FakeS3Client:
    """Protocol double of a boto3 S3 client (see the module docstring).

    credential_error: 'SignatureDoesNotMatch' or 'InvalidAccessKeyId' makes every request fail
    as a server does for a wrong secret or an unknown key (HEAD answers a bare 403).
    fail: {operation: exception} raised instead of answering.
    page_size: list_object_versions answers at most this many entries per page.
    """

    def __init__(self, buckets=None, credential_error=None, fail=None, page_size=1000):
        self.buckets = buckets or {}
        self.credential_error = credential_error
        self.fail = fail or {}
        self.page_size = page_size
        self.calls = []

    # -- bookkeeping
    def _enter(self, operation, kwargs, bucket_must_exist=True):
        self.calls.append((operation, copy.deepcopy(kwargs)))
        if operation in self.fail:
            raise self.fail[operation]
        if self.credential_error:
            if operation == 'head_bucket':
                raise client_error('403', operation, 403, 'Forbidden')
            raise client_error(self.credential_error, operation, 403)
        name = kwargs['Bucket']
        if bucket_must_exist and name not in self.buckets:
            if operation == 'head_bucket':
                raise client_error('404', operation, 404, 'Not Found')
            raise client_error('NoSuchBucket', operation, 404)
        return self.buckets.get(name)

    @property
    def operations(self):
        return [op for op, _kwargs in self.calls]

    @property
    def writes(self):
        return [op for op in self.operations if op not in READS]

    def kwargs_of(self, operation):
        found = [kwargs for op, kwargs in self.calls if op == operation]
        assert len(found) == 1, '%s called %d times' % (operation, len(found))
        return found[0]

    # -- buckets
    def head_bucket(self, **kwargs):
        self._enter('head_bucket', kwargs)
        return {}

    def get_bucket_location(self, **kwargs):
        self._enter('get_bucket_location', kwargs)
        return {'LocationConstraint': None}

    def create_bucket(self, **kwargs):
        self._enter('create_bucket', kwargs, bucket_must_exist=False)
        lock = kwargs.get('ObjectLockEnabledForBucket', False)
        self.buckets[kwargs['Bucket']] = FakeBucket(object_lock=lock, versioning='Enabled' if lock else None)
        return {}

    def delete_bucket(self, **kwargs):
        bucket = self._enter('delete_bucket', kwargs)
        if bucket.versions or bucket.delete_markers:
            raise client_error('BucketNotEmpty', 'DeleteBucket', 409)
        del self.buckets[kwargs['Bucket']]
        return {}

    # -- versioning and object lock
    def get_bucket_versioning(self, **kwargs):
        bucket = self._enter('get_bucket_versioning', kwargs)
        return {'Status': bucket.versioning} if bucket.versioning else {}

    def put_bucket_versioning(self, **kwargs):
        bucket = self._enter('put_bucket_versioning', kwargs)
        status = kwargs['VersioningConfiguration']['Status']
        if bucket.object_lock and status != 'Enabled':
            raise client_error('InvalidBucketState', 'PutBucketVersioning', 409)
        bucket.versioning = status
        return {}

    def get_object_lock_configuration(self, **kwargs):
        bucket = self._enter('get_object_lock_configuration', kwargs)
        if not bucket.object_lock:
            raise client_error('ObjectLockConfigurationNotFoundError', 'GetObjectLockConfiguration', 404)
        return {'ObjectLockConfiguration': {'ObjectLockEnabled': 'Enabled'}}

    # -- policy
    def get_bucket_policy(self, **kwargs):
        bucket = self._enter('get_bucket_policy', kwargs)
        if bucket.policy is None:
            raise client_error('NoSuchBucketPolicy', 'GetBucketPolicy', 404, 'The bucket policy does not exist')
        return {'Policy': bucket.policy}

    def put_bucket_policy(self, **kwargs):
        self._enter('put_bucket_policy', kwargs).policy = kwargs['Policy']
        return {}

    def delete_bucket_policy(self, **kwargs):
        self._enter('delete_bucket_policy', kwargs).policy = None
        return {}

    # -- tags
    def get_bucket_tagging(self, **kwargs):
        bucket = self._enter('get_bucket_tagging', kwargs)
        if not bucket.tags:
            raise client_error('NoSuchTagSet', 'GetBucketTagging', 404)
        return {'TagSet': [{'Key': k, 'Value': v} for k, v in bucket.tags.items()]}

    def put_bucket_tagging(self, **kwargs):
        bucket = self._enter('put_bucket_tagging', kwargs)
        bucket.tags = {t['Key']: t['Value'] for t in kwargs['Tagging']['TagSet']}
        return {}

    def delete_bucket_tagging(self, **kwargs):
        self._enter('delete_bucket_tagging', kwargs).tags = {}
        return {}

    # -- lifecycle: answered like Ceph RGW (sorted by ID, empty prefix as a top-level Prefix)
    def get_bucket_lifecycle_configuration(self, **kwargs):
        bucket = self._enter('get_bucket_lifecycle_configuration', kwargs)
        if not bucket.lifecycle:
            raise client_error('NoSuchLifecycleConfiguration', 'GetBucketLifecycleConfiguration', 404)
        rules = []
        for rule in sorted(bucket.lifecycle, key=lambda r: r['ID']):
            rule = copy.deepcopy(rule)
            if rule.get('Filter') == {'Prefix': ''}:
                del rule['Filter']
                rule['Prefix'] = ''
            rules.append(rule)
        return {'Rules': rules}

    def put_bucket_lifecycle_configuration(self, **kwargs):
        bucket = self._enter('put_bucket_lifecycle_configuration', kwargs)
        bucket.lifecycle = copy.deepcopy(kwargs['LifecycleConfiguration']['Rules'])
        return {}

    def delete_bucket_lifecycle(self, **kwargs):
        self._enter('delete_bucket_lifecycle', kwargs).lifecycle = None
        return {}

    # -- objects
    def list_object_versions(self, **kwargs):
        bucket = self._enter('list_object_versions', kwargs)
        entries = sorted([('v', v) for v in bucket.versions] + [('m', m) for m in bucket.delete_markers],
                         key=lambda e: (e[1]['Key'], e[1]['VersionId']))
        marker = (kwargs.get('KeyMarker', ''), kwargs.get('VersionIdMarker', ''))
        if marker[0]:
            entries = [e for e in entries if (e[1]['Key'], e[1]['VersionId']) > marker]
        limit = min(kwargs.get('MaxKeys', self.page_size), self.page_size)
        page, rest = entries[:limit], entries[limit:]
        resp = {'Versions': [e[1] for e in page if e[0] == 'v'], 'DeleteMarkers': [e[1] for e in page if e[0] == 'm'],
                'IsTruncated': bool(rest)}
        if rest:
            resp['NextKeyMarker'], resp['NextVersionIdMarker'] = page[-1][1]['Key'], page[-1][1]['VersionId']
        return {k: v for k, v in resp.items() if v != []}

    def delete_objects(self, **kwargs):
        bucket = self._enter('delete_objects', kwargs)
        assert len(kwargs['Delete']['Objects']) <= 1000, 'S3 deletes at most 1000 keys per call'
        errors = []
        for obj in kwargs['Delete']['Objects']:
            if bucket.object_lock and not kwargs.get('BypassGovernanceRetention'):
                errors.append({'Key': obj['Key'], 'Code': 'AccessDenied', 'Message': 'forbidden by object lock'})
                continue
            bucket.versions = [v for v in bucket.versions if v != obj]
            bucket.delete_markers = [m for m in bucket.delete_markers if m != obj]
        return {'Errors': errors} if errors else {}

    def list_multipart_uploads(self, **kwargs):
        bucket = self._enter('list_multipart_uploads', kwargs)
        return {'Uploads': list(bucket.uploads), 'IsTruncated': False}

    def abort_multipart_upload(self, **kwargs):
        bucket = self._enter('abort_multipart_upload', kwargs)
        bucket.uploads = [u for u in bucket.uploads if u['UploadId'] != kwargs['UploadId']]
        return {}


# ---------------------------------------------------------------- running the module

@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    """exit_json/fail_json raise ExitJson/FailJson; the value is the list of module warnings."""
    return patch_module_exits(monkeypatch)


def run(monkeypatch, client, check_mode=False, diff=False, expect=ExitJson, **params):
    """Runs the module with params against client; returns its result dict."""
    args = dict(endpoint_url=ENDPOINT, access_key='datamesh', secret_key='s3cr3t-key', name='raw-events')
    args.update(params)
    args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    monkeypatch.setattr(minio_bucket, 's3_client', lambda module: client)
    with patch_module_args(args):
        with pytest.raises(expect) as raised:
            minio_bucket.main()
    return raised.value.args[0]


def rgw_policy(bucket, reordered=False):
    """A readonly policy as a server may store it: other order, scalar Action."""
    statements = [
        {'Action': 's3:GetObject', 'Effect': 'Allow', 'Principal': {'AWS': '*'},
         'Resource': 'arn:aws:s3:::%s/*' % bucket},
        {'Resource': ['arn:aws:s3:::%s' % bucket], 'Principal': '*',
         'Action': ['s3:ListBucket', 's3:GetBucketLocation'], 'Effect': 'Allow'},
    ]
    return json.dumps({'Statement': statements if reordered else statements[::-1], 'Version': '2012-10-17'})


LIFECYCLE = [
    {'id': 'expire-tmp', 'prefix': 'tmp/', 'expiration_days': 7},
    {'id': 'all-90d', 'expiration_days': 90},
]


def converged_bucket():
    """A bucket that already has exactly what FULL asks for, stored the way RGW answers."""
    return FakeBucket(versioning='Enabled', object_lock=True, policy=rgw_policy('raw-events', reordered=True),
                      tags={'owner': 'data-team', 'domain': 'sales'},
                      lifecycle=[{'ID': 'expire-tmp', 'Filter': {'Prefix': 'tmp/'}, 'Status': 'Enabled',
                                  'Expiration': {'Days': 7}},
                                 {'ID': 'all-90d', 'Filter': {'Prefix': ''}, 'Status': 'Enabled',
                                  'Expiration': {'Days': 90}}])


FULL = dict(versioning='enabled', object_lock=True, policy='readonly', tags={'domain': 'sales', 'owner': 'data-team'},
            lifecycle=LIFECYCLE)


# ---------------------------------------------------------------- creating

def test_creates_a_missing_bucket_with_only_create_bucket(monkeypatch):
    client = FakeS3Client()
    result = run(monkeypatch, client)
    assert result['changed'] is True
    assert result['actions'] == ['create_bucket']
    assert client.operations == ['head_bucket', 'create_bucket']
    assert client.kwargs_of('create_bucket') == {'Bucket': 'raw-events'}
    assert result['bucket'] == {'name': 'raw-events', 'state': 'present'}


def test_creates_with_every_property_and_no_needless_versioning_call(monkeypatch):
    client = FakeS3Client()
    result = run(monkeypatch, client, **FULL)
    assert result['actions'] == [
        'create_bucket ObjectLockEnabledForBucket=true',
        'put_bucket_policy',
        'put_bucket_tagging domain,owner',
        'put_bucket_lifecycle_configuration all-90d,expire-tmp',
    ]   # object lock switches versioning on: no put_bucket_versioning
    assert client.kwargs_of('create_bucket') == {'Bucket': 'raw-events', 'ObjectLockEnabledForBucket': True}
    bucket = client.buckets['raw-events']
    assert bucket.versioning == 'Enabled' and bucket.object_lock is True
    assert bucket.tags == {'domain': 'sales', 'owner': 'data-team'}
    assert json.loads(bucket.policy) == minio_bucket.canned_policy('readonly', 'raw-events')
    assert client.kwargs_of('put_bucket_lifecycle_configuration')['LifecycleConfiguration'] == {'Rules': [
        {'ID': 'all-90d', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'Days': 90}},
        {'ID': 'expire-tmp', 'Filter': {'Prefix': 'tmp/'}, 'Status': 'Enabled', 'Expiration': {'Days': 7}},
    ]}


def test_versioning_on_a_new_bucket_without_object_lock_is_a_separate_call(monkeypatch):
    client = FakeS3Client()
    result = run(monkeypatch, client, versioning='enabled')
    assert result['actions'] == ['create_bucket', 'put_bucket_versioning Status=Enabled']
    assert client.kwargs_of('put_bucket_versioning')['VersioningConfiguration'] == {'Status': 'Enabled'}


def test_region_other_than_us_east_1_is_the_location_constraint(monkeypatch):
    client = FakeS3Client()
    run(monkeypatch, client, region='eu-central-1')
    assert client.kwargs_of('create_bucket')['CreateBucketConfiguration'] == {'LocationConstraint': 'eu-central-1'}


def test_check_mode_on_a_missing_bucket_reports_every_call_and_makes_none(monkeypatch):
    client = FakeS3Client()
    result = run(monkeypatch, client, check_mode=True, **FULL)
    assert result['changed'] is True
    assert len(result['actions']) == 4 and result['actions'][0].startswith('create_bucket')
    assert client.writes == []
    assert client.buckets == {}


def test_second_run_on_the_created_bucket_changes_nothing(monkeypatch):
    client = FakeS3Client()
    run(monkeypatch, client, **FULL)
    client.calls.clear()
    result = run(monkeypatch, client, **FULL)
    assert result['changed'] is False and result['actions'] == []
    assert client.writes == []


# ---------------------------------------------------------------- idempotence and drift

def test_bucket_stored_differently_by_the_server_but_equal_is_unchanged(monkeypatch):
    """Policy reordered with scalar values and Principal "*"; lifecycle as RGW returns it."""
    client = FakeS3Client({'raw-events': converged_bucket()})
    result = run(monkeypatch, client, diff=True, **FULL)
    assert result['changed'] is False
    assert client.writes == []
    assert result['diff']['before'] == result['diff']['after']


def test_drift_is_corrected_with_one_call_per_property(monkeypatch):
    bucket = converged_bucket()
    bucket.versioning = 'Suspended'
    bucket.policy = json.dumps(minio_bucket.canned_policy('public', 'raw-events'))
    bucket.tags['domain'] = 'finance'
    bucket.lifecycle[0]['Expiration'] = {'Days': 8}
    client = FakeS3Client({'raw-events': bucket})
    # object lock would refuse 'Suspended'; this test is about the other properties
    bucket.object_lock = False
    params = dict(FULL)
    del params['object_lock']
    result = run(monkeypatch, client, **params)
    assert result['actions'] == [
        'put_bucket_versioning Status=Enabled',
        'put_bucket_policy',
        'put_bucket_tagging domain,owner',
        'put_bucket_lifecycle_configuration all-90d,expire-tmp',
    ]
    assert bucket.versioning == 'Enabled'
    assert bucket.tags == {'domain': 'sales', 'owner': 'data-team'}
    assert json.loads(bucket.policy) == minio_bucket.canned_policy('readonly', 'raw-events')


def test_check_mode_on_drift_reads_but_does_not_write(monkeypatch):
    bucket = FakeBucket(versioning='Enabled', tags={'a': '1'})
    client = FakeS3Client({'raw-events': bucket})
    result = run(monkeypatch, client, check_mode=True, diff=True, versioning='suspended', tags={}, policy='public')
    assert result['actions'] == ['put_bucket_versioning Status=Suspended', 'put_bucket_policy', 'delete_bucket_tagging']
    assert client.writes == []
    assert bucket.versioning == 'Enabled' and bucket.tags == {'a': '1'} and bucket.policy is None
    assert result['diff']['before'] == {'state': 'present', 'versioning': 'enabled', 'policy': None, 'tags': {'a': '1'}}
    assert result['diff']['after'] == {'state': 'present', 'versioning': 'suspended',
                                       'policy': minio_bucket.canned_policy('public', 'raw-events'), 'tags': {}}


def test_unset_options_are_neither_read_nor_changed(monkeypatch):
    bucket = FakeBucket(versioning='Enabled', tags={'a': '1'}, lifecycle=[{'ID': 'x'}])
    client = FakeS3Client({'raw-events': bucket})
    result = run(monkeypatch, client)
    assert result['changed'] is False
    assert client.operations == ['head_bucket']


# ---------------------------------------------------------------- policy

def test_private_removes_an_existing_policy(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket(policy=rgw_policy('raw-events'))})
    result = run(monkeypatch, client, policy='private')
    assert result['actions'] == ['delete_bucket_policy']
    assert client.buckets['raw-events'].policy is None


def test_a_policy_the_task_does_not_declare_is_left_alone(monkeypatch):
    """policy not set = not managed, as in amazon.aws.s3_bucket: a policy put by someone else (another
    playbook, an operator with mc) survives every run. It used to default to private and be deleted."""
    client = FakeS3Client({'raw-events': FakeBucket(versioning='Enabled', policy=rgw_policy('raw-events'))})
    result = run(monkeypatch, client, diff=True, versioning='enabled', tags={})
    assert result['changed'] is False and result['actions'] == []
    assert client.buckets['raw-events'].policy == rgw_policy('raw-events')
    assert 'get_bucket_policy' not in client.operations
    assert 'policy' not in result['bucket']
    assert 'policy' not in result['diff']['before'] and 'policy' not in result['diff']['after']


@pytest.mark.parametrize('removal', ['private', 'null', {}])
def test_removing_a_policy_is_explicit(monkeypatch, removal):
    """private (this module's name), the string "null" or {} (amazon.aws.s3_bucket's spellings) delete it."""
    client = FakeS3Client({'raw-events': FakeBucket(policy=rgw_policy('raw-events'))})
    result = run(monkeypatch, client, diff=True, policy=removal)
    assert result['actions'] == ['delete_bucket_policy']
    assert client.buckets['raw-events'].policy is None
    assert result['bucket']['policy'] is None and result['diff']['after']['policy'] is None
    assert run(monkeypatch, client, policy=removal)['changed'] is False


@pytest.mark.parametrize('kind, object_actions', [
    ('readonly', ['s3:GetObject']),
    ('public', ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListMultipartUploadParts',
                's3:PutObject']),
])
def test_canned_policies_are_scoped_to_the_bucket(kind, object_actions):
    policy = minio_bucket.canned_policy(kind, 'raw-events')
    bucket_statement, object_statement = policy['Statement']
    assert bucket_statement['Resource'] == ['arn:aws:s3:::raw-events']
    assert object_statement['Resource'] == ['arn:aws:s3:::raw-events/*']
    assert object_statement['Action'] == object_actions
    assert ('s3:ListBucketMultipartUploads' in bucket_statement['Action']) == (kind == 'public')
    assert all(s['Principal'] == {'AWS': ['*']} and s['Effect'] == 'Allow' for s in policy['Statement'])


def test_custom_policy_as_json_text_equal_to_the_stored_one_is_unchanged(monkeypatch):
    custom = {'Version': '2012-10-17', 'Statement': [
        {'Effect': 'Allow', 'Principal': {'AWS': ['*']}, 'Action': ['s3:GetObject'],
         'Resource': ['arn:aws:s3:::raw-events/public/*']}]}
    stored = {'Statement': {'Resource': 'arn:aws:s3:::raw-events/public/*', 'Action': 's3:GetObject',
                            'Principal': '*', 'Effect': 'Allow'}, 'Version': '2012-10-17'}
    client = FakeS3Client({'raw-events': FakeBucket(policy=json.dumps(stored))})
    assert run(monkeypatch, client, policy=json.dumps(custom))['changed'] is False
    assert run(monkeypatch, client, policy=custom)['changed'] is False


def test_custom_policy_that_differs_in_meaning_is_put(monkeypatch):
    stored = minio_bucket.canned_policy('readonly', 'raw-events')
    changed = copy.deepcopy(stored)
    changed['Statement'][1]['Action'] = ['s3:GetObject', 's3:PutObject']
    client = FakeS3Client({'raw-events': FakeBucket(policy=json.dumps(stored))})
    result = run(monkeypatch, client, policy=changed)
    assert result['actions'] == ['put_bucket_policy']
    assert json.loads(client.kwargs_of('put_bucket_policy')['Policy']) == changed


@pytest.mark.parametrize('policy, fragment', [
    ('read-only', 'the text given is not JSON'),
    ('{"Statement": [', 'the text given is not JSON'),
    ('["s3:GetObject"]', 'a JSON object), got list'),
    ([{'Effect': 'Allow'}], 'a JSON object), got list'),
])
def test_policy_that_is_not_a_json_object_is_refused_before_any_call(monkeypatch, policy, fragment):
    client = FakeS3Client()
    result = run(monkeypatch, client, expect=FailJson, policy=policy)
    assert 'policy must be one of private, readonly, public' in result['msg']
    assert fragment in result['msg']
    assert client.calls == []


# ---------------------------------------------------------------- versioning and object lock

def test_suspended_on_a_never_versioned_bucket_changes_nothing(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket()})
    result = run(monkeypatch, client, diff=True, versioning='suspended')
    assert result['changed'] is False
    assert result['diff']['after']['versioning'] == 'disabled'


def test_suspended_on_an_enabled_bucket_suspends(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket(versioning='Enabled')})
    assert run(monkeypatch, client, versioning='suspended')['actions'] == ['put_bucket_versioning Status=Suspended']
    assert client.buckets['raw-events'].versioning == 'Suspended'


def test_object_lock_with_suspended_versioning_is_refused_before_any_call(monkeypatch):
    client = FakeS3Client()
    result = run(monkeypatch, client, expect=FailJson, object_lock=True, versioning='suspended')
    assert 'object_lock: true needs versioning enabled' in result['msg']
    assert client.calls == []


def test_suspending_a_bucket_with_object_lock_fails_without_writing(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket(versioning='Enabled', object_lock=True)})
    result = run(monkeypatch, client, expect=FailJson, versioning='suspended')
    assert "versioning cannot be suspended on bucket 'raw-events': it has object lock" in result['msg']
    assert client.writes == []


def test_object_lock_asked_on_an_existing_bucket_without_it_fails_clearly(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket(tags={'a': '1'})})
    result = run(monkeypatch, client, expect=FailJson, object_lock=True, tags={'b': '2'})
    assert "bucket 'raw-events' exists without object lock" in result['msg']
    assert 'only be enabled when a bucket is created' in result['msg']
    assert client.writes == []


def test_object_lock_cannot_be_switched_off(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket(versioning='Enabled', object_lock=True)})
    result = run(monkeypatch, client, expect=FailJson, object_lock=False)
    assert 'has object lock enabled, which cannot be switched off' in result['msg']
    assert client.writes == []


# ---------------------------------------------------------------- tags

def test_empty_tags_remove_all_tags(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket(tags={'a': '1'})})
    assert run(monkeypatch, client, tags={})['actions'] == ['delete_bucket_tagging']
    assert client.buckets['raw-events'].tags == {}


def test_purge_tags_false_keeps_other_tags(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket(tags={'a': '1', 'b': '2'})})
    result = run(monkeypatch, client, tags={'b': 3}, purge_tags=False)
    assert result['actions'] == ['put_bucket_tagging a,b']
    assert client.buckets['raw-events'].tags == {'a': '1', 'b': '3'}
    assert result['bucket']['tags'] == {'a': '1', 'b': '3'}
    assert run(monkeypatch, client, tags={'b': 3}, purge_tags=False)['changed'] is False


# ---------------------------------------------------------------- lifecycle

@pytest.mark.parametrize('server_rule, expected', [
    ({'ID': 'r', 'Prefix': '', 'Status': 'Enabled', 'Expiration': {'Days': 3}},           # Ceph RGW
     {'id': 'r', 'prefix': '', 'expiration_days': 3, 'state': 'enabled'}),
    ({'ID': 'r', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'Days': 3}},  # AWS, MinIO
     {'id': 'r', 'prefix': '', 'expiration_days': 3, 'state': 'enabled'}),
    ({'ID': 'r', 'Filter': {}, 'Status': 'Disabled', 'Expiration': {'Days': 3}},
     {'id': 'r', 'prefix': '', 'expiration_days': 3, 'state': 'disabled'}),
    ({'ID': 'r', 'Filter': {'Prefix': 'logs/'}, 'Status': 'Enabled', 'Expiration': {'Days': 30}},
     {'id': 'r', 'prefix': 'logs/', 'expiration_days': 30, 'state': 'enabled'}),
    ({'ID': 'r', 'Filter': {'Tag': {'Key': 'k', 'Value': 'v'}}, 'Status': 'Enabled', 'Expiration': {'Days': 3}},
     {'id': 'r', 'prefix': '', 'expiration_days': 3, 'state': 'enabled',
      'unmanaged': {'Filter': {'Tag': {'Key': 'k', 'Value': 'v'}}}}),
    ({'ID': 'r', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'Days': 3},
      'NoncurrentVersionExpiration': {'NoncurrentDays': 1}},
     {'id': 'r', 'prefix': '', 'expiration_days': 3, 'state': 'enabled',
      'unmanaged': {'NoncurrentVersionExpiration': {'NoncurrentDays': 1}}}),
    ({'ID': 'r', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'Date': '2030-01-01T00:00:00Z'}},
     {'id': 'r', 'prefix': '', 'expiration_days': None, 'state': 'enabled',
      'unmanaged': {'Expiration': {'Date': '2030-01-01T00:00:00Z'}}}),
])
def test_lifecycle_rules_are_normalised(server_rule, expected):
    assert minio_bucket.normalize_lifecycle_rule(server_rule) == expected


def test_lifecycle_order_does_not_matter():
    rules = [{'ID': 'b', 'Prefix': '', 'Status': 'Enabled', 'Expiration': {'Days': 1}},
             {'ID': 'a', 'Filter': {'Prefix': 'x/'}, 'Status': 'Enabled', 'Expiration': {'Days': 2}}]
    wanted = [{'id': 'a', 'prefix': 'x/', 'expiration_days': 2, 'state': 'enabled'},
              {'id': 'b', 'prefix': '', 'expiration_days': 1, 'state': 'enabled'}]
    assert minio_bucket.normalize_lifecycle(rules) == minio_bucket.wanted_lifecycle(wanted[::-1])


def test_a_rule_with_settings_the_module_does_not_manage_is_replaced(monkeypatch):
    bucket = FakeBucket(lifecycle=[{'ID': 'r', 'Filter': {'Prefix': ''}, 'Status': 'Enabled',
                                    'Expiration': {'Days': 3}, 'Transitions': [{'Days': 1, 'StorageClass': 'X'}]}])
    client = FakeS3Client({'raw-events': bucket})
    result = run(monkeypatch, client, lifecycle=[{'id': 'r', 'expiration_days': 3}])
    assert result['actions'] == ['put_bucket_lifecycle_configuration r']
    assert 'Transitions' not in bucket.lifecycle[0]


def test_disabling_a_rule_is_a_change(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket()})
    run(monkeypatch, client, lifecycle=[{'id': 'r', 'expiration_days': 3}])
    result = run(monkeypatch, client, lifecycle=[{'id': 'r', 'expiration_days': 3, 'state': 'disabled'}])
    assert result['actions'] == ['put_bucket_lifecycle_configuration r']
    assert client.buckets['raw-events'].lifecycle[0]['Status'] == 'Disabled'


def test_empty_lifecycle_deletes_the_configuration(monkeypatch):
    client = FakeS3Client({'raw-events': converged_bucket()})
    assert run(monkeypatch, client, policy='readonly', lifecycle=[])['actions'] == ['delete_bucket_lifecycle']
    assert run(monkeypatch, client, policy='readonly', lifecycle=[])['changed'] is False


@pytest.mark.parametrize('rules, message', [
    ([{'id': 'r', 'expiration_days': 1}, {'id': 'r', 'expiration_days': 2}],
     'lifecycle rule ids must be unique; used more than once: r'),
    ([{'id': 'r', 'expiration_days': 0}], 'lifecycle expiration_days must be at least 1 (rules r)'),
])
def test_bad_lifecycle_rules_are_refused_before_any_call(monkeypatch, rules, message):
    client = FakeS3Client()
    assert run(monkeypatch, client, expect=FailJson, lifecycle=rules)['msg'] == message
    assert client.calls == []


# ---------------------------------------------------------------- state: absent

def test_absent_on_a_missing_bucket_changes_nothing(monkeypatch):
    client = FakeS3Client()
    result = run(monkeypatch, client, diff=True, state='absent')
    assert result['changed'] is False
    assert result['diff'] == {'before': {'state': 'absent'}, 'after': {'state': 'absent'}}
    assert client.writes == []


def test_absent_deletes_an_empty_bucket(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket()})
    result = run(monkeypatch, client, diff=True, state='absent')
    assert result['actions'] == ['delete_bucket']
    assert result['diff'] == {'before': {'state': 'present'}, 'after': {'state': 'absent'}}
    assert client.buckets == {}


@pytest.mark.parametrize('content', [
    {'versions': [{'Key': 'a.csv', 'VersionId': 'null'}]},
    {'delete_markers': [{'Key': 'a.csv', 'VersionId': 'v2'}]},   # only a delete marker left: still not empty
])
def test_absent_refuses_a_non_empty_bucket_without_force(monkeypatch, content):
    client = FakeS3Client({'raw-events': FakeBucket(**content)})
    result = run(monkeypatch, client, expect=FailJson, state='absent')
    assert "bucket 'raw-events' is not empty (it holds 'a.csv', for one); set force: true" in result['msg']
    assert client.writes == []
    assert 'raw-events' in client.buckets


def test_absent_with_force_deletes_versions_markers_and_uploads_first(monkeypatch):
    bucket = FakeBucket(versioning='Enabled',
                        versions=[{'Key': 'a', 'VersionId': '1'}, {'Key': 'a', 'VersionId': '2'}],
                        delete_markers=[{'Key': 'b', 'VersionId': '3'}],
                        uploads=[{'Key': 'big', 'UploadId': 'u1'}])
    client = FakeS3Client({'raw-events': bucket})
    result = run(monkeypatch, client, state='absent', force=True)
    assert result['actions'] == ['delete_objects 3 object versions', 'abort_multipart_upload big', 'delete_bucket']
    assert client.writes == ['delete_objects', 'abort_multipart_upload', 'delete_bucket']
    assert 'BypassGovernanceRetention' not in client.kwargs_of('delete_objects')
    assert client.buckets == {}


def test_force_pages_through_many_versions_in_batches_of_1000(monkeypatch):
    """Every listed page is deleted, in batches DeleteObjects accepts, even from a server with pages > 1000."""
    versions = [{'Key': 'k%04d' % i, 'VersionId': 'null'} for i in range(2500)]
    client = FakeS3Client({'raw-events': FakeBucket(versions=versions)}, page_size=1200)
    result = run(monkeypatch, client, state='absent', force=True)
    assert result['actions'] == ['delete_objects 1000 object versions', 'delete_objects 200 object versions',
                                 'delete_objects 1000 object versions', 'delete_objects 200 object versions',
                                 'delete_objects 100 object versions', 'delete_bucket']
    assert client.buckets == {}


def test_force_in_check_mode_lists_what_it_would_delete_and_deletes_nothing(monkeypatch):
    bucket = FakeBucket(versions=[{'Key': 'a', 'VersionId': 'null'}])
    client = FakeS3Client({'raw-events': bucket})
    result = run(monkeypatch, client, check_mode=True, state='absent', force=True)
    assert result['changed'] is True
    assert result['actions'] == ['delete_objects 1 object versions', 'delete_bucket']
    assert client.writes == []
    assert bucket.versions == [{'Key': 'a', 'VersionId': 'null'}]


def test_force_on_an_object_lock_bucket_bypasses_governance_retention(monkeypatch):
    bucket = FakeBucket(versioning='Enabled', object_lock=True, versions=[{'Key': 'a', 'VersionId': '1'}])
    client = FakeS3Client({'raw-events': bucket})
    run(monkeypatch, client, state='absent', force=True)
    assert client.kwargs_of('delete_objects')['BypassGovernanceRetention'] is True
    assert client.buckets == {}


def test_objects_that_cannot_be_deleted_keep_the_bucket_and_say_why(monkeypatch):
    bucket = FakeBucket(versions=[{'Key': 'a', 'VersionId': '1'}])
    client = FakeS3Client({'raw-events': bucket})
    client.delete_objects = lambda **kwargs: {'Errors': [{'Key': 'a', 'Code': 'AccessDenied', 'Message': 'retention'}]}
    result = run(monkeypatch, client, expect=FailJson, state='absent', force=True)
    assert "could not delete 1 object versions from bucket 'raw-events', so the bucket was kept: a (AccessDenied" \
        in result['msg']
    assert 'delete_bucket' not in client.operations


def test_bucket_not_empty_at_delete_time_is_explained(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket()},
                          fail={'delete_bucket': client_error('BucketNotEmpty', 'DeleteBucket', 409)})
    result = run(monkeypatch, client, expect=FailJson, state='absent')
    assert 'unfinished multipart uploads remain); set force: true' in result['msg']


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize('name, problem', [
    ('ab', 'must be 3 to 63 characters long (is 2)'),
    ('a' * 64, 'must be 3 to 63 characters long (is 64)'),
    ('Raw_Events', 'may only contain lowercase letters, digits, dots and hyphens'),
    ('-raw', 'must begin and end with a lowercase letter or a digit'),
    ('raw..events', 'must not contain ".."'),
    ('192.168.1.10', 'must not be formatted as an IP address'),
    ('xn--raw', 'must not start with "xn--"'),
])
def test_invalid_bucket_names_are_refused_before_any_connection(monkeypatch, name, problem):
    def no_client(module):
        raise AssertionError('no client may be made for an invalid name')

    monkeypatch.setattr(minio_bucket, 's3_client', no_client)
    args = dict(endpoint_url=ENDPOINT, access_key='datamesh', secret_key='x', name=name)
    with patch_module_args(args):
        with pytest.raises(FailJson) as raised:
            minio_bucket.main()
    assert raised.value.args[0]['msg'].startswith('invalid bucket name %r: it ' % name)
    assert problem in raised.value.args[0]['msg']


@pytest.mark.parametrize('code, expected', [
    ('SignatureDoesNotMatch', "secret_key is wrong for access_key 'datamesh'"),
    ('InvalidAccessKeyId', "does not know access_key 'datamesh' (InvalidAccessKeyId)"),
])
def test_wrong_credentials_say_which_credential_is_wrong(monkeypatch, code, expected):
    client = FakeS3Client({'raw-events': FakeBucket()}, credential_error=code)
    result = run(monkeypatch, client, expect=FailJson)
    assert expected in result['msg']
    assert ENDPOINT in result['msg']
    assert 's3cr3t-key' not in json.dumps(result)
    # HEAD has no error body, so the module asked again with a GET to learn the reason
    assert client.operations == ['head_bucket', 'get_bucket_location']


def test_access_denied_names_the_key_and_the_call(monkeypatch):
    client = FakeS3Client({'raw-events': FakeBucket()},
                          fail={'get_bucket_policy': client_error('AccessDenied', 'GetBucketPolicy', 403)})
    result = run(monkeypatch, client, expect=FailJson, policy='private')
    assert result['msg'].startswith("get_bucket_policy on bucket 'raw-events' was denied to access_key 'datamesh'")


def test_unreachable_endpoint(monkeypatch):
    client = FakeS3Client(fail={'head_bucket': EndpointConnectionError(endpoint_url=ENDPOINT + '/raw-events')})
    result = run(monkeypatch, client, expect=FailJson)
    assert result['msg'].startswith('cannot reach the S3 endpoint %s: Could not connect' % ENDPOINT)


def test_tls_error(monkeypatch):
    client = FakeS3Client(fail={'head_bucket': SSLError(endpoint_url=ENDPOINT, error='certificate verify failed')})
    result = run(monkeypatch, client, expect=FailJson)
    assert result['msg'].startswith('TLS error talking to %s' % ENDPOINT)
    assert 'ca_bundle' in result['msg']


def test_server_error_during_a_write_reports_the_calls_made_so_far(monkeypatch):
    client = FakeS3Client(fail={'put_bucket_tagging': client_error('InvalidTag', 'PutBucketTagging', 400, 'bad key')})
    result = run(monkeypatch, client, expect=FailJson, tags={'a': 'b'})
    assert result['msg'] == "put_bucket_tagging on bucket 'raw-events' failed: InvalidTag: bad key"
    assert result['actions'] == ['create_bucket', 'put_bucket_tagging a']


# ---------------------------------------------------------------- diff

def test_diff_of_a_new_bucket(monkeypatch):
    result = run(monkeypatch, FakeS3Client(), diff=True, versioning='enabled', tags={'a': '1'})
    assert result['diff'] == {
        'before': {'state': 'absent'},
        'after': {'state': 'present', 'versioning': 'enabled', 'tags': {'a': '1'}},
    }


def test_no_diff_without_diff_mode(monkeypatch):
    assert 'diff' not in run(monkeypatch, FakeS3Client())
