# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of the modules that talk to a Trino coordinator (see module_utils/trino.py)."""

    DOCUMENTATION = r'''
options:
  host:
    description:
      - Host name or address of the Trino coordinator, without scheme or port.
    type: str
  port:
    description:
      - HTTP(S) port of the coordinator.
      - Defaults to V(8443) with O(http_scheme=https) and V(8080) with O(http_scheme=http).
    type: int
  http_scheme:
    description:
      - Whether to talk to the coordinator over V(https) or plain V(http).
    type: str
    choices: [http, https]
    default: https
  user:
    description:
      - Trino user the statements run as (C(X-Trino-User)). With O(password), the user to authenticate.
    type: str
    default: ansible
  password:
    description:
      - Password for Trino's password authentication (HTTP basic authentication). Never logged.
      - Sent only over HTTPS unless O(allow_insecure_auth=true).
    type: str
  allow_insecure_auth:
    description:
      - Send O(password) over plain HTTP. Trino itself accepts passwords only over HTTPS, so this is
        for test servers behind a TLS-terminating proxy at most.
      - The C(trino) client refuses authentication over HTTP from version 0.339.0 unless this is set.
    type: bool
    default: false
  validate_certs:
    description:
      - Verify the coordinator's TLS certificate. Only switch off for throw-away test servers.
    type: bool
    default: true
    aliases: [verify]
  ca_cert:
    description:
      - CA bundle (PEM file on the host running the module) to verify the coordinator's certificate with,
        for example the CA that signed a self-issued Trino certificate.
    type: path
    aliases: [ca]
  request_timeout:
    description:
      - Seconds to wait for each HTTP request to the coordinator.
    type: float
    default: 30.0
requirements:
  - trino (the Python client, on the host running the module)
notes:
  - The C(trino) Python client is only imported when the module connects to a coordinator.
'''
