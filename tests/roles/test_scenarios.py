"""Molecule scenarios keep their promises: a dry run on converged hosts is asserted, not just run.

Molecule's own `check` step runs the converge playbook with --check and fails only on errors; a
change it reports goes unnoticed. So a `check` step may only come before `converge` (a dry run on
fresh containers must not fail); on converged hosts the scenario runs molecule/_shared/dry_run.yml,
which fails unless every host reports changed=0.
"""

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.parent for p in REPO.glob('molecule/*/molecule.yml'))


def sequence(scenario):
    config = yaml.safe_load((scenario / 'molecule.yml').read_text(encoding='utf-8')) or {}
    shared = yaml.safe_load((REPO / '.config' / 'molecule' / 'config.yml').read_text(encoding='utf-8'))
    return (config.get('scenario') or {}).get('test_sequence') or shared['scenario']['test_sequence']


@pytest.mark.parametrize('scenario', SCENARIOS, ids=lambda p: p.name)
def test_no_unasserted_dry_run_on_converged_hosts(scenario):
    steps = sequence(scenario)
    if 'converge' not in steps:
        return
    late = [i for i, step in enumerate(steps) if step == 'check' and i > steps.index('converge')]
    assert not late, ('%s runs Molecule\'s check step after converge (steps %s), which does not fail on '
                      'changes: run molecule/_shared/dry_run.yml instead' % (scenario.name, late))


@pytest.mark.parametrize('scenario', SCENARIOS, ids=lambda p: p.name)
def test_claimed_dry_runs_are_asserted(scenario):
    text = (scenario / 'molecule.yml').read_text(encoding='utf-8').lower()
    claims = 'changed=0' in text and ('dry run' in text or '--check' in text)
    if not claims:
        return
    texts = [p.read_text(encoding='utf-8') for p in scenario.glob('*.yml')]
    # The shared playbook, or a playbook of the scenario's own that runs --check and asserts changed=0.
    uses = any('dry_run.yml' in t or ('--check' in t and 'changed=0' in t and 'assert' in t) for t in texts)
    assert uses, '%s claims a dry run with changed=0 but never runs one that asserts it' % scenario.name
