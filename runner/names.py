"""Names that become paths: run ids, adapter option values and the cell ids built from them (DESIGN §7).

One alphabet for every name a user gives that ends up in a file or folder name::

    letters, digits, '.', '_' and '-'; starting with a letter or a digit; at most 64 characters

so ``..``, ``/abs/path``, ``.`` (the results folder itself), hidden names and control characters are
refused before anything is written (``UsageError``: one line, exit 2). A cell id is made only of catalog
names (model, framework, source, provider), integers and validated option values joined by ``-`` and
``=``; :func:`check_cell_ids` bounds its length so every part name fits a file system's 255 bytes.
:func:`inside` is the sink's last guard: a path it writes must stay inside the run folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from runner.errors import GridError, OutputError, UsageError

MAX_NAME = 64
MAX_CELL_ID = 190
MAX_PART_NAME = 220  # "idle-before-<cell id>"; ".part-<name>.parquet.XXXXXXXX" (a temporary name) fits 255
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
CELL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=-]*")
RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters"


def printable(value: object, limit: int = 80) -> str:
    """``value`` quoted for a one-line message: control characters and non-ASCII shown as escapes."""
    text = str(value)
    shown = text[:limit].encode("ascii", "backslashreplace").decode("ascii")
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in shown)
    return f"'{shown}'" + ("…" if len(text) > limit else "")


def is_valid(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_NAME and NAME.fullmatch(value) is not None


def check(kind: str, value: object, hint: str = "") -> str:
    """``value`` when it is a valid name, else a :class:`UsageError` naming ``kind`` and the rule."""
    if not is_valid(value):
        raise UsageError(f"invalid {kind} {printable(value)}: use {RULE}", hint or f"e.g. {kind.split()[-1]}-1")
    return value  # type: ignore[return-value]


def check_run_id(run_id: object) -> str:
    return check("run id", run_id, "a run id names a folder inside --out, e.g. --run-id lab-1")


def check_cell_ids(cell_ids: Iterable[str]) -> None:
    """Every cell id is a single file-name component of bounded length (options make ids grow)."""
    for cell_id in cell_ids:
        if len(cell_id) > MAX_CELL_ID or CELL_ID.fullmatch(cell_id) is None:
            raise GridError(f"cell id {printable(cell_id)} is too long or malformed ({len(cell_id)} characters, "
                            f"at most {MAX_CELL_ID})", "use shorter adapter option values or fewer options")


def check_part_name(name: str) -> str:
    """The sink's guard on a part or log name: one file-name component of the cell-id alphabet."""
    if len(name) > MAX_PART_NAME or CELL_ID.fullmatch(name) is None:
        raise OutputError(f"refusing to write a part named {printable(name)}: not a valid cell id",
                          "cell ids are made only of validated names; report this as a bug")
    return name


def inside(root: Path, path: Path) -> Path:
    """``path`` when it stays inside ``root`` (links resolved), else an :class:`OutputError`."""
    base = Path(root).resolve()
    full = Path(path).resolve()
    if full != base and base not in full.parents:
        raise OutputError(f"refusing to write {path}: it is outside the run folder {root}",
                          "run ids and option values may use only " + RULE)
    return Path(path)
