#!/usr/bin/env bash
# Builds a systemd-capable Debian image from Debian's archive (no registry needed).
#   build-systemd-debian.sh <release: bookworm|trixie> <image name>
set -euo pipefail
release="${1:?release}"; image="${2:?image name}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
root="$(mktemp -d /tmp/datamesh-rootfs.XXXXXX)"
trap 'rm -rf "$root"' EXIT
echo "==> debootstrap $release from $mirror (about a minute)" >&2
debootstrap --variant=minbase \
  --include=python3,systemd,systemd-sysv,sudo,procps,iproute2,ca-certificates \
  "$release" "$root" "$mirror" >/dev/null
# Nothing in the image should start services before the tests do, and the
# container's systemd must not try to manage what the host owns.
rm -f "$root"/etc/machine-id && : > "$root"/etc/machine-id
tar -C "$root" -c . | docker import \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'ENV container=docker' \
  - "$image" >/dev/null
echo "==> built $image" >&2
