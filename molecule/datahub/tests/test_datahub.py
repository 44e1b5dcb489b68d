"""Checks of the datahub scenario (preparation mode, Compose) on the converged container.

No secret is printed: secrets are read (from the controller's credentials directory and from the
container's files) into Python and compared there; assertions only ever see booleans and counts.
"""
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import ExtensionOID

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
CREDENTIALS = EPHEMERAL / 'credentials'
SCENARIO = Path(__file__).resolve().parents[1]
HOST = 'datamesh-datahub'
CONFIG = '/etc/datahub'
COMPOSE = CONFIG + '/compose.yml'
ENV = CONFIG + '/env'
USER_PROPS = CONFIG + '/frontend/user.props'
NGINX = CONFIG + '/nginx/datahub.conf'
TLS = CONFIG + '/tls'
INGESTION = CONFIG + '/ingestion'
SECRET_FILES = ('admin_password', 'mysql_root_password', 'mysql_password', 'token_signing_key', 'token_salt_secret',
                'system_client_secret', 'frontend_secret', 'encryption_key')
# Which generated secret each env file must hold, under which variable.
ENV_FILES = {
    'mysql': {'MYSQL_ROOT_PASSWORD': 'mysql_root_password', 'MYSQL_PASSWORD': 'mysql_password'},
    'system-update': {'EBEAN_DATASOURCE_PASSWORD': 'mysql_password', 'DATAHUB_TOKEN_SERVICE_SIGNING_KEY': 'token_signing_key',
                      'DATAHUB_TOKEN_SERVICE_SALT': 'token_salt_secret',
                      'DATAHUB_SYSTEM_CLIENT_SECRET': 'system_client_secret',
                      'SECRET_SERVICE_ENCRYPTION_KEY': 'encryption_key'},
    'gms': {'EBEAN_DATASOURCE_PASSWORD': 'mysql_password', 'DATAHUB_TOKEN_SERVICE_SIGNING_KEY': 'token_signing_key',
            'DATAHUB_TOKEN_SERVICE_SALT': 'token_salt_secret', 'DATAHUB_SYSTEM_CLIENT_SECRET': 'system_client_secret',
            'SECRET_SERVICE_ENCRYPTION_KEY': 'encryption_key'},
    'frontend': {'DATAHUB_SECRET': 'frontend_secret', 'DATAHUB_SYSTEM_CLIENT_SECRET': 'system_client_secret'},
    'actions': {'DATAHUB_SYSTEM_CLIENT_SECRET': 'system_client_secret'},
}
INTERNAL = ('mysql', 'opensearch', 'kafka', 'datahub-system-update', 'datahub-gms', 'datahub-frontend',
            'datahub-actions')
PINNED = re.compile(r'^[a-z0-9./_-]+(:[0-9]+)?(/[a-z0-9._-]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]*(@sha256:[0-9a-f]{64})?$')


def generated():
    out = {}
    for name in SECRET_FILES:
        out[name] = (CREDENTIALS / 'datahub' / HOST / name).read_text().split()[0]
    return out


def given_trino_password():
    config = yaml.safe_load((SCENARIO / 'molecule.yml').read_text())
    return config['provisioner']['inventory']['group_vars']['datahub']['datahub_secrets']['TRINO_PASSWORD']


def env_values(text):
    values = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            name, _sep, value = line.partition('=')
            values[name] = value[1:-1] if value.startswith("'") and value.endswith("'") else None
    return values


@pytest.fixture(scope='module')
def compose(host):
    return yaml.safe_load(host.file(COMPOSE).content_string)


@pytest.mark.parametrize('path,mode', [
    (CONFIG, 0o755),
    (ENV, 0o700),
    (CONFIG + '/frontend', 0o700),
    (USER_PROPS, 0o444),
    (COMPOSE, 0o644),
    (NGINX, 0o644),
    (TLS + '/server.key', 0o600),
    (TLS + '/server.crt', 0o644),
    (TLS + '/ca.crt', 0o644),
    (INGESTION, 0o755),
    (INGESTION + '/trino_lakehouse.json', 0o644),
    (INGESTION + '/dbt_seed.json', 0o644),
] + [('%s/%s.env' % (ENV, name), 0o600) for name in ENV_FILES])
def test_files_owners_and_modes(host, path, mode):
    f = host.file(path)
    assert f.exists and f.user == 'root' and f.group == 'root' and f.mode == mode


def test_compose_file_passes_docker_compose_again(host):
    # --quiet: the merged configuration (with the env files' secrets) is never printed
    result = host.run('docker-compose --file %s config --quiet' % COMPOSE)
    assert result.rc == 0, result.stderr[-2000:]
    assert host.run('python3 %s/.check_datahub_files.py compose %s' % (CONFIG, COMPOSE)).rc == 0


def test_images_are_pinned(compose):
    images = {name: service['image'] for name, service in compose['services'].items()}
    for name, image in images.items():
        assert PINNED.match(image) and not image.endswith(':latest'), (name, image)
    assert images['datahub-gms'] == 'acryldata/datahub-gms:v1.7.0'
    assert images['datahub-frontend'] == 'acryldata/datahub-frontend-react:v1.7.0'
    assert images['datahub-system-update'] == 'acryldata/datahub-upgrade:v1.7.0'
    assert images['kafka'] == 'confluentinc/cp-kafka:8.2.2'


