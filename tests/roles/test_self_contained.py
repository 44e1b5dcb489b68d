"""The collection is self-contained: no file points to documents outside it.

Comments, messages and docs once cited the developers' own notes (REFERENCE.md and its kin,
kept beside the repository, not in it); a user of the collection cannot open them. Cite the
upstream source (a URL) or a file of the collection instead.
"""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r'(?<![\w/.-])(REFERENCE|PITFALLS|STYLE|TESTING)\.md\b|\.\./shared/')


def tracked_files():
    names = subprocess.run(['git', 'ls-files'], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    return [REPO / n for n in names if (REPO / n).is_file()]


def test_no_reference_to_files_outside_the_collection():
    found = []
    for path in tracked_files():
        if path == Path(__file__).resolve():
            continue
        try:
            text = path.read_text(encoding='utf-8')
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append('%s:%d: %s' % (path.relative_to(REPO), number, line.strip()[:120]))
    assert not found, 'references to files outside the collection:\n' + '\n'.join(found)


def test_the_pattern_finds_what_it_should():
    assert OUTSIDE.search('# as quoted in REFERENCE.md section 1.5')
    assert OUTSIDE.search('see ../shared/TESTING.md')
    assert not OUTSIDE.search('see docs/testing.md and docs/pins.md')
