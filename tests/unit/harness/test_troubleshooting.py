"""tests/harness/gen_troubleshooting.py: docs/troubleshooting.md lists the refusals the code gives now, and how they
are read from task files and Python."""
from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
_SCRIPT = REPO / 'tests' / 'harness' / 'gen_troubleshooting.py'
_SPEC = importlib.util.spec_from_file_location('gen_troubleshooting', _SCRIPT)
gen = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gen)

P = gen.PLACEHOLDER


# ----------------------------------------------------------------------------- the committed page

def test_committed_page_is_current():
    problems = gen.check(REPO)
    details = gen.diff(REPO)[:4000] if [p for p in problems if p.startswith(('stale', 'missing'))] else ''
    assert not problems, '\n'.join(problems + [gen.HINT, details])


def test_hints_cover_the_common_classes():
    hints = gen.load_hints(REPO)
    assert len(hints) >= 30
    messages = [m.text for m in gen.collect(REPO)]
    for phrase in ('is a relative path', 'is a well-known default', 'is not a variable of role', 'clashes with',
                   'systemd calendar expression', 'PEM certificate'):
        matching = [text for text in messages if phrase in text]
        assert matching, phrase
        assert all(gen.hint_for(hints, text)[0] is not None for text in matching), phrase


def test_every_role_with_a_preflight_has_messages():
    roles = {m.role for m in gen.collect(REPO)}
    with_preflight = {p.parts[-3] for p in REPO.glob('roles/*/tasks/preflight.yml')}
    assert with_preflight <= roles, sorted(with_preflight - roles)
    assert gen.SHARED in roles


# ----------------------------------------------------------------------------- task files

TASKS = '''\
---
- name: Check the mode
  ansible.builtin.assert:
    that: x
    fail_msg: >-
      {% if a %}mode_a is {{ mode }} but needs a value.
      {% elif b %}mode_b is wrong here.{% else %}Something else went wrong.{% endif %}
- name: Relay
  ansible.builtin.assert:
    that: x
    fail_msg: "{{ _problems | join(' ') }}"
- name: A block
  block:
    - name: Refuse
      fail:
        msg: "The host {{ inventory_hostname }} has {% for h in hosts %}{{ h }}{% endfor %} disks.{% if x %} Add one.{% endif %}"
    - name: Assert with msg
      assert:
        that: y
        msg:
          - first line of it,
          - second line
- name: Not a message
  ansible.builtin.debug:
    msg: "This is no refusal at all"
  vars:
    _other_msg: "Built in vars, {{ x }} relayed."
- name: Jinja that Jinja cannot parse
  ansible.builtin.fail:
    msg: "Value {{ x }} is bad {% frobnicate %}here"
'''


def test_task_file_messages(tmp_path):
    path = tmp_path / 'preflight.yml'
    path.write_text(TASKS, encoding='utf-8')
    found = [(m.line, m.text) for m in gen.task_file_messages('demo', path, 'roles/demo/tasks/preflight.yml')]
    assert found == [
        (5, 'mode_a is %s but needs a value.' % P),
        (5, 'mode_b is wrong here.'),
        (5, 'Something else went wrong.'),
        (16, 'The host %s has %s disks. Add one.' % (P, P)),
        (20, 'first line of it, second line'),
        (27, 'Built in vars, %s relayed.' % P),
        (30, 'Value %s is bad here' % P),
    ]


def test_an_unreadable_task_file_gives_no_messages(tmp_path):
    path = tmp_path / 'broken.yml'
    path.write_text('- name: x\n  fail: {msg: [unclosed\n', encoding='utf-8')
    assert not gen.task_file_messages('demo', path, 'roles/demo/tasks/broken.yml')


# ----------------------------------------------------------------------------- Python

PYTHON = '''\
from ansible.errors import AnsibleFilterError
from x.settings import fail as _fail

P = 'demo_'
LIMIT = 3


def demo_settings(p, problems, errors):
    def name(key):
        return 'demo_' + key

    _fail('%sport=%s must be between %d and %d', P, p['port'], 1, LIMIT)
    _fail('%s is wrong' % name('mode'))
    problems.append('%s=%s is a %s' % (name('dir'), p['dir'], 'relative path' if p else 'system directory'))
    errors['paths'].append('%(x)s mapping %%s stays' % {'x': 1})
    raise AnsibleFilterError(f'demo: {p["a"]} is not allowed')
    msg = 'Java %d is too old, ' % (p['java'],)
    msg += 'use {} or {{newer}}'.format(p['other'])
    _fail(msg)
    _fail('field %d of %s' % (p['i'] + 1, p['x']))
    other.append('not a message list')
    raise ValueError(problems)
'''


def test_python_file_messages(tmp_path):
    path = tmp_path / 'demo_settings.py'
    path.write_text(PYTHON, encoding='utf-8')
    found = [(m.line, m.text) for m in gen.python_file_messages('demo', path, 'plugins/filter/demo_settings.py', 'demo')]
    assert found == [
        (12, 'demo_port=%s must be between 1 and %s' % (P, P)),
        (13, 'demo_mode is wrong'),
        (14, 'demo_dir=%s is a %s' % (P, P)),       # an argument with alternatives is one placeholder
        (15, '%s mapping %%s stays' % P),
        (16, 'demo: %s is not allowed' % P),
        (17, 'Java %s is too old,' % P),
        (18, 'use %s or {newer}' % P),
        (20, 'field %s of %s' % (P, P)),
    ]


