"""A JupyterHub client for the verify step, run inside the container with the hub venv's Python
(requests and tornado come with JupyterHub). It talks to the real hub through the real proxy
over HTTPS (trusting only the generated CA) and prints one JSON object with what it saw:

    hub_client.py session USER PASSWORD    log in like a browser, get an API token, spawn the
                                           server through the REST API, read JupyterLab's
                                           notification settings, run code in a Python and
                                           a Bash kernel (git, dbt), use jupyterlab-git and
                                           jupyter-scheduler, schedule a cron job, wait for both
                                           scheduled jobs to run
    hub_client.py login USER PASSWORD      only the login (status code)
"""
import asyncio
import json
import sys
import time
import uuid

import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

BASE = 'https://127.0.0.1:443'
CA = '/etc/jupyterhub/tls/ca.crt'
DBT_PROJECT = r'''
rm -rf ~/dbt_sample && mkdir -p ~/dbt_sample/models && cd ~/dbt_sample
cat > dbt_project.yml <<'EOF'
name: dbt_sample
version: "1.0"
config-version: 2
profile: datamesh
model-paths: [models]
EOF
cat > models/orders.sql <<'EOF'
select 1 as id
EOF
cat > models/schema.yml <<'EOF'
version: 2
models:
  - name: orders
    columns:
      - name: id
        data_tests: [unique, not_null]
EOF
dbt --version | head -3
dbt parse --no-partial-parse > /tmp/parse.log 2>&1; echo "DBT_PARSE_RC=$?"
test -f target/manifest.json && echo MANIFEST_OK
'''


def new_session():
    """No keep-alive: the proxy (Node) closes idle connections after 5 s, and a request sent on
    such a connection just then fails with RemoteDisconnected."""
    s = requests.Session()
    s.verify = CA
    s.headers['Connection'] = 'close'
    return s


def login(user, password):
    s = new_session()
    r = s.get(f'{BASE}/hub/login')
    r.raise_for_status()
    xsrf = s.cookies.get('_xsrf')
    r = s.post(f'{BASE}/hub/login', data={'username': user, 'password': password, '_xsrf': xsrf},
               allow_redirects=False)
    return s, r


