"""The shipped inventories parse, and every group site.yml targets is defined in them."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
INVENTORIES = sorted(p.name for p in (REPO / 'inventory').iterdir() if p.is_dir())


def site_groups(playbook=REPO / 'site.yml'):
    """Groups named by the host patterns of a playbook's plays, following import_playbook."""
    groups = set()
    for entry in yaml.safe_load(playbook.read_text()):
        if 'ansible.builtin.import_playbook' in entry:
            groups |= site_groups(playbook.parent / entry['ansible.builtin.import_playbook'])
        else:
            groups |= {g.lstrip('!&') for g in entry['hosts'].split(':')}
    return groups


# Groups a platform may leave empty: workers of a single-node Trino, Kubernetes, which only
# jupyterhub_mode: kubernetes needs, the object stores (MinIO or SeaweedFS, or neither
# when datamesh_s3_endpoint names an existing S3 service), and the dbt project (a site's own
# project needs its own sources: inventory/multi-node has none), and DataHub's ingestion that goes with it.
OPTIONAL_GROUPS = {'trino_worker', 'kube_control_plane', 'kube_node', 'minio', 'seaweedfs', 'dbt', 'datahub_ingestion'}
STORE_GROUPS = ('minio', 'seaweedfs')


def defined_groups(data):
    """Every group of an `ansible-inventory --list` answer, empty ones included."""
    return set(data) | {c for g in data.values() if isinstance(g, dict) for c in g.get('children', [])}


@pytest.mark.parametrize('inventory', INVENTORIES)
def test_inventory_defines_site_groups(inventory):
    proc = subprocess.run(['ansible-inventory', '-i', str(REPO / 'inventory' / inventory), '--list'],
                          capture_output=True, text=True, check=True, timeout=120)
    data = json.loads(proc.stdout)
    missing = site_groups() - defined_groups(data)
    assert not missing, f'{inventory}: groups of site.yml not defined: {missing}'
    for group in site_groups() - OPTIONAL_GROUPS:
        assert data.get(group, {}).get('hosts'), f'{inventory}: group {group} has no hosts'
    stores = [g for g in STORE_GROUPS if data.get(g, {}).get('hosts')]
    assert len(stores) == 1, f'{inventory}: exactly one object store group should have hosts, got {stores}'
    endpoint = yaml.safe_load((REPO / 'inventory' / inventory / 'group_vars' / 'all.yml').read_text())['datamesh_s3_endpoint']
    assert f"groups['{stores[0]}']" in endpoint or stores[0] == 'seaweedfs' and ':8333' in endpoint, \
        f'{inventory}: datamesh_s3_endpoint ({endpoint}) does not point at the {stores[0]} hosts'


def test_site_groups_found():
    assert site_groups() == {'mysql', 'minio', 'seaweedfs', 'hive_metastore', 'trino_coordinator', 'trino_worker',
                             'kube_control_plane', 'kube_node', 'jupyterhub', 'dbt', 'docs_site', 'grafana',
                             'datahub', 'datahub_ingestion'}


@pytest.mark.parametrize('inventory', INVENTORIES)
def test_generated_secrets_are_not_read_as_inventory(inventory, tmp_path):
    """Secrets are generated into <inventory>/.credentials; Ansible must not parse them as hosts."""
    copy = tmp_path / inventory
    shutil.copytree(REPO / 'inventory' / inventory, copy, ignore=shutil.ignore_patterns('.credentials'))
    secret = copy / '.credentials' / 'mysql_multi' / 'host' / 'instance' / 'user'
    secret.parent.mkdir(parents=True)
    secret.write_text('SecretValue0123456789abcdefghijk\n')
    proc = subprocess.run(['ansible-inventory', '-i', str(copy), '--list'],
                          capture_output=True, text=True, check=True, timeout=120)
    assert 'SecretValue' not in proc.stdout + proc.stderr
    group_vars = yaml.safe_load((copy / 'group_vars' / 'all.yml').read_text())
    assert group_vars['datamesh_credentials_dir'] == '{{ inventory_dir }}/.credentials'
