#!/usr/bin/env bash
# The framework pins of a device's image, from the catalog and its lock files: `short` for a tag, `long`
# for a label.
#
#   docker/pins.sh x86|jetson|rpi|rpi64 short|long      (WITH=caffe2,..., LOCK_SUFFIX=... and, for x86,
#                                                        ENV_SET=... as for the build)
set -euo pipefail

DEVICE=${1:?x86, jetson, rpi or rpi64}
FORM=${2:-short}
cd "$(dirname "$0")/.."

case "$DEVICE" in
  x86) ARCH=x86_64 ;;
  jetson|rpi64) ARCH=aarch64 ;;
  rpi) ARCH=armv7l ;;
  *) echo "pins: unknown device '$DEVICE' (x86, jetson, rpi or rpi64)" >&2; exit 2 ;;
esac
args=(pins --arch "$ARCH")
if [ -n "${WITH:-}" ]; then args+=(--with "$WITH"); fi
if [ -n "${LOCK_SUFFIX:-}" ]; then args+=("--lock-suffix=$LOCK_SUFFIX"); fi
if [ "$FORM" = long ]; then args+=(--long); fi
if [ -n "${ENV_SET:-}" ] && [ "$DEVICE" = x86 ]; then args+=(--set "$ENV_SET"); fi
if [ "$DEVICE" = x86 ]; then args+=(--legacy); fi  # only the x86 image has a legacy stage
exec "${PYTHON:-python3}" -m runner.catalog "${args[@]}"
