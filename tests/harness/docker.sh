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

# ensure_image IMAGE LOCAL_NAME RELEASE: IMAGE present, pulled (a published one) or built locally.
ensure_image() {
  local image="$1" local_name="$2" release="$3"
  if [ "$rebuild" = 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
    log "image $image present"
  elif [ "$image" != "$local_name" ]; then
    log "pulling $image"
    docker pull "$image" || die "cannot pull $image; unset the variable that names it to build $local_name locally"
  else
    command -v debootstrap >/dev/null || apt_install debootstrap
    "$REPO/tests/images/build-systemd-debian.sh" "$release" "$local_name"
  fi
}

ensure_image "$MOLECULE_IMAGE" "$LOCAL_IMAGE" "$DEBIAN_RELEASE"
# The Debian 13 image too (scenarios of the live query plane run on it), unless it is the same.
if [ "$MOLECULE_IMAGE_DEBIAN13" != "$MOLECULE_IMAGE" ]; then
  rebuild=0 ensure_image "$MOLECULE_IMAGE_DEBIAN13" "$LOCAL_IMAGE_DEBIAN13" trixie
fi
