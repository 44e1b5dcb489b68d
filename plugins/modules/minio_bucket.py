#!/usr/bin/python
# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r'''
module: minio_bucket
short_description: Manage S3 buckets on MinIO or another S3 server
version_added: 0.1.0
description:
  - Creates and deletes buckets through the S3 API (boto3), idempotently.
  - Manages versioning, the bucket policy, object lock (at creation), tags and lifecycle expiry rules.
  - Compares what the server has with what the task asks for and makes only the calls needed;
    the calls made are returned in RV(actions).
  - Works with MinIO and other S3 implementations; tested live against Ceph RADOS Gateway.
author:
  - datamesh.platform maintainers (!UNKNOWN)
extends_documentation_fragment:
  - datamesh.platform.minio
  - datamesh.platform.minio.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff holds the managed properties (C(state) and every option given) before and after.
  idempotent:
    support: full
requirements:
  - boto3
options:
  name:
    description:
      - Name of the bucket.
      - Checked against the S3 naming rules before anything is sent to the server.
    type: str
    required: true
    aliases: [bucket]
  state:
    description:
      - V(present) creates the bucket if needed and applies the options given.
      - V(absent) deletes it. A bucket that still holds objects is only deleted with O(force=true).
    type: str
    choices: [present, absent]
    default: present
  versioning:
    description:
      - V(enabled) keeps every version of every object; V(suspended) stops creating new versions.
      - A bucket that never had versioning counts as V(suspended).
      - Not managed when not set (a bucket created with O(object_lock=true) has versioning enabled).
    type: str
    choices: [enabled, suspended]
  policy:
    description:
      - Anonymous access to the bucket, as a bucket policy.
      - Not managed when not set, as in M(amazon.aws.s3_bucket). A policy that someone else put on the
        bucket is then neither read nor changed. Removing a policy is always explicit.
      - V(private) means no bucket policy at all; an existing policy is removed. The string V(null)
        and V({}) mean the same (the spellings of M(amazon.aws.s3_bucket)). An unquoted YAML C(null)
        is "not set".
      - V(readonly) lets anyone list the bucket and download objects.
      - V(public) lets anyone list, download, upload and delete objects.
      - Anything else must be a bucket policy, as a JSON string or a dictionary. It is compared
        with the server's policy by meaning, not as text (order of statements and of values,
        a single value or a list of one).
      - It used to default to V(private), which deleted on every run a policy that the task did not declare.
    type: raw
  object_lock:
    description:
      - Create the bucket with S3 object lock (WORM retention), which also enables versioning.
      - Object lock can only be chosen when the bucket is created. For an existing bucket the
        module fails when this differs from what the bucket has.
      - Not checked when not set.
    type: bool
  tags:
    description:
      - Tags of the bucket (key to value). V({}) removes all tags.
      - Not managed when not set.
    type: dict
  purge_tags:
    description:
      - Remove tags that are not in O(tags). With V(false) the tags given are added or updated
        and other tags are kept.
    type: bool
    default: true
  lifecycle:
    description:
      - Lifecycle expiry rules; the bucket gets exactly these rules. V([]) removes the lifecycle configuration.
      - Compared with the server's rules after normalising them (order, empty prefix filters), so
        servers that return them differently (Ceph RGW) do not cause changes.
      - Not managed when not set.
    type: list
    elements: dict
    suboptions:
      id:
        description: Unique ID of the rule.
        type: str
        required: true
      prefix:
        description: Only objects whose key starts with this prefix expire. V('') means all objects.
        type: str
        default: ''
      expiration_days:
        description: Objects expire this many days after their creation.
        type: int
        required: true
      state:
        description: Whether the rule is applied.
        type: str
        choices: [enabled, disabled]
        default: enabled
  force:
    description:
      - With O(state=absent), delete every object, object version and delete marker (and abort
        unfinished multipart uploads) before deleting the bucket.
      - Without it, the module refuses to delete a bucket that is not empty.
      - On a bucket with object lock, governance-mode retention is bypassed; objects under
        compliance-mode retention or legal hold make the module fail.
    type: bool
    default: false
notes:
  - When O(region) is not V(us-east-1), the bucket is created with that region as location constraint.
