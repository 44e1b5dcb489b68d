"""What DataHub's own ingestion framework (acryl-datahub, roles/datahub_ingestion) emitted about the live platform
at the end of side_effect.yml, read from the file sink's output the ingest entry point copied to the controller:
the datasets and columns of each Trino catalog and of the Hive Metastore, the dbt models, tests and test results,
and the lineage from the Hive table over the CSV files to the dbt models. A DataHub server receives exactly these
records with the datahub-rest sink."""
import json
import os
from pathlib import Path

import pytest

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
FETCHED = EPHEMERAL / 'datahub'
OUTPUT = FETCHED / 'output'
REPORTS = FETCHED / 'reports'
RECIPES = ('trino-hive', 'trino-mariadb', 'trino-mariadb2', 'metastore', 'dbt')
DBT_UNIT = 'datamesh-dbt-datamesh_seed.service'
INGEST_DBT = 'datamesh-datahub-ingest-dbt.service'


def dataset(platform, name):
    return f'urn:li:dataset:(urn:li:dataPlatform:{platform},{name},PROD)'


def aspects(recipe):
    """(urn, aspect name, aspect) of every record of a recipe's output, MCEs and MCPs alike."""
    out = []
    for record in json.loads((OUTPUT / f'{recipe}.json').read_text()):
        if 'proposedSnapshot' in record:
            (_kind, snapshot), = record['proposedSnapshot'].items()
            for item in snapshot['aspects']:
                (cls, value), = item.items()
                short = cls.rsplit('.', 1)[-1]
                out.append((snapshot['urn'], short[0].lower() + short[1:], value))
        else:
            out.append((record['entityUrn'], record.get('aspectName'), (record.get('aspect') or {}).get('json')))
    return out


def columns(recipe, urn):
    found = [a for u, name, a in aspects(recipe) if u == urn and name == 'schemaMetadata']
    assert found, f'{recipe} emitted no schema for {urn}'
    return [f['fieldPath'] for f in found[-1]['fields']]


def upstreams(recipe):
    edges = {}
    for urn, name, aspect in aspects(recipe):
        if name != 'upstreamLineage':
            continue
        # an aspect, or a JSON patch adding upstreams ([{op: add, path: /upstreams/<urn>, value: {dataset}}])
        items = aspect['upstreams'] if isinstance(aspect, dict) else [op.get('value') for op in aspect]
        edges.setdefault(urn, set()).update(u['dataset'] for u in items if isinstance(u, dict) and 'dataset' in u)
    return edges


@pytest.mark.parametrize('recipe', RECIPES)
def test_every_recipe_ran_without_failure(recipe):
    report = json.loads((REPORTS / f'{recipe}.json').read_text())
    assert report['status'] == 'SUCCESS'
    assert report['source']['report']['failures'] == []
    assert report['source']['report']['events_produced'] > 0
    assert report['sink']['report']['total_records_written'] == report['source']['report']['events_produced']


@pytest.mark.parametrize('recipe,urn,expected', [
    ('trino-hive', dataset('trino', 'hive.landing.customers'), ['id', 'name', 'country', 'signup_date']),
    ('trino-mariadb', dataset('trino', 'mariadb.sales.orders'), ['id', 'customer_id', 'amount', 'ordered_at']),
    ('trino-mariadb2', dataset('trino', 'mariadb2.reference.countries'), ['code', 'name', 'region']),
    ('trino-hive', dataset('trino', 'hive.analytics.customer_revenue'), None),
    ('metastore', dataset('hive', 'landing.customers'), ['id', 'name', 'country', 'signup_date']),
    ('metastore', dataset('hive', 'analytics.fct_orders'), None),
    ('dbt', dataset('dbt', 'hive.analytics.stg_customers'), None),
])
def test_datasets_with_their_columns(recipe, urn, expected):
    fields = columns(recipe, urn)
    if expected is None:
        assert fields
    else:
        assert [f.split('.')[-1] for f in fields] == expected


def test_lineage_from_the_hive_table_to_the_dbt_models():
    trino, dbt = upstreams('trino-hive'), upstreams('dbt')
    # the Hive Metastore's table over the CSV files is what Trino's hive.landing.customers reads
    assert dataset('hive', 'landing.customers') in trino[dataset('trino', 'hive.landing.customers')]
    # dbt's source is that Trino table; the staging model reads the source; the mart reads the staging models
    assert dbt[dataset('dbt', 'hive.landing.customers')] == {dataset('trino', 'hive.landing.customers')}
    assert dbt[dataset('dbt', 'hive.analytics.stg_customers')] == {dataset('dbt', 'hive.landing.customers')}
    assert dbt[dataset('dbt', 'hive.analytics.customer_revenue')] == {
        dataset('trino', f'hive.analytics.stg_{name}') for name in ('countries', 'customers', 'orders')}
    # the MariaDB sources of the other staging models, through their Trino catalogs
    assert dbt[dataset('dbt', 'mariadb.sales.orders')] == {dataset('trino', 'mariadb.sales.orders')}
    assert dbt[dataset('dbt', 'mariadb2.reference.countries')] == {dataset('trino', 'mariadb2.reference.countries')}
    # Trino's own view lineage agrees: the staging view reads the Hive table
    assert dataset('trino', 'hive.landing.customers') in trino[dataset('trino', 'hive.analytics.stg_customers')]


def test_dbt_tests_and_the_results_of_the_last_build():
    records = aspects('dbt')
    tests = {u: a['customProperties']['dbt_unique_id'] for u, name, a in records if name == 'assertionInfo'}
    results = {u: a['result']['type'] for u, name, a in records if name == 'assertionRunEvent'}
    by_test = {tests[u].rsplit('.', 1)[0]: results.get(u) for u in tests}
    # the test that failed in the first build passes after the data product's fix
    assert by_test['test.datamesh_seed.not_null_stg_customers_customer_id'] == 'SUCCESS'
    assert len(by_test) >= 10 and set(by_test.values()) == {'SUCCESS'}, by_test


def test_no_secret_in_what_was_emitted():
    secrets = [(EPHEMERAL / 'credentials' / 'platform' / name).read_text().split()[0]
               for name in ('trino_datahub', 'metastore_datahub')]
    for path in FETCHED.rglob('*.json'):
        text = path.read_text()
        assert not [s for s in secrets if s in text], path


def test_the_dbt_recipe_runs_after_every_dbt_build(host):
    show = host.run(f'systemctl show {DBT_UNIT} -p OnSuccess -p OnFailure')
    assert show.stdout.split() == [f'OnSuccess={INGEST_DBT}', f'OnFailure={INGEST_DBT}']
    # three builds in side_effect.yml (one failed): each started the dbt recipe, which pushed its results
    started = host.run(f'journalctl -u {INGEST_DBT} --output=cat --no-pager | grep -c "^Starting {INGEST_DBT}"')
    assert int(started.stdout.strip() or 0) >= 3


@pytest.mark.parametrize('path', ['/etc/datamesh', '/var/lib/datamesh', '/etc/datamesh/dbt', '/var/lib/datamesh/dbt',
                                  '/opt/datamesh'])
def test_shared_parent_directories_stay_open(host, path):
    # each role's account reaches its own directories below them (dbt's group once locked them to dbt)
    d = host.file(path)
    assert (d.user, d.group, d.mode) == ('root', 'root', 0o755)
