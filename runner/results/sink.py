"""Results on disk (DESIGN §7): a manifest and one Parquet part per cell per table, written atomically.

    results/<run_id>/manifest.json
    results/<run_id>/cells/part-<cell_id>.parquet
    results/<run_id>/latencies/part-<cell_id>.parquet
    results/<run_id>/power/part-<cell_id>.parquet
    results/<run_id>/thermal/part-<cell_id>.parquet
    results/<run_id>/logs/<cell_id>.log

A part is written to a temporary name, synced and renamed (``runner.results.files``), so a reader (or a
resumed run) never sees half a part. The cells part is written last: its presence marks the cell finished,
and a re-run with the same run id skips it. A cell's parts are written all or none: a failure (out of
space) removes the ones already written, and a signal waits until they are all there. Latencies are
written column-wise (one array per column, never a dict per iteration), so a cell of 10^5 iterations
costs milliseconds; a row's ``warnings`` list becomes one ``' | '``-joined string here.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Sequence, Set

from runner import interrupts, names
from runner.errors import OutputError, RunStateError
from runner.results import files, resume
from runner.results.lock import RunLock

TABLE_NAMES = ("cells", "latencies", "power", "thermal")
WORK = ".work"
PART_SUFFIXES = (".parquet", ".jsonl")


def replace_atomically(final: Path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` for a temporary file next to ``final``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.")
    os.close(fd)
    try:
        write(tmp)
        files.make_durable(tmp)
        os.replace(tmp, final)
        files.fsync_dir(final.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(final: Path, table: str, rows: List[Dict[str, Any]]) -> None:
    """One Parquet part of ``table`` (its schema, zstd), written atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from runner.results.schema import TABLES

    schema = TABLES[table]
    data = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)
    replace_atomically(final, lambda tmp: pq.write_table(data, tmp, compression="zstd"))


