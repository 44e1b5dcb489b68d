"""Live checks of the nginx_docs scenario: nginx from Debian 13 serving the real dbt docs v1 (what
converge publishes, and where side_effect leaves the host). curl and the browser run inside the
container and talk to https://127.0.0.1; the platform CA and the generated password come from the
controller's credentials dir."""
import base64
import json
import os
import re
from pathlib import Path


HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent
REPO = SCENARIO.parents[1]
EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
CREDENTIALS = EPHEMERAL / 'credentials'
ARTIFACTS = REPO / '.cache' / 'artifacts' / 'nginx_docs'
V1 = json.loads((EPHEMERAL / 'docs' / 'v1' / 'target' / 'manifest.json').read_text())
CA = '/etc/nginx/dbt-docs/tls/ca.crt'
ROOT = '/var/www/dbt-docs'
URL = 'https://127.0.0.1'


def password(host):
    path = CREDENTIALS / 'nginx_docs' / host.backend.get_hostname() / 'docs'
    assert path.stat().st_mode & 0o077 == 0, f'{path} must be private to its owner'
    return path.read_text().split()[0]


def curl(host, path, *args, auth=True, check=True):
    """GET over HTTPS trusting only the platform CA; returns (status, headers, body)."""
    user = f'-u docs:{password(host)}' if auth is True else (f'-u {auth}' if auth else '')
    out = host.run(f'curl -sS --cacert {CA} {user} -D /tmp/h -o /tmp/b -w "%{{http_code}}" '
                   f'{" ".join(args)} "{URL}{path}"; echo; cat /tmp/h')
    rc, stderr, stdout = out.rc, out.stderr, out.stdout   # (the command line holds the password)
    if check:
        assert rc == 0, stderr
    status, _newline, raw = stdout.partition('\n')
    headers = {}
    for line in raw.splitlines()[1:]:
        if ':' in line:
            name, value = line.split(':', 1)
            headers[name.strip().lower()] = value.strip()
    return status.strip(), headers, host.file('/tmp/b')


def test_nginx_from_debian_enabled_and_running(host):
    assert host.package('nginx').is_installed
    assert host.package('nginx').version.startswith('1.26')
    assert host.service('nginx').is_enabled and host.service('nginx').is_running
    assert host.run('nginx -t').rc == 0
    assert host.socket('tcp://0.0.0.0:443').is_listening and host.socket('tcp://0.0.0.0:80').is_listening
    assert not host.file('/etc/nginx/sites-enabled/default').exists
    assert host.file('/etc/nginx/sites-enabled/dbt-docs.conf').linked_to == '/etc/nginx/sites-available/dbt-docs.conf'


def test_tls_with_the_platform_ca_only(host):
    platform_ca = (CREDENTIALS / 'tls' / 'ca.crt').read_text()
    assert host.file(CA).content_string == platform_ca
    status = curl(host, '/')[0]
    assert status == '200'
    # The system trust store does not know the platform CA: the same request without it fails.
    out = host.run(f'curl -sS -o /dev/null -u docs:{password(host)} {URL}/')
    rc, stderr = out.rc, out.stderr
    assert rc == 60 and 'certificate' in stderr, stderr
    key = host.file('/etc/nginx/dbt-docs/tls/server.key')
    assert key.user == 'root' and key.mode == 0o600
    protocols = host.run(f'curl -sS -o /dev/null --cacert {CA} --tls-max 1.1 {URL}/')
    assert protocols.rc != 0, 'TLS 1.1 must be refused'


def test_http_redirects_to_https(host):
    out = host.run('curl -sS -o /dev/null -D - http://127.0.0.1/catalog.json?x=1')
    assert out.rc == 0
    assert out.stdout.startswith('HTTP/1.1 301')
    assert re.search(r'(?im)^location: https://127\.0\.0\.1/catalog\.json\?x=1\r?$', out.stdout), out.stdout
    assert 'nginx/' not in out.stdout, 'server_tokens must be off'


def test_basic_auth_refuses_no_and_wrong_password(host):
    status, headers = curl(host, '/', auth=False)[:2]
    assert status == '401' and headers['www-authenticate'] == 'Basic realm="dbt-docs"'
    assert headers['strict-transport-security'].startswith('max-age=31536000'), 'headers on errors too'
    assert curl(host, '/manifest.json', auth='docs:wrong-password-123456')[0] == '401'
    assert curl(host, '/manifest.json', auth=f'someone:{password(host)}')[0] == '401'
    htpasswd = host.file('/etc/nginx/dbt-docs/htpasswd')
    assert htpasswd.user == 'root' and htpasswd.group == 'www-data' and htpasswd.mode == 0o640
    assert re.fullmatch(r'docs:\$6\$[A-Za-z0-9./]{16}\$[A-Za-z0-9./]{86}\n', htpasswd.content_string)
    assert password(host) not in host.run('grep -r . /etc/nginx').stdout


