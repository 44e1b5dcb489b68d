from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.trino_settings import FilterModule, java_required, plugin_of, trino_settings

SHA = 'a' * 64
GOOD = 'q7Vx2LmP9rTz4WkY'  # 16 characters, no pattern
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
    with pytest.raises(AnsibleFilterError, match='host is required'):
        trino_settings({'version': '476', 'hostname': 'x'})
    # role_params, the prologue the settings filters share: a key the filter does not know is a bug of the wiring
    with pytest.raises(AnsibleFilterError, match='trino_settings: unknown settings admin_password_length'):
        trino_settings(dict(BASE, admin_password_length=3))


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
    assert 'must be unique' in build(users=[{'name': 'admin', 'password': GOOD}])['errors'][0]
    assert not build(generate_credentials=False, admin_password=GOOD, shared_secret=GOOD * 2)['errors']


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


# ---------------------------------------------------------------- preflight classes (issue 10)

def test_weak_secrets_of_every_account():
    e = build(admin_password='admin')['errors']
    assert e[0].startswith('trino_admin_password is a well-known default')
    assert 'trino_admin_password is 5 characters long; it needs at least 16' in e[1]
    e = build(users=[{'name': 'analyst', 'password': 'analyst-2026-pass'}])['errors']
    assert e == ['trino_users[0].password (analyst) contains the user name analyst: use a long random value, or leave '
                 'it empty to have one generated']
    assert 'trino_users[0].password (bob) is required' in build(users=[{'name': 'bob'}])['errors'][0]
    e = build(shared_secret='x' * 20 + 'y' * 20)['errors']
    assert e == ['trino_shared_secret is one or two characters repeated: use a long random value']
    assert 'it needs at least 32' in build(shared_secret=GOOD)['errors'][0]
    assert 'well-known' in build(shared_secret='Trino123')['errors'][0]
    # never the value itself
    assert not any('Trino123' in x for x in build(shared_secret='Trino123')['errors'])
    assert not build(admin_password=GOOD, shared_secret=GOOD * 2, users=[{'name': 'analyst', 'password': GOOD[::-1]}])['errors']
    # without authentication only the shared secret counts
    assert not build(authentication='none', admin_password='x')['errors']


def test_secrets_never_in_the_settings():
    s = build(admin_password=GOOD, shared_secret=GOOD * 2, users=[{'name': 'analyst', 'password': 'Zr8' + GOOD}])
    assert GOOD not in repr(s)


@pytest.mark.parametrize('var,value,expect', [
    ('data_dir', '/var/lib', 'trino_data_dir=/var/lib is a system directory'),
    ('log_dir', 'var/log/trino', 'trino_log_dir=var/log/trino is a relative path'),
    ('config_dir', '/etc/trino/../trino', 'trino_config_dir=/etc/trino/../trino is not a normalised path'),
    ('log_dir', '/var/lib/trino/log', 'trino_data_dir=/var/lib/trino contains trino_log_dir=/var/lib/trino/log'),
    ('data_dir', '/opt/datamesh/trino-server/data', 'trino_data_dir=/opt/datamesh/trino-server/data is inside the Trino installs'),
    ('install_root', 'opt', 'datamesh_install_root=opt is a relative path'),
    ('install_root', '/', 'datamesh_install_root=/ is a system directory'),
    ('cli_link', '/usr/local/bin', 'trino_cli_link=/usr/local/bin is a system directory'),
])
def test_dangerous_paths(var, value, expect):
    e = build(**{var: value})['errors']
    assert e and e[0].startswith(expect), e


def test_install_root_may_be_a_shared_directory():
    assert not build(install_root='/opt/datamesh')['errors']
    assert not build(install_root='/srv')['errors']


def test_port_clashes_with_other_roles_and_listeners():
    e = build(port=8081, group_names=['trino_coordinator', 'jupyterhub'])['errors']
    assert e == ['trino_port=8081 clashes with jupyterhub_hub_port=8081 (role jupyterhub) on this host: give one of them '
                 'another port']
    e = build(port=3307, group_names=['mysql'], host_vars={'mysql_multi_instances': [{'name': 'a', 'port': 3307}]})['errors']
    assert e[0].startswith('trino_port=3307 clashes with mysql_multi_instances[0].port (a)')
    # the other roles' own clashes are theirs to report
    assert not build(group_names=['minio', 'nginx_docs'], host_vars={'minio_port': 80})['errors']
    listening = [{'port': 2020, 'address': '0.0.0.0', 'pid': 7, 'process': 'nc', 'unit': 'netcat.service'}]
    e = build(listening=listening)['errors']
    assert e == ['trino_port=2020: port 2020 is already in use on this host by nc (pid 7, unit netcat.service): stop '
                 'that service or choose another port']
    # a re-run: Trino itself listens there
    assert not build(listening=[dict(listening[0], process='java', unit='trino.service')])['errors']


