"""Memory: a batch too large for the host (exit 2), for the memory available (unsupported row), and the
default limit derived from the host's memory (a fake /proc/meminfo under EDGEBENCH_HOST_ROOT)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from runner import resources
from tests.conftest import EDGEBENCH, FAST, read_cells


def meminfo(tmp_path, total_mib: int, available_mib: int) -> dict:
    """An environment whose host (for edgebench) has this much memory."""
    (tmp_path / "host" / "proc").mkdir(parents=True)
    (tmp_path / "host" / "proc" / "meminfo").write_text(
        f"MemTotal:       {total_mib * 1024} kB\nMemFree:        1 kB\nMemAvailable:   {available_mib * 1024} kB\n")
    return dict(os.environ, EDGEBENCH_HOST_ROOT=str(tmp_path / "host"))


def _run(tmp_path, *args, env=None, timeout=300):
    return subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "null", *args, "--out", "res",
                           *FAST], cwd=tmp_path, capture_output=True, text=True, env=env or os.environ,
                          timeout=timeout)


def test_a_batch_whose_inputs_exceed_the_host_memory_is_refused_before_anything_runs(tmp_path):
    proc = _run(tmp_path, "--batch-sizes", "1,1000000000", "--run-id", "big")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and "batch size 1000000000 of tinycnn needs at least" in lines[0]
    assert "more than this host's memory" in lines[0] and lines[1].startswith("hint: lower --batch-sizes")
    assert not (tmp_path / "res").exists()


def test_a_batch_that_does_not_fit_the_available_memory_is_an_unsupported_row(tmp_path):
    env = meminfo(tmp_path, total_mib=1024, available_mib=100)
    proc = _run(tmp_path, "--batch-sizes", "1,8192", "--run-id", "fit", env=env)
    assert proc.returncode == 0, proc.stderr
    rows = {r["batch_size"]: r for r in read_cells(tmp_path / "res" / "fit")}
    assert rows[1]["status"] == "ok"
    assert (rows[8192]["status"], rows[8192]["error_class"]) == ("unsupported", "InsufficientMemory")
    assert "needs at least 192 MiB for its inputs alone" in rows[8192]["error_message"]


def test_the_default_memory_limit_comes_from_the_host_and_stops_a_runaway_worker(tmp_path):
    env = meminfo(tmp_path, total_mib=1024, available_mib=300)
    proc = _run(tmp_path, "-o", "fault=hog", "--timeout-s", "120", "--run-id", "hog", env=env)
    assert proc.returncode == 1, proc.stderr
    (row,) = read_cells(tmp_path / "res" / "hog")
    assert (row["status"], row["error_class"]) == ("oom", "MemoryLimit"), row["error_message"]
    assert "passed the limit of 300 MiB" in row["error_message"]
    manifest = json.loads((tmp_path / "res" / "hog" / "manifest.json").read_text())
    assert manifest["memory_limit_default_bytes"] == 300 * 2**20


@pytest.mark.parametrize("total, available, expected", [(1000, 300, 300), (1000, 950, 900), (None, None, None)])
def test_the_default_limit_is_the_available_memory_at_most_90_percent_of_the_total(tmp_path, monkeypatch, total,
                                                                                    available, expected):
    if total:
        monkeypatch.setenv("EDGEBENCH_HOST_ROOT", meminfo(tmp_path, total, available)["EDGEBENCH_HOST_ROOT"])
    else:
        monkeypatch.setenv("EDGEBENCH_HOST_ROOT", str(tmp_path / "nowhere"))
    limit = resources.default_limit()
    assert (limit if limit is None else round(limit / 2**20)) == expected