@pytest.mark.parametrize('text, kept', [
    ('%s' % P, False),
    ('%s: %s.' % (P, P), False),
    ('trino_catalogs: %s' % P, False),
    ('%s is wrong' % P, True),
])
def test_relays_are_left_out(text, kept):
    assert gen.meaningful(text) is kept


# ----------------------------------------------------------------------------- hints and the page

def test_hints_match_prefix_or_contained_text_first_wins():
    hints = [('prefix', 'the tag %s is' % P, 'A'), ('contains', 'is not pinned', 'B')]
    assert gen.hint_for(hints, 'The tag %s is not pinned' % P) == (0, 'A')
    assert gen.hint_for(hints, 'x=%s: the tag is not pinned' % P) == (1, 'B')
    assert gen.hint_for(hints, 'all fine') == (None, gen.NO_HINT)


@pytest.mark.parametrize('text, message', [
    ('hints: {a: 1}\n', 'expected a mapping with a list "hints"'),
    ('hints:\n  - {prefix: a, contains: b, hint: c}\n', 'hints[0] needs exactly one of prefix or contains'),
    ('hints:\n  - {prefix: a}\n', 'hints[0] needs exactly one of prefix or contains'),
    ('hints:\n  - {prefix: " ", hint: c}\n', 'hints[0].prefix must be a non-empty string'),
    ('hints: [\n', 'docs/troubleshooting-hints.yml: '),
])
def test_bad_hint_files_are_refused(tmp_path, text, message):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'troubleshooting-hints.yml').write_text(text, encoding='utf-8')
    with pytest.raises(gen.HintError, match=message.replace('[', r'\[').replace(']', r'\]')):
        gen.load_hints(tmp_path)


def test_markdown_escaping():
    assert gen.markdown('a | b <x> %s `c` *d* _e_ snake_case \\' % P) == (
        'a \\| b &lt;x> &lt;\u2026> \\`c\\` \\*d\\* \\_e\\_ snake_case \\\\')


@pytest.fixture(name='tree')
def fixture_tree(tmp_path):
    """A collection with one role (a preflight and a settings filter), the shared checks and hints."""
    files = {
        'roles/demo/tasks/preflight.yml': TASKS,
        'plugins/filter/demo_settings.py': PYTHON,
        'plugins/plugin_utils/checks.py': "def f(problems, name):\n    problems.append('%s is a relative path' % name)\n",
        'docs/troubleshooting-hints.yml': textwrap.dedent('''\
            hints:
              - contains: is a relative path
                hint: Give an absolute | path.
              - prefix: mode_b
                hint: Fix mode_b.
            '''),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding='utf-8')
    return tmp_path


def test_the_page(tree):
    page = gen.expected(tree)
    assert page.startswith('# Troubleshooting: what the roles refuse, and what to do\n\n' + gen.NOTICE + '\n')
    assert 'Contents: [demo](#role-demo) (15), [shared checks](#shared-checks) (1).' in page
    assert page.index('## Role `demo`') < page.index('## Shared checks (every role)')
    assert page.index('| mode_a is') < page.index('| mode_b is') < page.index('| Something else') < page.index('| demo_port=')
    assert ('| mode_b is wrong here. | [roles/demo/tasks/preflight.yml:5](../roles/demo/tasks/preflight.yml#L5) '
            '| Fix mode_b. |') in page
    assert ('| &lt;\u2026> is a relative path | [plugins/plugin_utils/checks.py:2](../plugins/plugin_utils/checks.py#L2) '
            '| Give an absolute \\| path. |') in page
    assert '| Something else went wrong. | [roles/demo/tasks/preflight.yml:5](../roles/demo/tasks/preflight.yml#L5) | see the message |' in page
    assert page.endswith('|\n')


def test_write_then_check(tree, capsys):
    assert gen.check(tree) == ['missing: docs/troubleshooting.md']
    assert gen.main(['--check', '--root', str(tree)]) == 1
    assert gen.HINT in capsys.readouterr().err
    assert gen.main(['--root', str(tree)]) == 0
    assert not gen.check(tree)
    assert gen.main(['--root', str(tree)]) == 0
    assert 'unchanged' in capsys.readouterr().out
    tasks = tree / 'roles' / 'demo' / 'tasks' / 'preflight.yml'
    tasks.write_text('# moved\n' + tasks.read_text(encoding='utf-8'), encoding='utf-8')     # every line moves
    assert gen.check(tree) == ['stale: docs/troubleshooting.md']
    assert '+| mode_b is wrong here. | [roles/demo/tasks/preflight.yml:6]' in gen.diff(tree)


def test_an_unused_hint_fails_the_check(tree, capsys):
    hints = tree / 'docs' / 'troubleshooting-hints.yml'
    hints.write_text(hints.read_text(encoding='utf-8') + '  - prefix: nothing says this\n    hint: Never shown.\n', encoding='utf-8')
    gen.write(tree)
    assert gen.check(tree) == ['unused hint: hints[2] (prefix: nothing says this)']
    assert gen.main(['--root', str(tree)]) == 1
    assert 'WARNING: unused hint: hints[2]' in capsys.readouterr().err
