#!/usr/bin/python
# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r'''
module: npm_registry_mirror
short_description: Fill a directory that any static web server serves as a read-only npm registry
version_added: 0.2.0
description:
  - For air-gapped sites. On a connected machine (the controller, delegated to C(localhost)), resolves
    O(packages) and their whole dependency tree with the real npm client, downloads the tarballs from
    O(registry), verifies them and lays them out in O(dest) so that a plain static web server
    (C(python3 -m http.server), nginx with its defaults) serving O(dest) as C(/npm/) is an npm registry for
    exactly these packages. Hosts without internet access then run, for example,
    C(npm install --registry http://mirror.example.com/npm/ configurable-http-proxy@5.3.0).
  - B(Resolution.) In a temporary directory with a minimal C(package.json), the module runs
    C(npm install --package-lock-only --ignore-scripts --omit=dev --save-exact --no-audit --no-fund
    --no-update-notifier --registry <registry> <packages...>) with a temporary npm cache, and takes every
    C(name@version) of the C(package-lock.json) it writes, including optional dependencies for every platform
    and nested versions (C(node_modules/a/node_modules/b)), but not bundled dependencies, which come inside
    their parent's tarball. This writes nothing outside the temporary directory, and runs in check mode too.
  - B(Download.) For each name, the module gets the packument (C(<registry>/<name>), scoped names as
    C(@scope%2fname)) with the header C(Accept) set to C(application/json), and for each needed version downloads
    C(versions[version].dist.tarball). It checks the tarball against C(dist.integrity) (Subresource Integrity,
    the strongest of sha512, sha384, sha256 and sha1 given) or, only when that is absent, against C(dist.shasum)
    (sha1). A mismatch, or a version with neither, fails the task before anything is written.
  - B(Layout.) C(<dest>/<name>/index.html) holds the packument (JSON, despite the file name), trimmed to the
    mirrored versions; C(<dest>/<name>/-/<basename>-<version>.tgz) holds a tarball, where the basename is the
    name without its scope, for example C(<dest>/@scope/util/index.html) and C(<dest>/@scope/util/-/util-1.2.0.tgz).
    Each version document is the registry's, unchanged except C(dist.tarball), which is always written as
    C(https://registry.npmjs.org/<name>/-/<basename>-<version>.tgz), whatever O(registry) was. The packument's
    C(dist-tags) has only C(latest), the highest mirrored version that is not a prerelease (the highest
    prerelease when there are only prereleases); C(time) and the other top-level fields are left out.
  - B(Why this layout works with a static server.) npm asks for C(<registry>/<name>) without a trailing slash.
    Static servers answer a directory without its slash with a redirect to C(<name>/) and serve its
    C(index.html); npm follows the redirect and parses the body as JSON whatever its C(Content-Type)
    (C(text/html) here). npm sends a scoped name as C(@scope%2fname); static servers decode the C(%2f) when they
    map the path to a file. npm's C(replace-registry-host) setting, C(npmjs) by default, makes it fetch
    tarballs whose URL is on C(registry.npmjs.org) from the configured registry instead, keeping the path and
    putting the registry's path in front, so C(https://registry.npmjs.org/lib/-/lib-2.1.0.tgz) is fetched as
    C(http://mirror.example.com/npm/lib/-/lib-2.1.0.tgz).
  - B(Merging.) Runs with other packages or versions add to O(dest). Versions already in a packument are kept
    and the new ones added. An existing tarball is never replaced; when it differs from what the registry
    describes, the task fails.
author:
  - datamesh.platform maintainers (!UNKNOWN)
attributes:
  check_mode:
    description:
      - Resolves with npm (which writes only to a temporary directory) and lists in RV(missing) what would be
        downloaded or added; nothing is downloaded and nothing is written to O(dest).
    support: full
  diff_mode:
    description:
      - The C(name@version) entries mirrored in O(dest) before and after (all of O(dest), not only O(packages)).
    support: full
  idempotent:
    description:
      - When every C(name@version) of the dependency tree already has its tarball in O(dest), matching the
        checksum in its packument entry, nothing is downloaded or written and C(changed=false). Resolution with
        npm runs on every run, so a newer dependency published upstream (within the ranges of O(packages))
        makes the next run add it.
    support: full
requirements:
  - npm 7 or later (C(package-lock.json) with C(lockfileVersion) 2 or 3) and Node.js on the host that runs the module
  - On the hosts that install from the mirror, npm 8.16 or later with C(replace-registry-host) left at its
    default (C(npmjs))
options:
  dest:
    description:
      - Directory to fill; it is created when missing. Serve it as C(/npm/) (or any other path) of a static web
        server and give that URL as C(--registry) to npm.
      - Files are written atomically with mode C(0644), directories created with C(0755).
    type: path
    required: true
  packages:
    description:
      - Packages to mirror with their whole dependency tree, each as C(name@version) with an exact version,
        for example V(configurable-http-proxy@5.3.0) or V(@types/node@20.11.30).
    type: list
    elements: str
    required: true
  registry:
    description:
      - The npm registry to resolve against and download from.
      - May carry credentials as C(https://user:password@host/path/), for npm and for the module's own requests
        (HTTP Basic). The module sends them only to the registry's scheme, host and port, also for tarballs, and
        not after a redirect elsewhere. They are masked in messages and returned values, but npm gets this URL on
        its command line, visible in the process list while it runs.
    type: str
    default: https://registry.npmjs.org/
  npm_command:
    description:
      - The npm client, a command name looked up in C(PATH) or a path.
    type: path
    default: npm
notes:
  - B(Tested with) npm 11.19.1 (Node.js 20) resolving against a hand-written double of the registry's HTTP
    protocol, and installing from O(dest) served by Python's C(http.server). No nginx was run.
  - The mirror is only for the npm client. Clients that do not rewrite C(registry.npmjs.org) tarball URLs (older
    npm, yarn, pnpm) fetch the tarballs from the internet; an npm configured with C(replace-registry-host=never)
    does too.
  - An C(.npmrc) of the user that runs the module applies to the resolution (proxies, C(@scope:registry),
    auth tokens). The module itself fetches every packument and tarball from O(registry), so a scope mapped to
    another registry there is not supported.
  - Dependencies that are not on a registry (git, local paths, tarball URLs) cannot be mirrored; the task fails.
  - C(npm install) on the mirror needs no other endpoint; C(npm audit) and C(npm fund) do, so use
    C(--no-audit --no-fund) there, or C(audit=false) and C(fund=false) in C(.npmrc).
seealso:
  - name: npm replace-registry-host
    description: The npm setting that makes the mirror's tarball URLs work.
    link: https://docs.npmjs.com/cli/v11/using-npm/config#replace-registry-host
  - name: npm registry API
    description: Packument (package metadata) format.
    link: https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md
'''

EXAMPLES = r'''
- name: Mirror configurable-http-proxy and its dependency tree for the air-gapped JupyterHub hosts
  datamesh.platform.npm_registry_mirror:
    dest: /srv/mirror/npm
    packages:
      - configurable-http-proxy@5.3.0
  delegate_to: localhost
  run_once: true

- name: Through an internal registry with credentials (masked in the output)
  datamesh.platform.npm_registry_mirror:
    dest: /srv/mirror/npm
    packages:
      - configurable-http-proxy@5.3.0
      - "@types/node@20.11.30"
    registry: "https://{{ nexus_user }}:{{ nexus_password }}@nexus.example.com/repository/npm-proxy/"
  delegate_to: localhost
  run_once: true

- name: What would be downloaded?
  datamesh.platform.npm_registry_mirror:
    dest: /srv/mirror/npm
    packages: [configurable-http-proxy@5.3.0]
  delegate_to: localhost
  check_mode: true
  register: npm_mirror_plan

# On an air-gapped host, with /srv/mirror served as http://mirror.example.com/ by nginx or
#   python3 -m http.server --directory /srv/mirror 80
- name: Install from the mirror
  ansible.builtin.command:
    cmd: npm install --global --no-audit --no-fund --registry http://mirror.example.com/npm/ configurable-http-proxy@5.3.0
    creates: /usr/local/bin/configurable-http-proxy
'''

RETURN = r'''
packages:
  description:
    - Every package of the dependency tree, sorted by name and version, with its tarball in O(dest).
    - In check mode, C(sha256), C(size), C(integrity) and C(source) are V(null) for the ones in RV(missing).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Package name.
      type: str
    version:
      description: Exact version.
      type: str
    file:
      description: Path of the tarball relative to O(dest).
      type: str
    sha256:
      description: SHA-256 of the tarball, hex.
      type: str
    size:
      description: Size of the tarball in bytes.
      type: int
    integrity:
      description: SHA-512 of the tarball as Subresource Integrity, as in C(package-lock.json).
      type: str
    source:
      description:
        - URL the tarball was downloaded from, credentials masked. For a tarball already in O(dest), the
          C(dist.tarball) of the mirror's packument, a C(https://registry.npmjs.org/...) URL.
      type: str
  sample:
    - name: "@scope/util"
      version: 1.2.0
      file: "@scope/util/-/util-1.2.0.tgz"
      sha256: 709fe6a62bc74ffcaa80e9dca3b89b3f...(64 hex digits)
      size: 257
      integrity: sha512-bwSfMxIPact7noZSkmkmdRHCktuMfhEEGf8PUdaQUMcazl9selMOEa8phiY7jrV7cCDbURV8xdM7hNnarbsnkQ==
      source: https://registry.npmjs.org/@scope/util/-/util-1.2.0.tgz
missing:
  description:
    - The C(name@version) entries that were not complete in O(dest) before the task, which it downloaded or
      added (in check mode, would download or add).
  returned: always
  type: list
  elements: str
  sample: [lib@2.1.0, "@scope/util@1.2.0"]
'''

import base64
import copy
import hashlib
import json
import os
import re
import shutil
import tempfile

from urllib.error import HTTPError
from urllib.parse import unquote, urlsplit, urlunsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.urls import open_url

NPMJS_TARBALL_BASE = 'https://registry.npmjs.org/'
MASK = '********'
TIMEOUT = 60
MAX_REDIRECTS = 10
CHUNK = 1024 * 1024
# Names npm accepts (validate-npm-package-name, with the characters of old names); never "." or ".." or a path.
NAME_RE = re.compile(r"^(?:@[A-Za-z0-9~*!'()-][A-Za-z0-9._~*!'()-]*/)?[A-Za-z0-9~*!'()-][A-Za-z0-9._~*!'()-]*$")
SEMVER_RE = re.compile(r'^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)'
                       r'(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$')
URL_USERINFO_RE = re.compile(r'([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@')
SRI_ALGORITHMS = ('sha1', 'sha256', 'sha384', 'sha512')  # weakest first
HASHES = ('sha1', 'sha256', 'sha384', 'sha512')


class MirrorError(Exception):
    pass


# ---------------------------------------------------------------- names, versions, URLs

def split_spec(spec):
    """'name@version' (name may be scoped) -> (name, version); ValueError when not exact."""
    at = spec.rfind('@')
    if at <= 0:
        raise ValueError('%r is not name@version' % spec)
    name, version = spec[:at], spec[at + 1:]
    check_name(name)
    if not SEMVER_RE.match(version):
        raise ValueError('%r: %r is not an exact version (such as 1.2.3)' % (spec, version))
    return name, version


def check_name(name):
    if not NAME_RE.match(name or ''):
        raise ValueError('%r is not an npm package name' % (name,))
    return name


def basename(name):
    return name.rsplit('/', 1)[-1]


def escaped_name(name):
    """How npm puts a name in a packument URL: @scope%2fname."""
    return name.replace('/', '%2f')


def tarball_relpath(name, version):
    return '%s/-/%s-%s.tgz' % (name, basename(name), version)


def semver_key(version):
    m = SEMVER_RE.match(version)
    if not m:
        return (-1, -1, -1, (0,), version)
    major, minor, patch, pre = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    if pre is None:
        pre_key = (1,)
    else:
        pre_key = (0,) + tuple((0, int(p), '') if p.isdigit() else (1, 0, p) for p in pre.split('.'))
    return (major, minor, patch, pre_key, version)


def entry_key(entry):
    """Sort key of 'name@version'."""
    at = entry.rfind('@')
    return (entry[:at], semver_key(entry[at + 1:]))


def latest_version(versions):
    releases = [v for v in versions if SEMVER_RE.match(v) and not SEMVER_RE.match(v).group(4)]
    return max(releases or list(versions), key=semver_key)


class Masker:
    """Removes the registry's credentials (URL userinfo) from text and URLs."""

    def __init__(self, url):
        parts = urlsplit(url)
        self.secrets = []
        if parts.password:
            self.secrets.extend([parts.password, unquote(parts.password)])
        if parts.username and parts.password is None:
            self.secrets.extend([parts.username, unquote(parts.username)])
        # Short values are left to the userinfo pattern; replacing them everywhere would garble the text.
        self.secrets = sorted(set(s for s in self.secrets if len(s) >= 3), key=len, reverse=True)

    def __call__(self, text):
        text = URL_USERINFO_RE.sub(lambda m: m.group(1) + MASK + '@', '%s' % (text,))
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def split_userinfo(url):
    """url -> (url without userinfo, username, password); username None without userinfo."""
    parts = urlsplit(url)
    if '@' not in parts.netloc:
        return url, None, None
    userinfo, hostport = parts.netloc.rsplit('@', 1)
    user, sep, password = userinfo.partition(':')
    return urlunsplit(parts._replace(netloc=hostport)), unquote(user), unquote(password) if sep else ''


def same_origin(a, b):
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


# ---------------------------------------------------------------- checksums

def digests_of_file(path):
    hashers = dict((h, hashlib.new(h)) for h in HASHES)
    size = 0
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(CHUNK), b''):
            size += len(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
    return dict((h, hasher.digest()) for h, hasher in hashers.items()), size


def sri(digests, algorithm='sha512'):
    return '%s-%s' % (algorithm, base64.b64encode(digests[algorithm]).decode('ascii'))


def check_dist(dist, digests):
    """Checks digests of a tarball against a version's dist; returns None when they match, else the problem."""
    integrity = dist.get('integrity') if isinstance(dist, dict) else None
    if isinstance(integrity, str) and integrity.strip():
        expected = {}
        for token in integrity.split():
            algorithm, sep, value = token.partition('-')
            if sep and algorithm in SRI_ALGORITHMS:
                expected.setdefault(algorithm, set()).add(value.split('?', 1)[0])
        if expected:
            algorithm = max(expected, key=SRI_ALGORITHMS.index)
            actual = base64.b64encode(digests[algorithm]).decode('ascii')
            if actual in expected[algorithm]:
                return None
            return 'integrity %s-%s expected, got %s-%s' % (algorithm, sorted(expected[algorithm])[0], algorithm, actual)
    shasum = dist.get('shasum') if isinstance(dist, dict) else None
    if isinstance(shasum, str) and shasum.strip():
        actual = digests['sha1'].hex()
        if actual == shasum.strip().lower():
            return None
        return 'shasum %s expected, got %s' % (shasum.strip().lower(), actual)
    return 'the registry gives neither dist.integrity nor dist.shasum, so it cannot be verified'


# ---------------------------------------------------------------- files

def ensure_dir(path):
    """Creates path and its missing parents with mode 0755."""
    missing = []
    while path and not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for directory in reversed(missing):
        os.mkdir(directory)
        os.chmod(directory, 0o755)


def write_atomic(path, data=None, source=None):
    """Writes bytes (or a copy of file source) to path through a temporary file and os.replace, mode 0644."""
    directory = os.path.dirname(path)
    ensure_dir(directory)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            if source is not None:
                with open(source, 'rb') as src:
                    shutil.copyfileobj(src, f, CHUNK)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def packument_path(dest, name):
    return os.path.join(dest, *name.split('/')) + os.sep + 'index.html'


def read_packument(dest, name):
    path = packument_path(dest, name)
    if not os.path.exists(path):
        return None
    try:
        with open(path, 'rb') as f:
            doc = json.loads(f.read().decode('utf-8'))
    except (OSError, ValueError) as e:
        raise MirrorError('%s is not a readable packument (%s); move it away' % (path, to_native(e)))
    if not isinstance(doc, dict) or not isinstance(doc.get('versions', {}), dict):
        raise MirrorError('%s is not a packument (no "versions" object); move it away' % path)
    return doc


def mirrored_entries(dest):
    """Sorted name@version of every packument entry in dest whose tarball is there too."""
    entries = []
    if not os.path.isdir(dest):
        return entries
    names = []
    for entry in sorted(os.listdir(dest)):
        if entry.startswith('@') and os.path.isdir(os.path.join(dest, entry)):
            names.extend('%s/%s' % (entry, sub) for sub in sorted(os.listdir(os.path.join(dest, entry))))
        else:
            names.append(entry)
    for name in names:
        if not NAME_RE.match(name) or not os.path.isfile(packument_path(dest, name)):
            continue
        try:
            doc = read_packument(dest, name)
        except MirrorError:
            continue
        for version in sorted(doc.get('versions') or {}, key=semver_key):
            if os.path.isfile(os.path.join(dest, tarball_relpath(name, version))):
                entries.append('%s@%s' % (name, version))
    return entries


# ---------------------------------------------------------------- the mirror

class Mirror:
    def __init__(self, module, tmpdir):
        self.module = module
        p = module.params
        self.dest = os.path.abspath(p['dest'])
        self.registry = p['registry'].rstrip('/') + '/'
        self.base, self.username, self.password = split_userinfo(self.registry)
        self.mask = Masker(self.registry)
        self.tmpdir = tmpdir

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=self.mask(msg), **kwargs)

    # ------------------------------------------------------------ 1. resolution

    def npm_path(self):
        command = self.module.params['npm_command']
        if os.sep in command:
            if os.path.isfile(command) and os.access(command, os.X_OK):
                return command
            path = None
        else:
            path = self.module.get_bin_path(command)
        if not path:
            self.fail('npm not found (npm_command=%s): install Node.js with npm (7 or later) on the host that runs '
                      'this module, the connected controller (delegate_to: localhost), or set npm_command' % command)
        return path

    def resolve(self, specs):
        """Runs npm in a temporary directory; returns {name: set(versions)} of the whole tree."""
        npm = self.npm_path()
        project = os.path.join(self.tmpdir, 'resolve')
        os.mkdir(project)
        with open(os.path.join(project, 'package.json'), 'w') as f:
            json.dump(dict(name='npm-registry-mirror-resolution', version='0.0.0', private=True), f)
        argv = [npm, 'install', '--package-lock-only', '--ignore-scripts', '--omit=dev', '--save-exact',
                '--no-audit', '--no-fund', '--no-update-notifier', '--cache', os.path.join(self.tmpdir, 'npm-cache'),
                '--registry', self.registry] + list(specs)
        rc, out, err = self.module.run_command(argv, cwd=project)
        command = ' '.join(argv[:1] + ['install', '...', '--registry', self.registry] + list(specs))
        if rc != 0:
            tail = '\n'.join(((err or '') + '\n' + (out or '')).strip().splitlines()[-25:])
            self.fail('npm could not resolve the packages (rc=%s, %s):\n%s' % (rc, command, tail),
                      stdout=self.mask(out), stderr=self.mask(err), rc=rc)
        try:
            with open(os.path.join(project, 'package-lock.json')) as f:
                lock = json.load(f)
        except (OSError, ValueError) as e:
            self.fail('npm wrote no readable package-lock.json (%s): %s' % (command, to_native(e)))
        return self.closure(lock)

    def closure(self, lock):
        packages = lock.get('packages') if isinstance(lock, dict) else None
        if not isinstance(packages, dict):
            self.fail('package-lock.json has no "packages" (lockfileVersion %s); npm 7 or later is needed'
                      % (lock.get('lockfileVersion') if isinstance(lock, dict) else None))
        needed = {}
        for key, entry in sorted(packages.items()):
            if not key or 'node_modules/' not in key or not isinstance(entry, dict):
                continue  # the project itself, workspaces
            if entry.get('inBundle'):
                continue  # comes inside its parent's tarball
            name = entry.get('name') or key.rsplit('node_modules/', 1)[1]
            version = entry.get('version')
            resolved = entry.get('resolved')
            if entry.get('link') or (resolved and not re.match(r'^https?://', resolved)):
                self.fail('%s (%s) does not come from a registry (resolved: %s); only registry packages can be '
                          'mirrored' % (key, name, resolved))
            try:
                check_name(name)
                if not version or not SEMVER_RE.match(version):
                    raise ValueError('%s: version %r is not an exact version' % (key, version))
            except ValueError as e:
                self.fail('package-lock.json: %s' % e)
            needed.setdefault(name, set()).add(version)
        return needed

    # ------------------------------------------------------------ 2. what dest has

    def inspect(self, needed):
        """Returns (state, packuments): state[(name, version)] = dict(status, digests, size, doc)."""
        state, packuments = {}, {}
        for name in sorted(needed):
            try:
                doc = read_packument(self.dest, name)
            except MirrorError as e:
                self.fail('%s' % e)
            packuments[name] = doc
            versions = (doc or {}).get('versions') or {}
            for version in needed[name]:
                path = os.path.join(self.dest, tarball_relpath(name, version))
                entry = dict(status='absent', digests=None, size=None, doc=versions.get(version))
                if os.path.isfile(path):
                    entry['digests'], entry['size'] = digests_of_file(path)
                    if entry['doc'] is None:
                        entry['status'] = 'tarball only'
                    else:
                        problem = check_dist(entry['doc'].get('dist'), entry['digests'])
                        if problem:
                            self.fail('%s exists but does not match its entry in %s (%s); it is never replaced, move it '
                                      'away' % (path, packument_path(self.dest, name), problem))
                        entry['status'] = 'complete'
                state[(name, version)] = entry
        return state, packuments

    # ------------------------------------------------------------ 3. download

    def open(self, url, accept=None):
        """GET url; the registry's credentials go only to the registry's origin, also across redirects."""
        for hop in range(MAX_REDIRECTS + 1):
            kwargs = dict(timeout=TIMEOUT, follow_redirects='none', http_agent='datamesh.platform.npm_registry_mirror')
            if accept:
                kwargs['headers'] = {'Accept': accept}
            target = url
            if self.username is not None and same_origin(url, self.base):
                target = split_userinfo(url)[0]
                kwargs.update(url_username=self.username, url_password=self.password, force_basic_auth=True)
            try:
                return open_url(target, **kwargs)
            except HTTPError as e:
                location = e.filename if e.code in (301, 302, 303, 307, 308) else None
                if location and hop < MAX_REDIRECTS and re.match(r'^https?://', location):
                    e.close()
                    url = location
                    continue
                raise MirrorError('GET %s failed: HTTP %s %s' % (target, e.code, to_native(e.reason)))
            except Exception as e:  # URLError, socket and TLS errors alike
                raise MirrorError('GET %s failed: %s' % (target, to_native(e)))
        raise MirrorError('GET %s: too many redirects' % url)

    def get_packument(self, name):
        url = self.base + escaped_name(name)
        response = self.open(url, accept='application/json')
        try:
            doc = json.loads(response.read().decode('utf-8'))
        except ValueError as e:
            raise MirrorError('%s is not a packument (no JSON: %s)' % (url, to_native(e)))
        finally:
            response.close()
        if not isinstance(doc, dict) or not isinstance(doc.get('versions'), dict):
            raise MirrorError('%s is not a packument (no "versions")' % url)
        return doc

    def download(self, url, path):
        hashers = dict((h, hashlib.new(h)) for h in HASHES)
        size = 0
        response = self.open(url)
        try:
            with open(path, 'wb') as f:
                for chunk in iter(lambda: response.read(CHUNK), b''):
                    f.write(chunk)
                    size += len(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
        except OSError as e:
            raise MirrorError('GET %s failed while reading: %s' % (url, to_native(e)))
        finally:
            response.close()
        return dict((h, hasher.digest()) for h, hasher in hashers.items()), size

    def fetch(self, state, packuments):
        """Downloads and verifies everything missing into tmpdir; returns (staged tarballs, new packuments)."""
        staging = os.path.join(self.tmpdir, 'staging')
        os.mkdir(staging)
        staged = {}     # relpath -> staged file
        updated = {}    # name -> packument to write
        todo = {}
        for (name, version), entry in state.items():
            if entry['status'] != 'complete':
                todo.setdefault(name, []).append(version)
        for name in sorted(todo):
            upstream = self.get_packument(name)
            current = packuments.get(name) or {}
            versions = copy.deepcopy(current.get('versions') or {})
            for version in sorted(todo[name], key=semver_key):
                entry = state[(name, version)]
                doc = upstream['versions'].get(version)
                if not isinstance(doc, dict) or not isinstance(doc.get('dist'), dict):
                    raise MirrorError('%s%s has no version %s with a "dist"' % (self.base, escaped_name(name), version))
                dist = doc['dist']
                relpath = tarball_relpath(name, version)
                if entry['status'] == 'tarball only':
                    problem = check_dist(dist, entry['digests'])
                    if problem:
                        raise MirrorError('%s exists in %s but is not %s@%s of the registry (%s); it is never replaced, '
                                          'move it away' % (relpath, self.dest, name, version, problem))
                    entry['source'] = None
                else:
                    source = dist.get('tarball')
                    if not isinstance(source, str) or not re.match(r'^https?://', source):
                        raise MirrorError('%s@%s: the registry gives no http(s) dist.tarball (%r)' % (name, version, source))
                    tmp = os.path.join(staging, '%d.tgz' % len(staged))
                    digests, size = self.download(source, tmp)
                    problem = check_dist(dist, digests)
                    if problem:
                        raise MirrorError('%s@%s: the tarball from %s does not match the registry\'s checksum (%s); '
                                          'nothing was written' % (name, version, source, problem))
                    staged[relpath] = tmp
                    entry.update(digests=digests, size=size, source=source)
                doc = copy.deepcopy(doc)
                doc['dist']['tarball'] = NPMJS_TARBALL_BASE + relpath
                versions[version] = doc
                entry['doc'] = doc
            updated[name] = {'name': name, 'dist-tags': {'latest': latest_version(versions)}, 'versions': versions}
        return staged, updated

    def commit(self, staged, updated):
        ensure_dir(self.dest)
        # Tarballs first, so that a packument never names a tarball that is not there.
        for relpath in sorted(staged):
            write_atomic(os.path.join(self.dest, relpath), source=staged[relpath])
        for name in sorted(updated):
            data = (json.dumps(updated[name], indent=2, sort_keys=True) + '\n').encode('utf-8')
            write_atomic(packument_path(self.dest, name), data=data)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type='path', required=True),
            packages=dict(type='list', elements='str', required=True),
            registry=dict(type='str', default='https://registry.npmjs.org/'),
            npm_command=dict(type='path', default='npm'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    mask = Masker(p['registry'])
    parts = urlsplit(p['registry'])
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        module.fail_json(msg='registry %s is not an http(s) URL' % mask(p['registry']), packages=[], missing=[])
    if not p['packages']:
        module.fail_json(msg='packages is empty', packages=[], missing=[])
    specs = []
    for spec in p['packages']:
        try:
            split_spec(spec.strip())
        except ValueError as e:
            module.fail_json(msg='packages: %s; give each as name@version with an exact version, e.g. '
                                 'configurable-http-proxy@5.3.0' % e, packages=[], missing=[])
        specs.append(spec.strip())
    if parts.scheme == 'http' and parts.hostname not in ('localhost', '127.0.0.1', '::1'):
        module.warn('registry %s is plain http: the checksums the tarballs are verified against come over the same '
                    'unauthenticated connection' % mask(p['registry']))

    tmpdir = tempfile.mkdtemp(prefix='npm-registry-mirror-')
    try:
        mirror = Mirror(module, tmpdir)
        needed = mirror.resolve(specs)
        before = mirrored_entries(mirror.dest) if module._diff else None
        state, packuments = mirror.inspect(needed)
        missing = ['%s@%s' % key for key in sorted(state, key=lambda k: (k[0], semver_key(k[1])))
                   if state[key]['status'] != 'complete']
        if missing and not module.check_mode:
            try:
                staged, updated = mirror.fetch(state, packuments)
                mirror.commit(staged, updated)
            except MirrorError as e:
                mirror.fail('%s' % e, missing=missing)
            except OSError as e:
                mirror.fail('writing to %s failed: %s' % (mirror.dest, to_native(e)), missing=missing)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    result_packages = []
    for (name, version) in sorted(state, key=lambda k: (k[0], semver_key(k[1]))):
        entry = state[(name, version)]
        known = entry['status'] == 'complete' or not module.check_mode
        source = entry.get('source') or ((entry['doc'] or {}).get('dist') or {}).get('tarball')
        result_packages.append(dict(
            name=name, version=version, file=tarball_relpath(name, version),
            sha256=entry['digests']['sha256'].hex() if known and entry['digests'] else None,
            size=entry['size'] if known else None,
            integrity=sri(entry['digests']) if known and entry['digests'] else None,
            source=mask(source) if known and source else None,
        ))
    result = dict(changed=bool(missing), packages=result_packages, missing=missing)
    if module._diff:
        after = mirrored_entries(mirror.dest) if not module.check_mode else sorted(set(before) | set(missing), key=entry_key)
        result['diff'] = dict(before=dict(packages=before), after=dict(packages=after))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
