#!/usr/bin/env bash
# The test suite of datamesh.platform; `make test` (and so CI) runs it with no arguments.
#
#   tests/harness/run.sh [stage...]
#     lint      yamllint . and ansible-lint (profile production, offline)
#     sanity    ansible-test sanity on a copy of the collection (see prepare_ansible_test_tree):
#               controller tests on the venv's Python 3.12, compile/import of modules and
#               module_utils on every target Python in SANITY_TARGET_PYTHONS
#     units     ansible-test units --venv --python 3.12 (tests/unit)
#     roles     pytest tests/roles: each bad-input case applies its role to a throw-away systemd
#               container (Docker; started here when needed) and must be refused by preflight
#               with `docker diff` unchanged
#     build     ansible-galaxy collection build, then an offline install of the tarball
#     molecule  every scenario in molecule/ but the extended ones (molecule/<name>/extended:
#               run with DATAMESH_TEST_EXTENDED=1, `make test-extended`), or SCENARIO=name[,name...];
#               each at -vvv, and FAIL when one of its secrets occurs in its log (see molecule_scenario)
#   No stage given = all of them, in this order.
#
# Every step ends PASS, FAIL or SKIP (with the reason) and its duration. The summary is printed
# at the end and written to .cache/summary.txt; each step's output is in .cache/logs/<step>.log
# and the tail of a failed step's log is printed. A failed step does not stop the others. Exit
# status: 0 when nothing failed (skips are not failures), 1 otherwise.
#
# Scenarios that cannot run on this machine (e.g. their upstream artifacts are unreachable):
#   give the scenario an executable molecule/<name>/requires. The harness runs it from the repo
#   root, with this harness's environment and MOLECULE_SCENARIO_NAME set, before the scenario:
#     exit 0     -> the scenario runs;
#     exit != 0  -> the scenario is reported SKIP, and the first line the script printed is the
#                   reason shown in the summary. Say what is missing and how to provide it, e.g.
#                   "needs trino-server-476.tar.gz in the controller's artifact cache
#                   (datamesh_artifact_cache_dir) or a mirror (datamesh_artifact_mirror)".
#   A requires file that is not executable makes the scenario FAIL, so a skip is never silent and
#   never accidental. The check must look at local state only (files, variables, images): tests
#   send no traffic beyond loopback and their own containers. No requires file = always runs.
#
# Environment: SCENARIO=a,b (molecule stage only these), DEBIAN_RELEASE=bookworm|trixie,
# MOLECULE_IMAGE (published image instead of the local one), MOLECULE_IMAGE_DEBIAN13 (the same
# for scenarios that need Debian 13), MOLECULE_TIMEOUT (seconds per scenario, default 2700),
# MOLECULE_JOBS (scenarios at a time, default 2), SANITY_TARGET_PYTHONS (default "3.9 3.10 3.11 3.12 3.13"),
# ROLES_IMAGE (roles stage: a published Debian 12 systemd image; Debian 13 cases use
# MOLECULE_IMAGE_DEBIAN13), ROLES_JOBS (roles stage: pytest-xdist workers, default auto),
# VERBOSE=1 (stream step output to the terminal as well), TAIL_LINES (default 60).
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"

ALL_STAGES=(lint sanity units roles build molecule)
LOGS="$CACHE/logs"
SUMMARY="$CACHE/summary.txt"
ATEST_ROOT="$CACHE/ansible-test"
ATEST_DIR="$ATEST_ROOT/ansible_collections/datamesh/platform"
SANITY_TARGET_PYTHONS="${SANITY_TARGET_PYTHONS:-3.9 3.10 3.11 3.12 3.13}"
MOLECULE_TIMEOUT="${MOLECULE_TIMEOUT:-2700}"
TAIL_LINES="${TAIL_LINES:-60}"
# Lines of a failed step's log that usually say what broke (Ansible, ansible-test, pytest,
# ansible-lint, Molecule), and look-alikes that don't (retry loops; Molecule 26 looking for
# a `default` scenario we don't have).
ERROR_LINES='^(fatal:|ERROR|FATAL|CRITICAL|FAILED )|^E  |Traceback|[0-9]+ failed|Failed: [0-9]'
NOISE_LINES='FAILED - RETRYING|default/molecule.yml. glob failed'

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${ALL_STAGES[@]}")
for s in "${stages[@]}"; do
  [[ " ${ALL_STAGES[*]} " == *" $s "* ]] || die "unknown stage '$s' (stages: ${ALL_STAGES[*]})"
