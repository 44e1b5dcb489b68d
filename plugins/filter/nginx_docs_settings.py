# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``nginx_docs_settings``: everything the nginx_docs role derives from its variables, as one dict."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import posixpath
import re

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks
from ansible_collections.datamesh.platform.plugins.plugin_utils.settings import (
    fail as _fail, refuse as _refuse, role_params, bounded_int as _int)

try:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    HAS_CRYPTOGRAPHY = True
except ImportError:  # ansible-core depends on it; without it the given PEMs are only checked by their markers
    HAS_CRYPTOGRAPHY = False

SOURCES = ('controller', 'remote')
ACTIONS = ('publish', 'rollback')
# The files of a dbt docs site (`dbt docs generate` writes them into target/): the page and the two
# JSON documents it fetches. Nothing else of target/ is published (compiled SQL, run results and
# logs stay private). With `dbt docs generate --static`, static_index.html holds all three in one.
TARGET_FILES = ('index.html', 'manifest.json', 'catalog.json')
STATIC_FILE = 'static_index.html'
# Besides the system directories (checks.SYSTEM_DIRS), the site's root (which the role creates, and
# prunes inside) must neither be, be inside nor contain nginx's own directories.
NGINX_FOREIGN = {
    "nginx's configuration": '/etc/nginx',
    "Debian's default site": '/var/www/html',
    "nginx's own files": '/usr/share/nginx',
}
# Names of Debian's own directories under /etc/nginx, which the site's configuration directory
# (/etc/nginx/<site_name>) must not take.
NGINX_DIRS = ('conf.d', 'sites-available', 'sites-enabled', 'snippets', 'modules-available', 'modules-enabled')
# Guesses for a docs site's password, on top of the collection's list (checks.KNOWN_SECRETS).
KNOWN_SECRETS = ('docs', 'dbt', 'dbt-docs', 'dbtdocs', 'documentation')
# The role's variables (meta/argument_specs.yml; a unit test keeps them equal): any other
# nginx_docs_* variable is a typo the role would ignore.
KNOWN_VARIABLES = (
    'nginx_docs_source', 'nginx_docs_source_dir', 'nginx_docs_static', 'nginx_docs_root', 'nginx_docs_keep_releases',
    'nginx_docs_rollback_release', 'nginx_docs_site_name', 'nginx_docs_server_names', 'nginx_docs_remove_default_site',
    'nginx_docs_http_port', 'nginx_docs_https_port', 'nginx_docs_hsts_max_age', 'nginx_docs_hsts_include_subdomains',
    'nginx_docs_csp', 'nginx_docs_tls_cert', 'nginx_docs_tls_key', 'nginx_docs_tls_ca', 'nginx_docs_tls_extra_sans',
    'nginx_docs_tls_days', 'nginx_docs_basic_auth', 'nginx_docs_basic_auth_user', 'nginx_docs_basic_auth_password',
    'nginx_docs_credentials_dir', 'nginx_docs_health_timeout',
)
# nginx's sockets are expected on a re-run (it serves this site, maybe others, which nginx -t checks).
OWN_UNITS = ('nginx.service',)
RELEASE_LEN = 20
_RELEASE = re.compile(r'^[0-9a-f]{%d}$' % RELEASE_LEN)
_SITE = re.compile(r'^[a-z0-9][a-z0-9_-]{0,62}$')
_USER = re.compile(r'^[A-Za-z0-9._-]{1,64}$')
_SERVER_NAME = re.compile(r'^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$')
# Content-Security-Policy fit for dbt docs: its index.html carries the whole application (AngularJS
# 1.8, jQuery, cytoscape) as inline scripts and styles, icons as data: URIs, and fetches
# manifest.json and catalog.json from its own origin. No eval: AngularJS detects the policy and
# uses its CSP-safe expression parser. Nothing may be loaded from elsewhere or frame the site.
DEFAULT_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; manifest-src 'self'; "
               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")

