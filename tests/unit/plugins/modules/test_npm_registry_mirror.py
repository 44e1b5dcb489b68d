"""Tests of datamesh.platform.npm_registry_mirror, with the REAL npm client and no internet.

- NpmRegistryDouble (npm_registry_double.py, a hand-written double of the registry's HTTP protocol)
  serves a small package set on 127.0.0.1 under /repo/npm/, as an internal registry would:
  app@1.0.0 -> lib@^2.0.0, @scope/util@1.x, lib2@1.0.0 (and a devDependency that is not there),
  lib2@1.0.0 -> lib@^3.0.0 (a nested conflict: node_modules/lib2/node_modules/lib), lib 2.0.0,
  2.1.0 and 3.0.0, @scope/util 1.2.0. The module runs for real: npm (/usr/bin/npm) resolves
  against the double, the module downloads from it.
- The end-to-end test serves the mirror the module wrote with Python's http.server (a plain
  static server, nothing npm-specific) and runs the real ``npm install`` and ``npm ci`` against
  it with empty caches, then looks at the versions in node_modules.

npm reads no user configuration here (npm_config_userconfig is an empty file) and does not retry.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import shutil
import stat
import subprocess
import threading

from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.datamesh.platform.plugins.modules import npm_registry_mirror as mirror_module
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.npm_registry_double import NpmRegistryDouble
from ansible_collections.datamesh.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_exits

NPM = shutil.which('npm')
needs_npm = pytest.mark.skipif(NPM is None, reason='the real npm client is needed')
PASSWORD = 'Mirr0r-S3cret-pw'
CLOSURE = ['@scope/util@1.2.0', 'app@1.0.0', 'lib@2.1.0', 'lib@3.0.0', 'lib2@1.0.0']
MODULE_AGENT = 'datamesh.platform.npm_registry_mirror'


def build_double(**kwargs):
    double = NpmRegistryDouble(prefix='/repo/npm/', **kwargs)
    double.add('app', '1.0.0', {'lib': '^2.0.0', '@scope/util': '1.x', 'lib2': '1.0.0'}, {'devonly': '1.0.0'})
    for version in ('2.0.0', '2.1.0', '3.0.0'):
        double.add('lib', version)
    double.add('@scope/util', '1.2.0')
    double.add('lib2', '1.0.0', {'lib': '^3.0.0'})
    return double


@pytest.fixture(scope='module')
def registry():
    double = build_double().start()
    yield double
    double.stop()


@pytest.fixture
def fresh_registry():
    """A double of its own, for tests that make it misbehave."""
    created = []

    def make(**kwargs):
        double = build_double(**kwargs)
        created.append(double)
        return double
    yield make
    for double in created:
        double.stop()


@pytest.fixture(autouse=True)
def npm_env(monkeypatch, tmp_path):
    npmrc = tmp_path / 'empty.npmrc'
    npmrc.write_text('')
    monkeypatch.setenv('npm_config_userconfig', str(npmrc))
    monkeypatch.setenv('npm_config_fetch_retries', '0')
    monkeypatch.setenv('npm_config_update_notifier', 'false')
    return dict(os.environ, npm_config_userconfig=str(npmrc), npm_config_fetch_retries='0',
                npm_config_update_notifier='false')


@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    return patch_module_exits(monkeypatch)


def run(dest, packages, registry, check_mode=False, diff=False, expect=ExitJson, **params):
    args = dict(dest=str(dest), packages=packages, registry=registry)
    args.update(params)
    args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(expect) as raised:
            mirror_module.main()
    result = raised.value.args[0]
    assert PASSWORD not in json.dumps(result), 'the registry password leaked into the result'
    return result


def tree(root):
    """{relative path: (mode, bytes)} of every file under root, and the directories with their modes."""
    found = {}
    if not os.path.exists(root):
        return found
    for directory, dirs, files in os.walk(root):
        for d in dirs:
            path = os.path.join(directory, d)
            found[os.path.relpath(path, root) + '/'] = (stat.S_IMODE(os.stat(path).st_mode), None)
        for f in files:
            path = os.path.join(directory, f)
            with open(path, 'rb') as fh:
                found[os.path.relpath(path, root)] = (stat.S_IMODE(os.stat(path).st_mode), fh.read())
    return found


def packument(dest, name):
    with open(os.path.join(str(dest), *name.split('/'), 'index.html')) as f:
        return json.load(f)


def module_requests(double, kind):
    return [r for r in double.requests_of(kind) if MODULE_AGENT in r['user_agent']]


# ---------------------------------------------------------------- pure functions

@pytest.mark.parametrize('spec, expected', [
    ('app@1.0.0', ('app', '1.0.0')),
    ('@scope/util@1.2.0', ('@scope/util', '1.2.0')),
    ('configurable-http-proxy@5.3.0', ('configurable-http-proxy', '5.3.0')),
    ('x@1.0.0-rc.1+build.5', ('x', '1.0.0-rc.1+build.5')),
])
def test_split_spec(spec, expected):
    assert mirror_module.split_spec(spec) == expected


@pytest.mark.parametrize('spec', ['app', '@scope/util', 'app@^1.0.0', 'app@1.x', 'app@latest', '../x@1.0.0',
                                  '@scope/../x@1.0.0', '.hidden@1.0.0', 'a/b@1.0.0', 'app@'])
def test_split_spec_refuses_ranges_and_paths(spec):
    with pytest.raises(ValueError):
        mirror_module.split_spec(spec)


def test_latest_is_the_highest_release_by_semver():
    assert mirror_module.latest_version(['2.0.0', '10.0.0', '9.1.0']) == '10.0.0'
    assert mirror_module.latest_version(['1.0.0', '2.0.0-beta.1']) == '1.0.0'
    assert mirror_module.latest_version(['2.0.0-beta.2', '2.0.0-beta.10', '2.0.0-alpha']) == '2.0.0-beta.10'
    assert mirror_module.latest_version(['1.0.0-rc.1', '1.0.0']) == '1.0.0'


def test_check_dist_prefers_integrity_and_falls_back_to_shasum():
    data = b'tarball bytes'
    digests = dict((h, hashlib.new(h, data).digest()) for h in mirror_module.HASHES)
    good512 = 'sha512-' + base64.b64encode(hashlib.sha512(data).digest()).decode()
    good1 = 'sha1-' + base64.b64encode(hashlib.sha1(data).digest()).decode()
    bad512 = 'sha512-' + base64.b64encode(hashlib.sha512(b'other').digest()).decode()
    shasum = hashlib.sha1(data).hexdigest()
    check = mirror_module.check_dist
    assert check({'integrity': good512, 'shasum': '0' * 40}, digests) is None    # shasum ignored when integrity is there
    assert 'integrity sha512' in check({'integrity': bad512, 'shasum': shasum}, digests)
    assert check({'integrity': good1 + ' ' + good512}, digests) is None
    assert 'integrity sha512' in check({'integrity': good1 + ' ' + bad512}, digests)  # the strongest algorithm decides
    assert check({'shasum': shasum.upper()}, digests) is None
    assert 'shasum' in check({'shasum': '0' * 40}, digests)
    assert 'neither' in check({'tarball': 'https://x/y.tgz'}, digests)


def test_masker_hides_userinfo_and_the_password():
    mask = mirror_module.Masker('https://alice:%s@nexus.example.com/repository/npm/' % PASSWORD)
    text = mask('GET https://alice:%s@nexus.example.com/x failed; password %s' % (PASSWORD, PASSWORD))
    assert PASSWORD not in text and 'alice' not in text
    assert 'https://********@nexus.example.com/x' in text


# ---------------------------------------------------------------- the module, with the real npm

@needs_npm
def test_mirror_of_a_tree_with_a_nested_conflict(registry, tmp_path):
    dest = tmp_path / 'www' / 'npm'
    result = run(dest, ['app@1.0.0'], registry.url, diff=True)

    assert result['changed'] is True
    assert result['missing'] == CLOSURE
    assert ['%s@%s' % (p['name'], p['version']) for p in result['packages']] == CLOSURE
    assert result['diff'] == {'before': {'packages': []}, 'after': {'packages': CLOSURE}}
    by_id = dict(('%s@%s' % (p['name'], p['version']), p) for p in result['packages'])
    util = by_id['@scope/util@1.2.0']
    data = registry.tarball_bytes('@scope/util', '1.2.0')
    assert util['file'] == '@scope/util/-/util-1.2.0.tgz'
    assert util['sha256'] == hashlib.sha256(data).hexdigest()
    assert util['size'] == len(data)
    assert util['integrity'] == 'sha512-' + base64.b64encode(hashlib.sha512(data).digest()).decode()
    assert util['source'] == registry.url + '@scope/util/-/util-1.2.0.tgz'

    files = tree(str(dest))
    assert sorted(k for k in files if not k.endswith('/')) == [
        '@scope/util/-/util-1.2.0.tgz', '@scope/util/index.html',
        'app/-/app-1.0.0.tgz', 'app/index.html',
        'lib/-/lib-2.1.0.tgz', 'lib/-/lib-3.0.0.tgz', 'lib/index.html',
        'lib2/-/lib2-1.0.0.tgz', 'lib2/index.html']
    assert all(mode == (0o755 if path.endswith('/') else 0o644) for path, (mode, content) in files.items())
    assert files['lib/-/lib-3.0.0.tgz'][1] == registry.tarball_bytes('lib', '3.0.0')
    # The dev dependency of app was never asked for, nor lib 2.0.0's tarball.
    assert not [r for r in registry.requests if 'devonly' in r['path'] or 'lib-2.0.0' in r['path']]

    lib = packument(dest, 'lib')
    assert sorted(lib) == ['dist-tags', 'name', 'versions']
    assert lib['name'] == 'lib' and lib['dist-tags'] == {'latest': '3.0.0'}
    assert sorted(lib['versions']) == ['2.1.0', '3.0.0']
    assert lib['versions']['2.1.0']['dist']['tarball'] == 'https://registry.npmjs.org/lib/-/lib-2.1.0.tgz'
    upstream = registry.packument('lib')['versions']['2.1.0']
    assert dict(lib['versions']['2.1.0'], dist=None) == dict(upstream, dist=None)
    assert dict(lib['versions']['2.1.0']['dist'], tarball=None) == dict(upstream['dist'], tarball=None)
    util_doc = packument(dest, '@scope/util')
    assert util_doc['versions']['1.2.0']['dist']['tarball'] == 'https://registry.npmjs.org/@scope/util/-/util-1.2.0.tgz'


class RecordingHandler(SimpleHTTPRequestHandler):
    """Python's static file server, unchanged, but recording status and headers of every answer."""

    log = None

    def send_response(self, code, message=None):
        self.log.append(dict(path=self.path, code=code, headers={}))
        super().send_response(code, message)

    def send_header(self, keyword, value):
        if self.log and keyword in ('Location', 'Content-type', 'Content-Type'):
            self.log[-1]['headers'][keyword.lower()] = value
        super().send_header(keyword, value)

    def log_message(self, *args):
        pass


