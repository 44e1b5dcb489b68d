from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.datahub_settings import (
    KNOWN_VARIABLES, SECRETS, FilterModule, datahub_settings)
from ansible_collections.datamesh.platform.plugins.plugin_utils import checks

ROLE = Path(__file__).resolve().parents[4] / 'roles' / 'datahub'
PASSWORD = 'Zq8rT2vLm4Xw9bNc7HdP'
DIGEST = 'sha256:' + 'ab12' * 16
INTERNAL = ('mysql', 'opensearch', 'kafka', 'datahub-system-update', 'datahub-gms', 'datahub-frontend',
            'datahub-actions')
TRINO_RECIPE = {'source': {'type': 'trino', 'config': {'host_port': 'trino1:2020', 'database': 'hive',
                                                       'username': 'datahub', 'password': '${TRINO_PASSWORD}'}}}


def checker():
    spec = importlib.util.spec_from_file_location('check_datahub_files', ROLE / 'files' / 'check_datahub_files.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def defaults():
    return yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())


def build(**changes):
    d = defaults()
    params = {'host': 'dh1', 'version': d['datahub_version'], 'cli_version': d['datahub_cli_version'],
              'kafka_image': d['datahub_kafka_image'], 'opensearch_image': d['datahub_opensearch_image'],
              'mysql_image': d['datahub_mysql_image'], 'nginx_image': d['datahub_nginx_image'],
              'helm_chart_repo_url': d['datahub_helm_chart_repo_url'],
              'helm_chart_version': d['datahub_helm_chart_version'],
              'helm_prerequisites_chart_version': d['datahub_helm_prerequisites_chart_version'],
              'helm_kubeconfig': d['datahub_helm_kubeconfig'], 'credentials_dir': '/creds',
              'distribution': 'Debian', 'distribution_major_version': '13', 'memtotal_mb': 7900}
    params.update(changes)
    return datahub_settings(params)


def refused(match, **kwargs):
    with pytest.raises(AnsibleFilterError, match=match):
        build(**kwargs)


def source(**changes):
    item = {'name': 'Trino', 'recipe': json.loads(json.dumps(TRINO_RECIPE)),
            'schedule': {'interval': '0 2 * * *', 'timezone': 'UTC'}}
    item.update(changes)
    return item


# ------------------------------------------------------------------------------------------------ compose

def test_compose_is_secure_by_default():
    s = build()
    services = s['compose']['services']
    assert sorted(services) == sorted(INTERNAL + ('nginx',))
    for name in INTERNAL:
        assert 'ports' not in services[name], name
        assert 'expose' not in services[name], name
    assert [p['published'] for p in services['nginx']['ports']] == ['9443', '8943']
    for name in ('datahub-gms', 'datahub-frontend'):
        assert services[name]['environment']['METADATA_SERVICE_AUTH_ENABLED'] == 'true'
        assert services[name]['depends_on']['datahub-system-update'] == {'condition': 'service_completed_successfully'}
    assert services['datahub-system-update']['restart'] == 'no'
    assert services['datahub-system-update']['command'] == ['-u', 'SystemUpdate']
    assert set(services['datahub-system-update']['depends_on']) == {'mysql', 'opensearch', 'kafka'}
    for name, service in services.items():
        assert service['mem_limit'], name
        assert service['security_opt'] == ['no-new-privileges:true'], name


def test_memory_fits_one_host_and_gms_heap_is_capped():
    s = build()
    services = s['compose']['services']
    assert services['datahub-gms']['environment']['JAVA_OPTS'] == '-Xms1g -Xmx1g'
    assert services['datahub-gms']['mem_limit'] == '1792m'
    assert services['kafka']['environment']['KAFKA_HEAP_OPTS'] == '-Xms512m -Xmx512m'
    assert services['opensearch']['environment']['OPENSEARCH_JAVA_OPTS'].startswith('-Xms768m -Xmx768m')
    assert services['datahub-frontend']['environment']['JAVA_OPTS'].startswith('-Xms512m -Xmx512m -Dhttp.port=9002')
    assert s['peak_memory_mb'] <= 7680
    partial = build(memory={'gms': {'heap': '1536m', 'limit': '2g'}})
    assert partial['memory']['gms'] == {'limit': '2g', 'heap': '1536m'}
    assert partial['memory']['mysql'] == {'limit': '768m'}


