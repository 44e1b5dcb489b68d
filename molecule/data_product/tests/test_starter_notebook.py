"""The starter notebook every JupyterHub user finds (roles/jupyterhub/files/starter/01-query-the-platform.ipynb),
run to its end against the live Trino of this scenario, as a notebook user would: with nbclient in a python3
kernel of a venv holding the user environment's pins of trino, pandas, matplotlib and ipykernel, reading its
connection from ~/.datamesh/trino.json as roles/jupyterhub writes it (here for the Trino user dbt). It must give
the seed's answer and draw the chart, and neither the notebook's outputs nor anything it printed may hold the
password."""
import base64
import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
NOTEBOOK = REPO / 'roles' / 'jupyterhub' / 'files' / 'starter' / '01-query-the-platform.ipynb'
RUNNER = REPO / 'molecule' / '_shared' / 'files' / 'starter_notebook.py'
REQUIREMENTS = REPO / 'roles' / 'jupyterhub' / 'files' / 'user-environment' / 'requirements.txt'
EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
PASSWORD = (EPHEMERAL / 'credentials' / 'platform' / 'trino_dbt').read_text().split()[0]
WORK = '/var/tmp/starter-notebook'
PACKAGES = ('trino', 'pandas', 'matplotlib', 'ipykernel')
# What runs the notebook (jupyter-scheduler brings them into the user environment, unpinned there).
RUNNER_PINS = ['nbclient==0.11.0', 'nbformat==5.11.1']


def pins():
    found = {}
    for line in REQUIREMENTS.read_text().splitlines():
        name, sep, version = line.split('#')[0].strip().partition('==')
        if sep and name.split('[')[0].lower() in PACKAGES:
            found[name] = version
    return [f'{name}=={version}' for name, version in found.items()]


def put(host, data, dest, mode):
    host.check_output(f'echo {base64.b64encode(data).decode()} | base64 -d > {dest} && chmod {mode} {dest}')


@pytest.fixture(scope='module')
def executed(host):
    host.check_output(f'rm -rf {WORK} && install -d -m 0700 {WORK}/home/.datamesh {WORK}/home/datamesh-starter')
    venv = host.run(f'python3 -m venv {WORK}/venv && {WORK}/venv/bin/pip install --quiet '
                    + ' '.join(f"'{p}'" for p in pins() + RUNNER_PINS))
    assert venv.rc == 0, venv.stderr[-2000:]
    settings = {'host': 'datamesh-data-product', 'port': 2020, 'http_scheme': 'https', 'user': 'dbt',
                'password': PASSWORD, 'ca_file': '/etc/trino/tls/ca.crt'}
    put(host, json.dumps(settings).encode(), f'{WORK}/home/.datamesh/trino.json', '0600')
    put(host, NOTEBOOK.read_bytes(), f'{WORK}/home/datamesh-starter/01-query-the-platform.ipynb', '0644')
    put(host, RUNNER.read_bytes(), f'{WORK}/starter_notebook.py', '0644')
    out = host.run(f'env -i HOME={WORK}/home PATH={WORK}/venv/bin:/usr/bin:/bin LANG=C.UTF-8 '
                   f'{WORK}/venv/bin/python {WORK}/starter_notebook.py run {WORK}/home/datamesh-starter/01-query-the-platform.ipynb')
    assert out.rc == 0, out.stderr[-3000:]
    yield out
    host.run(f'rm -rf {WORK}')


def cells(executed):
    return {tag: [o for o in cell['outputs'] if o.get('name') != 'stderr']
            for cell in json.loads(executed.stdout)['cells'] for tag in cell['tags']}


def test_the_starter_notebook_gives_the_seeds_answer_from_the_live_trino(executed):
    outputs = cells(executed)
    assert outputs['settings'][0]['text'].startswith('Trino at https://datamesh-data-product:2020 as dbt, with a password')
    assert [o['type'] for o in outputs['query']] == ['execute_result'], outputs['query']
    # order 106 (side_effect.yml) is Bruno's: 174.40 + 64.90 for the Americas
    assert outputs['query'][0]['text'].split() == [
        'region', 'total_amount', '0', 'Africa', '42.1', '1', 'Americas', '239.3', '2', 'Europe', '250.0']
    chart = outputs['chart']
    assert [o['type'] for o in chart] == ['display_data'] and 'image/png' in chart[0]['mime'], chart
    assert chart[0]['png_bytes'] > 10000


def test_the_notebook_run_shows_no_password(executed):
    assert PASSWORD not in executed.stdout + executed.stderr
