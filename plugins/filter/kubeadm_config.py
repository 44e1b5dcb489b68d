# Copyright: datamesh.platform contributors
# Apache License 2.0 (see LICENSE)
"""Filter ``kubeadm_config``: the documents of a kubeadm configuration file, built from role variables."""

from __future__ import annotations

import difflib
import ipaddress
import re

from ansible.errors import AnsibleFilterError
from ansible_collections.datamesh.platform.plugins.plugin_utils.merge import deep_merge
from ansible.module_utils.common.text.converters import to_text

# kubeadm.k8s.io/v1beta4 exists since Kubernetes 1.31 (v1beta3 is deprecated there).
KUBEADM_API = 'kubeadm.k8s.io/v1beta4'
KUBELET_API = 'kubelet.config.k8s.io/v1beta1'
MIN_MINOR = 31

_VERSION = re.compile(r'^v?(1)\.([0-9]+)\.([0-9]+)$')
_DNS_LABEL = r'[a-z0-9]([-a-z0-9]*[a-z0-9])?'
_NODE_NAME = re.compile(r'^%s(\.%s)*$' % (_DNS_LABEL, _DNS_LABEL))
_ENDPOINT = re.compile(r'^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?)(:[0-9]{1,5})?$')
_REPOSITORY = re.compile(r'^[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[a-z0-9._/-]+)?$')

DEFAULTS = {
    'cluster_name': 'kubernetes',
    'bind_port': 6443,
    'cri_socket': 'unix:///var/run/containerd/containerd.sock',
    'pod_subnet': '10.244.0.0/16',
    'service_subnet': '10.96.0.0/12',
    'dns_domain': 'cluster.local',
    'image_repository': 'registry.k8s.io',
    'control_plane_endpoint': '',
    'cert_sans': [],
    'taint_control_plane': True,
    'cluster_extra': {},
    'kubelet_extra': {},
}
REQUIRED = ('kubernetes_version', 'advertise_address', 'node_name')
# The role's variables are named like the settings, except these.
VARIABLES = {'cluster_extra': 'cluster_config', 'kubelet_extra': 'kubelet_config', 'cert_sans': 'apiserver_cert_sans'}
# Fields of ClusterConfiguration in kubeadm.k8s.io/v1beta4 (kubeadm configuration API reference).
CLUSTER_FIELDS = frozenset((
    'etcd', 'networking', 'kubernetesVersion', 'controlPlaneEndpoint', 'apiServer', 'controllerManager', 'scheduler',
    'dns', 'proxy', 'certificatesDir', 'imageRepository', 'featureGates', 'clusterName', 'encryptionAlgorithm',
    'certificateValidityPeriod', 'caCertificateValidityPeriod',
))
NETWORKING_FIELDS = frozenset(('podSubnet', 'serviceSubnet', 'dnsDomain'))
# kube-apiserver flags that would move it away from what the role configured and checks.
APISERVER_FIXED_ARGS = {
    'secure-port': 'bind_port', 'advertise-address': 'advertise_address', 'service-cluster-ip-range': 'service_subnet',
}


def _network(value, name):
    if '/' not in to_text(value):
        raise AnsibleFilterError('%s=%s is not a network in CIDR notation (address/prefix length)' % (name, value))
    try:
        return ipaddress.ip_network(to_text(value), strict=True)
    except ValueError as exc:
        raise AnsibleFilterError('%s=%s is not a network in CIDR notation with its host bits zero (%s)'
                                 % (name, value, exc)) from None


