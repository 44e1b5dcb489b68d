"""Checks of the live kubeadm_node scenario: a real cluster of a control plane and a worker.

Everything is asked of the cluster itself with kubectl on the control plane (root's kubeconfig,
written by the role): nodes, taints, the flannel pod network, the default StorageClass with a
claim that a pod binds and writes to, Helm, and the kubelet's and containerd's cgroup driver.
"""
import json
import os
import time
from pathlib import Path

import pytest
import testinfra

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
INVENTORY = Path(os.environ.get('MOLECULE_INVENTORY_FILE', EPHEMERAL / 'inventory' / 'ansible_inventory.yml'))
CP = 'datamesh-kubeadm-cp'
WORKER = 'datamesh-kubeadm-worker'

testinfra_hosts = [f'ansible://{CP}?ansible_inventory={INVENTORY}']


def other(name):
    return testinfra.get_host(f'ansible://{name}?ansible_inventory={INVENTORY}')


def kubectl(host, *args):
    out = host.run('kubectl ' + ' '.join(args))
    assert out.rc == 0, out.stderr
    return out.stdout


def kjson(host, *args):
    return json.loads(kubectl(host, *args, '-o', 'json'))


def test_two_ready_nodes_in_the_pinned_version(host):
    nodes = {n['metadata']['name']: n for n in kjson(host, 'get', 'nodes')['items']}
    assert set(nodes) == {CP, WORKER}
    for node in nodes.values():
        ready = [c for c in node['status']['conditions'] if c['type'] == 'Ready']
        assert ready and ready[0]['status'] == 'True', node['metadata']['name']
        assert node['status']['nodeInfo']['kubeletVersion'] == 'v1.35.8'
        assert node['status']['nodeInfo']['containerRuntimeVersion'].startswith('containerd://')


def test_control_plane_untainted(host):
    node = kjson(host, 'get', 'node', CP)
    taints = [t['key'] for t in node['spec'].get('taints', [])]
    assert 'node-role.kubernetes.io/control-plane' not in taints


def test_packages_held(host):
    held = host.run('apt-mark showhold').stdout.split()
    assert {'kubelet', 'kubeadm', 'kubectl'} <= set(held)
    assert host.package('kubeadm').version == '1.35.8-1.1'


def test_systemd_cgroup_driver_on_both_sides(host):
    assert 'cgroupDriver: systemd' in host.file('/var/lib/kubelet/config.yaml').content_string
    dump = host.run('containerd config dump').stdout
    assert 'SystemdCgroup = true' in dump


def test_flannel_runs_on_every_node(host):
    ds = kjson(host, '-n', 'kube-flannel', 'get', 'daemonset', 'kube-flannel-ds')
    assert ds['status']['desiredNumberScheduled'] == 2
    assert ds['status']['numberReady'] == 2
    net = kjson(host, '-n', 'kube-flannel', 'get', 'configmap', 'kube-flannel-cfg')['data']['net-conf.json']
    assert json.loads(net)['Network'] == '10.244.0.0/16'


def test_coredns_ready(host):
    deploy = kjson(host, '-n', 'kube-system', 'get', 'deployment', 'coredns')
    assert deploy['status'].get('readyReplicas', 0) >= 1


def test_default_storage_class(host):
    classes = kjson(host, 'get', 'storageclass')['items']
    default = [c['metadata']['name'] for c in classes
               if c['metadata'].get('annotations', {}).get('storageclass.kubernetes.io/is-default-class') == 'true']
    assert default == ['local-path']


@pytest.fixture
def claim_pod(host):
    manifest = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: datamesh-test, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 16Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: datamesh-test, namespace: default}
spec:
  restartPolicy: Never
  containers:
    - name: writer
      image: busybox
      command: [sh, -c, 'echo written-by-test > /data/proof && cat /data/proof']
      volumeMounts: [{name: data, mountPath: /data}]
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: datamesh-test}
"""
    out = host.run("kubectl apply -f - <<'EOF'\n" + manifest + "EOF")
    assert out.rc == 0, out.stderr
    yield
    host.run('kubectl -n default delete pod/datamesh-test pvc/datamesh-test --wait=true --timeout=120s')


def test_claim_without_storage_class_is_bound_and_usable(host, claim_pod):
    deadline = time.time() + 300
    phase = ''
    while time.time() < deadline:
        phase = kjson(host, '-n', 'default', 'get', 'pod', 'datamesh-test')['status'].get('phase', '')
        if phase in ('Succeeded', 'Failed'):
            break
        time.sleep(5)
    assert phase == 'Succeeded'
    assert kubectl(host, '-n', 'default', 'logs', 'datamesh-test').strip() == 'written-by-test'
    pvc = kjson(host, '-n', 'default', 'get', 'pvc', 'datamesh-test')
    assert pvc['status']['phase'] == 'Bound'
    assert pvc['spec']['storageClassName'] == 'local-path'


def test_helm_talks_to_the_cluster(host):
    assert host.file('/usr/local/bin/helm').is_symlink
    assert 'v3.18.4' in host.run('helm version --short').stdout
    out = host.run('helm list --all-namespaces')
    assert out.rc == 0, out.stderr


def test_root_kubeconfig_is_private(host):
    config = host.file('/root/.kube/config')
    assert config.mode == 0o600
    assert config.user == 'root'


def test_worker_joined_once():
    worker = other(WORKER)
    assert worker.file('/etc/kubernetes/kubelet.conf').exists
    assert worker.service('kubelet').is_running
    # The control plane's files stay on the control plane.
    assert not worker.file('/etc/kubernetes/admin.conf').exists
