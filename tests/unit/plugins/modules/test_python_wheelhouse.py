"""Unit tests of datamesh.platform.python_wheelhouse, driven against the real uv and the real pip.

No network and no double of uv or pip: wheelhouse_fixtures builds a package index of tiny real
distributions in a temporary directory (wheels, an sdist with its own PEP 517 backend, platform
wheels), and the module resolves with uv and downloads with pip from it (find_links and
no_index). The first test then installs from the wheelhouse the way an air-gapped host does,
pip install --no-index --find-links <dest>/index.html, into a new virtual environment, building
the sdist with its backend taken from the wheelhouse.

AnsibleModule.run_command is wrapped (not replaced) to record the commands. uv and pip run with
their user configuration and caches kept out (UV_NO_CONFIG, PIP_CONFIG_FILE, a temporary uv cache,
PIP_NO_CACHE_DIR), so what this machine's pip.conf or PIP_FIND_LINKS says does not leak in.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.datamesh.platform.plugins.modules import python_wheelhouse as wheelhouse
from ansible_collections.datamesh.platform.tests.unit.plugins.modules import wheelhouse_fixtures as fixtures
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_exits

UV = shutil.which('uv')


@pytest.fixture
def uv_on_path():
    # uv is part of the tool chain (requirements.txt): without it these tests fail, they are not skipped.
    if UV is None:
        pytest.fail('uv is not on PATH: the tool chain installs it from requirements.txt (pip install uv)')


needs_uv = pytest.mark.usefixtures('uv_on_path')
HERE = '%d.%d' % sys.version_info[:2]        # the Python of the offline install test
PASSWORD = 'S3cr3t-pw-9z'

ALPHA = 'alpha-1.0-py3-none-any.whl'
BETA1 = 'beta-1.0-py3-none-any.whl'
BETA2 = 'beta-2.0-py3-none-any.whl'
GAMMA = 'gamma-0.1.tar.gz'
TINYBACKEND = 'tinybackend-1.0-py3-none-any.whl'
DELTA313 = 'delta-1.0-cp313-cp313-manylinux_2_17_x86_64.whl'
DELTA311 = 'delta-1.0-cp311-cp311-manylinux_2_17_x86_64.whl'
EPSILON_WHEEL = 'epsilon-1.0-py3-none-any.whl'
EPSILON_SDIST = 'epsilon-1.0.tar.gz'


# ---------------------------------------------------------------- environment and running the module

@pytest.fixture(scope='session')
def index(tmp_path_factory):
    """The package index of fixture distributions, built once; tests only read it."""
    directory = str(tmp_path_factory.mktemp('index'))
    fixtures.make_index(directory)
    return directory


@pytest.fixture(scope='session')
def uv_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp('uv-cache'))


@pytest.fixture(autouse=True)
def hermetic(monkeypatch, uv_cache):
    for name in list(os.environ):
        if name.startswith('PIP_') or name.startswith('UV_'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('PIP_CONFIG_FILE', os.devnull)
    monkeypatch.setenv('PIP_NO_CACHE_DIR', '1')
    monkeypatch.setenv('PIP_DISABLE_PIP_VERSION_CHECK', '1')
    monkeypatch.setenv('UV_NO_CONFIG', '1')
    monkeypatch.setenv('UV_CACHE_DIR', uv_cache)
    monkeypatch.setenv('UV_PYTHON_DOWNLOADS', 'never')
    monkeypatch.setenv('UV_HTTP_RETRIES', '0')


@pytest.fixture(autouse=True)
def warnings(monkeypatch):
    return patch_module_exits(monkeypatch)


class Recorder:
    """Wraps the real AnsibleModule.run_command and records what was run."""

    def __init__(self, before_pip=None):
        self.calls = []
        self.before_pip = before_pip

    def install(self, monkeypatch):
        real = basic.AnsibleModule.run_command
        recorder = self

        def run_command(module, args, **kwargs):
            recorder.calls.append(dict(args=list(args), env=dict(kwargs.get('environ_update') or {})))
            if recorder.before_pip and 'download' in args:
                recorder.before_pip()
            return real(module, args, **kwargs)

        monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
        return self

    def commands(self):
        """'uv' or 'pip' per call, in order."""
        return ['pip' if 'download' in call['args'] else 'uv' for call in self.calls]


def run(monkeypatch, dest, requirements, index=None, check_mode=False, diff=False, expect=ExitJson, recorder=None, **params):
    """Runs the module; returns (result, recorder)."""
    recorder = (recorder or Recorder()).install(monkeypatch)
    args = dict(dest=str(dest), requirements=requirements, python_version=HERE, no_index=True,
                find_links=[index] if index else [], uv_command=UV or 'uv')
    args.update(params)
    args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(expect) as raised:
            wheelhouse.main()
    return raised.value.args[0], recorder


def listing(directory):
    return sorted(os.listdir(str(directory))) if os.path.isdir(str(directory)) else None


def sha256(path):
    with open(str(path), 'rb') as stream:
        return hashlib.sha256(stream.read()).hexdigest()


# ---------------------------------------------------------------- the module against real uv and pip

@needs_uv
def test_wheelhouse_installs_offline_and_builds_the_sdist_with_its_backend(monkeypatch, tmp_path, index):
    dest = tmp_path / 'wheelhouse'
    result, recorder = run(monkeypatch, dest, ['gamma', 'alpha'], index)

    assert result['changed'] is True
    assert result['resolved'] == [dict(name='alpha', version='1.0', build_requirement=False),
                                  dict(name='beta', version='1.0', build_requirement=False),     # gamma wants beta<2
                                  dict(name='gamma', version='0.1', build_requirement=False),
                                  dict(name='tinybackend', version='1.0', build_requirement=True)]
    assert listing(dest) == sorted([ALPHA, BETA1, GAMMA, TINYBACKEND, 'index.html'])
    assert sorted(result['downloaded']) == [ALPHA, BETA1, GAMMA, TINYBACKEND]
    assert result['missing'] == ['alpha==1.0', 'beta==1.0', 'gamma==0.1', 'tinybackend==1.0']
    assert result['index'] == str(dest / 'index.html')
    by_file = dict((f['file'], f) for f in result['files'])
    assert sorted(by_file) == [ALPHA, BETA1, GAMMA, TINYBACKEND]
    assert by_file[GAMMA]['kind'] == 'sdist' and by_file[ALPHA]['kind'] == 'wheel'
    assert by_file[TINYBACKEND]['build_requirement'] is True and by_file[GAMMA]['build_requirement'] is False
    for name, entry in by_file.items():     # the very files of the index, byte for byte
        assert entry['sha256'] == sha256(dest / name) == sha256(os.path.join(index, name))
        assert entry['size'] == os.path.getsize(str(dest / name))
        assert stat.S_IMODE(os.stat(str(dest / name)).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o755
    # uv for the requirements, pip; uv: no wheel of gamma, so its build requirements (uv, pip)
    assert recorder.commands() == ['uv', 'pip', 'uv', 'uv', 'pip']
    compile_args = recorder.calls[0]['args']
    assert compile_args[1:3] == ['pip', 'compile'] and compile_args[-1] == '-'
    assert compile_args[compile_args.index('--python-platform') + 1] == 'x86_64-manylinux_2_28'
    pip_args = recorder.calls[1]['args']
    assert pip_args[:5] == [sys.executable, '-m', 'pip', 'download', '--no-deps']
    assert [pip_args[i + 1] for i, a in enumerate(pip_args) if a == '--abi'] == ['cp3%d' % sys.version_info[1], 'abi3', 'none']

    # An air-gapped host: a new environment, pip with no index and nothing but the wheelhouse's index.html.
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    python = str(venv / 'bin' / 'python')
    install = subprocess.run([sys.executable, '-m', 'pip', '--python', python, 'install', '--no-index',
                              '--find-links', str(dest / 'index.html'), 'gamma', 'alpha'],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert install.returncode == 0, install.stdout
    assert 'Building wheel for gamma' in install.stdout       # built here, by tinybackend from the wheelhouse
    shown = subprocess.run([python, '-c', 'import alpha, beta, gamma; print(alpha.VERSION, beta.VERSION, gamma.VERSION)'],
                           stdout=subprocess.PIPE, universal_newlines=True, check=True)
    assert shown.stdout.split() == ['1.0', '1.0', '0.1']


@needs_uv
def test_second_run_downloads_nothing_and_keeps_index_html(monkeypatch, tmp_path, index):
    dest = tmp_path / 'wheelhouse'
    run(monkeypatch, dest, ['gamma', 'alpha'], index)
    index_stat = os.stat(str(dest / 'index.html'))
    result, recorder = run(monkeypatch, dest, ['gamma', 'alpha'], index, diff=True)
    assert result['changed'] is False
    assert result['missing'] == [] and result['downloaded'] == []
    # resolution only: the requirements, whether the index has a wheel of gamma after all (no), gamma's build requirements
    assert recorder.commands() == ['uv', 'uv', 'uv']
    assert '--only-binary' in recorder.calls[1]['args']
    assert len(result['files']) == 4
    assert os.stat(str(dest / 'index.html')).st_mtime_ns == index_stat.st_mtime_ns
    assert result['diff']['before'] == result['diff']['after'] == dict(files=sorted([ALPHA, BETA1, GAMMA, TINYBACKEND, 'index.html']))


@needs_uv
def test_check_mode_resolves_only(monkeypatch, tmp_path, index):
    dest = tmp_path / 'wheelhouse'
    result, recorder = run(monkeypatch, dest, ['alpha'], index, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['missing'] == ['alpha==1.0', 'beta==2.0']
    assert result['downloaded'] == [] and result['files'] == []
    assert listing(dest) is None                         # not even created
    assert recorder.commands() == ['uv']
    assert result['diff'] == dict(before=dict(files=[]), after=dict(files=[
        'index.html', 'alpha==1.0 (would be downloaded)', 'beta==2.0 (would be downloaded)']))


@needs_uv
def test_check_mode_knows_the_build_requirements_of_sdists_already_there(monkeypatch, tmp_path, index):
    dest = tmp_path / 'wheelhouse'
    run(monkeypatch, dest, ['gamma'], index)
    os.unlink(str(dest / TINYBACKEND))
    before = listing(dest)
    result, recorder = run(monkeypatch, dest, ['gamma'], index, check_mode=True)
    assert result['changed'] is True
    assert result['missing'] == ['tinybackend==1.0']
    assert listing(dest) == before
    assert 'pip' not in recorder.commands()


@needs_uv
@pytest.mark.parametrize('python_version, wanted, other', [('3.13', DELTA313, DELTA311), ('3.11', DELTA311, DELTA313)])
def test_python_version_picks_the_platform_wheel(monkeypatch, tmp_path, index, python_version, wanted, other):
    dest = tmp_path / 'wheelhouse'
    result = run(monkeypatch, dest, ['delta'], index, python_version=python_version)[0]
    assert listing(dest) == [wanted, 'index.html']
    assert [f['file'] for f in result['files']] == [wanted]
    assert 'manylinux_2_17_x86_64' in result['platforms'] and 'manylinux1_x86_64' in result['platforms']


@needs_uv
def test_a_wheel_for_another_python_does_not_count_as_present(monkeypatch, tmp_path, index):
    dest = tmp_path / 'wheelhouse'
    run(monkeypatch, dest, ['delta'], index, python_version='3.13')
    result = run(monkeypatch, dest, ['delta'], index, python_version='3.11')[0]
    assert result['changed'] is True and result['downloaded'] == [DELTA311]
    assert [f['file'] for f in result['files']] == [DELTA311]
    assert listing(dest) == [DELTA311, DELTA313, 'index.html']
    again = run(monkeypatch, dest, ['delta'], index, python_version='3.13')[0]
    assert again['changed'] is False


@needs_uv
def test_an_sdist_does_not_stand_in_for_the_wheel_of_the_target(monkeypatch, tmp_path, index):
    """dest holds epsilon's sdist (say from a target that had no wheel): this target's wheel is fetched all the same."""
    dest = tmp_path / 'wheelhouse'
    dest.mkdir()
    shutil.copy(os.path.join(index, EPSILON_SDIST), str(dest))
    result = run(monkeypatch, dest, ['epsilon'], index)[0]
    assert result['changed'] is True and result['downloaded'] == [EPSILON_WHEEL]
    assert listing(dest) == [EPSILON_WHEEL, EPSILON_SDIST, 'index.html']
    # the wheel serves the hosts, so the sdist's build requirements (tinybackend) are not fetched
    assert [r['name'] for r in result['resolved']] == ['epsilon']
    assert [f['file'] for f in result['files']] == [EPSILON_WHEEL, EPSILON_SDIST]
    assert run(monkeypatch, dest, ['epsilon'], index)[0]['changed'] is False


@needs_uv
@pytest.mark.parametrize('params, shown', [
    (dict(python_version='3.12'), 'CPython 3.12 on x86_64-manylinux_2_28'),
    (dict(python_version='3.13', architecture='aarch64', glibc='2.36'), 'CPython 3.13 on aarch64-manylinux_2_36'),
])
def test_no_wheel_for_the_target_fails_naming_the_requirement(monkeypatch, tmp_path, index, params, shown):
    dest = tmp_path / 'wheelhouse'
    result = run(monkeypatch, dest, ['delta'], index, expect=FailJson, **params)[0]
    assert result['msg'].startswith('uv could not resolve the requirements [delta] for %s from find_links %s: ' % (shown, index))
    assert 'delta' in result['stderr']
    assert listing(dest) is None


@needs_uv
def test_pip_failure_names_the_requirement(monkeypatch, tmp_path, index):
    """uv resolves beta==2.0, then the file disappears from the index before pip runs."""
    private = str(tmp_path / 'index')
    shutil.copytree(index, private)
    recorder = Recorder(before_pip=lambda: os.unlink(os.path.join(private, BETA2)))
    dest = tmp_path / 'wheelhouse'
    result = run(monkeypatch, dest, ['alpha'], private, expect=FailJson, recorder=recorder)[0]
    assert result['msg'].startswith('pip found no file of beta==2.0 for CPython %s on x86_64-manylinux_2_28 '
                                    '(downloading alpha==1.0, beta==2.0 from find_links %s)' % (HERE, private))
    assert 'No matching distribution found for beta==2.0' in result['msg']
    assert listing(dest) is None


@needs_uv
def test_broken_file_of_the_same_name_is_not_overwritten(monkeypatch, tmp_path, index):
    dest = tmp_path / 'wheelhouse'
    dest.mkdir()
    (dest / BETA2).write_bytes(b'half a wheel')
    result = run(monkeypatch, dest, ['alpha'], index, expect=FailJson)[0]
    assert BETA2 in result['msg'] and 'nothing was overwritten' in result['msg']
    assert result['conflicts'] == [BETA2]
    assert (dest / BETA2).read_bytes() == b'half a wheel'
    assert listing(dest) == [BETA2]                      # alpha, downloaded with it, was not moved in either


@needs_uv
def test_other_valid_file_of_the_same_name_is_kept(monkeypatch, tmp_path, index):
    dest = tmp_path / 'wheelhouse'
    dest.mkdir()
    fixtures.write_wheel(str(dest), 'beta', '2.0', {'beta/__init__.py': '# rebuilt here\n'})
    mine = sha256(dest / BETA2)
    assert mine != sha256(os.path.join(index, BETA2))
    result = run(monkeypatch, dest, ['alpha'], index)[0]
    assert result['downloaded'] == [ALPHA]
    assert sha256(dest / BETA2) == mine


@needs_uv
def test_credentials_in_index_url_are_masked(monkeypatch, tmp_path, index):
    url = 'http://alice:%s@127.0.0.1:9/simple' % PASSWORD     # nothing listens on port 9
    result, recorder = run(monkeypatch, tmp_path / 'wheelhouse', ['alpha'], index, no_index=False,
                           index_url=url, expect=FailJson)
    assert PASSWORD not in json.dumps(result)
    assert 'from index http://alice:***@127.0.0.1:9/simple, find_links %s' % index in result['msg']
    # uv gets the index in its environment, not on its command line (ps shows command lines).
    assert recorder.calls[0]['env'] == {'UV_DEFAULT_INDEX': url}
    assert PASSWORD not in ' '.join(recorder.calls[0]['args'])


@needs_uv
def test_index_html_links_every_distribution_and_is_repaired(monkeypatch, tmp_path, index):
    dest = tmp_path / 'wheelhouse'
    dest.mkdir()
    shutil.copy(os.path.join(index, DELTA311), str(dest))       # not part of this closure: listed all the same
    (dest / 'README.txt').write_text('not a distribution\n')
    (dest / '.partial.whl').write_text('')
    run(monkeypatch, dest, ['alpha'], index)
    expected = ('<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>Links</title></head>\n<body>\n'
                '<a href="%s">%s</a><br>\n<a href="%s">%s</a><br>\n<a href="%s">%s</a><br>\n</body>\n</html>\n'
                % (ALPHA, ALPHA, BETA2, BETA2, DELTA311, DELTA311))
    assert (dest / 'index.html').read_text() == expected
    (dest / 'index.html').write_text('edited\n')
    result = run(monkeypatch, dest, ['alpha'], index)[0]
    assert result['changed'] is True and result['downloaded'] == []
    assert (dest / 'index.html').read_text() == expected


@pytest.mark.parametrize('uv_command', ['/nonexistent/bin/uv', 'uv-not-installed-here'])
def test_missing_uv_says_how_to_get_it(monkeypatch, tmp_path, uv_command):
    result, recorder = run(monkeypatch, tmp_path / 'wheelhouse', ['alpha'], uv_command=uv_command, expect=FailJson)
    assert result['msg'] == ('uv was not found (uv_command=%s): install uv on the controller, e.g. `pip install uv`, '
                             'or set uv_command to its path' % uv_command)
    assert recorder.calls == []


@pytest.mark.parametrize('params, message', [
    (dict(python_version='3'), "python_version '3': give the CPython version as 3.<minor>"),
    (dict(glibc='2.12'), "glibc '2.12': give the target glibc as 2.<minor>, 2.17 or newer"),
    (dict(requirements=[]), 'requirements is empty'),
])
def test_bad_arguments_fail_before_running_anything(monkeypatch, tmp_path, params, message):
    requirements = params.pop('requirements', ['alpha'])
    result, recorder = run(monkeypatch, tmp_path / 'wheelhouse', requirements, expect=FailJson, **params)
    assert result['msg'].startswith(message)
    assert recorder.calls == []


# ---------------------------------------------------------------- the helpers

@pytest.mark.parametrize('filename, expected', [
    (ALPHA, ('alpha', '1.0', 'wheel')),
    ('Dbt_Core-1.11.16-py3-none-any.whl', ('dbt-core', '1.11.16', 'wheel')),
    ('zope.interface-7.0-1-cp313-cp313-manylinux_2_17_x86_64.whl', ('zope-interface', '7.0', 'wheel')),   # build tag
    ('python-dateutil-2.9.0.post0.tar.gz', ('python-dateutil', '2.9.0.post0', 'sdist')),
    ('PyYAML-6.0.2.zip', ('pyyaml', '6.0.2', 'sdist')),
    ('index.html', None),
    ('notes-1.0.txt', None),
])
def test_parse_filename(filename, expected):
    parsed = wheelhouse.parse_filename(filename)
    if expected is None:
        assert parsed is None
    else:
        assert (parsed['name'], parsed['version'], parsed['kind']) == (expected[0], wheelhouse.canonical_version(expected[1]),
                                                                       expected[2])


@pytest.mark.parametrize('a, b', [('1.0', '1.0.0'), ('v2.1', '2.1'), ('1.0-rc1', '1.0rc1'), ('2.0.post0', '2.0.0.post0'),
                                  ('1.0+cpu_1', '1.0+cpu.1')])
def test_equal_versions(a, b):
    assert wheelhouse.canonical_version(a) == wheelhouse.canonical_version(b)


def test_different_versions():
    assert wheelhouse.canonical_version('1.0.1') != wheelhouse.canonical_version('1.0')
    assert wheelhouse.canonical_version('1.0rc1') != wheelhouse.canonical_version('1.0')


@pytest.mark.parametrize('filename, python_minor, fits', [
    ('x-1-py3-none-any.whl', 13, True),
    ('x-1-py2.py3-none-any.whl', 9, True),
    ('x-1-py2-none-any.whl', 13, False),
    ('x-1-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 13, True),
    ('x-1-cp313-cp313-manylinux_2_17_x86_64.whl', 12, False),
    ('x-1-cp39-abi3-manylinux_2_28_x86_64.whl', 13, True),
    ('x-1-cp313-abi3-manylinux_2_28_x86_64.whl', 12, False),
    ('x-1-cp313-cp313-manylinux_2_34_x86_64.whl', 13, False),       # needs a newer glibc than 2.28
    ('x-1-cp313-cp313-manylinux_2_17_aarch64.whl', 13, False),
    ('x-1-cp313-cp313-musllinux_1_2_x86_64.whl', 13, False),
    ('x-1-cp313-cp313-manylinux1_x86_64.whl', 13, True),
    ('x-1-cp313-cp313t-manylinux_2_17_x86_64.whl', 13, False),      # free-threaded build
    ('x-1-py3-none-manylinux_2_17_x86_64.whl', 13, True),
])
def test_wheel_fits_glibc_2_28_x86_64(filename, python_minor, fits):
    tags = wheelhouse.parse_filename(filename)['tags']
    assert wheelhouse.wheel_fits(tags, python_minor, wheelhouse.platform_tags(28, 'x86_64')) is fits


def test_platform_tags():
    x86 = wheelhouse.platform_tags(28, 'x86_64')
    assert x86[:2] == ['manylinux_2_28_x86_64', 'manylinux_2_27_x86_64']
    assert x86[x86.index('manylinux_2_17_x86_64') + 1] == 'manylinux2014_x86_64'
    assert x86[-3:] == ['manylinux_2_5_x86_64', 'manylinux1_x86_64', 'linux_x86_64']
    arm = wheelhouse.platform_tags(36, 'aarch64')
    assert arm[0] == 'manylinux_2_36_aarch64'
    assert arm[-3:] == ['manylinux_2_17_aarch64', 'manylinux2014_aarch64', 'linux_aarch64']


@pytest.mark.parametrize('minor, platform', [(17, 'x86_64-manylinux_2_17'), (27, 'x86_64-manylinux_2_17'),
                                             (30, 'x86_64-manylinux_2_28'), (36, 'x86_64-manylinux_2_36'),
                                             (41, 'x86_64-manylinux_2_40')])
def test_uv_platform_is_the_newest_not_newer_than_glibc(minor, platform):
    assert wheelhouse.uv_platform(minor, 'x86_64') == platform


PYPROJECTS = [
    ('[build-system]\nrequires = ["setuptools>=61", \'wheel\']\nbuild-backend = "setuptools.build_meta"\n',
     ['setuptools>=61', 'wheel']),
    ('[project]\nname = "x"\nrequires = ["not-this"]\n\n[build-system]\nrequires = [\n  "hatchling",  # the backend\n'
     '  "hatch-vcs>=0.4; python_version >= \'3.9\'",\n]\n', ['hatchling', "hatch-vcs>=0.4; python_version >= '3.9'"]),
    ('[project]\nname = "x"\n', None),
    ('[build-system]\nbuild-backend = "flit_core.buildapi"\n', None),
]


@pytest.mark.parametrize('has_tomllib', [True, False])
@pytest.mark.parametrize('text, expected', PYPROJECTS)
def test_build_requires_with_and_without_tomllib(monkeypatch, text, expected, has_tomllib):
    if has_tomllib and not wheelhouse.HAS_TOMLLIB:
        pytest.skip('no tomllib on this Python')
    monkeypatch.setattr(wheelhouse, 'HAS_TOMLLIB', has_tomllib)
    assert wheelhouse.parse_build_requires(text) == expected


def test_sdist_build_requirements(tmp_path):
    legacy = fixtures.write_sdist(str(tmp_path), 'legacy', '1.0', {'setup.py': 'from setuptools import setup\nsetup()\n'})
    assert wheelhouse.sdist_build_requirements(legacy) == ['setuptools>=40.8.0', 'wheel']      # pip's default
    flit = fixtures.write_sdist(str(tmp_path), 'flat', '1.0', {}, pyproject='[build-system]\nrequires = ["flit_core>=3.2"]\n')
    assert wheelhouse.sdist_build_requirements(flit) == ['flit_core>=3.2']
    broken = fixtures.write_sdist(str(tmp_path), 'broken', '1.0', {}, pyproject='[build-system\nrequires = [\n')
    with pytest.raises(wheelhouse.WheelhouseError, match='pyproject.toml of broken-1.0.tar.gz is not valid TOML'):
        wheelhouse.sdist_build_requirements(broken)


def test_index_html_escapes_and_quotes():
    page = wheelhouse.index_html(['a&b-1.0.tar.gz', 'torch-2.5.0+cpu-cp313-cp313-linux_x86_64.whl'])
    assert '<a href="a%26b-1.0.tar.gz">a&amp;b-1.0.tar.gz</a><br>' in page
    assert '<a href="torch-2.5.0%2Bcpu-cp313-cp313-linux_x86_64.whl">torch-2.5.0+cpu-cp313-cp313-linux_x86_64.whl</a>' in page


@pytest.mark.parametrize('text, expected', [
    ('from https://bob:hunter22@proxy.example.com/simple failed', 'from https://bob:***@proxy.example.com/simple failed'),
    ('GET https://ghp_tokenvalue@host/simple/x/', 'GET https://***@host/simple/x/'),
    ('pip said https://bob:****@proxy.example.com/simple', 'pip said https://bob:***@proxy.example.com/simple'),
    ('the password hunter22 again, url-decoded p@ss', 'the password *** again, url-decoded ***'),
    ('https://proxy.example.com/simple has no userinfo', 'https://proxy.example.com/simple has no userinfo'),
])
def test_mask_text(text, expected):
    secrets = wheelhouse.url_secrets(['https://bob:hunter22@proxy.example.com/simple', 'https://x:p%40ss@other/'])
    assert wheelhouse.mask_text(text, secrets) == expected
