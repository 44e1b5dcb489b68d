"""S3 probe of the seaweedfs scenario: talks to a SeaweedFS S3 gateway with plain boto3,
independently of the role and of the minio_bucket module.

  python3 s3probe.py dump BUCKET...           the buckets' settings as JSON (versioning, object
                                              lock, policy, tags, lifecycle rules)
  python3 s3probe.py buckets                  the names ListBuckets returns
  python3 s3probe.py put BUCKET KEY TEXT      store an object
  python3 s3probe.py get BUCKET KEY           print an object
  python3 s3probe.py list BUCKET              the keys in a bucket
  python3 s3probe.py create BUCKET            create a bucket
  python3 s3probe.py anon-get BUCKET KEY      HTTP status of an anonymous (unsigned) GET
  python3 s3probe.py anon-put BUCKET KEY      HTTP status of an anonymous PUT

Every command prints JSON; an S3 error is printed as {"error": <code>, "status": <HTTP status>}
(exit status 0), a TLS failure as {"error": "SSLError"}.
Endpoint, keys and CA come from the environment: S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY and
S3_CA (a CA bundle; "system" = the OS trust store), or from the JSON file S3_ENV_FILE names.
"""

import json
import os
import sys

import boto3
import botocore
import botocore.config
from botocore.exceptions import ClientError, SSLError


def settings():
    """The S3_* settings: from the environment, or from the 0600 JSON file S3_ENV_FILE names (how
    the tests pass credentials, so that no secret is on a command line)."""
    if os.environ.get('S3_ENV_FILE'):
        with open(os.environ['S3_ENV_FILE'], encoding='utf-8') as f:
            return json.load(f)
    return os.environ


def client(signed=True):
    env = settings()
    ca = env.get('S3_CA', 'system')
    options = dict(signature_version='s3v4' if signed else botocore.UNSIGNED, s3={'addressing_style': 'path'},
                   retries={'max_attempts': 1})
    kwargs = dict(endpoint_url=env['S3_ENDPOINT'], region_name='us-east-1',
                  config=botocore.config.Config(**options), verify=True if ca == 'system' else ca)
    if signed:
        kwargs.update(aws_access_key_id=env['S3_ACCESS_KEY'], aws_secret_access_key=env['S3_SECRET_KEY'])
    return boto3.client('s3', **kwargs)


def optional(call, missing, **kwargs):
    try:
        return call(**kwargs)
    except ClientError as e:
        if e.response['Error']['Code'] in missing:
            return None
        raise


def dump(s3, name):
    lock = optional(s3.get_object_lock_configuration, ('ObjectLockConfigurationNotFoundError',), Bucket=name)
    policy = optional(s3.get_bucket_policy, ('NoSuchBucketPolicy',), Bucket=name)
    tags = optional(s3.get_bucket_tagging, ('NoSuchTagSet', 'NoSuchTagSetError'), Bucket=name)
    lifecycle = optional(s3.get_bucket_lifecycle_configuration, ('NoSuchLifecycleConfiguration',), Bucket=name)
    return {
        'versioning': s3.get_bucket_versioning(Bucket=name).get('Status'),
        'object_lock': (lock or {}).get('ObjectLockConfiguration', {}).get('ObjectLockEnabled'),
        'policy': json.loads(policy['Policy']) if policy else None,
        'tags': {t['Key']: t['Value'] for t in (tags or {}).get('TagSet', [])},
        'lifecycle': (lifecycle or {}).get('Rules', []),
    }


def run(command, args):
    if command == 'dump':
        s3 = client()
        return {name: dump(s3, name) for name in args}
    if command == 'buckets':
        return sorted(b['Name'] for b in client().list_buckets()['Buckets'])
    if command == 'put':
        return client().put_object(Bucket=args[0], Key=args[1], Body=args[2].encode())['ResponseMetadata']['HTTPStatusCode']
    if command == 'get':
        return client().get_object(Bucket=args[0], Key=args[1])['Body'].read().decode()
    if command == 'list':
        return sorted(o['Key'] for o in client().list_objects_v2(Bucket=args[0]).get('Contents', []))
    if command == 'create':
        return client().create_bucket(Bucket=args[0])['ResponseMetadata']['HTTPStatusCode']
    if command == 'anon-get':
        return client(signed=False).get_object(Bucket=args[0], Key=args[1])['ResponseMetadata']['HTTPStatusCode']
    if command == 'anon-put':
        return client(signed=False).put_object(Bucket=args[0], Key=args[1], Body=b'anonymous')['ResponseMetadata']['HTTPStatusCode']
    sys.exit(__doc__)


def main(argv):
    try:
        result = run(argv[1], argv[2:])
    except ClientError as e:
        result = {'error': e.response['Error']['Code'], 'status': e.response['ResponseMetadata']['HTTPStatusCode']}
    except SSLError:
        result = {'error': 'SSLError'}
    print(json.dumps(result, indent=2, sort_keys=True))


if __name__ == '__main__':
    main(sys.argv)
