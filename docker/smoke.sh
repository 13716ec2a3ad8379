#!/usr/bin/env bash
# Build-end smoke test of an image: `edgebench env`, then the tiny model once per framework.
#
#   smoke.sh FRAMEWORKS [extra `edgebench run` options]     e.g. smoke.sh pytorch,onnxruntime --strict
#
# An empty FRAMEWORKS means every framework with an environment in the image (from the catalog), of the
# image's version set (EDGEBENCH_ENV_SETS, which the run takes as its default too).
#
# Results go to a throw-away folder; the tiny model's artifacts stay in the image's cache
# ($EDGEBENCH_CACHE), which seeds the cache volume of later runs.
# Fails (and so fails the build) when a cell fails, or when a cell is not ok with --strict.
set -euo pipefail

FRAMEWORKS=${1-}
shift || true
if [ -z "$FRAMEWORKS" ]; then
  FRAMEWORKS=$(python -m runner.catalog frameworks --envs-dir "${EDGEBENCH_ENVS_DIR:-/opt/envs}" \
    --set "${EDGEBENCH_ENV_SETS:-current}")
fi
WORK=$(mktemp -d /tmp/edgebench-smoke.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

edgebench env
edgebench run --models tinycnn --frameworks "$FRAMEWORKS" --sources pytorch \
  --batch-sizes 1 --threads 1 --repetitions 1 --warmup-s 0 --min-time-s 0.1 --max-time-s 0.3 \
  --meters none --idle-s 0 --out "$WORK/results" --run-id smoke "$@"
echo "smoke: ok ($FRAMEWORKS)"
