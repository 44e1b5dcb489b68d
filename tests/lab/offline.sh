#!/usr/bin/env bash
# make lab-offline: the air-gapped path and the delivery checks of docs/offline.md, end to end, on the lab.
#
#   1. a fresh lab (playbooks/lab.yml; LAB_KEEP=1 keeps an existing one);
#   2. playbooks/mirror.yml builds the mirror of everything the lab's inventory installs into
#      .cache/mirror (artifacts with their pinned sha256, the venvs' wheels for the containers'
#      Python, a static npm registry), writes manifest.json and SHA256SUMS and verifies them;
#   3. Python's http.server serves that directory on the lab network's gateway, as any web server would;
#   4. site.yml, the data product, the dbt build and DataHub's ingestion converge with
#      datamesh_artifact_offline (the controller cache is the mirror directory and nothing is
#      downloaded into it), pip with --no-index from the mirror, npm from the mirror's registry;
#      playbooks/lab_info.yml answers the seed's query;
#   5. the lab user dataadmin logs into JupyterHub, starts a server and runs the starter notebook
#      (tests/lab/hub_notebook.py), which must give the seed's answer and draw the chart;
#   6. the execution environment, built from this checkout (awx/build-ee.sh, tag EE_IMAGE), runs site.yml
#      against the converged lab with ansible-runner, offline from the same mirror: changed=0.
# LAB_OFFLINE_FROM=N starts at step N on the lab as it is (the mirror is served in any case).
# Debian packages still come from Debian's archive (the site's own Debian mirror, on an air-gapped
# site). Logs and results go to .cache/logs/lab-offline/.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
# shellcheck source=tests/harness/lib.sh
source tests/harness/lib.sh
MIRROR="${DATAMESH_MIRROR_DIR:-$REPO/.cache/mirror}"
LOGS="$REPO/.cache/logs/lab-offline"
EE_IMAGE="${EE_IMAGE:-datamesh/ee-platform:0.1.0}"
PORT="${MIRROR_PORT:-8089}"
INV=inventory/lab
mkdir -p "$LOGS"
RESULTS="$LOGS/results.tsv"
FROM="${LAB_OFFLINE_FROM:-1}"
[ "$FROM" -gt 1 ] || : >"$RESULTS"

step() { printf '\n==> %s\n' "$*" >&2; }
timed() {  # timed NAME COMMAND...: runs it with its output in $LOGS/NAME.log, records the seconds
  local name="$1" start rc
  shift
  start=$(date +%s)
  set +e
  "$@" >"$LOGS/$name.log" 2>&1
  rc=$?
  set -e
  printf '%s\t%s\t%s\n' "$name" "$(($(date +%s) - start))" "$rc" | tee -a "$RESULTS" >&2
  if [ "$rc" != 0 ]; then
    tail -40 "$LOGS/$name.log" >&2
    exit "$rc"
  fi
}
recap_changed() {  # the sum of changed= in a PLAY RECAP
  sed -n '/PLAY RECAP/,$p' "$1" | grep -o 'changed=[0-9]*' | awk -F= '{ s += $2 } END { print s + 0 }'
}

step "1. the lab"
if [ "$FROM" -le 1 ]; then
  if [ "${LAB_KEEP:-0}" != 1 ]; then
    timed lab-destroy ansible-playbook -i "$INV" playbooks/lab.yml -e lab_state=absent
  fi
  timed lab-create ansible-playbook -i "$INV" playbooks/lab.yml
fi

step "2. the mirror, into $MIRROR"
if [ "$FROM" -le 2 ]; then
  timed mirror ansible-playbook -i "$INV" playbooks/mirror.yml -e "mirror_dir=$MIRROR"
  timed mirror-again ansible-playbook -i "$INV" playbooks/mirror.yml -e "mirror_dir=$MIRROR"
  [ "$(recap_changed "$LOGS/mirror-again.log")" = 0 ] || { echo "mirror.yml changed something on its second run" >&2; exit 1; }
  for d in "$MIRROR" "$MIRROR/pypi" "$MIRROR/npm"; do du -sh "$d"; done | tee "$LOGS/mirror-size.txt" >&2
fi

step "3. serving the mirror on the lab network"
gateway="$(docker network inspect datamesh-lab -f '{{(index .IPAM.Config 0).Gateway}}')"
python3 -m http.server "$PORT" --bind "$gateway" --directory "$MIRROR" >"$LOGS/http.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1
VARS="$LOGS/offline-vars.yml"
cat >"$VARS" <<EOF
# written by tests/lab/offline.sh
datamesh_artifact_offline: true
datamesh_artifact_cache_dir: $MIRROR
datamesh_pip_find_links: http://$gateway:$PORT/pypi/index.html
datamesh_npm_registry: http://$gateway:$PORT/npm/
EOF
# The controller cache is the mirror: any download into it would change its listing.
find "$MIRROR" -type f | sort >"$LOGS/mirror-files.before"

