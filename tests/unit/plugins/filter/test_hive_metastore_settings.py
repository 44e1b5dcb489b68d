from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.hive_metastore_settings import (
    ALWAYS_TASKS_40,
    FilterModule,
    hive_metastore_artifacts,
    hive_metastore_settings,
)

SHA = 'a' * 64
JARS = [{'maven': 'org.apache.hadoop:hadoop-client-api:3.3.6', 'sha256': 'b' * 64},
        {'maven': 'com.amazonaws:aws-java-sdk-bundle:1.12.367', 'sha256': 'c' * 64}]
BASE = {
    'version': '4.0.1', 'maven': 'org.apache.hive:hive-standalone-metastore-server:4.0.1:tar.gz:bin',
    'sha256': '', 'checksums': {'4.0.1': SHA}, 'jars': JARS,
    'java_package': '', 'java_versions': {}, 'jvm_options': [], 'os_family': 'Debian', 'os_major': '13',
    'architecture': 'x86_64', 'install_root': '/opt/datamesh', 'config_dir': '/etc/hive-metastore',
    'data_dir': '/var/lib/hive-metastore', 'jdbc_jar': '/usr/share/java/mariadb-java-client.jar',
    'jdbc_driver': 'org.mariadb.jdbc.Driver', 'user': 'hive', 'port': '9083', 'bind_address': '', 'heap_mb': '1024',
    'start_timeout': 180, 'warehouse_dir': 's3a://warehouse/', 's3_endpoint': '',
    's3_region': 'us-east-1', 's3_path_style': True, 's3_access_key': 'unit-access',
    's3_secret_key': 'Vq3xN8rT5mWz2kLp9dHs', 's3_ca': '', 'site_properties': {}, 'db_group': 'mysql', 'db_host': 'db1',
    'db_host_known': True, 'db_instance': '', 'db_vars': {'mysql_multi_instances': [{'name': 'hms', 'port': 3307}]},
    'db_name': 'metastore', 'db_user': 'hive', 'db_address': '', 'db_client_host': '', 'db_socket': '',
    'db_jdbc_options': {}, 'db_password': '', 'generate_password': True, 'inventory_hostname': 'db1',
    'default_ipv4': '192.0.2.20',
}
CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'


def build(**changes):
    return hive_metastore_settings(dict(BASE, **changes))


def refused(match, **changes):
    with pytest.raises(AnsibleFilterError, match=match):
        build(**changes)


def test_filter_is_registered():
    assert FilterModule().filters()['hive_metastore_settings'] is hive_metastore_settings
    assert FilterModule().filters()['hive_metastore_artifacts'] is hive_metastore_artifacts


ARTIFACT_KEYS = ('version', 'maven', 'sha256', 'checksums', 'jars', 'install_root')


def test_artifacts_alone_are_the_settings_artifacts_without_the_rest():
    # the mirror entry point: no CA, no secret, no database, no facts
    alone = hive_metastore_artifacts({k: BASE[k] for k in ARTIFACT_KEYS})
    assert alone == build()['artifacts']
    assert [a['name'] for a in alone] == ['hive-metastore', 'hadoop-client-api', 'aws-java-sdk-bundle']


def test_artifacts_alone_refuse_what_the_settings_refuse():
    with pytest.raises(AnsibleFilterError, match='hive_metastore_sha256 must be the sha256'):
        hive_metastore_artifacts(dict({k: BASE[k] for k in ARTIFACT_KEYS}, checksums={}))
    with pytest.raises(AnsibleFilterError, match='missing keys install_root, jars'):
        hive_metastore_artifacts({k: BASE[k] for k in ARTIFACT_KEYS[:4]})
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        hive_metastore_artifacts(['4.0.1'])


