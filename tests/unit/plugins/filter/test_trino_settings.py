from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.trino_settings import FilterModule, java_required, plugin_of, trino_settings

SHA = 'a' * 64
BASE = {
    'version': '476', 'host': 'c1', 'hostname': 'c1', 'coordinators': ['c1'], 'workers': ['w1', 'w2'],
    'checksums': {'476': {'full': SHA, 'core': 'b' * 64}},
    'plugin_checksums': {'476': {'hive': 'c' * 64, 'memory': 'd' * 64, 'tpch': 'e' * 64}},
    'cli_checksums': {'476': 'f' * 64},
    'os_java_packages': ['openjdk-21-jre-headless', 'openjdk-25-jre-headless', 'openjdk-25-jdk-headless'],
    'ram_mb': {'c1': 16000, 'w1': 8000, 'w2': 32000}, 'heap_mb': 0, 'heap_percent': 50,
    'catalogs': [{'name': 'tpch', 'connector': 'tpch'}, {'name': 'lake', 'connector': 'hive'}],
}


def build(**changes):
    return trino_settings(dict(BASE, **changes))


def test_filter_is_registered():
    assert FilterModule().filters()['trino_settings'] is trino_settings


def test_requires_a_dict_and_the_host():
    with pytest.raises(AnsibleFilterError):
        trino_settings('476')
    with pytest.raises(AnsibleFilterError, match='missing host'):
        trino_settings({'version': '476', 'hostname': 'x'})


def test_java_lines():
    assert [java_required(v) for v in (406, 436, 447, 464, 475, 476, 478, 479, 483)] == [17, 21, 22, 23, 23, 24, 24, 25, 25]


def test_476_takes_the_lowest_fitting_os_jdk():
    s = build()
    assert s['errors'] == []
    assert s['java'] == {'required': 24, 'major': 25, 'source': 'os', 'package': 'openjdk-25-jre-headless',
                         'home': '/usr/lib/jvm/java-25-openjdk-amd64'}


def test_no_fitting_os_jdk_says_what_to_set():
    s = build(os_java_packages=['openjdk-17-jre-headless'])
    assert s['java']['source'] == 'none'
    assert 'Trino 476 needs Java 24 or later' in s['errors'][0]
    assert 'openjdk-17-jre-headless' in s['errors'][0] and 'trino_jdk_url' in s['errors'][0]


def test_jdk_artifact_when_the_os_has_none():
    s = build(os_java_packages=[], jdk_url='https://mirror/jdk.tar.gz', jdk_sha256=SHA, jdk_version='24.0.2', jdk_major=24)
    assert s['errors'] == []
    assert s['java']['source'] == 'artifact' and s['java']['home'] == '/opt/datamesh/trino-jdk/24.0.2'
    s = build(os_java_packages=[], jdk_url='https://mirror/jdk.tar.gz', jdk_sha256=SHA, jdk_version='21', jdk_major=21)
    assert 'trino_jdk_major' in s['errors'][0]


def test_explicit_java_major():
    assert build(java_major='21')['errors'][0].startswith('Trino 476 needs Java 24 or later')
    s = build(java_major=25)
    assert s['java']['major'] == 25 and s['errors'] == []
    assert 'needs Java 24' in build(java_major=24)['errors'][0]


def test_core_mode_installs_only_the_plugins_of_the_catalogs():
    s = build(plugins_extra=['memory'])
    install = s['install']
    assert install['mode'] == 'core'
    assert install['server'] == {'name': 'trino-server', 'version': '476-core', 'sha256': 'b' * 64, 'format': 'tar',
                                 'strip_components': 1, 'maven': 'io.trino:trino-server-core:476:tar.gz'}
    assert install['home'] == '/opt/datamesh/trino-server/476-core'
    assert install['plugin_names'] == ['hive', 'memory', 'tpch']
    assert install['plugins'][0] == {
        'name': 'hive', 'path': '/opt/datamesh/trino-plugin-hive/476/trino-hive-476',
        'artifact': {'name': 'trino-plugin-hive', 'version': '476', 'sha256': 'c' * 64, 'format': 'zip',
                     'maven': 'io.trino:trino-hive:476:zip'}}
    assert install['plugin_dir'] == '/opt/datamesh/trino-plugins/476'
    assert ('plugin.dir', '/opt/datamesh/trino-plugins/476') in s['config']
    assert install['cli']['maven'] == 'io.trino:trino-cli:476:jar:executable'
    assert install['packages'] == ['unzip']
    assert s['unit']['exec_start'].startswith('/opt/datamesh/trino-server/476-core/bin/launcher run')


def test_absent_catalogs_need_no_plugin():
    s = build(catalogs=[{'name': 'tpch', 'connector': 'tpch'}, {'name': 'lake', 'connector': 'hive', 'state': 'absent'}])
    assert s['install']['plugin_names'] == ['tpch']


def test_auto_falls_back_to_full_without_a_plugin_source():
    s = build(catalogs=[{'name': 'db', 'connector': 'mariadb'}])
    assert s['errors'] == []
    assert s['install']['mode'] == 'full'
    assert s['install']['server']['maven'] == 'io.trino:trino-server:476:tar.gz'
    assert s['install']['home'] == '/opt/datamesh/trino-server/476'
    assert s['install']['plugins'] == [] and s['install']['packages'] == []
    assert ('plugin.dir', '/opt/datamesh/trino-server/476/plugin') in s['config']


def test_explicit_core_without_a_plugin_source_says_what_to_set():
    s = build(install_mode='core', catalogs=[{'name': 'db', 'connector': 'mariadb'}])
    assert 'no source for the plugin(s) mariadb' in s['errors'][0]
    assert 'trino_install_mode: full' in s['errors'][0]


