#!/usr/bin/env bash
# Create one pinned environment under /opt/envs: a venv whose packages come from a lock file.
#
#   install-env.sh NAME LOCKFILE
#   RUNNER_SRC=/src install-env.sh main none      only the runner, into an existing environment
#
# Every version comes from LOCKFILE (the same envs/*.txt that `make setup` uses), installed with
# --no-deps: the lock file is the whole environment (GPU=1 lets pip add the CUDA libraries). Variables:
#   ENVS_DIR=/opt/envs       where environments go
#   TARGET_ARCH=             the machine the environment is for (aarch64, armv7l): when it is not this
#                            one, wheels for it are installed from here (no emulation needed); this
#                            machine must run the same distribution and Python as the target
#   SYSTEM_SITE=0            1: the venv also sees Debian's packages (python3-numpy on armv7)
#   GPU=0                    1: CUDA builds (onnxruntime-gpu, tensorflow[and-cuda], torch without +cpu)
#   WHEELS=/wheels           a local wheelhouse searched first (pip --find-links), when present
#   RUNNER_SRC=              also install the runner from this source tree, with `edgebench`
#   PIP_EXTRA_INDEX_URL, PIP_INDEX_URL   as for pip (e.g. the PyTorch CPU index, piwheels)
# A CA bundle mounted as the BuildKit secret `pip_cert` is used for TLS (proxies that intercept it).
set -euo pipefail

NAME=${1:?environment name}
LOCK=${2:?lock file}
ENVS_DIR=${ENVS_DIR:-/opt/envs}
WHEELS=${WHEELS:-/wheels}
PIP=${PIP:-/opt/tools/bin/pip}
PREFIX=$ENVS_DIR/$NAME

requirements() {
  # the lock file, adapted for CUDA builds when GPU=1
  if [ "${GPU:-0}" = 1 ]; then
    sed -e 's/^onnxruntime==/onnxruntime-gpu==/' -e 's/^tensorflow_cpu==/tensorflow[and-cuda]==/' \
        -e 's/^tensorflow-cpu==/tensorflow[and-cuda]==/' -e 's/^\(torch==[^+]*\)+cpu/\1/' "$LOCK"
  else
    cat "$LOCK"
  fi
}

platform_args() {
  # pip's tags for TARGET_ARCH on this distribution's glibc (the target runs the same base)
  local arch=$1 glibc minor
  glibc=$(python3 -c 'import platform; print(platform.libc_ver()[1])')
  echo "--only-binary=:all: --implementation cp --python-version $(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  echo "--platform linux_$arch"
  [ "$arch" = armv7l ] || echo "--platform manylinux2014_$arch"
  for minor in $(seq 17 "${glibc#2.}"); do echo "--platform manylinux_2_${minor}_$arch"; done
}

install_runner() {
  # the runner (pure Python) and its `edgebench` command, for the orchestrator's environment
  local site=$1 wheel=/tmp/runner-wheel
  "$PIP" wheel -q --no-deps --disable-pip-version-check -w "$wheel" "$RUNNER_SRC"
  "$PIP" install -q --no-deps --disable-pip-version-check --target "$site" "$wheel"/*.whl
  rm -rf "$wheel" "${site:?}/bin"
  printf '#!%s\nimport sys\nfrom runner.cli.main import main\nsys.exit(main())\n' "$PREFIX/bin/python" \
    >"$PREFIX/bin/edgebench"
  chmod +x "$PREFIX/bin/edgebench"
}

main() {
  [ -x "$PIP" ] || python3 -m venv /opt/tools
  if [ -f /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi
  local site args=(--disable-pip-version-check --no-input --progress-bar off -q)
  # the lock file is the whole environment; CUDA builds (GPU=1) bring their own CUDA libraries
  [ "${GPU:-0}" = 1 ] || args+=(--no-deps)
  local venv_args=(--without-pip)
  [ "${SYSTEM_SITE:-0}" = 1 ] && venv_args+=(--system-site-packages)
  [ -e "$PREFIX/bin/python" ] || python3 -m venv "${venv_args[@]}" "$PREFIX"
  site=$("$PREFIX/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))' 2>/dev/null \
         || echo "$PREFIX/lib/python$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')/site-packages")
  [ -d "$WHEELS" ] && args+=(--find-links "$WHEELS")
  if [ -n "${TARGET_ARCH:-}" ] && [ "$TARGET_ARCH" != "$(uname -m)" ]; then
    local tags; mapfile -t tags < <(platform_args "$TARGET_ARCH" | tr ' ' '\n')
    args+=("${tags[@]}")
  fi
  if [ "$LOCK" != none ]; then
    requirements >/tmp/requirements-"$NAME".txt
    "$PIP" install "${args[@]}" --target "$site" -r /tmp/requirements-"$NAME".txt
    rm -rf "${site:?}/bin" /tmp/requirements-"$NAME".txt
  fi
  if [ -n "${RUNNER_SRC:-}" ]; then install_runner "$site"; fi
  echo "install-env: $NAME from $LOCK -> $PREFIX ($(du -sh "$PREFIX" | cut -f1))"
}

main "$@"
