#!/usr/bin/env bash
# The framework pins of a device's image, from its lock files: `short` for a tag, `long` for a label.
#
#   docker/pins.sh x86|jetson|rpi short|long      (CAFFE2=legacy, MXNET=1 as for the build)
set -euo pipefail

DEVICE=${1:?x86, jetson or rpi}
FORM=${2:-short}
cd "$(dirname "$0")/.."

lock() {  # the lock file of environment $1 on this device's architecture
  local suffix=
  case "$DEVICE" in jetson) suffix=-aarch64 ;; rpi) suffix=-armv7 ;; esac
  # (the Jetson image falls back to the x86 lock file, as Dockerfile.l4t does; the Pi's has only its own)
  if [ -f "envs/$1$suffix.txt" ]; then echo "envs/$1$suffix.txt"; elif [ "$DEVICE" != rpi ]; then echo "envs/$1.txt"; fi
}

pin() {  # pin ENV PACKAGE... -> "package==version" of the first package found
  local file; file=$(lock "$1"); shift
  [ -n "$file" ] || return 0
  for p in "$@"; do grep -i -m1 "^$p==" "$file" && return 0; done
  return 0
}

pins() {
  pin pytorch torch; pin onnxruntime onnxruntime; pin tensorflow tensorflow_cpu tensorflow-cpu tensorflow
  pin tflite ai-edge-litert tflite-runtime
  if [ "$DEVICE" = x86 ] || [ "${MXNET:-0}" = 1 ]; then pin mxnet mxnet; fi
  if [ "$DEVICE" = x86 ] && [ "${CAFFE2:-none}" = legacy ]; then pin caffe2 torch | sed 's/^torch/caffe2-torch/'; fi
}

if [ "$FORM" = long ]; then
  pins | paste -sd, -
else  # torch2.13.0-onnxruntime1.31.1-...: tag-safe (no +local part), short names
  pins | sed -e 's/==/ /' -e 's/+.*//' -e 's/_cpu\|-cpu//' -e 's/^ai-edge-litert/litert/' \
       -e 's/^onnxruntime/ort/' -e 's/^tensorflow/tf/' -e 's/^tflite-runtime/tflite/' \
    | awk '{printf "%s%s%s", (NR > 1 ? "-" : ""), $1, $2}'
  echo
fi
