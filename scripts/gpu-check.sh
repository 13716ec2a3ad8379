#!/usr/bin/env bash
# The GPU timed region, checked on an NVIDIA GPU host: PyTorch and ONNX Runtime on ResNet-50, batch 1 and 64,
# CUDA provider, 3 fresh-process repetitions each; ONNX Runtime with IO binding (device-resident inputs and
# outputs, the default on a GPU) and without it (-o iobinding=off: session.run with host arrays, its call
# includes both copies), so the cost of the copies is measured; ONNX Runtime's TensorRT provider once (an
# unsupported row with its reason where TensorRT is not installed); nvidia-smi before and after.
#
# Usage, from the repository root:
#   OUT=gpu-check scripts/gpu-check.sh
# Settings (environment variables; defaults in brackets):
#   OUT            folder for the results [gpu-check]: gpu-check.log, nvidia-smi.txt, preflight.txt,
#                  summary.txt, summary.json, run.tar.gz (the whole run folder, logs included)
#   PYTHON         the interpreter running edgebench itself (typer, rich, pyarrow, psutil, numpy, pandas)
#                  [.venv/bin/python, else /opt/torch/.venv/bin/python3, else python3]
#   TORCH_PYTHON   an interpreter with a CUDA build of torch and onnx: builds the artifacts, runs PyTorch's cells
#                  [$EDGEBENCH_ENV_PYTORCH, else .envs/pytorch/bin/python, else $PYTHON]
#   ORT_PYTHON     the interpreter ONNX Runtime's cells run on [$EDGEBENCH_ENV_ONNXRUNTIME, else
#                  .envs/onnxruntime/bin/python, else $TORCH_PYTHON]
#   ORT_PATH       a folder holding onnxruntime-gpu's `onnxruntime` package, put first on ONNX Runtime's path
#                  (ahead of a CPU-only onnxruntime installed beside torch) [/tmp/ortgpu if it exists]
#   CUDA_LIB_DIRS  library folders ONNX Runtime's CUDA provider loads from (cuBLAS, cuRAND, cuFFT, cuDNN)
#                  [every folder of shared libraries under nvidia/ in TORCH_PYTHON's site-packages]
#   MODE           gpu | cpu [gpu]: cpu runs the same steps on the CPU with the tiny model (a dry run)
#   MODELS, BATCH_SIZES, REPETITIONS, TOTAL_S  [resnet50, 1,64, 3, 270]: TOTAL_S bounds the whole script
#                  (a step still running at the bound is interrupted, keeping the cells it finished)
# Every step prints what it runs and how it ended; a failing step does not stop the ones after it, and the
# summary and the run folder are written whatever happened. The exit status is the number of failed steps.
set -u
START=$(date +%s)
MODE=${MODE:-gpu}
OUT=${OUT:-gpu-check}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO" || exit 1
exec > >(tee -a "$OUT/gpu-check.log") 2>&1
TEE=$!

if [ "$MODE" = cpu ]; then
  : "${MODELS:=tinycnn}" "${BATCH_SIZES:=1,4}" "${PROVIDERS:=cpu}" "${TRT_PROVIDERS:=tensorrt,cuda}"
  : "${BUDGET:=--warmup-s 0.2 --min-time-s 0.3 --max-time-s 0.6 --min-iterations 10 --timeout-s 120}"
else
  : "${MODELS:=resnet50}" "${BATCH_SIZES:=1,64}" "${PROVIDERS:=cuda}" "${TRT_PROVIDERS:=tensorrt}"
  : "${BUDGET:=--warmup-s 0.5 --min-time-s 1 --max-time-s 2 --min-iterations 10 --timeout-s 90}"
fi
: "${REPETITIONS:=3}" "${TOTAL_S:=270}"
DEADLINE=$((START + TOTAL_S))
RESERVE=25  # seconds kept for the summary, nvidia-smi and the archive
RUN_ID=gpu-check-$(date +%Y%m%d-%H%M%S)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/edgebench-gpu-check.XXXXXX")
FAILED=()

log() { printf '%s [gpu-check] %s\n' "$(date +%T)" "$*"; }
first() { for p in "$@"; do if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; return; fi; done; command -v python3; }

