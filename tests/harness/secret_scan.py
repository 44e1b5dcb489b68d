"""Fail when a secret of a Molecule scenario occurs in the scenario's log.

    python tests/harness/secret_scan.py --log .cache/logs/molecule-<name>.log \
        --credentials-dir .cache/credentials/<name> --scenario-dir molecule/<name> [--report FILE]

The secrets are
  * every file under the credentials directory (what the roles generated or wrote there;
    datamesh_credentials_dir of the scenario), line by line: a password file of
    ansible.builtin.password ("<password> salt=..."), the body lines of a PEM private key;
    public material (certificates, public keys, CSRs), files that name an account rather
    than hold its secret (``*user``, ``*access_key``) and salts (``*.salt``) are not secrets, nor
    the lines of a private key that hold only its public half;
  * every literal value given in the scenario's molecule.yml and its vars files (and those of
    the scenarios whose playbooks it borrows) under a key that names a password, secret, token
    or key (not an access key id); Jinja expressions and ${VARIABLES} are not literal.
Each secret of at least --min-length characters is looked for as written, JSON-escaped,
URL-encoded and base64-encoded (at any alignment). The report names where the secret came
from (file or variable) and the log's line numbers, never the secret itself.

Exit status: 0 no secret in the log, 1 a secret was found, 2 the scan could not run.
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import sys
import urllib.parse
from pathlib import Path

import yaml

MIN_LENGTH = 8
MAX_LINES_SHOWN = 10
# Key names whose literal values are secrets; an access key id is a user name, not a secret.
SECRET_KEY = re.compile(r'pass(word|wd|phrase)?|secret|token|(^|[^a-z])(pw|pwd)($|[^a-z])|key$', re.IGNORECASE)
NOT_SECRET_KEY = re.compile(r'access[_-]?key([_-]?id)?$|key[_-]?(file|path|dir|name|id|size|type|alias)$', re.IGNORECASE)
# Credential files that name an account (root_user, access_key) rather than hold a secret, and the
# salts of password hashes (public by design: part of the hash).
NOT_SECRET_FILE = re.compile(r'(^|[_.-])(user|username|access[_-]?key|access[_-]?key[_-]?id|salt)$', re.IGNORECASE)
PEM_BLOCK = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----', re.DOTALL)
PUBLIC_PEM = ('CERTIFICATE', 'PUBLIC KEY', 'CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST', 'X509 CRL',
              'TRUSTED CERTIFICATE', 'DH PARAMETERS', 'EC PARAMETERS')
PASSWORD_LOOKUP_LINE = re.compile(r'^(\S+)( (salt|ident)=\S*)+$')


def public_der(pem_text):
    """The DER of the public key that belongs to a PEM private key, or b'' when it cannot be read."""
    try:
        # pylint: disable-next=import-outside-toplevel
        from cryptography.hazmat.primitives import serialization
        key = serialization.load_pem_private_key(pem_text.encode('ascii'), password=None)
        return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except Exception:  # pylint: disable=broad-exception-caught  # encrypted, unknown type, no cryptography
        return b''


def private_key_lines(pem_text, body):
    """The body lines of a PEM private key, less those that hold only public key bytes (the
    last lines of an EC key are its public point, which certificates and CSRs show)."""
    public = public_der(pem_text)
    out = []
    for line in body.splitlines():
        line = line.strip()
        if not line or ':' in line:
            continue
        try:
            if public and base64.b64decode(line, validate=True) in public:
                continue
        except ValueError:
            pass
        out.append(line)
    return out


def file_secrets(text):
    """The secret strings of one credentials file's text."""
    found = []

    def pem(match):
        label = match.group(1)
        if label not in PUBLIC_PEM and not label.endswith(' CERTIFICATE'):
            found.extend(private_key_lines(match.group(0), match.group(2)))
        return ''

    rest = PEM_BLOCK.sub(pem, text)
    for line in rest.splitlines():
        line = line.strip()
        lookup = PASSWORD_LOOKUP_LINE.match(line)
        found.append(lookup.group(1) if lookup else line)
    return [s for s in found if s]


