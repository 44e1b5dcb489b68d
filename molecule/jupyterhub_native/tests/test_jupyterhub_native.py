"""Live checks of the jupyterhub_native scenario: the real hub, proxy, PAM, SystemdSpawner and
user environment in a systemd container. The clients (files/hub_client.py, files/browser_login.py)
run inside the container and talk to https://127.0.0.1 through the proxy."""
import base64
import json
import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent
REPO = SCENARIO.parents[1]
CREDENTIALS = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY']) / 'credentials' / 'jupyterhub'
ARTIFACTS = REPO / '.cache' / 'artifacts' / 'jupyterhub_native'
HUB_PYTHON = '/opt/datamesh/jupyterhub/hub/bin/python'
USER_VENV = '/opt/datamesh/jupyterhub/user'
USER_ENV_REQUIREMENTS = REPO / 'roles' / 'jupyterhub' / 'files' / 'user-environment' / 'requirements.txt'
STARTER_NOTEBOOK = REPO / 'roles' / 'jupyterhub' / 'files' / 'starter' / '01-query-the-platform.ipynb'


# Passwords given in molecule.yml (the others are generated into the credentials directory).
GIVEN_PASSWORDS = {'bob': 'Lp4-local-fixture-Hx8vR2mN6t'}


def password(host, user):
    path = CREDENTIALS / host.backend.get_hostname() / 'users' / user
    if user in GIVEN_PASSWORDS:
        assert not path.exists(), f'{path}: a password given in the inventory must not be generated'
        return GIVEN_PASSWORDS[user]
    assert path.stat().st_mode & 0o077 == 0, f'{path} must be private to its owner'
    return path.read_text().split()[0]


def put_file(host, name, dest):
    source = SCENARIO / 'files' / name
    if not source.exists():  # shared with other scenarios (data_product runs the starter notebook too)
        source = SCENARIO.parent / '_shared' / 'files' / name
    data = base64.b64encode(source.read_bytes()).decode()
    host.check_output(f'echo {data} | base64 -d > {dest}')


def pin(package):
    """The version of a package in the user environment's requirements."""
    for line in USER_ENV_REQUIREMENTS.read_text().splitlines():
        if line.startswith(f'{package}=='):
            return line.split('==', 1)[1].strip()
    raise KeyError(package)


@pytest.fixture(scope='module')
def alice_session(host):
    """One full session of alice (admin): login, token, REST spawn, kernels, git, dbt, scheduling."""
    put_file(host, 'hub_client.py', '/root/hub_client.py')
    out = host.run(f'{HUB_PYTHON} /root/hub_client.py session alice {password(host, "alice")}')
    assert out.rc == 0, out.stderr
    return json.loads(out.stdout)


def test_units_enabled_and_running(host):
    for unit in ('jupyterhub', 'jupyterhub-proxy', 'cron'):
        service = host.service(unit)
        assert service.is_enabled, unit
        assert service.is_running, unit


def test_only_the_proxy_listens_publicly(host):
    assert host.socket('tcp://0.0.0.0:443').is_listening or host.socket('tcp://:::443').is_listening
    assert host.socket('tcp://127.0.0.1:8081').is_listening          # hub
    assert host.socket('tcp://127.0.0.1:8001').is_listening          # proxy API
    assert not host.socket('tcp://0.0.0.0:8081').is_listening
    assert not host.socket('tcp://0.0.0.0:8001').is_listening