def test_kafka_runs_in_kraft_mode_without_zookeeper():
    kafka = build()['compose']['services']['kafka']
    assert kafka['environment']['KAFKA_PROCESS_ROLES'] == 'broker,controller'
    assert not any('ZOOKEEPER' in key for key in kafka['environment'])
    assert kafka['environment']['KAFKA_ADVERTISED_LISTENERS'] == 'BROKER://kafka:29092'
    assert 'kafka-storage format' in kafka['command'][2] and '$$' in kafka['command'][2]


def test_secrets_only_through_root_only_env_files():
    s = build()
    services = s['compose']['services']
    files = {e['service']: e for e in s['env_files']}
    assert files['gms']['path'] == '/etc/datahub/env/gms.env'
    assert services['datahub-gms']['env_file'] == [{'path': '/etc/datahub/env/gms.env', 'required': True}]
    assert {v['name'] for v in files['gms']['vars']} == {
        'EBEAN_DATASOURCE_PASSWORD', 'DATAHUB_TOKEN_SERVICE_SIGNING_KEY', 'DATAHUB_TOKEN_SERVICE_SALT',
        'DATAHUB_SYSTEM_CLIENT_SECRET', 'SECRET_SERVICE_ENCRYPTION_KEY'}
    assert {v['secret'] for v in files['frontend']['vars']} == {'frontend_secret', 'system_client_secret'}
    assert 'env_file' not in services['nginx']
    assert services['datahub-frontend']['volumes'][0]['target'] == '/datahub-frontend/conf/user.props'
    assert services['datahub-frontend']['volumes'][0]['read_only'] is True
    assert s['secret_files']['token_salt']['file'] == '/creds/datahub/dh1/token_salt_secret'
    assert all(f['length'] >= 32 for f in s['secret_files'].values())
    assert s['compose']['volumes']['mysql'] == {'name': 'datamesh-datahub-mysql'}


def test_the_checker_accepts_the_project_and_refuses_what_breaks_a_promise(tmp_path):
    check = checker()
    path = tmp_path / 'compose.yml'
    compose = build()['compose']
    path.write_text(yaml.safe_dump(compose))
    assert check.check_compose(str(path)) == []
    broken = json.loads(json.dumps(compose))
    broken['services']['mysql']['ports'] = ['3306:3306']
    broken['services']['datahub-gms']['environment']['METADATA_SERVICE_AUTH_ENABLED'] = 'false'
    broken['services']['datahub-frontend']['environment']['DATAHUB_SECRET'] = 'x' * 40
    broken['services']['kafka']['image'] = 'confluentinc/cp-kafka:latest'
    del broken['services']['opensearch']['mem_limit']
    path.write_text(yaml.safe_dump(broken))
    problems = check.check_compose(str(path))
    assert 'mysql publishes ports: only the TLS proxy (nginx) may' in problems
    assert 'datahub-gms: METADATA_SERVICE_AUTH_ENABLED must be true' in problems
    assert 'datahub-frontend: DATAHUB_SECRET is set in compose.yml; secrets go into the env files' in problems
    assert 'kafka: the image confluentinc/cp-kafka:latest has no pinned tag' in problems
    assert 'opensearch has no mem_limit' in problems


def test_images_are_pinned_with_registry_and_digests():
    s = build(image_registry='registry.example.com:5000/hub', image_digests={'gms': DIGEST, 'mysql': DIGEST})
    assert s['images']['gms']['ref'] == 'registry.example.com:5000/hub/acryldata/datahub-gms:v1.7.0@' + DIGEST
    assert s['images']['frontend']['ref'] == 'registry.example.com:5000/hub/acryldata/datahub-frontend-react:v1.7.0'
    assert s['images']['mysql']['ref'] == 'registry.example.com:5000/hub/mysql:8.4.7@' + DIGEST
    assert s['compose']['services']['datahub-gms']['image'] == s['images']['gms']['ref']
    assert build()['images']['actions']['ref'] == 'acryldata/datahub-actions:v1.7.0'


@pytest.mark.parametrize('changes,match', [
    ({'image_digests': {'gms': 'sha256:abc'}}, 'datahub_image_digests.gms must be sha256:<64 lower-case hex digits>'),
    ({'image_digests': {'gms': 'sha512:' + 'a' * 64}}, 'datahub_image_digests.gms must be sha256'),
    ({'image_digests': {'gsm': DIGEST}}, 'datahub_image_digests has an unknown key gsm: did you mean gms'),
    ({'mysql_image': 'mysql:latest'}, 'datahub_mysql_image=mysql:latest: the tag latest is not pinned'),
    ({'mysql_image': 'mysql'}, 'datahub_mysql_image=mysql must be an image reference with a pinned tag'),
    ({'nginx_image': 'nginx:1.28@' + DIGEST}, 'no digest here: put it in datahub_image_digests.nginx'),
    ({'version': 'head'}, 'datahub_version=head is not a DataHub server release'),
    ({'image_registry': 'https://mirror.example'}, 'datahub_image_registry=https://mirror.example must be a registry'),
    ({'cli_version': 'latest'}, 'datahub_cli_version=latest is not an acryl-datahub release'),
])
def test_images_refused(changes, match):
    refused(match, **changes)


