"""ansible-doc -t role documents every role with an argument spec: each entry point, with the spec's variables.

ansible-doc runs as a subprocess against this tree: through a temporary ansible_collections/datamesh/platform
link to it, or, under ansible-test (the units stage), from the copy ansible-test runs in, which already sits
at such a path.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
_SCRIPT = REPO / 'tests' / 'harness' / 'gen_role_docs.py'
_SPEC = importlib.util.spec_from_file_location('gen_role_docs', _SCRIPT)
gen = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gen)

ROLES = gen.discover_roles(REPO)
TIMEOUT = 300


def _specs_or_none(path):
    try:
        return gen.load_spec(path)
    except gen.SpecError:
        return None


# Entry points other than main, each checked alone with ansible-doc -e (a spec that cannot be read
# has none here; test_entry_points_and_variables fails for it).
OTHER_ENTRY_POINTS = [(role, name) for role, path in ROLES.items() for name in (_specs_or_none(path) or {}) if name != 'main']


def fqcn(role):
    return '%s.%s' % (gen.COLLECTION, role)


def option_names(options):
    """{name: nested names} of an options mapping, at every depth."""
    return {name: option_names(gen.sub_options(option) if isinstance(option, dict) else {})
            for name, option in (options or {}).items()}


@pytest.fixture(name='doc_env', scope='module')
def fixture_doc_env(tmp_path_factory):
    """The environment ansible-doc runs in: this tree first on the collections path, no colours."""
    if REPO.parent.name == gen.COLLECTION.split('.')[0] and REPO.parents[1].name == 'ansible_collections':
        root = REPO.parents[2]
    else:
        root = tmp_path_factory.mktemp('collections')
        (root / 'ansible_collections' / 'datamesh').mkdir(parents=True)
        (root / 'ansible_collections' / 'datamesh' / 'platform').symlink_to(REPO, target_is_directory=True)
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_DEPRECATION_WARNINGS='0')
    env['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join([str(root)] + [p for p in env.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep) if p])
    return env


def ansible_doc(env, *args):
    """Runs ansible-doc -t role with args; the one on PATH, else the module of the interpreter running the tests."""
    executable = shutil.which('ansible-doc', path=env.get('PATH'))
    command = [executable] if executable else [sys.executable, '-m', 'ansible.cli.doc']
    return subprocess.run(command + ['-t', 'role'] + list(args), env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def failure(result):
    return 'ansible-doc exited %d:\n%s' % (result.returncode, result.stderr[-3000:])


@pytest.fixture(name='documented', scope='module')
def fixture_documented(doc_env):
    """{role: ansible-doc -j's entry for it}. One run for all roles; when that fails (one bad spec makes
    ansible-doc fail for all), one run per role, so that each role's test shows its own error."""
    result = ansible_doc(doc_env, '-j', *[fqcn(role) for role in ROLES])
    if result.returncode == 0:
        data = json.loads(result.stdout)
        return dict((role, (data.get(fqcn(role)), result)) for role in ROLES)
    docs = {}
    for role in ROLES:
        single = ansible_doc(doc_env, '-j', fqcn(role))
        docs[role] = ((json.loads(single.stdout).get(fqcn(role)) if single.returncode == 0 else None), single)
    return docs


def test_roles_found():
    assert len(ROLES) >= 10 and '_common' not in ROLES


@pytest.mark.parametrize('role', sorted(ROLES))
def test_entry_points_and_variables(role, documented):
    specs = gen.load_spec(ROLES[role])
    doc, result = documented[role]
    assert doc is not None, 'ansible-doc does not document %s: %s' % (fqcn(role), failure(result))
    assert Path(doc['path']).resolve() == REPO.resolve(), 'ansible-doc read another copy of the collection'
    assert sorted(doc['entry_points']) == sorted(specs)
    for name, spec in specs.items():
        documented_options = doc['entry_points'][name].get('options')
        assert option_names(documented_options) == option_names(spec.get('options')), '%s, entry point %s' % (role, name)


@pytest.mark.parametrize('role, entry_point', OTHER_ENTRY_POINTS)
def test_other_entry_point_alone(role, entry_point, doc_env):
    result = ansible_doc(doc_env, '-j', '-e', entry_point, fqcn(role))
    assert result.returncode == 0, failure(result)
    doc = json.loads(result.stdout)[fqcn(role)]
    assert list(doc['entry_points']) == [entry_point]
    spec = gen.load_spec(ROLES[role])[entry_point]
    assert option_names(doc['entry_points'][entry_point].get('options')) == option_names(spec.get('options'))


def test_text_output(doc_env):
    """Plain ansible-doc -t role (what a user types) renders every role and entry point."""
    result = ansible_doc(doc_env, *[fqcn(role) for role in ROLES])
    assert result.returncode == 0, failure(result)
    # > ROLE: datamesh.platform.x (path), then ENTRY POINT: name - short description; names in *bold* without colours
    sections = dict((part.split(None, 1)[0].strip('*'), part) for part in result.stdout.split('> ROLE: ')[1:])
    assert sorted(sections) == sorted(fqcn(role) for role in ROLES)
    for role, path in ROLES.items():
        shown = re.findall(r'^ENTRY POINT: \*?([^\s*]+)\*? - ', sections[fqcn(role)], re.MULTILINE)
        assert shown == list(gen.load_spec(path)), role