def test_artifacts_from_maven_with_their_sha256():
    s = build()
    assert s['artifacts'][0] == {'name': 'hive-metastore', 'version': '4.0.1',
                                 'maven': 'org.apache.hive:hive-standalone-metastore-server:4.0.1:tar.gz:bin',
                                 'sha256': SHA, 'format': 'tar', 'strip_components': 1}
    assert s['artifacts'][1:] == [
        {'name': 'hadoop-client-api', 'version': '3.3.6', 'maven': 'org.apache.hadoop:hadoop-client-api:3.3.6',
         'sha256': 'b' * 64, 'format': 'file', 'dest_name': 'hadoop-client-api-3.3.6.jar'},
        {'name': 'aws-java-sdk-bundle', 'version': '1.12.367', 'maven': 'com.amazonaws:aws-java-sdk-bundle:1.12.367',
         'sha256': 'c' * 64, 'format': 'file', 'dest_name': 'aws-java-sdk-bundle-1.12.367.jar'},
    ]
    assert s['home'] == '/opt/datamesh/hive-metastore/4.0.1'


def test_given_sha256_wins_over_the_pinned_one():
    assert build(sha256='D' * 64)['artifacts'][0]['sha256'] == 'd' * 64


def test_classpath_conf_first_then_release_jars_then_driver():
    assert build()['classpath'] == [
        '/etc/hive-metastore', '/opt/datamesh/hive-metastore/4.0.1/lib/*',
        '/opt/datamesh/hadoop-client-api/3.3.6/hadoop-client-api-3.3.6.jar',
        '/opt/datamesh/aws-java-sdk-bundle/1.12.367/aws-java-sdk-bundle-1.12.367.jar',
        '/usr/share/java/mariadb-java-client.jar']


def test_java_per_debian_release():
    assert build()['java'] == {'package': 'openjdk-21-jre-headless', 'major': 21,
                               'home': '/usr/lib/jvm/java-21-openjdk-amd64'}
    assert build(os_major='12')['java']['package'] == 'openjdk-17-jre-headless'
    assert build(architecture='aarch64', java_package='openjdk-17-jre-headless')['java']['home'] == \
        '/usr/lib/jvm/java-17-openjdk-arm64'
    assert build()['packages'] == ['openjdk-21-jre-headless', 'python3-pymysql']


def test_java_25_refused_for_hive_4_0():
    refused(r'Hive 4\.0\.1 runs on Java 17-21 .*=openjdk-25-jre-headless is Java 25 \(newer than the line supports\)',
            java_package='openjdk-25-jre-headless')


def test_java_8_lines_are_refused_with_a_way_out():
    refused('Debian ships no Java 8: use Hive 4.0.x', version='3.1.3', checksums={'3.1.3': SHA})


def test_unknown_line_needs_a_java_range():
    refused('There is no Java requirement for Hive 5.0', version='5.0.0', checksums={'5.0.0': SHA})
    assert build(version='5.0.0', checksums={'5.0.0': SHA}, java_versions={'5.0': [21, 25]},
                 java_package='openjdk-25-jre-headless')['java']['major'] == 25


def test_release_without_sha256_is_refused():
    refused('there is no pinned checksum for hive_metastore_version=4.1.0', version='4.1.0',
            java_package='openjdk-17-jre-headless')


def test_jar_without_sha256_is_refused():
    refused('hive_metastore_hadoop_jars: org.apache.hadoop:hadoop-aws:3.3.6 has no sha256',
            jars=JARS + [{'maven': 'org.apache.hadoop:hadoop-aws:3.3.6'}])


@pytest.mark.parametrize('jars,match', [
    ([], 'must be a non-empty list'),
    (['org.apache.hadoop:hadoop-aws:3.3.6'], 'each item is'),
    ([{'maven': 'hadoop-aws', 'sha256': SHA}], 'is not a Maven coordinate'),
    ([{'maven': 'g:a:1:zip', 'sha256': SHA}], 'is not a jar'),
    (JARS + [{'maven': 'org.apache.hadoop:hadoop-client-api:3.3.5', 'sha256': SHA}], 'lists hadoop-client-api more than once'),
])
def test_bad_jar_lists(jars, match):
    refused(match, jars=jars)


