"""The JSON Lines spool (hosts without pyarrow) and `edgebench compact`: the same Parquet as the sink."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import FAST, REPO, read_cells


def test_compact_matches_the_parquet_schema(tmp_path):
    """`edgebench compact` writes the schema the Parquet sink writes (no Docker needed)."""
    import pyarrow.parquet as pq

    from runner.results.schema import SCHEMA_VERSION, TABLES
    from runner.results.spool import SpoolSink

    with SpoolSink(tmp_path, "r").opened() as sink:  # the run folder is locked inside the block
        sink.write_manifest({"run_id": "r"})
        sink.write_cell("c1", {"run_id": "r", "cell_id": "c1", "schema_version": SCHEMA_VERSION, "status": "ok",
                               "latency_p50_s": 0.5, "iterations": 3, "started_at": "2026-01-01T00:00:00+00:00"},
                        [0.5, 0.25])
        assert sink.finished() == {"c1"}
    proc = subprocess.run([sys.executable, "-m", "runner", "compact", str(tmp_path / "r")],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    table = pq.read_table(tmp_path / "r" / "cells" / "part-c1.parquet")
    assert table.schema.equals(TABLES["cells"], check_metadata=False)
    assert table.to_pylist()[0]["latency_p50_s"] == 0.5
    latencies = pq.read_table(tmp_path / "r" / "latencies" / "part-c1.parquet").to_pylist()
    assert [(r["run_id"], r["cell_id"], r["iteration"], r["latency_s"]) for r in latencies] == \
        [("r", "c1", 0, 0.5), ("r", "c1", 1, 0.25)]
    assert not list((tmp_path / "r").glob("*/*.jsonl"))


def test_a_spooled_run_resumes_and_compacts_to_the_same_rows(edgebench, tmp_path):
    """A run without pyarrow (EDGEBENCH_SPOOL=1 forces the spool) gives the Parquet a normal run gives."""
    import os

    env = dict(os.environ, EDGEBENCH_SPOOL="1")
    args = [sys.executable, "-m", "runner", "run", "--preset", "smoke", "--frameworks", "null", "--models",
            "tinycnn,alexnet", "--out", str(tmp_path / "res"), "--run-id", "s", *FAST]
    first = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert len(list((tmp_path / "res" / "s" / "cells").glob("*.jsonl"))) == 2
    assert "results spooled as JSON Lines: `edgebench compact" in first.stderr.replace("\n", " ")
    again = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert "2 resumed" in again.stderr.replace("\n", " ")
    edgebench("compact", str(tmp_path / "res"), check_rc=0)
    rows = read_cells(tmp_path / "res" / "s")
    assert sorted(r["model"] for r in rows) == ["alexnet", "tinycnn"]
    assert all(r["status"] == "ok" and r["latency_p50_s"] > 0 and r["started_at"] is not None for r in rows)
    latencies = list((tmp_path / "res" / "s" / "latencies").glob("*.parquet"))
    assert len(latencies) == 2 and not list((tmp_path / "res" / "s").glob("*/*.jsonl"))


@pytest.mark.parametrize("damage", ['{"run_id": "s", "cell_id"', "[1, 2]", '{"iteration": "not a number"}'])
def test_compact_on_a_broken_part_converts_nothing_and_says_which(edgebench, tmp_path, damage):
    """A broken line in any part: one line naming the part, a hint, exit 3, and no part converted."""
    import os

    env = dict(os.environ, EDGEBENCH_SPOOL="1")
    args = [sys.executable, "-m", "runner", "run", "--preset", "smoke", "--frameworks", "null", "--models",
            "tinycnn,alexnet", "--out", str(tmp_path / "res"), "--run-id", "s", *FAST]
    assert subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path).returncode == 0
    run = tmp_path / "res" / "s"
    before = {p: p.read_bytes() for p in run.glob("*/*.jsonl")}
    broken = sorted((run / "latencies").glob("*.jsonl"))[-1]  # latencies are converted first
    broken.write_text(broken.read_text() + damage + "\n")
    before[broken] = broken.read_bytes()
    proc = edgebench("compact", str(tmp_path / "res"))
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and f"cannot compact {broken}" in lines[0] and "nothing was converted" in lines[0]
    assert lines[1].startswith("hint: move that part aside")
    assert not list(run.glob("*/*.parquet")) and {p: p.read_bytes() for p in run.glob("*/*.jsonl")} == before