def test_proxy_is_unprivileged_and_hardened(host):
    assert host.process.get(comm='node').user == 'jupyterhub-proxy'
    unit = host.file('/etc/systemd/system/jupyterhub-proxy.service').content_string
    for line in ('User=jupyterhub-proxy', 'ProtectSystem=strict', 'NoNewPrivileges=yes',
                 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE', 'AmbientCapabilities=CAP_NET_BIND_SERVICE'):
        assert line in unit
    hub = host.file('/etc/systemd/system/jupyterhub.service').content_string
    assert 'CapabilityBoundingSet=\n' in hub and 'ProtectHome=yes' in hub


def test_secrets_are_private(host):
    for path, mode in (('/etc/jupyterhub/hub.env', 0o600), ('/etc/jupyterhub/proxy.env', 0o640),
                       ('/etc/jupyterhub/tls/hub.key', 0o640)):
        f = host.file(path)
        assert f.mode == mode, path
        assert f.user == 'root'
    env = host.file('/etc/jupyterhub/hub.env').content_string
    secret = (CREDENTIALS / host.backend.get_hostname() / 'cookie_secret').read_text().split()[0]
    assert f'JPY_COOKIE_SECRET={secret}' in env
    # the hub uses the generated secret, it did not make one of its own
    assert not host.file('/var/lib/jupyterhub/jupyterhub_cookie_secret').exists
    assert secret not in host.file('/etc/jupyterhub/jupyterhub_config.py').content_string


def test_trino_settings_private_to_their_user(host):
    settings = host.file('/home/alice/.datamesh/trino.json')
    assert (settings.user, settings.mode) == ('alice', 0o600)
    config = json.loads(settings.content_string)
    assert config == {'host': 'trino.datamesh.test', 'port': 8443, 'http_scheme': 'https', 'user': 'alice',
                      'password': 'Nb7-trino-fixture-Qw3zK9pL2x', 'ca_file': '/etc/jupyterhub/platform-ca.crt',
                      'catalogs': ['hive', 'mysql']}
    # the CA the user environment verifies Trino with is readable by the users, and is the hub's CA
    assert host.file('/etc/jupyterhub/platform-ca.crt').mode == 0o644
    assert host.file('/etc/jupyterhub/platform-ca.crt').content_string == host.file('/etc/jupyterhub/tls/ca.crt').content_string
    profile = host.file('/home/alice/.dbt/profiles.yml')
    assert (profile.user, profile.mode) == ('alice', 0o600)
    assert 'method: ldap' in profile.content_string and '"Nb7-trino-fixture-Qw3zK9pL2x"' in profile.content_string
    assert 'cert: /etc/jupyterhub/platform-ca.crt' in profile.content_string
    # bob has no Trino credentials: no settings file, a profile without authentication
    assert not host.file('/home/bob/.datamesh').exists
    assert 'method: none' in host.file('/home/bob/.dbt/profiles.yml').content_string


def test_health_through_the_proxy_over_tls(host):
    out = host.check_output(
        f'{HUB_PYTHON} -c "import requests; r = requests.get(\'https://127.0.0.1/hub/health\', '
        f'verify=\'/etc/jupyterhub/tls/ca.crt\'); print(r.status_code)"')
    assert out.strip() == '200'
    # plain HTTP is not served on the public port
    assert host.run(f'{HUB_PYTHON} -c "import requests; requests.get(\'http://127.0.0.1:443/hub/health\', timeout=5)"').rc != 0


def test_pam_refuses_a_wrong_password(host):
    put_file(host, 'hub_client.py', '/root/hub_client.py')
    seen = json.loads(host.check_output(f'{HUB_PYTHON} /root/hub_client.py login alice not-the-password'))
    assert seen['login_status'] == 403


def test_login_through_pam_and_token(alice_session):
    assert alice_session['login_status'] == 302
    assert 'jupyterhub-session-id' in alice_session['login_cookies']
    assert alice_session['token_status'] == 201


def test_server_spawned_through_the_rest_api(host, alice_session):
    assert alice_session['spawn_status'] in (201, 202)
    assert alice_session['server_ready']
    assert alice_session['server_url'] == '/user/alice/'
    # one transient systemd unit per user, running as that user, with limits
    show = host.check_output('systemctl show jupyter-alice-singleuser -p MemoryMax -p CPUQuotaPerSecUSec -p ActiveState '
                             '-p PrivateTmp')
    assert 'ActiveState=active' in show and 'PrivateTmp=yes' in show
    assert 'MemoryMax=2147483648' in show and 'CPUQuotaPerSecUSec=1s' in show
    pid = host.check_output('systemctl show -p MainPID --value jupyter-alice-singleuser')
    assert host.check_output(f'ps -o user= -p {pid}') == 'alice'


def test_python_kernel(alice_session):
    py = alice_session['python']
    assert py['error'] is None, py
    assert 'USER alice' in py['out']
    assert 'SUM 6' in py['out']
    assert f'MATPLOTLIB {pin("matplotlib")}' in py['out']
    assert 'PREFIX /opt/datamesh/jupyterhub/user' in py['out']


def test_bash_kernel_git_and_isolation(alice_session):
    bash = alice_session['bash']
    assert bash['error'] is None, bash
    assert 'USER alice' in bash['out']
    assert 'COMMITS 1' in bash['out']
    assert 'OTHER_HOME_DENIED' in bash['out']
    assert 'PROFILE_TARGETS 2' in bash['out']       # hive and mysql


def test_dbt_in_the_user_environment(alice_session):
    out = alice_session['bash']['out']
    assert 'Core:' in out and '1.11.' in out
    assert 'DBT_PARSE_RC=0' in out
    assert 'MANIFEST_OK' in out


@pytest.mark.parametrize('user', ['alice', 'bob'])
def test_each_user_has_the_platform_dbt_project_as_a_git_repository(host, user):
    project = host.file(f'/home/{user}/datamesh_seed')
    assert project.is_directory and project.user == user and project.mode == 0o700
    model = host.file(f'/home/{user}/datamesh_seed/models/marts/customer_revenue.sql')
    assert model.user == user and model.mode == 0o600
    log = host.run(f'runuser -u {user} -- git -C /home/{user}/datamesh_seed log --format=%s')
    assert log.rc == 0 and log.stdout.splitlines() == ["The platform's dbt project, as provided"], log.stderr
    status = host.run(f'runuser -u {user} -- git -C /home/{user}/datamesh_seed status --porcelain')
    assert status.rc == 0 and status.stdout == ''


def test_the_platform_dbt_project_parses_with_the_users_profile(host):
    out = host.run("runuser -u alice -- sh -c 'cd ~/datamesh_seed && /opt/datamesh/jupyterhub/dbt/bin/dbt parse --no-partial-parse'")
    assert out.rc == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert host.file('/home/alice/datamesh_seed/target/manifest.json').exists


def test_jupyterlab_git_extension(alice_session):
    git = alice_session['git_extension']
    assert git['status'] == 200, git
    assert git['body']['code'] == 0
    assert [c['commit_msg'] for c in git['body']['commits']] == ['first']


def test_cron_job_scheduled_and_ran(alice_session):
    assert 'datamesh-dbt-schedule:every_minute' in alice_session['cron_add']['out']
    log = alice_session['cron_log']
    assert 'datamesh-dbt-schedule: every_minute started' in log
    assert 'Running with dbt=1.11' in log
    # dbt test ran against the profile's Trino host, which does not exist here: it ran and failed.
    assert 'trino.datamesh.test' in log
    assert 'finished rc=' in log


def test_jupyter_scheduler_job_ran(alice_session):
    assert alice_session['notebook_saved'] in (200, 201)
    assert alice_session['job_definition']['status'] == 200, alice_session['job_definition']
    jobs = alice_session['scheduler_jobs']
    assert jobs and jobs[0]['status'] == 'COMPLETED', jobs
    assert 'scheduled run ' in alice_session['scheduler_log']


def test_idle_culler_configured(host, alice_session):
    culler = alice_session['services']['jupyterhub-idle-culler']
    assert '--timeout=1800' in culler['command'] and '--cull-every=60' in culler['command']
    assert host.run('pgrep -f "python3 -m jupyterhub_idle_culler --timeout=1800"').rc == 0
    config = host.file('/opt/datamesh/jupyterhub/user/etc/jupyter/jupyter_server_config.py').content_string
    assert 'cull_idle_timeout' in config


def test_browser_logs_in_and_reaches_jupyterlab(host):
    """Headless Chromium: login page -> PAM login -> spawn -> JupyterLab; keeps the screenshot."""
    put_file(host, 'browser_login.py', '/root/browser_login.py')
    spki = host.check_output(
        'openssl x509 -in /etc/jupyterhub/tls/hub.crt -pubkey -noout | openssl pkey -pubin -outform der'
        ' | openssl dgst -sha256 -binary | base64')
    out = host.run(f'/opt/molecule-test/bin/python /root/browser_login.py bob {password(host, "bob")} '
                   f'/root/jupyterlab.png {spki}')
    shot = host.file('/root/jupyterlab.png')
    if shot.exists:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / 'login-to-jupyterlab.png').write_bytes(shot.content)
    assert out.rc == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout)
    assert 'Sign in' in seen['login_title'] or 'JupyterHub' in seen['login_title']
    assert '/user/bob/lab' in seen['url']
    assert 'JupyterLab' in seen['title']
    assert any('Bash' in c for c in seen['launcher_cards']), seen['launcher_cards']
    # jupyterhub_lab_news: false - no "official Jupyter news" question (test_jupyterlab_news_off_by_default
    # proves the setting JupyterLab reads; this only shows the prompt did not appear)
    assert not seen['news_prompt'], seen['toasts']
    png = (ARTIFACTS / 'login-to-jupyterlab.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 20000


# ---------------------------------------------------------------- a new user's first five minutes
STARTER = 'datamesh-starter'
STAGED = '/opt/datamesh/jupyterhub/starter'
SCRIPTS = '/var/tmp/molecule-starter'
ALICE_NOTE = "alice's own notes: the landing bucket gets new files every night"   # converge.yml


def expected_links(host):
    """The README's links, from this scenario's inventory (molecule.yml): the container is in the
    groups trino_coordinator and datahub (default ports, inventory name), docs_site and grafana
    (their own names and ports)."""
    name = host.backend.get_hostname()
    return [f'[Trino](https://{name}:2020)', '[dbt docs](https://docs.datamesh.test:8444)',
            '[Grafana](https://grafana.datamesh.test:3443)', f'[DataHub](https://{name}:9443)']


def as_user(host, user, command, home=None):
    """Run command as user with a clean environment (what a notebook server gets, not root's)."""
    home = home or f'/home/{user}'
    env = f'HOME={home} PATH={USER_VENV}/bin:/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8'
    return host.run(f'runuser -u {user} -- env -i -C {home} {env} {command}')


@pytest.fixture(scope='module')
def scripts(host):
    host.check_output(f'install -d -m 0755 {SCRIPTS}')
    for name in ('starter_notebook.py',):
        put_file(host, name, f'{SCRIPTS}/{name}')
        host.check_output(f'chmod 0644 {SCRIPTS}/{name}')
    return SCRIPTS


def run_notebook(host, user, notebook, last_tag='', home=None):
    """{cell tag: outputs}; stderr streams left out (matplotlib's note that it builds its font
    cache on a first import, for instance)."""
    out = as_user(host, user, f'python {SCRIPTS}/starter_notebook.py run {notebook} {last_tag}', home)
    assert out.rc == 0, out.stderr[-3000:]
    cells = json.loads(out.stdout)['cells']
    return {tag: [o for o in cell['outputs'] if o.get('name') != 'stderr'] for cell in cells for tag in cell['tags']}


def secrets(host):
    """Every password of this scenario: the notebook and its outputs must hold none of them."""
    return [GIVEN_PASSWORDS['bob'], 'Nb7-trino-fixture-Qw3zK9pL2x', password(host, 'alice')]


@pytest.mark.parametrize('user', ['alice', 'bob'])
def test_each_user_has_the_starter_workspace_as_their_own_files(host, user):
    workspace = host.file(f'/home/{user}/{STARTER}')
    assert workspace.is_directory and (workspace.user, workspace.group, workspace.mode) == (user, user, 0o755)
    assert not host.file(f'/home/{user}/{STARTER}/.git').exists          # a plain directory
    notebook = host.file(f'/home/{user}/{STARTER}/01-query-the-platform.ipynb')
    assert (notebook.user, notebook.group, notebook.mode) == (user, user, 0o644)
    assert notebook.content == STARTER_NOTEBOOK.read_bytes()
    listing = host.check_output(f'ls -A /home/{user}/{STARTER}').split()
    # bob deleted his README (converge.yml) and no converge brought it back
    assert sorted(listing) == (['01-query-the-platform.ipynb', 'README.md'] if user == 'alice'
                               else ['01-query-the-platform.ipynb'])
    # the temporary directories the copy goes through are gone
    assert host.run(f'ls -d /home/{user}/{STARTER}.*').rc != 0


def test_starter_readme_has_this_inventorys_links_and_the_next_steps(host):
    staged = host.file(f'{STAGED}/README.md')
    assert (staged.user, staged.mode) == ('root', 0o644)
    readme = staged.content_string
    links = [line for line in readme.splitlines() if line.startswith('- **[')]
    assert [line.split('**')[1] for line in links] == expected_links(host)
    for text in ('~/datamesh_seed', 'cd ~/datamesh_seed', 'dbt build', 'datamesh-dbt-schedule add nightly',
                 '01-query-the-platform.ipynb', '`trino.datamesh.test:8443`', '~/.datamesh/trino.json',
                 '/etc/jupyterhub/trino.json', '`hive`, `mysql`', 'Your server stops after 30 minutes'):
        assert text in readme, text
    for secret in secrets(host):
        assert secret not in readme


def test_a_users_changes_survive_the_second_converge(host):
    """converge.yml appended alice's note after the first converge; the idempotence step (the
    second converge, changed=0) left it, and did not bring back the README bob deleted."""
    readme = host.file(f'/home/alice/{STARTER}/README.md')
    assert (readme.user, readme.mode) == ('alice', 0o644)
    assert readme.content_string == host.file(f'{STAGED}/README.md').content_string + ALICE_NOTE + '\n'
    assert not host.file(f'/home/bob/{STARTER}/README.md').exists


def test_shared_trino_settings_hold_no_credentials(host):
    settings = host.file('/etc/jupyterhub/trino.json')
    assert (settings.user, settings.mode) == ('root', 0o644)
    assert json.loads(settings.content_string) == {
        'host': 'trino.datamesh.test', 'port': 8443, 'http_scheme': 'https',
        'ca_file': '/etc/jupyterhub/platform-ca.crt', 'catalogs': ['hive', 'mysql']}


def test_starter_notebook_is_valid_and_holds_no_secret(host, scripts):
    out = as_user(host, 'alice', f'python {scripts}/starter_notebook.py validate /home/alice/{STARTER}/01-query-the-platform.ipynb')
    assert out.rc == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout)
    assert (seen['nbformat'], seen['kernel']) == (4, 'python3')
    assert seen['compiled'] == ['settings', 'connect', 'query', 'chart']      # every code cell compiles
    text = STARTER_NOTEBOOK.read_text()
    for secret in secrets(host):
        assert secret not in text
    assert 'BasicAuthentication(user, settings[\'password\'])' in text       # the password only from the file