seealso:
  - name: S3 bucket naming rules
    description: The rules O(name) is checked against.
    link: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
'''

EXAMPLES = r'''
- name: A versioned bucket with tags and a lifecycle rule
  datamesh.platform.minio_bucket:
    endpoint_url: https://minio.example.com:9000
    access_key: "{{ minio_root_user }}"
    secret_key: "{{ minio_root_password }}"
    name: raw-events
    versioning: enabled
    tags:
      domain: sales
      owner: data-team
    lifecycle:
      - id: expire-tmp
        prefix: tmp/
        expiration_days: 7

- name: A bucket anyone may read
  datamesh.platform.minio_bucket:
    endpoint_url: https://minio.example.com:9000
    access_key: "{{ minio_root_user }}"
    secret_key: "{{ minio_root_password }}"
    name: public-datasets
    policy: readonly

- name: An immutable audit bucket (object lock can only be set at creation)
  datamesh.platform.minio_bucket:
    endpoint_url: https://minio.example.com:9000
    access_key: "{{ minio_root_user }}"
    secret_key: "{{ minio_root_password }}"
    ca_bundle: /etc/ssl/certs/datamesh-ca.pem
    name: audit-log
    object_lock: true
    versioning: enabled

- name: A custom bucket policy (a dictionary or a JSON string)
  datamesh.platform.minio_bucket:
    endpoint_url: https://minio.example.com:9000
    access_key: "{{ minio_root_user }}"
    secret_key: "{{ minio_root_password }}"
    name: reports
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {AWS: ["*"]}
          Action: s3:GetObject
          Resource: arn:aws:s3:::reports/public/*

- name: Delete a bucket and everything in it
  datamesh.platform.minio_bucket:
    endpoint_url: https://minio.example.com:9000
    access_key: "{{ minio_root_user }}"
    secret_key: "{{ minio_root_password }}"
    name: scratch
    state: absent
    force: true
'''

RETURN = r'''
actions:
  description:
    - The S3 calls that changed something, in order, each with a short note of what it set.
    - In check mode, the calls that would have been made.
  returned: always
  type: list
  elements: str
  sample: ["create_bucket", "put_bucket_versioning Status=Enabled", "put_bucket_tagging domain,owner"]
bucket:
  description:
    - The managed properties of the bucket after the task (in check mode, as they would be).
    - Holds C(name) and C(state); with O(state=present) also C(policy) (V(null) for no policy),
      C(versioning), C(object_lock), C(tags) and C(lifecycle) for the options the task set.
  returned: always
  type: dict
  sample:
    name: raw-events
    state: present
    versioning: enabled
    policy: null
    tags: {domain: sales}
    lifecycle: [{id: expire-tmp, prefix: tmp/, expiration_days: 7, state: enabled}]
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.datamesh.platform.plugins.module_utils.minio import (
    BOTO3_ERRORS,
    boto3_error_code,
    boto3_error_message,
    bucket_name_problems,
    minio_argument_spec,
    policy_equal,
    s3_client,
)

CANNED_POLICIES = ('private', 'readonly', 'public')
# MinIO's canned anonymous policies ("mc anonymous set download|public"), so a bucket set
# up with mc compares equal.
_READ_BUCKET = ['s3:GetBucketLocation', 's3:ListBucket']
_WRITE_BUCKET = ['s3:ListBucketMultipartUploads']
_READ_OBJECT = ['s3:GetObject']
_WRITE_OBJECT = ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListMultipartUploadParts', 's3:PutObject']
_NOT_FOUND = {
    'policy': ('NoSuchBucketPolicy',),
    'tags': ('NoSuchTagSet',),
    'lifecycle': ('NoSuchLifecycleConfiguration',),
    'object_lock': ('ObjectLockConfigurationNotFoundError',),
}
_DELETE_BATCH = 1000   # DeleteObjects takes at most 1000 keys


def canned_policy(kind, bucket):
    """The bucket policy for policy=readonly|public; None for private."""
    if kind == 'private':
        return None
    bucket_actions = _READ_BUCKET + (_WRITE_BUCKET if kind == 'public' else [])
    object_actions = sorted(_READ_OBJECT + (_WRITE_OBJECT if kind == 'public' else []))
    return {
        'Version': '2012-10-17',
        'Statement': [
            {'Effect': 'Allow', 'Principal': {'AWS': ['*']}, 'Action': bucket_actions,
             'Resource': ['arn:aws:s3:::%s' % bucket]},
            {'Effect': 'Allow', 'Principal': {'AWS': ['*']}, 'Action': object_actions,
             'Resource': ['arn:aws:s3:::%s/*' % bucket]},
        ],
    }


def wanted_policy(value, bucket):
    """(policy document or None for "no policy", error message or None) for a policy option that is set."""
    if isinstance(value, str) and value in CANNED_POLICIES:
        return canned_policy(value, bucket), None
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as e:
            return None, ('policy must be one of %s or a JSON bucket policy; the text given is not JSON: %s'
                          % (', '.join(CANNED_POLICIES), e))
    if value is None or value == {}:
        # "null" and {}: no policy, as amazon.aws.s3_bucket reads them
        return None, None
    if not isinstance(value, dict):
        return None, ('policy must be one of %s or a bucket policy document (a JSON object), got %s'
                      % (', '.join(CANNED_POLICIES), type(value).__name__))
    return value, None


def normalize_lifecycle_rule(rule):
    """A server's lifecycle rule in the module's shape: id, prefix, expiration_days, state.

    Whatever the shape cannot express (tag filters, transitions, noncurrent-version rules,
    expiry by date...) is kept under 'unmanaged', so such a rule never equals a wanted one.
    Servers spell "all objects" differently: Filter {Prefix: ''}, an empty Filter, or, like
    Ceph RGW, a top-level Prefix with no Filter.
    """
    rule = dict(rule)
    unmanaged = {}
    out = {'id': rule.pop('ID', ''), 'state': 'enabled' if rule.pop('Status', None) == 'Enabled' else 'disabled'}
    top_prefix = rule.pop('Prefix', None)
    flt = rule.pop('Filter', None)
    if flt is None or flt == {}:
        prefix = top_prefix or ''
    elif set(flt) == {'Prefix'} and not top_prefix:
        prefix = flt['Prefix'] or ''
    else:
        prefix = top_prefix or ''
        unmanaged['Filter'] = flt
    out['prefix'] = prefix
    expiration = rule.pop('Expiration', None)
    if isinstance(expiration, dict) and set(expiration) == {'Days'}:
        out['expiration_days'] = expiration['Days']
    else:
        out['expiration_days'] = None
        if expiration is not None:
            unmanaged['Expiration'] = expiration
    unmanaged.update(rule)
    if unmanaged:
        out['unmanaged'] = unmanaged
    return out


def normalize_lifecycle(rules):
    return sorted((normalize_lifecycle_rule(r) for r in rules or []), key=lambda r: r['id'])


def wanted_lifecycle(rules):
    return sorted(({'id': r['id'], 'prefix': r['prefix'] or '', 'expiration_days': r['expiration_days'],
                    'state': r['state']} for r in rules), key=lambda r: r['id'])


def lifecycle_configuration(rules):
    return {'Rules': [{'ID': r['id'], 'Filter': {'Prefix': r['prefix']},
                       'Status': 'Enabled' if r['state'] == 'enabled' else 'Disabled',
                       'Expiration': {'Days': r['expiration_days']}} for r in rules]}


class BucketManager:
    """Reads a bucket's state, compares it with the task and makes the calls needed."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.name = module.params['name']
        self.check_mode = module.check_mode
        self.actions = []

    # ------------------------------------------------------------ calls
    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, actions=self.actions, **kwargs)

    def call(self, operation, not_found=(), explain=None, **kwargs):
        """Calls client.<operation>.

        Returns None for the error codes in not_found; fails with explain[code] for the codes
        in explain, and with a message from module_utils for any other error.
        """
        try:
            return getattr(self.client, operation)(**kwargs)
        except BOTO3_ERRORS as e:
            code = boto3_error_code(e)
            if code in not_found:
                return None
            if explain and code in explain:
                self.fail(explain[code])
            self.fail(boto3_error_message(e, operation, self.params['endpoint_url'], self.params['access_key'],
                                          bucket=self.name))

    def write(self, action, operation, explain=None, **kwargs):
        """A call that changes the server: recorded in actions, skipped in check mode."""
        self.actions.append(action)
        if not self.check_mode:
            self.call(operation, explain=explain, **kwargs)

    # ------------------------------------------------------------ reading
    def exists(self):
        try:
            self.client.head_bucket(Bucket=self.name)
            return True
        except BOTO3_ERRORS as e:
            code = boto3_error_code(e)
            if code in ('404', 'NoSuchBucket', 'NotFound'):
                return False
            if code in ('400', '403'):
                # HEAD responses have no body, so no error code: ask again with a GET to learn
                # what is wrong (wrong secret, unknown key, no permission).
                self.call('get_bucket_location', Bucket=self.name)
            self.fail(boto3_error_message(e, 'head_bucket', self.params['endpoint_url'], self.params['access_key'],
                                          bucket=self.name))

    def read(self, keys):
        """The current value of each managed property in keys."""
        state = {}
        if 'versioning' in keys:
            status = (self.call('get_bucket_versioning', Bucket=self.name) or {}).get('Status')
            state['versioning'] = {'Enabled': 'enabled', 'Suspended': 'suspended'}.get(status, 'disabled')
        if 'object_lock' in keys:
            conf = self.call('get_object_lock_configuration', not_found=_NOT_FOUND['object_lock'], Bucket=self.name)
            state['object_lock'] = (conf or {}).get('ObjectLockConfiguration', {}).get('ObjectLockEnabled') == 'Enabled'
        if 'policy' in keys:
            resp = self.call('get_bucket_policy', not_found=_NOT_FOUND['policy'], Bucket=self.name)
            text = (resp or {}).get('Policy')
            state['policy'] = json.loads(text) if text else None
        if 'tags' in keys:
            resp = self.call('get_bucket_tagging', not_found=_NOT_FOUND['tags'], Bucket=self.name)
            state['tags'] = {t['Key']: t['Value'] for t in (resp or {}).get('TagSet', [])}
        if 'lifecycle' in keys:
            resp = self.call('get_bucket_lifecycle_configuration', not_found=_NOT_FOUND['lifecycle'], Bucket=self.name)
            state['lifecycle'] = normalize_lifecycle((resp or {}).get('Rules'))
        return state

    # ------------------------------------------------------------ state: present
    def wanted(self):
        """The managed properties the task asks for (validated, before any call)."""
        p = self.params
        want = {}
        if p['versioning'] is not None:
            want['versioning'] = p['versioning']
        if p['object_lock'] is not None:
            want['object_lock'] = p['object_lock']
            if p['object_lock'] and p['versioning'] == 'suspended':
                self.fail('object_lock: true needs versioning enabled; versioning: suspended is not possible on '
                          'a bucket with object lock')
        if p['policy'] is not None:
            policy, error = wanted_policy(p['policy'], self.name)
            if error:
                self.fail(error)
            want['policy'] = policy
        if p['tags'] is not None:
            want['tags'] = {str(k): str(v) for k, v in p['tags'].items()}
        if p['lifecycle'] is not None:
            ids = [r['id'] for r in p['lifecycle']]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                self.fail('lifecycle rule ids must be unique; used more than once: %s' % ', '.join(duplicates))
            short = [r['id'] for r in p['lifecycle'] if r['expiration_days'] < 1]
            if short:
                self.fail('lifecycle expiration_days must be at least 1 (rules %s)' % ', '.join(short))
            want['lifecycle'] = wanted_lifecycle(p['lifecycle'])
        return want

    def present(self):
        want = self.wanted()
        keys = set(want)
        if want.get('versioning') == 'suspended':
            keys.add('object_lock')   # suspending is refused on object-lock buckets: say so up front
        if self.exists():
            before = self.read(keys)
            self.check_object_lock(before, want)
        else:
            before = None
            self.create(want)
        current = self.new_bucket_state(want) if before is None else before
        self.apply(current, want)
        after = dict(want)
        if want.get('versioning') == 'suspended' and current['versioning'] == 'disabled':
            after['versioning'] = 'disabled'   # never versioned: left as it is
        if before is not None:
            before = {k: v for k, v in before.items() if k in want}
        return before, after

    def check_object_lock(self, current, want):
        if 'object_lock' not in want or want['object_lock'] == current['object_lock']:
            return
        if want['object_lock']:
            self.fail('bucket %r exists without object lock, and object lock can only be enabled when a bucket is '
                      'created: create a new bucket with object_lock: true and copy the objects over, or drop '
                      'object_lock from the task' % self.name)
        self.fail('bucket %r has object lock enabled, which cannot be switched off: set object_lock: true '
                  '(or leave it out) for this bucket' % self.name)

    def create(self, want):
        kwargs = {'Bucket': self.name}
        note = ''
        if self.params['region'] != 'us-east-1':
            kwargs['CreateBucketConfiguration'] = {'LocationConstraint': self.params['region']}
            note += ' LocationConstraint=%s' % self.params['region']
        if want.get('object_lock'):
            kwargs['ObjectLockEnabledForBucket'] = True
            note += ' ObjectLockEnabledForBucket=true'
        self.write('create_bucket' + note, 'create_bucket', **kwargs)

    @staticmethod
    def new_bucket_state(want):
        """What a bucket made by create() has before apply(): versioning comes with object lock."""
        state = {'versioning': 'enabled' if want.get('object_lock') else 'disabled',
                 'object_lock': bool(want.get('object_lock')), 'policy': None, 'tags': {}, 'lifecycle': []}
        return {k: v for k, v in state.items() if k in want}

    def apply(self, current, want):
        if 'versioning' in want:
            have, wanted = current['versioning'], want['versioning']
            if wanted == 'suspended' and current.get('object_lock'):
                self.fail('versioning cannot be suspended on bucket %r: it has object lock, which needs versioning'
                          % self.name)
            if have != wanted and not (wanted == 'suspended' and have == 'disabled'):
                status = wanted.capitalize()
                self.write('put_bucket_versioning Status=%s' % status, 'put_bucket_versioning', Bucket=self.name,
                           VersioningConfiguration={'Status': status})
        if 'policy' in want:
            want['policy'] = self.apply_policy(current['policy'], want['policy'])
        if 'tags' in want:
            wanted = want['tags'] if self.params['purge_tags'] else dict(current['tags'], **want['tags'])
            want['tags'] = wanted
            if wanted != current['tags']:
                if wanted:
                    self.write('put_bucket_tagging %s' % ','.join(sorted(wanted)), 'put_bucket_tagging',
                               Bucket=self.name,
                               Tagging={'TagSet': [{'Key': k, 'Value': v} for k, v in sorted(wanted.items())]})
                else:
                    self.write('delete_bucket_tagging', 'delete_bucket_tagging', Bucket=self.name)
        if 'lifecycle' in want and want['lifecycle'] != current['lifecycle']:
            if want['lifecycle']:
                self.write('put_bucket_lifecycle_configuration %s' % ','.join(r['id'] for r in want['lifecycle']),
                           'put_bucket_lifecycle_configuration', Bucket=self.name,
                           LifecycleConfiguration=lifecycle_configuration(want['lifecycle']))
            else:
                self.write('delete_bucket_lifecycle', 'delete_bucket_lifecycle', Bucket=self.name)

    def apply_policy(self, have, wanted):
        """Puts or deletes the policy if needed; returns the policy the bucket ends up with."""
        if wanted is None:
            if have is not None:
                self.write('delete_bucket_policy', 'delete_bucket_policy', Bucket=self.name)
            return None
        if have is not None and policy_equal(have, wanted):
            return have   # same meaning: the diff shows the server's spelling on both sides
        self.write('put_bucket_policy', 'put_bucket_policy', Bucket=self.name, Policy=json.dumps(wanted))
        return wanted

    # ------------------------------------------------------------ state: absent
    def absent(self):
        """Deletes the bucket if it exists; returns whether it existed."""
        if not self.exists():
            return False
        if self.params['force']:
            self.empty(self.read({'object_lock'})['object_lock'])
        else:
            key = self.first_version()
            if key is not None:
                self.fail('bucket %r is not empty (it holds %r, for one); set force: true to delete it with all '
                          'its objects and versions' % (self.name, key))
        self.write('delete_bucket', 'delete_bucket', Bucket=self.name, explain={
            'BucketNotEmpty': 'bucket %r is not empty (objects were added meanwhile, or unfinished multipart '
                              'uploads remain); set force: true to delete it with everything in it' % self.name})
        return True

    def first_version(self):
        resp = self.call('list_object_versions', Bucket=self.name, MaxKeys=1) or {}
        entries = resp.get('Versions', []) + resp.get('DeleteMarkers', [])
        return entries[0]['Key'] if entries else None

    def empty(self, locked):
        """Deletes every object version and delete marker, page by page, and aborts multipart uploads."""
        kwargs = {'Bucket': self.name}
        while True:
            resp = self.call('list_object_versions', **kwargs) or {}
            keys = [{'Key': v['Key'], 'VersionId': v['VersionId']}
                    for v in resp.get('Versions', []) + resp.get('DeleteMarkers', [])]
            for start in range(0, len(keys), _DELETE_BATCH):
                self.delete_objects(keys[start:start + _DELETE_BATCH], locked)
            if not resp.get('IsTruncated'):
                break
            kwargs.update(KeyMarker=resp.get('NextKeyMarker', ''), VersionIdMarker=resp.get('NextVersionIdMarker', ''))
        kwargs = {'Bucket': self.name}
        while True:
            resp = self.call('list_multipart_uploads', **kwargs) or {}
            for upload in resp.get('Uploads', []):
                self.write('abort_multipart_upload %s' % upload['Key'], 'abort_multipart_upload', Bucket=self.name,
                           Key=upload['Key'], UploadId=upload['UploadId'])
            if not resp.get('IsTruncated'):
                break
            kwargs.update(KeyMarker=resp.get('NextKeyMarker', ''), UploadIdMarker=resp.get('NextUploadIdMarker', ''))

    def delete_objects(self, keys, locked):
        kwargs = {'Bucket': self.name, 'Delete': {'Objects': keys, 'Quiet': True}}
        if locked:
            kwargs['BypassGovernanceRetention'] = True
        self.actions.append('delete_objects %d object versions' % len(keys))
        if self.check_mode:
            return
        errors = (self.call('delete_objects', **kwargs) or {}).get('Errors', [])
        if errors:
            shown = ', '.join('%s (%s: %s)' % (e.get('Key'), e.get('Code'), e.get('Message')) for e in errors[:5])
            self.fail('could not delete %d object versions from bucket %r, so the bucket was kept: %s%s'
                      % (len(errors), self.name, shown, ' ...' if len(errors) > 5 else ''))


def main():
    argument_spec = minio_argument_spec()
    argument_spec.update(
        name=dict(type='str', required=True, aliases=['bucket']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        versioning=dict(type='str', choices=['enabled', 'suspended']),
        policy=dict(type='raw'),
        object_lock=dict(type='bool'),
        tags=dict(type='dict'),
        purge_tags=dict(type='bool', default=True),
        lifecycle=dict(type='list', elements='dict', options=dict(
            id=dict(type='str', required=True),
            prefix=dict(type='str', default=''),
            expiration_days=dict(type='int', required=True),
            state=dict(type='str', default='enabled', choices=['enabled', 'disabled']),
        )),
        force=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    name = module.params['name']
    problems = bucket_name_problems(name)
    if problems:
        module.fail_json(msg='invalid bucket name %r: it %s' % (name, '; it '.join(problems)), actions=[])

    manager = BucketManager(module, s3_client(module))
    if module.params['state'] == 'present':
        before, after = manager.present()
        diff_before = dict(before, state='present') if before is not None else {'state': 'absent'}
        diff_after = dict(after, state='present')
    else:
        diff_before = {'state': 'present' if manager.absent() else 'absent'}
        diff_after = {'state': 'absent'}

    result = dict(
        changed=bool(manager.actions),
        actions=manager.actions,
        bucket=dict(diff_after, name=name),
    )
    if module._diff:
        result['diff'] = dict(before=diff_before, after=diff_after)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