step "4. the platform, offline from the mirror"
if [ "$FROM" -le 4 ]; then
  timed site ansible-playbook -i "$INV" site.yml -e "@$VARS"
  timed data-product ansible-playbook -i "$INV" playbooks/data_product.yml -e data_product_fixed=true -e "@$VARS"
  timed dbt ansible-playbook -i "$INV" playbooks/dbt.yml -e "@$VARS"
  timed datahub-ingestion ansible-playbook -i "$INV" playbooks/datahub_ingestion.yml -e "@$VARS"
  timed lab-info ansible-playbook -i "$INV" playbooks/lab_info.yml
  find "$MIRROR" -type f | sort >"$LOGS/mirror-files.after"
  diff "$LOGS/mirror-files.before" "$LOGS/mirror-files.after" >&2 || { echo "files were added to the mirror during the offline run" >&2; exit 1; }
  for kind in pypi npm; do
    served="$(grep -c "\"GET /$kind/" "$LOGS/http.log" || true)"
    echo "$kind requests served by the mirror: $served" >&2
    [ "$served" -gt 0 ] || { echo "no $kind request reached the mirror" >&2; exit 1; }
  done
fi

step "5. a lab user runs the starter notebook through JupyterHub"
if [ "$FROM" -le 5 ]; then
  venv="$REPO/.cache/lab-client"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet requests==2.34.2 websocket-client==1.9.0
  timed hub-notebook-run sh -c "'$venv/bin/python' tests/lab/hub_notebook.py https://localhost:8443 dataadmin \
    '$INV/.credentials/jupyterhub/datamesh-lab/users/dataadmin' '$INV/.credentials/tls/ca.crt' >'$LOGS/hub-notebook.json'"
  # The same federated query through the Trino CLI in the coordinator (password from a file, via the environment).
  TRINO_PASSWORD="$(cat "$INV/.credentials/trino/datamesh/admin_password")" docker exec -e TRINO_PASSWORD datamesh-lab \
    trino --server https://datamesh-lab:2020 --truststore-path /etc/trino/tls/ca.crt --user admin --password \
    --output-format CSV_UNQUOTED --execute "SELECT k.region, sum(o.amount) FROM hive.landing.customers c
      JOIN mariadb.sales.orders o ON o.customer_id = CAST(nullif(c.id, '') AS integer)
      JOIN mariadb2.reference.countries k ON k.code = c.country GROUP BY k.region" >"$LOGS/expected.csv" 2>"$LOGS/trino-cli.log"
  python3 tests/lab/check_notebook.py "$LOGS/hub-notebook.json" "$LOGS/expected.csv" >&2
fi

step "6. the execution environment, built from this checkout, runs site.yml against the converged lab"
builder="$REPO/.cache/ee-builder"
[ -x "$builder/bin/ansible-builder" ] || python3 -m venv "$builder"
"$builder/bin/pip" install --quiet ansible-builder==3.1.0
# The EE's base image is built locally from Debian's archive (no registry) when it is not there yet.
docker image inspect datamesh/ee-base:13 >/dev/null 2>&1 || timed ee-base awx/ee-base/build.sh
timed ee-build env PATH="$builder/bin:$PATH" awx/build-ee.sh --tag "$EE_IMAGE"
runner="$REPO/.cache/ee-runner"
rm -rf "$runner" && mkdir -p "$runner"
# From inside the EE the containers are reached through the Docker API (no docker CLI in the image): a second
# inventory source, read after inventory/lab (ansible-runner puts its --inventory after --cmdline), sets the
# connection for the lab's hosts only (an extra variable would also take delegate_to: localhost into a container).
cat >"$LOGS/ee-connection.yml" <<EOF
---
# written by tests/lab/offline.sh
all:
  vars:
    ansible_connection: community.docker.docker_api
EOF
timed ee-site docker run --rm --user 0:0 \
  -v /var/run/docker.sock:/var/run/docker.sock -v "$REPO:$REPO" -w "$REPO" \
  "$EE_IMAGE" ansible-runner run "$runner" --project-dir "$REPO" -p site.yml --inventory "$LOGS/ee-connection.yml" \
  --cmdline "-e @$VARS -i $REPO/$INV"
[ "$(recap_changed "$LOGS/ee-site.log")" = 0 ] || { echo "site.yml in the EE changed something on the converged lab" >&2; exit 1; }
grep -h -o '"ansible_version": "[^"]*"\|datamesh.platform [0-9.]*' "$runner"/artifacts/*/job_events/*.json 2>/dev/null | sort -u | head -3 >&2 || true

step "done"
column -t "$RESULTS" >&2
