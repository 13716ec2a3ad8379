#!/usr/bin/env bash
# Make a Docker engine and arm emulation available on a Debian host (CI, a fresh build machine).
#
#   docker/engine.sh            install docker.io, docker-compose, debootstrap, qemu-user-static, openssh-client
#                               and iproute2 (when missing),
#                               start dockerd when none answers, enable qemu-arm/qemu-aarch64
#   QEMU10=1 docker/engine.sh   also register qemu-aarch64 10 from bookworm-backports: ONNX Runtime
#                               and LiteRT crash under qemu 7.2 (they parse the host's /proc/cpuinfo)
#
# Needs root. Idempotent: what is already there is left alone.
set -euo pipefail

DOCKER=${DOCKER:-/usr/bin/docker}
STATE=${EDGEBENCH_ENGINE_STATE:-/var/tmp/edgebench-engine}
mkdir -p "$STATE"

log() { printf 'engine: %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
  command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
  [ -e /usr/bin/qemu-aarch64-static ] || missing+=(qemu-user-static)
  command -v update-binfmts >/dev/null || missing+=(binfmt-support)
  command -v docker-compose >/dev/null || "$DOCKER" compose version >/dev/null 2>&1 || missing+=(docker-compose)
  # the fleet test: SSH to edge hosts in containers, a second engine on its own bridge
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  command -v ip >/dev/null || missing+=(iproute2)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
}

start_dockerd() {
  if "$DOCKER" info >/dev/null 2>&1; then return 0; fi
  log "starting dockerd (log: $STATE/dockerd.log)"
  PATH=/usr/sbin:/usr/bin:$PATH nohup dockerd >"$STATE/dockerd.log" 2>&1 &
  for _ in $(seq 60); do
    "$DOCKER" info >/dev/null 2>&1 && return 0
    sleep 1
  done
  log "dockerd did not answer in 60 s:"; tail -20 "$STATE/dockerd.log" >&2; return 1
}

enable_binfmt() {
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-arm >/dev/null 2>&1 || true
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  grep -q enabled /proc/sys/fs/binfmt_misc/qemu-arm || return 1
  # aarch64: Debian's qemu, or qemu 10 (docker/qemu10.sh disables Debian's entry in favour of its own)
  grep -qs enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 /proc/sys/fs/binfmt_misc/edgebench-qemu-aarch64
}

main() {
  install_packages
  start_dockerd
  enable_binfmt
  if [ "${QEMU10:-0}" = 1 ]; then "$(dirname "$0")/qemu10.sh"; fi
  log "ready: $("$DOCKER" version -f '{{.Server.Version}}') engine, binfmt qemu-arm + qemu-aarch64 enabled"
}

main "$@"
