# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by the MinIO/S3 modules (see module_utils/minio.py)."""

    DOCUMENTATION = r'''
options:
  endpoint_url:
    description:
      - URL of the S3 API, with scheme and port, for example V(https://minio.example.com:9000).
    type: str
    required: true
  access_key:
    description:
      - Access key (user name) to authenticate with.
    type: str
    required: true
  secret_key:
    description:
      - Secret key matching O(access_key). Never logged.
    type: str
    required: true
  region:
    description:
      - Region used for request signing. MinIO accepts any region unless one is configured on the server.
    type: str
    default: us-east-1
  validate_certs:
    description:
      - Verify the server's TLS certificate. Only switch off for throw-away test servers.
    type: bool
    default: true
  ca_bundle:
    description:
      - CA bundle (PEM file on the host running the module) to verify the server certificate with,
        for example the CA that signed a self-issued MinIO certificate.
    type: path
  path_style:
    description:
      - Address buckets as C(endpoint/bucket) (path style) rather than C(bucket.endpoint).
        MinIO and most on-premises S3 servers need path style.
    type: bool
    default: true
notes:
  - Secrets given as options are never returned; a module that generates one says so in its RETURN section.
'''

    # Use as datamesh.platform.minio.attributes; each module states its own `support:`.
    ATTRIBUTES = r'''
attributes:
  check_mode:
    description:
      - Can run in check mode and return the changed status it would have, without changing anything on the server.
  diff_mode:
    description:
      - Returns the properties it manages before and after (or, in check mode, what they would be after) when run with C(--diff).
  idempotent:
    description:
      - Run twice in a row with the same arguments, the second run changes nothing and reports C(changed=false).
'''
