#!/bin/sh
# Python 3.9 of the bullseye root copied to /opt/legacy, run by that root's own loader and libraries
# (bookworm's glibc cannot load bullseye's libpython), with a legacy environment on its path: the one
# whose bin/python links here (/opt/envs/<name>/bin/python, or a version set's
# /opt/envs/<set>/<name>/bin/python -> /opt/legacy/python).
set -eu
L=/opt/legacy
ENV_DIR=$(dirname "$(dirname "$0")")
SITE=$L/opt/envs/${ENV_DIR#/opt/envs/}/lib/python3.9/site-packages
export PYTHONHOME=$L/usr
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$SITE"
exec "$L/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
  --library-path "$L/lib/x86_64-linux-gnu:$L/usr/lib/x86_64-linux-gnu:$L/usr/lib" \
  "$L/usr/bin/python3.9" "$@"