done

# ---------------------------------------------------------------- results
R_NAME=(); R_STATUS=(); R_SECS=(); R_NOTE=()
STARTED=$SECONDS
record() { R_NAME+=("$1"); R_STATUS+=("$2"); R_SECS+=("$3"); R_NOTE+=("${4:-}"); }
skip() { log "$1: SKIP ($2)"; record "$1" SKIP 0 "$2"; }
fail() { log "$1: FAIL ($2)"; record "$1" FAIL 0 "$2"; }
fmt_secs() { if [ "$1" -ge 60 ]; then printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); else printf '%ds' "$1"; fi; }

summary() {
  local i pass=0 fail=0 skipped=0
  for i in "${R_STATUS[@]}"; do
    case "$i" in PASS) pass=$((pass + 1)) ;; FAIL) fail=$((fail + 1)) ;; SKIP) skipped=$((skipped + 1)) ;; esac
  done
  {
    printf '\ndatamesh.platform tests, %s, %s, image %s\n' "$(date '+%Y-%m-%d %H:%M')" "$HOSTNAME" "$MOLECULE_IMAGE"
    printf '%-34s %-6s %8s  %s\n' STEP RESULT TIME NOTE
    for i in "${!R_NAME[@]}"; do
      printf '%-34s %-6s %8s  %s\n' "${R_NAME[$i]}" "${R_STATUS[$i]}" "$(fmt_secs "${R_SECS[$i]}")" "${R_NOTE[$i]}"
    done
    printf '%d passed, %d failed, %d skipped in %s\n' "$pass" "$fail" "$skipped" "$(fmt_secs $((SECONDS - STARTED)))"
  } | tee "$SUMMARY"
  [ "$fail" -eq 0 ]
}

# run_step NAME [--note TEXT] CMD...: runs CMD with errexit on and its output in
# .cache/logs/NAME.log, records the result and leaves it in STEP_STATUS. Always returns 0:
# calling it from a condition (`if run_step`, `run_step || x`) would switch errexit off
# inside CMD, so callers test STEP_STATUS instead.
STEP_STATUS=""
run_step() {
  local name="$1" note="" rc start logf
  shift
  if [ "$1" = --note ]; then note="$2"; shift 2; fi
  logf="$LOGS/${name//[:\/]/-}.log"
  start=$SECONDS
  log "$name (log: ${logf#"$REPO"/})"
  set +e
  if [ "${VERBOSE:-0}" = 1 ]; then
    (set -e; "$@") 2>&1 | tee "$logf"
    rc=${PIPESTATUS[0]}
  else
    (set -e; "$@") >"$logf" 2>&1
    rc=$?
  fi
  set -e
  # pytest-based steps: pytest's result lines (e.g. "8 passed"), one per pytest session
  # (ansible-test units runs modules, module_utils and controller tests separately).
  local counts
  counts="$(sed -nE 's/^=+ ([0-9]+ (passed|failed|errors?|skipped)[^=]*) in [0-9.]+s.*$/\1/p' "$logf" | paste -sd '+' -)"
  [ -z "$counts" ] || note="${note:+$note; }$counts"
  if [ "$rc" -eq 0 ]; then
    log "$name: PASS ($(fmt_secs $((SECONDS - start))))"
    record "$name" PASS $((SECONDS - start)) "$note"
    STEP_STATUS=PASS
    return 0
  fi
  if [ "$rc" -eq 124 ]; then note="timed out${note:+; $note}"; fi
  log "$name: FAIL (exit $rc); error lines, then the last $TAIL_LINES lines of ${logf#"$REPO"/}:"
  grep -nE "$ERROR_LINES" "$logf" | grep -vE "$NOISE_LINES" | tail -n 25 >&2 || true
  echo "----" >&2
  tail -n "$TAIL_LINES" "$logf" >&2
  record "$name" FAIL $((SECONDS - start)) "${note:+$note; }log: ${logf#"$REPO"/}"
  STEP_STATUS=FAIL
  return 0
}