def test_unknown_variables_and_keys():
    known = ['trino_catalogs', 'trino_port', 'trino_version']
    e = build(given_variables=['trino_catalog', 'trino_port'], known_variables=known)['errors']
    assert e[0] == 'trino_catalog is not a variable of role trino: did you mean trino_catalogs?'
    e = build(catalogs=[{'name': 'tpch', 'connector': 'tpch', 'propertes': {}}])['errors']
    assert e == ['trino_catalogs[0] (tpch) has an unknown key propertes: did you mean properties?']
    e = build(catalogs=[{'name': 'h', 'connector': 'hive', 's3': {'endpoint': 'https://s3:9000', 'acess_key': 'k'}}])['errors']
    assert e == ['trino_catalogs[0] (h).s3 has an unknown key acess_key: did you mean access_key?']
    assert 'trino_users[0] has an unknown key pasword' in build(users=[{'name': 'bob', 'password': GOOD, 'pasword': 'x'}])['errors'][0]
    e = build(plugin_sources={'tpch': {'url': 'https://m/x.zip', 'sha256': SHA, 'sha': SHA}})['errors']
    assert 'trino_plugin_sources.tpch has an unknown key sha: did you mean sha256?' in e


HOSTS = {'c1': ['10.0.0.1'], 'db1': ['10.0.0.5', 'db1.example.net'], 'meta1': ['10.0.0.6']}


def references(catalogs, **changes):
    return build(catalogs=catalogs, host_addresses=HOSTS, mysql_hosts={'db1': [{'name': 'sales', 'port': 3307}]},
                 metastore_hosts={'meta1': 9083}, **changes)['errors']


def test_catalogs_pointing_at_nothing():
    maria = {'name': 'sales', 'connector': 'mariadb', 'properties': {'connection-url': 'jdbc:mariadb://db1:3307'}}
    assert not references([maria])
    assert not references([dict(maria, properties={'connection-url': 'jdbc:mariadb://db1.example.net:3307/sales?x=1'})])
    e = references([dict(maria, properties={'connection-url': 'jdbc:mariadb://db1:3308'})])
    assert e == ['trino_catalogs sales: connection-url jdbc:mariadb://db1:3308 points at port 3308 of db1, where no MariaDB '
                 'instance of this inventory listens (db1 runs mysql_multi instances on ports 3307): fix the host or port, '
                 'or add the instance to mysql_multi_instances']
    e = references([dict(maria, properties={'connection-url': 'jdbc:mariadb://10.0.0.6:3307'})])
    assert 'meta1 runs no mysql_multi instance' in e[0]
    # a database outside the inventory is not this play's to judge; an absent instance is no instance
    assert not references([dict(maria, properties={'connection-url': 'jdbc:mariadb://db.corp.example:3307'})])
    e = build(catalogs=[maria], host_addresses=HOSTS,
              mysql_hosts={'db1': [{'name': 'sales', 'port': 3307, 'state': 'absent'}]})['errors']
    assert 'where no MariaDB instance' in e[0]
    assert 'is not a JDBC URL' in references([dict(maria, properties={'connection-url': 'db1:3307'})])[0]
    hive = {'name': 'lake', 'connector': 'hive', 'properties': {'hive.metastore.uri': 'thrift://meta1:9083'}}
    assert not references([hive])
    e = references([dict(hive, properties={'hive.metastore.uri': 'thrift://db1:9083'})])
    assert e == ['trino_catalogs lake: hive.metastore.uri thrift://db1:9083 points at port 9083 of db1, where no Hive '
                 'Metastore of this inventory listens (db1 runs no metastore (not in group hive_metastore)): fix the URI, '
                 'or add the host to group hive_metastore']
    assert 'runs the metastore on port 9083' in references([dict(hive, properties={'hive.metastore.uri': 'thrift://meta1:9084'})])[0]
    # localhost is this host (c1), which runs no metastore
    assert 'of c1' in references([dict(hive, properties={'hive.metastore.uri': 'thrift://localhost:9083'})])[0]
    assert not references([dict(hive, state='absent', properties={'hive.metastore.uri': 'thrift://db1:1'})])


@pytest.mark.parametrize('changes,expect', [
    ({'config_extra': {'Query.Max-Run-Time': '1h'}}, "trino_config_extra key 'Query.Max-Run-Time' is not a Trino property name"),
    ({'config_extra': {'query.max-run-time': '1h\nhttp-server.http.enabled=true'}}, 'trino_config_extra.query.max-run-time must be one line'),
    ({'jvm_extra_options': ['Xmx2G']}, "trino_jvm_extra_options: 'Xmx2G' is not one JVM option"),
    ({'log_levels': {'io.trino': 'VERBOSE'}}, 'trino_log_levels.io.trino=VERBOSE: a logger name'),
    ({'internal_address': '10.0.0.1 rm'}, 'trino_internal_address (10.0.0.1 rm) must be a host name'),
])
def test_values_that_only_fail_later(changes, expect):
    e = build(**changes)['errors']
    assert e and e[0].startswith(expect), e
