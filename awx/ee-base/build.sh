#!/usr/bin/env bash
# Builds datamesh/ee-base:13, the base image of the execution environment, without any registry:
#   1. datamesh/debian:13 - Debian 13 (trixie) from Debian's archive with debootstrap (minbase: no
#      systemd), imported into the container engine; skipped when that image exists;
#   2. awx/ee-base/Containerfile on top: Python 3.13 with pip and venv, the dnf-compat-apt shim, and
#      this machine's local CAs (/usr/local/share/ca-certificates) so that pip works behind a
#      TLS-inspecting proxy.
#   awx/ee-base/build.sh [image name]            (root; debootstrap; docker or podman: EE_RUNTIME)
#   BASE_IMAGE=python:3.12-slim awx/ee-base/build.sh   # any local Debian-family Python >= 3.12 image instead of step 1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image="${1:-datamesh/ee-base:13}"
runtime="${EE_RUNTIME:-docker}"
base="${BASE_IMAGE:-datamesh/debian:13}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if [ "$base" = datamesh/debian:13 ] && ! "$runtime" image inspect "$base" >/dev/null 2>&1; then
  root="$(mktemp -d /tmp/datamesh-ee-rootfs.XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  echo "==> debootstrap trixie from $mirror (about a minute)" >&2
  debootstrap --variant=minbase --include=ca-certificates trixie "$root" "$mirror" >/dev/null
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  tar -C "$root" -c . | "$runtime" import --change 'CMD ["/bin/bash"]' - "$base" >/dev/null
fi
context="$(mktemp -d /tmp/datamesh-ee-base.XXXXXX)"
trap 'rm -rf "$context" ${root:+"$root"}' EXIT
cp "$here/Containerfile" "$here/dnf-compat-apt" "$context/"
mkdir "$context/local-ca"
cp /usr/local/share/ca-certificates/*.crt "$context/local-ca/" 2>/dev/null || true
echo "==> building $image FROM $base" >&2
"$runtime" build -q -t "$image" --build-arg "BASE_IMAGE=$base" -f "$context/Containerfile" "$context" >/dev/null
echo "==> built $image" >&2