# ------------------------------------------------------------------------------------------------ secrets

def test_no_secret_comes_out():
    given = {key: PASSWORD + key for key in SECRETS}
    s = build(given_secrets=given, api_token='eyJ' + PASSWORD * 3, secrets={'TRINO_PASSWORD': 'Trino-' + PASSWORD},
              sources=[source()])
    text = json.dumps(s)
    assert PASSWORD not in text
    assert all(f['given'] for f in s['secret_files'].values()) and s['token_given']
    assert s['datahub_secrets'] == ['TRINO_PASSWORD']


@pytest.mark.parametrize('key,value,match', [
    ('admin_password', 'datahub', 'datahub_admin_password is a well-known default'),
    ('admin_password', 'DataHub', 'datahub_admin_password is a well-known default'),
    ('admin_password', 'my-datahub-password-2026', 'datahub_admin_password contains the user name datahub'),
    ('system_client_secret', 'JohnSnowKnowsNothing', 'datahub_system_client_secret is a well-known default'),
    ('frontend_secret', '0123456789abcdef' * 4, 'datahub_frontend_secret is a well-known default'),
    ('encryption_key', 'ENCRYPTION_KEY', 'datahub_encryption_key is a well-known default'),
    ('token_signing_key', 'short-key', 'datahub_token_signing_key is 9 characters long; it needs at least 16'),
    ('token_salt', 'abababababababababab', 'datahub_token_salt is one or two characters repeated'),
    ('mysql_root_password', "Zq8rT2vLm4Xw9b'Nc7", "datahub_mysql_root_password must be one line without '"),
    ('mysql_password', 'Zq8rT2vLm4Xw9b\\Nc7', "datahub_mysql_password must be one line without '"),
])
def test_weak_or_unwritable_secrets_refused(key, value, match):
    refused(match, given_secrets={key: value})


def test_datahub_secrets_are_checked_by_name_and_value():
    refused('datahub_secrets: 1BAD is not a DataHub secret name', secrets={'1BAD': PASSWORD})
    refused('datahub_secrets.TRINO_PASSWORD is a well-known default', secrets={'TRINO_PASSWORD': 'trino'})
    refused('datahub_secrets.TRINO_PASSWORD is 5 characters long; it needs at least 8',
            secrets={'TRINO_PASSWORD': 'x7Qw2'})


# ----------------------------------------------------------------------------------------- variables, paths

def test_typos_refused_and_every_spec_option_known():
    specs = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())
    assert sorted(KNOWN_VARIABLES) == sorted(specs['argument_specs']['main']['options'])
    assert sorted(defaults()) == sorted(KNOWN_VARIABLES)
    refused('datahub_admin_pasword is not a variable of role datahub: did you mean datahub_admin_password',
            variables=['datahub_version', 'datahub_admin_pasword'])
    # datahub_ingestion_* is the role datahub_ingestion's
    assert build(variables=list(KNOWN_VARIABLES) + ['datahub_ingestion_sink'])['frontend_port'] == 9443


def test_spec_defaults_equal_the_defaults_file():
    specs = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
    d = defaults()
    for name, spec in specs.items():
        if 'default' in spec:
            assert spec['default'] == d[name], name


@pytest.mark.parametrize('value,match', [
    ('/etc', 'datahub_config_dir=/etc is a system directory'),
    ('etc/datahub', 'datahub_config_dir=etc/datahub is a relative path'),
    ('/etc/datahub/../ssl', 'is not a normalised path'),
    ('/var/lib/docker/datahub', "is inside Docker's data"),
])
def test_dangerous_paths(value, match):
    refused(match, config_dir=value)


# -------------------------------------------------------------------------------------------------- ports

