"""Checks of the jupyterhub_k8s scenario against the cluster in KUBECONFIG (controller side)."""
import json
import os
import subprocess
import time
import urllib.request

NAMESPACE = 'jupyterhub-molecule'
RELEASE = 'jupyterhub-molecule'


def kubectl(*args):
    return subprocess.check_output(['kubectl', '--kubeconfig', os.environ['KUBECONFIG'], '-n', NAMESPACE, *args], text=True)


def helm_values():
    out = subprocess.check_output(['helm', '--kubeconfig', os.environ['KUBECONFIG'], '-n', NAMESPACE,
                                   'get', 'values', RELEASE, '-o', 'json'], text=True)
    return json.loads(out)


def test_release_deployed_with_the_pinned_chart():
    out = subprocess.check_output(['helm', '--kubeconfig', os.environ['KUBECONFIG'], '-n', NAMESPACE,
                                   'list', '-o', 'json'], text=True)
    release = [r for r in json.loads(out) if r['name'] == RELEASE][0]
    assert release['status'] == 'deployed'
    assert release['chart'] == 'jupyterhub-4.4.0'


def test_values_from_the_role():
    v = helm_values()
    assert v['proxy']['service'] == {'type': 'NodePort', 'nodePorts': {'http': 31030}}
    assert v['hub']['config']['JupyterHub']['authenticator_class'] == 'nativeauthenticator.NativeAuthenticator'
    assert v['hub']['config']['Authenticator']['admin_users'] == ['admin']
    assert v['scheduling']['userScheduler']['enabled'] is False
    assert v['prePuller']['hook']['enabled'] is False
    assert v['cull']['enabled'] is True


def test_proxy_service_is_a_node_port():
    svc = json.loads(kubectl('get', 'service', 'proxy-public', '-o', 'json'))
    assert svc['spec']['type'] == 'NodePort'
    assert [p['nodePort'] for p in svc['spec']['ports'] if p['name'] == 'http'] == [31030]


def test_hub_healthy_through_the_node_port():
    node = json.loads(kubectl('get', 'nodes', '-o', 'json'))['items'][0]
    address = [a['address'] for a in node['status']['addresses'] if a['type'] == 'InternalIP'][0]
    for _attempt in range(60):
        try:
            with urllib.request.urlopen(f'http://{address}:31030/hub/health', timeout=5) as r:
                assert r.status == 200
                return
        except OSError:
            time.sleep(5)
    raise AssertionError('hub never answered on the NodePort')


def test_login_page_is_the_native_authenticator():
    node = json.loads(kubectl('get', 'nodes', '-o', 'json'))['items'][0]
    address = [a['address'] for a in node['status']['addresses'] if a['type'] == 'InternalIP'][0]
    with urllib.request.urlopen(f'http://{address}:31030/hub/login', timeout=10) as r:
        page = r.read().decode()
    assert 'signup' in page.lower()