def test_site_and_core_site_hold_no_secret():
    s = build(s3_endpoint='https://s3.example.net:8333/', s3_ca=CA)
    assert s['site'] == {
        'javax.jdo.option.ConnectionURL': 'jdbc:mariadb://127.0.0.1:3307/metastore',
        'javax.jdo.option.ConnectionDriverName': 'org.mariadb.jdbc.Driver',
        'javax.jdo.option.ConnectionUserName': 'hive',
        'metastore.warehouse.dir': 's3a://warehouse/',
        'metastore.thrift.port': '9083',
        'datanucleus.schema.autoCreateAll': 'false',
        'metastore.schema.verification': 'true',
        'metastore.task.threads.always': ','.join(ALWAYS_TASKS_40),
        'metastore.metadata.transformer.class': ' ',
    }
    assert 'HiveProtoEventsCleanerTask' not in s['site']['metastore.task.threads.always']
    assert s['core_site'] == {
        'hadoop.tmp.dir': '/var/lib/hive-metastore/tmp',
        'fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
        'fs.s3a.path.style.access': 'true',
        'fs.s3a.endpoint.region': 'us-east-1',
        'fs.s3a.endpoint': 'https://s3.example.net:8333',
        'fs.s3a.connection.ssl.enabled': 'true',
    }


def test_plain_http_endpoint_disables_ssl():
    assert build(s3_endpoint='http://127.0.0.1:8333')['core_site']['fs.s3a.connection.ssl.enabled'] == 'false'


def test_truststore_only_with_a_ca():
    assert not [a for a in build()['jvm_args'] if 'trustStore' in a]
    assert build(s3_ca=CA)['jvm_args'][-2:] == ['-Djavax.net.ssl.trustStore=/etc/hive-metastore/truststore.p12',
                                                '-Djavax.net.ssl.trustStoreType=PKCS12']


def test_jvm_args_and_unit():
    s = build(heap_mb='512', jvm_options=['-XX:+UseG1GC'])
    assert s['jvm_args'] == ['-Xmx512m', '-Djava.io.tmpdir=/var/lib/hive-metastore/tmp',
                             '-Dlog4j.configurationFile=/etc/hive-metastore/metastore-log4j2.properties', '-XX:+UseG1GC']
    assert s['unit']['exec_start'] == ('/usr/lib/jvm/java-21-openjdk-amd64/bin/java @/etc/hive-metastore/jvm.args '
                                       'org.apache.hadoop.hive.metastore.HiveMetaStore')
    assert 'environment' not in s['unit'] and 'environment_file' not in s['unit']
    assert s['schematool_class'] == 'org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool'


@pytest.mark.parametrize('options', [['-cp', '/x'], ['-Djavax.net.ssl.trustStorePassword=x'], ['Xmx1g'], '-Xmx1g'])
def test_jvm_options_cannot_take_over(options):
    refused('hive_metastore_jvm_options', jvm_options=options)


def test_bind_address_and_wait():
    s = build(bind_address='192.0.2.20')
    assert s['site']['metastore.thrift.bind.host'] == '192.0.2.20'
    assert s['wait'] == {'host': '192.0.2.20', 'port': 9083, 'timeout': 180}
    assert build()['wait']['host'] == '127.0.0.1'


def test_remote_database_host():
    s = build(inventory_hostname='hms1', db_vars={'mysql_multi_instances': [{'name': 'hms', 'port': 3307,
                                                                             'bind_address': '0.0.0.0'}],
                                                  'ansible_host': '192.0.2.10'})
    assert s['db'] == {'host': 'db1', 'instance': 'hms', 'port': 3307, 'bind_address': '0.0.0.0', 'same_host': False,
                       'socket': '/run/mysql-multi/hms/mysqld.sock', 'address': '192.0.2.10',
                       'client_host': '192.0.2.20', 'privileges': s['db']['privileges']}
    assert 'GRANT' not in s['db']['privileges'] and 'CREATE,' in s['db']['privileges']
    assert s['jdbc_url'] == 'jdbc:mariadb://192.0.2.10:3307/metastore'


def test_jdbc_options_and_ipv6_address():
    s = build(db_address='2001:db8::5', db_jdbc_options={'sslMode': 'verify-full'})
    assert s['jdbc_url'] == 'jdbc:mariadb://[2001:db8::5]:3307/metastore?sslMode=verify-full'


