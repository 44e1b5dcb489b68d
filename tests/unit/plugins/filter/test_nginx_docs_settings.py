from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.nginx_docs_settings import (
    DEFAULT_CSP, FilterModule, nginx_docs_settings)

SHA = {'index.html': 'a' * 64, 'manifest.json': 'b' * 64, 'catalog.json': 'c' * 64, 'static_index.html': 'd' * 64}


def report(names=('index.html', 'manifest.json', 'catalog.json'), **changes):
    out = {'exists': True, 'errors': [], 'dbt': {'project_name': 'seed', 'models': ['stg_customers']},
           'files': [{'name': n, 'sha256': SHA[n], 'size': 10} for n in names]}
    out.update(changes)
    return out


def releases(*names):
    return [{'path': '/var/www/dbt-docs/releases/' + n, 'mtime': float(i)} for i, n in enumerate(names)]


def build(**changes):
    params = {'host': 'docs1', 'source_dir': '/home/ci/project/target', 'report': report()}
    params.update(changes)
    return nginx_docs_settings(params, 'nginx_docs_')


def refused(match, **kwargs):
    with pytest.raises(AnsibleFilterError, match=match):
        build(**kwargs)


R1, R2, R3 = '1' * 20, '2' * 20, '3' * 20


def test_defaults_publish_the_three_files_of_target_into_a_content_named_release():
    s = build()
    assert [f['dest'] for f in s['files']] == ['index.html', 'manifest.json', 'catalog.json']
    assert s['files'][1]['src'] == '/home/ci/project/target/manifest.json'
    assert len(s['release']) == 20 and s['release_dir'] == '/var/www/dbt-docs/releases/' + s['release']
    assert s['staging_dir'] == '/var/www/dbt-docs/.staging-' + s['release']
    assert s['current_link'] == '/var/www/dbt-docs/current'
    assert s['new_release'] and s['switch'] and s['prune'] == [] and s['current'] == ''
    assert s['source'] == 'controller' and s['dbt']['models'] == ['stg_customers']


def test_same_content_same_release_other_content_other_release():
    assert build()['release'] == build(source_dir='/elsewhere/target')['release']
    other = report()
    other['files'][1]['sha256'] = 'e' * 64
    assert build(report=other)['release'] != build()['release']


def test_publishing_the_served_release_again_changes_nothing():
    release = build()['release']
    s = build(releases=releases(R1, release), current=release)
    assert not s['new_release'] and not s['switch'] and s['prune'] == []


def test_an_existing_release_is_switched_to_without_copying():
    release = build()['release']
    s = build(releases=releases(release, R1), current='releases/' + R1)
    assert not s['new_release'] and s['switch'] and s['current'] == R1


def test_old_releases_are_pruned_but_never_the_served_one():
    release = build()['release']
    s = build(releases=releases(R1, R2, R3), current=R3, keep_releases=2)
    assert s['prune'] == [R1, R2]
    assert build(releases=releases(R1, R2), current=R2, keep_releases=3)['prune'] == []
    # publishing content equal to the oldest release keeps it (it is the one served now)
    s = build(releases=releases(release, R1, R2), current=R2, keep_releases=2)
    assert s['prune'] == [R1] and not s['new_release']
    assert build(releases=releases(R1, R2), current=R2, keep_releases=1)['prune'] == [R1, R2]


def test_static_page_is_published_as_index_html():
    s = build(static=True, report=report(names=('static_index.html',)))
    assert s['files'] == [{'src': '/home/ci/project/target/static_index.html', 'dest': 'index.html',
                           'sha256': 'd' * 64, 'size': 10}]
    assert s['static']


def test_rollback_goes_to_the_release_before_the_current_one():
    s = build(action='rollback', report=None, releases=releases(R1, R2, R3), current=R3)
    assert s['release'] == R2 and s['switch'] and s['prune'] == [] and s['files'] == []
    assert build(action='rollback', report=None, releases=releases(R1, R2, R3), current=R2)['release'] == R1
    assert build(action='rollback', report=None, releases=releases(R1, R2, R3), current=R3,
                 rollback_release=R1)['release'] == R1


def test_rollback_refuses_what_cannot_be_served():
    refused('no release older than the current one', action='rollback', report=None, releases=releases(R1), current=R1)
    refused('no current release to roll back from', action='rollback', report=None)
    refused('nginx_docs_rollback_release=' + '9' * 20 + ' is not a release', action='rollback', report=None,
            releases=releases(R1, R2), current=R2, rollback_release='9' * 20)


