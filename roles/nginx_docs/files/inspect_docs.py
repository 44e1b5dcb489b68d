# Read-only inspection of a dbt docs site before it is published (datamesh.platform.nginx_docs):
#     python3 -c "<this file>" DIRECTORY target|static
# Prints one JSON object: whether DIRECTORY exists, the sha256 and size of each file of the site,
# what is wrong with them (missing, a symlink, not the documents dbt writes, invalid JSON) and a
# summary of the dbt project. Exits 0 unless called wrongly: the role decides what to refuse.
import hashlib
import json
import os
import sys

directory, mode = sys.argv[1], sys.argv[2]
NAMES = ['static_index.html'] if mode == 'static' else ['index.html', 'manifest.json', 'catalog.json']
report = {'exists': os.path.isdir(directory), 'files': [], 'errors': [], 'dbt': {}}


def read(name):
    path = os.path.join(directory, name)
    if os.path.islink(path):
        report['errors'].append('%s is a symbolic link: only regular files are published' % name)
        return None
    if not os.path.isfile(path):
        return None
    with open(path, 'rb') as handle:
        data = handle.read()
    report['files'].append({'name': name, 'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data)})
    return data


def document(name, data, kind):
    """A dbt artifact: a JSON object whose metadata names its schema (manifest or catalog)."""
    try:
        doc = json.loads(data.decode('utf-8'))
    except ValueError as exc:
        report['errors'].append('%s is not valid JSON (%s)' % (name, exc))
        return None
    schema = str(((doc if isinstance(doc, dict) else {}).get('metadata') or {}).get('dbt_schema_version', ''))
    if not isinstance(doc, dict) or '/%s/' % kind not in schema or not isinstance(doc.get('nodes'), dict):
        report['errors'].append('%s is not a dbt %s (metadata.dbt_schema_version: %s)' % (name, kind, schema or 'none'))
        return None
    return doc


if report['exists']:
    for name in NAMES:
        data = read(name)
        if data is None:
            continue
        if name.endswith('.html'):
            if b'<html' not in data[:4096].lower() or len(data) < 1024:
                report['errors'].append('%s is not the page dbt docs generate writes' % name)
        elif name == 'manifest.json':
            manifest = document(name, data, 'manifest')
            if manifest is not None:
                meta = manifest['metadata']
                report['dbt'] = {
                    'project_name': meta.get('project_name', ''),
                    'dbt_version': meta.get('dbt_version', ''),
                    'generated_at': meta.get('generated_at', ''),
                    'models': sorted(n['name'] for n in manifest['nodes'].values()
                                     if isinstance(n, dict) and n.get('resource_type') == 'model'),
                }
        else:
            document(name, data, 'catalog')
print(json.dumps(report))