# step NAME MAX_S COMMAND...: run within the time left (SIGINT at the limit, as Ctrl-C: edgebench keeps the
# finished cells), print the command and its exit status, remember a failure, never stop the script.
step() {
  local name=$1 max=$2 left t rc
  shift 2
  left=$((DEADLINE - $(date +%s) - RESERVE))
  t=$((max < left ? max : left))
  if [ "$t" -lt 5 ]; then log "SKIP $name: no time left"; FAILED+=("$name: skipped"); return 1; fi
  log "+ $name (at most ${t}s): $(printf '%s ' "$@" | tr '\n' ' ' | cut -c1-300)"
  timeout -s INT -k 20 "$t" "$@"
  rc=$?
  log "= $name: exit $rc"
  [ "$rc" -eq 0 ] || FAILED+=("$name: exit $rc")
  return "$rc"
}

PYTHON=${PYTHON:-$(first "$REPO/.venv/bin/python" /opt/torch/.venv/bin/python3)}
TORCH_PYTHON=${TORCH_PYTHON:-$(first "${EDGEBENCH_ENV_PYTORCH:-}" "$REPO/.envs/pytorch/bin/python" "$PYTHON")}
ORT_PYTHON=${ORT_PYTHON:-$(first "${EDGEBENCH_ENV_ONNXRUNTIME:-}" "$REPO/.envs/onnxruntime/bin/python" "$TORCH_PYTHON")}
if [ -z "${ORT_PATH+set}" ] && [ -d /tmp/ortgpu ]; then ORT_PATH=/tmp/ortgpu; fi
ORT_PATH=${ORT_PATH:-}
if [ -z "${CUDA_LIB_DIRS+set}" ]; then
  CUDA_LIB_DIRS=$("$TORCH_PYTHON" - <<'EOF' 2>/dev/null
import glob, os, sysconfig
roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
libs = [p for r in roots for p in glob.glob(os.path.join(r, "nvidia", "**", "lib*.so*"), recursive=True)]
print(":".join(sorted({os.path.dirname(p) for p in libs})))
EOF
)
fi

# ONNX Runtime's interpreter: a wrapper putting ORT_PATH first on its path and the CUDA libraries on the
# loader's (a worker's environment is whitelisted: PYTHONPATH is the runner's, LD_LIBRARY_PATH passes through).
mkdir -p "$WORK/bin"
cat > "$WORK/bin/ort-python" <<EOF
#!/bin/sh
ort_path='$ORT_PATH' libs='$CUDA_LIB_DIRS'
if [ -n "\$ort_path" ]; then PYTHONPATH="\$ort_path\${PYTHONPATH:+:\$PYTHONPATH}"; export PYTHONPATH; fi
if [ -n "\$libs" ]; then LD_LIBRARY_PATH="\$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"; export LD_LIBRARY_PATH; fi
exec '$ORT_PYTHON' "\$@"
EOF
chmod +x "$WORK/bin/ort-python"
export EDGEBENCH_ENV_PYTORCH=$TORCH_PYTHON EDGEBENCH_ENV_ONNXRUNTIME=$WORK/bin/ort-python
export EDGEBENCH_CACHE=${EDGEBENCH_CACHE:-$HOME/.cache/edgebench}
export COLUMNS=${COLUMNS:-160}

log "mode $MODE, run $RUN_ID, deadline ${TOTAL_S}s; repository $REPO ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null))"
log "PYTHON=$PYTHON TORCH_PYTHON=$TORCH_PYTHON ORT_PYTHON=$ORT_PYTHON ORT_PATH=${ORT_PATH:-none}"
log "CUDA_LIB_DIRS=${CUDA_LIB_DIRS:-none}"
log "host: $(uname -srm), $(nproc) CPUs usable, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

smi() {
  echo "== nvidia-smi, $1 ($(date +%T))"
  nvidia-smi && nvidia-smi --query-gpu=name,driver_version,pstate,temperature.gpu,power.draw,clocks.sm,clocks.mem,memory.used,memory.total --format=csv
}
step nvidia-smi 20 bash -c "$(declare -f smi); smi before" > "$OUT/nvidia-smi.txt" 2>&1
cat "$OUT/nvidia-smi.txt"

