#!/usr/bin/env bash
# Builds the execution environment of awx/execution-environment.yml (docs/awx.md, "1. The execution
# environment"). Nothing is written into awx/: everything goes to .cache/ee/ of the checkout.
#   1. .cache/ee/collections/: the tarballs awx/requirements.yml names - this collection, built from
#      the checkout (ansible-galaxy collection build), and the third-party ones, packed from the
#      `ansible` package on PyPI (default: Galaxy is not needed; the package carries each collection
#      with its MANIFEST.json and FILES.json, which is what a collection tarball holds) or, with
#      --from-galaxy, downloaded from Galaxy (ansible-galaxy collection download);
#   2. ansible-builder create: the build context in .cache/ee/context/;
#   3. unless --create-only, ansible-builder build, FROM the local image EE_BASE_IMAGE
#      (--base-image; default datamesh/ee-base:13, made by awx/ee-base/build.sh).
#
#   awx/build-ee.sh [--create-only] [--from-galaxy] [--base-image IMAGE] [--tag TAG] [--runtime docker|podman]
#
# Needs ansible-galaxy (ansible-core) and ansible-builder 3 on PATH (pip install ansible-builder, in
# a venv of its own), python3, pip; docker or podman for the build.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AWX="$REPO/awx"
STAGE="${EE_STAGE_DIR:-$REPO/.cache/ee}"
# The ansible package whose collections the pins of awx/requirements.yml come from.
ANSIBLE_PACKAGE_VERSION="${ANSIBLE_PACKAGE_VERSION:-14.5.0}"
create_only=false from_galaxy=false base_image=datamesh/ee-base:13 tag="" runtime="${EE_RUNTIME:-docker}"
while [ $# -gt 0 ]; do
  case "$1" in
    --create-only) create_only=true ;;
    --from-galaxy) from_galaxy=true ;;
    --base-image) base_image="$2"; shift ;;
    --tag) tag="$2"; shift ;;
    --runtime) runtime="$2"; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
command -v ansible-galaxy >/dev/null || die "ansible-galaxy not found (ansible-core)"
command -v ansible-builder >/dev/null || die "ansible-builder not found: pip install ansible-builder (into a venv of its own)"

rm -rf "$STAGE/collections" "$STAGE/context"
mkdir -p "$STAGE/collections"
cp "$AWX/execution-environment.yml" "$AWX/requirements.yml" "$AWX/requirements.txt" "$AWX/bindep.txt" "$STAGE/"

# ------------------------------------------------------------------ this collection
log "building datamesh.platform from $REPO"
ansible-galaxy collection build "$REPO" --output-path "$STAGE/build" --force >/dev/null
built="$STAGE/build/datamesh-platform-$(sed -n 's/^version: *//p' "$REPO/galaxy.yml").tar.gz"
[ -f "$built" ] || die "ansible-galaxy collection build did not write $built"
cp "$built" "$STAGE/collections/datamesh-platform.tar.gz"

# ------------------------------------------------------------------ the others, as awx/requirements.yml names them
# collections/<namespace>-<name>-<version>.tar.gz
wanted="$(sed -n 's#^ *- name: collections/\([a-z0-9_]*\)-\([a-z0-9_]*\)-\([0-9][0-9a-z.+-]*\)\.tar\.gz *$#\1 \2 \3#p' "$AWX/requirements.yml")"
[ -n "$wanted" ] || die "no versioned collection tarballs named in awx/requirements.yml"
if $from_galaxy; then
  while read -r ns name version; do
    log "downloading $ns.$name $version from Galaxy"
    ansible-galaxy collection download --no-deps -p "$STAGE/download" "$ns.$name:==$version" >/dev/null
    cp "$STAGE/download/$ns-$name-$version.tar.gz" "$STAGE/collections/"
  done <<<"$wanted"
else
  wheel="$REPO/.cache/wheels/ansible-$ANSIBLE_PACKAGE_VERSION-py3-none-any.whl"
  if [ ! -f "$wheel" ]; then
    log "downloading the ansible $ANSIBLE_PACKAGE_VERSION package from PyPI (the collections' source)"
    mkdir -p "$(dirname "$wheel")"
    python3 -m pip download -q --no-deps "ansible==$ANSIBLE_PACKAGE_VERSION" -d "$(dirname "$wheel")"
  fi
  log "packing the collections from $(basename "$wheel")"
  pack='
import hashlib, io, json, sys, tarfile, zipfile
# The package keeps each collection without its tests and CI files, but with the original FILES.json:
# the tarball gets a FILES.json (and the MANIFEST.json checksum of it) listing exactly what it holds.
wheel, out = sys.argv[1:]
entry = lambda name, ftype, sha: {"name": name, "ftype": ftype, "chksum_type": sha and "sha256", "chksum_sha256": sha, "format": 1}
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    for line in sys.stdin:
        ns, name, version = line.split()
        prefix = "ansible_collections/%s/%s/" % (ns, name)
        manifest = json.loads(z.read(prefix + "MANIFEST.json"))
        have = manifest["collection_info"]["version"]
        if have != version:
            sys.exit("%s.%s is %s in %s, awx/requirements.yml wants %s" % (ns, name, have, wheel, version))
        files = {n[len(prefix):]: z.read(n) for n in names
                 if n.startswith(prefix) and not n.endswith("/") and n[len(prefix):] not in ("MANIFEST.json", "FILES.json")}
        dirs = {"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)}
        listing = [entry(".", "dir", None)] + [entry(n, "dir", None) if n in dirs else entry(n, "file", hashlib.sha256(files[n]).hexdigest())
                                              for n in sorted(dirs | set(files))]
        files_json = json.dumps({"files": listing, "format": 1}, indent=4).encode()
        manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_json).hexdigest()
        members = [("MANIFEST.json", json.dumps(manifest, indent=4).encode()), ("FILES.json", files_json)]
        members += [(n, None if n in dirs else files[n]) for n in sorted(dirs | set(files))]
        with tarfile.open("%s/%s-%s-%s.tar.gz" % (out, ns, name, version), "w:gz") as tar:
            for member, data in members:
                info = tarfile.TarInfo(member)
                if data is None:
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                else:
                    info.size, info.mode = len(data), 0o644
                    tar.addfile(info, io.BytesIO(data))
'
  python3 -c "$pack" "$wheel" "$STAGE/collections" <<<"$wanted"
fi

# ------------------------------------------------------------------ build context, image
log "ansible-builder create -> $STAGE/context"
(cd "$STAGE" && ansible-builder create -f execution-environment.yml -c context --output-filename Containerfile >/dev/null)
if $create_only; then
  log "build context ready: $STAGE/context (ansible-builder build not run)"
  exit 0
fi
log "ansible-builder build FROM $base_image"
args=(build -f execution-environment.yml -c context --container-runtime "$runtime" --build-arg "EE_BASE_IMAGE=$base_image")
[ -n "$tag" ] && args+=(--tag "$tag")
(cd "$STAGE" && ansible-builder "${args[@]}")