def test_only_the_tls_proxy_is_published(compose):
    services = compose['services']
    for name in INTERNAL:
        assert 'ports' not in services[name] and 'expose' not in services[name], name
    published = sorted(int(p['published']) for p in services['nginx']['ports'])
    assert published == [8943, 9443]
    assert not {3306, 8080, 8081, 9092, 9200, 9002} & set(published)


def test_authentication_memory_and_start_order(compose):
    services = compose['services']
    for name in ('datahub-gms', 'datahub-frontend'):
        assert services[name]['environment']['METADATA_SERVICE_AUTH_ENABLED'] == 'true', name
        assert services[name]['depends_on']['datahub-system-update']['condition'] == 'service_completed_successfully'
    for name, service in services.items():
        assert re.match(r'^[0-9]+[kmg]$', str(service['mem_limit'])), name
    assert '-Xmx1g' in services['datahub-gms']['environment']['JAVA_OPTS']
    assert services['datahub-system-update']['restart'] == 'no'
    assert services['kafka']['environment']['KAFKA_PROCESS_ROLES'] == 'broker,controller'
    assert not any(key.startswith('KAFKA_ZOOKEEPER') for key in services['kafka']['environment'])


def test_secrets_generated_long_distinct_and_only_in_root_only_files(host):
    secrets = generated()
    assert all(len(v) >= 32 for v in secrets.values())
    assert len(set(secrets.values())) == len(secrets)
    assert secrets['admin_password'].lower() != 'datahub'
    compose_text = host.file(COMPOSE).content_string
    nginx_text = host.file(NGINX).content_string
    assert not any(v in compose_text or v in nginx_text for v in secrets.values())
    for service, expected in ENV_FILES.items():
        values = env_values(host.file('%s/%s.env' % (ENV, service)).content_string)
        matches = {var: values.get(var) == secrets[name] for var, name in expected.items()}
        assert all(matches.values()) and set(values) == set(expected), (service, matches, sorted(values))
    props = [line for line in host.file(USER_PROPS).content_string.splitlines() if line and not line.startswith('#')]
    generated_password_in_place = props == ['datahub:' + secrets['admin_password']]
    assert generated_password_in_place


def test_the_given_datahub_secret_stays_on_the_controller(host):
    value = given_trino_password()
    texts = [host.file(p).content_string for p in host.check_output('find %s -type f' % CONFIG).split()]
    assert texts and not any(value in text for text in texts)


def test_certificate_chains_to_the_platform_ca_with_the_host_names(host):
    ca_pem = (CREDENTIALS / 'tls' / 'ca.crt').read_bytes()
    assert host.file(TLS + '/ca.crt').content_string.encode() == ca_pem
    ca = x509.load_pem_x509_certificate(ca_pem)
    cert = x509.load_pem_x509_certificate(host.file(TLS + '/server.crt').content_string.encode())
    cert.verify_directly_issued_by(ca)
    sans = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    names = set(sans.get_values_for_type(x509.DNSName))
    addresses = {str(a) for a in sans.get_values_for_type(x509.IPAddress)}
    assert {HOST, 'localhost'} <= names and '127.0.0.1' in addresses


def test_ingestion_definitions_hold_references_only(host):
    trino = json.loads(host.file(INGESTION + '/trino_lakehouse.json').content_string)
    assert trino['name'] == 'Trino lakehouse' and trino['type'] == 'trino' and trino['run'] == 'on_change'
    assert trino['config']['recipe']['source']['config']['password'] == '${TRINO_PASSWORD}'
    assert trino['config']['executorId'] == 'default' and trino['config']['version'] == '1.7.0.17'
    assert trino['schedule'] == {'interval': '0 2 * * *', 'timezone': 'Europe/Berlin'}
    assert trino['secrets'] == ['TRINO_PASSWORD']
    dbt = json.loads(host.file(INGESTION + '/dbt_seed.json').content_string)
    assert dbt['type'] == 'dbt' and dbt['schedule'] is None and dbt['secrets'] == []
    assert sorted(host.check_output('ls %s' % INGESTION).split()) == ['dbt_seed.json', 'trino_lakehouse.json']


def test_preparation_mode_installs_only_docker_compose_and_starts_nothing(host):
    assert host.package('docker-compose').is_installed
    for package in ('docker.io', 'docker-cli', 'containerd', 'nginx'):
        assert not host.package(package).is_installed, package
    assert not host.exists('dockerd')
    assert host.run('systemctl cat docker.service').rc != 0
    for port in (9443, 8943):
        assert not host.socket('tcp://0.0.0.0:%d' % port).is_listening


# Last: installs Debian's nginx (the proxy image cannot be pulled here), with policy-rc.d refusing every
# service start, and checks the proxy's configuration as it is in place (the same TLS paths as in the
# container), within an http block like the image's nginx.conf.
def test_nginx_accepts_the_proxy_configuration(host):
    install = host.run("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d"
                       " && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx")
    assert install.rc == 0, install.stderr[-2000:]
    host.run("printf 'events {}\\nhttp {\\n    include /etc/nginx/mime.types;\\n    include %s;\\n}\\n'"
             " > /tmp/datahub-nginx-test.conf" % NGINX)
    result = host.run('nginx -t -c /tmp/datahub-nginx-test.conf')
    assert result.rc == 0, result.stderr[-2000:]
    assert 'test is successful' in result.stderr
    assert not host.socket('tcp://0.0.0.0:9443').is_listening
    assert host.run('pgrep -x nginx').rc != 0
