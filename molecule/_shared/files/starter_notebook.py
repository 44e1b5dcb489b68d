"""The starter notebook of roles/jupyterhub, checked and run inside a container by the verify steps of
scenarios jupyterhub_native (the user environment's Python, as the notebook's user, up to the
connection) and data_product (a venv with the user environment's pins, to its end against the live
Trino); nbformat and nbclient come with jupyter-scheduler:

    starter_notebook.py validate NOTEBOOK       nbformat's schema validation, and every code
                                                cell compiled as Python
    starter_notebook.py run NOTEBOOK [LAST_TAG] execute the cells with nbclient in a python3
                                                kernel, up to the code cell tagged LAST_TAG
                                                (default: all), errors recorded, not raised

Prints one JSON object. Outputs are summarised (types, text, whether an image was drawn); an
executed notebook is never written back.
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient


def validate(path):
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    compiled = []
    for cell in nb.cells:
        if cell.cell_type == 'code':
            compile(cell.source, f'{path}:{cell.get("id")}', 'exec')
            compiled.append(cell.get('id'))
    return {'nbformat': nb.nbformat, 'nbformat_minor': nb.nbformat_minor, 'kernel': nb.metadata.kernelspec.name,
            'cells': [c.cell_type for c in nb.cells], 'compiled': compiled}


def summary(output):
    kind = output.output_type
    if kind == 'stream':
        return {'type': kind, 'name': output.name, 'text': output.text}
    if kind == 'error':
        return {'type': kind, 'ename': output.ename, 'evalue': output.evalue}
    data = output.get('data', {})
    return {'type': kind, 'mime': sorted(data), 'text': data.get('text/plain', ''),
            'png_bytes': len(data.get('image/png', ''))}


def run(path, last_tag=None):
    nb = nbformat.read(path, as_version=4)
    if last_tag:
        tags = [c.metadata.get('tags', []) for c in nb.cells]
        nb.cells = nb.cells[:next(i for i, t in enumerate(tags) if last_tag in t) + 1]
    # The kernel starts in the notebook's directory, as in JupyterLab.
    NotebookClient(nb, timeout=180, kernel_name='python3', allow_errors=True,
                   resources={'metadata': {'path': os.path.dirname(os.path.abspath(path))}}).execute()
    return {'cells': [{'tags': c.metadata.get('tags', []), 'outputs': [summary(o) for o in c.outputs]}
                      for c in nb.cells if c.cell_type == 'code']}


if __name__ == '__main__':
    command, notebook = sys.argv[1:3]
    result = validate(notebook) if command == 'validate' else run(notebook, *sys.argv[3:4])
    print(json.dumps(result))