def test_port_clashes():
    refused('datahub_gms_port=9443 clashes with datahub_frontend_port=9443', gms_port=9443)
    refused('grafana_port=9443 clashes with datahub_frontend_port=9443 \\(role datahub\\)',
            group_names=['grafana'], host_vars={'grafana_port': 9443})
    refused('datahub_frontend_port=3306 is the port of MySQL/MariaDB', frontend_port=3306)
    refused('datahub_gms_port=8080 is the port of Trino', gms_port=8080)
    refused('datahub_gms_port=9200 is the port of OpenSearch', gms_port=9200)
    listening = [{'port': 8943, 'address': '0.0.0.0', 'pid': 42, 'process': 'java', 'unit': 'app.service'}]
    refused('datahub_gms_port=8943: port 8943 is already in use on this host by java', listening=listening)
    ours = [{'port': 8943, 'address': '0.0.0.0', 'pid': 42, 'process': 'docker-proxy', 'unit': 'docker.service'}]
    assert build(listening=ours)['gms_port'] == 8943
    # the collection's table of the roles' ports knows DataHub's
    assert dict(checks.ROLE_PORTS['datahub']) == {'datahub_frontend_port': 9443, 'datahub_gms_port': 8943}
    assert checks.ROLE_GROUPS['datahub'] == ('datahub',)


def test_urls_through_the_proxy():
    s = build()
    assert s['health_urls'] == ['https://127.0.0.1:8943/health', 'https://127.0.0.1:9443/admin']
    assert s['api_url'] == 'https://127.0.0.1:8943'
    bound = build(bind_address='10.1.2.3')
    assert bound['api_url'] == 'https://10.1.2.3:8943'
    assert bound['compose']['services']['nginx']['ports'][0]['host_ip'] == '10.1.2.3'
    refused('datahub_api_url=http://dh1:8080 must be an https:// URL', api_url='http://dh1:8080')


# ----------------------------------------------------------------------------------------- host, platform

def test_compose_needs_compose_v2_from_debian_13():
    refused('Debian 12 has only Compose v1', distribution_major_version='12')
    refused('Ubuntu 24 has only Compose v1', distribution='Ubuntu', distribution_major_version='24')
    s = build(distribution_major_version='12', compose_command=['docker', 'compose'])
    assert s['compose_command'] == ['docker', 'compose'] and s['packages'] == ['python3-yaml']
    assert build(distribution_major_version='12', deploy_method='helm')['helm']
    assert build()['packages'] == ['python3-yaml', 'docker-compose', 'docker.io']
    assert build(install_server=False)['packages'] == ['python3-yaml', 'docker-compose']


def test_memory_of_the_host():
    refused('dh1 has 4000 MiB of memory; DataHub with Kafka, OpenSearch and MySQL on one host needs at least 7680',
            memtotal_mb=4000)
    assert build(memtotal_mb=4000, install_server=False)['install_server'] is False
    refused('the containers\' limits add up to 9600 MiB, more than the 7900 MiB of dh1',
            memory={'gms': {'limit': '3g', 'heap': '2g'}, 'opensearch': {'limit': '2560m', 'heap': '1g'}})
    refused('datahub_memory.gms: the heap 2g must be smaller than the limit 2g', memory={'gms': {'limit': '2g', 'heap': '2g'}})
    refused('datahub_memory.mysql has an unknown key heap', memory={'mysql': {'heap': '1g'}})
    refused('datahub_memory has an unknown key mariadb', memory={'mariadb': {'limit': '1g'}})
    refused('datahub_memory.nginx.limit=lots must be a size', memory={'nginx': {'limit': 'lots'}})


# ---------------------------------------------------------------------------------------------- ingestion

def test_sources_become_definitions_with_references_only():
    s = build(secrets={'TRINO_PASSWORD': PASSWORD}, sources=[source(run='on_change')])
    item = s['sources'][0]
    assert item['file'] == 'trino.json' and item['type'] == 'trino' and item['run'] == 'on_change'
    definition = item['definition']
    assert definition['config'] == {'recipe': TRINO_RECIPE, 'executorId': 'default', 'version': '1.7.0.17'}
    assert definition['schedule'] == {'interval': '0 2 * * *', 'timezone': 'UTC'}
    assert definition['secrets'] == ['TRINO_PASSWORD']
    assert PASSWORD not in json.dumps(definition)
    assert checker().clear_secrets(definition['config']['recipe']) == []


def test_secrets_that_exist_in_datahub_already():
    s = build(sources=[source(secrets=['TRINO_PASSWORD'])])
    assert s['sources'][0]['definition']['secrets'] == ['TRINO_PASSWORD']
    refused('secrets lists OTHER, which the recipe never uses', sources=[source(secrets=['TRINO_PASSWORD', 'OTHER'])])


