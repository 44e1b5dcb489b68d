#!/usr/bin/env bash
# Creates .venv with the pinned tool chain and makes the collections available
# without Galaxy: third-party ones from the `ansible` wheel, this one by a link.
# Re-running is cheap: each step is skipped when its result is already there.
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"

stamp="$VENV/.requirements.sha256"
want="$( (cat "$REPO/requirements.txt" "$REPO/tests/requirements.txt" "$REPO/tests/harness/collections.txt"; echo "$ANSIBLE_WHEEL_VERSION $AWX_WHEEL_VERSION") | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  log "venv up to date ($VENV)"
else
  py="$(find_python)"
  log "creating venv with $py"
  "$py" -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$REPO/tests/requirements.txt" 2>&1 | grep -v "is ignored: it is neither" || true
  "$VENV/bin/python" -c 'import ansible, molecule, testinfra' || die "pip install of tests/requirements.txt failed"

  # Third-party collections: unpack only the folders we need from the ansible wheel.
  # awx.awx (awx/configure.yml and its tests) from the last ansible package that carries it.
  mkdir -p "$CACHE/wheels"
  site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  for version in "$ANSIBLE_WHEEL_VERSION" "$AWX_WHEEL_VERSION"; do
    wheel="$CACHE/wheels/ansible-$version-py3-none-any.whl"
    if [ ! -f "$wheel" ]; then
      log "downloading ansible==$version wheel (collections source)"
      "$VENV/bin/pip" download -q --no-deps "ansible==$version" -d "$CACHE/wheels" 2>&1 | grep -v "is ignored" || true
    fi
    [ -f "$wheel" ] || die "could not download ansible==$version from PyPI"
    if [ "$version" = "$AWX_WHEEL_VERSION" ]; then names=awx.awx; else names="$(grep -v -e '^#' -e '^$' -e '^awx[.]awx$' "$REPO/tests/harness/collections.txt")"; fi
    echo "$names" | "$VENV/bin/python" -c '
import sys, zipfile
wheel, site = sys.argv[1:]
prefixes = tuple("ansible_collections/%s/" % line.strip().replace(".", "/") for line in sys.stdin if line.strip())
with zipfile.ZipFile(wheel) as z:
    z.extractall(site, [m for m in z.namelist() if m.startswith(prefixes)])
' "$wheel" "$site"
  done

  echo "$want" > "$stamp"
fi

# This collection, where Ansible and Molecule look for it.
link="$VENV/collections/ansible_collections/datamesh/platform"
if [ "$(readlink "$link" 2>/dev/null)" != "$REPO" ]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn "$REPO" "$link"
fi

# ansible-test bootstraps pip in its venvs with get-pip.py from a host that is not
# reachable here; an equivalent script that uses the interpreter's bundled ensurepip
# is placed where ansible-test looks for its cached copy.
pipver="$("$VENV/bin/python" -c 'import re, ansible_test, pathlib; p = pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py"; print(re.search(r"pip=.([0-9.]+).", p.read_text()).group(1))')"
getpip="$HOME/.ansible/test/cache/get_pip_${pipver//./_}.py"
if [ ! -f "$getpip" ]; then
  mkdir -p "$(dirname "$getpip")"
  cp "$REPO/tests/harness/get_pip_offline.py" "$getpip"
fi
log "tool chain ready: $("$VENV/bin/ansible" --version | head -1)"