def write_latencies_parquet(final: Path, run_id: str, cell_id: str, latencies_s: Sequence[float]) -> None:
    """The latencies part of one cell, built column by column (no Python object per iteration)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from runner.results.schema import LATENCIES

    n = len(latencies_s)
    columns = {"run_id": pa.repeat(pa.scalar(run_id, pa.string()), n),
               "cell_id": pa.repeat(pa.scalar(cell_id, pa.string()), n),
               "iteration": pa.array(np.arange(n, dtype=np.int64)),
               "latency_s": pa.array(np.asarray(latencies_s, dtype=np.float64))}
    data = pa.Table.from_pydict({f.name: columns[f.name] for f in LATENCIES}, schema=LATENCIES)
    replace_atomically(final, lambda tmp: pq.write_table(data, tmp, compression="zstd",
                                                         use_dictionary=["run_id", "cell_id"]))


def stored(row: Dict[str, Any]) -> Dict[str, Any]:
    """A cells row as stored: its ``warnings`` list joined into one string (None when empty)."""
    from runner.results.schema import WARNING_SEP

    warnings = row.get("warnings")
    if isinstance(warnings, (list, tuple)):
        row = dict(row, warnings=WARNING_SEP.join(warnings) or None)
    return row


class Sink:
    """Writes a run's parts as Parquet; :class:`runner.results.spool.SpoolSink` writes JSON Lines."""

    def __init__(self, out: Path, run_id: str) -> None:
        self.run_id = names.check_run_id(run_id)
        self.run_dir = Path(out).absolute() / run_id
        self.lock = RunLock(self.run_dir)
        self.damaged: List[str] = []  # one line per damaged part moved aside by finished()

    def open(self) -> None:
        """Create the run folders, lock them for this process, remove what an interrupted run left
        (temporary parts, worker folders), and prove there is room to write, before the first cell runs."""
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self.lock.acquire()
            for sub in (*TABLE_NAMES, "logs", WORK):
                (self.run_dir / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot write results to {self.run_dir}: {exc.strerror or exc}",
                "pass a writable folder with --out (and check the volume is mounted read-write)",
            ) from None
        self._sweep()
        files.check_space(self.run_dir)

    def close(self) -> None:
        self.lock.release()

    @contextmanager
    def opened(self) -> Iterator[Sink]:
        """``open()`` … ``close()``: the run folder is locked inside the block."""
        try:
            self.open()
            yield self
        finally:
            self.close()

    def _sweep(self) -> None:
        """Temporary files of an earlier run that was killed (we hold the lock: nobody else writes here)."""
        stale = [p for t in TABLE_NAMES for p in (self.run_dir / t).glob(".part-*")]
        stale += list(self.run_dir.glob(".manifest.json.*")) + list(self.run_dir.glob(".write-test-*"))
        for path in stale:
            path.unlink(missing_ok=True)
        for path in (self.run_dir / WORK).iterdir():
            shutil.rmtree(path, ignore_errors=True)

    def finished(self) -> Set[str]:
        """Cell ids whose cells part (Parquet, or spooled JSON Lines not yet compacted) reads back; a part
        that does not is moved aside with its cell's other parts (``damaged``: one line each) and its cell
        runs again (``runner.results.resume``)."""
        from runner.results.schema import SCHEMA_VERSION

        done: Set[str] = set()
        for path in sorted((self.run_dir / "cells").glob("part-*")):
            if path.suffix not in PART_SUFFIXES:
                continue
            cell_id = path.name[len("part-"):-len(path.suffix)]
            problem = resume.part_problem(path, self.run_id, cell_id, SCHEMA_VERSION)
            if problem is None:
                done.add(cell_id)
                continue
            with files.writing(self.run_dir / resume.DAMAGED):
                moved = resume.move_aside(self.run_dir, cell_id, TABLE_NAMES)
            self.damaged.append(f"{path.relative_to(self.run_dir)} is damaged ({problem}): moved to "
                                f"{moved[-1].parent.parent.relative_to(self.run_dir)}/, the cell runs again")
        return done

    def write_cell(self, cell_id: str, cell_row: Dict[str, Any], latencies_s: Sequence[float],
                   power: Iterable[Dict[str, Any]] = (), thermal: Iterable[Dict[str, Any]] = ()) -> None:
        """One cell's parts: its latencies (seconds, in order), its meter and thermal samples, then its row."""
        power, thermal = list(power), list(thermal)
        written: List[str] = []
        with interrupts.deferred():  # a signal waits until the cell's parts are all written
            try:
                if len(latencies_s):
                    self._write_latencies(cell_id, latencies_s)
                    written.append("latencies")
                for table, rows in (("power", power), ("thermal", thermal)):
                    if rows:
                        self._write(table, cell_id, rows)
                        written.append(table)
                self._write("cells", cell_id, [stored(cell_row)])
            except BaseException:
                for table in written:  # all or none: the cell runs again on resume
                    for suffix in PART_SUFFIXES:
                        self.part_path(table, cell_id, suffix).unlink(missing_ok=True)
                raise

    def write_power(self, name: str, rows: List[Dict[str, Any]]) -> None:
        if rows:
            self._write("power", name, rows)

    def _write(self, table: str, name: str, rows: List[Dict[str, Any]]) -> None:
        path = self.part_path(table, name, ".parquet")
        with files.writing(path):
            write_parquet(path, table, rows)

    def part_path(self, table: str, name: str, suffix: str) -> Path:
        """``<run>/<table>/part-<name><suffix>``, checked to be a single name inside the run folder."""
        names.check_part_name(name)
        return names.inside(self.run_dir, self.run_dir / table / f"part-{name}{suffix}")

    def log_path(self, cell_id: str) -> Path:
        names.check_part_name(cell_id)
        return names.inside(self.run_dir, self.run_dir / "logs" / f"{cell_id}.log")

    def _write_latencies(self, cell_id: str, latencies_s: Sequence[float]) -> None:
        path = self.part_path("latencies", cell_id, ".parquet")
        with files.writing(path):
            write_latencies_parquet(path, self.run_id, cell_id, latencies_s)

    def write_manifest(self, manifest: Dict[str, Any]) -> None:
        text = json.dumps(manifest, indent=2, sort_keys=True, default=str)
        path = self.run_dir / "manifest.json"
        with files.writing(path), interrupts.deferred():
            replace_atomically(path, lambda tmp: Path(tmp).write_text(text))

    def work_dir(self) -> Path:
        """Where workers get their temporary folders: inside the run, swept when the run is opened again."""
        return self.run_dir / WORK

    def read_manifest(self) -> Dict[str, Any]:
        """The run's manifest ({} for a new run); a damaged one is a ``RunStateError`` (exit 3)."""
        path = self.run_dir / "manifest.json"
        if not path.exists():
            return {}
        try:
            manifest = json.loads(path.read_text())
            problem = "" if isinstance(manifest, dict) else f"a JSON {type(manifest).__name__}, not an object"
        except (OSError, ValueError) as exc:
            problem = str(exc)
        if problem:
            raise RunStateError(f"{path} is damaged ({problem})",
                                f"move it aside (mv {path} {path}.damaged; the cells are kept) and re-run "
                                "with --allow-mixed, or pass another --run-id")
        return manifest


def make_sink(out: Path, run_id: str) -> Sink:
    """The Parquet sink, or the JSON Lines spool where pyarrow is missing (armv7) or EDGEBENCH_SPOOL=1."""
    from runner.results.spool import SpoolSink

    if os.environ.get("EDGEBENCH_SPOOL") == "1":
        return SpoolSink(out, run_id)
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return SpoolSink(out, run_id)
    return Sink(out, run_id)