@pytest.mark.parametrize('user,source,auth', [
    ('alice', '/home/alice/.datamesh/trino.json', 'with a password'),
    ('bob', '/etc/jupyterhub/trino.json', 'without a password'),
])
def test_starter_notebook_runs_up_to_the_connection(host, scripts, user, source, auth):
    """In the user's real home, with the role's settings: every cell up to the connection runs (a
    query would need the Trino of trino.datamesh.test, which does not exist here; scenario
    data_product runs the whole notebook against its live Trino)."""
    outputs = run_notebook(host, user, f'/home/{user}/{STARTER}/01-query-the-platform.ipynb', 'connect')
    assert outputs['settings'] == [{'type': 'stream', 'name': 'stdout', 'text': (
        f'Trino at https://trino.datamesh.test:8443 as {user}, {auth} (settings from {source})\n')}]
    assert outputs['connect'] == []
    for secret in secrets(host):
        assert secret not in json.dumps(outputs)


def test_jupyterlab_news_off_by_default(host, alice_session):
    """jupyterhub_lab_news: false. The file is where JupyterLab looks (its application directory's
    settings/, as `jupyter lab path` reports it for a user), and JupyterLab's settings API - what the
    frontend reads - serves the notification plugin with fetchNews "false" as its default."""
    overrides = host.file(f'{USER_VENV}/share/jupyter/lab/settings/overrides.json')
    assert (overrides.user, overrides.mode) == ('root', 0o644)
    assert json.loads(overrides.content_string) == {
        '@jupyterlab/apputils-extension:notification': {'fetchNews': 'false', 'checkForUpdates': False}}
    paths = as_user(host, 'bob', 'jupyter lab path')
    assert paths.rc == 0, paths.stderr
    assert f'Application directory:   {USER_VENV}/share/jupyter/lab' in paths.stdout, paths.stdout
    notification = alice_session['lab_notification']
    assert notification['status'] == 200, notification
    assert notification['defaults']['fetchNews'] == 'false'
    assert notification['defaults']['checkForUpdates'] is False
    assert notification['user_settings'] == {}          # alice never chose: the override decides