step preflight 90 env OUT="$OUT" TORCH_PYTHON="$TORCH_PYTHON" ORT="$WORK/bin/ort-python" WORK="$WORK" bash -c '
  set -x
  "$TORCH_PYTHON" -c "import torch, onnx; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda, torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else \"-\", \"onnx\", onnx.__version__)"
  "$TORCH_PYTHON" -c "import onnx; from onnx import helper as h, TensorProto as T; g = h.make_graph([h.make_node(\"Relu\", [\"x\"], [\"y\"])], \"g\", [h.make_tensor_value_info(\"x\", T.FLOAT, [None, 3])], [h.make_tensor_value_info(\"y\", T.FLOAT, [None, 3])]); m = h.make_model(g, opset_imports=[h.make_opsetid(\"\", 13)]); m.ir_version = 8; onnx.save(m, \"$WORK/relu.onnx\")"
  "$ORT" - "$WORK/relu.onnx" <<"EOF"
import sys, numpy as np, onnxruntime as ort
print("onnxruntime", ort.__version__, "from", ort.__file__)
print("available providers", ort.get_available_providers())
for providers in (["CUDAExecutionProvider", "CPUExecutionProvider"], ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]):
    try:
        s = ort.InferenceSession(sys.argv[1], providers=providers)
        print("asked", providers[0], "-> active", s.get_providers())
    except Exception as exc:
        print("asked", providers[0], "-> failed:", exc)
try:
    s = ort.InferenceSession(sys.argv[1], providers=["CUDAExecutionProvider"])
    b = s.io_binding()
    x = ort.OrtValue.ortvalue_from_numpy(np.array([[-1, 2, 3]], np.float32), "cuda", 0)
    b.bind_ortvalue_input("x", x)
    b.bind_output("y", "cuda", 0)
    s.run_with_iobinding(b)
    y = b.get_outputs()[0]
    print("io binding on cuda: input on", x.device_name(), "output on", y.device_name(), y.numpy().tolist())
except Exception as exc:
    print("io binding on cuda failed:", exc)
EOF
' > "$OUT/preflight.txt" 2>&1
cat "$OUT/preflight.txt"

GRID=(--models "$MODELS" --sources pytorch --batch-sizes "$BATCH_SIZES" --threads all)
step prepare 200 "$PYTHON" -m runner plan "${GRID[@]}" --frameworks onnxruntime,pytorch --providers "$PROVIDERS" --prepare
# The TensorRT provider once (quick: an unsupported row where TensorRT is not installed), then the grid,
# interleaved: each round runs every configuration once, so a cut-short run still has all of them.
# shellcheck disable=SC2086
step tensorrt 60 "$PYTHON" -m runner run --models "$MODELS" --sources pytorch --batch-sizes 1 --threads all \
  --frameworks onnxruntime --providers "$TRT_PROVIDERS" --repetitions 1 $BUDGET --meters none --idle-s 0 \
  --active-idle-s 0 --out "$WORK/results" --run-id "$RUN_ID"
# shellcheck disable=SC2086
step run 400 "$PYTHON" -m runner run "${GRID[@]}" --frameworks onnxruntime,pytorch --providers "$PROVIDERS" \
  --repetitions "$REPETITIONS" -o iobinding=on,off $BUDGET --meters none --idle-s 0 --active-idle-s 0 \
  --out "$WORK/results" --run-id "$RUN_ID"

RESERVE=0
step summary 20 "$PYTHON" scripts/gpu_check_summary.py "$WORK/results/$RUN_ID" "$OUT/summary.txt" "$OUT/summary.json"
step report 20 "$PYTHON" -m runner report "$WORK/results/$RUN_ID"
step nvidia-smi-after 10 bash -c "$(declare -f smi); smi after" >> "$OUT/nvidia-smi.txt" 2>&1
if [ -d "$WORK/results/$RUN_ID" ]; then
  tar -C "$WORK/results" --exclude .pythonpath -czf "$OUT/run.tar.gz" "$RUN_ID" && log "run folder: $OUT/run.tar.gz"
else
  log "no run folder was written"
fi
log "done in $(( $(date +%s) - START ))s; failed steps: ${#FAILED[@]}"
for f in "${FAILED[@]}"; do log "  failed: $f"; done
rm -rf "$WORK"
exec >&- 2>&-
wait "$TEE" 2>/dev/null  # the log is complete when the script ends
exit "${#FAILED[@]}"
