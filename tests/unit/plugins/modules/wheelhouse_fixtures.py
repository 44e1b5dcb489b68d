"""Builds tiny, real Python distributions (wheels and sdists) for the python_wheelhouse tests.

Nothing here needs setuptools, wheel or a network: the wheels are zip files and the sdists tar
files, written byte for byte the way the wheel spec and the sdist spec describe them, with fixed
timestamps, so the same arguments always give the same bytes (the tests rely on that to tell
"same file" from "other file of the same name").

make_index(directory) writes the package index the tests point uv and pip at (find_links plus
no_index):

- alpha 1.0, a wheel that depends on beta>=1;
- beta 1.0 and beta 2.0, wheels;
- gamma 0.1, an sdist only, that depends on beta<2 and is built with the backend tinybackend
  (pyproject.toml: requires = ["tinybackend==1.0"], build-backend = "tinybackend");
- tinybackend 1.0, a wheel holding a minimal but working PEP 517 backend: build_wheel and
  build_sdist of a project described by its PKG-INFO, with the same wheel writer as this file
  (BACKEND_SOURCE is made from write_wheel's own source);
- delta 1.0 as two platform wheels, cp313 and cp311, both manylinux_2_17_x86_64;
- epsilon 1.0 as a wheel and as an sdist built with tinybackend.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import inspect
import io
import os
import tarfile
import zipfile

# sdist members get this timestamp (wheel members get the same date): same input, same bytes.
EPOCH_SECONDS = 1704067200


def record_hash(data):
    """The hash field of a RECORD line (sha256, urlsafe base64 without padding)."""
    digest = hashlib.sha256(data).digest()
    return 'sha256=' + base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')


def write_wheel(directory, name, version, files, requires=(), tag='py3-none-any'):
    """Writes <name>-<version>-<tag>.whl into directory from files {archive path: text}; returns its path."""
    dist = name.replace('-', '_')
    dist_info = '%s-%s.dist-info' % (dist, version)
    metadata = 'Metadata-Version: 2.1\nName: %s\nVersion: %s\n' % (name, version)
    metadata += ''.join('Requires-Dist: %s\n' % requirement for requirement in requires)
    purelib = 'true' if tag.endswith('-any') else 'false'
    wheel = 'Wheel-Version: 1.0\nGenerator: wheelhouse-fixtures\nRoot-Is-Purelib: %s\nTag: %s\n' % (purelib, tag)
    members = [(path, text.encode('utf-8')) for path, text in sorted(files.items())]
    members += [(dist_info + '/METADATA', metadata.encode('utf-8')), (dist_info + '/WHEEL', wheel.encode('utf-8'))]
    record = ''.join('%s,%s,%d\n' % (path, record_hash(data), len(data)) for path, data in members)
    members.append((dist_info + '/RECORD', (record + dist_info + '/RECORD,,\n').encode('utf-8')))
    path = os.path.join(directory, '%s-%s-%s.whl' % (dist, version, tag))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for member, data in members:
            info = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


# The build backend's own part: PEP 517 hooks over write_wheel, for a project whose sdist has a
# PKG-INFO (Name, Version, Requires-Dist) and its code in the package directory named after it.
BACKEND_HOOKS = '''

def _project():
    name = version = None
    requires = []
    with open('PKG-INFO', encoding='utf-8') as stream:
        for line in stream:
            key, sep, value = line.rstrip('\\n').partition(': ')
            if key == 'Name':
                name = value
            elif key == 'Version':
                version = value
            elif key == 'Requires-Dist':
                requires.append(value)
    return name, version, requires


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version, requires = _project()
    files = {}
    for root, dirs, names in os.walk(name.replace('-', '_')):
        dirs.sort()
        for filename in sorted(names):
            if filename.endswith('.py'):
                path = os.path.join(root, filename)
                with open(path, encoding='utf-8') as stream:
                    files[path.replace(os.sep, '/')] = stream.read()
    return os.path.basename(write_wheel(wheel_directory, name, version, files, requires))


def build_sdist(sdist_directory, config_settings=None):
    name, version = _project()[:2]
    base = '%s-%s' % (name.replace('-', '_'), version)
    with tarfile.open(os.path.join(sdist_directory, base + '.tar.gz'), 'w:gz') as archive:
        for entry in sorted(os.listdir('.')):
            archive.add(entry, arcname=base + '/' + entry)
    return base + '.tar.gz'
'''

BACKEND_SOURCE = ('"""tinybackend: a minimal PEP 517 build backend (test fixture)."""\n\n'
                  'import base64\nimport hashlib\nimport os\nimport tarfile\nimport zipfile\n\n\n'
                  + inspect.getsource(record_hash) + '\n\n' + inspect.getsource(write_wheel) + BACKEND_HOOKS)


def write_sdist(directory, name, version, files, requires=(), pyproject=None):
    """Writes <name>-<version>.tar.gz with PKG-INFO, files {relative path: text} and an optional pyproject.toml."""
    base = '%s-%s' % (name.replace('-', '_'), version)
    pkg_info = 'Metadata-Version: 2.1\nName: %s\nVersion: %s\n' % (name, version)
    pkg_info += ''.join('Requires-Dist: %s\n' % requirement for requirement in requires)
    members = dict(files)
    members['PKG-INFO'] = pkg_info
    if pyproject is not None:
        members['pyproject.toml'] = pyproject
    path = os.path.join(directory, base + '.tar.gz')
    raw = io.BytesIO()
    # gzip's header holds a timestamp: mtime=0 keeps the bytes stable.
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.PAX_FORMAT) as archive:
        for member, text in sorted(members.items()):
            data = text.encode('utf-8')
            info = tarfile.TarInfo(base + '/' + member)
            info.size = len(data)
            info.mtime = EPOCH_SECONDS
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    with open(path, 'wb') as stream:
        with gzip.GzipFile(fileobj=stream, mode='wb', mtime=0, filename='') as packed:
            packed.write(raw.getvalue())
    return path


def module_text(name, version):
    return '"""%s (test fixture)."""\n\nVERSION = %r\n' % (name, version)


GAMMA_PYPROJECT = '''[build-system]
requires = ["tinybackend==1.0"]
build-backend = "tinybackend"

[project]
name = "gamma"
version = "0.1"
dependencies = ["beta<2"]
'''


def make_index(directory):
    """Writes the fixture distributions into directory (created if needed); returns {file name: path}."""
    os.makedirs(directory, exist_ok=True)
    paths = [
        write_wheel(directory, 'alpha', '1.0', {'alpha/__init__.py': module_text('alpha', '1.0')}, requires=['beta>=1']),
        write_wheel(directory, 'beta', '1.0', {'beta/__init__.py': module_text('beta', '1.0')}),
        write_wheel(directory, 'beta', '2.0', {'beta/__init__.py': module_text('beta', '2.0')}),
        write_wheel(directory, 'tinybackend', '1.0', {'tinybackend.py': BACKEND_SOURCE}),
        write_sdist(directory, 'gamma', '0.1', {'gamma/__init__.py': module_text('gamma', '0.1')},
                    requires=['beta<2'], pyproject=GAMMA_PYPROJECT),
    ]
    paths += [
        write_wheel(directory, 'epsilon', '1.0', {'epsilon/__init__.py': module_text('epsilon', '1.0')}),
        write_sdist(directory, 'epsilon', '1.0', {'epsilon/__init__.py': module_text('epsilon', '1.0')},
                    pyproject='[build-system]\nrequires = ["tinybackend==1.0"]\nbuild-backend = "tinybackend"\n'),
    ]
    for python in ('cp313', 'cp311'):
        paths.append(write_wheel(directory, 'delta', '1.0', {'delta/__init__.py': module_text('delta', python)},
                                 tag='%s-%s-manylinux_2_17_x86_64' % (python, python)))
    return dict((os.path.basename(path), path) for path in paths)
