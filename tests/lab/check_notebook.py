"""Checks what tests/lab/hub_notebook.py printed: every code cell ran without an error, the query cell's
DataFrame holds the per-region answer that the Trino CLI gave for the same federated query (EXPECTED_CSV:
region,amount lines), and the chart cell drew a PNG.

    check_notebook.py NOTEBOOK_JSON EXPECTED_CSV
"""
import csv
import json
import sys


def main():
    result = json.load(open(sys.argv[1], encoding='utf-8'))
    with open(sys.argv[2], encoding='utf-8') as f:
        expected = {row[0]: float(row[1]) for row in csv.reader(f) if row}
    assert expected, 'the Trino CLI gave no rows'
    cells = {tag: cell['outputs'] for cell in result['cells'] for tag in cell['tags']}
    errors = [o for cell in result['cells'] for o in cell['outputs'] if o['type'] == 'error']
    assert not errors, errors
    query = [o for o in cells['query'] if o['type'] == 'execute_result']
    assert len(query) == 1, cells['query']
    lines = query[0]['text'].splitlines()
    assert lines[0].split() == ['region', 'total_amount'], lines
    got = {}
    for line in lines[1:]:
        index, region, amount = line.split()
        got[region] = float(amount)
    assert got == expected, (got, expected)
    chart = [o for o in cells['chart'] if o['type'] == 'display_data']
    assert len(chart) == 1 and 'image/png' in chart[0]['mime'] and chart[0]['png_bytes'] > 10000, cells['chart']
    print('starter notebook through JupyterHub (%s): %s; chart %d bytes of PNG'
          % (result['server'], ', '.join('%s %s' % kv for kv in sorted(got.items())), chart[0]['png_bytes']))


if __name__ == '__main__':
    main()
