"""Checks of the data_product scenario, asked again after the playbook's own assertions: the
CSV table over the S3 store (SeaweedFS) and the federated query answer through Trino, as the administrator."""
import os
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


def test_csv_files_are_a_table_with_the_empty_id_row(host):
    assert query(host, 'SELECT count(*), count(nullif(id, \'\')) FROM hive.landing.customers') == ['6\t5']


@pytest.mark.parametrize('catalog,table,rows', [('mariadb', 'sales.orders', '5'), ('mariadb2', 'reference.countries', '5')])
def test_each_mariadb_instance_is_a_catalog(host, catalog, table, rows):
    assert query(host, f'SELECT count(*) FROM {catalog}.{table}') == [rows]


def test_federated_join_across_the_three_catalogs(host):
    rows = query(host, 'SELECT k.region, sum(o.amount) FROM hive.landing.customers c '
                       'JOIN mariadb.sales.orders o ON o.customer_id = CAST(nullif(c.id, \'\') AS integer) '
                       'JOIN mariadb2.reference.countries k ON k.code = c.country GROUP BY k.region ORDER BY 1')
    assert rows == ['Africa\t42.10', 'Americas\t174.40', 'Europe\t250.00']