DEFAULTS = {
    'action': 'publish',
    'source': 'controller',
    'source_dir': '',
    'static': False,
    'report': None,
    'releases': [],
    'current': '',
    'rollback_release': '',
    'root': '/var/www/dbt-docs',
    'site_name': 'dbt-docs',
    'server_names': [],
    'remove_default_site': True,
    'ipv6': False,
    'http_port': 80,
    'https_port': 443,
    'keep_releases': 5,
    'basic_auth': True,
    'basic_auth_user': 'docs',
    'basic_auth_password': '',
    'tls_cert': '',
    'tls_key': '',
    'tls_ca': '',
    'hsts_max_age': 31536000,
    'hsts_include_subdomains': False,
    'csp': '',
    'tls_extra_sans': [],
    'tls_days': 825,
    # What preflight read, for the checks (None: not checked).
    'variables': None,
    'host_vars': {},
    'group_names': [],
    'listening': None,
    'now': None,
}
REQUIRED = ('host',)


def _path(value, name):
    """The directory the docs are read from (only read: any readable directory will do)."""
    path = to_text(value)
    if not path.startswith('/') or '..' in path.split('/') or '//' in path or not re.match(r'^[A-Za-z0-9._/@+-]+$', path):
        _fail('%s=%s must be an absolute path of letters, digits and . _ - @ + /, without ".." or "//"', name, path)
    return posixpath.normpath(path)


def _root(value, name):
    """The site's root, which the role creates and prunes inside: the shared path checks, nginx's own
    directories, and (it goes unquoted into the site's configuration) a plain character set."""
    path = to_text(value if value is not None else '')
    path = path.rstrip('/') or path
    problems = checks.path_problems({name: path}, foreign=NGINX_FOREIGN)
    if not problems and not re.match(r'^[A-Za-z0-9._/@+-]+$', path):
        problems.append('%s=%s may only hold letters, digits and . _ - @ + /' % (name, path))
    _refuse(problems)
    return posixpath.normpath(path)


def _port(value, name):
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        _fail('%s=%s must be a port between 1 and 65535', name, value)
    return port


def _secret_problems(value, what, user):
    """The shared checks (length, well-known values, the user name in it, repeats) plus one line (htpasswd)."""
    problems = checks.secret_problems(what, value, user=user, known=KNOWN_SECRETS)
    if isinstance(value, str) and ('\n' in value or '\r' in value):
        problems.append('%s must be one line' % what)
    return problems


def _names_match(pattern, name):
    pattern, name = pattern.lower().rstrip('.'), name.lower().rstrip('.')
    if pattern.startswith('*.'):
        return name.count('.') == pattern.count('.') and name.endswith(pattern[1:])
    return pattern == name


def _certificate_problems(cert, key, server_names, name, now):
    """A given certificate and key that nginx would refuse at reload, or browsers for the site's names.
    Never shows the key."""
    if not HAS_CRYPTOGRAPHY or not cert:
        return []
    try:
        certificate = x509.load_pem_x509_certificate(cert.encode('utf-8'))
    except ValueError as exc:
        return ['%s is not a readable PEM certificate (%s)' % (name('tls_cert'), exc)]
    problems = []
    try:
        private = serialization.load_pem_private_key(key.encode('utf-8'), password=None)
    except TypeError:
        return ['%s is encrypted: nginx would ask for its passphrase at every start. Give the key without one'
                % name('tls_key')]
    except (ValueError, UnsupportedAlgorithm):  # never the key's text: only that it cannot be read
        return ['%s is not a readable PEM private key' % name('tls_key')]
    raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if private.public_key().public_bytes(*raw) != certificate.public_key().public_bytes(*raw):
        problems.append('%s does not belong to %s (their public keys differ): nginx would refuse to load them. Give '
                        'the key of that certificate' % (name('tls_key'), name('tls_cert')))
    expires = getattr(certificate, 'not_valid_after_utc', None) or certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    if expires <= now:
        problems.append('%s expired on %s: give a valid certificate' % (name('tls_cert'), expires.strftime('%Y-%m-%d')))
    try:
        sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = sans.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        dns = []
    uncovered = [n for n in server_names if not any(_names_match(p, n) for p in dns)]
    if uncovered:
        problems.append('%s names %s, which %s does not cover (its names: %s): browsers would refuse the site. Give a '
                        'certificate for them, or fix %s' % (name('server_names'), ', '.join(uncovered), name('tls_cert'),
                                                             ', '.join(dns) or 'none', name('server_names')))
    return problems


