"""The shipped inventories parse, and every group site.yml targets is defined in them."""
import json
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
INVENTORIES = sorted(p.name for p in (REPO / 'inventory').iterdir() if p.is_dir())


def site_groups():
    groups = set()
    for entry in yaml.safe_load((REPO / 'site.yml').read_text()):
        for play in yaml.safe_load((REPO / entry['ansible.builtin.import_playbook']).read_text()):
            groups.add(play['hosts'])
    return groups


@pytest.mark.parametrize('inventory', INVENTORIES)
def test_inventory_defines_site_groups(inventory):
    proc = subprocess.run(['ansible-inventory', '-i', str(REPO / 'inventory' / inventory), '--list'],
                          capture_output=True, text=True, check=True, timeout=120)
    data = json.loads(proc.stdout)
    for group in site_groups():
        assert data.get(group, {}).get('hosts'), f'{inventory}: group {group} has no hosts'


def test_site_groups_found():
    assert site_groups() == {'mysql'}
