"""tests/harness/secret_scan.py: finds a planted secret in a log, and only there."""
from __future__ import annotations

import base64
import importlib.util
import json
import urllib.parse
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[3] / 'tests' / 'harness' / 'secret_scan.py'
_SPEC = importlib.util.spec_from_file_location('secret_scan', _SCRIPT)
secret_scan = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(secret_scan)

ADMIN = 'Xk3vQ9pLm2Rt7Wz1'
DB = 'n4JdK8sQw2ZxC5vB'
TRUSTSTORE = 'Tr7uStSt0r3PassW0rd'
GIVEN = 'Given"by\\inventory$HOME#9f2c'
KEY_LINE = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj'
CERT_LINE = 'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ'

CLEAN_LOG = """PLAY [Converge] ****
TASK [trino : Install the CLI] ****
<datamesh-x> EXEC /bin/sh -c '/usr/bin/python3 && sleep 0'
ok: [datamesh-x] => changed=false
  msg: password in /root/.credentials/trino/datamesh/admin_password
TASK [Show the CA] ****
ok: [datamesh-x] =>
  msg: |-
    -----BEGIN CERTIFICATE-----
    %s
    -----END CERTIFICATE-----
PLAY RECAP ****
datamesh-x : ok=3 changed=0 unreachable=0 failed=0
""" % CERT_LINE


@pytest.fixture(name='creds')
def fixture_creds(tmp_path):
    root = tmp_path / 'credentials'
    for rel, text in {
        'trino/datamesh/admin_password': ADMIN + '\n',
        'mysql_multi/db1/mariadb/app': DB + ' salt=abcdefgh\n',
        'hive_metastore/db1/truststore_password': TRUSTSTORE,
        'minio/minio/root_user': 'platform-admin-user\n',      # names an account: not a secret
        'seaweedfs/seaweedfs/admin_access_key': 'ACCESSKEYID0123\n',
        'nginx_docs/web1/docs.salt': 'saltsaltsalt\n',         # part of a public hash
        'tls/ca.crt': '-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n' % CERT_LINE,
        'tls/ca.key': '-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n' % KEY_LINE,
        'short': 'abc\n',
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding='utf-8')
    (root / 'hive_metastore' / 'db1' / 'truststore.p12').write_bytes(b'\x30\x82\xff\xfe\x00binary')
    return root


@pytest.fixture(name='scenario')
def fixture_scenario(tmp_path):
    scenario = tmp_path / 'molecule' / 'demo'
    (scenario / 'vars').mkdir(parents=True)
    (scenario / 'molecule.yml').write_text("""---
provisioner:
  inventory:
    host_vars:
      node:
        minio_root_user: platform-admin
        minio_root_password: Given"by\\inventory$$HOME#9f2c
        minio_access_keys:
          - {access_key: query-plane-key-id, secret_key: "{{ lookup('ansible.builtin.password', '/x') }}"}
        from_env_password: "${SOME_PASSWORD}"
        ca_key_file: /etc/ssl/private/a-long-path.key
""", encoding='utf-8')
    (scenario / 'vars' / 'main.yml').write_text("""---
users:
  - {name: alice, password: alice-given-password}
api_tokens: [token-one-0123456789]
""", encoding='utf-8')
    return scenario


def secrets_of(creds):
    return dict((secret, source) for source, secret in secret_scan.credentials(creds))


def test_collects_the_credentials_files(creds):
    found = secrets_of(creds)
    assert found[ADMIN] == 'trino/datamesh/admin_password'
    assert found[DB] == 'mysql_multi/db1/mariadb/app'     # the password of "<password> salt=..."
    assert found[TRUSTSTORE] == 'hive_metastore/db1/truststore_password'
    assert found[KEY_LINE] == 'tls/ca.key'                 # a private key's body lines
    assert CERT_LINE not in found                           # a certificate is public
    assert 'platform-admin-user' not in found               # an account name
    assert 'ACCESSKEYID0123' not in found and 'saltsaltsalt' not in found
    assert 'abc' in found                                   # collected; too short to be looked for


