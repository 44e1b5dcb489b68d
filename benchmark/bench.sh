#!/usr/bin/env bash
# How long the roles take on this machine. A measurement, not a test: it fails only when it
# cannot measure. For each Molecule scenario: create (+ prepare) fresh containers, then time a
# cold `molecule converge` and an idempotent re-run (`molecule idempotence`, which also says
# whether anything changed), then destroy. With BENCH_LAB=1 also the lab: `playbooks/lab.yml`
# (containers), site.yml cold, the data product, the seed's query (first run and warm),
# site.yml re-run (changed=0?), then the lab is destroyed (kept with BENCH_KEEP_LAB=1).
# Always: the bytes of Trino's download, core + plugins against the full tarball.
#
#   benchmark/bench.sh [scenario...]     default: SCENARIO=a,b or every scenario that can run here
#   BENCH_LAB=1 benchmark/bench.sh       scenarios and the lab;  BENCH_LAB=only: just the lab
#
# Rows go to benchmark/results/<date>-<time>.tsv (gitignored; docs/benchmarks.md holds the
# published numbers) and are printed as a table. Scenarios whose molecule/<name>/requires
# says they cannot run here are listed as skipped (see tests/harness/run.sh). "Cold" means
# fresh containers; the controller's artifact cache (datamesh_artifact_cache_dir) stays warm.
# Each scenario's full output: .cache/logs/bench-<scenario>.log.
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/../tests/harness/lib.sh"

"$REPO/tests/harness/bootstrap.sh"
"$REPO/tests/harness/docker.sh"

results="$REPO/benchmark/results"
mkdir -p "$results" "$CACHE/logs"
out="$results/$(date +%Y-%m-%d-%H%M%S).tsv"
machine="$(nproc) cpu, $(awk '/MemTotal/ {printf "%d GiB", $2 / 1048576}' /proc/meminfo), $DEBIAN_RELEASE"
printf 'date\tmachine\ttarget\tstatus\tcreate_s\tconverge_s\trerun_s\tidempotent\tdestroy_s\tnote\n' >"$out"
row() { printf '%s\t%s\t%s\n' "$(date -Iseconds)" "$machine" "$(IFS=$'\t'; echo "$*")" >>"$out"; }

# timed VAR LOG CMD...: runs CMD with its output appended to LOG; seconds in VAR; CMD's status.
timed() {
  local -n _secs="$1"
  local logf="$2" start us rc=0
  shift 2
  start=${EPOCHREALTIME/./}
  echo "==> $*" >>"$logf"
  "$@" >>"$logf" 2>&1 || rc=$?
  us=$((${EPOCHREALTIME/./} - start))
  _secs="$((us / 1000000)).$((us % 1000000 / 100000))"
  return "$rc"
}

create_and_prepare() { molecule create -s "$1" && molecule prepare -s "$1"; }

bench_scenario() {
  local s="$1" logf="$CACHE/logs/bench-$1.log" create converge rerun destroy idem=yes status=ok note=""
  : >"$logf"
  log "benchmark: $s (log: ${logf#"$REPO"/})"
  molecule destroy -s "$s" >>"$logf" 2>&1 || true
  if ! timed create "$logf" create_and_prepare "$s"; then
    status=failed note="create/prepare failed"
  elif ! timed converge "$logf" molecule converge -s "$s"; then
    status=failed note="converge failed"
  elif ! timed rerun "$logf" molecule idempotence -s "$s"; then
    idem=no
    grep -q "Idempotence test failed" "$logf" || { status=failed note="re-run failed"; }
  fi
  timed destroy "$logf" molecule destroy -s "$s" || note="${note:+$note; }destroy failed"
  row "molecule:$s" "$status" "${create:--}" "${converge:--}" "${rerun:--}" "$([ "$status" = ok ] && echo "$idem" || echo -)" "${destroy:--}" "$note"
}

# The seed's federated query through the lab's Trino CLI inside the coordinator container:
# the first run after the lab came up, then three warm runs (their median). Seconds.
SEED_QUERY="SELECT k.region, c.name, sum(o.amount) FROM hive.landing.customers c JOIN mariadb.sales.orders o ON o.customer_id = CAST(nullif(c.id, '') AS integer) JOIN mariadb2.reference.countries k ON k.code = c.country GROUP BY k.region, c.name ORDER BY 3 DESC"
lab_query() {
  local pw
  pw="$(cat "$REPO/inventory/lab/.credentials/trino/datamesh/admin_password")"
  docker exec -e TRINO_PASSWORD="$pw" datamesh-lab trino --server https://datamesh-lab:2020 \
    --truststore-path /etc/trino/tls/ca.crt --user admin --password --output-format TSV --execute "$SEED_QUERY"
}

