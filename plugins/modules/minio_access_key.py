#!/usr/bin/python
# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: minio_access_key
short_description: Manage MinIO access keys (service accounts), their parent user and its policies
version_added: 0.1.0
description:
  - Creates, updates and deletes a MinIO access key (called service account in MinIO's admin API)
    through the admin API, using the C(minio) Python package.
  - Optionally creates the key's parent user and manages the named policies attached to that user
    (the key inherits them) and the policy documents behind those names.
  - Idempotent by access key. An inline policy is compared semantically (statement order, one-element
    lists versus scalars), not as text.
  - "Keys of a non-admin user: MinIO's Python client cannot create an access key for another user
    (the admin API's C(targetUser) field is not exposed). This module therefore authenticates as
    that user, with O(user_secret_key), to create the user's key, so the key's parent really is
    O(user). Everything else (reading, updating, deleting keys, users and policies) is done with
    the admin credentials O(access_key)/O(secret_key)."
  - Without O(user) the key belongs to the identity in O(access_key) (for example the root user).
extends_documentation_fragment:
  - datamesh.platform.minio
  - datamesh.platform.minio.attributes
attributes:
  check_mode:
    support: full
    details:
      - Makes only read calls; RV(actions) lists the write calls that would be made.
  diff_mode:
    support: full
    details:
      - The diff holds the key, the user's existence and policies, and changed policy documents; never secrets.
  idempotent:
    support: partial
    details:
      - With O(update_secret=always), the secret of a disabled or expired key is set on every run.
requirements:
  - minio >= 7.2.5
options:
  key_access_key:
    description:
      - Access key of the key to manage (3 to 20 characters, no C(=) or C(,)).
      - It must differ from the name of its parent user (O(user), or the identity in O(access_key)) and of any
        other MinIO user. MinIO refuses an access key named like its parent user (C(XMinioIAMActionNotAllowed))
        and one that names another identity (C(XMinioIAMServiceAccountNotAllowed)). The first is refused
        before any change.
      - The connection's own credentials are O(access_key) and O(secret_key).
    type: str
    required: true
  key_secret_key:
    description:
      - Secret key of the key (8 to 40 characters).
      - When omitted and the key is created, a 40-character secret is generated and returned once as
        RV(generated_key_secret_key). MinIO never returns it again.
      - When given for an existing key, it is only applied if O(update_secret=always).
    type: str
  update_secret:
    description:
      - V(on_create) sets O(key_secret_key) only when the key is created.
      - V(always) also makes an existing key's secret equal to O(key_secret_key). MinIO never returns a
        secret, so the module checks it by signing a read-only request as the key and updates it only
        when the server rejects the signature. A disabled or expired key cannot sign requests; its
        secret is then set on every run (reported as changed, with a warning).
    type: str
    choices: [on_create, always]
    default: on_create
  user:
    description:
      - The key's parent user (MinIO's built-in identity provider). Created when missing.
      - The key is created by authenticating as this user (see the description), so O(user_secret_key)
        is needed when the user already exists and the key has to be created.
      - An existing key with another parent is not moved (MinIO cannot); the module fails instead.
      - Omit it to create the key for the identity in O(access_key). An existing key's parent is then
        not checked.
    type: str
  user_secret_key:
    description:
      - Secret key of O(user). Used to create the user when missing, and to authenticate as the user
        when its key has to be created.
      - When omitted and the user is created, a 40-character secret is generated and returned once as
        RV(generated_user_secret_key).
      - An existing user's secret is never changed.
    type: str
  policy:
    description:
      - Inline policy of the key (an IAM policy document as a dict or a JSON string). It can only narrow
        what the parent user may do.
      - V({}) removes an inline policy; the key then inherits the parent's policies unchanged.
      - When omitted, an existing inline policy is kept.
    type: json
  policies:
    description:
      - Names of the canned policies attached to O(user); the key inherits them.
      - Each must exist on the server or be defined in O(policy_documents).
      - Policies attached to the user but not listed are detached, unless O(append_policies=true).
        They apply to every key of the user.
    type: list
    elements: str
  append_policies:
    description:
      - Only attach O(policies); never detach others.
    type: bool
    default: false
  policy_documents:
    description:
      - Canned policies to create, or to update when their document differs, before they are attached.
        A mapping of policy name to document (dict or JSON string).
      - A canned policy is shared; changing it changes what every user and group it is attached to may do.
    type: dict
  description:
    description:
      - Description of the key. MinIO cannot clear a description, so it must not be empty.
    type: str
  expiration:
    description:
      - When the key expires, as an ISO 8601 / RFC 3339 time, for example V(2027-01-31T00:00:00Z). A
        time without an offset is taken as UTC.
      - MinIO requires it to be at least 15 minutes ahead when set. An expiration cannot be removed again.
    type: str
  status:
    description:
      - Whether the key can be used.
    type: str
    choices: [enabled, disabled]
    default: enabled
  state:
    description:
      - V(absent) deletes the key. Its parent user and the policies are left alone.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Needs the C(minio) Python package (7.2.5 or later; tested against 7.2.13, 7.2.16 and 7.2.20 call
    signatures) on the host that runs the module, usually the controller with C(delegate_to=localhost).
  - Generated secrets are returned in the result, which Ansible prints and logs unless the task sets
    C(no_log=true). Register the result with C(no_log=true) and store the secret right away.
  - The admin identity needs the MinIO admin actions for what it manages, for example C(admin:CreateUser),
    C(admin:GetUser), C(admin:CreatePolicy), C(admin:GetPolicy), C(admin:AttachUserOrGroupPolicy),
    C(admin:ListServiceAccounts), C(admin:UpdateServiceAccount), C(admin:RemoveServiceAccount), or be root.
  - O(path_style) has no effect on the admin API.
seealso:
  - name: MinIO access keys
    description: What an access key (service account) is and how it inherits its parent's policies.
    link: https://min.io/docs/minio/linux/administration/identity-access-management/minio-user-management.html
author:
  - datamesh.platform maintainers (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Read/write key of Trino for bucket teste, owned by user trino (created if missing)
  datamesh.platform.minio_access_key:
    endpoint_url: https://minio.example.com:9000
    access_key: "{{ minio_root_user }}"
    secret_key: "{{ minio_root_password }}"
    user: trino
    user_secret_key: "{{ vault_minio_trino_user_secret }}"
    policies: [teste-rw]
    policy_documents:
      teste-rw:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: ["s3:ListBucket", "s3:GetBucketLocation"]
            Resource: ["arn:aws:s3:::teste"]
          - Effect: Allow
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
            Resource: ["arn:aws:s3:::teste/*"]
    key_access_key: trino-teste
    key_secret_key: "{{ vault_minio_trino_teste_secret }}"
    update_secret: always
    description: Trino Hive catalog on bucket teste
  delegate_to: localhost

- name: Read-only key for the same user, narrowed by an inline policy; secret generated once
  datamesh.platform.minio_access_key:
    endpoint_url: https://minio.example.com:9000
    access_key: "{{ minio_root_user }}"
    secret_key: "{{ minio_root_password }}"
    user: trino
    user_secret_key: "{{ vault_minio_trino_user_secret }}"
    key_access_key: trino-teste-ro
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ["s3:GetObject", "s3:ListBucket"]
          Resource: ["arn:aws:s3:::teste", "arn:aws:s3:::teste/*"]
    expiration: "2027-06-30T00:00:00Z"
  delegate_to: localhost
  register: ro_key
  no_log: true

- name: Store the generated secret (only present on the run that created the key)
  ansible.builtin.copy:
    content: "{{ ro_key.generated_key_secret_key }}"
    dest: "{{ inventory_dir }}/.credentials/minio-trino-teste-ro"
    mode: "0600"
  delegate_to: localhost
  when: ro_key.generated_key_secret_key is defined
  no_log: true

- name: Disable a key without deleting it
  datamesh.platform.minio_access_key:
    endpoint_url: https://minio.example.com:9000
    access_key: "{{ minio_root_user }}"
    secret_key: "{{ minio_root_password }}"
    key_access_key: trino-teste-ro
    status: disabled
  delegate_to: localhost

- name: Delete a key
  datamesh.platform.minio_access_key:
    endpoint_url: https://minio.example.com:9000
    access_key: "{{ minio_root_user }}"
    secret_key: "{{ minio_root_password }}"
    key_access_key: trino-teste-ro
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
access_key:
  description: The managed key's access key.
  returned: always
  type: str
  sample: trino-teste
actions:
  description:
    - The admin API write calls made, in order; in check mode, the calls that would be made.
      Reads are not listed. Never contains secrets.
  returned: always
  type: list
  elements: str
  sample:
    - policy_add teste-rw
    - user_add trino
    - attach_policy teste-rw to user trino
    - "add_service_account trino-teste (parent: trino)"
key:
  description: The key after the run (as predicted, in check mode). Empty when it does not exist.
  returned: always
  type: dict
  contains:
    parent_user:
      description: User the key belongs to.
      type: str
      sample: trino
    status:
      description: V(enabled) or V(disabled).
      type: str
      sample: enabled
    description:
      description: Description of the key.
      type: str
      sample: Trino Hive catalog on bucket teste
    expiration:
      description: Expiration time in UTC, or null for none.
      type: str
      sample: "2027-06-30T00:00:00Z"
    policy:
      description: The inline policy, or null when the key inherits its parent's policies unchanged.
      type: dict
user:
  description: The parent user when O(user) is set.
  returned: when O(user) is set and O(state=present)
  type: dict
  contains:
    name:
      description: User name.
      type: str
      sample: trino
    created:
      description: Whether this run created the user (or would, in check mode).
      type: bool
    policies:
      description: Names of the policies attached to the user after the run.
      type: list
      elements: str
      sample: [teste-rw]
generated_key_secret_key:
  description:
    - The generated secret of a key created by this run without O(key_secret_key). Returned this once;
      MinIO never shows it again. Use C(no_log=true) on the task and store it.
  returned: when the key was created with a generated secret (never in check mode)
  type: str
generated_user_secret_key:
  description:
    - The generated secret of a user created by this run without O(user_secret_key). Returned this once.
  returned: when the user was created with a generated secret (never in check mode)
  type: str
'''

import datetime
import json
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.datamesh.platform.plugins.module_utils import minio_admin
from ansible_collections.datamesh.platform.plugins.module_utils.minio import (
    json_equal,
    minio_argument_spec,
)

SECRET_WARNING = ('%s was generated and is returned once as %s: store it now (MinIO never shows it '
                  'again) and keep the task under no_log: true')
EXPIRATION_RE = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$', re.I)
# MinIO reports "no expiration" as absent, or as one of these on older releases.
NO_EXPIRATION_YEARS = (1, 1970)


class ModuleFailure(Exception):
    """A failure with a message for fail_json."""


def parse_time(value):
    """An ISO 8601 / RFC 3339 time as an aware UTC datetime truncated to the second, or None
    for MinIO's "no expiration" values. Go's nanosecond fractions are accepted (3.9's
    fromisoformat would not take them)."""
    if value in (None, ''):
        return None
    match = EXPIRATION_RE.match(str(value).strip())
    if not match:
        raise ValueError('not an ISO 8601 time like 2027-01-31T00:00:00Z: %r' % value)
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    offset = match.group(8)
    tz = datetime.timezone.utc
    if offset and offset.upper() != 'Z':
        sign = -1 if offset[0] == '-' else 1
        digits = offset[1:].replace(':', '')
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second, tzinfo=tz).astimezone(datetime.timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise ValueError('not a valid time (%s): %r' % (exc, value)) from None
    if moment.year in NO_EXPIRATION_YEARS and (moment.month, moment.day, moment.hour, moment.minute, moment.second) == (1, 1, 0, 0, 0):
        return None
    return moment


def format_time(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ') if moment else None


def parse_policy(value, what):
    """A policy document (dict) from a dict or JSON text; {} stays {}."""
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ModuleFailure('%s is not valid JSON: %s' % (what, exc)) from None
    if not isinstance(value, dict):
        raise ModuleFailure('%s must be a JSON object (an IAM policy document), got %s'
                            % (what, type(value).__name__))
    if value and not value.get('Statement'):
        raise ModuleFailure('%s has no Statement: an IAM policy document needs at least one' % what)
    return value


def policies_equal(a, b):
    """json_equal() on IAM policy documents, with a lone Statement object taken as a list of
    one (the form MinIO stores and returns)."""
    return json_equal(_statement_list(a), _statement_list(b))


def _statement_list(document):
    if isinstance(document, dict) and isinstance(document.get('Statement'), dict):
        document = dict(document, Statement=[document['Statement']])
    return document


def split_policies(policy_name):
    return sorted(p for p in (policy_name or '').split(',') if p)


def key_view(info):
    """The parts of get_service_account's answer the module manages, in the module's terms."""
    try:
        expiration = format_time(parse_time(info.get('expiration')))
    except ValueError:
        expiration = str(info.get('expiration'))   # unknown format: compared as text, so it shows in the diff
    policy = None
    if not info.get('impliedPolicy') and info.get('policy'):
        policy = info['policy']
        if isinstance(policy, str):
            policy = minio_admin.parse_json(policy, 'get_service_account (policy)')
    return {
        'parent_user': info.get('parentUser'),
        'status': 'disabled' if info.get('accountStatus') in ('off', 'disabled') else 'enabled',
        'description': info.get('description') or '',
        'expiration': expiration,
        'policy': policy,
    }


class AccessKeyManager:
    """The decision logic: compares what exists with what is asked and calls AdminClient."""

    def __init__(self, module, backend):
        self.module = module
        self.params = module.params
        self.backend = backend
        self.check_mode = module.check_mode
        self.actions = []
        self.changed = False
        self.before = {}
        self.after = {}
        self.result = {}
        self.admin = self.connect(self.params['access_key'], self.params['secret_key'])

    # ------------------------------------------------------------------ helpers
    def connect(self, access_key, secret_key):
        p = self.params
        try:
            return minio_admin.connect(self.backend, p['endpoint_url'], access_key, secret_key,
                                       region=p['region'], validate_certs=p['validate_certs'],
                                       ca_bundle=p['ca_bundle'], check_mode=self.check_mode,
                                       actions=self.actions)
        except ValueError as exc:
            raise ModuleFailure(str(exc)) from None

    def admin_call(self, what, func, *args, **kwargs):
        """Calls the admin client; turns errors of the admin identity into clear messages."""
        try:
            return func(*args, **kwargs)
        except minio_admin.AdminError as err:
            raise ModuleFailure(explain(err, what, 'access_key %r' % self.params['access_key'])) from None

    # ------------------------------------------------------------------ validation
    def validated(self):
        p = self.params
        wanted = {}
        if p['description'] == '':
            raise ModuleFailure('description must not be empty: MinIO cannot clear a description')
        if p['user'] is not None and p['user'] == p['access_key']:
            raise ModuleFailure('user %r is the identity in access_key: omit user to manage a key of that identity'
                                % p['user'])
        parent = p['user'] if p['user'] is not None else p['access_key']
        if p['state'] == 'present' and p['key_access_key'] == parent:
            raise ModuleFailure(
                'key_access_key %r is the name of its parent user%s: MinIO refuses an access key named like the user '
                'it belongs to (XMinioIAMActionNotAllowed; minio/minio cmd/iam.go, NewServiceAccount). Give the key '
                'or its parent user another name' % (parent, '' if p['user'] is not None else ' (the identity in access_key)'))
        if p['expiration'] is not None:
            try:
                moment = parse_time(p['expiration'])
            except ValueError as exc:
                raise ModuleFailure('expiration is %s' % exc) from None
            if moment is None:
                raise ModuleFailure('expiration %r means "no expiration" to MinIO; omit the option instead'
                                    % p['expiration'])
            wanted['expiration'] = format_time(moment)
        if p['policy'] is not None:
            wanted['policy'] = parse_policy(p['policy'], 'policy')
        documents = {}
        for name, document in (p['policy_documents'] or {}).items():
            documents[name] = parse_policy(document, 'policy_documents[%r]' % name)
            if not documents[name]:
                raise ModuleFailure('policy_documents[%r] is empty' % name)
        wanted['policy_documents'] = documents
        return wanted

    # ------------------------------------------------------------------ present
    def present(self):
        p = self.params
        wanted = self.validated()
        # Reads first: whatever can be refused is refused before the first write.
        self.check_named_policies(wanted['policy_documents'])
        key_info = self.read_key()
        user_info = self.admin_call('read user %r' % p['user'], self.admin.user_info, p['user']) if p['user'] else None
        if key_info is None and user_info is not None and not p['user_secret_key']:
            raise ModuleFailure(
                'user %r exists and access key %r has to be created for it, which needs user_secret_key: '
                'MinIO\'s Python client can only create an access key for the identity it authenticates as. '
                'Give the user\'s secret (it is not changed), or create the key once with '
                '"mc admin accesskey create ALIAS %s"' % (p['user'], p['key_access_key'], p['user']))
        self.ensure_policy_documents(wanted['policy_documents'])
        user = self.ensure_user(user_info) if p['user'] else None
        if user is not None and p['policies'] is not None:
            self.ensure_user_policies(user)
        if user is not None:
            self.result['user'] = {'name': user['name'], 'created': user['created'],
                                   'policies': user['policies']}
        if key_info is None:
            self.before['key'] = {}
            self.create_key(wanted, user)
        else:
            self.update_key(wanted, self.before['key'])

    def read_key(self):
        """get_service_account's answer (None when missing); an existing key's parent is checked."""
        key = self.params['key_access_key']
        info = self.admin_call('read access key %r' % key, self.admin.service_account_info, key)
        if info is not None:
            current = key_view(info)
            self.check_parent(current)
            self.before['key'] = current
        return info

    def check_named_policies(self, documents):
        """Every name in policies exists or is defined in policy_documents; checked before any write."""
        for name in sorted(set(self.params['policies'] or ()) - set(documents)):
            if self.admin_call('read policy %r' % name, self.admin.policy_info, name) is None:
                raise ModuleFailure('unknown named policy %r in policies: create it first or define it in '
                                    'policy_documents' % name)

    def ensure_policy_documents(self, documents):
        for name in sorted(documents):
            document = documents[name]
            current = self.admin_call('read policy %r' % name, self.admin.policy_info, name)
            if current is not None and policies_equal(current, document):
                continue
            self.admin_call('write policy %r' % name, self.admin.policy_add, name, document)
            self.changed = True
            self.before.setdefault('policy_documents', {})[name] = current
            self.after.setdefault('policy_documents', {})[name] = document

    def ensure_user(self, info):
        p = self.params
        name = p['user']
        if info is not None:
            if info.get('status') == 'disabled':
                self.module.warn('user %r is disabled: its access keys cannot be used until it is enabled' % name)
            policies = split_policies(info.get('policyName'))
            self.before['user'] = {'name': name, 'exists': True, 'policies': policies}
            self.after['user'] = {'name': name, 'exists': True, 'policies': policies}
            return {'name': name, 'created': False, 'secret': p['user_secret_key'], 'policies': policies}
        secret = p['user_secret_key']
        generated = secret is None
        if generated:
            secret = minio_admin.generate_secret()
        self.admin_call('create user %r' % name, self.admin.user_add, name, secret)
        self.changed = True
        if generated and not self.check_mode:
            self.result['generated_user_secret_key'] = secret
            self.module.warn(SECRET_WARNING % ('the secret of user %r' % name, 'generated_user_secret_key'))
        self.before['user'] = {'name': name, 'exists': False, 'policies': []}
        self.after['user'] = {'name': name, 'exists': True, 'policies': []}
        return {'name': name, 'created': True, 'secret': secret, 'policies': []}

    def ensure_user_policies(self, user):
        p = self.params
        current = user['policies']
        target = sorted(set(p['policies']) | (set(current) if p['append_policies'] else set()))
        if target == current:
            return
        self.admin_call('attach policies to user %r' % user['name'], self.admin.set_user_policies,
                        user['name'], current, target)
        self.changed = True
        user['policies'] = target
        self.after['user']['policies'] = target

    def check_parent(self, current):
        user = self.params['user']
        if user and current['parent_user'] != user:
            raise ModuleFailure(
                'access key %r belongs to user %r, not %r: MinIO cannot move an access key to another user; '
                'delete it (state=absent without user) or choose another key_access_key'
                % (self.params['key_access_key'], current['parent_user'], user))

    def create_key(self, wanted, user):
        p = self.params
        key = p['key_access_key']
        secret = p['key_secret_key']
        generated = secret is None
        if generated:
            secret = minio_admin.generate_secret()
        policy = wanted.get('policy') or None
        if user is None:
            creator, parent = self.admin, p['access_key']
        else:
            creator, parent = self.user_client(user), user['name']
        try:
            creator.add_service_account(key, secret, description=p['description'], policy=policy,
                                        expiration=wanted.get('expiration'))
        except minio_admin.AdminError as err:
            who = 'access_key %r' % p['access_key'] if user is None else 'user %r' % user['name']
            raise ModuleFailure(explain(err, 'create access key %r' % key, who)) from None
        if p['status'] == 'disabled':
            # The admin API creates keys enabled; disabling is a second call, which must carry
            # the inline policy or MinIO drops it.
            self.admin_call('disable access key %r' % key, self.admin.update_service_account, key,
                            status='off', policy=policy, policy_kept=policy is not None)
        self.changed = True
        if generated and not self.check_mode:
            self.result['generated_key_secret_key'] = secret
            self.module.warn(SECRET_WARNING % ('the secret of access key %r' % key, 'generated_key_secret_key'))
        self.after['key'] = {
            'parent_user': parent,
            'status': p['status'],
            'description': p['description'] or '',
            'expiration': wanted.get('expiration'),
            'policy': policy,
        }

    def user_client(self, user):
        """A client authenticated as the key's parent user; the user's secret is checked with a
        read-only call first (also in check mode) unless this run creates the user."""
        client = self.connect(user['name'], user['secret'])
        if not user['created']:
            try:
                client.user_info(user['name'])
            except minio_admin.AdminError as err:
                if err.bad_credentials:
                    raise ModuleFailure(
                        'user_secret_key is not the secret of user %r, or the user is disabled (%s: %s); '
                        'MinIO cannot show a secret, so give the right one' % (user['name'], err.code, err.message)) from None
                raise ModuleFailure(explain(err, 'authenticate as user %r' % user['name'],
                                            'user %r' % user['name'])) from None
        return client

    def update_key(self, wanted, current):
        p = self.params
        key = p['key_access_key']
        changes = {}
        after = dict(current)
        if p['status'] != current['status']:
            changes['status'] = 'on' if p['status'] == 'enabled' else 'off'
            after['status'] = p['status']
        if p['description'] is not None and p['description'] != current['description']:
            changes['description'] = p['description']
            after['description'] = p['description']
        if 'expiration' in wanted and wanted['expiration'] != current['expiration']:
            changes['expiration'] = wanted['expiration']
            after['expiration'] = wanted['expiration']
        policy_changed = False
        if 'policy' in wanted:
            desired = wanted['policy'] or None
            if desired is None:
                policy_changed = current['policy'] is not None
            else:
                policy_changed = current['policy'] is None or not policies_equal(current['policy'], desired)
            after['policy'] = desired
        if p['update_secret'] == 'always' and self.secret_differs(key, current):
            changes['secret_key'] = p['key_secret_key']
        if not changes and not policy_changed:
            self.after['key'] = after
            return
        if policy_changed:
            policy, kept = (after['policy'] if after['policy'] is not None else {}), False
        else:
            policy, kept = current['policy'], current['policy'] is not None
        self.admin_call('update access key %r' % key, self.admin.update_service_account, key,
                        policy=policy, policy_kept=kept, **changes)
        self.changed = True
        self.after['key'] = after

    def secret_differs(self, key, current):
        """Signs a read-only request as the key. False when the server accepts the signature."""
        client = self.connect(key, self.params['key_secret_key'])
        try:
            client.service_account_info(key)
        except minio_admin.AdminError as err:
            if err.code == 'SignatureDoesNotMatch':
                return True
            if err.code in ('InvalidAccessKeyId', 'ExpiredToken'):
                self.module.warn('access key %r is %s, so its secret cannot be checked; it is set again'
                                 % (key, 'disabled' if current['status'] == 'disabled' else 'expired or disabled'))
                return True
            if err.code == 'AccessDenied':      # authenticated, just not allowed: the secret is right
                return False
            raise ModuleFailure(explain(err, 'check the secret of access key %r' % key,
                                        'access key %r' % key)) from None
        return False

    # ------------------------------------------------------------------ absent
    def absent(self):
        key = self.params['key_access_key']
        info = self.read_key()
        self.after['key'] = {}
        if info is None:
            self.before['key'] = {}
            return
        self.admin_call('delete access key %r' % key, self.admin.delete_service_account, key)
        self.changed = True

    # ------------------------------------------------------------------ run
    def run(self):
        if self.params['state'] == 'present':
            self.present()
        else:
            self.absent()
        result = dict(self.result, changed=self.changed, actions=self.actions,
                      access_key=self.params['key_access_key'], key=self.after.get('key', {}))
        if self.module._diff:
            result['diff'] = {'before': self.before, 'after': self.after}
        return result


def explain(err, what, identity):
    """A fail_json message for an AdminError, naming what to fix."""
    if err.code in ('InvalidAccessKeyId', 'SignatureDoesNotMatch'):
        return ('MinIO rejected the credentials of %s while trying to %s (%s: %s): check the access key and '
                'its secret, and that the account is enabled' % (identity, what, err.code, err.message))
    if err.code == 'AccessDenied':
        return ('%s is not allowed to %s (AccessDenied): it needs the matching MinIO admin permission or '
                'root credentials' % (identity, what))
    if err.code == 'XMinioAdminNoSuchPolicy':
        return 'unknown named policy while trying to %s: %s' % (what, err.message)
    if err.code in ('XMinioAdminInvalidSecretKey', 'XMinioAdminInvalidAccessKey'):
        return ('cannot %s: %s (%s); access keys have 3 to 20 characters without "=" or ",", secret keys '
                '8 to 40' % (what, err.message, err.code))
    if err.code == 'XMinioIAMActionNotAllowed':
        return ('cannot %s: %s (%s); MinIO refuses this for %s, e.g. an access key named like its parent user'
                % (what, err.message, err.code, identity))
    if err.code == 'XMinioIAMServiceAccountNotAllowed':
        return ('cannot %s: %s (%s); key_access_key may not be the name of a MinIO user or of a key of '
                'another user, and a key cannot own keys' % (what, err.message, err.code))
    if not err.from_minio and err.status in ('400', '403', '404', '405', '501'):
        return ('cannot %s: the endpoint answered HTTP %s%s, not with a MinIO admin API error; is endpoint_url a '
                'MinIO server (the admin API is MinIO-specific)? Answer: %s'
                % (what, err.status, ' %s' % err.code if err.code else '', (err.body or '')[:200]))
    return 'cannot %s: %s' % (what, err.describe())


def main():
    argument_spec = minio_argument_spec()
    argument_spec.update(
        key_access_key=dict(type='str', required=True, no_log=False),
        key_secret_key=dict(type='str', no_log=True),
        update_secret=dict(type='str', default='on_create', choices=['on_create', 'always'], no_log=False),
        user=dict(type='str'),
        user_secret_key=dict(type='str', no_log=True),
        policy=dict(type='json'),
        policies=dict(type='list', elements='str'),
        append_policies=dict(type='bool', default=False),
        policy_documents=dict(type='dict'),
        description=dict(type='str'),
        expiration=dict(type='str'),
        status=dict(type='str', default='enabled', choices=['enabled', 'disabled']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_by={'policies': ('user',), 'user_secret_key': ('user',)},
        required_if=[('update_secret', 'always', ('key_secret_key',))],
    )
    backend = minio_admin.load_backend(module)
    manager = None
    try:
        manager = AccessKeyManager(module, backend)
        result = manager.run()
    except (ModuleFailure, minio_admin.AdminError, minio_admin.EndpointError) as exc:
        msg = str(exc)
        if isinstance(exc, minio_admin.EndpointError):
            msg = ('cannot reach the MinIO admin API at %s: %s. Check endpoint_url (scheme, host, port), that the '
                   'server runs, and ca_bundle/validate_certs for TLS' % (module.params['endpoint_url'], exc))
        # What was done before the failure, so a half-done run can be understood.
        module.fail_json(msg=msg, actions=manager.actions if manager else [])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
