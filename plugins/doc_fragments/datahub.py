# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of the modules that talk to DataHub's GraphQL API (see module_utils/datahub.py)."""

    DOCUMENTATION = r'''
options:
  url:
    description:
      - Address of DataHub's metadata service (GMS), for example V(https://datahub.example.com:8080), or of its
        frontend, for example V(https://datahub.example.com:9002), which passes C(/api/*) on to GMS.
      - The module posts to C(<url>/api/graphql). A URL that already ends in C(/graphql) is used as it is.
    type: str
    required: true
  token:
    description:
      - "Personal access token (Settings > Access Tokens in DataHub's UI), sent as C(Authorization: Bearer <token>).
        Never logged nor returned, and removed from every error message."
      - Needed when DataHub runs with metadata service authentication (C(METADATA_SERVICE_AUTH_ENABLED=true),
        the default outside the Docker quickstart).
    type: str
  validate_certs:
    description:
      - Verify DataHub's TLS certificate. Only switch off for throw-away test servers.
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle (PEM file on the host running the module) to verify DataHub's certificate with, for example the
        CA that signed a self-issued certificate.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request.
    type: float
    default: 30.0
notes:
  - "The modules talk to DataHub over HTTP(S) from the host they run on, usually the controller
    (C(delegate_to: localhost)); they need no Python library beyond Ansible's own."
  - Written for DataHub 1.x. The GraphQL field names are those of DataHub's schema
    (C(datahub-graphql-core/src/main/resources/ingestion.graphql)).
'''

    # Use as datamesh.platform.datahub.attributes; each module states its own `support:`.
    ATTRIBUTES = r'''
attributes:
  check_mode:
    description:
      - Can run in check mode and return the changed status it would have, without changing anything in DataHub.
  diff_mode:
    description:
      - Returns what it manages before and after (or, in check mode, what it would be after) when run with C(--diff).
  idempotent:
    description:
      - Run twice in a row with the same arguments, the second run changes nothing and reports C(changed=false).
  action_group:
    description:
      - Use C(group/datamesh.platform.datahub) in C(module_defaults) to set the connection options (O(url),
        O(token), ...) once for all DataHub modules.
    support: full
    membership:
      - datamesh.platform.datahub
'''
