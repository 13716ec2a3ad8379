#!/usr/bin/env bash
# pip's option for the PyTorch CPU wheel index, for a lock file that pins a +cpu build:
#   scripts/torch-index.sh LOCK [URL]        (URL default: $TORCH_INDEX_URL)
# prints `--extra-index-url URL` when LOCK pins a `+cpu` version and URL answers within TIMEOUT_S (default 5)
# seconds, else nothing. PyPI has no +cpu builds, so a fresh machine needs the index; a machine whose pip
# finds the wheel elsewhere (a find-links folder, a mirror) does not, and an index that does not answer would
# cost pip its retries on every package of the lock file.
set -euo pipefail

lock=${1:?usage: torch-index.sh LOCK [URL]}
url=${2:-${TORCH_INDEX_URL:-}}
[ -n "$url" ] || exit 0
grep -q '^[^#]*==[^#]*+cpu' "$lock" || exit 0
if "${PYTHON:-python3}" - "$url" "${TIMEOUT_S:-5}" <<'PY' 2>/dev/null; then
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])).close()
PY
  echo "--extra-index-url $url"
else
  echo "torch-index: $url does not answer; pip looks for the +cpu pins of $lock in its own indexes" >&2
fi