def test_remote_host_cannot_use_a_loopback_instance():
    refused('listens on 127.0.0.1 only', inventory_hostname='hms1')


def test_instance_choice():
    two = {'mysql_multi_instances': [{'name': 'hms', 'port': 3307}, {'name': 'apps', 'port': 3308},
                                     {'name': 'old', 'port': 3309, 'state': 'absent'}]}
    refused(r'db1 has 2 mysql_multi instances \(hms, apps\): say which one', db_vars=two)
    assert build(db_vars=two, db_instance='apps')['db']['port'] == 3308
    refused('db1 has no mysql_multi instance old .*present instances are: hms, apps', db_vars=two, db_instance='old')
    refused('has no present mysql_multi instance', db_vars={})


def test_database_host_must_be_known():
    refused('hive_metastore_db_host is empty and the inventory group mysql', db_host='')
    refused('hive_metastore_db_host=db1 is not a host of this inventory', db_host_known=False)


@pytest.mark.parametrize('changes,match', [
    ({'warehouse_dir': 'hdfs://nn:8020/warehouse'}, 'must be an S3A URI'),
    ({'warehouse_dir': 's3://warehouse/'}, "s3:// and s3n:// are not Hadoop's S3A scheme"),
    ({'s3_secret_key': ''}, 'hive_metastore_s3_access_key and hive_metastore_s3_secret_key are required'),
    ({'s3_access_key': 'unit access'}, 'may not contain spaces'),
    ({'s3_endpoint': 's3.example.net:8333'}, 'must be a URL with scheme and without path'),
    ({'s3_ca': 'not a certificate'}, 'must be a PEM certificate'),
    ({'site_properties': {'fs.s3a.secret.key': 'x'}}, 'fs.s3a.secret.key is set by the role'),
    ({'generate_password': False}, 'hive_metastore_db_password is required'),
    ({'port': 80}, 'between 1024 and 65535'),
    ({'heap_mb': 128}, 'at least 256'),
    ({'jdbc_jar': '/usr/share/java/a.jar:/b.jar'}, 'hive_metastore_jdbc_jar'),
    ({'config_dir': 'etc/hms'}, 'hive_metastore_config_dir=etc/hms is a relative path'),
    ({'user': 'Hive User'}, 'hive_metastore_user'),
    ({'db_name': 'meta-store'}, 'hive_metastore_db_name'),
    ({'os_family': 'RedHat'}, 'supports the Debian family'),
    ({'version': '4.0'}, 'must be a release number'),
])
def test_bad_input(changes, match):
    refused(match, **changes)


def test_extra_site_properties_are_added_and_win_over_role_defaults():
    assert build(site_properties={'metastore.task.threads.always': 'x'})['site']['metastore.task.threads.always'] == 'x'
    assert build(site_properties={'metastore.server.max.threads': 200})['site']['metastore.server.max.threads'] == '200'
    assert 'metastore.task.threads.always' not in build(version='4.1.0', checksums={'4.1.0': SHA},
                                                        java_package='openjdk-17-jre-headless')['site']


def test_hive_4_keeps_managed_tables_managed():
    # Hive 4's default transformer turns Trino's managed tables into external ones (Trino then refuses
    # to write to them); a single space switches it off, an empty value would mean the default.
    assert build()['site']['metastore.metadata.transformer.class'] == ' '
    assert build(version='4.1.0', checksums={'4.1.0': SHA},
                 java_package='openjdk-17-jre-headless')['site']['metastore.metadata.transformer.class'] == ' '
    custom = 'org.example.Transformer'
    assert build(site_properties={'metastore.metadata.transformer.class': custom})['site'][
        'metastore.metadata.transformer.class'] == custom


def test_input_must_be_complete():
    with pytest.raises(AnsibleFilterError, match='hive_metastore_settings: inventory_hostname is required'):
        hive_metastore_settings(dict((k, v) for k, v in BASE.items() if k != 'inventory_hostname'))
    with pytest.raises(AnsibleFilterError, match='hive_metastore_settings: unknown settings colour'):
        build(colour='blue')
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        hive_metastore_settings('x')


