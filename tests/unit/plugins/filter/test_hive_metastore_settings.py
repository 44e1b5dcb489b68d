from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.hive_metastore_settings import (
    ALWAYS_TASKS_40,
    FilterModule,
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
    's3_region': 'us-east-1', 's3_path_style': True, 's3_access_key_set': True, 's3_secret_key_set': True,
    's3_keys_plain': True, 's3_ca': '', 'site_properties': {}, 'db_group': 'mysql', 'db_host': 'db1',
    'db_host_known': True, 'db_instance': '', 'db_vars': {'mysql_multi_instances': [{'name': 'hms', 'port': 3307}]},
    'db_name': 'metastore', 'db_user': 'hive', 'db_address': '', 'db_client_host': '', 'db_socket': '',
    'db_jdbc_options': {}, 'db_password_set': False, 'generate_password': True, 'inventory_hostname': 'db1',
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
    ({'s3_secret_key_set': False}, 'hive_metastore_s3_access_key and hive_metastore_s3_secret_key are required'),
    ({'s3_keys_plain': False}, 'may not contain spaces'),
    ({'s3_endpoint': 's3.example.net:8333'}, 'must be a URL with scheme and without path'),
    ({'s3_ca': 'not a certificate'}, 'must be a PEM certificate'),
    ({'site_properties': {'fs.s3a.secret.key': 'x'}}, 'fs.s3a.secret.key is set by the role'),
    ({'generate_password': False}, 'hive_metastore_db_password is required'),
    ({'port': 80}, 'between 1024 and 65535'),
    ({'heap_mb': 128}, 'at least 256'),
    ({'jdbc_jar': '/usr/share/java/a.jar:/b.jar'}, 'hive_metastore_jdbc_jar'),
    ({'config_dir': 'etc/hms'}, 'hive_metastore_config_dir must be an absolute path'),
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


def test_input_must_be_complete():
    with pytest.raises(AnsibleFilterError, match='missing port'):
        hive_metastore_settings(dict((k, v) for k, v in BASE.items() if k != 'port'))
    with pytest.raises(AnsibleFilterError, match='unknown colour'):
        build(colour='blue')
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        hive_metastore_settings('x')