def kubeadm_config(params, prefix=''):
    """Return [InitConfiguration, ClusterConfiguration, KubeletConfiguration] as dicts.

    ``params`` holds the settings under short names (see DEFAULTS and REQUIRED); ``prefix`` is
    put before those names in error messages so that they name the variable to change.
    """
    if not isinstance(params, dict):
        raise AnsibleFilterError('kubeadm_config expects a dict, got %s' % type(params).__name__)
    unknown = sorted(set(params) - set(DEFAULTS) - set(REQUIRED))
    if unknown:
        raise AnsibleFilterError('kubeadm_config: unknown settings %s' % ', '.join(unknown))
    p = dict(DEFAULTS, **params)

    def name(key):
        return prefix + VARIABLES.get(key, key)

    for key in REQUIRED:
        if not p.get(key):
            raise AnsibleFilterError('%s is required' % name(key))

    match = _VERSION.match(to_text(p['kubernetes_version']))
    if not match:
        raise AnsibleFilterError('%s=%s is not a Kubernetes release like 1.35.8'
                                 % (name('kubernetes_version'), p['kubernetes_version']))
    if int(match.group(2)) < MIN_MINOR:
        raise AnsibleFilterError('%s=%s is older than 1.%d, the first release with the kubeadm configuration API %s'
                                 % (name('kubernetes_version'), p['kubernetes_version'], MIN_MINOR, KUBEADM_API))
    version = 'v%s.%s.%s' % match.groups()

    pods = _network(p['pod_subnet'], name('pod_subnet'))
    services = _network(p['service_subnet'], name('service_subnet'))
    if pods.version != services.version:
        raise AnsibleFilterError('%s=%s and %s=%s must be of the same IP family (dual stack is not supported by this role)'
                                 % (name('pod_subnet'), pods, name('service_subnet'), services))
    if pods.overlaps(services):
        raise AnsibleFilterError('%s=%s overlaps %s=%s: pod and service addresses must be disjoint'
                                 % (name('pod_subnet'), pods, name('service_subnet'), services))
    # The controller manager hands each node a /24 (IPv4) or /64 (IPv6) of the pod subnet.
    node_mask = 24 if pods.version == 4 else 64
    if pods.prefixlen > node_mask:
        raise AnsibleFilterError('%s=%s is too small: every node gets a /%d of it (e.g. use 10.244.0.0/16)'
                                 % (name('pod_subnet'), pods, node_mask))
    # kube-apiserver refuses service ranges of more than 20 host bits (/12 for IPv4, /108 for IPv6).
    max_bits = 20
    if services.max_prefixlen - services.prefixlen > max_bits:
        raise AnsibleFilterError('%s=%s is too large: kube-apiserver allows at most %d host bits (/%d for IPv%d)'
                                 % (name('service_subnet'), services, max_bits, services.max_prefixlen - max_bits,
                                    services.version))

    try:
        address = ipaddress.ip_address(to_text(p['advertise_address']))
    except ValueError:
        raise AnsibleFilterError('%s=%s is not an IP address' % (name('advertise_address'), p['advertise_address'])) from None
    for net, key in ((pods, 'pod_subnet'), (services, 'service_subnet')):
        if address.version == net.version and address in net:
            raise AnsibleFilterError('%s=%s lies inside %s=%s' % (name('advertise_address'), address, name(key), net))

    node_name = to_text(p['node_name'])
    if len(node_name) > 253 or not _NODE_NAME.match(node_name):
        raise AnsibleFilterError('%s=%s is not a valid node name (lower-case letters, digits, "-" and ".")'
                                 % (name('node_name'), node_name))
    try:
        port = int(p['bind_port'])
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        raise AnsibleFilterError('%s=%s is not a TCP port' % (name('bind_port'), p['bind_port']))
    endpoint = to_text(p['control_plane_endpoint'] or '')
    if endpoint and not _ENDPOINT.match(endpoint):
        raise AnsibleFilterError('%s=%s is not a host name or address with an optional :port'
                                 % (name('control_plane_endpoint'), endpoint))
    repository = to_text(p['image_repository'])
    if not _REPOSITORY.match(repository):
        raise AnsibleFilterError('%s=%s is not an image repository like registry.k8s.io or mirror.example:5000/k8s'
                                 % (name('image_repository'), repository))
    if not isinstance(p['cert_sans'], (list, tuple)):
        raise AnsibleFilterError('%s must be a list' % name('cert_sans'))
    for key in ('cluster_extra', 'kubelet_extra'):
        if not isinstance(p[key], dict):
            raise AnsibleFilterError('%s must be a dict' % name(key))
        fixed = {'apiVersion', 'kind'} & set(p[key])
        if fixed:
            raise AnsibleFilterError('%s cannot set %s' % (name(key), ', '.join(sorted(fixed))))

    _check_overrides(p, name, version, pods, services, repository, endpoint, address, port)

    node_registration = {'name': node_name, 'criSocket': to_text(p['cri_socket'])}
    if not p['taint_control_plane']:
        # An empty list means "no taints"; leaving it out means the control-plane taint.
        node_registration['taints'] = []
    init = {
        'apiVersion': KUBEADM_API,
        'kind': 'InitConfiguration',
        'localAPIEndpoint': {'advertiseAddress': str(address), 'bindPort': port},
        'nodeRegistration': node_registration,
    }
    cluster = {
        'apiVersion': KUBEADM_API,
        'kind': 'ClusterConfiguration',
        'clusterName': to_text(p['cluster_name']),
        'kubernetesVersion': version,
        'imageRepository': repository,
        'networking': {
            'podSubnet': str(pods),
            'serviceSubnet': str(services),
            'dnsDomain': to_text(p['dns_domain']),
        },
    }
    if endpoint:
        cluster['controlPlaneEndpoint'] = endpoint
    if p['cert_sans']:
        cluster['apiServer'] = {'certSANs': [to_text(s) for s in p['cert_sans']]}
    cluster = deep_merge(cluster, p['cluster_extra'])
    kubelet = deep_merge({
        'apiVersion': KUBELET_API,
        'kind': 'KubeletConfiguration',
        # containerd is configured with SystemdCgroup = true: both sides must agree.
        'cgroupDriver': 'systemd',
    }, p['kubelet_extra'])
    return [init, cluster, kubelet]


def _unknown(name, keys, allowed):
    problems = []
    for key in sorted(set(keys) - set(allowed), key=str):
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
        problems.append('%s has an unknown key %s%s' % (
            name, key, ': did you mean %s?' % close[0] if close else ' (known: %s)' % ', '.join(sorted(allowed))))
    return problems