# ---------------------------------------------------------------- issue 10: the new classes of bad input

@pytest.mark.parametrize('changes,match', [
    ({'data_dir': '/var/lib'}, r'hive_metastore_data_dir=/var/lib is a system directory'),
    ({'config_dir': '/etc'}, r'hive_metastore_config_dir=/etc is a system directory'),
    ({'config_dir': '/etc/hive/../ssl'}, r'hive_metastore_config_dir=/etc/hive/\.\./ssl is not a normalised path'),
    ({'data_dir': '/etc/hive-metastore/data'},
     r'hive_metastore_config_dir=/etc/hive-metastore contains hive_metastore_data_dir=/etc/hive-metastore/data'),
    ({'data_dir': '/proc/hms'}, r'hive_metastore_data_dir=/proc/hms is inside /proc'),
    ({'install_root': 'opt/datamesh'}, r'datamesh_install_root=opt/datamesh is a relative path'),
    ({'install_root': '/'}, r'datamesh_install_root=/ is a system directory'),
    ({'install_root': '/usr'}, r'datamesh_install_root=/usr is a system directory'),
    ({'data_dir': '/opt/datamesh/hadoop-client-api/data'}, r'is inside the install directory of hadoop-client-api'),
    ({'data_dir': '/var/cache/datamesh/hms'}, r"is inside _common's artifact cache"),
])
def test_dangerous_directories_are_refused(changes, match):
    refused(match, **changes)


def test_directories_of_other_roles_on_the_host_are_refused():
    on_trino = {'group_names': ['hive_metastore', 'trino_coordinator'], 'host_vars': {}}
    refused(r'hive_metastore_data_dir=/var/lib/trino/hms is inside trino_data_dir of role trino \(/var/lib/trino\)',
            data_dir='/var/lib/trino/hms', **on_trino)
    refused(r'hive_metastore_config_dir=/srv/etc is the same directory as seaweedfs_config_dir of role seaweedfs',
            config_dir='/srv/etc', group_names=['hive_metastore', 'seaweedfs'],
            host_vars={'seaweedfs_config_dir': '/srv/etc'})
    # a role the host does not run does not count
    assert build(data_dir='/var/lib/trino/hms')['unit']['working_directory'] == '/var/lib/trino/hms'


@pytest.mark.parametrize('changes,match', [
    ({'db_password': 'mine'}, r'hive_metastore_db_password is a well-known default'),
    ({'db_password': 'hive-secret-2026-db-pw'}, r'hive_metastore_db_password contains the user name hive'),
    ({'db_password': 'Short1pw'}, r'hive_metastore_db_password is 8 characters long; it needs at least 16'),
    ({'db_password': 'hmsdatabase7'}, r'hive_metastore_db_password is a well-known default'),
    ({'s3_secret_key': 'fixture-secret-key'}, r'hive_metastore_s3_secret_key is a well-known default'),
    ({'s3_secret_key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'}, r'hive_metastore_s3_secret_key is a well-known'),
    ({'s3_secret_key': 'minioadmin'}, r'hive_metastore_s3_secret_key is a well-known default'),
    ({'s3_secret_key': 'unit-access-0123456789'}, r'hive_metastore_s3_secret_key contains the user name unit-access'),
    ({'s3_secret_key': 'aaaaaaaaaaaaaaaaaaaa'}, r'one or two characters repeated'),
])
def test_weak_secrets_are_refused_without_showing_them(changes, match):
    with pytest.raises(AnsibleFilterError, match=match) as error:
        build(db_name='hmsdatabase7', **changes)
    for secret in changes.values():
        assert secret not in str(error.value).replace('unit-access ', '').replace('user name hive', '')


def test_secrets_never_enter_the_result():
    text = repr(build(db_password='Hq8vT2xw5ZcL0pR7nB4s', generate_password=False))
    assert 'Hq8vT2xw5ZcL0pR7nB4s' not in text and 'Vq3xN8rT5mWz2kLp9dHs' not in text


