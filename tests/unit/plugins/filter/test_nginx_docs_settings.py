from __future__ import annotations

import datetime
import pathlib

import pytest
import yaml

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.nginx_docs_settings import (
    DEFAULT_CSP, KNOWN_VARIABLES, FilterModule, nginx_docs_settings)

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


def pem_pair(names=('docs.example.net',), days=30, start=None, password=None):
    """A self-signed certificate for ``names`` and its key, as PEM strings."""
    key = ec.generate_private_key(ec.SECP256R1())
    start = start or datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(key, hashes.SHA256()))
    encryption = (serialization.BestAvailableEncryption(password.encode()) if password
                  else serialization.NoEncryption())
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode())


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
    refused('nginx_docs_root=www/docs is a relative path', root='www/docs')
    refused('nginx_docs_root=/var/www/docs/../../etc is not a normalised path', root='/var/www/docs/../../etc')
    refused('must not contain each other', source='remote', source_dir='/var/www/dbt-docs/releases/x')
    refused('must not contain each other', source='remote', source_dir='/var/www')
    refused("Debian's directories", site_name='conf.d')
    refused('nginx_docs_site_name=Docs Site must be', site_name='Docs Site')


def test_ports():
    refused('nginx_docs_https_port=443 clashes with nginx_docs_http_port=443', http_port=443, https_port=443)
    refused('nginx_docs_https_port=70000 must be a port', https_port=70000)
    refused('nginx_docs_http_port=x must be a port', http_port='x')
    s = build(http_port=8080, https_port=8443)
    assert s['redirect'] == 'https://$host:8443$request_uri' and s['health_url'] == 'https://127.0.0.1:8443/'
    assert build()['redirect'] == 'https://$host$request_uri' and build()['ports'] == [80, 443]


def test_basic_auth_password_and_user():
    refused('nginx_docs_basic_auth_password is 8 characters long; it needs at least 16',
            basic_auth_password='s3cr3t!!')
    refused('is one or two characters repeated', basic_auth_password='aaaaaaaaaaaaaaaaaaaa')
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
    cert, key = pem_pair()
    given = build(tls_cert=cert, tls_key=key)
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


# ---------------------------------------------------------------- issue 10: the classes added

def test_every_variable_of_the_argument_specs_is_known_and_typos_are_refused():
    specs = yaml.safe_load((pathlib.Path(__file__).parents[4] / 'roles/nginx_docs/meta/argument_specs.yml').read_text())
    for entry in specs['argument_specs'].values():
        assert sorted(KNOWN_VARIABLES) == sorted(entry['options'])
    refused('nginx_docs_keep_release is not a variable of role nginx_docs: did you mean nginx_docs_keep_releases',
            variables=['nginx_docs_root', 'nginx_docs_keep_release'])
    assert build(variables=list(KNOWN_VARIABLES))['root'] == '/var/www/dbt-docs'


@pytest.mark.parametrize('root,match', [
    ('/var/www/html', "nginx_docs_root=/var/www/html is the same directory as Debian's default site"),
    ('/etc/nginx/docs', "nginx_docs_root=/etc/nginx/docs is inside nginx's configuration"),
    ('/usr/share/nginx/docs', "nginx_docs_root=/usr/share/nginx/docs is inside nginx's own files"),
    ('/etc/ssl', 'nginx_docs_root=/etc/ssl is a system directory'),
    ('/opt/datamesh', 'nginx_docs_root=/opt/datamesh is a system directory'),
    ('/srv/dbt docs', 'may only hold letters, digits'),
    ('/var/www/./docs', 'is not a normalised path'),
])
def test_dangerous_roots(root, match):
    refused(match, root=root)


