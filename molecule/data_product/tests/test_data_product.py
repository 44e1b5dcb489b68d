"""Checks of the data_product scenario after its side_effect (the data product's fix, a new order 106,
three dbt builds, the docs published): the CSV table over the S3 store (SeaweedFS), the federated query
through Trino as the administrator, the dbt project's tables in the S3 warehouse, and the docs site."""
import json
import os
import shlex
from pathlib import Path

import pytest

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
PASSWORD = (EPHEMERAL / 'credentials' / 'trino' / 'datamesh' / 'admin_password').read_text().split()[0]
CLI = ('TRINO_PASSWORD="$P" trino --server https://datamesh-data-product:2020 --truststore-path /etc/trino/tls/ca.crt '
       '--user admin --password --output-format TSV --execute')


def query(host, sql):
    result = host.run(f'P={PASSWORD!r} && {CLI} "{sql}"')
    assert result.rc == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_csv_files_are_a_table_with_every_id_after_the_fix(host):
    assert query(host, 'SELECT count(*), count(nullif(id, \'\')) FROM hive.landing.customers') == ['6\t6']


@pytest.mark.parametrize('catalog,table,rows', [('mariadb', 'sales.orders', '6'), ('mariadb2', 'reference.countries', '5')])
def test_each_mariadb_instance_is_a_catalog(host, catalog, table, rows):
    assert query(host, f'SELECT count(*) FROM {catalog}.{table}') == [rows]


def test_federated_join_across_the_three_catalogs(host):
    rows = query(host, 'SELECT k.region, sum(o.amount) FROM hive.landing.customers c '
                       'JOIN mariadb.sales.orders o ON o.customer_id = CAST(nullif(c.id, \'\') AS integer) '
                       'JOIN mariadb2.reference.countries k ON k.code = c.country GROUP BY k.region ORDER BY 1')
    # order 106 (side_effect) is Bruno's: 174.40 + 64.90 for the Americas
    assert rows == ['Africa\t42.10', 'Americas\t239.30', 'Europe\t250.00']


def test_dbt_incremental_model_holds_each_order_once(host):
    assert query(host, 'SELECT count(*), count(DISTINCT order_id), max(order_id) FROM hive.analytics.fct_orders') == ['6\t6\t106']


def test_dbt_mart_joins_the_three_catalogs(host):
    rows = query(host, 'SELECT customer_id, region, total_amount, order_count FROM hive.analytics.customer_revenue ORDER BY 1')
    assert rows == ['1\tAmericas\t139.40\t2', '2\tAmericas\t99.90\t2', '3\tEurope\t0.00\t0',
                    '4\tEurope\t250.00\t1', '5\tEurope\t0.00\t0', '6\tAfrica\t42.10\t1']


def test_dbt_staging_models_are_views(host):
    rows = query(host, "SELECT table_name, table_type FROM hive.information_schema.tables "
                       "WHERE table_schema = 'analytics' ORDER BY 1")
    assert rows == ['customer_revenue\tBASE TABLE', 'fct_orders\tBASE TABLE', 'stg_countries\tVIEW',
                    'stg_customers\tVIEW', 'stg_orders\tVIEW']


def docs(host, path):
    """GET a file of the docs site over HTTPS, trusting only the platform CA, with the generated basic-auth password."""
    password = (EPHEMERAL / 'credentials' / 'nginx_docs' / 'datamesh-data-product' / 'docs').read_text().split()[0]
    code = ('import base64, os, ssl, sys, urllib.request\n'
            'auth = base64.b64encode(("docs:" + os.environ["P"]).encode()).decode()\n'
            'request = urllib.request.Request("https://datamesh-data-product/" + sys.argv[1], headers={"Authorization": "Basic " + auth})\n'
            'context = ssl.create_default_context(cafile="/etc/nginx/dbt-docs/tls/ca.crt")\n'
            'sys.stdout.write(urllib.request.urlopen(request, context=context).read().decode())\n')
    result = host.run(f'P={shlex.quote(password)} python3 -c {shlex.quote(code)} {path}')
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def test_docs_site_serves_the_last_build_with_trino_column_types(host):
    manifest = docs(host, 'manifest.json')
    assert {'model.datamesh_seed.customer_revenue', 'model.datamesh_seed.fct_orders',
            'model.datamesh_seed.stg_customers'} <= set(manifest['nodes'])
    columns = docs(host, 'catalog.json')['nodes']['model.datamesh_seed.fct_orders']['columns']
    assert columns['amount']['type'] == 'decimal(10,2)'
    assert columns['order_id']['type'] == 'integer'
