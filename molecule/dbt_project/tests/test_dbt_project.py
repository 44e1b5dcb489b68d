"""Checks of the dbt_project scenario on the converged host (where side_effect leaves it: the whole
seed project, on its schedule, after a failed build against an address where no Trino listens)."""
import os
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
SOURCE = REPO / 'roles' / 'dbt_project' / 'files' / 'datamesh_seed'
CREDENTIALS = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY']) / 'credentials'
VENV = '/opt/datamesh/dbt/venv'
PROJECT = '/var/lib/datamesh/dbt/datamesh_seed/project'
PROFILES = '/etc/datamesh/dbt/datamesh_seed'
UNIT = 'datamesh-dbt-datamesh_seed'


def pins():
    text = (REPO / 'roles' / 'dbt_project' / 'files' / 'requirements.txt').read_text()
    return sorted(line.split('#')[0].strip() for line in text.splitlines() if line.split('#')[0].strip())


def test_the_venv_holds_exactly_the_pins(host):
    frozen = host.check_output(f'{VENV}/bin/pip freeze').splitlines()
    for pin in pins():
        assert pin in frozen, f'{pin} not in the venv: {frozen}'
    assert host.check_output(f'{VENV}/bin/dbt --version').count('1.11.16') >= 1
    marker = host.file(f'{VENV}/.datamesh-requirements')
    assert marker.user == 'root' and marker.content_string.strip().endswith('dbt-trino==1.11.0')


def test_the_project_is_deployed_read_only_for_dbt(host):
    user = host.user('dbt')
    assert user.exists and user.shell == '/usr/sbin/nologin' and user.uid < 1000
    for path in SOURCE.rglob('*'):
        if path.is_file():
            deployed = host.file(f'{PROJECT}/{path.relative_to(SOURCE)}')
            assert deployed.exists, deployed.path
            assert (deployed.user, deployed.group, deployed.mode) == ('root', 'dbt', 0o640), deployed.path
            assert deployed.content_string == path.read_text(), deployed.path
    assert not host.file(f'{PROJECT}/profiles.yml').exists
    directory = host.file(PROJECT)
    assert (directory.user, directory.group, directory.mode) == ('root', 'dbt', 0o750)
    for writable in ('target', 'logs'):
        d = host.file(f'{PROJECT}/{writable}')
        assert (d.user, d.group, d.mode) == ('dbt', 'dbt', 0o750)


def test_the_profile_is_private_and_complete(host):
    profile = host.file(f'{PROFILES}/profiles.yml')
    assert (profile.user, profile.group, profile.mode) == ('root', 'dbt', 0o640)
    assert profile.mode & 0o007 == 0, 'profiles.yml must not be world-readable'
    assert (host.file(PROFILES).mode, host.file(PROFILES).group) == (0o750, 'dbt')
    with host.sudo():
        content = yaml.safe_load(profile.content_string)
    target = content['datamesh']['outputs']['trino']
    password = (CREDENTIALS / 'dbt_project' / 'trino_password').read_text().split()[0]
    assert content['datamesh']['target'] == 'trino'
    assert target['password'] == password
    assert {k: target[k] for k in ('type', 'method', 'http_scheme', 'host', 'port', 'user', 'cert', 'database',
                                   'schema', 'threads')} == {
        'type': 'trino', 'method': 'ldap', 'http_scheme': 'https', 'host': '127.0.0.1', 'port': 2020,
        'user': 'dbt_runner', 'cert': f'{PROFILES}/trino-ca.crt', 'database': 'hive', 'schema': 'analytics',
        'threads': 4}
    ca = (Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY']) / 'trino-ca' / 'ca.crt').read_text()
    assert host.file(f'{PROFILES}/trino-ca.crt').content_string.strip() == ca.strip()
    assert host.file(f'{PROFILES}/vars.json').content_string.strip() == '{"landing_schema": "landing"}'


def test_the_unit_is_a_sandboxed_oneshot_as_dbt(host):
    show = dict(line.split('=', 1) for line in host.check_output(
        f'systemctl show {UNIT}.service -p Type -p User -p ProtectSystem -p NoNewPrivileges -p PrivateTmp '
        '-p ReadWritePaths -p WorkingDirectory -p Environment -p Restart -p UnitFileState').splitlines())
    assert show['Type'] == 'oneshot' and show['User'] == 'dbt' and show['Restart'] == 'no'
    assert show['ProtectSystem'] == 'strict' and show['NoNewPrivileges'] == 'yes' and show['PrivateTmp'] == 'yes'
    assert sorted(show['ReadWritePaths'].split()) == [f'{PROJECT}/logs', f'{PROJECT}/target']
    assert show['WorkingDirectory'] == PROJECT
    assert f'DBT_PROFILES_DIR={PROFILES}' in show['Environment'] and f'HOME={PROJECT}' in show['Environment']
    # Nothing starts the build at boot but the timer.
    assert show['UnitFileState'] in ('static', 'disabled')
    exec_start = host.check_output(f'systemctl show {UNIT}.service -p ExecStart')
    assert f'/usr/local/bin/datamesh-dbt-run {VENV}/bin/dbt {PROFILES}/vars.json' in exec_start
    assert host.run(f'systemd-analyze verify /etc/systemd/system/{UNIT}.service').rc == 0


def test_the_timer_is_scheduled(host):
    timer = host.service(f'{UNIT}.timer')
    assert timer.is_enabled and timer.is_running
    listed = host.check_output('systemctl list-timers --all --no-pager')
    assert f'{UNIT}.timer' in listed and f'{UNIT}.service' in listed
    assert 'OnCalendar=*-*-* 03:15:00' in host.file(f'/etc/systemd/system/{UNIT}.timer').content_string


def test_dbt_parses_the_project_as_dbt_with_that_profile(host):
    # parse does not connect; it reads profiles.yml (0640 root:dbt) as the dbt account.
    out = host.run(f'cd {PROJECT} && runuser -u dbt -- env DBT_PROFILES_DIR={PROFILES} HOME={PROJECT} '
                   f'DBT_SEND_ANONYMOUS_USAGE_STATS=false {VENV}/bin/dbt parse --vars "$(cat {PROFILES}/vars.json)"')
    assert out.rc == 0, out.stdout + out.stderr
    assert 'Running with dbt=1.11.16' in out.stdout
    manifest = host.file(f'{PROJECT}/target/manifest.json')
    assert manifest.user == 'dbt'
    # and no other account can read the profile
    denied = host.run(f'runuser -u nobody -- cat {PROFILES}/profiles.yml')
    assert denied.rc != 0 and 'Permission denied' in denied.stderr