def test_ports_of_other_roles_on_the_host():
    # JupyterHub's default port is 443 too
    refused(r'jupyterhub_port=443 clashes with nginx_docs_https_port=443 \(role nginx_docs\)', group_names=['jupyterhub'])
    refused(r'trino_port=80 clashes with nginx_docs_http_port=80', group_names=['trino_coordinator'],
            host_vars={'trino_port': 80})
    assert build(group_names=['jupyterhub'], host_vars={'jupyterhub_port': 8443})['https_port'] == 443
    assert build(group_names=['docs_site'], host_vars={'jupyterhub_port': 443})['https_port'] == 443


def test_ports_in_use_by_another_program_but_not_by_nginx():
    apache = [{'port': 80, 'address': '0.0.0.0', 'pid': 5, 'process': 'apache2', 'unit': 'apache2.service'}]
    refused(r'nginx_docs_http_port=80: port 80 is already in use on this host by apache2 \(pid 5, unit apache2.service\)',
            listening=apache)
    nginx = [{'port': p, 'address': '::', 'pid': 8, 'process': 'nginx', 'unit': 'nginx.service'} for p in (80, 443)]
    assert build(listening=nginx)['ports'] == [80, 443]
    assert build(listening=[])['ports'] == [80, 443]


def test_weak_passwords_name_the_variable_never_the_value():
    with pytest.raises(AnsibleFilterError) as error:
        build(basic_auth_password='dbt-docs')
    text = str(error.value)
    assert text.splitlines()[0] == ('nginx_docs_basic_auth_password is a well-known default or guess: use a long random '
                                    'value, or leave it empty to have one generated')
    assert 'is 8 characters long' in text and "'dbt-docs'" not in text
    refused('nginx_docs_basic_auth_password is a well-known default', basic_auth_password='Administrator')
    refused('contains the user name reader', basic_auth_user='reader', basic_auth_password='reader-2026-11-30-x')


def test_tls_references_to_nothing():
    cert, key = pem_pair()
    refused('nginx_docs_tls_ca is set but nginx_docs_tls_cert is not', tls_ca=cert)
    refused('nginx_docs_tls_extra_sans only go into an issued certificate', tls_cert=cert, tls_key=key,
            tls_extra_sans=['docs2.example.net'])
    refused('nginx_docs_tls_extra_sans: docs example is neither a host name nor an IP address',
            tls_extra_sans=['docs.example.net', 'IP:10.0.0.1', '10.0.0.2', 'docs example'])
    refused('nginx_docs_tls_extra_sans: IP:docs.example.net is neither', tls_extra_sans=['IP:docs.example.net'])
    refused('nginx_docs_server_names names docs.example.net twice', server_names=['docs.example.net', 'Docs.example.net'])
    refused('nginx_docs_tls_days=0 must be a number between 1 and 3650', tls_days=0)


def test_given_certificates_that_nginx_or_browsers_would_refuse():
    cert, key = pem_pair(names=('docs.example.net', '*.docs.example.org'))
    assert not build(tls_cert=cert, tls_key=key, server_names=['docs.example.net', 'a.docs.example.org'])['tls']['generated']
    _other_cert, other_key = pem_pair()
    refused('nginx_docs_tls_key does not belong to nginx_docs_tls_cert', tls_cert=cert, tls_key=other_key)
    refused('nginx_docs_server_names names b.a.docs.example.org, docs.example.com, which nginx_docs_tls_cert does not cover',
            tls_cert=cert, tls_key=key, server_names=['docs.example.net', 'b.a.docs.example.org', 'docs.example.com'])
    old_cert, old_key = pem_pair(start=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
    refused('nginx_docs_tls_cert expired on 2020-01-31', tls_cert=old_cert, tls_key=old_key)
    locked_cert, locked_key = pem_pair(password='a passphrase')
    refused('nginx_docs_tls_key is encrypted', tls_cert=locked_cert, tls_key=locked_key)
    with pytest.raises(AnsibleFilterError) as error:
        build(tls_cert=cert, tls_key='-----BEGIN PRIVATE KEY-----\nnot-a-key-SECRETBITS\n-----END PRIVATE KEY-----\n')
    assert 'is not a readable PEM private key' in str(error.value) and 'SECRETBITS' not in str(error.value)
