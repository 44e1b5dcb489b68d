"""NpmRegistryDouble: a hand-written protocol double of the npm registry's HTTP read API, NOT a registry.

It serves, over real HTTP on 127.0.0.1 (a ThreadingHTTPServer in a thread), packuments and
tarballs from an in-memory package set that the test builds with ``add()``, just far enough for
the real npm client and datamesh.platform.npm_registry_mirror to resolve and download against it:

- ``GET <prefix><name>`` answers the packument of ``name``; scoped names are accepted escaped as
  npm sends them (``@scope%2fname``) and unescaped (``@scope/name``). With an ``Accept`` header
  that names ``application/vnd.npm.install-v1+json`` (what npm sends for installs) it answers the
  abbreviated document ("corgi") with that content type, otherwise the full document as
  ``application/json``, with ``time``, as registry.npmjs.org does. The fields follow the
  registry API documentation (npm/registry, docs/responses/package-metadata.md).
- ``GET <prefix><name>/-/<basename>-<version>.tgz`` answers the tarball, ``application/octet-stream``.
- Unknown names and files get ``404 {"error": "Not found"}``, like the public registry.
- ``prefix`` puts the registry under a path (``/repository/npm/``, as Nexus or Artifactory do), and
  every ``dist.tarball`` points at the double itself, never at registry.npmjs.org.
- ``auth=(user, password)`` makes every request without that HTTP Basic authorization get 401.
- ``redirect_tarballs_to`` (a base URL) answers tarball requests with a 302 there, as registries
  that keep tarballs on a CDN or object store do.

``add()`` builds real gzip'ed tar archives holding ``package/package.json`` (and an ``index.js``),
deterministic (mtime 0), with ``dist.integrity`` (sha512, SRI) and ``dist.shasum`` (sha1) computed
from the bytes. Failures on purpose: ``corrupt`` (a set of (name, version)) serves other bytes
than the packument's checksums describe, ``no_integrity`` leaves ``dist.integrity`` out (only
``shasum``, as in packages published before 2017).

Every request is recorded in ``requests`` (method, path, accept, authorization, user_agent, kind:
packument, tarball or other). What it does
not show: search, publish, dist-tag and audit endpoints, registry.npmjs.org's caching headers and
its exact corgi field list. Nothing here has been compared with a recorded registry session.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import io
import json
import tarfile
import threading

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

CORGI = 'application/vnd.npm.install-v1+json'
# The version fields registry.npmjs.org keeps in the abbreviated document.
CORGI_VERSION_FIELDS = ('name', 'version', 'deprecated', 'dependencies', 'optionalDependencies', 'devDependencies',
                        'bundleDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'directories',
                        'dist', 'engines', '_hasShrinkwrap', 'hasInstallScript', 'cpu', 'os', 'funding')
TIME = '2025-01-01T00:00:00.000Z'


def basename(name):
    return name.rsplit('/', 1)[-1]


def make_tarball(manifest, files=None):
    """A .tgz as npm pack makes it: everything under package/, package.json first."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.PAX_FORMAT) as tar:
        entries = [('package/package.json', json.dumps(manifest, indent=2).encode())]
        entries.append(('package/index.js', ('module.exports = %s;\n' % json.dumps(manifest['version'])).encode()))
        for path, data in sorted((files or {}).items()):
            entries.append(('package/' + path, data))
        for path, data in entries:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode='wb', mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def sri_sha512(data):
    return 'sha512-' + base64.b64encode(hashlib.sha512(data).digest()).decode()