def test_the_public_half_of_a_private_key_is_not_a_secret(tmp_path):
    # pylint: disable-next=import-outside-toplevel
    from cryptography.hazmat.primitives import serialization
    # pylint: disable-next=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    (tmp_path / 'ca.key').write_text(pem, encoding='utf-8')
    lines = [line for line in pem.splitlines() if not line.startswith('-----')]
    found = [secret for source, secret in secret_scan.credentials(tmp_path)]
    assert lines[0] in found                        # the private scalar
    assert lines[-1] not in found                   # the tail of the public point only
    # a log that shows the public key (as community.crypto's modules do) is clean; one with the key is not
    assert not secret_scan.scan(public_pem.encode(), secret_scan.credentials(tmp_path))
    assert secret_scan.scan(pem.encode(), secret_scan.credentials(tmp_path))


def test_collects_the_literal_given_values(scenario):
    found = dict((value, source) for source, value in secret_scan.given(secret_scan.scenario_files(scenario), scenario.parent.parent))
    assert found == {
        GIVEN: 'molecule/demo/molecule.yml: provisioner.inventory.host_vars.node.minio_root_password',
        'alice-given-password': 'molecule/demo/vars/main.yml: users[0].password',
        'token-one-0123456789': 'molecule/demo/vars/main.yml: api_tokens[0]',
    }


def test_a_clean_log_passes(tmp_path, creds, scenario, capsys):
    log = tmp_path / 'molecule-demo.log'
    log.write_text(CLEAN_LOG, encoding='utf-8')
    assert secret_scan.main(['--log', str(log), '--credentials-dir', str(creds), '--scenario-dir', str(scenario),
                             '--report', str(tmp_path / 'report')]) == 0
    assert 'none of 7 secrets' in capsys.readouterr().out
    assert (tmp_path / 'report').read_text(encoding='utf-8') == ''


@pytest.mark.parametrize('planted, form', [
    ("<datamesh-x> EXEC /bin/sh -c 'TRINO_PASSWORD=%s /usr/bin/python3 && sleep 0'" % ADMIN, 'as written'),
    ('  ansible_facts: {"instances": [{"password": "%s"}]}' % json.dumps(GIVEN)[1:-1], 'JSON-escaped'),
    ('GET /login?password=%s HTTP/1.1' % urllib.parse.quote(GIVEN, safe=''), 'URL-encoded'),
    ('Authorization: Basic %s' % base64.b64encode(('admin:' + ADMIN).encode()).decode(), 'base64'),
    ('  stdout: %s' % KEY_LINE, 'as written'),
])
def test_a_planted_secret_fails_with_its_name_and_line(tmp_path, creds, scenario, capsys, planted, form):
    lines = CLEAN_LOG.splitlines()
    lines.insert(3, planted)
    log = tmp_path / 'molecule-demo.log'
    log.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    report = tmp_path / 'report'
    assert secret_scan.main(['--log', str(log), '--credentials-dir', str(creds), '--scenario-dir', str(scenario),
                             '--root', str(scenario.parent.parent), '--report', str(report)]) == 1
    out = capsys.readouterr().out
    assert 'LEAK ' in out and '(%s' % form in out and 'at line 4' in out
    assert 'in TASK [trino : Install the CLI]' in out
    # where the secret came from, never the secret
    assert report.read_text(encoding='utf-8').strip() in (
        'trino/datamesh/admin_password', 'tls/ca.key',
        'molecule/demo/molecule.yml: provisioner.inventory.host_vars.node.minio_root_password')
    for secret in (ADMIN, GIVEN, KEY_LINE, json.dumps(GIVEN)[1:-1]):
        assert secret not in out and secret not in report.read_text(encoding='utf-8')


def test_lines_and_count():
    data = b'a secret-value-1\nnothing\nsecret-value-1 secret-value-1\n'
    leaks = secret_scan.scan(data, [('f', 'secret-value-1')])
    assert leaks == [{'source': 'f', 'form': 'as written', 'lines': [1, 3], 'tasks': [], 'count': 3}]
    assert secret_scan.describe(leaks[0]) == 'f (as written) at lines 1, 3 and 1 more'


def test_short_values_are_not_looked_for():
    assert not secret_scan.scan(b'password: admin\n', [('f', 'admin')])


@pytest.mark.parametrize('prefix', ['', 'x', 'xy', 'xyz'])
def test_base64_at_any_alignment(prefix):
    data = base64.b64encode((prefix + TRUSTSTORE + 'tail').encode()) + b'\n'
    assert [leak['form'] for leak in secret_scan.scan(data, [('f', TRUSTSTORE)])][0].startswith('base64')


def test_unreadable_log_is_an_error(tmp_path, capsys):
    assert secret_scan.main(['--log', str(tmp_path / 'missing.log')]) == 2
    assert 'cannot run' in capsys.readouterr().out
