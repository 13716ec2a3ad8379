#!/usr/bin/env bash
# Create the Caffe2 environment (Python 3.9 + envs/caffe2.txt) at ENV_DIR:
#   scripts/caffe2/setup-env.sh ENV_DIR
#   scripts/caffe2/setup-env.sh --check     exit 0 if it can be made here, else print why not and exit 1
# With a Python 3.9 interpreter (PYTHON39, else python3.9 on PATH; e.g. in a bullseye image) it is a plain
# venv. Otherwise bullseye's Python 3.9 is unpacked into ROOTFS (bullseye-rootfs.sh) and ENV_DIR/bin/python
# is a wrapper that runs it on the host through bullseye's own dynamic loader, so host paths (request
# files, the artifact cache, the checkout on PYTHONPATH) are seen as they are.
# Variables: PYTHON39, ROOTFS (default: ENV_DIR/../bullseye), HOST_PYTHON (an interpreter with pip, used
# once to fetch pip for the unpacked Python; default python3), REQUIREMENTS (default envs/caffe2.txt),
# CHECK (Python code run in the new environment at the end; default: Caffe2's import). The version sets on
# Python 3.9 (envs/sets/<set>/, mk/sets.mk) are made the same way, with their own REQUIREMENTS and CHECK.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
env_dir=${1:?usage: setup-env.sh ENV_DIR | --check}
requirements=${REQUIREMENTS:-$here/../../envs/caffe2.txt}
pip_version=${PIP_VERSION:-24.3.1}
pip_flags=(--disable-pip-version-check --no-input --progress-bar off -q)

loader_name() {
  case "$(uname -m)" in
    x86_64) echo ld-linux-x86-64.so.2 ;;
    aarch64) echo ld-linux-aarch64.so.1 ;;
    *) echo "no bullseye Python route for $(uname -m) (x86_64 and aarch64 only); set PYTHON39" >&2; return 1 ;;
  esac
}

triplet() {
  case "$(uname -m)" in x86_64) echo x86_64-linux-gnu ;; aarch64) echo aarch64-linux-gnu ;; esac
}

native_venv() {
  # A plain venv from a Python 3.9 that runs here.
  "$1" -m venv "$env_dir" 2>/dev/null || { rm -rf "$env_dir"; "$1" -m venv --without-pip "$env_dir"; bootstrap_pip; }
}

write_wrapper() {
  # ENV_DIR/bin/python{,3,3.9}: bullseye's loader, bullseye's libraries, the venv's interpreter link.
  local root=$1 lib bin
  lib="$root/lib/$(triplet):$root/usr/lib/$(triplet)"
  bin=$(cd "$env_dir/bin" && pwd)
  mv "$bin/python3.9" "$bin/python3.9-bullseye"
  rm -f "$bin/python" "$bin/python3"
  printf '#!/bin/sh\n# Python 3.9 from %s, run through its own dynamic loader.\nexec "%s" --library-path "%s" "%s" "$@"\n' \
    "$root" "$root/lib/$(triplet)/$(loader_name)" "$lib" "$bin/python3.9-bullseye" > "$bin/python"
  chmod +x "$bin/python"
  ln -s python "$bin/python3"
  ln -s python "$bin/python3.9"
  # Subprocesses that run sys.executable (pip does) must go through the wrapper too.
  echo 'import os, sys; sys.executable = os.path.join(sys.prefix, "bin", "python")' \
    > "$env_dir/lib/python3.9/site-packages/_bullseye_executable.pth"
}

bootstrap_pip() {
  # The venv has no pip: fetch pip's wheel with the host's pip and run pip from it to install itself.
  local tmp
  tmp=$(mktemp -d)
  "${HOST_PYTHON:-python3}" -m pip download "${pip_flags[@]}" --no-deps --only-binary=:all: \
    "pip==$pip_version" -d "$tmp"
  local wheel=("$tmp"/pip-*.whl)
  "$env_dir/bin/python" "${wheel[0]}/pip" install "${pip_flags[@]}" --no-index "${wheel[0]}"
  rm -rf "$tmp"
}

rootfs_venv() {
  local root=${ROOTFS:-$(dirname "$env_dir")/bullseye}
  loader_name >/dev/null
  mkdir -p "$(dirname "$root")"
  # one root serves several environments (made one after another, or side by side with make -j)
  ( flock 9; "$here/bullseye-rootfs.sh" --current "$root" || "$here/bullseye-rootfs.sh" "$root" ) 9>"$root.lock"
  root=$(cd "$root" && pwd)
  "$root/lib/$(triplet)/$(loader_name)" --library-path "$root/lib/$(triplet):$root/usr/lib/$(triplet)" \
    "$root/usr/bin/python3.9" -m venv --without-pip "$env_dir"
  write_wrapper "$root"
  bootstrap_pip
}

python39() {
  # A Python 3.9 that runs here, if any.
  local py39=${PYTHON39:-$(command -v python3.9 || true)}
  if [ -n "$py39" ] && "$py39" -c 'import sys, venv; assert sys.version_info[:2] == (3, 9)' 2>/dev/null; then
    echo "$py39"
  fi
}

check() {
  # Why the environment cannot be made here (nothing printed: it can).
  [ -n "$(python39)" ] && return 0
  loader_name >/dev/null 2>&1 || { echo "no Python 3.9 here, and $(uname -m) has no bullseye route (x86_64, aarch64)"; return 1; }
  [ "$(id -u)" = 0 ] || { echo "no Python 3.9 here, and unpacking bullseye's needs root (debootstrap); set PYTHON39"; return 1; }
  command -v dpkg-deb >/dev/null || { echo "no Python 3.9 here, and no dpkg-deb to unpack bullseye's"; return 1; }
  command -v debootstrap >/dev/null || command -v apt-get >/dev/null \
    || { echo "no Python 3.9 here, and neither debootstrap nor apt-get to get it"; return 1; }
  [ -n "${MIRROR:-$("$here/bullseye-rootfs.sh" --mirror)}" ] \
    || { echo "no Python 3.9 here, and no Debian mirror in the apt sources; set MIRROR"; return 1; }
}

main() {
  local py39
  py39=$(python39)
  rm -rf "$env_dir"
  if [ -n "$py39" ]; then
    native_venv "$py39"
  else
    rootfs_venv
  fi
  "$env_dir/bin/python" -m pip install "${pip_flags[@]}" "pip==$pip_version"
  "$env_dir/bin/python" -m pip install "${pip_flags[@]}" --only-binary=:all: -r "$requirements"
  "$env_dir/bin/python" -c "${CHECK:-$caffe2_check}"
}

caffe2_check='from caffe2.python import core, workspace; import torch, sys
print("caffe2 environment: Python %s, torch %s" % (sys.version.split()[0], torch.__version__))'

if [ "$env_dir" = --check ]; then
  check
else
  main
fi
