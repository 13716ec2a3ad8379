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

from runner.results import files
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
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


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
    """Compact every spooled part of one run; returns the number of parts per table."""
    counts = {name: 0 for name in TABLE_NAMES}
    for part in spooled_parts(run_dir):
        compact_part(part, keep)
        counts[part.parent.name] += 1
    return counts
