"""S3 probe of the minio_bucket_rgw scenario: reads and writes the test server with plain
boto3, independently of the module under test.

  python3 s3probe.py dump BUCKET...        the buckets' settings as JSON (exists, versioning,
                                          object lock, policy, tags, lifecycle rules,
                                          versions, unfinished uploads)
  python3 s3probe.py put BUCKET KEY TEXT   store an object (signed, as the admin user)
  python3 s3probe.py rm BUCKET KEY         delete an object (a delete marker when versioned)
  python3 s3probe.py mpu BUCKET KEY        start a multipart upload and leave it unfinished
  python3 s3probe.py anon-get BUCKET KEY   HTTP status of an anonymous (unsigned) GET
  python3 s3probe.py anon-put BUCKET KEY   HTTP status of an anonymous PUT

Endpoint and keys come from /etc/s3probe.json (written by prepare.yml).
"""

import json
import sys

import boto3
import botocore
import botocore.config
from botocore.exceptions import ClientError

CONFIG = '/etc/s3probe.json'


def client(signed=True):
    with open(CONFIG, encoding='utf-8') as f:
        conf = json.load(f)
    options = dict(signature_version='s3v4' if signed else botocore.UNSIGNED, s3={'addressing_style': 'path'},
                   retries={'max_attempts': 1})
    kwargs = dict(endpoint_url=conf['endpoint_url'], region_name='us-east-1',
                  config=botocore.config.Config(**options))
    if signed:
        kwargs.update(aws_access_key_id=conf['access_key'], aws_secret_access_key=conf['secret_key'])
    return boto3.client('s3', **kwargs)


def optional(call, missing, **kwargs):
    try:
        return call(**kwargs)
    except ClientError as e:
        if e.response['Error']['Code'] in missing:
            return None
        raise


def dump(s3, name):
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as e:
        if e.response['Error']['Code'] in ('404', 'NoSuchBucket'):
            return {'exists': False}
        raise
    lock = optional(s3.get_object_lock_configuration, ('ObjectLockConfigurationNotFoundError',), Bucket=name)
    policy = optional(s3.get_bucket_policy, ('NoSuchBucketPolicy',), Bucket=name)
    tags = optional(s3.get_bucket_tagging, ('NoSuchTagSet',), Bucket=name)
    lifecycle = optional(s3.get_bucket_lifecycle_configuration, ('NoSuchLifecycleConfiguration',), Bucket=name)
    versions = s3.list_object_versions(Bucket=name)
    uploads = s3.list_multipart_uploads(Bucket=name)
    return {
        'exists': True,
        'versioning': s3.get_bucket_versioning(Bucket=name).get('Status'),
        'object_lock': (lock or {}).get('ObjectLockConfiguration', {}).get('ObjectLockEnabled'),
        'policy': json.loads(policy['Policy']) if policy else None,
        'tags': {t['Key']: t['Value'] for t in (tags or {}).get('TagSet', [])},
        'lifecycle': (lifecycle or {}).get('Rules', []),
        'versions': [[v['Key'], v['VersionId']] for v in versions.get('Versions', [])],
        'delete_markers': [[m['Key'], m['VersionId']] for m in versions.get('DeleteMarkers', [])],
        'uploads': [u['Key'] for u in uploads.get('Uploads', [])],
    }


def status(call, **kwargs):
    try:
        return call(**kwargs)['ResponseMetadata']['HTTPStatusCode']
    except ClientError as e:
        return e.response['ResponseMetadata']['HTTPStatusCode']


def main(argv):
    command, args = argv[1], argv[2:]
    if command == 'dump':
        s3 = client()
        print(json.dumps({name: dump(s3, name) for name in args}, indent=2, sort_keys=True))
    elif command == 'put':
        client().put_object(Bucket=args[0], Key=args[1], Body=args[2].encode())
    elif command == 'rm':
        client().delete_object(Bucket=args[0], Key=args[1])
    elif command == 'mpu':
        print(client().create_multipart_upload(Bucket=args[0], Key=args[1])['UploadId'])
    elif command == 'anon-get':
        print(status(client(signed=False).get_object, Bucket=args[0], Key=args[1]))
    elif command == 'anon-put':
        print(status(client(signed=False).put_object, Bucket=args[0], Key=args[1], Body=b'anonymous'))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
