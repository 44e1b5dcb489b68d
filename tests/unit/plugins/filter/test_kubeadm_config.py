from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.filter.kubeadm_config import FilterModule, kubeadm_config

BASE = {'kubernetes_version': '1.35.8', 'advertise_address': '192.0.2.10', 'node_name': 'cp1'}


def build(**changes):
    return kubeadm_config(dict(BASE, **changes), 'kubeadm_node_')


def test_defaults():
    init, cluster, kubelet = build()
    assert init == {
        'apiVersion': 'kubeadm.k8s.io/v1beta4',
        'kind': 'InitConfiguration',
        'localAPIEndpoint': {'advertiseAddress': '192.0.2.10', 'bindPort': 6443},
        'nodeRegistration': {'name': 'cp1', 'criSocket': 'unix:///var/run/containerd/containerd.sock'},
    }
    assert cluster == {
        'apiVersion': 'kubeadm.k8s.io/v1beta4',
        'kind': 'ClusterConfiguration',
        'clusterName': 'kubernetes',
        'kubernetesVersion': 'v1.35.8',
        'imageRepository': 'registry.k8s.io',
        'networking': {'podSubnet': '10.244.0.0/16', 'serviceSubnet': '10.96.0.0/12', 'dnsDomain': 'cluster.local'},
    }
    assert kubelet == {'apiVersion': 'kubelet.config.k8s.io/v1beta1', 'kind': 'KubeletConfiguration',
                       'cgroupDriver': 'systemd'}


def test_untainted_single_node_has_an_empty_taint_list():
    init = build(taint_control_plane=False)[0]
    assert init['nodeRegistration']['taints'] == []
    assert 'taints' not in build(taint_control_plane=True)[0]['nodeRegistration']


def test_mirror_endpoint_sans_and_leading_v():
    _init, cluster, _kubelet = build(kubernetes_version='v1.36.4', image_repository='mirror.example:5000/k8s',
                                     control_plane_endpoint='k8s.example:6443', cert_sans=['k8s.example', '192.0.2.99'],
                                     bind_port='7443')
    assert cluster['kubernetesVersion'] == 'v1.36.4'
    assert cluster['imageRepository'] == 'mirror.example:5000/k8s'
    assert cluster['controlPlaneEndpoint'] == 'k8s.example:6443'
    assert cluster['apiServer'] == {'certSANs': ['k8s.example', '192.0.2.99']}
    assert build(bind_port='7443')[0]['localAPIEndpoint']['bindPort'] == 7443


def test_extras_merge_recursively_and_win():
    _init, cluster, kubelet = build(
        dns_domain='k8s.internal',
        cluster_extra={'networking': {'dnsDomain': 'k8s.internal'}, 'apiServer': {'extraArgs': [{'name': 'v', 'value': '2'}]},
                       'controllerManager': {'extraArgs': [{'name': 'node-cidr-mask-size', 'value': '25'}]}},
        kubelet_extra={'maxPods': 200, 'cgroupDriver': 'systemd', 'clusterDNS': ['10.96.0.10']})
    assert cluster['networking'] == {'podSubnet': '10.244.0.0/16', 'serviceSubnet': '10.96.0.0/12', 'dnsDomain': 'k8s.internal'}
    assert cluster['apiServer'] == {'extraArgs': [{'name': 'v', 'value': '2'}]}
    assert cluster['controllerManager'] == {'extraArgs': [{'name': 'node-cidr-mask-size', 'value': '25'}]}
    assert kubelet['maxPods'] == 200


