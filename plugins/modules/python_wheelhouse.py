#!/usr/bin/python
# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r'''
module: python_wheelhouse
short_description: Fill a directory with the Python distributions an air-gapped pip needs, for another Python and glibc
version_added: 0.2.0
description:
  - Runs on a connected machine (the controller, with C(delegate_to) V(localhost)) and fills O(dest) with the wheels
    and sdists that pip on the managed hosts, a given CPython version on a given glibc and architecture, needs to
    install O(requirements) offline, with C(pip install --no-index --find-links <dest>) or
    C(--find-links <url of dest>/index.html) once O(dest) is served over HTTP.
  - B(Resolution.) C(uv pip compile) resolves the full dependency closure of O(requirements) for the target
    (O(python_version), and the C(--python-platform) C(<architecture>-manylinux_2_<N>) made from O(glibc)), against
    O(index_url) or O(find_links). Only its C(name==version) pins are used.
  - B(Download.) The controller's pip (the Python that runs the module, C(python -m pip download --no-deps)) fetches
    one file per pin, with C(--python-version), C(--implementation cp), C(--abi cp3X), C(--abi abi3), C(--abi none)
    and one C(--platform) per compatible platform tag of the target (C(manylinux_2_<glibc minor>) down to
    C(manylinux_2_17), C(manylinux2014), for x86_64 also the older manylinux tags, and C(linux_<architecture>)). pip
    takes the best wheel for the target and falls back to the sdist where a project publishes no fitting wheel.
  - B(Build requirements.) pip on the host builds an sdist with build isolation, which installs the sdist's
    C([build-system] requires) from the same links. For every sdist in O(dest) that the closure uses and no fitting
    wheel replaces, the module reads C(requires) from its C(pyproject.toml) (C(setuptools>=40.8.0) and C(wheel) when
    the sdist has none), resolves and downloads those for the target the same way, and repeats for sdists among them,
    at most 8 levels deep. They are reported with C(build_requirement=true) unless the closure of O(requirements)
    needs them too.
  - B(Files.) Downloads go to a temporary directory first. A file is then copied into O(dest) under a
    temporary name and renamed into place (mode 0644). A file of the same name already in O(dest) is never
    overwritten nor deleted. If its content is the same, the download is dropped. If it differs, the task
    fails before it moves anything into O(dest).
  - B(index.html.) C(<dest>/index.html) links every distribution file in O(dest) (C(*.whl), C(*.tar.gz), C(*.tgz),
    C(*.tar.bz2), C(*.tar.xz), C(*.zip)), sorted, with relative links. It is rewritten only when its content changes.
  - B(Idempotence.) A pin counts as present when O(dest) holds a readable wheel that fits the target (its project
    name, normalised as PEP 503 says, version and tags), or a readable sdist of that project and version while the
    index has no wheel of it for the target (uv is asked with C(--only-binary :all:)). When all pins of the closure
    and of the build requirements are present, nothing is downloaded and the task reports C(changed=false).
  - B(Several targets.) One O(dest) can serve several Pythons, glibc versions and architectures. Each run adds the
    files of its target beside the others, C(index.html) lists them all, and pip on each host takes those that fit.
    An sdist left by a run for a target without a wheel does not stand in for the wheel of another target.
author:
  - datamesh.platform maintainers (!UNKNOWN)
attributes:
  check_mode:
    description:
      - Only resolves (C(uv pip compile) reads the index, changes nothing) and returns the pins that would be
        downloaded in RV(missing). O(dest) is neither created nor changed.
      - Build requirements are known only for sdists already in O(dest). Those of an sdist that a real run would
        download are missing from RV(missing).
    support: full
  diff_mode:
    description:
      - Returns the files in O(dest) before and after. In check mode, C(after) also names the pins that would be
        downloaded, as C(<name>==<version>) followed by the words C(would be downloaded) in parentheses, because the
        file names are known only after the download.
    support: full
  idempotent:
    description:
      - A second run with the same arguments, against an index that offers the same versions, finds every pin present
        and downloads nothing. A newer release on the index changes the resolution, and the new versions are then
        downloaded beside the old ones, which stay.
    support: full
requirements:
  - uv on the controller (O(uv_command)), for the resolution
  - pip (22 or newer) in the Python that runs the module, for the download
