"""Checks of the grafana_live scenario: the real Grafana, through its HTTP API over HTTPS.

The admin password is read inside the container from grafana.ini by the request script, never put on a
command line or printed here.
"""
import json

import pytest

# Runs in the container: one request to Grafana's API over HTTPS, trusting the platform CA only; auth
# "admin" = the admin account with the password of grafana.ini, "wrong" = admin/admin, "none" = anonymous.
API_SCRIPT = r'''
import base64, configparser, json, ssl, sys, urllib.request, urllib.error
method, path, auth = sys.argv[1], sys.argv[2], sys.argv[3]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
ini = configparser.ConfigParser(interpolation=None, comment_prefixes=('#', ';'), default_section='__none__')
ini.read('/etc/grafana/grafana.ini')
user = ini['security']['admin_user']
password = {'admin': ini['security']['admin_password'].strip('"'), 'wrong': 'admin'}.get(auth)
request = urllib.request.Request('https://127.0.0.1:%s%s' % (ini['server']['http_port'], path), data=body, method=method)
request.add_header('Content-Type', 'application/json')
if password is not None:
    request.add_header('Authorization', 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode())
context = ssl.create_default_context(cafile='/etc/grafana/tls/ca.crt')
try:
    with urllib.request.urlopen(request, context=context, timeout=30) as answer:
        print(json.dumps({'status': answer.status, 'body': answer.read().decode()}))
except urllib.error.HTTPError as exc:
    print(json.dumps({'status': exc.code, 'body': exc.read().decode()}))
'''


def api(host, method, path, auth='admin', body=None):
    args = [method, path, auth] + ([json.dumps(body)] if body is not None else [])
    quoted = ' '.join("'%s'" % a.replace("'", "'\\''") for a in args)
    result = host.run("python3 - %s <<'PYEOF'\n%s\nPYEOF" % (quoted, API_SCRIPT))
    assert result.rc == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    try:
        answer['json'] = json.loads(answer['body'])
    except ValueError:
        answer['json'] = None
    return answer


def test_package_installed_held_and_running(host):
    assert host.package('grafana').is_installed
    assert host.service('grafana-server').is_running and host.service('grafana-server').is_enabled
    assert 'hold' in host.check_output('dpkg --get-selections grafana')


def test_health_over_https(host):
    answer = api(host, 'GET', '/api/health', auth='none')
    assert answer['status'] == 200 and answer['json']['database'] == 'ok'


def test_generated_password_logs_in_and_admin_does_not(host):
    assert api(host, 'GET', '/api/user')['status'] == 200
    assert api(host, 'GET', '/api/user', auth='wrong')['status'] == 401


def test_no_anonymous_access_and_no_sign_up(host):
    assert api(host, 'GET', '/api/search', auth='none')['status'] == 401
    answer = api(host, 'GET', '/api/frontend/settings', auth='none')
    assert answer['status'] in (200, 401)
    if answer['status'] == 200:
        assert answer['json'].get('allowUserSignUp') is False


def test_provisioned_datasource_is_healthy(host):
    answer = api(host, 'GET', '/api/datasources/uid/mariadb-sales/health')
    assert answer['status'] == 200 and answer['json']['status'] == 'OK', answer['body'][:500]


@pytest.mark.parametrize('uid,title', [('customers-orders', "Customers' orders"), ('platform-overview', 'Data platform overview')])
def test_dashboards_are_provisioned(host, uid, title):
    answer = api(host, 'GET', '/api/dashboards/uid/%s' % uid)
    assert answer['status'] == 200 and answer['json']['dashboard']['title'] == title


def test_the_seed_queries_through_grafana(host):
    board = api(host, 'GET', '/api/dashboards/uid/customers-orders')['json']['dashboard']
    results = {}
    for panel in board['panels']:
        query = dict(panel['targets'][0], datasource={'type': 'mysql', 'uid': 'mariadb-sales'})
        answer = api(host, 'POST', '/api/ds/query', body={'queries': [query], 'from': 'now-1h', 'to': 'now'})
        assert answer['status'] == 200, answer['body'][:500]
        frame = answer['json']['results']['A']['frames'][0]
        results[panel['type']] = frame['data']['values']
    assert results['table'][0] == [101, 102, 103, 104, 105]
    assert results['stat'] == [[4]]
