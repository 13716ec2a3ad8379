#!/usr/bin/env bash
# Unpack Debian bullseye's Python 3.9 (the libraries it links, and libgomp1/libquadmath0 that MXNet links)
# into ROOT, without chroot or configuring:
#   scripts/caffe2/bullseye-rootfs.sh ROOT
#   scripts/caffe2/bullseye-rootfs.sh --current ROOT   exit 0 when ROOT was made with these packages
#   scripts/caffe2/bullseye-rootfs.sh --mirror     print the Debian mirror it would use
# debootstrap's first stage downloads and unpacks the minimal base; the Python packages it only downloads
# are unpacked here with dpkg-deb. The interpreter then runs on the host through bullseye's own dynamic
# loader (see setup-env.sh). The mirror is the host's Debian mirror (MIRROR overrides), read at run time.
# Needs root and debootstrap (installed with apt-get when missing and run as root).
set -euo pipefail

root=${1:?usage: bullseye-rootfs.sh ROOT}
suite=${SUITE:-bullseye}
packages=${PACKAGES:-python3.9,python3-distutils,libgomp1,libquadmath0}

host_mirror() {
  # The first Debian archive mirror of the host's apt sources (deb822 or one-line format).
  cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | awk '($1 == "URIs:" || $1 == "deb") && $2 ~ /\/debian\/?$/ {print $2; exit}'
}

need_debootstrap() {
  command -v debootstrap >/dev/null && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "debootstrap is not installed (as root: apt-get install debootstrap)" >&2
    return 1
  fi
  apt-get install -y -qq debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq debootstrap; }
}

main() {
  [ "$(id -u)" = 0 ] || { echo "making the $suite root file system needs root (debootstrap)" >&2; exit 1; }
  need_debootstrap
  local mirror=${MIRROR:-$(host_mirror)}
  [ -n "$mirror" ] || { echo "no Debian mirror in /etc/apt/sources.list{,.d}; set MIRROR" >&2; exit 1; }
  mkdir -p "$(dirname "$root")"
  rm -rf "$root" "$root.tmp"
  debootstrap --foreign --variant=minbase --include="$packages" "$suite" "$root.tmp" "$mirror" >"$root.log" 2>&1 \
    || { tail -n 20 "$root.log" >&2; exit 1; }
  local deb
  for deb in "$root.tmp"/var/cache/apt/archives/*.deb; do
    dpkg-deb -x "$deb" "$root.tmp"
  done
  rm -rf "$root.tmp"/var/cache/apt/archives/*.deb "$root.tmp"/debootstrap \
    "$root.tmp"/usr/share/{doc,info,locale,man}
  mv "$root.tmp" "$root"
  rm -f "$root.log"
  echo "$suite $packages" >"$root/.made-with"
  echo "$suite Python: $root/usr/bin/python3.9"
}

if [ "$root" = --mirror ]; then
  host_mirror
elif [ "$root" = --current ]; then
  [ "$(cat "${2:?usage: bullseye-rootfs.sh --current ROOT}/.made-with" 2>/dev/null)" = "$suite $packages" ]
else
  main
fi
