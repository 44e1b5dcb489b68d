"""Checks of kubeadm_node in preparation mode (kubeadm_node_install_kubernetes: false).

No Kubernetes package, image or Helm can be fetched here, so no cluster runs (that is
molecule/kubeadm_node). What runs is real: containerd 1.6 (Debian 12) and 2.1 (Debian 13 with
unstable's package) with the role's configuration for each major version, answering on their
socket with the systemd cgroup driver, as containerd itself reads it; the kernel module and
sysctl files; the kubeadm configuration as the filter built it. A container can neither load
kernel modules nor set most sysctls, so those are checked as files only.
"""
import re
import tomllib

import yaml

CONFIG = '/etc/containerd/config.toml'
PAUSE = 'registry.k8s.io/pause:3.10.1'
# containerd major version per host (molecule.yml): Debian 12's package, and unstable's on Debian 13
MAJOR = {'datamesh-kubeadm-node-check': 1, 'datamesh-kubeadm-node-check-c2': 2}


def major(host):
    return MAJOR[host.backend.get_hostname()]


def test_kernel_module_and_sysctl_files(host):
    modules = host.file('/etc/modules-load.d/kubernetes.conf')
    assert modules.mode == 0o644
    assert [line for line in modules.content_string.splitlines() if not line.startswith('#')] == ['overlay', 'br_netfilter']
    sysctl = host.file('/etc/sysctl.d/99-kubernetes.conf').content_string
    for key in ('net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables', 'net.ipv4.ip_forward'):
        assert re.search(r'^%s\s*=\s*1$' % re.escape(key), sysctl, re.M), key


def test_no_swap(host):
    assert host.run('swapon --show --noheadings').stdout.strip() == ''


def test_containerd_installed_and_running(host):
    package = host.package('containerd')
    assert package.is_installed
    assert package.version.startswith('%d.' % major(host))
    service = host.service('containerd')
    assert service.is_running
    assert service.is_enabled
    version = host.run('ctr --address /run/containerd/containerd.sock version')
    assert version.rc == 0, version.stderr
    assert 'Server:' in version.stdout


def test_containerd_config_is_the_one_in_effect(host):
    """containerd's own view of its configuration: `config dump` merges the file with its defaults."""
    assert host.file(CONFIG).content_string.startswith('#')
    dump = host.run('containerd --config %s config dump' % CONFIG)
    assert dump.rc == 0, dump.stderr
    config = tomllib.loads(dump.stdout)
    plugins = config['plugins']
    if major(host) == 1:
        assert config['version'] == 2
        cri = plugins['io.containerd.grpc.v1.cri']
        runc = cri['containerd']['runtimes']['runc']
        assert cri['sandbox_image'] == PAUSE
        assert cri['cni']['bin_dir'] == '/opt/cni/bin'   # Debian's package says /usr/lib/cni
        assert cri['registry']['config_path'] == '/etc/containerd/certs.d'
    else:
        assert config['version'] == 3
        images = plugins['io.containerd.cri.v1.images']
        runtime = plugins['io.containerd.cri.v1.runtime']
        runc = runtime['containerd']['runtimes']['runc']
        assert images['pinned_images']['sandbox'] == PAUSE
        assert images['registry']['config_path'] == '/etc/containerd/certs.d'
        assert '/opt/cni/bin' in runtime['cni'].get('bin_dirs', [runtime['cni'].get('bin_dir')])
    assert runc['runtime_type'] == 'io.containerd.runc.v2'
    assert runc['options']['SystemdCgroup'] is True


def test_running_containerd_loaded_the_cri_plugin(host):
    """The CRI plugin is what the kubelet talks to; it must be loaded by the running daemon."""
    plugins = host.run('ctr --address /run/containerd/containerd.sock plugins ls')
    assert plugins.rc == 0, plugins.stderr
    cri = [line.split() for line in plugins.stdout.splitlines() if line.split()[:2] == ['io.containerd.grpc.v1', 'cri']]
    assert cri and cri[0][-1] == 'ok', plugins.stdout


def test_registry_mirrors(host):
    k8s = host.file('/etc/containerd/certs.d/registry.k8s.io/hosts.toml').content_string
    assert 'server = "https://registry.k8s.io"' in k8s
    assert '[host."https://mirror.datamesh.test:5000"]' in k8s
    docker = host.file('/etc/containerd/certs.d/docker.io/hosts.toml').content_string
    assert 'server = "https://registry-1.docker.io"' in docker
    assert docker.index('mirror.datamesh.test:5001') < docker.index('mirror2.datamesh.test')
    assert docker.count('capabilities = ["pull", "resolve"]') == 2


def test_kubeadm_config(host):
    f = host.file('/etc/kubernetes/kubeadm-config.yaml')
    assert f.user == 'root' and f.mode == 0o600
    init, cluster, kubelet = [d for d in yaml.safe_load_all(f.content_string) if d]
    assert init['kind'] == 'InitConfiguration' and init['apiVersion'] == 'kubeadm.k8s.io/v1beta4'
    assert init['localAPIEndpoint'] == {'advertiseAddress': '192.0.2.10', 'bindPort': 6443}
    assert init['nodeRegistration']['criSocket'] == 'unix:///var/run/containerd/containerd.sock'
    # single node (no workers in the inventory): no control-plane taint
    assert init['nodeRegistration']['taints'] == []
    assert init['nodeRegistration']['name'] == host.run('hostname -s').stdout.strip().lower()
    assert cluster['kubernetesVersion'] == 'v1.35.8'
    assert cluster['networking'] == {'podSubnet': '10.244.0.0/16', 'serviceSubnet': '10.96.0.0/12',
                                     'dnsDomain': 'cluster.local'}
    assert cluster['apiServer'] == {'certSANs': ['k8s.datamesh.test']}
    assert kubelet == {'apiVersion': 'kubelet.config.k8s.io/v1beta1', 'kind': 'KubeletConfiguration',
                       'cgroupDriver': 'systemd'}


def test_nothing_of_kubernetes_installed_in_preparation_mode(host):
    for package in ('kubelet', 'kubeadm', 'kubectl'):
        assert not host.package(package).is_installed
    assert not host.file('/etc/apt/sources.list.d/kubernetes.list').exists
    assert not host.file('/usr/local/bin/helm').exists
