"""The minio role's own access-key task, rendered by Ansible, against the double of the MinIO admin API.

Here, not under tests/unit/plugins/modules: it renders the role's task with Ansible's templating,
which ansible-test does not offer to module unit tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import ansible

# The admin API double and the module runner of the module's unit tests (the fixture by import).
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.test_minio_access_key import (  # noqa: F401 pylint: disable=unused-import
    ok,
    server,
)

REPO = Path(__file__).resolve().parents[4]
# Renders the minio role's access-key task with Ansible's own templating, in a separate process:
# importing the controller's templating into this one would turn the modules' warnings into
# controller warnings (ansible.module_utils._internal.is_controller) for the tests that follow.
RENDER_ROLE_TASK = r"""
import json, sys
from pathlib import Path
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar, trust_as_template

def trusted(value):
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {k: trusted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [trusted(v) for v in value]
    return value

repo, inventory, secret_dir = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
init_plugin_loader()
role = repo / 'roles' / 'minio'
tasks = yaml.safe_load((role / 'tasks' / 'objects.yml').read_text())
block = next(t for t in tasks if 'block' in t)['block']
task = next(t for t in block if 'datamesh.platform.minio_access_key' in t)
variables = dict(yaml.safe_load((role / 'defaults' / 'main.yml').read_text()))
variables.update(yaml.safe_load((role / 'vars' / 'main.yml').read_text()))
variables.update(yaml.safe_load((inventory / 'all.yml').read_text()))
variables.update(yaml.safe_load((inventory / 'minio.yml').read_text()))
variables.update(datamesh_s3_secret_key='Query-plane-key-secret-0123456789', _minio_secret_dir=secret_dir)
templar = Templar(loader=DataLoader(), variables=trusted(variables))
key = templar.template(trusted(variables['minio_access_keys'][0]))
templar = Templar(loader=DataLoader(), variables=trusted(dict(variables, item=key, **task['vars'])))
print(json.dumps(templar.template(trusted(task['datamesh.platform.minio_access_key']))))
"""


def test_the_role_creates_the_shipped_inventories_key(server, capsys, monkeypatch, tmp_path):
    """The minio role's own task, rendered by Ansible for the access key of the shipped inventories
    (inventory/single-node/group_vars/minio.yml: access_key query-plane), creates that key against
    the admin double, and a second run changes nothing. The key's default parent user used to be
    named like the key, which MinIO refuses (XMinioIAMActionNotAllowed)."""
    secret_dir = tmp_path / 'credentials'
    # ansible-test puts ansible on this process's path only: hand the same path to the child.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(ansible.__file__).parent.parent)] + sys.path))
    rendered = subprocess.run(
        [sys.executable, '-c', RENDER_ROLE_TASK, str(REPO), str(REPO / 'inventory' / 'single-node' / 'group_vars'),
         str(secret_dir)], capture_output=True, text=True, check=False, env=env)
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    params = json.loads(rendered.stdout)
    assert params['key_access_key'] == 'query-plane'

    first = ok(server, capsys, monkeypatch, **params)
    second = ok(server, capsys, monkeypatch, **params)

    parent = server.accounts['query-plane']['parent']
    assert parent == params['user'] and parent != 'query-plane'
    assert server.users[parent]['policies'] == ['query-plane-readwrite']
    assert first['changed'] is True and second['changed'] is False
    assert (secret_dir / 'users' / parent).is_file()