@pytest.mark.parametrize('changes,match', [
    ({'recipe': {'source': {'type': 'trino', 'config': {'password': 'Tr1no-Secret-2026'}}}},
     'the recipe holds a secret in clear text: source.config.password'),
    ({'recipe': dict(TRINO_RECIPE, sink={'type': 'datahub-rest', 'config': {'server': 'https://x', 'token': 'eyJabc'}})},
     'in clear text: sink.config.token'),
    ({'recipe': {'source': {'type': 'trino', 'config': {'password': 'prefix-${TRINO_PASSWORD}'}}}},
     'in clear text: source.config.password'),
    ({'recipe': {'source': {'type': 'trino', 'config': {'password': '${TRINO_PASWORD}'}}}},
     'refers to \\$\\{TRINO_PASWORD\\}, which datahub_secrets does not define'),
    ({'schedule': {'interval': 'daily'}}, 'schedule.interval=daily is not a cron expression of 5 fields'),
    ({'schedule': {'interval': '0 2 * * * *'}}, 'is not a cron expression of 5 fields'),
    ({'schedule': {'interval': '61 2 * * *'}}, '61 is out of range in field 1'),
    ({'schedule': {'interval': '0 2 * * MON-FRY'}}, 'field 5 \\(MON-FRY\\) is not a cron field'),
    ({'schedule': {'interval': '0 2 * * *', 'timezone': 'Mars/Olympus'}}, 'timezone=Mars/Olympus is not a time zone'),
    ({'schedule': {'interval': '0 2 * * *', 'every': 'day'}}, 'schedule has an unknown key every'),
    ({'type': 'mysql'}, "type=mysql, but the recipe's source.type is trino"),
    ({'recipe': {'source': {'type': 'trino'}}}, 'recipe must be a dict with source.type and source.config'),
    ({'run': 'sometimes'}, 'run=sometimes must be one of never, on_change, always'),
    ({'name': ''}, "name='' must be 1 to 100 letters"),
    ({'shedule': {}}, 'has an unknown key shedule: did you mean schedule'),
])
def test_sources_refused(changes, match):
    refused(match, secrets={'TRINO_PASSWORD': PASSWORD}, sources=[source(**changes)])


def test_cron_forms_accepted():
    for interval in ('*/15 * * * *', '0 2 * * MON-FRI', '30 1 1,15 * *', '0 0-23/2 * JAN,JUL 0'):
        assert build(secrets={'TRINO_PASSWORD': PASSWORD},
                     sources=[source(schedule={'interval': interval})])['sources'][0]['schedule']['interval'] == interval


def test_two_sources_with_one_name_refused():
    refused('the name Trino is given twice', secrets={'TRINO_PASSWORD': PASSWORD}, sources=[source(), source()])


# --------------------------------------------------------------------------------------------------- helm

def test_helm_values_refer_to_secrets_and_keep_auth_on():
    s = build(deploy_method='helm', image_digests={'frontend': DIGEST})
    assert s['compose'] is None
    helm = s['helm']
    values = helm['datahub']['values']
    auth = values['global']['datahub']['metadata_service_authentication']
    assert auth['enabled'] is True and auth['provisionSecrets']['enabled'] is False
    assert auth['tokenService']['salt'] == {'secretRef': 'datahub-auth-secrets', 'secretKey': 'token_service_salt'}
    assert values['global']['sql']['datasource']['username'] == 'datahub'
    assert values['datahub-frontend']['image']['tag'] == 'v1.7.0@' + DIGEST
    assert values['datahub-frontend']['extraVolumeMounts'][0]['mountPath'] == '/datahub-frontend/conf/user.props'
    assert values['datahub-gms']['service']['type'] == 'ClusterIP'
    assert helm['prerequisites']['values']['kafka']['kraft']['enabled'] is True
    assert helm['prerequisites']['values']['mysql']['auth']['existingSecret'] == 'datahub-mysql-secrets'
    assert (helm['datahub']['version'], helm['prerequisites']['version']) == ('1.1.0', '0.3.0')
    assert [m['name'] for m in helm['secrets']] == ['datahub-mysql-secrets', 'datahub-auth-secrets',
                                                    'datahub-encryption-secrets', 'datahub-frontend-secret',
                                                    'datahub-users-secret']
    assert helm['datahub']['values_file'] == '/etc/datahub/helm/values-datahub.yaml'
    refused('datahub_helm_chart_version=latest is not a chart version', deploy_method='helm', helm_chart_version='latest')
    refused('datahub_helm_namespace=Data_Hub is not a Kubernetes namespace', deploy_method='helm',
            helm_namespace='Data_Hub')


def test_filter_is_registered():
    assert FilterModule().filters()['datahub_settings'] is datahub_settings
    with pytest.raises(AnsibleFilterError, match='unknown settings colour'):
        build(colour='red')
    refused('datahub_deploy_method=kubernetes must be compose', deploy_method='kubernetes')
