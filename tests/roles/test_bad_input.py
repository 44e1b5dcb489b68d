"""Bad input is refused before anything changes, with a message that says what to fix.

Each case applies the role for real (no --check) to a throw-away systemd container (host
`target`, see conftest.py) and must fail in argument validation or preflight; `docker diff`
taken before and after the run must show that not a single file of the container changed.
"""
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
ROLES = HERE.parent.parent / 'roles'
# One file per role: tests/roles/cases/<role>.yml maps case name -> {vars, expect, image}
# (image: the Debian release of the container, 12 unless said), and tests/roles/<role>.yml is
# the play that applies the role.
CASES = {f.stem: yaml.safe_load(f.read_text()) for f in sorted((HERE / 'cases').glob('*.yml'))}
ENV = dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.builtin.json', ANSIBLE_LOAD_CALLBACK_PLUGINS='1',
           ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
           ANSIBLE_RETRY_FILES_ENABLED='0')


def run_play(play, target, tmp_path, variables=None):
    """ansible-playbook PLAY against the container `target`; returns (process, parsed report)."""
    extra = tmp_path / 'vars.json'
    extra.write_text(json.dumps(variables or {}))
    proc = subprocess.run(
        ['ansible-playbook', '-i', str(target.inventory(tmp_path)), str(play),
         '-e', f'@{extra}', '-e', f'datamesh_credentials_dir={tmp_path}/credentials'],
        capture_output=True, text=True, env=ENV, timeout=300, check=False)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f'ansible-playbook printed no JSON report (exit {proc.returncode}):\n'
                    f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc, report


def task_results(report):
    """(task, result) for every host result of the run, in order."""
    return [(t['task'], r) for play in report['plays'] for t in play['tasks'] for r in t['hosts'].values()]


def read_only_stage(task):
    """Whether a task is argument validation or part of a role's preflight (tasks/preflight*.yml)."""
    path = task.get('path', '').rsplit(':', 1)[0]
    name = task['name'].split(' : ', 1)[-1]
    return name.startswith('Validating arguments against arg spec') or Path(path).name.startswith('preflight')


@pytest.mark.parametrize('role,case', [(r, c) for r, cases in CASES.items() for c in cases])
def test_refused_before_any_change(role, case, targets, tmp_path):
    spec = CASES[role][case]
    target = targets(spec.get('image', 12))
    before = target.snapshot()
    proc, report = run_play(HERE / f'{role}.yml', target, tmp_path, spec['vars'])
    changed = target.changes(before, target.snapshot())
    target.dirty = bool(changed)
    results = task_results(report)
    failed = [(task, r) for task, r in results if r.get('failed')]
    assert proc.returncode != 0, 'the role accepted bad input'
    assert len(failed) == 1, [(task['name'], r.get('msg')) for task, r in failed]
    task, result = failed[0]
    message = result.get('msg', '')
    assert spec['expect'] in message, f"{task['name']}: {message}"
    assert read_only_stage(task), f"refused by {task['name']} ({task.get('path')}), not in preflight"
    assert not changed, 'the file system of the target changed before the refusal:\n' + '\n'.join(changed)
    assert not any(r.get('changed') for _task, r in results), \
        f"reported changed: {[task['name'] for task, r in results if r.get('changed')]}"


def test_detector_sees_changes(targets, tmp_path):
    """The proof above is only as good as the detector: a play that writes must be caught, both
    a new file and a metadata-only change to a path that was already in `docker diff`."""
    target = targets()
    before = target.snapshot()
    proc, _report = run_play(HERE / '_selftest.yml', target, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    changed = target.changes(before, target.snapshot())
    target.dirty = True
    assert any(line.startswith('A /etc/datamesh-selftest/marker') for line in changed), changed
    assert '/etc/machine-id' in before, sorted(before)
    assert any(line.startswith('C /etc/machine-id ') for line in changed), changed
    # and a harmless run (facts only, as every case does first) is not reported
    quiet = target.snapshot()
    proc, _report = run_play(HERE / '_selftest.yml', target, tmp_path, {'selftest_write': False})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert target.changes(quiet, target.snapshot()) == []