# ---------------------------------------------------------------- ansible-test
# ansible-test wants the collection at a real .../ansible_collections/datamesh/platform and
# takes its file list from git. The copy holds exactly the files git would list (tracked plus
# untracked-not-ignored, minus deleted) and gets its own empty git repository, otherwise
# ansible-test walks up to this checkout's .git, where .cache/ is ignored, and finds nothing.
# Made anew by each ansible-test step, so it always matches the work tree.
prepare_ansible_test_tree() {
  rm -rf "$ATEST_ROOT"
  mkdir -p "$ATEST_DIR"
  git -C "$REPO" ls-files -z -co --exclude-standard \
    | (cd "$REPO" && while IFS= read -r -d '' f; do
        if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
      done) \
    | tar -C "$REPO" --null --no-recursion -T - -cf - | tar -C "$ATEST_DIR" -xf -
  git -C "$ATEST_DIR" init -q
  # Collections this one depends on, beside it, where ansible-test looks for them.
  local site c
  site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  while read -r c; do
    c="${c%%#*}"; c="${c// /}"
    [ -n "$c" ] || continue
    mkdir -p "$ATEST_ROOT/ansible_collections/${c%%.*}"
    ln -sfn "$site/ansible_collections/${c//./\/}" "$ATEST_ROOT/ansible_collections/${c//./\/}"
  done <"$REPO/tests/harness/collections.txt"
}

# A real interpreter for Python X.Y (pyenv shims only answer for the active version).
python_path() {
  local c
  for c in "$(command -v "python$1" 2>/dev/null)" "$HOME"/.pyenv/versions/"$1".*/bin/python"$1" "/usr/bin/python$1"; do
    if [ -z "$c" ] || [ ! -x "$c" ]; then continue; fi
    if "$c" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$1'.split('.'))))" 2>/dev/null; then
      readlink -f "$c"; return 0
    fi
  done
  return 1
}

