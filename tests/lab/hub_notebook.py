"""A lab user's first five minutes, through the lab's JupyterHub as a browser would go: log in with the
user's password (PAM), start the single-user server, open the starter notebook from the user's home
(~/datamesh-starter, seeded by roles/jupyterhub), and run its code cells one by one in a python3 kernel
of that server, over Jupyter's kernel websocket protocol (what JupyterLab does when one presses Run).

    hub_notebook.py HUB_URL USER PASSWORD_FILE CA_FILE

Prints one JSON object: per tagged code cell, its outputs summarised (type, text, image bytes). The
password is read from a file and never printed; the API token made for the run is deleted at the end.
Needs requests and websocket-client (tests/lab/run.sh installs them into a venv of its own).
"""
import json
import ssl
import sys
import time
import uuid
from urllib.parse import urlsplit

import requests
import websocket

NOTEBOOK = 'datamesh-starter/01-query-the-platform.ipynb'


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def login(hub, user, password, ca):
    s = requests.Session()
    s.verify = ca
    # Else REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE from the environment would win over verify (a requests rule).
    s.trust_env = False
    r = s.get(f'{hub}/hub/login')
    r.raise_for_status()
    xsrf = s.cookies.get('_xsrf')
    r = s.post(f'{hub}/hub/login', data={'username': user, 'password': password, '_xsrf': xsrf}, allow_redirects=False)
    if r.status_code != 302:
        sys.exit(f'login as {user} failed: HTTP {r.status_code}')
    s.headers['X-XSRFToken'] = s.cookies.get('_xsrf', xsrf)
    # A token of the user's own, for the hub's and the single-user server's REST APIs (and the websocket).
    r = s.post(f'{hub}/hub/api/users/{user}/tokens', json={'note': 'tests/lab/hub_notebook.py', 'expires_in': 3600})
    r.raise_for_status()
    token = r.json()
    s.headers['Authorization'] = f'token {token["token"]}'
    return s, token


def start_server(s, hub, user):
    r = s.post(f'{hub}/hub/api/users/{user}/server')
    if r.status_code not in (201, 202, 400):   # 400: already running
        sys.exit(f'starting the server of {user}: HTTP {r.status_code} {r.text[:300]}')
    deadline = time.time() + 180
    while time.time() < deadline:
        model = s.get(f'{hub}/hub/api/users/{user}').json()
        server = model.get('servers', {}).get('', {})
        if server.get('ready'):
            return server['url']
        time.sleep(2)
    sys.exit(f'the server of {user} did not become ready in 180 s')


def summary(msg):
    kind, content = msg['msg_type'], msg['content']
    if kind == 'stream':
        return {'type': kind, 'name': content['name'], 'text': content['text']}
    if kind == 'error':
        return {'type': kind, 'ename': content['ename'], 'evalue': content['evalue']}
    data = content.get('data', {})
    return {'type': kind, 'mime': sorted(data), 'text': data.get('text/plain', ''), 'png_bytes': len(data.get('image/png', ''))}


def run_cell(ws, session, code, timeout=180):
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        'header': {'msg_id': msg_id, 'username': 'lab-test', 'session': session, 'msg_type': 'execute_request', 'version': '5.3'},
        'parent_header': {}, 'metadata': {}, 'channel': 'shell', 'buffers': [],
        'content': {'code': code, 'silent': False, 'store_history': True, 'user_expressions': {}, 'allow_stdin': False,
                    'stop_on_error': True}}))
    outputs, replied, idle = [], False, False
    deadline = time.time() + timeout
    while not (replied and idle):
        if time.time() > deadline:
            sys.exit(f'a cell did not finish in {timeout} s')
        msg = json.loads(ws.recv())
        if msg.get('parent_header', {}).get('msg_id') != msg_id:
            continue
        kind = msg['msg_type']
        if kind in ('stream', 'execute_result', 'display_data', 'error'):
            outputs.append(summary(msg))
        elif kind == 'execute_reply':
            replied = True
        elif kind == 'status' and msg['content']['execution_state'] == 'idle':
            idle = True
    return outputs


def main():
    hub, user, password_file, ca = sys.argv[1:5]
    hub = hub.rstrip('/')
    with open(password_file, encoding='utf-8') as f:
        password = f.read().strip()
    s, token = login(hub, user, password, ca)
    try:
        base = hub + start_server(s, hub, user).rstrip('/')
        log(f'server of {user} ready at {base}')
        r = s.get(f'{base}/api/contents/{NOTEBOOK}')
        r.raise_for_status()
        nb = r.json()['content']
        # A session for the notebook: its kernel starts in the notebook's directory, as in JupyterLab.
        body = {'path': NOTEBOOK, 'type': 'notebook', 'name': NOTEBOOK.rsplit('/', 1)[-1], 'kernel': {'name': 'python3'}}
        r = s.post(f'{base}/api/sessions', json=body)
        r.raise_for_status()
        sess = r.json()
        kernel = sess['kernel']['id']
        parts = urlsplit(base)
        ws_url = f'{"wss" if parts.scheme == "https" else "ws"}://{parts.netloc}{parts.path}/api/kernels/{kernel}/channels'
        ws = websocket.create_connection(ws_url, header=[f'Authorization: token {token["token"]}'],
                                         sslopt={'cert_reqs': ssl.CERT_REQUIRED, 'ca_certs': ca}, timeout=200)
        cells = []
        try:
            for cell in nb['cells']:
                if cell['cell_type'] != 'code':
                    continue
                source = ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']
                tags = cell.get('metadata', {}).get('tags', [])
                log(f'running cell {tags}')
                cells.append({'tags': tags, 'outputs': run_cell(ws, uuid.uuid4().hex, source)})
        finally:
            ws.close()
            s.delete(f'{base}/api/sessions/{sess["id"]}')
        print(json.dumps({'server': base, 'kernel_cwd_notebook': NOTEBOOK, 'cells': cells}))
    finally:
        s.delete(f'{hub}/hub/api/users/{user}/tokens/{token["id"]}')


if __name__ == '__main__':
    main()