def test_plugin_from_a_mirror():
    s = build(install_mode='core', catalogs=[{'name': 'db', 'connector': 'mariadb'}],
              plugin_sources={'mariadb': {'url': 'https://mirror/trino-mariadb-476.zip', 'sha256': SHA}})
    assert s['errors'] == []
    assert s['install']['plugins'][0]['artifact']['url'] == 'https://mirror/trino-mariadb-476.zip'
    s = build(install_mode='core', catalogs=[{'name': 'db', 'connector': 'mariadb'}],
              plugin_sources={'mariadb': {'url': 'https://mirror/trino-mariadb-476.zip'}})
    assert 'trino_plugin_sources.mariadb needs a sha256' in s['errors'][0]


def test_plugin_names():
    assert [plugin_of(c) for c in ('hive', 'delta_lake', 'gsheets', 'system')] == ['hive', 'delta-lake', 'google-sheets', None]


def test_version_after_476_needs_a_url_and_sha256():
    s = build(version='479', os_java_packages=['openjdk-25-jre-headless'])
    assert s['install']['mode'] == 'full'
    assert any('Releases after 476 are not on Maven Central' in e for e in s['errors'])
    s = build(version='479', os_java_packages=['openjdk-25-jre-headless'], checksums={},
              url='https://mirror/trino-server-479.tar.gz', sha256=SHA, cli_url='https://mirror/trino-cli-479', cli_sha256=SHA)
    assert s['errors'] == []
    assert s['install']['server']['url'] == 'https://mirror/trino-server-479.tar.gz'
    assert s['java']['major'] == 25


def test_old_version_and_core():
    s = build(version='470', install_mode='core', os_java_packages=['openjdk-23-jre-headless'])
    assert any('core needs Trino 472 or later' in e for e in s['errors'])
    assert 'must be a Trino release number' in build(version='latest')['errors'][0]


def test_cluster_roles():
    s = build()
    assert s['cluster']['is_coordinator'] and not s['cluster']['include_coordinator']
    assert s['config'][:3] == [('coordinator', 'true'), ('node-scheduler.include-coordinator', 'false'),
                               ('discovery.uri', 'https://c1:2020')]
    w = build(host='w1', hostname='w1', hostnames={'c1': 'trino.example.net'})
    assert not w['cluster']['is_coordinator']
    assert w['config'][:2] == [('coordinator', 'false'), ('discovery.uri', 'https://trino.example.net:2020')]
    assert ('http-server.authentication.type', 'PASSWORD') not in w['config']
    alone = build(host='x', hostname='x')
    assert alone['cluster']['nodes'] == ['x'] and alone['cluster']['include_coordinator']


def test_bad_layouts():
    assert 'in both groups' in build(workers=['c1'])['errors'][0]
    assert 'no coordinator' in build(host='w1', hostname='w1', coordinators=[])['errors'][0]
    assert 'exactly one coordinator' in build(coordinators=['c1', 'c2'])['errors'][0]


def test_memory_from_the_smallest_node():
    s = build()
    assert s['memory'] == {'ram': 8000, 'heap': 4000, 'per_node': 1200, 'headroom': 1200, 'query_max': 2400}
    assert '-Xmx4000M' in s['jvm_options']
    assert 'Memory settings of c1 do not fit' in build(heap_mb=512)['errors'][0]


def test_jvm_options_for_java_25():
    o = build()['jvm_options']
    assert o.index('-XX:+UnlockDiagnosticVMOptions') < o.index('-XX:+UseAESCTRIntrinsics')
    assert '--sun-misc-unsafe-memory-access=allow' in o and '--enable-native-access=ALL-UNNAMED' in o
    assert '-XX:-G1UsePreventiveGC' not in o and not any('GCLockerRetryAllocationCount' in x for x in o)
    assert '-XX:+UseAESCTRIntrinsics' not in build(architecture='aarch64', os_java_packages=['openjdk-25-jre-headless'])['jvm_options']


def test_security_checks():
    assert 'Trino accepts passwords only over HTTPS' in build(tls=False)['errors'][0]
    assert not build(tls=False, authentication='none')['errors']
    assert 'go together' in build(tls_cert=True)['errors'][0]
    assert 'required when trino_generate_credentials is false' in build(generate_credentials=False)['errors'][0]
    assert '8 or more characters' in build(user_names=['analyst'], user_password_lengths=[4])['errors'][0]
    assert '8 or more characters' in build(user_names=['admin'], user_password_lengths=[12])['errors'][0]


def test_catalog_list_and_extra_keys():
    s = build(catalogs={'tpch': {'connector': 'tpch'}})
    assert s['catalogs'] == [{'connector': 'tpch', 'name': 'tpch'}]
    assert 'unique name' in build(catalogs=[{'name': 'a', 'connector': 'tpch'}, {'name': 'a', 'connector': 'tpch'}])['errors'][0]
    assert 'must not set plugin.dir' in build(config_extra={'plugin.dir': '/x'})['errors'][0]
    s = build(config_extra={'query.max-run-time': '1h'})
    assert s['config'][-1] == ('query.max-run-time', '1h')


def test_dynamic_mode():
    s = build(catalog_management='dynamic')
    assert ('catalog.management', 'dynamic') in s['config']
    assert s['unit']['read_write_paths'] == ['/var/lib/trino', '/var/log/trino', '/etc/trino/catalog']
    assert s['pyenv'] == '/opt/datamesh/trino/pyenv'


def test_cli_pin_missing():
    s = build(cli_version='470')
    assert 'trino_cli_sha256 must be the sha256 of trino-cli-470-executable.jar' in s['errors'][0]
    assert build(cli_version='470', install_cli=False)['errors'] == []
