#!/usr/bin/env bash
# Run a device's compose service once (`make bench DEVICE=...` calls this after building the image).
#
#   DEVICE=x86 IMAGE=edgebench/x86:<tag> SERVICE=x86 RUN_ID=x86-1 OUT=results PRESET=quick docker/bench.sh [ARGS]
#
# GRID=file.toml runs a grid file instead of PRESET (local engines: the file is mounted read-only).
#
# Fills in compose.yaml's variables: the image and its digest, the device name (DEVICE-<engine host>),
# and the results: OUT/ on a local engine; on a remote one (HOST=ssh://user@host) the shared volume
# edgebench-results, from which the run is copied back into OUT/. Spooled runs (rpi) are compacted
# to Parquet here when this checkout has the main environment (.venv).
#
# The container runs as root (reading the RAPL counters needs it), so on a local engine the run folder
# is handed to the user who ran this afterwards (a chown in a throw-away container of the same image):
# RESULTS_OWNER=uid:gid overrides that user; root's own runs are left as they are.
set -euo pipefail

: "${DEVICE:?}" "${IMAGE:?}" "${SERVICE:?}" "${RUN_ID:?}"
OUT=${OUT:-results}
DOCKER=${DOCKER:-docker}
read -r -a COMPOSE <<<"${COMPOSE:-docker-compose}"
if [ -n "${HOST:-}" ]; then export DOCKER_HOST=$HOST; fi
cd "$(dirname "$0")/.."

host_has() {  # host_has PATH: does the engine's host have PATH (a remote host too)? (the host's root is
  # mounted, not PATH's folder: a bind mount would create a missing folder on the host)
  "$DOCKER" run --rm --entrypoint /bin/sh -v /:/probe:ro "$IMAGE" -c "test -e /probe$1" >/dev/null 2>&1
}

export_settings() {
  export EDGEBENCH_IMAGE_REF=$IMAGE
  EDGEBENCH_IMAGE_DIGEST=$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE")
  EDGEBENCH_DEVICE=${EDGEBENCH_DEVICE:-$DEVICE-$("$DOCKER" info -f '{{.Name}}')}
  export EDGEBENCH_IMAGE_DIGEST EDGEBENCH_DEVICE
  if [ "$DEVICE" = jetson ]; then
    host_has /etc/nv_tegra_release || export NV_TEGRA_RELEASE=${NV_TEGRA_RELEASE:-/dev/null}
    host_has /etc/nvpmodel.conf || export NVPMODEL_CONF=${NVPMODEL_CONF:-/dev/null}
    host_has /var/lib/nvpmodel/status || export NVPMODEL_STATUS=${NVPMODEL_STATUS:-/dev/null}
    "$DOCKER" info -f '{{json .Runtimes}}' | grep -q '"nvidia"' || export JETSON_RUNTIME=${JETSON_RUNTIME:-runc}
  fi
  if [ "$DEVICE" = rpi ] || [ "$DEVICE" = rpi64 ]; then  # the Pi 5 PMIC: mailbox device and vcgencmd
    host_has /dev/vcio || export VCIO_DEVICE=${VCIO_DEVICE:-/dev/null}
    host_has /usr/bin/vcgencmd || export VCGENCMD=${VCGENCMD:-no-vcgencmd}
  fi
  if [ -z "${HOST:-}" ]; then mkdir -p "$OUT"; export EDGEBENCH_RESULTS; EDGEBENCH_RESULTS=$(cd "$OUT" && pwd); fi
}

collect() {  # copy the run from the engine's results volume into OUT/
  local cid
  cid=$("$DOCKER" create -v edgebench-results:/results "$IMAGE")
  mkdir -p "$OUT"
  "$DOCKER" cp "$cid:/results/$RUN_ID" "$OUT/" || true
  "$DOCKER" rm "$cid" >/dev/null
}

own() {  # give OUT/RUN_ID to the calling user (or RESULTS_OWNER): the container wrote it as root
  local owner=${RESULTS_OWNER:-$(id -u):$(id -g)}
  if [ -n "${HOST:-}" ] || [ "$owner" = 0:0 ] || [ ! -d "$OUT/$RUN_ID" ]; then return 0; fi
  "$DOCKER" run --rm --network none --entrypoint chown -v "$EDGEBENCH_RESULTS/$RUN_ID:/run-folder" "$IMAGE" \
    -R "$owner" /run-folder \
    || echo "bench: could not give $OUT/$RUN_ID to $owner: sudo chown -R $owner $OUT/$RUN_ID" >&2
}

compact() {
  ls "$OUT/$RUN_ID"/cells/*.jsonl >/dev/null 2>&1 || return 0
  if [ -x .venv/bin/edgebench ]; then .venv/bin/edgebench compact "$OUT/$RUN_ID"
  else echo "bench: $OUT/$RUN_ID is spooled as JSON Lines: run \`edgebench compact $OUT/$RUN_ID\` (make setup)"; fi
}

grid_args() {  # the grid to run, then the extra options
  local mount=()
  if [ -n "${GRID:-}" ]; then
    [ -z "${HOST:-}" ] || { echo "bench: GRID needs a local engine; use PRESET or ARGS with HOST" >&2; exit 2; }
    RUN_MOUNTS=(-v "$(cd "$(dirname "$GRID")" && pwd)/$(basename "$GRID"):/grids/$(basename "$GRID"):ro")
    RUN_ARGS=(--grid "/grids/$(basename "$GRID")")
  else
    RUN_MOUNTS=("${mount[@]}")
    RUN_ARGS=(--preset "${PRESET:-quick}")
  fi
}

main() {
  local rc=0
  export_settings
  grid_args
  echo "bench: $SERVICE on ${HOST:-the local engine}, image $IMAGE, device $EDGEBENCH_DEVICE, run $RUN_ID"
  "${COMPOSE[@]}" -f compose.yaml run --rm "${RUN_MOUNTS[@]}" "$SERVICE" \
    run "${RUN_ARGS[@]}" "$@" --out /results --run-id "$RUN_ID" || rc=$?
  if [ -n "${HOST:-}" ]; then collect; fi
  own
  compact
  echo "bench: results in $OUT/$RUN_ID (exit status $rc)"
  return "$rc"
}

main "$@"