async def run_code(server, token, kernel_name, code, timeout=120):
    """Start a kernel through the server's REST API, execute code over the kernel websocket,
    return (stdout, error) and shut the kernel down."""
    headers = {'Authorization': f'token {token}'}
    r = new_session().post(f'{BASE}{server}api/kernels', json={'name': kernel_name}, headers=headers)
    r.raise_for_status()
    kernel = r.json()['id']
    ws_url = f'wss://127.0.0.1:443{server}api/kernels/{kernel}/channels'
    ws = await websocket_connect(HTTPRequest(ws_url, headers=headers, ca_certs=CA))
    msg_id = uuid.uuid4().hex
    session = uuid.uuid4().hex
    ws.write_message(json.dumps({
        'header': {'msg_id': msg_id, 'username': 'molecule', 'session': session, 'msg_type': 'execute_request',
                   'version': '5.3', 'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())},
        'parent_header': {}, 'metadata': {}, 'channel': 'shell', 'buffers': [],
        'content': {'code': code, 'silent': False, 'store_history': False, 'user_expressions': {},
                    'allow_stdin': False, 'stop_on_error': True},
    }))
    out, error = [], None
    deadline = time.time() + timeout
    while time.time() < deadline:
        raw = await asyncio.wait_for(ws.read_message(), timeout=max(1, deadline - time.time()))
        if raw is None:
            break
        msg = json.loads(raw)
        if msg.get('parent_header', {}).get('msg_id') != msg_id:
            continue
        kind = msg['header']['msg_type']
        if kind == 'stream':
            out.append(msg['content']['text'])
        elif kind in ('execute_result', 'display_data'):
            out.append(msg['content']['data'].get('text/plain', ''))
        elif kind == 'error':
            error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
        elif kind == 'status' and msg['content']['execution_state'] == 'idle':
            break
    ws.close()
    new_session().delete(f'{BASE}{server}api/kernels/{kernel}', headers=headers)
    return ''.join(out), error


def wait_for(predicate, timeout, step=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


async def session(user, password):
    result = {}
    s, r = login(user, password)
    result['login_status'] = r.status_code
    result['login_location'] = r.headers.get('Location')
    result['login_cookies'] = sorted(c.name for c in s.cookies)
    # An API token, asked for with the login cookie (and its xsrf token) like the hub's token page does.
    r = s.post(f'{BASE}/hub/api/users/{user}/tokens', json={'note': 'molecule verify', 'expires_in': 3600},
               headers={'X-XSRFToken': s.cookies.get('_xsrf'), 'Referer': f'{BASE}/hub/token'})
    result['token_status'] = r.status_code
    token = r.json()['token']
    api = new_session()
    api.headers['Authorization'] = f'token {token}'

    # A server left running by an earlier verify (servers survive hub restarts) is stopped first,
    # so that this run spawns one with the current configuration.
    if api.get(f'{BASE}/hub/api/users/{user}').json().get('servers', {}).get(''):
        api.delete(f'{BASE}/hub/api/users/{user}/server')
        wait_for(lambda: not api.get(f'{BASE}/hub/api/users/{user}').json().get('servers', {}).get(''), 120, step=2)
    # Spawn through the REST API and wait until the server is ready.
    r = api.post(f'{BASE}/hub/api/users/{user}/server')
    result['spawn_status'] = r.status_code

    def ready():
        model = api.get(f'{BASE}/hub/api/users/{user}').json()
        server = model.get('servers', {}).get('', {})
        return server if server.get('ready') else None
    server_model = wait_for(ready, 150, step=2)
    result['server_ready'] = bool(server_model)
    server = server_model['url']
    result['server_url'] = server

    # JupyterLab's settings as the frontend gets them: the notification plugin's schema, with the
    # defaults of the environment's overrides.json applied (jupyterhub_lab_news: false).
    r = api.get(f'{BASE}{server}lab/api/settings/@jupyterlab/apputils-extension:notification')
    properties = r.json().get('schema', {}).get('properties', {}) if r.ok else {}
    result['lab_notification'] = {'status': r.status_code, 'user_settings': r.json().get('settings') if r.ok else None,
                                  'defaults': {k: v.get('default') for k, v in properties.items()}}

    # Code in kernels: Python (the data libraries), Bash (git, dbt, the user's identity).
    out, err = await run_code(server, token, 'python3', (
        'import getpass, os, sys, matplotlib, pandas, trino\n'
        'print("USER", getpass.getuser())\n'
        'print("PANDAS", pandas.__version__)\n'
        'print("MATPLOTLIB", matplotlib.__version__)\n'
        'print("TRINO_DBAPI", trino.dbapi.connect.__name__)\n'
        'print("PREFIX", sys.prefix)\n'
        'print("SUM", pandas.DataFrame({"a": [1, 2, 3]})["a"].sum())\n'))
    result['python'] = {'out': out, 'error': err}
    out, err = await run_code(server, token, 'bash', (
        'echo "USER $(whoami)"\n'
        'cd ~ && rm -rf demo && git init -q demo && cd demo && git config user.email alice@example.test\n'
        'git config user.name "Molecule" && echo hello > README && git add README && git commit -q -m first\n'
        'echo "COMMITS $(git rev-list --count HEAD)"\n'
        'ls -ld /home/bob 2>&1; cat /home/bob/.dbt/profiles.yml > /dev/null 2>&1 || echo OTHER_HOME_DENIED\n'
        'echo "PROFILE_TARGETS $(grep -c "type: trino" ~/.dbt/profiles.yml)"\n'
        + DBT_PROJECT), timeout=300)
    result['bash'] = {'out': out, 'error': err}

    # jupyterlab-git's server extension on the repository just made.
    r = api.post(f'{BASE}{server}git/demo/log', json={'history_count': 5})
    result['git_extension'] = {'status': r.status_code, 'body': r.json() if r.ok else r.text[:500]}

    # Scheduling 1: cron through the helper, every minute, runs `dbt test && dbt run`.
    out, err = await run_code(server, token, 'bash',
                              "datamesh-dbt-schedule add every_minute '* * * * *' ~/dbt_sample hive && crontab -l")
    result['cron_add'] = {'out': out, 'error': err}

    # Scheduling 2: jupyter-scheduler, a Bash notebook on a cron schedule (runs inside the server).
    notebook = {
        'cells': [{'cell_type': 'code', 'metadata': {}, 'execution_count': None, 'outputs': [],
                   'source': 'cd ~/dbt_sample && dbt parse --no-partial-parse > /dev/null && '
                             'echo "scheduled run $(date -u +%FT%TZ)" >> ~/scheduler-runs.log'}],
        'metadata': {'kernelspec': {'name': 'bash', 'display_name': 'Bash', 'language': 'bash'}},
        'nbformat': 4, 'nbformat_minor': 5,
    }
    r = api.put(f'{BASE}{server}api/contents/scheduled-dbt.ipynb',
                json={'type': 'notebook', 'format': 'json', 'content': notebook})
    result['notebook_saved'] = r.status_code
    envs = api.get(f'{BASE}{server}scheduler/runtime_environments').json()
    r = api.post(f'{BASE}{server}scheduler/job_definitions', json={
        'name': 'dbt-every-minute', 'input_uri': 'scheduled-dbt.ipynb',
        'runtime_environment_name': envs[0]['name'], 'output_formats': ['ipynb'],
        'schedule': '* * * * *', 'timezone': 'UTC'})
    result['job_definition'] = {'status': r.status_code, 'body': r.json() if r.ok else r.text[:500]}
    definition = r.json().get('job_definition_id') if r.ok else None

    def scheduler_done():
        jobs = api.get(f'{BASE}{server}scheduler/jobs', params={'job_definition_id': definition}).json()
        done = [j for j in jobs.get('jobs', []) if j['status'] in ('COMPLETED', 'FAILED')]
        return done or None
    jobs = wait_for(scheduler_done, 180) if definition else None
    result['scheduler_jobs'] = [{'status': j['status'], 'status_message': j.get('status_message')} for j in jobs or []]

    deadline = time.time() + 150
    while True:
        log = (await run_code(server, token, 'bash', 'cat ~/.local/state/datamesh/dbt-every_minute.log 2>/dev/null'))[0]
        if 'finished rc=' in log or time.time() > deadline:
            break
        await asyncio.sleep(10)
    result['cron_log'] = log
    out = (await run_code(server, token, 'bash', 'cat ~/scheduler-runs.log 2>/dev/null; crontab -r'))[0]
    result['scheduler_log'] = out
    if definition:
        api.delete(f'{BASE}{server}scheduler/job_definitions/{definition}')

    # The hub's services (the idle culler) as an admin sees them.
    r = api.get(f'{BASE}/hub/api/services')
    result['services'] = r.json() if r.ok else {'status': r.status_code}
    return result


async def main():
    cmd, user, password = sys.argv[1:4]
    if cmd == 'login':
        r = login(user, password)[1]
        print(json.dumps({'login_status': r.status_code}))
    else:
        print(json.dumps(await session(user, password)))


if __name__ == '__main__':
    asyncio.run(main())
