"""The seed's dbt project (roles/dbt_project/files/datamesh_seed) parses with the pinned dbt, and
its manifest keeps the promises of the project: every model and column documented, the tests on
the keys (stg_customers.customer_id not_null and unique), an incremental fct_orders, table rebuilds
with on_table_exists=drop, the sources overridable with vars.

dbt runs for real, offline: `dbt parse` and `dbt compile` of models that need no warehouse connection
(a throw-away profile; nothing is sent anywhere). dbt-core and dbt-trino come from PyPI, with the
exact pins of roles/dbt_project/files/requirements.txt, into a venv cached under
.cache/dbt-venv/<hash of the pins> (built once, by one pytest-xdist worker at a time).
"""
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROLE = REPO / 'roles' / 'dbt_project'
PROJECT = ROLE / 'files' / 'datamesh_seed'
REQUIREMENTS = ROLE / 'files' / 'requirements.txt'
JUPYTERHUB_PINS = REPO / 'roles' / 'jupyterhub' / 'files' / 'user-environment' / 'dbt-requirements.txt'
CACHE = Path(os.environ.get('CACHE', REPO / '.cache'))
PROFILE = """datamesh:
  target: trino
  outputs:
    trino:
      type: trino
      method: ldap
      http_scheme: https
      host: 127.0.0.1
      port: 2020
      user: dbt
      password: offline-parse-only-0000
      cert: /nonexistent/ca.crt
      database: hive
      schema: analytics
      threads: 4
"""


def pins(path):
    return sorted(line.split('#', 1)[0].strip() for line in path.read_text().splitlines()
                  if line.split('#', 1)[0].strip())


def test_the_pins_are_those_of_the_jupyterhub_dbt_environment():
    assert pins(REQUIREMENTS) == pins(JUPYTERHUB_PINS)
    assert all('==' in pin for pin in pins(REQUIREMENTS)), 'every requirement is pinned exactly'


