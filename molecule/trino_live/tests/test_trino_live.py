"""Checks of the trino_live scenario: a real Trino 476 coordinator and worker (core tarball +
plugin zips from Maven Central, Java 25 from Debian 13), queried through the CLI and the Python
client over HTTPS with password authentication (generated admin password, generated CA)."""
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import testinfra

EPHEMERAL = Path(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'])
SECRETS = EPHEMERAL / 'credentials' / 'trino' / 'datamesh'
COORDINATOR = 'datamesh-trino-live-coordinator'
WORKER = 'datamesh-trino-live-worker1'
SERVER = f'https://{COORDINATOR}:2020'
CA = '/etc/trino/tls/ca.crt'
PLUGINS = '/opt/datamesh/trino-plugins/476'
# The plugins of the core tarball 476 (linked into the plugin directory).
CORE_PLUGINS = {'exchange-filesystem', 'functions-python', 'geospatial', 'password-authenticators',
                'resource-group-managers', 'session-property-managers', 'spooling-filesystem'}


# The generated admin password goes into the coordinator through docker exec's stdin into a
# 0600 file, never onto a command line; the commands read it from there.
PASSWORD_FILE = '/root/.trino_admin_password'


def put_admin_password(host):
    password = (SECRETS / 'admin_password').read_text().split()[0]
    subprocess.run(['docker', 'exec', '-i', host.backend.get_hostname(), 'sh', '-c',
                    f'umask 077 && cat > {PASSWORD_FILE}'], input=password.encode(), check=True)


def cli(host, sql, password=None, user='admin'):
    secret = f'"$(cat {PASSWORD_FILE})"' if password is None else shlex.quote(password)
    return host.run(f'TRINO_PASSWORD={secret} trino --server {SERVER} --truststore-path {CA} '
                    f'--user {user} --password --output-format TSV --execute {shlex.quote(sql)}')


FETCH = ("python3 -c 'import ssl, sys, urllib.request; "
         f"print(urllib.request.urlopen(sys.argv[1], context=ssl.create_default_context(cafile=\"{CA}\"), "
         "timeout=10).read().decode())' ")


def info(host):
    out = host.run(FETCH + 'https://localhost:2020/v1/info')
    assert out.rc == 0, out.stderr
    return json.loads(out.stdout)


def test_service_enabled_and_running(host):
    service = host.service('trino')
    assert service.is_enabled and service.is_running


def test_v1_info_not_starting(host):
    i = info(host)
    assert i['starting'] is False
    assert i['coordinator'] is (host.backend.get_hostname() == COORDINATOR)
    assert i['environment'] == 'datamesh'
    assert i['nodeVersion']['version'] == '476'


def test_runs_core_tarball_on_debian_java_25(host):
    unit = host.file('/etc/systemd/system/trino.service').content_string
    assert '/opt/datamesh/trino-server/476-core/bin/launcher run' in unit
    assert 'JAVA_HOME=/usr/lib/jvm/java-25-openjdk-amd64' in unit
    assert host.package('openjdk-25-jre-headless').is_installed
    cmdline = host.run('cat /proc/$(systemctl show -p MainPID --value trino)/cmdline | tr "\\0" " "').stdout
    assert '/usr/lib/jvm/java-25-openjdk-amd64/bin/java' in cmdline
    assert '-Xmx1280M' in cmdline
    assert not host.file('/opt/datamesh/trino-server/476').exists, 'the full tarball was installed too'


def test_plugin_directory_holds_only_what_the_catalogs_need(host):
    config = host.file('/etc/trino/config.properties')
    assert f'plugin.dir={PLUGINS}' in config.content_string
    names = set(host.run(f'ls {PLUGINS}').stdout.split())
    assert names == CORE_PLUGINS | {'hive', 'memory', 'tpch'}
    for name in ('hive', 'memory', 'tpch'):
        link = host.file(f'{PLUGINS}/{name}')
        assert link.is_symlink
        # _common's layout: <version> -> <version>-<first 12 hex of the sha256>
        assert re.fullmatch(rf'/opt/datamesh/trino-plugin-{name}/476-[0-9a-f]{{12}}/trino-{name}-476', link.linked_to)
    assert not host.file('/opt/datamesh/trino-plugin-iceberg').exists


def one_host(name):
    """A test host by name: checks that concern one node run once, not once per node."""
    return testinfra.get_host(f'ansible://{name}', ansible_inventory=os.environ['MOLECULE_INVENTORY_FILE'])


def test_hive_catalog_uses_native_s3():
    # In dynamic mode the coordinator keeps the files Trino wrote; the worker keeps the role's.
    host = one_host(WORKER)
    props = dict(line.split('=', 1) for line in host.file('/etc/trino/catalog/hive.properties').content_string.splitlines()
                 if line and not line.startswith('#'))
    assert props['connector.name'] == 'hive'
    assert props['fs.native-s3.enabled'] == 'true'
    assert props['s3.endpoint'] == 'https://s3.datamesh.test:8333'
    assert props['s3.path-style-access'] == 'true'
    assert props['s3.region'] == 'us-east-1'
    assert props['s3.aws-access-key'] == 'trino'
    assert not any(k.startswith('hive.s3.') for k in props)


def test_platform_ca_in_java_truststore(host):
    out = host.run('keytool -list -cacerts -storepass changeit | grep -i datamesh-trino')
    assert out.rc == 0 and 'datamesh-trino-0' in out.stdout, out.stdout + out.stderr


def test_plain_http_is_off(host):
    assert host.run(FETCH + 'http://localhost:2020/v1/info').rc != 0


@pytest.fixture(scope='module')
def coordinator():
    """Queries run on the coordinator, once."""
    host = one_host(COORDINATOR)
    put_admin_password(host)
    return host


def test_query_through_the_cli(coordinator):
    out = cli(coordinator, 'SELECT count(*) FROM tpch.tiny.nation')
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == '25'


def test_wrong_password_is_refused(coordinator):
    out = cli(coordinator, 'SELECT 1', password='not-the-password')
    assert out.rc != 0
    assert 'Access Denied: Invalid credentials' in out.stderr + out.stdout


def test_both_nodes_active(coordinator):
    out = cli(coordinator, 'SELECT coordinator, state FROM system.runtime.nodes ORDER BY coordinator')
    assert out.rc == 0, out.stderr
    rows = [tuple(line.split('\t')) for line in out.stdout.strip().splitlines()]
    assert rows == [('false', 'active'), ('true', 'active')]


def test_memory_catalog_holds_data(coordinator):
    out = cli(coordinator, 'CREATE TABLE IF NOT EXISTS memory.default.t AS SELECT * FROM tpch.tiny.region')
    assert out.rc == 0, out.stderr
    out = cli(coordinator, 'SELECT count(*) FROM memory.default.t')
    assert out.stdout.strip() == '5'


def test_static_and_dynamic_catalogs(coordinator):
    out = cli(coordinator, 'SHOW CATALOGS')
    assert out.rc == 0, out.stderr
    assert {'hive', 'memory', 'scratch', 'system', 'tpch', 'tpch_sf'} <= set(out.stdout.split())
    # the dynamic catalog works on the worker too (no scheduling on the coordinator)
    out = cli(coordinator, 'CREATE TABLE IF NOT EXISTS scratch.default.n AS SELECT * FROM tpch_sf.tiny.nation')
    assert out.rc == 0, out.stderr
    assert cli(coordinator, 'SELECT count(*) FROM scratch.default.n').stdout.strip() == '25'


PY_CLIENT = '''
import sys, trino
password = open("{password_file}").read().strip()
conn = trino.dbapi.connect(host="https://{server}", user="admin", auth=trino.auth.BasicAuthentication("admin", password),
                           verify="{ca}")
cur = conn.cursor()
cur.execute("SELECT count(*), min(name) FROM tpch.tiny.nation")
print(cur.fetchall())
'''


def test_query_through_the_python_client(coordinator):
    script = PY_CLIENT.format(server=f'{COORDINATOR}:2020', ca=CA, password_file=PASSWORD_FILE)
    out = coordinator.run(f'/opt/datamesh/trino/pyenv/bin/python -c {shlex.quote(script)}')
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == "[[25, 'ALGERIA']]"