sanity_stage() {
  local v p targets=() tested=() missing=() pydir="$CACHE/pythons"
  command -v shellcheck >/dev/null || (apt_install shellcheck) >/dev/null 2>&1 || true
  rm -rf "$pydir"; mkdir -p "$pydir"
  for v in $SANITY_TARGET_PYTHONS; do
    if p="$(python_path "$v")"; then
      # ansible-test looks target interpreters up by name on PATH for its venvs.
      ln -s "$p" "$pydir/python$v"
      targets+=(--target-python "$v@$pydir/python$v")
      tested+=("$v")
    else
      missing+=("$v")
    fi
  done
  local note="targets: ${tested[*]}"
  [ ${#missing[@]} -eq 0 ] || note+="; NOT TESTED (no interpreter): ${missing[*]}"
  command -v shellcheck >/dev/null || note+="; no shellcheck: shell scripts not checked"
  run_step sanity --note "$note" ansible_test sanity --color no \
    --controller "origin:python=$CONTROLLER_PYTHON@$VENV/bin/python" "${targets[@]}"
}

units_stage() {
  if [ -z "$(find "$REPO/tests/unit" -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
    skip units "no unit tests yet"; return 0
  fi
  run_step units ansible_test units --color no --venv --python "$CONTROLLER_PYTHON"
}

ansible_test() {
  prepare_ansible_test_tree
  cd "$ATEST_DIR"
  # Only the collection tree beside the copy; not the venv's link back to this checkout.
  unset ANSIBLE_COLLECTIONS_PATH
  PATH="$CACHE/pythons:$PATH" ansible-test "$@"
}

# ---------------------------------------------------------------- the other stages
lint_stage() {
  run_step yamllint yamllint .
  run_step ansible-lint ansible-lint
}

roles_stage() {
  if [ -z "$(find "$REPO/tests/roles" -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
    skip roles "no role tests yet"; return 0
  fi
  run_step roles roles_pytest
}

roles_pytest() {
  cd "$REPO"
  # The cases run in throw-away containers of the Debian 12 systemd image (and 13 where a case
  # says image: 13): an engine and both images first (a no-op when present). ROLES_IMAGE: a
  # published Debian 12 systemd image instead of the local one.
  MOLECULE_IMAGE="${ROLES_IMAGE:-datamesh/systemd-debian:12}" DEBIAN_RELEASE=bookworm "$REPO/tests/harness/docker.sh"
  # Each case is one ansible-playbook run (≈ 3 s, mostly CPU): as many at a time as cores,
  # each pytest-xdist worker with its own container (tests/roles/conftest.py).
  python -m pytest -p no:cacheprovider -ra -n "${ROLES_JOBS:-auto}" tests/roles
}

build_collection() {
  local dist="$CACHE/dist" tmp tarball bad
  rm -rf "$dist"
  ansible-galaxy collection build --force --output-path "$dist" "$REPO"
  tarball="$(ls "$dist"/datamesh-platform-*.tar.gz)"
  bad="$(tar -tzf "$tarball" | grep -E '^(\./)?(molecule|tests|\.ci|benchmark|\.cache|\.venv|\.git)(/|$)|/\.?credentials(/|$)' || true)"
  [ -z "$bad" ] || { printf 'ERROR: the tarball carries files that must stay out of it:\n%s\n' "$bad"; return 1; }
  # Install where nothing else is configured: the venv's link to this checkout would
  # otherwise count as "already installed" and the install would be a no-op.
  tmp="$(mktemp -d)"
  export ANSIBLE_COLLECTIONS_PATH="$tmp"
  ansible-galaxy collection install --offline --no-deps -p "$tmp" "$tarball"
  ansible-galaxy collection verify --offline datamesh.platform
  # The installed collection's own entry point parses (third-party collections come from the venv).
  ansible-playbook -i "$REPO/inventory/single-node" datamesh.platform.site --syntax-check
  rm -rf "$tmp"
  echo "built and installed offline: ${tarball#"$REPO"/} ($(du -h "$tarball" | cut -f1), $(tar -tzf "$tarball" | wc -l) entries)"
}

build_stage() {
  run_step build build_collection
}

# A scenario runs at -vvv (ANSIBLE_VERBOSITY in .config/molecule/config.yml), then its log must
# hold none of its secrets (tests/harness/secret_scan.py): the files the roles wrote to the
# credentials directory and the passwords given in molecule/<name>/. Molecule prunes its ephemeral
# directory at destroy, so the credentials live in .cache/credentials/<name>
# (DATAMESH_TEST_CREDENTIALS_DIR, read by the config's datamesh_credentials_dir), and
# $MOLECULE_EPHEMERAL_DIRECTORY/credentials, which tests and vars files read, links to them.
molecule_scenario() {
  local rc=0 scan=0 eph="$CACHE/molecule/$1" creds="$CACHE/credentials/$1" leaks="$LOGS/molecule-$1.secrets"
  export MOLECULE_EPHEMERAL_DIRECTORY="$eph" DATAMESH_TEST_CREDENTIALS_DIR="$creds"
  rm -rf "$creds" "$eph/credentials" "$leaks"
  mkdir -p "$creds" "$eph"
  ln -s "$creds" "$eph/credentials"
  timeout -k 60 "$MOLECULE_TIMEOUT" molecule test -s "$1" || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "==> timed out after ${MOLECULE_TIMEOUT}s; destroying $1"
    molecule destroy -s "$1" || true
    rc=124
  fi
  python "$REPO/tests/harness/secret_scan.py" --log "$LOGS/molecule-$1.log" --credentials-dir "$creds" \
    --scenario-dir "$REPO/molecule/$1" --root "$REPO" --report "$leaks" || scan=$?
  [ "$scan" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
  return "$rc"
}

# Scenarios run MOLECULE_JOBS at a time (default 2): their containers, networks and names are
# their own, and most of a scenario's time is spent waiting (package downloads, JVM start-up,
# health checks), so two at once keep both cores busy. Longest first (molecule/<name>/weight:
# minutes measured here; default 3) so the last one to start is a short one. Each scenario's
# result lands in $CACHE/results/ and is recorded, in start order, once all have finished.
molecule_weight() {
  local f="$REPO/molecule/$1/weight" w=3
  [ -f "$f" ] && read -r w <"$f"
  printf '%s %s\n' "${w:-3}" "$1"
}

molecule_job() {
  local s="$1" res="$CACHE/results/molecule-$1"
  # A subshell: run_step records into this process's arrays, which are written out here.
  run_step "molecule:$s" molecule_scenario "$s"
  if [ -s "$LOGS/molecule-$s.secrets" ]; then
    R_STATUS[-1]=FAIL; R_NOTE[-1]="secrets in the log (names and lines at its end): $(<"$LOGS/molecule-$s.secrets"); ${R_NOTE[-1]}"
  elif [ ! -e "$LOGS/molecule-$s.secrets" ]; then
    R_STATUS[-1]=FAIL; R_NOTE[-1]="secret scan did not run; ${R_NOTE[-1]}"
  fi
  printf '%s\t%s\t%s\n' "${R_STATUS[-1]}" "${R_SECS[-1]}" "${R_NOTE[-1]}" >"$res"
}

molecule_stage() {
  local all want=() order=() s reason rc jobs="${MOLECULE_JOBS:-2}" status secs note
  mapfile -t all < <(molecule_scenarios)
  if [ -n "${SCENARIO:-}" ]; then
    IFS=, read -r -a want <<<"$SCENARIO"
  else
    want=("${all[@]}")
  fi
  if [ ${#want[@]} -eq 0 ]; then skip molecule "no scenarios in molecule/ yet"; return 0; fi
  run_step docker "$REPO/tests/harness/docker.sh"
  if [ "$STEP_STATUS" != PASS ]; then
    for s in "${want[@]}"; do fail "molecule:$s" "not run: no Docker engine or image (see the docker step)"; done
    return 0
  fi
  rm -rf "$CACHE/results"; mkdir -p "$CACHE/results"
  for s in "${want[@]}"; do
    if [[ " ${all[*]} " != *" $s "* ]]; then
      fail "molecule:$s" "no such scenario (have: ${all[*]})"; continue
    fi
    # Extended scenarios (molecule/<name>/extended says why) run in `make test-extended`, or
    # when named in SCENARIO; `make test` reports them SKIP with that reason.
    if [ -f "$REPO/molecule/$s/extended" ] && [ -z "${SCENARIO:-}" ] && [ "${DATAMESH_TEST_EXTENDED:-0}" != 1 ]; then
      skip "molecule:$s" "extended, run by make test-extended: $(sed -n '/[^[:space:]]/{p;q}' "$REPO/molecule/$s/extended")"
      continue
    fi
    rc=0; reason="$(scenario_requires "$s")" || rc=$?
    case "$rc" in
      0) order+=("$s") ;;
      1) skip "molecule:$s" "$reason" ;;
      *) fail "molecule:$s" "$reason" ;;
    esac
  done
  [ ${#order[@]} -gt 0 ] || return 0
  mapfile -t order < <(for s in "${order[@]}"; do molecule_weight "$s"; done | sort -k1,1nr -k2 | cut -d' ' -f2)
  log "molecule: ${#order[@]} scenarios, $jobs at a time: ${order[*]}"
  for s in "${order[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    molecule_job "$s" &
    sleep 2   # staggered starts: Molecule's create steps do not collide on the Docker API
  done
  wait || true
  for s in "${order[@]}"; do
    if IFS=$'\t' read -r status secs note <"$CACHE/results/molecule-$s" 2>/dev/null; then
      record "molecule:$s" "$status" "$secs" "$note"
    else
      fail "molecule:$s" "no result recorded (the job died); log: .cache/logs/molecule-$s.log"
    fi
  done
}

# ---------------------------------------------------------------- main
mkdir -p "$LOGS"
rm -f "$SUMMARY"
run_step bootstrap "$REPO/tests/harness/bootstrap.sh"
if [ "$STEP_STATUS" = PASS ]; then
  # ansible-test runs its controller side on the venv's Python (3.12 unless PYTHON chose another).
  CONTROLLER_PYTHON="$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  for s in "${stages[@]}"; do "${s}_stage"; done
fi
summary
