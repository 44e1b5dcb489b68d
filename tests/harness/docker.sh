#!/usr/bin/env bash
# Makes sure a Docker engine answers and the systemd base image exists.
# Installs docker.io from Debian and starts dockerd when needed (CI machines have
# only the client); builds the image once with debootstrap and reuses it after.
#   docker.sh            engine + image (build only when missing)
#   docker.sh --rebuild  engine + image built anew (`make image`; DEBIAN_RELEASE=trixie for Debian 13)
# shellcheck source=tests/harness/lib.sh
source "$(dirname "$0")/lib.sh"
rebuild=0
[ "${1:-}" = --rebuild ] && rebuild=1

if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || apt_install docker.io
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd (log: $CACHE/dockerd.log)"
    mkdir -p "$CACHE"
    nohup dockerd >"$CACHE/dockerd.log" 2>&1 &
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || die "dockerd did not come up; see $CACHE/dockerd.log"
  fi
fi

if [ "$rebuild" = 0 ] && docker image inspect "$MOLECULE_IMAGE" >/dev/null 2>&1; then
  log "image $MOLECULE_IMAGE present"
elif [ "$MOLECULE_IMAGE" != "$LOCAL_IMAGE" ]; then
  log "pulling $MOLECULE_IMAGE (MOLECULE_IMAGE)"
  docker pull "$MOLECULE_IMAGE" || die "cannot pull MOLECULE_IMAGE=$MOLECULE_IMAGE; unset it to build $LOCAL_IMAGE locally"
else
  command -v debootstrap >/dev/null || apt_install debootstrap
  "$REPO/tests/images/build-systemd-debian.sh" "$DEBIAN_RELEASE" "$LOCAL_IMAGE"
fi
