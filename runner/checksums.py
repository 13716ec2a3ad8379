"""sha256 checks of the artifact cache's entries, and the typed error of a cache that cannot be written.

An artifact (a folder) lists its files' sha256 in ``artifact.json``; a weights or reference file (one
file) has ``<file>.sha256`` beside it, in sha256sum's format. An entry is used only when it matches.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

from runner.errors import OutputError
from runner.results import files


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_tree(root: Path) -> Dict[str, str]:
    return {str(p.relative_to(root)): sha256_file(p)
            for p in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "artifact.json")}


def sidecar(path: Path) -> Path:
    """``<file>.sha256`` beside a single-file entry."""
    return path.with_name(path.name + ".sha256")


def verify_file(path: Path) -> Optional[dict]:
    """``{"sha256": ...}`` when the file matches its sidecar, else None (missing, unreadable or changed)."""
    try:
        recorded = sidecar(path).read_text().split()[0]
        return {"sha256": recorded} if sha256_file(path) == recorded else None
    except (OSError, IndexError):
        return None


def verify_tree(path: Path) -> Optional[dict]:
    """The artifact's metadata when every file matches its recorded sha256, else None."""
    try:
        meta = json.loads((path / "artifact.json").read_text())
        return meta if isinstance(meta, dict) and sha256_tree(path) == meta.get("files") else None
    except (OSError, ValueError):
        return None


def read_marker(marker: Path) -> Optional[Dict[str, str]]:
    """A rejected conversion remembered on disk, or None when the marker is absent or cannot be read."""
    try:
        cached = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    ok = isinstance(cached, dict) and all(isinstance(cached.get(k), str) for k in ("error_class", "error_message"))
    return cached if ok else None


@contextmanager
def writing(root: Path, entry: Path) -> Iterator[None]:
    """A cache that cannot be written (read-only, a file, out of space) is an OutputError naming the entry."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in files.OUT_OF_SPACE + files.NOT_WRITABLE:
            raise
        raise OutputError(f"the artifact cache {root} cannot be written ({exc.strerror}: {exc.filename or entry}) "
                          f"and lacks {entry}", "set EDGEBENCH_CACHE to a writable folder, or build the cache where "
                          "it is writable (`edgebench plan --prepare`) and copy it here") from None
