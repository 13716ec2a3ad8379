#!/usr/bin/env bash
# Register qemu-aarch64 10 (Debian bookworm-backports) for arm64 binaries, instead of bookworm's 7.2.
#
# Under qemu 7.2 ONNX Runtime and LiteRT crash (their cpuinfo library parses the host's /proc/cpuinfo,
# which qemu 7.2 passes through); qemu 10 emulates /proc/cpuinfo. The package is fetched with a
# private apt state (the host's apt sources are not changed), from the host's mirror (or MIRROR).
# `docker/qemu10.sh off` restores Debian's entry. Needs root and a mounted binfmt_misc.
set -euo pipefail

STATE=${EDGEBENCH_QEMU_DIR:-/var/tmp/edgebench-qemu10}
ENTRY=/proc/sys/fs/binfmt_misc/edgebench-qemu-aarch64
BIN=$STATE/qemu-aarch64-10

mirror() {
  if [ -n "${MIRROR:-}" ]; then echo "$MIRROR"; return; fi
  awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null \
    || awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list
}

fetch() {
  [ -x "$BIN" ] && return 0
  local apt_opts
  mkdir -p "$STATE/lists/partial" "$STATE/cache/archives/partial" "$STATE/deb"
  echo "deb $(mirror) bookworm-backports main" >"$STATE/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$STATE/sources.list" -o Dir::Etc::SourceParts=/dev/null -o APT::Sandbox::User=root
            -o "Dir::State::Lists=$STATE/lists" -o "Dir::Cache=$STATE/cache")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$STATE/deb" && apt-get "${apt_opts[@]}" download -qq qemu-user/bookworm-backports)
  dpkg-deb -x "$STATE"/deb/qemu-user_*.deb "$STATE/x"
  cp "$STATE/x/usr/bin/qemu-aarch64" "$BIN"
  rm -rf "$STATE/x" "$STATE/deb" "$STATE/lists" "$STATE/cache"
}

register() {
  local line magic mask
  line=$(cat /usr/lib/binfmt.d/qemu-aarch64.conf 2>/dev/null || cat /usr/share/binfmts/qemu-aarch64 | tr '\n' ' ')
  magic=$(echo "$line" | cut -d: -f5); mask=$(echo "$line" | cut -d: -f6)
  [ -e "$ENTRY" ] && echo -1 >"$ENTRY"
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && echo 0 >/proc/sys/fs/binfmt_misc/qemu-aarch64
  printf '%s' ":edgebench-qemu-aarch64:M::$magic:$mask:$BIN:F" >/proc/sys/fs/binfmt_misc/register
}

if [ "${1:-on}" = off ]; then
  [ -e "$ENTRY" ] && echo -1 >"$ENTRY"
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && echo 1 >/proc/sys/fs/binfmt_misc/qemu-aarch64
  echo "qemu10: Debian's qemu-aarch64 restored"; exit 0
fi
fetch
register
echo "qemu10: $("$BIN" --version | head -1) registered for aarch64"