def credentials(directory):
    """(source, secret) of every file under the credentials directory."""
    directory = Path(directory)
    out = []
    if not directory.is_dir():
        return out
    for path in sorted(p for p in directory.rglob('*') if p.is_file()):
        if NOT_SECRET_FILE.search(path.name):
            continue
        try:
            text = path.read_text(encoding='utf-8')
        except (UnicodeDecodeError, OSError):
            continue   # binary (a keystore): its password is in a file of its own
        out.extend((str(path.relative_to(directory)), s) for s in file_secrets(text))
    return out


def literal(value):
    """The value as Molecule passes it on ($$ is a literal $), or None when it is not literal."""
    if not isinstance(value, str) or '{{' in value or '{%' in value or re.search(r'\$\{?[A-Za-z_]', value.replace('$$', '')):
        return None
    return value.replace('$$', '$').strip()


def given_values(data, where='', secret=False):
    """(variable path, value) of the literal secret values in a loaded YAML document; secret: under a secret's key."""
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = str(key)
            out.extend(given_values(value, '%s.%s' % (where, name) if where else name,
                                    secret or bool(SECRET_KEY.search(name) and not NOT_SECRET_KEY.search(name))))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            out.extend(given_values(item, '%s[%d]' % (where, i), secret))
    elif secret:
        value = literal(data)
        if value:
            out.append((where, value))
    return out


def scenario_files(scenario_dir):
    """molecule.yml and the vars files of a scenario and of the scenarios whose playbooks it uses."""
    scenario_dir = Path(scenario_dir).resolve()
    molecule_yml = scenario_dir / 'molecule.yml'
    dirs = [scenario_dir]
    files = [molecule_yml] if molecule_yml.is_file() else []
    if files:
        config = yaml.safe_load(molecule_yml.read_text(encoding='utf-8')) or {}
        playbooks = ((config.get('provisioner') or {}).get('playbooks') or {})
        for playbook in playbooks.values():
            if isinstance(playbook, str):
                other = (scenario_dir / playbook).resolve().parent
                if (other / 'molecule.yml').is_file() and other not in dirs:
                    dirs.append(other)
    for d in dirs:
        for sub in ('vars', 'group_vars', 'host_vars'):
            files.extend(sorted(p for p in (d / sub).rglob('*') if p.suffix in ('.yml', '.yaml') and p.is_file()))
    return files


def given(files, root):
    """(source, secret) of the literal secrets in these YAML files."""
    out = []
    for path in files:
        try:
            name = str(Path(path).resolve().relative_to(Path(root).resolve()))
        except ValueError:
            name = str(path)
        for doc in yaml.safe_load_all(Path(path).read_text(encoding='utf-8')):
            out.extend(('%s: %s' % (name, var), value) for var, value in given_values(doc))
    return out


