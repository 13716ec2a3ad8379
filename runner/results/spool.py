"""Results as JSON Lines, for hosts without pyarrow (armv7), and their compaction to Parquet (DESIGN §7).

The spool has the sink's layout, with ``.jsonl`` parts instead of ``.parquet`` ones::

    results/<run_id>/manifest.json
    results/<run_id>/cells/part-<cell_id>.jsonl        one JSON object per line, one line per row
    results/<run_id>/latencies/part-<cell_id>.jsonl
    results/<run_id>/power/part-<cell_id>.jsonl
    results/<run_id>/thermal/part-<cell_id>.jsonl

Parts are written to a temporary name and renamed, the cells part last, as the Parquet sink does, so a
re-run with the same run id resumes. Writing needs only the standard library. ``compact`` (``edgebench
compact``, on any host with pyarrow) turns every ``.jsonl`` part into the ``.parquet`` part the Parquet
sink would have written, with the same schema.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Dict, List, Sequence

from runner import interrupts
from runner.errors import RunStateError
from runner.results import files
from runner.results.lock import RunLock
from runner.results.sink import TABLE_NAMES, Sink, replace_atomically, write_parquet

SUFFIX = ".jsonl"


def _default(value: Any) -> Any:
    """JSON for what rows hold besides JSON types: datetimes (ISO 8601), numpy scalars and arrays."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


class SpoolSink(Sink):
    """The sink, writing each part as JSON Lines (standard library only)."""

    def _write(self, table: str, name: str, rows: List[Dict[str, Any]]) -> None:
        text = "".join(json.dumps(row, default=_default, allow_nan=True) + "\n" for row in rows)
        path = self.part_path(table, name, SUFFIX)
        with files.writing(path):
            replace_atomically(path, lambda tmp: Path(tmp).write_text(text))

    def _write_latencies(self, cell_id: str, latencies_s: Sequence[float]) -> None:
        """One JSON line per iteration (the latencies table's rows), formatted without a dict per row."""
        head = json.dumps({"run_id": self.run_id, "cell_id": cell_id})[:-1]
        text = "".join(f'{head}, "iteration": {i}, "latency_s": {float(x)!r}}}\n' for i, x in enumerate(latencies_s))
        path = self.part_path("latencies", cell_id, SUFFIX)
        with files.writing(path):
            replace_atomically(path, lambda tmp: Path(tmp).write_text(text))


def spooled_parts(run_dir: Path) -> List[Path]:
    """Every ``.jsonl`` part of a run, cells last (a compacted cells part marks its cell finished)."""
    order = {name: i for i, name in enumerate(("latencies", "power", "thermal", "cells"))}
    parts = [p for t in TABLE_NAMES for p in (run_dir / t).glob(f"part-*{SUFFIX}")]
    return sorted(parts, key=lambda p: (order[p.parent.name], p.name))


def _read_rows(path: Path) -> List[Dict[str, Any]]:
    """The rows of a spooled part; a line that is not a JSON object is a ``RunStateError`` naming it."""
    rows = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise _broken(path, f"line {number} is not valid JSON ({exc})") from None
        if not isinstance(row, dict):
            raise _broken(path, f"line {number} is a JSON {type(row).__name__}, not an object")
        rows.append(row)
    return rows


def _broken(path: Path, problem: str) -> RunStateError:
    return RunStateError(f"cannot compact {path}: {problem}; nothing was converted",
                         "move that part aside (a re-run with the same --run-id on the device measures its cell "
                         "again), then compact again; the other parts are untouched")


def check_part(path: Path) -> None:
    """Read and type one spooled part as compaction will, raising ``RunStateError`` if it cannot be."""
    import pyarrow as pa

    from runner.results.schema import TABLES

    schema = TABLES[path.parent.name]
    try:
        pa.Table.from_pylist(_typed(_read_rows(path), schema), schema=schema)
    except (ValueError, TypeError, pa.ArrowException) as exc:
        raise _broken(path, f"its rows do not fit the schema ({str(exc)[:160]})") from None


def _typed(rows: List[Dict[str, Any]], schema: Any) -> List[Dict[str, Any]]:
    """Rows with the schema's fields only, timestamps parsed back from ISO 8601."""
    import pyarrow as pa

    stamps = {f.name for f in schema if pa.types.is_timestamp(f.type)}
    out = []
    for row in rows:
        typed = {f.name: row.get(f.name) for f in schema}
        for name in stamps:
            if isinstance(typed[name], str):
                typed[name] = dt.datetime.fromisoformat(typed[name])
        out.append(typed)
    return out


def compact_part(path: Path, keep: bool = False) -> Path:
    """Write the Parquet part of one spooled part (the sink's schema and compression); returns it."""
    from runner.results.schema import TABLES

    final = path.with_suffix(".parquet")
    write_parquet(final, path.parent.name, _typed(_read_rows(path), TABLES[path.parent.name]))
    if not keep:
        path.unlink()
    return final


def compact(run_dir: Path, keep: bool = False) -> Dict[str, int]:
    """Compact every spooled part of one run (under its lock); returns the number of parts per table.

    Every part is read and typed first: a broken one stops compaction before anything is converted. The
    ``.jsonl`` parts are removed only once every Parquet part is written."""
    counts = {name: 0 for name in TABLE_NAMES}
    with RunLock(run_dir):
        parts = spooled_parts(run_dir)
        for part in parts:
            check_part(part)
        for part in parts:
            compact_part(part, keep=True)
            counts[part.parent.name] += 1
        if not keep:
            with interrupts.deferred():
                for part in parts:
                    part.unlink()
    return counts
