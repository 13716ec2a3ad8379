#!/usr/bin/env bash
# Create pinned environments under /opt/envs: venvs whose packages come from lock files.
#
#   install-env.sh --plan PLAN LOCKS_DIR          every framework environment of an image, the same way
#                                                 (NAME may be a version set's SET/NAME: ENVS_DIR/SET/NAME)
#   install-env.sh NAME LOCKFILE                  one environment (the orchestrator's: main)
#   RUNNER_SRC=/src install-env.sh main none      only the runner, into an existing environment
#
# PLAN is what `python3 -m runner.catalog plan --arch ARCH [--with NAMES] [--legacy]` prints, read from
# the frameworks' catalog records: one line per environment, `NAME LOCK GPU_EDITS`, LOCK a file in
# LOCKS_DIR (the envs/ folder), GPU_EDITS a sed script that turns the lock file into the CUDA build's
# (`-`: the environment has no CUDA build). Every version comes from the lock file (the same envs/*.txt
# that `make setup` uses), installed with --no-deps: the lock file is the whole environment. Variables:
#   ENVS_DIR=/opt/envs       where environments go
#   TARGET_ARCH=             the machine the environment is for (aarch64, armv7l): when it is not this
#                            one, wheels for it are installed from here (no emulation needed); this
#                            machine must run the same distribution and Python as the target
#   SYSTEM_SITE=0            1: the venv also sees Debian's packages (python3-numpy on armv7)
#   GPU=0                    1: CUDA builds where the plan has GPU_EDITS (pip may then add CUDA libraries)
#   WHEELS=/wheels           a local wheelhouse searched first (pip --find-links), when present
#   RUNNER_SRC=              also install the runner from this source tree, with `edgebench`
#   DRY_RUN=0                1: print the requirements and pip commands instead of running pip (tests)
#   PIP_EXTRA_INDEX_URL, PIP_INDEX_URL   as for pip (e.g. the PyTorch CPU index, piwheels)
# A CA bundle mounted as the BuildKit secret `pip_cert` is used for TLS (proxies that intercept it).
set -euo pipefail

ENVS_DIR=${ENVS_DIR:-/opt/envs}
WHEELS=${WHEELS:-/wheels}
PIP=${PIP:-/opt/tools/bin/pip}

pip_run() {
  if [ "${DRY_RUN:-0}" = 1 ]; then echo "pip $*"; else "$PIP" "$@"; fi
}

requirements() {  # requirements LOCK EDITS: the lock file, as the CUDA build's when GPU=1 and EDITS apply
  if cuda_build "$2"; then sed -e "$2" "$1"; else cat "$1"; fi
}

cuda_build() {  # cuda_build EDITS: is this environment a CUDA build?
  [ "${GPU:-0}" = 1 ] && [ -n "$1" ] && [ "$1" != - ]
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

install_runner() {  # install_runner PREFIX SITE: the runner (pure Python) and its `edgebench` command
  local prefix=$1 site=$2 wheel=/tmp/runner-wheel
  pip_run wheel -q --no-deps --disable-pip-version-check -w "$wheel" "$RUNNER_SRC"
  pip_run install -q --no-deps --disable-pip-version-check --target "$site" "$wheel"/*.whl
  rm -rf "$wheel" "${site:?}/bin"
  printf '#!%s\nimport sys\nfrom runner.cli.main import main\nsys.exit(main())\n' "$prefix/bin/python" \
    >"$prefix/bin/edgebench"
  chmod +x "$prefix/bin/edgebench"
}

install() {  # install NAME LOCK EDITS: one environment
  local name=$1 lock=$2 edits=${3:--} prefix=$ENVS_DIR/$1 site
  local args=(--disable-pip-version-check --no-input --progress-bar off -q)
  # the lock file is the whole environment; CUDA builds (GPU=1) bring their own CUDA libraries
  cuda_build "$edits" || args+=(--no-deps)
  local venv_args=(--without-pip)
  [ "${SYSTEM_SITE:-0}" = 1 ] && venv_args+=(--system-site-packages)
  [ -e "$prefix/bin/python" ] || python3 -m venv "${venv_args[@]}" "$prefix"
  site=$("$prefix/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))' 2>/dev/null \
         || echo "$prefix/lib/python$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')/site-packages")
  [ -d "$WHEELS" ] && args+=(--find-links "$WHEELS")
  if [ -n "${TARGET_ARCH:-}" ] && [ "$TARGET_ARCH" != "$(uname -m)" ]; then
    local tags; mapfile -t tags < <(platform_args "$TARGET_ARCH" | tr ' ' '\n')
    args+=("${tags[@]}")
  fi
  if [ "$lock" != none ]; then
    local req; req=$(mktemp /tmp/requirements-"${name//\//-}".XXXXXX)
    requirements "$lock" "$edits" >"$req"
    if [ "${DRY_RUN:-0}" = 1 ]; then sed "s|^|$name requires: |" "$req"; fi
    pip_run install "${args[@]}" --target "$site" -r "$req"
    rm -rf "${site:?}/bin" "$req"
  fi
  if [ -n "${RUNNER_SRC:-}" ]; then install_runner "$prefix" "$site"; fi
  echo "install-env: $name from $lock -> $prefix ($(du -sh "$prefix" | cut -f1))"
}

install_plan() {  # install_plan PLAN LOCKS_DIR: every environment of the plan
  local plan=$1 dir=$2 name lock edits
  while read -r name lock edits; do
    [ -n "$name" ] || continue
    install "$name" "$dir/$lock" "$edits"
  done <"$plan"
}

main() {
  [ -x "$PIP" ] || [ "${DRY_RUN:-0}" = 1 ] || python3 -m venv /opt/tools
  if [ -f /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi
  if [ "${1:-}" = --plan ]; then
    install_plan "${2:?plan file}" "${3:?folder of the lock files}"
  else
    install "${1:?environment name}" "${2:?lock file}" -
  fi
}

main "$@"