def forms(secret):
    """(form name, bytes) under which the secret may appear in a log."""
    raw = secret.encode('utf-8')
    out = {'as written': raw}
    escaped = json.dumps(secret)[1:-1].encode('utf-8')
    if escaped != raw:
        out['JSON-escaped'] = escaped
    for name, quote in (('URL-encoded', urllib.parse.quote), ('form-encoded', urllib.parse.quote_plus)):
        encoded = quote(secret, safe='').encode('ascii')
        if encoded != raw and encoded not in out.values():
            out[name] = encoded
    # base64 at each of the 3 alignments: only the characters that depend on the secret alone
    for shift in range(3):
        encoded = base64.b64encode(b'\0' * shift + raw)
        core = encoded[-(-8 * shift // 6):(8 * (shift + len(raw))) // 6]
        if len(core) >= MIN_LENGTH:
            out['base64 (offset %d)' % shift] = core
    return list(out.items())


def task_of(data, pos):
    """The name of the Ansible task (or Molecule step) whose output holds position pos."""
    start = max(data.rfind(b'\nTASK [', 0, pos), data.rfind(b'\nPLAY [', 0, pos))
    if start < 0:
        return ''
    line = data[start + 1:data.find(b'\n', start + 1)].decode('utf-8', 'replace')
    return line.rstrip('* ').strip()


def line_numbers(data, needle, limit):
    """Line numbers (1-based) and tasks of the first `limit` hits of needle in data, and the count of hits."""
    lines, tasks, count, pos = [], [], 0, data.find(needle)
    while pos >= 0:
        count += 1
        if len(lines) < limit:
            number = data.count(b'\n', 0, pos) + 1
            if number not in lines:
                lines.append(number)
                task = task_of(data, pos)
                if task and task not in tasks:
                    tasks.append(task)
        pos = data.find(needle, pos + 1)
    return lines, tasks, count


def scan(log_bytes, secrets, min_length=MIN_LENGTH):
    """Leaks as a list of dicts (source, form, lines, tasks, count); secrets is a list of (source, secret)."""
    leaks = []
    seen = set()
    for source, secret in secrets:
        if len(secret) < min_length or (source, secret) in seen:
            continue
        seen.add((source, secret))
        for form, needle in forms(secret):
            lines, tasks, count = line_numbers(log_bytes, needle, MAX_LINES_SHOWN)
            if count:
                leaks.append({'source': source, 'form': form, 'lines': lines, 'tasks': tasks, 'count': count})
    return leaks


def describe(leak):
    more = ' and %d more' % (leak['count'] - len(leak['lines'])) if leak['count'] > len(leak['lines']) else ''
    where = ''.join('\n      in %s' % task for task in leak.get('tasks', []))
    return '%s (%s) at line%s %s%s%s' % (leak['source'], leak['form'], 's' if leak['count'] > 1 else '',
                                         ', '.join(str(n) for n in leak['lines']), more, where)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--log', required=True, help="the scenario's log")
    parser.add_argument('--credentials-dir', help="the scenario's datamesh_credentials_dir")
    parser.add_argument('--scenario-dir', help='molecule/<name>: molecule.yml and vars files with given secrets')
    parser.add_argument('--yaml', action='append', default=[], help='more YAML files with given secrets')
    parser.add_argument('--root', default='.', help='paths in the report are relative to this directory')
    parser.add_argument('--min-length', type=int, default=MIN_LENGTH)
    parser.add_argument('--report', help='write the names of the leaked secrets (one line) to this file')
    args = parser.parse_args(argv)

    try:
        log_bytes = Path(args.log).read_bytes()
        generated = credentials(args.credentials_dir) if args.credentials_dir else []
        files = (scenario_files(args.scenario_dir) if args.scenario_dir else []) + [Path(p) for p in args.yaml]
        literals = given(files, args.root)
    except (OSError, yaml.YAMLError) as exc:
        print('secret scan: cannot run: %s' % exc)
        return 2
    secrets = generated + literals
    checked = len({secret for source, secret in secrets if len(secret) >= args.min_length})
    leaks = scan(log_bytes, secrets, args.min_length)
    if not leaks:
        print('secret scan: none of %d secrets (from %d credential files, %d given values) occurs in %s'
              % (checked, len({source for source, secret in generated}), len(literals), args.log))
        if args.report:
            Path(args.report).write_text('', encoding='utf-8')
        return 0
    print('secret scan: FAIL: secrets occur in %s:' % args.log)
    for leak in leaks:
        print('  LEAK %s' % describe(leak))
    if args.report:
        names = []
        for leak in leaks:
            if leak['source'] not in names:
                names.append(leak['source'])
        Path(args.report).write_text(', '.join(names) + '\n', encoding='utf-8')
    return 1


if __name__ == '__main__':
    sys.exit(main())