def _san_problems(sans, name):
    """Extra names of an issued certificate: host names, IP addresses or DNS:/IP: entries."""
    problems = []
    for entry in sans or []:
        entry = to_text(entry)
        kind, _sep, value = entry.partition(':') if entry.startswith(('DNS:', 'IP:')) else ('', '', entry)
        try:
            ipaddress.ip_address(value)
            is_ip = True
        except ValueError:
            is_ip = False
        if kind == 'IP' and not is_ip or kind != 'IP' and not is_ip and not _SERVER_NAME.match(value):
            problems.append('%s: %s is neither a host name nor an IP address (nor DNS:<name> or IP:<address>)'
                            % (name('tls_extra_sans'), entry))
    return problems


def _releases(value, name):
    """The release directories on the host, oldest first, from the files ansible.builtin.find lists (path, mtime)."""
    if not isinstance(value, (list, tuple)):
        _fail('%s must be a list', name)
    out = []
    for item in value:
        if not isinstance(item, dict) or not (item.get('path') or item.get('name')):
            _fail('%s: each release needs a path and an mtime', name)
        release = posixpath.basename(to_text(item.get('path') or item.get('name')).rstrip('/'))
        if _RELEASE.match(release):
            out.append({'name': release, 'mtime': float(item.get('mtime') or 0)})
    return sorted(out, key=lambda r: (r['mtime'], r['name']))


def _publish(p, name, root):
    """The files to publish, checked against the inspection report, and the release they make."""
    source = to_text(p['source'])
    if source not in SOURCES:
        _fail('%s=%s must be controller (a directory on the Ansible controller) or remote (a directory on the host)',
              name('source'), source)
    where = 'the Ansible controller' if source == 'controller' else 'the host %s' % to_text(p['host'])
    if not p['source_dir']:
        _fail('%s is required: the dbt target/ directory (after `dbt docs generate`) on %s', name('source_dir'), where)
    source_dir = _path(p['source_dir'], name('source_dir'))
    if source == 'remote' and (source_dir == root or source_dir.startswith(root + '/') or root.startswith(source_dir + '/')):
        _fail('%s=%s and %s=%s must not contain each other', name('source_dir'), source_dir, name('root'), root)
    report = p['report']
    if not isinstance(report, dict):
        _fail('nginx_docs_settings: the inspection report of %s is missing', source_dir)
    if not report.get('exists'):
        _fail('%s=%s does not exist on %s (or is not a directory): build the docs first (dbt docs generate)',
              name('source_dir'), source_dir, where)
    errors = [to_text(e) for e in report.get('errors') or []]
    if errors:
        _fail('the docs in %s on %s cannot be published, the site keeps serving the current release: %s',
              source_dir, where, '; '.join(errors))
    static = bool(p['static'])
    wanted = [(STATIC_FILE, 'index.html')] if static else [(f, f) for f in TARGET_FILES]
    found = {to_text(f['name']): f for f in report.get('files') or []}
    missing = [src for src, _dest in wanted if src not in found]
    if missing:
        _fail('%s=%s on %s has no %s: %s', name('source_dir'), source_dir, where, ', '.join(missing),
              'build it with `dbt docs generate --static`' if static else 'give the target/ directory of a project after '
              '`dbt docs generate`')
    files = []
    for src, dest in wanted:
        digest = to_text(found[src].get('sha256', ''))
        if not re.match(r'^[0-9a-f]{64}$', digest):
            _fail('nginx_docs_settings: no sha256 of %s in the inspection report', src)
        files.append({'src': posixpath.join(source_dir, src), 'dest': dest, 'sha256': digest,
                      'size': int(found[src].get('size') or 0)})
    # The release is named by its content: the same docs are the same release (publishing them
    # again changes nothing), other docs a new one.
    identity = ''.join('%s\0%s\n' % (f['dest'], f['sha256']) for f in sorted(files, key=lambda f: f['dest']))
    release = hashlib.sha256(identity.encode('utf-8')).hexdigest()[:RELEASE_LEN]
    return source, source_dir, static, files, release, report.get('dbt') or {}