# Overrides that contradict the validated settings would give a cluster other than the one the
# role checked (and kubeadm would only complain at init, if at all): refused, naming the variable to set.
@pytest.mark.parametrize('changes, message', [
    ({'cluster_extra': {'networking': {'podSubnet': '10.32.0.0/16'}}},
     'kubeadm_node_cluster_config.networking.podSubnet=10.32.0.0/16 contradicts kubeadm_node_pod_subnet=10.244.0.0/16: '
     'set kubeadm_node_pod_subnet instead'),
    ({'cluster_extra': {'networking': {'serviceSubnet': '10.244.0.0/16'}}},
     'kubeadm_node_cluster_config.networking.serviceSubnet=10.244.0.0/16 contradicts kubeadm_node_service_subnet=10.96.0.0/12'),
    ({'cluster_extra': {'networking': {'dnsDomain': 'k8s.internal'}}},
     'kubeadm_node_cluster_config.networking.dnsDomain=k8s.internal contradicts kubeadm_node_dns_domain=cluster.local'),
    ({'cluster_extra': {'kubernetesVersion': 'v1.34.2'}},
     'kubeadm_node_cluster_config.kubernetesVersion=v1.34.2 contradicts kubeadm_node_kubernetes_version=1.35.8'),
    ({'cluster_extra': {'clusterName': 'other'}}, 'kubeadm_node_cluster_config.clusterName=other contradicts kubeadm_node_cluster_name'),
    ({'cluster_extra': {'imageRepository': 'quay.io/k8s'}},
     'kubeadm_node_cluster_config.imageRepository=quay.io/k8s contradicts kubeadm_node_image_repository=registry.k8s.io'),
    ({'cluster_extra': {'apiServer': {'extraArgs': [{'name': 'secure-port', 'value': '7443'}]}}},
     'kubeadm_node_cluster_config.apiServer.extraArgs secure-port=7443 contradicts kubeadm_node_bind_port=6443'),
    ({'cluster_extra': {'apiServer': {'extraArgs': {'secure-port': '7443'}}}},
     'kubeadm_node_cluster_config.apiServer.extraArgs must be a list of {name, value} in kubeadm.k8s.io/v1beta4'),
    ({'kubelet_extra': {'cgroupDriver': 'cgroupfs'}},
     'kubeadm_node_kubelet_config.cgroupDriver=cgroupfs contradicts the containerd configuration the role writes'),
    ({'kubelet_extra': {'clusterDomain': 'k8s.internal'}},
     'kubeadm_node_kubelet_config.clusterDomain=k8s.internal contradicts kubeadm_node_dns_domain=cluster.local'),
    ({'kubelet_extra': {'clusterDNS': ['10.0.0.10']}},
     'kubeadm_node_kubelet_config.clusterDNS=10.0.0.10 lies outside kubeadm_node_service_subnet=10.96.0.0/12'),
])
def test_contradicting_overrides_are_refused(changes, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        build(**changes)


def test_equal_overrides_are_accepted():
    cluster = build(cluster_extra={'networking': {'podSubnet': '10.244.0.0/16', 'serviceSubnet': '10.96.0.0/12'},
                                   'kubernetesVersion': 'v1.35.8', 'clusterName': 'kubernetes',
                                   'apiServer': {'extraArgs': [{'name': 'secure-port', 'value': '6443'}]}})[1]
    assert cluster['networking']['podSubnet'] == '10.244.0.0/16'


@pytest.mark.parametrize('changes, message', [
    ({'cluster_extra': {'apiserver': {'certSANs': ['x']}}}, 'kubeadm_node_cluster_config has an unknown key apiserver: did you mean apiServer?'),
    ({'cluster_extra': {'networking': {'podCIDR': '10.244.0.0/16'}}},
     'kubeadm_node_cluster_config.networking has an unknown key podCIDR (known: dnsDomain, podSubnet, serviceSubnet)'),
])
def test_unknown_override_keys_are_refused(changes, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        build(**changes)


def test_messages_name_the_role_variables():
    with pytest.raises(AnsibleFilterError, match='kubeadm_node_cluster_config must be a dict'):
        build(cluster_extra=[])


def test_input_is_not_modified():
    extra = {'networking': {'dnsDomain': 'k8s.internal'}}
    params = dict(BASE, cluster_extra=extra, dns_domain='k8s.internal')
    kubeadm_config(params)
    assert params == dict(BASE, cluster_extra={'networking': {'dnsDomain': 'k8s.internal'}}, dns_domain='k8s.internal')


def test_ipv6_single_stack():
    init, cluster, _kubelet = build(pod_subnet='fd00:10:244::/56', service_subnet='fd00:10:96::/112',
                                    advertise_address='2001:db8::10')
    assert cluster['networking']['podSubnet'] == 'fd00:10:244::/56'
    assert init['localAPIEndpoint']['advertiseAddress'] == '2001:db8::10'


@pytest.mark.parametrize('changes, message', [
    ({'pod_subnet': '10.96.0.0/16'}, 'kubeadm_node_pod_subnet=10.96.0.0/16 overlaps kubeadm_node_service_subnet=10.96.0.0/12'),
    ({'service_subnet': '10.0.0.0/8'}, 'overlaps kubeadm_node_service_subnet=10.0.0.0/8'),
    ({'pod_subnet': '10.244.0.1/16'}, 'kubeadm_node_pod_subnet=10.244.0.1/16 is not a network in CIDR notation'),
    ({'pod_subnet': '10.244.0.0'}, 'kubeadm_node_pod_subnet=10.244.0.0 is not a network'),
    ({'pod_subnet': 'ten'}, 'kubeadm_node_pod_subnet=ten is not a network'),
    ({'pod_subnet': '10.244.0.0/25'}, 'kubeadm_node_pod_subnet=10.244.0.0/25 is too small: every node gets a /24'),
    ({'service_subnet': '172.0.0.0/11'}, 'kubeadm_node_service_subnet=172.0.0.0/11 is too large'),
    ({'pod_subnet': 'fd00::/48'}, 'must be of the same IP family'),
    ({'advertise_address': '10.244.1.1'}, 'kubeadm_node_advertise_address=10.244.1.1 lies inside kubeadm_node_pod_subnet'),
    ({'advertise_address': 'cp1.example'}, 'kubeadm_node_advertise_address=cp1.example is not an IP address'),
    ({'advertise_address': ''}, 'kubeadm_node_advertise_address is required'),
    ({'kubernetes_version': '1.35'}, 'kubeadm_node_kubernetes_version=1.35 is not a Kubernetes release'),
    ({'kubernetes_version': 'latest'}, 'is not a Kubernetes release'),
    ({'kubernetes_version': '1.30.4'}, 'older than 1.31'),
    ({'node_name': 'CP_1'}, 'kubeadm_node_node_name=CP_1 is not a valid node name'),
    ({'bind_port': 0}, 'kubeadm_node_bind_port=0 is not a TCP port'),
    ({'bind_port': 'x'}, 'kubeadm_node_bind_port=x is not a TCP port'),
    ({'control_plane_endpoint': 'https://k8s:6443'}, 'kubeadm_node_control_plane_endpoint=https://k8s:6443 is not'),
    ({'image_repository': 'http://mirror/k8s'}, 'kubeadm_node_image_repository=http://mirror/k8s is not an image repository'),
    ({'cert_sans': 'k8s.example'}, 'kubeadm_node_apiserver_cert_sans must be a list'),
    ({'kubelet_extra': {'kind': 'Other'}}, 'kubeadm_node_kubelet_config cannot set kind'),
    ({'cluster_extra': []}, 'kubeadm_node_cluster_config must be a dict'),
    ({'podsubnet': '10.0.0.0/16'}, 'unknown settings podsubnet'),
])
def test_refused(changes, message):
    with pytest.raises(AnsibleFilterError) as err:
        build(**changes)
    assert message in str(err.value)


def test_rejects_non_dict():
    with pytest.raises(AnsibleFilterError, match='expects a dict, got list'):
        kubeadm_config([])


def test_messages_without_prefix():
    with pytest.raises(AnsibleFilterError) as err:
        kubeadm_config(dict(BASE, pod_subnet='10.96.0.0/16'))
    assert str(err.value).startswith('pod_subnet=10.96.0.0/16 overlaps service_subnet=')


def test_registered_name():
    assert FilterModule().filters()['kubeadm_config'] is kubeadm_config