options:
  dest:
    description:
      - The wheelhouse directory. It is created with mode 0755 when missing (with its parents).
    type: path
    required: true
  requirements:
    description:
      - pip requirement specifiers, one per item, as in a C(requirements.txt), for example V(dbt-core==1.11.16).
      - Requirements that uv resolves to a direct URL or an editable path are not supported.
    type: list
    elements: str
    required: true
  python_version:
    description:
      - C(major.minor) version of the CPython on the managed hosts, for example V(3.13).
    type: str
    required: true
  glibc:
    description:
      - C(2.<minor>) version of glibc on the managed hosts (C(ldd --version)), for example V(2.36) on Debian 12 or
        V(2.28) on RHEL 8. Wheels for this glibc and older ones are taken. At least V(2.17).
      - uv knows a fixed list of manylinux platforms (C(manylinux_2_17), C(manylinux_2_28), C(manylinux_2_31) to
        C(manylinux_2_40) in uv 0.13). It resolves for the newest one that is not newer than O(glibc). pip gets
        every tag up to O(glibc) itself.
    type: str
    default: '2.28'
  architecture:
    description:
      - CPU architecture of the managed hosts.
    type: str
    choices: [x86_64, aarch64]
    default: x86_64
  index_url:
    description:
      - The package index (PEP 503 simple API) to resolve and download from, PyPI or a proxy of it. Ignored with
        O(no_index=true).
      - It may hold credentials (C(https://user:password@host/simple)). They are passed to uv and pip in the
        environment (C(UV_DEFAULT_INDEX), C(PIP_INDEX_URL)), not on their command lines, and are masked
        (C(user:***@)) in messages and returned values. Ansible's own log of the module arguments on the
        controller (syslog or journal) still holds them, so prefer C(~/.netrc) or a keyring for a password.
    type: str
    default: https://pypi.org/simple
  find_links:
    description:
      - Extra locations of distributions for uv and pip (C(--find-links)), local directories or URLs of HTML pages
        of links.
    type: list
    elements: str
    default: []
  no_index:
    description:
      - Do not use O(index_url), only O(find_links).
    type: bool
    default: false
  uv_command:
    description:
      - The uv executable, a name looked up on C(PATH) or a path.
    type: path
    default: uv
notes:
  - The controller needs access to the index; the managed hosts need none. pip on the hosts also needs no access to
    the controller, only to O(dest) (copied there, or served over HTTP).
  - pip's configuration and uv's (C(pip.conf), C(uv.toml), C(PIP_*) and C(UV_*) variables) apply, for example a proxy
    or certificates.
  - C(pip download) prepares the metadata of every sdist it fetches on the controller, with build isolation. The
    sdist's build backend must therefore install and run on the controller's Python as well.
  - Only static build requirements are followed. Requirements that a backend asks for at build time
    (C(get_requires_for_build_wheel), for example C(setup_requires) of a C(setup.py)) are not downloaded. Add
    them to O(requirements) when a host's build misses one.
seealso:
  - name: pip download
    description: The pip command the module downloads with, and its platform options.
    link: https://pip.pypa.io/en/stable/cli/pip_download/
  - name: uv pip compile
    description: Resolution for another platform with uv.
    link: https://docs.astral.sh/uv/pip/compile/
'''

EXAMPLES = r'''
- name: The dbt wheelhouse for the Debian 12 hosts (CPython 3.11, glibc 2.36)
  datamesh.platform.python_wheelhouse:
    dest: /srv/airgap/wheelhouse/dbt
    requirements:
      - dbt-core==1.11.16
      - dbt-trino==1.11.0
    python_version: '3.11'
    glibc: '2.36'
  delegate_to: localhost
  run_once: true

- name: Through the company's PyPI proxy, for aarch64 hosts
  datamesh.platform.python_wheelhouse:
    dest: /srv/airgap/wheelhouse/dbt-aarch64
    requirements: [dbt-core==1.11.16]
    python_version: '3.13'
    architecture: aarch64
    index_url: https://{{ proxy_user }}:{{ proxy_password }}@nexus.example.com/repository/pypi/simple
  delegate_to: localhost
  run_once: true

- name: Then, on the hosts (no network), from the wheelhouse served at http://repo.example.com/wheelhouse/dbt/
  ansible.builtin.pip:
    name: [dbt-core==1.11.16, dbt-trino==1.11.0]
    virtualenv: /opt/dbt/venv
    extra_args: --no-index --find-links http://repo.example.com/wheelhouse/dbt/index.html
'''

RETURN = r'''
resolved:
  description:
    - The pins of the closure, as uv resolved them, followed by those of the build requirements of its sdists.
      C(build_requirement) is V(true) for the pins that only building an sdist needs.
  returned: always
  type: list
  elements: dict
  sample: [{name: dbt-core, version: 1.11.16, build_requirement: false}, {name: setuptools, version: 80.9.0,
            build_requirement: true}]
files:
  description:
    - The file in O(dest) of every pin of RV(resolved), after the task (in check mode, those already present).
  returned: always
  type: list
  elements: dict
  sample: [{name: dbt-core, version: 1.11.16, file: dbt_core-1.11.16-py3-none-any.whl, kind: wheel, size: 1052311,
            sha256: 9e1c2f7b5d0a8c6e...(64 hex digits), build_requirement: false}]
missing:
  description:
    - The pins, as C(name==version), that had no file in O(dest). They were downloaded, or in check mode would be.
  returned: always
  type: list
  elements: str
  sample: [dbt-trino==1.11.0, trino==0.336.0]
downloaded:
  description: The files moved into O(dest) by this run (none in check mode).
  returned: always
  type: list
  elements: str
  sample: [dbt_trino-1.11.0-py3-none-any.whl, trino-0.336.0-py3-none-any.whl]
index:
  description: Path of the C(index.html) in O(dest).
  returned: always
  type: str
  sample: /srv/airgap/wheelhouse/dbt/index.html
python_platform:
  description: The C(--python-platform) that uv resolved for.
  returned: always
  type: str
  sample: x86_64-manylinux_2_28
platforms:
  description: The platform tags given to pip, best first.
  returned: always
  type: list
  elements: str
  sample: [manylinux_2_28_x86_64, manylinux_2_27_x86_64]
'''

import hashlib
import html
import os
import re
import shutil
import sys
import tarfile
import tempfile
import zipfile

from urllib.parse import quote, unquote, urlsplit

from ansible.module_utils.basic import AnsibleModule

try:
    import tomllib
    HAS_TOMLLIB = True
except ImportError:
    HAS_TOMLLIB = False

# pip's default build system for an sdist without [build-system] requires (PEP 518).
DEFAULT_BUILD_REQUIRES = ['setuptools>=40.8.0', 'wheel']
# Levels of build requirements followed (sdists whose build needs an sdist whose build needs ...).
BUILD_DEPTH = 8
# glibc minors that uv 0.13 has a --python-platform for.
UV_MANYLINUX_MINORS = (17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40)
SDIST_SUFFIXES = ('.tar.gz', '.tgz', '.tar.bz2', '.tar.xz', '.zip')
INDEX_NAME = 'index.html'
TAIL_LINES = 12
URL_USERINFO_RE = re.compile(r'(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@')
PIN_RE = re.compile(r'^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:\[[^\]]*\])?\s*==\s*(?P<version>[^\s;#]+)\s*$')


class WheelhouseError(Exception):
    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


# ---------------------------------------------------------------- credentials

def url_secrets(urls):
    """Passwords (or tokens given as user names) of the URLs, longest first."""
    secrets = set()
    for url in urls:
        try:
            parts = urlsplit(url or '')
            password, username = parts.password, parts.username
        except ValueError:
            continue
        secret = password or username
        if secret:
            secrets.update([secret, unquote(secret)])
    return sorted((secret for secret in secrets if len(secret) >= 3), key=len, reverse=True)


def mask_text(text, secrets):
    """text with the userinfo of URLs masked (https://user:***@host, https://***@host) and the secrets removed."""
    if not isinstance(text, str):
        return text

    def userinfo(match):
        user, colon = match.group('userinfo').partition(':')[:2]
        shown = user + ':***' if colon and user not in secrets else '***'
        return match.group('scheme') + shown + '@'

    text = URL_USERINFO_RE.sub(userinfo, text)
    for secret in secrets:
        text = text.replace(secret, '***')
    return text


def masked(value, secrets):
    if isinstance(value, dict):
        return dict((key, masked(item, secrets)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [masked(item, secrets) for item in value]
    return mask_text(value, secrets)


# ---------------------------------------------------------------- names, versions, tags

def normalize_name(name):
    """PEP 503 normalised project name."""
    return re.sub(r'[-_.]+', '-', name).lower()


def canonical_version(version):
    """A comparable form of a version: 1.0 == 1.0.0 == v1.0, 1.0-rc1 == 1.0rc1 (not all of PEP 440, enough for file names)."""
    text = version.strip().lower()
    if text.startswith('v'):
        text = text[1:]
    match = re.match(r'(\d+(?:\.\d+)*)(.*)$', text)
    if not match:
        return text
    release = [str(int(part)) for part in match.group(1).split('.')]
    while len(release) > 1 and release[-1] == '0':
        release.pop()
    local = ''
    rest = match.group(2)
    if '+' in rest:
        rest, local = rest.split('+', 1)
        local = '+' + re.sub(r'[-_]', '.', local)
    return '.'.join(release) + re.sub(r'[-_.]', '', rest) + local


def parse_filename(filename):
    """{name, version, kind, tags} of a wheel or sdist file name, None for anything else."""
    if filename.endswith('.whl'):
        parts = filename[:-4].split('-')
        if len(parts) not in (5, 6):
            return None
        tags = set()
        for python in parts[-3].split('.'):
            for abi in parts[-2].split('.'):
                for platform in parts[-1].split('.'):
                    tags.add((python, abi, platform))
        return dict(name=normalize_name(parts[0]), version=canonical_version(parts[1]), kind='wheel', tags=tags)
    for suffix in SDIST_SUFFIXES:
        if filename.endswith(suffix):
            base = filename[:-len(suffix)]
            if '-' not in base:
                return None
            name, version = base.rsplit('-', 1)
            return dict(name=normalize_name(name), version=canonical_version(version), kind='sdist', tags=None)
    return None


def is_distribution(filename):
    return not filename.startswith('.') and (filename.endswith('.whl') or filename.endswith(SDIST_SUFFIXES))


def platform_tags(glibc_minor, architecture):
    """pip's platform tags for a glibc, best first, like packaging's _manylinux.platform_tags."""
    legacy = {17: 'manylinux2014', 12: 'manylinux2010', 5: 'manylinux1'}
    lowest = 5 if architecture == 'x86_64' else 17
    tags = []
    for minor in range(glibc_minor, lowest - 1, -1):
        tags.append('manylinux_2_%d_%s' % (minor, architecture))
        if minor in legacy:
            tags.append('%s_%s' % (legacy[minor], architecture))
    tags.append('linux_%s' % architecture)
    return tags


def uv_platform(glibc_minor, architecture):
    minor = max(m for m in UV_MANYLINUX_MINORS if m <= glibc_minor)
    return '%s-manylinux_2_%d' % (architecture, minor)


def wheel_fits(tags, python_minor, platforms):
    """Whether one of a wheel's tags is among the tags pip accepts for CPython 3.<python_minor> on platforms."""
    cpython = 'cp3%d' % python_minor
    abi3_pythons = set('cp3%d' % minor for minor in range(2, python_minor + 1))
    none_pythons = set(['py3', cpython] + ['py3%d' % minor for minor in range(0, python_minor + 1)])
    for python, abi, platform in tags:
        on_platform = platform in platforms
        if abi == cpython and python == cpython and on_platform:
            return True
        if abi == 'abi3' and python in abi3_pythons and on_platform:
            return True
        if abi == 'none' and python in none_pythons and (on_platform or platform == 'any'):
            return True
    return False


# ---------------------------------------------------------------- archives

def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b''):
            digest.update(block)
    return digest.hexdigest()


def read_sdist_pyproject(path):
    """Text of the sdist's top-level <dir>/pyproject.toml, None when it has none; raises on an unreadable archive."""
    if path.endswith('.zip'):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if _is_top_pyproject(member):
                    return archive.read(member).decode('utf-8')
        return None
    with tarfile.open(path, 'r:*') as archive:
        found = None
        for member in archive.getmembers():
            if found is None and member.isfile() and _is_top_pyproject(member.name):
                found = archive.extractfile(member).read().decode('utf-8')
        return found


def _is_top_pyproject(member):
    parts = [part for part in member.split('/') if part not in ('', '.')]
    return len(parts) == 2 and parts[1] == 'pyproject.toml'


def readable(path, kind):
    """Whether a file in dest is a readable archive (not truncated); an sdist is read whole, a wheel's directory only."""
    try:
        if kind == 'wheel':
            with zipfile.ZipFile(path) as archive:
                return any(name.endswith('.dist-info/WHEEL') for name in archive.namelist())
        read_sdist_pyproject(path)
        return True
    except (OSError, EOFError, UnicodeDecodeError, tarfile.TarError, zipfile.BadZipFile):
        return False


def parse_build_requires(text):
    """[build-system] requires of a pyproject.toml, None when absent; tomllib, or a small parser without it."""
    if HAS_TOMLLIB:
        data = tomllib.loads(text)
        requires = data.get('build-system', {}).get('requires')
        if requires is None:
            return None
        if not isinstance(requires, list) or not all(isinstance(item, str) for item in requires):
            raise ValueError('[build-system] requires is not a list of strings')
        return requires
    return _parse_build_requires_fallback(text)


def _parse_build_requires_fallback(text):
    section = None
    lines = text.splitlines()
    for number, line in enumerate(lines):
        stripped = line.strip()
        header = re.match(r'^\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$', stripped)
        if header:
            section = header.group(1).replace('"', '').replace("'", '').replace(' ', '')
            continue
        if section != 'build-system':
            continue
        match = re.match(r'^requires\s*=\s*(\[.*)$', stripped)
        if not match:
            continue
        value = match.group(1)
        following = iter(lines[number + 1:])
        while not _closed_list(value):
            try:
                value += '\n' + next(following)
            except StopIteration:
                raise ValueError('[build-system] requires: the list is not closed')
        strings = re.finditer(r'"(?P<basic>(?:[^"\\]|\\.)*)"|\'(?P<literal>[^\']*)\'', _without_comments(value))
        return [re.sub(r'\\(.)', r'\1', found.group('basic')) if found.group('basic') is not None else found.group('literal')
                for found in strings]
    return None


def _without_comments(value):
    kept = []
    for line in value.splitlines():
        quote_char = None
        for position, char in enumerate(line):
            if quote_char:
                if char == quote_char:
                    quote_char = None
            elif char in '"\'':
                quote_char = char
            elif char == '#':
                line = line[:position]
                break
        kept.append(line)
    return '\n'.join(kept)


def _closed_list(value):
    return ']' in re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', '', _without_comments(value))


def sdist_build_requirements(path):
    """The build requirements of an sdist, as pip's build isolation installs them."""
    try:
        text = read_sdist_pyproject(path)
    except (OSError, EOFError, UnicodeDecodeError, tarfile.TarError, zipfile.BadZipFile) as e:
        raise WheelhouseError('cannot read the sdist %s: %s' % (path, e))
    if text is None:
        return list(DEFAULT_BUILD_REQUIRES)
    try:
        requires = parse_build_requires(text)
    except ValueError as e:     # tomllib.TOMLDecodeError is a ValueError
        raise WheelhouseError('the pyproject.toml of %s is not valid TOML (pip cannot build it either): %s'
                              % (os.path.basename(path), e))
    return list(DEFAULT_BUILD_REQUIRES) if requires is None else requires


def index_html(filenames):
    links = ''.join('<a href="%s">%s</a><br>\n' % (html.escape(quote(name), quote=True), html.escape(name))
                    for name in filenames)
    return ('<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>Links</title></head>\n<body>\n'
            + links + '</body>\n</html>\n')


def tail(text, lines=TAIL_LINES):
    kept = [line.rstrip() for line in text.splitlines() if line.strip()]
    return '\n'.join(kept[-lines:])


# ---------------------------------------------------------------- the wheelhouse

class Wheelhouse:
    def __init__(self, module):
        self.module = module
        p = module.params
        self.params = p
        self.dest = p['dest']
        self.secrets = url_secrets([p['index_url']] + list(p['find_links']))
        if os.path.lexists(self.dest) and not os.path.isdir(self.dest):
            raise WheelhouseError('dest %s exists and is not a directory' % self.dest)
        if not p['requirements']:
            raise WheelhouseError('requirements is empty: give at least one requirement')
        version = re.match(r'^3\.(\d+)$', p['python_version'].strip())
        if not version:
            raise WheelhouseError('python_version %r: give the CPython version as 3.<minor>, e.g. 3.13' % p['python_version'])
        self.python_version = '3.%s' % version.group(1)
        self.python_minor = int(version.group(1))
        glibc = re.match(r'^2\.(\d+)$', p['glibc'].strip())
        if not glibc or int(glibc.group(1)) < 17:
            raise WheelhouseError('glibc %r: give the target glibc as 2.<minor>, 2.17 or newer (ldd --version on the '
                                  'host tells it)' % p['glibc'])
        self.platforms = platform_tags(int(glibc.group(1)), p['architecture'])
        self.python_platform = uv_platform(int(glibc.group(1)), p['architecture'])
        self.target = 'CPython %s on %s' % (self.python_version, self.python_platform)
        self.uv = self.find_uv(p['uv_command'])
        self.resolved = {}           # (name, version) normalised -> {name, version, build_requirement}
        self.readable_cache = {}
        self.wheel_cache = {}
        self.missing = []
        self.downloaded = []

    def mask(self, text):
        return mask_text(text, self.secrets)

    def masked(self, value):
        return masked(value, self.secrets)

    # ------------------------------------------------ uv and pip

    def find_uv(self, command):
        if os.sep in command:
            found = command if os.path.isfile(command) and os.access(command, os.X_OK) else None
        else:
            found = self.module.get_bin_path(command)
        if not found:
            raise WheelhouseError('uv was not found (uv_command=%s): install uv on the controller, e.g. `pip install uv`, '
                                  'or set uv_command to its path' % command)
        return found

    def index_source(self):
        p = self.params
        where = [] if p['no_index'] else ['index %s' % p['index_url']]
        where += ['find_links %s' % link for link in p['find_links']]
        return ', '.join(where) or 'no index and no find_links'

    def index_args(self):
        args = ['--no-index'] if self.params['no_index'] else []
        for link in self.params['find_links']:
            args += ['--find-links', link]
        return args

    def uv_compile(self, requirements, options=()):
        """Runs uv pip compile for the target with requirements on stdin; returns rc, out, err."""
        args = [self.uv, 'pip', 'compile', '--no-header', '--no-annotate'] + list(options) + [
            '--python', sys.executable, '--python-version', self.python_version, '--python-platform', self.python_platform]
        args += self.index_args() + ['-']
        env = {} if self.params['no_index'] else {'UV_DEFAULT_INDEX': self.params['index_url']}
        return self.module.run_command(args, data='\n'.join(requirements), environ_update=env, check_rc=False)

    def wheel_on_index(self, name, version):
        """Whether the index has a wheel of name==version for the target (uv, without building anything)."""
        key = (normalize_name(name), canonical_version(version))
        if key not in self.wheel_cache:
            rc = self.uv_compile(['%s==%s' % (name, version)], ['--no-deps', '--only-binary', ':all:'])[0]
            self.wheel_cache[key] = rc == 0
        return self.wheel_cache[key]

    def resolve(self, requirements, purpose):
        """uv pip compile for the target; returns the pins [(name, version)] in uv's order."""
        rc, out, err = self.uv_compile(requirements)
        if rc != 0:
            raise WheelhouseError('uv could not resolve %s [%s] for %s from %s: %s'
                                  % (purpose, ', '.join(requirements), self.target, self.index_source(),
                                     tail(err) or tail(out) or 'exit %d without output' % rc), rc=rc, stderr=tail(err, 40))
        pins = []
        for line in out.splitlines():
            line = line.split(' #', 1)[0].strip()
            if not line or line.startswith('#') or line.startswith('-'):
                continue
            match = PIN_RE.match(line)
            if not match:
                raise WheelhouseError('uv resolved %s [%s] to %r, which is not a name==version pin; direct URL and editable '
                                      'requirements are not supported' % (purpose, ', '.join(requirements), line))
            pins.append((match.group('name'), match.group('version')))
        return pins

    def download(self, pins, work):
        """pip download --no-deps of pins into a new directory under work; returns it."""
        target = tempfile.mkdtemp(prefix='download-', dir=work)
        lockfile = os.path.join(target, '.requirements.txt')
        with open(lockfile, 'w', encoding='utf-8') as stream:
            stream.write(''.join('%s==%s\n' % pin for pin in pins))
        args = [sys.executable, '-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--no-input',
                '--progress-bar', 'off', '--dest', target, '--python-version', self.python_version,
                '--implementation', 'cp', '--abi', 'cp3%d' % self.python_minor, '--abi', 'abi3', '--abi', 'none']
        for platform in self.platforms:
            args += ['--platform', platform]
        args += self.index_args() + ['-r', lockfile]
        env = {} if self.params['no_index'] else {'PIP_INDEX_URL': self.params['index_url']}
        rc, out, err = self.module.run_command(args, environ_update=env, check_rc=False)
        if rc != 0:
            names = ', '.join('%s==%s' % pin for pin in pins)
            culprit = re.findall(r'No matching distribution found for (\S+)', err)
            if culprit:
                what = 'pip found no file of %s for %s' % (culprit[-1], self.target)
            elif 'No module named pip' in err:
                what = '%s has no pip: install pip for the Python that runs the module' % sys.executable
            else:
                what = 'pip download failed'
            raise WheelhouseError('%s (downloading %s from %s): %s' % (what, names, self.index_source(), tail(err) or tail(out)),
                                  rc=rc, stderr=tail(err, 40))
        return target

    # ------------------------------------------------ dest

    def inventory(self):
        """{normalised name: [(canonical version, file, parsed)]} of the distributions in dest."""
        found = {}
        if not os.path.isdir(self.dest):
            return found
        for filename in sorted(os.listdir(self.dest)):
            parsed = parse_filename(filename) if is_distribution(filename) else None
            if parsed and os.path.isfile(os.path.join(self.dest, filename)):
                found.setdefault(parsed['name'], []).append((parsed['version'], filename, parsed))
        return found

    def files_of(self, inventory, name, version):
        """The files in dest that serve the pin name==version on the target: fitting wheels, then sdists."""
        wanted = canonical_version(version)
        files = []
        for have, filename, parsed in inventory.get(normalize_name(name), []):
            if have != wanted:
                continue
            if parsed['kind'] == 'wheel' and not wheel_fits(parsed['tags'], self.python_minor, self.platforms):
                continue
            if self.is_readable(filename, parsed['kind']):
                files.append((filename, parsed['kind']))
        return sorted(files, key=lambda item: (item[1] != 'wheel', item[0]))

    def is_missing(self, inventory, name, version):
        """Whether dest lacks the file of name==version for the target: any file at all, or the wheel that the index
        has when dest holds only the sdist (from a run for another target), so that the hosts need not build it."""
        files = self.files_of(inventory, name, version)
        if not files:
            return True
        return files[0][1] == 'sdist' and self.wheel_on_index(name, version)

    def is_readable(self, filename, kind):
        path = os.path.join(self.dest, filename)
        stat = os.stat(path)
        key = (filename, stat.st_size, stat.st_mtime)
        if key not in self.readable_cache:
            self.readable_cache[key] = readable(path, kind)
        return self.readable_cache[key]

    def dest_files(self):
        if not os.path.isdir(self.dest):
            return []
        return sorted(f for f in os.listdir(self.dest) if not f.startswith('.') and os.path.isfile(os.path.join(self.dest, f)))

    def make_dest(self):
        if not os.path.isdir(self.dest):
            os.makedirs(self.dest, 0o755)
            os.chmod(self.dest, 0o755)
            return True
        return False

    def place(self, directory):
        """Moves the downloaded files into dest (created if needed: returns whether it was); refuses, before moving
        any, when dest has another file of the same name."""
        incoming = sorted(f for f in os.listdir(directory) if not f.startswith('.'))
        conflicts = []
        new = []
        for filename in incoming:
            target = os.path.join(self.dest, filename)
            if os.path.lexists(target):
                if not os.path.isfile(target) or sha256_of(target) != sha256_of(os.path.join(directory, filename)):
                    conflicts.append(filename)
            else:
                new.append(filename)
        if conflicts:
            raise WheelhouseError('%s already in %s with other content than the download; nothing was overwritten '
                                  '(delete the file if it is broken or foreign, then run again)'
                                  % (', '.join(conflicts), self.dest), conflicts=conflicts)
        created = self.make_dest()
        for filename in new:
            self.write_file(filename, source=os.path.join(directory, filename))
            self.downloaded.append(filename)
        return created

    def write_file(self, filename, source=None, content=None):
        """Writes dest/filename atomically: a temporary file in dest, then os.replace; mode 0644."""
        fd, temporary = tempfile.mkstemp(prefix='.%s.' % filename, suffix='.tmp', dir=self.dest)
        try:
            with os.fdopen(fd, 'wb') as stream:
                if source is not None:
                    with open(source, 'rb') as origin:
                        shutil.copyfileobj(origin, stream, 1024 * 1024)
                else:
                    stream.write(content.encode('utf-8'))
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, os.path.join(self.dest, filename))
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    # ------------------------------------------------ run

    def add_resolved(self, pins, build_requirement):
        """Records pins; returns those not recorded before."""
        added = []
        for name, version in pins:
            key = (normalize_name(name), canonical_version(version))
            if key not in self.resolved:
                self.resolved[key] = dict(name=name, version=version, build_requirement=build_requirement)
                added.append((name, version))
        return added

    def run(self):
        check_mode = self.module.check_mode
        before = self.dest_files()
        created = False
        pins = self.add_resolved(self.resolve(self.params['requirements'], 'the requirements'), False)
        seen_build_sets = set()
        with tempfile.TemporaryDirectory(prefix='python_wheelhouse-') as work:
            for depth in range(BUILD_DEPTH + 1):
                inventory = self.inventory()
                missing = [pin for pin in pins if self.is_missing(inventory, *pin)]
                self.missing += ['%s==%s' % pin for pin in missing]
                if missing and not check_mode:
                    created = self.place(self.download(missing, work)) or created
                    inventory = self.inventory()
                    for pin in missing:
                        if self.is_missing(inventory, *pin):
                            self.module.warn('pip saved no file for %s==%s that this module recognises as fitting %s '
                                             '(or no wheel where uv found one); the next run will download it again'
                                             % (pin[0], pin[1], self.target))
                build_sets = []
                for pin in pins:
                    files = self.files_of(inventory, *pin)
                    if not files or files[0][1] == 'wheel':     # pip on the host installs the wheel
                        continue
                    for filename in [f for f, kind in files if kind == 'sdist']:
                        requires = sdist_build_requirements(os.path.join(self.dest, filename))
                        key = tuple(sorted(requires))
                        if key not in seen_build_sets:
                            seen_build_sets.add(key)
                            build_sets.append((filename, requires))
                if not build_sets:
                    break
                if depth == BUILD_DEPTH:
                    raise WheelhouseError('build requirements nest deeper than %d levels (last: %s); give the innermost '
                                          'ones in requirements' % (BUILD_DEPTH, ', '.join(f for f, r in build_sets)))
                pins = []
                for filename, requires in build_sets:
                    pins += self.add_resolved(self.resolve(requires, 'the build requirements of %s' % filename), True)

        return self.result(before, created)

    def result(self, before, created):
        inventory = self.inventory()
        files = []
        for entry in self.resolved.values():
            for filename, kind in self.files_of(inventory, entry['name'], entry['version']):
                path = os.path.join(self.dest, filename)
                files.append(dict(name=entry['name'], version=entry['version'], file=filename, kind=kind,
                                  sha256=sha256_of(path), size=os.path.getsize(path),
                                  build_requirement=entry['build_requirement']))
        index_path = os.path.join(self.dest, INDEX_NAME)
        wanted = index_html(sorted(f for f in self.dest_files() if is_distribution(f)))
        current = None
        if os.path.isfile(index_path):
            with open(index_path, encoding='utf-8', errors='replace') as stream:
                current = stream.read()
        index_changed = current != wanted
        if index_changed and not self.module.check_mode:
            created = self.make_dest() or created
            self.write_file(INDEX_NAME, content=wanted)
        after = self.dest_files()
        if self.module.check_mode:
            after = sorted(set(after) | (set([INDEX_NAME]) if index_changed else set())) + [
                '%s (would be downloaded)' % pin for pin in self.missing]
        result = dict(
            changed=bool(self.missing or self.downloaded or index_changed or created),
            resolved=list(self.resolved.values()),
            files=files,
            missing=self.missing,
            downloaded=self.downloaded,
            index=index_path,
            python_platform=self.python_platform,
            platforms=self.platforms,
        )
        if self.module._diff:
            result['diff'] = dict(before=dict(files=before), after=dict(files=after))
        return self.masked(result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type='path', required=True),
            requirements=dict(type='list', elements='str', required=True),
            python_version=dict(type='str', required=True),
            glibc=dict(type='str', default='2.28'),
            architecture=dict(type='str', default='x86_64', choices=['x86_64', 'aarch64']),
            index_url=dict(type='str', default='https://pypi.org/simple'),
            find_links=dict(type='list', elements='str', default=[]),
            no_index=dict(type='bool', default=False),
            uv_command=dict(type='path', default='uv'),
        ),
        supports_check_mode=True,
    )
    secrets = url_secrets([module.params['index_url']] + list(module.params['find_links']))
    # Ansible masks them in whatever it returns or logs from now on (invocation included).
    module.no_log_values.update(secrets)
    try:
        result = Wheelhouse(module).run()
    except WheelhouseError as e:
        module.fail_json(msg=mask_text(e.msg, secrets), **masked(e.details, secrets))
    else:
        module.exit_json(**result)


if __name__ == '__main__':
    main()