def test_all_problems_of_a_class_at_once_first_on_top():
    with pytest.raises(AnsibleFilterError) as error:
        build(data_dir='/var', db_password='password', known_variables=['hive_metastore_port'],
              variables=['hive_metastore_prot'])
    message = str(error.value)
    assert message.index('hive_metastore_prot') < message.index('hive_metastore_data_dir=/var') < \
        message.index('hive_metastore_db_password')


def test_port_clash_with_another_role_on_the_host():
    refused(r'seaweedfs_filer_port=8888 clashes with hive_metastore_port=8888 \(role hive_metastore\) on this host',
            port=8888, group_names=['hive_metastore', 'seaweedfs'])
    refused(r'trino_port=9083 clashes with hive_metastore_port=9083 \(role hive_metastore\)',
            group_names=['hive_metastore', 'trino_worker'], host_vars={'trino_port': 9083})
    refused(r'mysql_multi_instances\[0\].port \(hms\)=3307 clashes with hive_metastore_port=3307', port=3307, group_names=['mysql', 'hive_metastore'],
            host_vars={'mysql_multi_instances': [{'name': 'hms', 'port': 3307}]})
    # the database instance on this host, even where the host is not in the mysql group
    refused(r'the port of mysql_multi instance hms \(hive_metastore_db_instance\)=3307 clashes with '
            r'hive_metastore_port=3307', port=3307)
    # SeaweedFS's gRPC port (HTTP + 10000)
    refused(r'seaweedfs_master_port \+ 10000 \(gRPC\)=19333 clashes with hive_metastore_port=19333', port=19333,
            group_names=['hive_metastore', 'seaweedfs'])
    assert build(group_names=['hive_metastore', 'seaweedfs', 'trino_coordinator', 'jupyterhub', 'mysql'],
                 host_vars={'mysql_multi_instances': [{'name': 'hms', 'port': 3307}]})['wait']['port'] == 9083


def test_port_in_use_by_another_program():
    nginx = [{'port': 9083, 'address': '0.0.0.0', 'pid': 42, 'process': 'nginx', 'unit': 'nginx.service'}]
    refused(r'hive_metastore_port=9083: port 9083 is already in use on this host by nginx \(pid 42, unit nginx.service\)',
            listening=nginx)
    # the metastore itself, on a re-run
    ours = [{'port': 9083, 'address': '::', 'pid': 7, 'process': 'java', 'unit': 'hive-metastore.service'}]
    assert build(listening=ours)['wait']['port'] == 9083


def test_unknown_variables_name_the_closest_known_one():
    known = ['hive_metastore_port', 'hive_metastore_db_instance', 'hive_metastore_s3_secret_key']
    refused(r'hive_metastore_db_instances is not a variable of role hive_metastore: did you mean '
            r'hive_metastore_db_instance\?', variables=['hive_metastore_db_instances', 'hive_metastore_port'],
            known_variables=known)
    # what the schema task registers is not a typo
    assert build(variables=['hive_metastore_schema', 'hive_metastore_port'], known_variables=known)


def test_unknown_keys_of_a_hadoop_jar():
    refused(r'hive_metastore_hadoop_jars\[1\] has an unknown key sha265: did you mean sha256\?',
            jars=[JARS[0], {'maven': 'org.apache.hadoop:hadoop-aws:3.3.6', 'sha256': 'd' * 64, 'sha265': 'x'}])


