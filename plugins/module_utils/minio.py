# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Shared code of the MinIO/S3 modules: connection options, clients, JSON comparison.

The connection options are documented once in doc_fragments/minio.py. Optional
libraries are imported here and reported with missing_required_lib() by require_boto3()
and require_minio_admin(), so a module only fails for the library it actually uses.
"""

from __future__ import annotations

import ipaddress
import json
import re
import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import boto3
    import botocore.config
    import botocore.exceptions
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
    # What a boto3 call can raise: `except BOTO3_ERRORS` works (catches nothing) without boto3.
    BOTO3_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)
except ImportError:
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()
    BOTO3_ERRORS = ()

try:
    import minio.minioadmin   # binds `minio` too; the admin API module must be there as well
    HAS_MINIO = True
    MINIO_IMPORT_ERROR = None
except ImportError:
    HAS_MINIO = False
    MINIO_IMPORT_ERROR = traceback.format_exc()


def minio_argument_spec():
    """Connection options common to every module of this family."""
    return dict(
        endpoint_url=dict(type='str', required=True),
        access_key=dict(type='str', required=True, no_log=False),
        secret_key=dict(type='str', required=True, no_log=True),
        region=dict(type='str', default='us-east-1'),
        validate_certs=dict(type='bool', default=True),
        ca_bundle=dict(type='path'),
        path_style=dict(type='bool', default=True),
    )


def require_boto3(module):
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib('boto3'), exception=BOTO3_IMPORT_ERROR)


def require_minio_admin(module):
    """The admin API needs the minio package >= 7.2.5 (pure HTTP client with service accounts)."""
    if not HAS_MINIO:
        module.fail_json(msg=missing_required_lib('minio>=7.2.5'), exception=MINIO_IMPORT_ERROR)
    version = tuple(int(p) for p in minio.__version__.split('.')[:3] if p.isdigit())
    if version < (7, 2, 5):
        module.fail_json(msg='the minio Python package >= 7.2.5 is required (service accounts over the admin API), '
                             'found %s' % minio.__version__)


def s3_client(module):
    """A boto3 S3 client for the module's connection options (SigV4, path-style by default)."""
    require_boto3(module)
    p = module.params
    verify = p['ca_bundle'] if p['validate_certs'] and p['ca_bundle'] else p['validate_certs']
    config = botocore.config.Config(
        signature_version='s3v4',
        s3={'addressing_style': 'path' if p['path_style'] else 'auto'},
        retries={'max_attempts': 3, 'mode': 'standard'},
    )
    try:
        return boto3.client('s3', endpoint_url=p['endpoint_url'], aws_access_key_id=p['access_key'],
                            aws_secret_access_key=p['secret_key'], region_name=p['region'],
                            verify=verify, config=config)
    except ValueError as e:
        # botocore: "Invalid endpoint: minio:9000" when the scheme is missing
        module.fail_json(msg='endpoint_url %r is not a usable URL; give scheme, host and port, '
                             'e.g. https://minio.example.com:9000 (%s)' % (p['endpoint_url'], e))


def normalize_json(value):
    """Parse a JSON string (or take a dict/list) and return a canonical form for comparison.

    Lists of statements and one-element lists vs scalars are compared as AWS does:
    'Action': 's3:GetObject' equals 'Action': ['s3:GetObject'], and the order of
    statements or of values inside Action/Resource/Principal lists does not matter.
    """
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return _canonical(value)


def _canonical(value):
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        items = [_canonical(v) for v in value]
        if len(items) == 1 and not isinstance(items[0], dict):
            return items[0]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def json_equal(a, b):
    """True when two JSON documents (strings or parsed) mean the same policy."""
    return normalize_json(a) == normalize_json(b)


def policy_equal(a, b):
    """True when two bucket/IAM policies (JSON strings or parsed) grant the same.

    json_equal() plus the equivalences S3 servers apply when they store a policy:
    a lone Statement object is a list of one, and "Principal": "*" is {"AWS": "*"}
    (MinIO rewrites the former into the latter).
    """
    return json_equal(_policy_shape(a), _policy_shape(b))