@pytest.fixture(scope='session')
def dbt():
    """The dbt of a venv with exactly the role's pins (created once, then reused)."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    venv = CACHE / 'dbt-venv' / digest
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / 'dbt-venv.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / '.complete').exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
            proc = subprocess.run([str(venv / 'bin' / 'pip'), 'install', '--quiet', '-r', str(REQUIREMENTS)],
                                  capture_output=True, text=True, timeout=900, check=False)
            assert proc.returncode == 0, 'pip install of the pinned dbt failed:\n' + proc.stderr[-3000:]
            (venv / '.complete').write_text(REQUIREMENTS.read_text())
    return venv / 'bin' / 'dbt'


@pytest.fixture(scope='module')
def project(tmp_path_factory, dbt):
    """A copy of the project (dbt writes target/ and logs/ into it) with a throw-away profile."""
    root = tmp_path_factory.mktemp('dbt')
    copy = root / 'datamesh_seed'
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns('target', 'logs', 'dbt_packages'))
    (root / 'profiles').mkdir()
    (root / 'profiles' / 'profiles.yml').write_text(PROFILE)
    return copy


def run_dbt(dbt, project, *args):
    env = dict(os.environ, DBT_PROFILES_DIR=str(project.parent / 'profiles'), HOME=str(project.parent),
               DBT_SEND_ANONYMOUS_USAGE_STATS='false', DBT_USE_COLORS='false')
    proc = subprocess.run([str(dbt), *args], cwd=project, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, 'dbt %s failed:\n%s\n%s' % (' '.join(args), proc.stdout[-3000:], proc.stderr[-2000:])
    return proc


@pytest.fixture(scope='module')
def manifest(dbt, project):
    proc = run_dbt(dbt, project, 'parse')
    assert 'Running with dbt=1.11.16' in proc.stdout
    return json.loads((project / 'target' / 'manifest.json').read_text())


def nodes(manifest, kind):
    return {n['name']: n for n in manifest['nodes'].values() if n['resource_type'] == kind}


def test_the_project_is_named_and_uses_profile_datamesh(manifest):
    assert manifest['metadata']['project_name'] == 'datamesh_seed'
    assert set(nodes(manifest, 'model')) == {'stg_customers', 'stg_orders', 'stg_countries', 'customer_revenue',
                                             'fct_orders'}
    assert not (PROJECT / 'profiles.yml').exists(), 'the role writes the profile; the project must not carry one'


def test_every_model_and_column_is_documented(manifest):
    for model in nodes(manifest, 'model').values():
        assert model['description'].strip(), '%s has no description' % model['name']
        assert model['columns'], '%s documents no columns' % model['name']
        for column in model['columns'].values():
            assert column['description'].strip(), '%s.%s has no description' % (model['name'], column['name'])
    for source in manifest['sources'].values():
        assert source['description'].strip() and source['source_description'].strip(), source['unique_id']
        assert all(c['description'].strip() for c in source['columns'].values()), source['unique_id']
    overview = manifest['docs'].get('doc.datamesh_seed.__overview__')
    assert overview and 'datamesh_seed' in overview['block_contents']


def test_the_keys_are_tested(manifest):
    tests = {(t['test_metadata']['name'], t['attached_node'].split('.')[-1], t['column_name'])
             for t in nodes(manifest, 'test').values()}
    assert {('not_null', 'stg_customers', 'customer_id'), ('unique', 'stg_customers', 'customer_id')} <= tests
    for model, key in (('stg_orders', 'order_id'), ('stg_countries', 'country_code'),
                       ('customer_revenue', 'customer_id'), ('fct_orders', 'order_id')):
        assert {('not_null', model, key), ('unique', model, key)} <= tests, model
    assert ('relationships', 'stg_orders', 'customer_id') in tests


def test_materializations(manifest):
    models = nodes(manifest, 'model')
    for name in ('stg_customers', 'stg_orders', 'stg_countries'):
        assert models[name]['config']['materialized'] == 'view', name
    assert models['customer_revenue']['config']['materialized'] == 'table'
    fct = models['fct_orders']['config']
    assert fct['materialized'] == 'incremental' and fct['incremental_strategy'] == 'append'
    assert 'is_incremental()' in models['fct_orders']['raw_code']
    assert '{{ this }}' in models['fct_orders']['raw_code']
    # Trino's Hive connector: no CREATE OR REPLACE TABLE; rebuilds drop and re-create (dbt_project.yml says why).
    assert models['customer_revenue']['config']['on_table_exists'] == 'drop'


def test_the_sources_default_to_the_seeds_catalogs(manifest):
    where = {s['source_name']: (s['database'], s['schema'], s['name']) for s in manifest['sources'].values()}
    assert where == {'landing': ('hive', 'landing', 'customers'), 'sales': ('mariadb', 'sales', 'orders'),
                     'reference': ('mariadb2', 'reference', 'countries')}


def test_vars_move_the_sources(dbt, project, manifest):
    run_dbt(dbt, project, 'parse', '--vars', '{landing_catalog: hive_test, sales_schema: sales_copy}')
    moved = json.loads((project / 'target' / 'manifest.json').read_text())
    where = {s['source_name']: (s['database'], s['schema']) for s in moved['sources'].values()}
    assert where['landing'] == ('hive_test', 'landing') and where['sales'] == ('mariadb', 'sales_copy')
    run_dbt(dbt, project, 'parse')   # back to the defaults for the other tests of the module


def test_the_empty_id_becomes_null_in_the_compiled_sql(dbt, project, manifest):
    # Views and tables that do not look at the warehouse compile offline (fct_orders asks whether
    # it exists, is_incremental(), and needs Trino).
    proc = run_dbt(dbt, project, 'compile', '--no-populate-cache', '--select', 'stg_customers', 'customer_revenue')
    assert "try_cast(nullif(trim(id), '') as integer) as customer_id" in proc.stdout
    assert 'from "hive"."landing"."customers"' in proc.stdout
    compiled = (project / 'target' / 'compiled' / 'datamesh_seed' / 'models' / 'marts' / 'customer_revenue.sql').read_text()
    assert '"hive"."analytics"."stg_customers"' in compiled and 'where c.customer_id is not null' in compiled