@pytest.fixture
def static_server(tmp_path):
    """Serves tmp_path/www with http.server; yields (registry URL of www/npm/, answer log)."""
    www = tmp_path / 'www'
    www.mkdir(exist_ok=True)
    log = []
    handler = type('Handler', (RecordingHandler,), {'log': log})
    server = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(handler, directory=str(www)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d/npm/' % server.server_address[1], log
    server.shutdown()
    server.server_close()


def npm(env, cwd, *args):
    proc = subprocess.run([NPM] + list(args), cwd=str(cwd), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, 'npm %s failed:\n%s\n%s' % (' '.join(args), proc.stdout, proc.stderr)
    return proc


def installed_versions(project):
    found = {}
    for key in ('app', 'lib', 'lib2', '@scope/util', 'lib2/node_modules/lib'):
        with open(os.path.join(str(project), 'node_modules', *key.split('/'), 'package.json')) as f:
            found[key] = json.load(f)['version']
    return found


@needs_npm
def test_a_static_server_serves_the_mirror_as_a_registry(registry, tmp_path, static_server, npm_env):
    url, log = static_server
    run(tmp_path / 'www' / 'npm', ['app@1.0.0'], registry.url)
    seen_by_double = len(registry.requests)

    project = tmp_path / 'project'
    project.mkdir()
    npm(npm_env, project, 'install', '--registry', url, '--no-audit', '--no-fund', '--cache', str(tmp_path / 'cache1'),
        'app@1.0.0')
    expected = {'app': '1.0.0', 'lib': '2.1.0', 'lib2': '1.0.0', '@scope/util': '1.2.0', 'lib2/node_modules/lib': '3.0.0'}
    assert installed_versions(project) == expected
    assert len(registry.requests) == seen_by_double, 'npm went to the source registry instead of the mirror'

    answers = dict((a['path'], a) for a in log)
    # npm asks without the trailing slash; the static server redirects to the directory, then serves
    # its index.html as text/html, which npm parses as the packument.
    assert answers['/npm/app']['code'] == 301 and answers['/npm/app']['headers']['location'] == '/npm/app/'
    assert answers['/npm/app/']['code'] == 200 and answers['/npm/app/']['headers']['content-type'] == 'text/html'
    assert answers['/npm/@scope%2futil']['code'] == 301
    assert answers['/npm/@scope%2futil']['headers']['location'] == '/npm/@scope%2futil/'
    assert answers['/npm/@scope%2futil/']['code'] == 200
    # replace-registry-host=npmjs: the packuments say https://registry.npmjs.org/..., npm fetched from the mirror.
    tarballs = sorted(a['path'] for a in log if a['path'].endswith('.tgz'))
    assert tarballs == ['/npm/@scope/util/-/util-1.2.0.tgz', '/npm/app/-/app-1.0.0.tgz', '/npm/lib/-/lib-2.1.0.tgz',
                        '/npm/lib/-/lib-3.0.0.tgz', '/npm/lib2/-/lib2-1.0.0.tgz']
    assert all(a['code'] == 200 for a in log if a['path'].endswith('.tgz'))
    with open(str(project / 'package-lock.json')) as f:
        lock = json.load(f)
    assert lock['packages']['node_modules/lib2/node_modules/lib']['resolved'] == 'https://registry.npmjs.org/lib/-/lib-3.0.0.tgz'

    # npm ci from that lockfile, empty cache: the lockfile's registry.npmjs.org URLs are mapped the same way.
    again = tmp_path / 'project-ci'
    again.mkdir()
    for name in ('package.json', 'package-lock.json'):
        shutil.copy(str(project / name), str(again / name))
    del log[:]
    npm(npm_env, again, 'ci', '--registry', url, '--no-audit', '--no-fund', '--cache', str(tmp_path / 'cache2'))
    assert installed_versions(again) == expected
    assert sorted(a['path'] for a in log if a['path'].endswith('.tgz')) == tarballs
    assert len(registry.requests) == seen_by_double


@needs_npm
def test_a_second_run_changes_nothing_and_downloads_nothing(registry, tmp_path):
    dest = tmp_path / 'npm'
    first = run(dest, ['app@1.0.0'], registry.url)
    before = tree(str(dest))
    mtimes = dict((p, os.stat(os.path.join(str(dest), p)).st_mtime_ns) for p in before if not p.endswith('/'))
    tarballs, packuments = len(registry.requests_of('tarball')), len(module_requests(registry, 'packument'))

    second = run(dest, ['app@1.0.0'], registry.url, diff=True)
    assert second['changed'] is False
    assert second['missing'] == []
    assert second['packages'] == [dict(p, source='https://registry.npmjs.org/' + p['file']) for p in first['packages']]
    assert second['diff']['before'] == second['diff']['after'] == {'packages': CLOSURE}
    assert len(registry.requests_of('tarball')) == tarballs, 'a tarball was downloaded again'
    assert len(module_requests(registry, 'packument')) == packuments, 'the module asked for a packument again'
    assert tree(str(dest)) == before
    assert mtimes == dict((p, os.stat(os.path.join(str(dest), p)).st_mtime_ns) for p in mtimes)


@needs_npm
def test_check_mode_resolves_and_writes_nothing(registry, tmp_path):
    dest = tmp_path / 'npm'
    tarballs = len(registry.requests_of('tarball'))
    result = run(dest, ['app@1.0.0'], registry.url, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['missing'] == CLOSURE
    assert not dest.exists()
    assert len(registry.requests_of('tarball')) == tarballs
    assert result['packages'][0] == dict(name='@scope/util', version='1.2.0', file='@scope/util/-/util-1.2.0.tgz',
                                         sha256=None, size=None, integrity=None, source=None)
    assert result['diff']['after'] == {'packages': CLOSURE}

    # With part of the tree there: only the rest is missing.
    run(dest, ['lib@3.0.0'], registry.url)
    before = tree(str(dest))
    result = run(dest, ['app@1.0.0'], registry.url, check_mode=True)
    assert result['missing'] == ['@scope/util@1.2.0', 'app@1.0.0', 'lib@2.1.0', 'lib2@1.0.0']
    assert [p['sha256'] is not None for p in result['packages']] == [False, False, False, True, False]
    assert tree(str(dest)) == before


@needs_npm
def test_versions_of_two_runs_are_merged(registry, tmp_path):
    dest = tmp_path / 'npm'
    first = run(dest, ['lib@2.0.0'], registry.url)
    assert first['missing'] == ['lib@2.0.0']
    assert packument(dest, 'lib')['dist-tags'] == {'latest': '2.0.0'}
    old_tarball = (dest / 'lib' / '-' / 'lib-2.0.0.tgz').read_bytes()

    second = run(dest, ['app@1.0.0'], registry.url, diff=True)
    assert second['changed'] is True
    assert second['missing'] == CLOSURE
    lib = packument(dest, 'lib')
    assert sorted(lib['versions']) == ['2.0.0', '2.1.0', '3.0.0']
    assert lib['dist-tags'] == {'latest': '3.0.0'}
    assert (dest / 'lib' / '-' / 'lib-2.0.0.tgz').read_bytes() == old_tarball
    assert second['diff']['before'] == {'packages': ['lib@2.0.0']}
    assert second['diff']['after'] == {'packages': ['@scope/util@1.2.0', 'app@1.0.0', 'lib@2.0.0', 'lib@2.1.0',
                                                    'lib@3.0.0', 'lib2@1.0.0']}
    # The result covers the tree of the packages asked for, not all of dest.
    assert [p['version'] for p in second['packages'] if p['name'] == 'lib'] == ['2.1.0', '3.0.0']


@needs_npm
def test_an_integrity_mismatch_is_refused_and_nothing_is_written(fresh_registry, tmp_path):
    double = fresh_registry()
    double.corrupt.add(('lib', '3.0.0'))
    double.start()
    dest = tmp_path / 'npm'
    result = run(dest, ['app@1.0.0'], double.url, expect=FailJson)
    assert 'lib@3.0.0' in result['msg'] and 'integrity sha512' in result['msg']
    assert 'nothing was written' in result['msg']
    assert not dest.exists()

    # Nor when part of the mirror is there already.
    run(dest, ['lib@2.0.0'], double.url)
    before = tree(str(dest))
    run(dest, ['app@1.0.0'], double.url, expect=FailJson)
    assert tree(str(dest)) == before


@needs_npm
def test_only_a_shasum_is_checked_when_there_is_no_integrity(fresh_registry, tmp_path):
    double = fresh_registry()
    double.no_integrity.add(('@scope/util', '1.2.0'))
    double.start()
    result = run(tmp_path / 'ok', ['@scope/util@1.2.0'], double.url)
    assert result['changed'] is True
    assert 'integrity' not in packument(tmp_path / 'ok', '@scope/util')['versions']['1.2.0']['dist']

    double.corrupt.add(('@scope/util', '1.2.0'))
    result = run(tmp_path / 'bad', ['@scope/util@1.2.0'], double.url, expect=FailJson)
    assert 'shasum' in result['msg']
    assert not (tmp_path / 'bad').exists()


@needs_npm
def test_an_existing_tarball_with_other_content_is_never_replaced(registry, tmp_path):
    dest = tmp_path / 'npm'
    stray = dest / 'lib' / '-' / 'lib-2.1.0.tgz'
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b'not the tarball')
    result = run(dest, ['app@1.0.0'], registry.url, expect=FailJson)
    assert 'lib/-/lib-2.1.0.tgz' in result['msg'] and 'never replaced' in result['msg']
    assert stray.read_bytes() == b'not the tarball'
    assert sorted(os.listdir(str(dest))) == ['lib']

    # A tarball with the right content but no packument entry (an interrupted run) is adopted, not downloaded.
    stray.write_bytes(registry.tarball_bytes('lib', '2.1.0'))
    downloads = len(registry.requests_of('tarball'))
    result = run(dest, ['app@1.0.0'], registry.url)
    assert 'lib@2.1.0' in result['missing']
    assert len(registry.requests_of('tarball')) == downloads + 4
    assert '2.1.0' in packument(dest, 'lib')['versions']

    # A tarball that no longer matches its packument entry fails the next run.
    stray.write_bytes(b'changed later')
    result = run(dest, ['app@1.0.0'], registry.url, expect=FailJson)
    assert 'does not match its entry' in result['msg']


@needs_npm
def test_credentials_reach_the_registry_and_never_the_output(fresh_registry, tmp_path):
    double = fresh_registry(auth=('alice', PASSWORD))
    double.start()
    result = run(tmp_path / 'npm', ['lib2@1.0.0'], double.url_with_userinfo('alice', PASSWORD))
    assert result['missing'] == ['lib@3.0.0', 'lib2@1.0.0']
    expected = 'Basic ' + base64.b64encode(('alice:' + PASSWORD).encode()).decode()
    mine = [r for r in double.requests if MODULE_AGENT in r['user_agent']]
    assert len(mine) == 4 and all(r['authorization'] == expected for r in mine)  # 2 packuments, 2 tarballs

    # Tarballs redirected to another origin (a CDN): followed, without the credentials.
    cdn = fresh_registry().start()
    double.redirect_tarballs_to = cdn.url
    result = run(tmp_path / 'npm-cdn', ['lib2@1.0.0'], double.url_with_userinfo('alice', PASSWORD))
    assert result['missing'] == ['lib@3.0.0', 'lib2@1.0.0']
    assert [r['authorization'] for r in cdn.requests_of('tarball')] == [None, None]
    assert (tmp_path / 'npm-cdn' / 'lib' / '-' / 'lib-3.0.0.tgz').read_bytes() == double.tarball_bytes('lib', '3.0.0')

    # A wrong password: npm fails, and the message shows the registry with its userinfo masked.
    result = run(tmp_path / 'npm2', ['lib2@1.0.0'], double.url_with_userinfo('alice', 'Wr0ng-' + PASSWORD[:8] + 'x'),
                 expect=FailJson)
    assert 'npm could not resolve' in result['msg']
    assert 'http://********@127.0.0.1:%d/repo/npm/' % double.server.server_address[1] in result['msg']
    assert 'alice' not in json.dumps(result) and 'Wr0ng-' not in json.dumps(result)
    assert not (tmp_path / 'npm2').exists()


@needs_npm
def test_a_version_npm_cannot_find_fails_clearly(registry, tmp_path):
    result = run(tmp_path / 'npm', ['lib@9.9.9'], registry.url, expect=FailJson)
    assert 'npm could not resolve' in result['msg'] and 'ETARGET' in result['msg']
    assert not (tmp_path / 'npm').exists()


@pytest.mark.parametrize('npm_command', ['/nonexistent/bin/npm', 'no-such-npm-client'])
def test_missing_npm_is_reported(tmp_path, npm_command):
    result = run(tmp_path / 'npm', ['app@1.0.0'], 'http://127.0.0.1:9/', npm_command=npm_command, expect=FailJson)
    assert result['msg'].startswith('npm not found (npm_command=%s)' % npm_command)
    assert 'install Node.js with npm' in result['msg']
    assert not (tmp_path / 'npm').exists()


@pytest.mark.parametrize('packages, message', [
    (['app'], "'app' is not name@version"),
    (['app@^1.0.0'], 'is not an exact version'),
    ([], 'packages is empty'),
])
def test_package_specs_must_be_exact(tmp_path, packages, message):
    result = run(tmp_path / 'npm', packages, 'http://127.0.0.1:9/', expect=FailJson)
    assert message in result['msg']


def test_a_registry_that_is_not_http_is_refused_masked(tmp_path):
    result = run(tmp_path / 'npm', ['app@1.0.0'], 'ftp://bob:%s@host/' % PASSWORD, expect=FailJson)
    assert result['msg'] == 'registry ftp://********@host/ is not an http(s) URL'