class NpmRegistryDouble:
    def __init__(self, prefix='/', auth=None):
        self.prefix = '/' + prefix.strip('/') + '/' if prefix.strip('/') else '/'
        self.auth = auth
        self.packages = {}      # name -> {version: {'manifest': dict, 'tarball': bytes}}
        self.corrupt = set()    # (name, version): tarball bytes differ from the packument's checksums
        self.no_integrity = set()  # (name, version): dist has shasum only
        self.redirect_tarballs_to = None  # a base URL: tarballs are answered 302 to <base><name>/-/<file>
        self.requests = []
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    # ------------------------------------------------------------ building the package set

    def add(self, name, version, dependencies=None, dev_dependencies=None, **extra):
        manifest = dict(name=name, version=version, description='%s %s (npm registry double)' % (name, version),
                        main='index.js', license='MIT')
        if dependencies:
            manifest['dependencies'] = dict(dependencies)
        if dev_dependencies:
            manifest['devDependencies'] = dict(dev_dependencies)
        manifest.update(extra)
        self.packages.setdefault(name, {})[version] = dict(manifest=manifest, tarball=make_tarball(manifest))
        return self

    def tarball_bytes(self, name, version):
        return self.packages[name][version]['tarball']

    # ------------------------------------------------------------ serving

    @property
    def url(self):
        return 'http://127.0.0.1:%d%s' % (self.server.server_address[1], self.prefix)

    def url_with_userinfo(self, user, password):
        return self.url.replace('http://', 'http://%s:%s@' % (user, password), 1)

    def tarball_url(self, name, version):
        return '%s%s/-/%s-%s.tgz' % (self.url, name, basename(name), version)

    def packument(self, name, corgi=False):
        versions = {}
        for version, entry in self.packages[name].items():
            doc = copy.deepcopy(entry['manifest'])
            data = entry['tarball']
            dist = dict(shasum=hashlib.sha1(data).hexdigest(), tarball=self.tarball_url(name, version),
                        fileCount=2, unpackedSize=len(data))
            if (name, version) not in self.no_integrity:
                dist['integrity'] = sri_sha512(data)
            doc['dist'] = dist
            if corgi:
                doc = dict((k, v) for k, v in doc.items() if k in CORGI_VERSION_FIELDS)
            else:
                doc.update(_id='%s@%s' % (name, version), _npmVersion='10.9.0', _nodeVersion='20.18.0',
                           _npmUser=dict(name='double', email='double@example.invalid'))
            versions[version] = doc
        releases = [v for v in versions if '-' not in v] or list(versions)
        latest = max(releases, key=lambda v: [int(p) for p in v.split('-')[0].split('.')])
        doc = {'name': name, 'dist-tags': {'latest': latest}, 'versions': versions}
        if corgi:
            doc['modified'] = TIME
        else:
            doc.update(_id=name, time=dict([('created', TIME), ('modified', TIME)] + [(v, TIME) for v in versions]),
                       description=versions[latest].get('description', ''), license='MIT')
        return doc

    def requests_of(self, kind):
        """The recorded requests of one kind, 'packument' or 'tarball'."""
        with self.lock:
            return [r for r in self.requests if r['kind'] == kind]

    def start(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def do_GET(self):
                double.answer(self)

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def send(self, handler, status, body, content_type='application/json'):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header('Content-Type', content_type)
        handler.send_header('Content-Length', str(len(body)))
        if status == 401:
            handler.send_header('WWW-Authenticate', 'Basic realm="npm registry double"')
        handler.end_headers()
        handler.wfile.write(body)

    def answer(self, handler):
        path = urlsplit(handler.path).path
        record = dict(method='GET', path=handler.path, accept=handler.headers.get('Accept', ''),
                      authorization=handler.headers.get('Authorization'),
                      user_agent=handler.headers.get('User-Agent', ''), kind='other')
        with self.lock:
            self.requests.append(record)
        if self.auth is not None:
            expected = 'Basic ' + base64.b64encode(('%s:%s' % self.auth).encode()).decode()
            if handler.headers.get('Authorization') != expected:
                return self.send(handler, 401, {'error': 'authentication required'})
        if not path.startswith(self.prefix):
            return self.send(handler, 404, {'error': 'Not found'})
        rest = unquote(path[len(self.prefix):])
        if '/-/' in rest:
            record['kind'] = 'tarball'
            name, filename = rest.split('/-/', 1)
            if self.redirect_tarballs_to:
                handler.send_response(302)
                handler.send_header('Location', '%s%s/-/%s' % (self.redirect_tarballs_to, name, filename))
                handler.send_header('Content-Length', '0')
                handler.end_headers()
                return None
            for version, entry in self.packages.get(name, {}).items():
                if filename == '%s-%s.tgz' % (basename(name), version):
                    data = entry['tarball']
                    if (name, version) in self.corrupt:
                        data = make_tarball(dict(entry['manifest'], description='tampered'))
                    return self.send(handler, 200, data, 'application/octet-stream')
            return self.send(handler, 404, {'error': 'Not found'})
        record['kind'] = 'packument'
        record['name'] = rest
        if rest not in self.packages:
            return self.send(handler, 404, {'error': 'Not found'})
        corgi = CORGI in record['accept']
        return self.send(handler, 200, self.packument(rest, corgi=corgi), CORGI if corgi else 'application/json')
