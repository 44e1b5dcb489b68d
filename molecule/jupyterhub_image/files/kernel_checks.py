"""Runs code in the image's Python and Bash kernels (real kernels, started by jupyter_client as
JupyterLab would) and prints one JSON object with their outputs. Run inside the image as its user."""
import json

from jupyter_client.manager import start_new_kernel

DBT_PROJECT = r'''
mkdir -p ~/.dbt && cat > ~/.dbt/profiles.yml <<'EOF2'
datamesh:
  target: hive
  outputs:
    hive: {type: trino, method: none, user: jovyan, host: trino.datamesh.test, port: 8443, http_scheme: https,
           database: hive, schema: default, threads: 1}
EOF2
rm -rf ~/dbt_sample && mkdir -p ~/dbt_sample/models && cd ~/dbt_sample
printf 'name: dbt_sample\nversion: "1.0"\nconfig-version: 2\nprofile: datamesh\n' > dbt_project.yml
echo 'select 1 as id' > models/orders.sql
dbt --version | head -3
dbt parse --no-partial-parse > /tmp/parse.log 2>&1; echo "DBT_PARSE_RC=$?"
test -f target/manifest.json && echo MANIFEST_OK
'''

CODE = {
    'python3': ('import getpass, sys, pandas, trino\n'
                'print("USER", getpass.getuser())\n'
                'print("PREFIX", sys.prefix)\n'
                'print("SUM", pandas.DataFrame({"a": [1, 2, 3]})["a"].sum())\n'
                'print("TRINO", trino.dbapi.connect.__name__)\n'),
    'bash': ('echo "USER $(whoami)"\n'
             'cd ~ && rm -rf demo && git init -q demo && cd demo && git config user.email jovyan@example.test\n'
             'git config user.name Molecule && echo hi > README && git add README && git commit -q -m first\n'
             'echo "COMMITS $(git rev-list --count HEAD)"\n' + DBT_PROJECT),
}


def run(kernel_name, code):
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=120)
    out, errors = [], []

    def hook(msg):
        kind = msg['header']['msg_type']
        if kind == 'stream':
            out.append(msg['content']['text'])
        elif kind in ('execute_result', 'display_data'):
            out.append(msg['content']['data'].get('text/plain', ''))
        elif kind == 'error':
            errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
    try:
        reply = kc.execute_interactive(code, timeout=300, output_hook=hook)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {'status': reply['content']['status'], 'out': ''.join(out), 'errors': errors}


print(json.dumps({name: run(name, code) for name, code in CODE.items()}))