def _check_overrides(p, name, version, pods, services, repository, endpoint, address, port):
    """Refuse overrides (cluster_extra, kubelet_extra) that contradict the validated settings, or that
    name fields kubeadm does not know (kubeadm would refuse them only at `kubeadm init`)."""
    cluster, kubelet = p['cluster_extra'], p['kubelet_extra']
    var_cluster, var_kubelet = name('cluster_extra'), name('kubelet_extra')
    problems = _unknown(var_cluster, cluster, CLUSTER_FIELDS)

    def contradiction(path, given, setting, value, variable=var_cluster):
        problems.append('%s.%s=%s contradicts %s=%s: set %s instead of overriding it'
                        % (variable, path, given, name(setting), value, name(setting)))

    def same_network(given, net):
        try:
            return ipaddress.ip_network(to_text(given), strict=False) == net
        except ValueError:
            return False

    networking = cluster.get('networking', {})
    if not isinstance(networking, dict):
        problems.append('%s.networking must be a dict' % var_cluster)
        networking = {}
    problems.extend(_unknown(var_cluster + '.networking', networking, NETWORKING_FIELDS))
    if 'podSubnet' in networking and not same_network(networking['podSubnet'], pods):
        contradiction('networking.podSubnet', networking['podSubnet'], 'pod_subnet', pods)
    if 'serviceSubnet' in networking and not same_network(networking['serviceSubnet'], services):
        contradiction('networking.serviceSubnet', networking['serviceSubnet'], 'service_subnet', services)
    if 'dnsDomain' in networking and to_text(networking['dnsDomain']) != to_text(p['dns_domain']):
        contradiction('networking.dnsDomain', networking['dnsDomain'], 'dns_domain', p['dns_domain'])
    if 'kubernetesVersion' in cluster and to_text(cluster['kubernetesVersion']).lstrip('v') != version.lstrip('v'):
        contradiction('kubernetesVersion', cluster['kubernetesVersion'], 'kubernetes_version', version.lstrip('v'))
    if 'clusterName' in cluster and to_text(cluster['clusterName']) != to_text(p['cluster_name']):
        contradiction('clusterName', cluster['clusterName'], 'cluster_name', p['cluster_name'])
    if 'imageRepository' in cluster and to_text(cluster['imageRepository']) != repository:
        contradiction('imageRepository', cluster['imageRepository'], 'image_repository', repository)
    if 'controlPlaneEndpoint' in cluster and to_text(cluster['controlPlaneEndpoint']) != endpoint:
        contradiction('controlPlaneEndpoint', cluster['controlPlaneEndpoint'], 'control_plane_endpoint', endpoint or '""')
    api_server = cluster.get('apiServer', {})
    extra_args = api_server.get('extraArgs', []) if isinstance(api_server, dict) else []
    if isinstance(extra_args, dict):
        problems.append('%s.apiServer.extraArgs must be a list of {name, value} in %s (a map was v1beta3)'
                        % (var_cluster, KUBEADM_API))
        extra_args = []
    fixed = {'bind_port': str(port), 'advertise_address': str(address), 'service_subnet': str(services)}
    for arg in extra_args if isinstance(extra_args, list) else ():
        setting = APISERVER_FIXED_ARGS.get(arg.get('name')) if isinstance(arg, dict) else None
        if setting and to_text(arg.get('value')) != fixed[setting]:
            contradiction('apiServer.extraArgs %s' % arg['name'], arg.get('value'), setting, fixed[setting])
    # containerd is configured with SystemdCgroup = true: the kubelet must use the systemd driver.
    if 'cgroupDriver' in kubelet and kubelet['cgroupDriver'] != 'systemd':
        problems.append('%s.cgroupDriver=%s contradicts the containerd configuration the role writes (SystemdCgroup = '
                        'true): the kubelet must use the systemd cgroup driver; remove the override'
                        % (var_kubelet, kubelet['cgroupDriver']))
    if 'clusterDomain' in kubelet and to_text(kubelet['clusterDomain']) != to_text(p['dns_domain']):
        contradiction('clusterDomain', kubelet['clusterDomain'], 'dns_domain', p['dns_domain'], var_kubelet)
    if 'clusterDNS' in kubelet:
        dns = kubelet['clusterDNS'] if isinstance(kubelet['clusterDNS'], list) else [kubelet['clusterDNS']]
        outside = [d for d in dns if not _in_network(d, services)]
        if outside:
            problems.append('%s.clusterDNS=%s lies outside %s=%s, where the cluster DNS service gets its address'
                            % (var_kubelet, ', '.join(to_text(d) for d in outside), name('service_subnet'), services))
    if problems:
        raise AnsibleFilterError(' '.join(problems))


def _in_network(address, net):
    try:
        return ipaddress.ip_address(to_text(address)) in net
    except ValueError:
        return False


class FilterModule:
    """datamesh.platform filters."""

    def filters(self):
        return {'kubeadm_config': kubeadm_config}
