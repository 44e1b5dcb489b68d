# shellcheck shell=bash
# Shared settings for the harness scripts. Sourced, never executed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$REPO/.venv}"
CACHE="${CACHE:-$REPO/.cache}"
ANSIBLE_WHEEL_VERSION="${ANSIBLE_WHEEL_VERSION:-14.5.0}"
# awx.awx left the ansible package after 13.x: the last one that carries it (24.6.1), for awx/configure.yml.
AWX_WHEEL_VERSION="${AWX_WHEEL_VERSION:-13.8.0}"
# Debian release of the systemd base image used by Molecule and the lab.
DEBIAN_RELEASE="${DEBIAN_RELEASE:-bookworm}"
declare -A _DEBIAN_NUMBER=([bookworm]=12 [trixie]=13)
LOCAL_IMAGE="datamesh/systemd-debian:${_DEBIAN_NUMBER[$DEBIAN_RELEASE]:-$DEBIAN_RELEASE}"
# A published systemd image can replace the locally built one on connected machines.
export MOLECULE_IMAGE="${MOLECULE_IMAGE:-$LOCAL_IMAGE}"
# Scenarios that need Debian 13 whatever DEBIAN_RELEASE says (the live query plane: Trino 476 runs
# on Java >= 24, which only Debian 13 ships) name this image; a published one can replace it.
LOCAL_IMAGE_DEBIAN13="datamesh/systemd-debian:13"
export MOLECULE_IMAGE_DEBIAN13="${MOLECULE_IMAGE_DEBIAN13:-$LOCAL_IMAGE_DEBIAN13}"
export ANSIBLE_COLLECTIONS_PATH="$VENV/collections"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-0}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Installs Debian packages the harness needs (CI machines are Debian, root).
apt_install() {
  command -v apt-get >/dev/null || die "need $* but apt-get is not available; install it by hand"
  log "installing $* from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Molecule scenarios of the collection (molecule/<name>/molecule.yml), sorted.
molecule_scenarios() {
  local f
  for f in "$REPO"/molecule/*/molecule.yml; do
    [ -f "$f" ] && basename "$(dirname "$f")"
  done
  return 0
}

# Whether Molecule scenario $1 can run on this machine. Convention (documented in
# tests/harness/run.sh): an optional executable molecule/<name>/requires exits non-zero
# and prints the reason when the scenario cannot run here.
# Returns 0 = runnable; 1 = cannot run here (reason on stdout); 2 = the check itself is broken.
scenario_requires() {
  local req="$REPO/molecule/$1/requires" out rc=0
  [ -e "$req" ] || return 0
  [ -x "$req" ] || { echo "molecule/$1/requires is not executable (chmod +x it)"; return 2; }
  out="$(cd "$REPO" && MOLECULE_SCENARIO_NAME="$1" "$req" </dev/null 2>&1)" || rc=$?
  [ "$rc" -eq 0 ] && return 0
  out="$(printf '%s\n' "$out" | sed -n '/[^[:space:]]/{p;q}')"
  echo "${out:-molecule/$1/requires exited $rc without printing a reason}"
  return 1
}

# ansible-core 2.21 needs Python >= 3.12.
find_python() {
  local c
  for c in "${PYTHON:-}" python3.12 python3.13 "$HOME"/.pyenv/versions/3.12*/bin/python "$HOME"/.pyenv/versions/3.13*/bin/python; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  die "no Python >= 3.12 found (ansible-core 2.21 needs it); set PYTHON=/path/to/python3.12"
}
