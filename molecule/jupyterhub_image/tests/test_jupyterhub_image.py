"""Checks of the single-user image built by converge, run in its test container (as the image's
user): the same user environment as native mode (roles/jupyterhub/files/user-environment)."""
import base64
import json
import re
import subprocess
from pathlib import Path

import pytest
import testinfra

CONTAINER = 'datamesh-jupyterhub-singleuser-test'
IMAGE = 'datamesh/jupyterhub-singleuser:molecule'
SCENARIO = Path(__file__).resolve().parents[1]
USER_ENV = SCENARIO.parents[1] / 'roles' / 'jupyterhub' / 'files' / 'user-environment'


def pins(name):
    lines = (USER_ENV / name).read_text().splitlines()
    return dict(re.match(r'^([A-Za-z0-9_.-]+)==(\S+)$', ln).groups() for ln in lines if '==' in ln)


def norm(name):
    return re.sub(r'[-_.]+', '-', name).lower()


@pytest.fixture(scope='module')
def box():
    return testinfra.get_host(f'docker://{CONTAINER}')


@pytest.fixture(scope='module')
def kernels(box):
    data = base64.b64encode((SCENARIO / 'files' / 'kernel_checks.py').read_bytes()).decode()
    box.check_output(f'echo {data} | base64 -d > /tmp/kernel_checks.py')
    return json.loads(box.check_output('python /tmp/kernel_checks.py'))


def test_image_runs_jupyterhub_singleuser_under_tini():
    config = json.loads(subprocess.check_output(['docker', 'image', 'inspect', IMAGE]))[0]['Config']
    assert config['Entrypoint'] == ['/usr/bin/tini', '-g', '--']
    assert config['Cmd'] == ['jupyterhub-singleuser']
    assert config['User'] == '1000'
    assert config['WorkingDir'] == '/home/jovyan'


def test_runs_as_the_notebook_user(box):
    assert box.user().name == 'jovyan' and box.user().uid == 1000
    assert box.check_output('command -v jupyterhub-singleuser') == '/opt/datamesh/jupyterhub/user/bin/jupyterhub-singleuser'


def test_tools(box):
    for tool in ('tini', 'git', 'node', 'java', 'cron', 'crontab', 'dbt', 'datamesh-dbt-schedule'):
        assert box.run(f'command -v {tool}').rc == 0, tool
    assert 'openjdk' in box.run('java -version').stderr.lower()
    assert box.check_output('node --version').startswith('v')
    # No Trino CLI: its jar cannot be downloaded here (the Dockerfile installs one given in the context).
    assert box.run('command -v trino').rc != 0


def test_same_python_environment_as_native_mode(box):
    user = {norm(k): v for k, v in (ln.split('==') for ln in box.check_output(
        '/opt/datamesh/jupyterhub/user/bin/pip freeze').splitlines() if '==' in ln)}
    for name, version in pins('requirements.txt').items():
        assert user.get(norm(name)) == version, name
    dbt = {norm(k): v for k, v in (ln.split('==') for ln in box.check_output(
        '/opt/datamesh/jupyterhub/dbt/bin/pip freeze').splitlines() if '==' in ln)}
    for name, version in pins('dbt-requirements.txt').items():
        assert dbt.get(norm(name)) == version, name
    assert box.file('/opt/datamesh/jupyterhub/user/.datamesh-requirements').content_string == \
        (USER_ENV / 'requirements.txt').read_text()


def test_kernels_and_extensions_installed(box):
    specs = box.check_output('jupyter kernelspec list')
    assert 'bash' in specs and 'python3' in specs
    server = box.run('jupyter server extension list')
    for ext in ('jupyterlab_git', 'jupyter_scheduler', 'jupyterlab'):
        assert re.search(rf'{ext}\s.*enabled', server.stdout + server.stderr), ext
    lab = box.run('jupyter labextension list')
    for ext in ('@jupyterlab/git', '@jupyterlab/scheduler'):
        assert re.search(rf'{re.escape(ext)} v\S+ .*enabled', lab.stdout + lab.stderr), ext
    config = box.file('/opt/datamesh/jupyterhub/user/etc/jupyter/jupyter_server_config.py').content_string
    assert 'cull_idle_timeout' in config


def test_python_kernel(kernels):
    py = kernels['python3']
    assert py['status'] == 'ok', py
    assert 'USER jovyan' in py['out'] and 'SUM 6' in py['out']
    assert 'PREFIX /opt/datamesh/jupyterhub/user' in py['out']


def test_bash_kernel_git_and_dbt(kernels):
    bash = kernels['bash']
    assert bash['status'] == 'ok', bash
    assert 'USER jovyan' in bash['out'] and 'COMMITS 1' in bash['out']
    assert 'Core:' in bash['out'] and '1.11.' in bash['out']
    assert 'DBT_PARSE_RC=0' in bash['out'] and 'MANIFEST_OK' in bash['out']


def test_singleuser_server_starts_and_looks_for_its_hub(box):
    """Without a hub (none runs in this scenario) jupyterhub-singleuser loads its extensions and
    then tries the hub API it was given; that is as far as it can get here. (It loads jupyterlab and
    jupyterlab_git only after the hub answered; test_kernels_and_extensions_installed covers them.)"""
    env = ('JUPYTERHUB_API_TOKEN=x JUPYTERHUB_API_URL=http://127.0.0.1:9/hub/api JUPYTERHUB_USER=test '
           'JUPYTERHUB_SERVICE_PREFIX=/user/test/ JUPYTERHUB_SERVICE_URL=http://127.0.0.1:8888/user/test/ '
           'JUPYTERHUB_CLIENT_ID=jupyterhub-user-test JUPYTERHUB_OAUTH_CALLBACK_URL=/user/test/oauth_callback')
    out = box.run(f'env {env} timeout 60 jupyterhub-singleuser 2>&1')
    log = out.stdout
    for ext in ('jupyter_scheduler', 'jupyter_server_terminals', 'jupyter_lsp'):
        assert f'{ext} | extension was successfully loaded' in log, ext
    assert 'Failed to connect to my Hub at http://127.0.0.1:9/hub/api' in log
