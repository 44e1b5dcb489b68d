"""Every sha256 pinned in the roles has a row in docs/pins.md saying where it was verified."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHA256 = re.compile(r'(?<![0-9a-fA-F])[0-9a-f]{64}(?![0-9a-fA-F])')
ROW = re.compile(r'^\| `([0-9a-f]{64})` \|([^|]+)\|([^|]+)\|([^|]*)\|$')


def pins_in_code():
    pins = {}
    for path in sorted(REPO.glob('roles/*/*/*.yml')) + sorted(REPO.glob('plugins/**/*.py')):
        for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
            for sha in SHA256.findall(line):
                pins.setdefault(sha, '%s:%d' % (path.relative_to(REPO), number))
    return pins


def pins_in_docs():
    rows = {}
    for line in (REPO / 'docs' / 'pins.md').read_text(encoding='utf-8').splitlines():
        match = ROW.match(line)
        if match:
            rows[match.group(1)] = match.group(4).strip()
    return rows


def test_every_pin_has_a_provenance():
    documented = pins_in_docs()
    missing = {sha: where for sha, where in pins_in_code().items() if sha not in documented}
    assert not missing, 'pins without a row in docs/pins.md: %s' % missing
    empty = [sha for sha, provenance in documented.items() if len(provenance) < 20]
    assert not empty, 'rows of docs/pins.md without a provenance: %s' % empty


def test_no_stale_rows():
    code = pins_in_code()
    stale = [sha for sha in pins_in_docs() if sha not in code]
    assert not stale, 'docs/pins.md lists pins the code no longer has: %s' % stale


def test_the_table_is_read():
    # The row pattern must match the table as written (a guard against a format change that
    # would make the two tests above pass on an empty table).
    assert len(pins_in_docs()) >= 20
    assert len(pins_in_code()) >= 20