def nginx_docs_settings(params, prefix=''):
    """Return the settings of the docs site of one host (see the filter's documentation)."""
    p = role_params('nginx_docs_settings', params, DEFAULTS, REQUIRED)

    def name(key):
        return prefix + key

    action = to_text(p['action'])
    if action not in ACTIONS:
        _fail('nginx_docs_settings: action must be publish or rollback, not %s', action)
    # Typos first: a misspelt variable would be ignored, and the checks below would judge its default.
    if p['variables'] is not None:
        _refuse(checks.unknown_variables('nginx_docs', [to_text(v) for v in p['variables']], KNOWN_VARIABLES))

    # ------------------------------------------------------------------ paths
    root = _root(p['root'], name('root'))
    site = to_text(p['site_name'])
    if not _SITE.match(site) or site in NGINX_DIRS:
        _fail('%s=%s must be 1 to 63 lower-case letters, digits, "_" or "-", and not one of Debian\'s directories '
              'under /etc/nginx (%s)', name('site_name'), site, ', '.join(NGINX_DIRS))
    releases_dir = root + '/releases'
    config_dir = '/etc/nginx/' + site
    existing = _releases(p['releases'], name('releases'))
    names = [r['name'] for r in existing]
    current = posixpath.basename(to_text(p['current'] or '').rstrip('/'))
    if current not in names:
        current = ''
    keep = _int(p['keep_releases'], name('keep_releases'), 1, 100)

    # ------------------------------------------------------------------ nginx
    http_port = _port(p['http_port'], name('http_port'))
    https_port = _port(p['https_port'], name('https_port'))
    # Between themselves and against the other roles of this host (JupyterHub also wants 443).
    own_claims = [{'name': name('http_port'), 'port': http_port}, {'name': name('https_port'), 'port': https_port}]
    _refuse(checks.port_problems(checks.host_port_claims('nginx_docs', own_claims, p['host_vars'] or {},
                                                         list(p['group_names'] or []))))
    if p['listening'] is not None:
        _refuse(checks.ports_in_use_problems(own_claims, list(p['listening']), OWN_UNITS))
    server_names = [to_text(n) for n in p['server_names'] or []]
    bad = [n for n in server_names if not _SERVER_NAME.match(n)]
    if bad:
        _fail('%s: %s is not a host name (letters, digits, "." and "-", or *.domain)', name('server_names'), ', '.join(bad))
    lowered = [n.lower() for n in server_names]
    twice = sorted(set(n for n in lowered if lowered.count(n) > 1))
    if twice:
        _fail('%s names %s twice: nginx warns and ignores the second', name('server_names'), ', '.join(twice))
    default_server = not server_names
    if default_server and not p['remove_default_site']:
        _fail('%s is empty, so the docs site is the default server of ports %d and %d; with %s=false Debian\'s default '
              'site is the default server of port %d too, which nginx refuses. Name the site in %s, or let the role '
              'remove the default site', name('server_names'), http_port, https_port, name('remove_default_site'),
              http_port, name('server_names'))

    # ------------------------------------------------------------------ TLS and basic auth
    cert, key, ca = (to_text(p['tls_cert'] or ''), to_text(p['tls_key'] or ''), to_text(p['tls_ca'] or ''))
    if bool(cert) != bool(key):
        _fail('%s and %s go together: set both (PEM contents), or neither to have a certificate issued by the '
              'platform CA', name('tls_cert'), name('tls_key'))
    for value, key_name in ((cert, 'tls_cert'), (ca, 'tls_ca')):
        if value and '-----BEGIN CERTIFICATE-----' not in value:
            _fail('%s must be a PEM certificate (-----BEGIN CERTIFICATE-----)', name(key_name))
    if key and 'PRIVATE KEY-----' not in key:
        _fail('%s must be a PEM private key', name('tls_key'))
    generated = not cert
    # TLS settings that refer to nothing: a CA without a certificate, extra names of a certificate
    # that is given (only issued certificates get them).
    if ca and not cert:
        _fail('%s is set but %s is not: the CA of a given certificate goes with that certificate (an issued one is '
              'signed by the platform CA). Set %s and %s, or leave %s empty', name('tls_ca'), name('tls_cert'),
              name('tls_cert'), name('tls_key'), name('tls_ca'))
    if cert and p['tls_extra_sans']:
        _fail('%s only go into an issued certificate, and %s is given: put the names into that certificate, or '
              'leave %s empty', name('tls_extra_sans'), name('tls_cert'), name('tls_extra_sans'))
    _refuse(_san_problems(p['tls_extra_sans'], name))
    if generated:
        _int(p['tls_days'], name('tls_days'), 1, 3650)
    now = p['now'] or datetime.datetime.now(datetime.timezone.utc)
    _refuse(_certificate_problems(cert, key, server_names, name, now))
    user = to_text(p['basic_auth_user'])
    if p['basic_auth']:
        if not _USER.match(user):
            _fail('%s=%s must be 1 to 64 letters, digits, ".", "_" or "-" (no ":")', name('basic_auth_user'), user)
        if p['basic_auth_password']:
            _refuse(_secret_problems(p['basic_auth_password'], name('basic_auth_password'), user))

    hsts_age = _int(p['hsts_max_age'], name('hsts_max_age'), 0, 63072000)
    csp = to_text(p['csp'] or '') or DEFAULT_CSP
    if '"' in csp or '\n' in csp:
        _fail('%s must be one line without double quotes', name('csp'))
    hsts = 'max-age=%d%s' % (hsts_age, '; includeSubDomains' if p['hsts_include_subdomains'] else '')
    headers = [
        ['Content-Security-Policy', csp],
        ['X-Content-Type-Options', 'nosniff'],
        ['X-Frame-Options', 'DENY'],
        ['Referrer-Policy', 'no-referrer'],
        ['Cross-Origin-Opener-Policy', 'same-origin'],
        ['Permissions-Policy', 'camera=(), geolocation=(), microphone=(), payment=(), usb=()'],
    ]
    if hsts_age:
        headers.insert(0, ['Strict-Transport-Security', hsts])

    # ------------------------------------------------------------------ the release to serve
    publish = {'source': '', 'source_dir': '', 'static': False, 'files': [], 'dbt': {}}
    if action == 'publish':
        source, source_dir, static, files, release, dbt = _publish(p, name, root)
        publish = {'source': source, 'source_dir': source_dir, 'static': static, 'files': files, 'dbt': dbt}
    else:
        wanted = to_text(p['rollback_release'] or '')
        if wanted:
            if wanted not in names:
                _fail('%s=%s is not a release on %s (releases, oldest first: %s)', name('rollback_release'), wanted,
                      to_text(p['host']), ', '.join(names) or 'none')
            release = wanted
        else:
            if not current:
                _fail('%s has no current release to roll back from: publish the docs first', to_text(p['host']))
            older = names[:names.index(current)]
            if not older:
                _fail('there is no release older than the current one (%s) on %s to roll back to; releases kept: %s',
                      current, to_text(p['host']), ', '.join(names))
            release = older[-1]
    # The release served and the newest keep - 1 others are kept; the rest are deleted after the switch.
    others = [n for n in names if n != release]
    kept = set(others[len(others) - keep + 1:] if keep > 1 else []) | {release}
    prune = [n for n in names if n not in kept] if action == 'publish' else []

    tls_dir = config_dir + '/tls'
    return {
        'action': action,
        'root': root,
        'releases_dir': releases_dir,
        'current_link': root + '/current',
        'staging_dir': '%s/.staging-%s' % (root, release),
        'release': release,
        'release_dir': '%s/%s' % (releases_dir, release),
        # What the run does: copy the release (absent), point current at it, delete old releases.
        'new_release': release not in names,
        'switch': release != current,
        'current': current,
        'releases': names,
        'prune': prune,
        'keep_releases': keep,
        'source': publish['source'],
        'source_dir': publish['source_dir'],
        'static': publish['static'],
        'files': publish['files'],
        'dbt': publish['dbt'],
        'site_name': site,
        'site_file': '/etc/nginx/sites-available/%s.conf' % site,
        'site_link': '/etc/nginx/sites-enabled/%s.conf' % site,
        'config_dir': config_dir,
        # nginx -t of a candidate site file: a configuration of its own that includes it.
        'validate_conf': config_dir + '/validate.conf',
        'validate_candidate': config_dir + '/candidate.conf',
        'tls': {'generated': generated, 'cert': tls_dir + '/server.crt', 'key': tls_dir + '/server.key',
                'ca': tls_dir + '/ca.crt' if generated or ca else ''},
        'htpasswd': config_dir + '/htpasswd',
        'basic_auth': bool(p['basic_auth']),
        'basic_auth_user': user,
        'http_port': http_port,
        'https_port': https_port,
        'ports': [http_port, https_port],
        'ipv6': bool(p['ipv6']),
        'server_names': server_names or ['_'],
        'default_server': default_server,
        'redirect': 'https://$host%s$request_uri' % ('' if https_port == 443 else ':%d' % https_port),
        'headers': headers,
        'health_url': 'https://127.0.0.1%s/' % ('' if https_port == 443 else ':%d' % https_port),
    }


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'nginx_docs_settings': nginx_docs_settings}
