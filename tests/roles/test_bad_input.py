"""Bad input is refused before anything changes, with a message that says what to fix.

Each case runs the role with ansible-playbook against this machine, in check mode
(a second safety net: the point is that preflight stops it, which the assertions check).
"""
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
# One file per role: tests/roles/cases/<role>.yml maps case name -> {vars, expect}, and
# tests/roles/<role>.yml is the play that applies the role.
CASES = {f.stem: yaml.safe_load(f.read_text()) for f in sorted((HERE / 'cases').glob('*.yml'))}
ROLES = HERE.parent.parent / 'roles'


def read_only_tasks(role):
    """Names of the tasks allowed to run before the failure: fact gathering, argument
    validation and the role's preflight.yml, which only reads."""
    preflight = yaml.safe_load((ROLES / role / 'tasks' / 'preflight.yml').read_text())
    return {'Gathering Facts'} | {t['name'] for t in preflight}


def run_role(role, variables, tmp_path):
    extra = tmp_path / 'vars.json'
    extra.write_text(json.dumps(variables))
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.builtin.json', ANSIBLE_LOAD_CALLBACK_PLUGINS='1',
               ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    proc = subprocess.run(
        ['ansible-playbook', '-i', 'localhost,', '-c', 'local', '--check', str(HERE / f'{role}.yml'),
         '-e', f'@{extra}', '-e', f'datamesh_credentials_dir={tmp_path}/credentials',
         '-e', 'ansible_python_interpreter={{ ansible_playbook_python }}'],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    return proc


@pytest.mark.parametrize('role,case', [(r, c) for r, cases in CASES.items() for c in cases])
def test_refused_before_any_change(role, case, tmp_path):
    spec = CASES[role][case]
    proc = run_role(role, spec['vars'], tmp_path)
    assert proc.returncode != 0, 'the role accepted bad input'
    report = json.loads(proc.stdout)
    tasks = [t for play in report['plays'] for t in play['tasks']]
    results = [(t['task']['name'], r) for t in tasks for r in t['hosts'].values()]
    failed = [(name, r) for name, r in results if r.get('failed')]
    assert len(failed) == 1, failed
    name, result = failed[0]
    message = result.get('msg', '')
    assert spec['expect'] in message, f'{name}: {message}'
    assert not any(res.get("changed") for _task, res in results), "something changed before the failure"
    ran = {t['task']['name'].split(' : ', 1)[-1] for t in tasks}
    ran = {n for n in ran if not n.startswith('Validating arguments against arg spec')}
    assert ran <= read_only_tasks(role), ran - read_only_tasks(role)