def _policy_shape(policy):
    if isinstance(policy, (str, bytes)):
        policy = json.loads(policy)
    if not isinstance(policy, dict):
        return policy
    policy = dict(policy)
    statements = policy.get('Statement')
    if isinstance(statements, dict):
        statements = [statements]
    if isinstance(statements, list):
        policy['Statement'] = [_statement_shape(s) for s in statements]
    return policy


def _statement_shape(statement):
    if not isinstance(statement, dict):
        return statement
    statement = dict(statement)
    for key in ('Principal', 'NotPrincipal'):
        if statement.get(key) == '*':
            statement[key] = {'AWS': '*'}
    return statement


# ---------------------------------------------------------------- S3 bucket names and errors

_BUCKET_CHARS = re.compile(r'^[a-z0-9.-]+$')
_BUCKET_EDGE = re.compile(r'^[a-z0-9]$')
_BUCKET_PREFIXES = ('xn--', 'sthree-', 'amzn-s3-demo-')
_BUCKET_SUFFIXES = ('-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3')


def bucket_name_problems(name):
    """The S3 bucket naming rules `name` breaks (empty list = valid).

    AWS's rules (docs: "General purpose bucket naming rules"), plus MinIO's refusal of
    "-." and ".-", so a name valid here is valid on AWS, MinIO and Ceph RGW alike.
    """
    problems = []
    if not 3 <= len(name) <= 63:
        problems.append('must be 3 to 63 characters long (is %d)' % len(name))
    if not _BUCKET_CHARS.match(name):
        problems.append('may only contain lowercase letters, digits, dots and hyphens')
    if name and not (_BUCKET_EDGE.match(name[0]) and _BUCKET_EDGE.match(name[-1])):
        problems.append('must begin and end with a lowercase letter or a digit')
    for seq in ('..', '.-', '-.'):
        if seq in name:
            problems.append('must not contain "%s"' % seq)
    try:
        ipaddress.IPv4Address(name)
        problems.append('must not be formatted as an IP address')
    except ValueError:
        pass
    for prefix in _BUCKET_PREFIXES:
        if name.startswith(prefix):
            problems.append('must not start with "%s"' % prefix)
    for suffix in _BUCKET_SUFFIXES:
        if name.endswith(suffix):
            problems.append('must not end with "%s"' % suffix)
    return problems


def boto3_error_code(error):
    """The S3 error code of a botocore ClientError ('NoSuchBucket', '404', ...), else None."""
    response = getattr(error, 'response', None)
    if not isinstance(response, dict):
        return None
    return response.get('Error', {}).get('Code')


def boto3_error_message(error, operation, endpoint_url, access_key, bucket=None):
    """A message for a failed boto3 call that says what to fix, not only what broke."""
    where = ' on bucket %r' % bucket if bucket else ''
    if HAS_BOTO3:
        if isinstance(error, botocore.exceptions.SSLError):
            return ('TLS error talking to %s: %s. Set ca_bundle to the CA that signed the server certificate '
                    '(or validate_certs: false for a throw-away test server), or use http:// if the server '
                    'does not speak TLS' % (endpoint_url, error))
        if isinstance(error, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError)):
            return ('cannot reach the S3 endpoint %s: %s. Check endpoint_url (scheme, host, port) and that '
                    'the server is running' % (endpoint_url, error))
    code = boto3_error_code(error)
    if code == 'SignatureDoesNotMatch':
        return ('the server at %s rejected the request signature (SignatureDoesNotMatch): secret_key is wrong '
                'for access_key %r' % (endpoint_url, access_key))
    if code == 'InvalidAccessKeyId':
        return ('the server at %s does not know access_key %r (InvalidAccessKeyId)' % (endpoint_url, access_key))
    if code == 'AccessDenied':
        return ('%s%s was denied to access_key %r (AccessDenied): the key lacks the permission, or the bucket '
                'belongs to another account' % (operation, where, access_key))
    if code is not None:
        message = error.response.get('Error', {}).get('Message')
        return '%s%s failed: %s%s' % (operation, where, code, ': %s' % message if message else '')
    return '%s%s failed: %s' % (operation, where, error)