@pytest.mark.parametrize('changes,match', [
    ({'bind_address': '0.0.0.0 '}, r'hive_metastore_bind_address=.0\.0\.0\.0 . is neither an IP address nor'),
    ({'s3_region': 'US East'}, r'hive_metastore_s3_region=.US East. is not a region name'),
    ({'jvm_options': ['-Xmx4g']}, r'hive_metastore_jvm_options sets the heap \(-Xmx4g\): set hive_metastore_heap_mb'),
    ({'site_properties': {'metastore server threads': 5}}, r"'metastore server threads' is not a Hadoop property name"),
    ({'site_properties': {'metastore.server.max.threads': {'max': 5}}}, r'metastore.server.max.threads must have one value'),
    ({'site_properties': {'metastore.x': 'a\nb'}}, r'metastore.x must have one value on one line'),
    ({'db_jdbc_options': {'sslmode': 'verify-full'}}, r'db_jdbc_options has an unknown key sslmode: did you mean sslMode\?'),
    ({'db_jdbc_options': {'password': 'Hq8vT2xw5ZcL0pR7nB4s'}}, r"password may not be given here: the JDBC URL goes onto schematool's"),
    ({'db_jdbc_options': {'trustStorePassword': 'x'}}, r'trustStorePassword may not be given here'),
    ({'db_jdbc_options': {'sslMode': 'verify-full&user=root'}}, r'the value of sslMode must be one word'),
    ({'db_jdbc_options': {'ssl mode': 'on'}}, r"'ssl mode' is not a JDBC option name"),
])
def test_values_that_would_only_fail_later(changes, match):
    refused(match, **changes)


def test_boolean_site_properties_are_written_as_hadoop_booleans():
    assert build(site_properties={'metastore.metrics.enabled': True})['site']['metastore.metrics.enabled'] == 'true'


STORE_HOSTS = {'db1': {}, 'lab': {'ansible_host': '192.0.2.7', 'seaweedfs_buckets': [{'name': 'warehouse'}]},
               'minio1': {'minio_buckets': [{'name': 'landing'}]}}
STORE_GROUPS = {'seaweedfs': ['lab'], 'minio': ['minio1'], 'mysql': ['db1']}


def test_s3_endpoint_of_a_store_of_the_inventory():
    inv = {'hostvars': STORE_HOSTS, 'groups': STORE_GROUPS}
    assert build(s3_endpoint='https://lab:8333', **inv)
    assert build(s3_endpoint='https://192.0.2.7:8333', **inv)
    refused(r'hive_metastore_s3_endpoint=https://lab:9000: lab runs the seaweedfs S3 API on port 8333 '
            r'\(seaweedfs_s3_port\), not 9000', s3_endpoint='https://lab:9000', **inv)
    refused(r'hive_metastore_warehouse_dir=s3a://warehouse/: the bucket warehouse is not declared on minio1 '
            r'\(minio_buckets: landing\)', s3_endpoint='https://minio1:9000', **inv)
    refused(r'the bucket lake is not declared on lab', s3_endpoint='https://lab:8333', warehouse_dir='s3a://lake/x', **inv)
    # endpoints outside the inventory's stores cannot be checked here
    assert build(s3_endpoint='https://s3.example.net', **inv)
    assert build(s3_endpoint='https://db1:8333', **inv)


def test_db_readers_come_out_without_their_passwords():
    out = build(db_readers=[{'name': 'datahub', 'password': 'Rd7-reader-Pw-2026x'},
                            {'name': 'audit', 'password': 'Au3-reader-Pw-2026y', 'host': '10.0.%'}])
    assert out['db_readers'] == [{'name': 'datahub', 'host': '%'}, {'name': 'audit', 'host': '10.0.%'}]
    assert 'Rd7-reader-Pw-2026x' not in str(out)


@pytest.mark.parametrize('readers, match', [
    ({'name': 'datahub'}, 'hive_metastore_db_readers must be a list'),
    ([{'name': 'datahub'}], r'hive_metastore_db_readers\[0\].password is required'),
    ([{'name': 'datahub', 'password': 'short'}], r'hive_metastore_db_readers\[0\].password is 5 characters long'),
    ([{'name': 'hive', 'password': 'Rd7-reader-Pw-2026x'}], r'hive_metastore_db_readers\[0\].name=hive must be an account'),
    ([{'name': 'x', 'password': 'Rd7-reader-Pw-2026x', 'host': 'a b'}], r'\[0\].host=a b must be a MariaDB host'),
    ([{'name': 'x', 'password': 'Rd7-reader-Pw-2026x', 'priv': 'ALL'}], r'\[0\] has an unknown key priv'),
])
def test_bad_db_readers_are_refused(readers, match):
    refused(match, db_readers=readers)
