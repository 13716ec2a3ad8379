#!/usr/bin/env bash
# Build a minimal Debian + Python base image from a Debian mirror, with no registry involved.
#
#   docker/base-image.sh SUITE ARCH TAG      e.g. bookworm arm64 edgebench/base:bookworm-arm64
#
# The mirror is MIRROR, else the first one in the host's apt sources. A foreign ARCH (armhf, arm64
# on an x86 host) is bootstrapped in two stages, the second under qemu-user (binfmt must be enabled:
# docker/engine.sh). The root filesystem is imported with `FROM scratch` + `ADD rootfs.tar`, built
# with --platform, so the image carries the right architecture label (`docker import` would call
# every image amd64). Needs root (debootstrap, chroot).
set -euo pipefail

SUITE=${1:?suite, e.g. bookworm}
ARCH=${2:?Debian architecture: amd64, arm64 or armhf}
TAG=${3:?image tag}
DOCKER=${DOCKER:-/usr/bin/docker}
PACKAGES=${BASE_PACKAGES:-python3,python3-venv,python3-pip,ca-certificates}
WORK=${BASE_WORKDIR:-/var/tmp/edgebench-base}/$SUITE-$ARCH

mirror() {
  if [ -n "${MIRROR:-}" ]; then echo "$MIRROR"; return; fi
  local found
  found=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$found" ] || found=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$found" ] || { echo "no apt mirror found: set MIRROR" >&2; exit 2; }
  echo "$found"
}

platform() {
  case "$1" in
    amd64) echo linux/amd64 ;;
    arm64) echo linux/arm64 ;;
    armhf) echo linux/arm/v7 ;;
    *) echo "unsupported ARCH $1 (amd64, arm64, armhf)" >&2; exit 2 ;;
  esac
}

bootstrap() {
  local root=$1 url=$2
  local native; native=$(dpkg --print-architecture)
  if [ "$ARCH" = "$native" ]; then
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$url" >"$WORK/debootstrap.log"
  else
    debootstrap --arch "$ARCH" --foreign --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$url" \
      >"$WORK/debootstrap.log"
    chroot "$root" /debootstrap/debootstrap --second-stage >>"$WORK/debootstrap.log"
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
}

unmount_all() {
  # a second stage can leave /proc or /sys mounted in the chroot: never rm -rf through a mount
  awk -v w="$WORK/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
}

clean() {
  unmount_all
  rm -rf --one-file-system "$WORK"
}

main() {
  local url plat start; url=$(mirror); plat=$(platform "$ARCH"); start=$(date +%s)
  clean; mkdir -p "$WORK/context"
  trap unmount_all EXIT
  bootstrap "$WORK/rootfs" "$url" || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
  tar -C "$WORK/rootfs" -cf "$WORK/context/rootfs.tar" .
  printf 'FROM scratch\nADD rootfs.tar /\nCMD ["/bin/bash"]\n' >"$WORK/context/Dockerfile"
  DOCKER_BUILDKIT=1 "$DOCKER" build -q --platform "$plat" -t "$TAG" "$WORK/context" >/dev/null
  clean
  echo "base-image: $TAG ($SUITE $ARCH, $plat) in $(( $(date +%s) - start )) s"
}

main "$@"