def test_docs_that_cannot_be_published_are_refused():
    refused('nginx_docs_source_dir is required', source_dir='')
    refused('does not exist on the Ansible controller', report={'exists': False})
    refused('has no manifest.json: give the target/ directory', report=report(names=('index.html', 'catalog.json')))
    refused('has no static_index.html: build it with `dbt docs generate --static`', static=True)
    refused('manifest.json is not valid JSON', report=report(errors=['manifest.json is not valid JSON (x)']))
    refused('nginx_docs_source_dir=target must be an absolute path', source_dir='target')
    refused('does not exist on the host docs1', source='remote', report={'exists': False})
    refused('must be controller', source='github')


def test_dangerous_and_odd_paths_are_refused():
    for path in ('/', '/var/www', '/var/www/', '/etc', '/srv', '/var/lib'):
        refused('is a system directory', root=path)
    refused('must be an absolute path', root='www/docs')
    refused('without ".." or "//"', root='/var/www/docs/../../etc')
    refused('must not contain each other', source='remote', source_dir='/var/www/dbt-docs/releases/x')
    refused('must not contain each other', source='remote', source_dir='/var/www')
    refused("Debian's directories", site_name='conf.d')
    refused('nginx_docs_site_name=Docs Site must be', site_name='Docs Site')


def test_ports():
    refused('nginx_docs_http_port and nginx_docs_https_port are both 443', http_port=443, https_port=443)
    refused('nginx_docs_https_port=70000 must be a port', https_port=70000)
    refused('nginx_docs_http_port=x must be a port', http_port='x')
    s = build(http_port=8080, https_port=8443)
    assert s['redirect'] == 'https://$host:8443$request_uri' and s['health_url'] == 'https://127.0.0.1:8443/'
    assert build()['redirect'] == 'https://$host$request_uri' and build()['ports'] == [80, 443]


def test_basic_auth_password_and_user():
    refused('nginx_docs_basic_auth_password is too short: give at least 16 characters \\(8 given\\)',
            basic_auth_password='s3cr3t!!')
    refused('is a well-known password', basic_auth_password='aaaaaaaaaaaaaaaaaaaa')
    refused('contains the user name', basic_auth_password='docs-docs-docs-1234')
    refused('nginx_docs_basic_auth_user=a:b must be', basic_auth_user='a:b')
    assert build(basic_auth_password='Fj3k-8dkQ-zz91-pLm2')['basic_auth']
    # a weak password does not matter when basic auth is off
    assert not build(basic_auth=False, basic_auth_password='x')['basic_auth']
    assert 'password' not in repr(build(basic_auth_password='Fj3k-8dkQ-zz91-pLm2')).lower().replace('basic_auth', '')


def test_tls_material():
    refused('nginx_docs_tls_cert and nginx_docs_tls_key go together', tls_cert='-----BEGIN CERTIFICATE-----')
    refused('nginx_docs_tls_cert must be a PEM certificate', tls_cert='x', tls_key='-----BEGIN PRIVATE KEY-----')
    s = build()
    assert s['tls'] == {'generated': True, 'cert': '/etc/nginx/dbt-docs/tls/server.crt',
                        'key': '/etc/nginx/dbt-docs/tls/server.key', 'ca': '/etc/nginx/dbt-docs/tls/ca.crt'}
    given = build(tls_cert='-----BEGIN CERTIFICATE-----x', tls_key='-----BEGIN EC PRIVATE KEY-----y')
    assert given['tls']['ca'] == '' and not given['tls']['generated']


def test_headers_and_server_names():
    s = build()
    headers = dict(s['headers'])
    assert headers['Strict-Transport-Security'] == 'max-age=31536000'
    assert headers['Content-Security-Policy'] == DEFAULT_CSP and 'unsafe-eval' not in DEFAULT_CSP
    assert headers['X-Frame-Options'] == 'DENY' and headers['X-Content-Type-Options'] == 'nosniff'
    assert s['server_names'] == ['_'] and s['default_server']
    s = build(server_names=['docs.example.net'], hsts_max_age=0, remove_default_site=False)
    assert 'Strict-Transport-Security' not in dict(s['headers']) and not s['default_server']
    assert dict(build(hsts_include_subdomains=True)['headers'])['Strict-Transport-Security'].endswith('includeSubDomains')
    refused('Debian\'s default site is the default server', remove_default_site=False)
    refused('is not a host name', server_names=['docs example'])
    refused('one line without double quotes', csp='default-src "self"')


def test_input_checks():
    refused('unknown settings keep', keep=3)
    refused('nginx_docs_keep_releases=0 must be a number between 1 and 100', keep_releases=0)
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        nginx_docs_settings('x')
    with pytest.raises(AnsibleFilterError, match='host is required'):
        nginx_docs_settings({})
    assert FilterModule().filters()['nginx_docs_settings'] is nginx_docs_settings
