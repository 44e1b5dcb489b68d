# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Shared code of the MinIO/S3 modules: connection options, clients, JSON comparison.

The connection options are documented once in doc_fragments/minio.py. Optional
libraries are imported here and reported with missing_required_lib() by require_boto3()
and require_minio_admin(), so a module only fails for the library it actually uses.
"""

from __future__ import annotations

import json
import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import boto3
    import botocore.config
    import botocore.exceptions
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError:
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()

try:
    import minio
    from minio.credentials import StaticProvider
    from minio.minioadmin import MinioAdmin
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
    return boto3.client('s3', endpoint_url=p['endpoint_url'], aws_access_key_id=p['access_key'],
                        aws_secret_access_key=p['secret_key'], region_name=p['region'],
                        verify=verify, config=config)


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