def test_security_headers(host):
    headers = curl(host, '/')[1]
    assert headers['strict-transport-security'] == 'max-age=31536000'
    assert headers['x-content-type-options'] == 'nosniff'
    assert headers['x-frame-options'] == 'DENY'
    assert headers['referrer-policy'] == 'no-referrer'
    csp = headers['content-security-policy']
    for directive in ("default-src 'none'", "script-src 'self' 'unsafe-inline'", "connect-src 'self'",
                      "frame-ancestors 'none'", "img-src 'self' data:"):
        assert directive in csp
    assert 'unsafe-eval' not in csp
    assert 'server' not in headers or headers['server'] == 'nginx'


def test_gzip(host):
    for path in ('/', '/manifest.json'):
        headers, body = curl(host, path, '-H "Accept-Encoding: gzip"')[1:]
        assert headers.get('content-encoding') == 'gzip', path
        assert 'accept-encoding' in headers.get('vary', '').lower()
        assert body.size < 600000, path
    headers = curl(host, '/manifest.json')[1]
    assert 'content-encoding' not in headers


def test_caching_revalidates_with_etag(host):
    for path in ('/', '/index.html', '/manifest.json', '/catalog.json'):
        status, headers = curl(host, path)[:2]
        assert status == '200', path
        assert headers['cache-control'] == 'no-cache', path
        etag = headers['etag']
        status, headers = curl(host, path, f"-H 'If-None-Match: {etag}'")[:2]
        assert status == '304', path
        assert headers['cache-control'] == 'no-cache', path


def test_the_docs_v1_are_served(host):
    status, headers, body = curl(host, '/manifest.json')
    assert status == '200' and headers['content-type'].startswith('application/json')
    served = json.loads(body.content_string)
    assert served['metadata']['generated_at'] == V1['metadata']['generated_at']
    assert 'model.datamesh_seed.stg_customers' in served['nodes']
    assert 'model.datamesh_seed.customer_names' not in served['nodes']
    assert curl(host, '/run_results.json')[0] == '404'
    assert curl(host, '/.staging')[0] == '404'


def test_releases_atomic_and_pruned(host):
    releases = host.run(f'ls -1 {ROOT}/releases').stdout.split()
    assert len(releases) == 2, releases   # nginx_docs_keep_releases: 2, after 4 publishes
    assert all(re.fullmatch(r'[0-9a-f]{20}', r) for r in releases)
    current = host.file(f'{ROOT}/current')
    assert current.is_symlink and current.linked_to in [f'{ROOT}/releases/{r}' for r in releases]
    served = sorted(host.run(f'ls -1 {ROOT}/current/').stdout.split())
    assert served == ['catalog.json', 'index.html', 'manifest.json']
    other = [r for r in releases if f'{ROOT}/releases/{r}' != current.linked_to][0]
    # the other kept release is the static page of v2 (published third)
    assert host.run(f'ls -1 {ROOT}/releases/{other}').stdout.split() == ['index.html']
    assert [e for e in host.run(f'ls -A {ROOT}').stdout.split() if e.startswith('.staging')] == []


def test_browser_finds_the_model_and_its_lineage(host):
    """Headless Chromium trusting the platform CA (NSS db) opens the docs of the seed's project
    (roles/dbt_project/files/datamesh_seed), its mart customer_revenue and the lineage graph; keeps the screenshot."""
    data = base64.b64encode((SCENARIO / 'files' / 'browse_docs.py').read_bytes()).decode()
    host.check_output(f'echo {data} | base64 -d > /root/browse_docs.py')
    out = host.run(f'python3 /root/browse_docs.py {URL}/ docs {password(host)} {CA} '
                   'model.datamesh_seed.customer_revenue /root/nginx_docs.png')
    shot = host.file('/root/nginx_docs.png')
    if shot.exists:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / 'customer_revenue-lineage.png').write_bytes(shot.content)
    rc, stderr, stdout = out.rc, out.stderr[-3000:], out.stdout   # (the command line holds the password)
    assert rc == 0, stderr
    seen = json.loads(stdout.strip().splitlines()[-1])
    (ARTIFACTS / 'browser.json').write_text(json.dumps(seen, indent=2))
    assert 'customer_revenue' in seen['heading']
    assert 'Revenue and number of orders per identified customer' in seen['page_text']
    assert 'total_amount' in seen['page_text']
    # the lineage graph, as cytoscape holds it: the mart and the models it is built from, one over each
    # of the three catalogs (dbt docs' graph of a model shows its direct parents)
    assert seen['graph_canvases'] > 0 and 'Lineage Graph' in seen['graph_text']
    assert sorted(seen['graph_nodes']) == ['customer_revenue', 'stg_countries', 'stg_customers', 'stg_orders']
    # no certificate error, no CSP violation (dbt docs' own 404s for unrendered icon URLs are not ours)
    problems = [m for m in seen['console'] if any(w in m for w in ('Content Security Policy', 'Refused', 'ERR_'))]
    assert problems == [], problems
    png = (ARTIFACTS / 'customer_revenue-lineage.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 20000
