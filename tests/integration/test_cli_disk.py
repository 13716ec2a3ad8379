"""A results volume that fills up: before the first cell, or in the middle of a grid (a small tmpfs)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from tests.conftest import EDGEBENCH, FAST, read_cells
from tests.integration import processes

GRID = ["--preset", "smoke", "--frameworks", "null", "--models", "tinycnn,alexnet,squeezenet1_0", "--repetitions",
        "2", "--warmup-s", "0", "--min-time-s", "0.3", "--max-time-s", "0.4"]


def fill(folder: Path) -> Path:
    """Write a file until the volume is full; returns it (delete it to free the space)."""
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    return filler


def test_a_volume_without_the_stated_free_space_fails_before_the_first_cell(edgebench, tmpfs):
    vol = tmpfs("8m")
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "--out", str(vol), "--run-id", "r", *FAST)
    assert proc.returncode == 3, proc.stderr
    assert "edgebench needs at least 16 MiB there before the first cell" in proc.stderr and "hint:" in proc.stderr
    assert not list((vol / "r" / "cells").iterdir())


def test_a_full_volume_before_the_first_cell_fails_with_exit_3(edgebench, tmpfs):
    vol = tmpfs("24m")
    fill(vol)
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "--out", str(vol), "--run-id", "r", *FAST)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "error:" in proc.stderr and "hint:" in proc.stderr


def test_a_volume_filled_mid_run_gives_a_typed_error_and_keeps_the_earlier_cells(edgebench, tmp_path, tmpfs):
    """The run is stopped (SIGSTOP) while its third cell measures, the volume is filled, the run goes on:
    writing the third cell fails with one line (exit 3), the first two cells are intact, no temporary file
    is left, and after freeing space a re-run finishes the grid with each cell once."""
    vol = tmpfs("24m")
    cell_ids = [json.loads(line)["cell_id"] for line in edgebench("plan", *GRID, "--json").stdout.splitlines()]
    args = ["run", *GRID, "--out", str(vol), "--run-id", "full", "--idle-s", "0", "--meters", "none"]
    proc = processes.start(args, tmp_path, tmp_path / "stderr")
    try:
        processes.wait_for("the third cell's log", (vol / "full" / "logs" / f"{cell_ids[2]}.log").exists, proc)
        proc.send_signal(signal.SIGSTOP)
        filler = fill(vol)
        proc.send_signal(signal.SIGCONT)
        assert proc.wait(timeout=120) == 3
    finally:
        proc.kill()
    stderr = (tmp_path / "stderr").read_text()
    assert "error: out of space writing" in stderr and "hint: free space" in stderr, stderr
    assert "Traceback" not in stderr
    rows = read_cells(vol / "full")
    assert [r["cell_id"] for r in rows] == sorted(cell_ids[:2]) and all(r["status"] == "ok" for r in rows)
    assert not [p for t in ("cells", "latencies", "power") for p in (vol / "full" / t).glob(".*")]
    assert not list((vol / "full" / "latencies").glob(f"part-{cell_ids[2]}*"))  # all of a cell's parts, or none
    filler.unlink()
    second = subprocess.run([*EDGEBENCH, *args], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert sorted(r["cell_id"] for r in read_cells(vol / "full")) == sorted(cell_ids)


def test_result_files_are_readable_by_the_owners_group_and_others_under_umask_022(edgebench, tmp_path):
    proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "null", "--out", "res",
                           "--run-id", "m", *FAST], cwd=tmp_path, capture_output=True, text=True,
                          preexec_fn=lambda: os.umask(0o022))
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "res" / "m"
    parts = [p for t in ("cells", "latencies") for p in (run / t).iterdir()] + [run / "manifest.json"]
    assert parts and {oct(p.stat().st_mode & 0o777) for p in parts} == {"0o644"}
    proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "null", "--out", "res",
                           "--run-id", "g", *FAST], cwd=tmp_path, capture_output=True, text=True,
                          preexec_fn=lambda: os.umask(0o027))
    assert proc.returncode == 0, proc.stderr
    assert oct((tmp_path / "res" / "g" / "manifest.json").stat().st_mode & 0o777) == "0o640"


def test_a_read_only_results_volume_fails_before_the_first_cell(edgebench, tmpfs):
    vol = tmpfs("24m")
    (vol / "res").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(vol)], check=True)
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "--out", str(vol / "res"), "--run-id", "r",
                     *FAST)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "cannot write results to" in lines[-2] and "Read-only file system" in lines[-2], proc.stderr
    assert lines[-1].startswith("hint: pass a writable folder with --out")