bench_query() {
  local logf="$1" first warm=() t
  if ! timed first "$logf" lab_query; then row "lab:seed-query" failed - - - - - "query failed"; return; fi
  for _ in 1 2 3; do timed t "$logf" lab_query || { row "lab:seed-query" failed - - - - - "warm query failed"; return; }; warm+=("$t"); done
  mapfile -t warm < <(printf '%s\n' "${warm[@]}" | sort -n)
  row "lab:seed-query" ok - "$first" "${warm[1]}" - - "first run / median of 3 warm runs, seconds (CLI in the coordinator container)"
}

# Bytes Trino's install takes from Maven Central (files in the controller cache): core tarball +
# the plugin zips of the lab's catalogs, against the full tarball when it is in the cache too.
bench_trino_bytes() {
  local cache="${DATAMESH_ARTIFACT_CACHE_DIR:-$HOME/.cache/datamesh/artifacts}" v core=0 full="-" f
  v="$(python3 -c "import yaml; print(yaml.safe_load(open('$REPO/roles/trino/defaults/main.yml'))['trino_version'])")"
  for f in "$cache/trino-server-core-$v.tar.gz" "$cache"/trino-{hive,mariadb,mysql,memory,tpch}-"$v".zip "$cache/trino-cli-$v-executable.jar"; do
    [ -f "$f" ] && core=$((core + $(stat -c %s "$f")))
  done
  [ -f "$cache/trino-server-$v.tar.gz" ] && full="$(stat -c %s "$cache/trino-server-$v.tar.gz")"
  row "trino-$v:download-bytes" ok - "$core" "$full" - - "core tarball + hive/mariadb/mysql/memory/tpch plugins + CLI vs full tarball (bytes; - = not in the cache)"
}

bench_lab() {
  local logf="$CACHE/logs/bench-lab.log" create converge rerun destroy product dbt ingest mark idem=yes status=ok note=""
  local lab=(ansible-playbook -i inventory/lab playbooks/lab.yml) site=(ansible-playbook -i inventory/lab site.yml)
  : >"$logf"
  log "benchmark: lab (log: ${logf#"$REPO"/})"
  cd "$REPO" || return
  "${lab[@]}" -e lab_state=absent >>"$logf" 2>&1 || true
  if ! timed create "$logf" "${lab[@]}"; then
    status=failed note="playbooks/lab.yml failed"
  elif ! timed converge "$logf" "${site[@]}"; then
    status=failed note="site.yml failed"
  elif ! timed product "$logf" ansible-playbook -i inventory/lab playbooks/data_product.yml -e data_product_fixed=true; then
    status=failed note="data_product.yml failed"
  elif ! timed dbt "$logf" ansible-playbook -i inventory/lab playbooks/dbt.yml; then
    status=failed note="dbt.yml failed"
  elif ! timed ingest "$logf" ansible-playbook -i inventory/lab playbooks/datahub_ingestion.yml; then
    status=failed note="datahub_ingestion.yml failed"
  else
    note="data product: ${product}s; dbt build + docs published: ${dbt}s; DataHub ingestion (5 recipes): ${ingest}s"
    bench_query "$logf"
    mark=$(($(wc -l <"$logf") + 1))
    if ! timed rerun "$logf" "${site[@]}"; then
      status=failed note="site.yml re-run failed"
    elif tail -n +"$mark" "$logf" | grep -Eq ' changed=[1-9]'; then
      idem=no
    fi
  fi
  if [ "${BENCH_KEEP_LAB:-0}" = 1 ]; then
    destroy="-"; note="${note:+$note; }lab kept"
  else
    timed destroy "$logf" "${lab[@]}" -e lab_state=absent || note="${note:+$note; }destroy failed"
  fi
  row lab "$status" "${create:--}" "${converge:--}" "${rerun:--}" "$([ "$status" = ok ] && echo "$idem" || echo -)" "${destroy:--}" "$note"
}

if [ "${BENCH_LAB:-0}" != only ]; then
  if [ $# -gt 0 ]; then
    scenarios=("$@")
  elif [ -n "${SCENARIO:-}" ]; then
    IFS=, read -r -a scenarios <<<"$SCENARIO"
  else
    mapfile -t scenarios < <(molecule_scenarios)
  fi
  for s in "${scenarios[@]}"; do
    if [ ! -f "$REPO/molecule/$s/molecule.yml" ]; then row "molecule:$s" skipped - - - - - "no such scenario"; continue; fi
    if reason="$(scenario_requires "$s")"; then
      (cd "$REPO" && bench_scenario "$s")
    else
      row "molecule:$s" skipped - - - - - "$reason"
    fi
  done
fi
case "${BENCH_LAB:-0}" in 1 | only) bench_lab ;; esac
bench_trino_bytes

echo
cut -f3- "$out" | column -t -s $'\t'
echo "(${out#"$REPO"/}; $machine)"
grep -qP '\tfailed\t' "$out" && exit 1 || exit 0
