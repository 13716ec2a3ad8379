"""The run folder: one process at a time, a damaged manifest, what resume trusts and what it checks."""

from __future__ import annotations

import json
import os
import signal

from tests.conftest import FAST, read_cells
from tests.integration import processes

NULL = ["--preset", "smoke", "--frameworks", "null"]


def test_a_second_run_on_the_same_run_id_is_refused_while_the_first_holds_it(edgebench, tmp_path):
    run_id = f"busy-{os.getpid()}-{tmp_path.name}"
    first = processes.start(["run", *NULL, "-o", "fault=hang", "--timeout-s", "600", "--out", "res", "--run-id",
                             run_id, *FAST], tmp_path, tmp_path / "stderr")
    try:
        processes.wait_for("the first run's worker", lambda: bool(processes.carriers(run_id)), first)
        manifest = (tmp_path / "res" / run_id / "manifest.json").read_text()
        second = edgebench("run", *NULL, "--out", "res", "--run-id", run_id, *FAST)
        assert second.returncode == 3, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 2 and f"is in use by another edgebench process (PID {first.pid})" in lines[0]
        assert lines[1].startswith("hint: ")
        assert (tmp_path / "res" / run_id / "manifest.json").read_text() == manifest  # untouched
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 143
    finally:
        first.kill()
        processes.kill_all(processes.carriers(run_id))
    assert list((tmp_path / "res" / run_id / "cells").iterdir()) == []  # the refused run measured nothing
    edgebench("run", *NULL, "--out", "res", "--run-id", run_id, *FAST, check_rc=0)  # free again


def test_a_damaged_manifest_is_one_line_and_a_hint_and_the_cells_are_kept(edgebench, tmp_path):
    edgebench("run", *NULL, "--out", "res", "--run-id", "m", *FAST, check_rc=0)
    manifest = tmp_path / "res" / "m" / "manifest.json"
    manifest.write_text(manifest.read_text()[:40])
    before = read_cells(tmp_path / "res" / "m")
    proc = edgebench("run", *NULL, "--models", "tinycnn,alexnet", "--out", "res", "--run-id", "m", *FAST)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and "manifest.json is damaged" in lines[0] and "mv " in lines[1], proc.stderr
    assert read_cells(tmp_path / "res" / "m") == before


def test_resuming_with_another_budget_or_device_is_refused_unless_allow_mixed(edgebench, tmp_path):
    edgebench("run", *NULL, "--out", "res", "--run-id", "mix", *FAST, check_rc=0)
    more = [*NULL, "--models", "tinycnn,alexnet", "--out", "res", "--run-id", "mix", *FAST]  # the last value counts
    for args, what in ((["--max-time-s", "0.4"], "budget max_time_s 0.3 → 0.4"),
                       (["--memory-limit", "2G"], "budget memory_limit_bytes None → 2147483648"),
                       (["--device", "other-box"], "device ")):
        proc = edgebench("run", *more, *args)
        assert proc.returncode == 3, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 2 and "was measured with other settings" in lines[0] and what in lines[0], lines
        assert "--allow-mixed" in lines[1]
    assert len(read_cells(tmp_path / "res" / "mix")) == 1
    edgebench("run", *more, "--max-time-s", "0.4", "--allow-mixed", check_rc=0)
    rows = {r["model"]: r for r in read_cells(tmp_path / "res" / "mix")}
    assert (rows["tinycnn"]["budget_max_time_s"], rows["alexnet"]["budget_max_time_s"]) == (0.3, 0.4)
    assert rows["alexnet"]["budget_min_time_s"] == 0.1 and rows["alexnet"]["budget_memory_limit_bytes"] is None
    manifest = json.loads((tmp_path / "res" / "mix" / "manifest.json").read_text())
    assert [i.get("mixed") for i in manifest["invocations"]] == [None, ["budget max_time_s 0.3 → 0.4"]]


def test_resuming_with_the_same_settings_needs_nothing(edgebench, tmp_path):
    edgebench("run", *NULL, "--out", "res", "--run-id", "same", *FAST, check_rc=0)
    proc = edgebench("run", *NULL, "--models", "tinycnn,alexnet", "--out", "res", "--run-id", "same", *FAST)
    assert proc.returncode == 0 and "1 resumed" in proc.stderr, proc.stderr


def _damage(run_dir, cell_ids, suffix=".parquet"):
    """Truncate the first cell's part (a power cut on an older version) and empty the second's."""
    first, second = (run_dir / "cells" / f"part-{c}{suffix}" for c in cell_ids[:2])
    first.write_bytes(first.read_bytes()[:100])
    second.write_bytes(b"")
    return first, second


def test_damaged_parts_are_moved_aside_and_their_cells_run_again(edgebench, tmp_path):
    grid = [*NULL, "--models", "tinycnn,alexnet,squeezenet1_0", "--out", "res", "--run-id", "d", *FAST]
    edgebench("run", *grid, check_rc=0)
    run = tmp_path / "res" / "d"
    cell_ids = sorted(r["cell_id"] for r in read_cells(run))
    first, second = _damage(run, cell_ids)
    proc = edgebench("run", *grid)
    assert proc.returncode == 0, proc.stderr
    assert "(2 cells run, 1 resumed)" in proc.stderr.replace("\n", " ")
    for path in (first, second):
        assert f"warning: cells/{path.name} is damaged" in proc.stderr.replace("\n", "")
        assert (run / "damaged" / "cells" / path.name).is_file()  # kept, not deleted
        assert (run / "damaged" / "latencies" / path.name).is_file()  # with the cell's other parts
    rows = read_cells(run)
    assert sorted(r["cell_id"] for r in rows) == cell_ids and all(r["status"] == "ok" for r in rows)
    assert edgebench("run", *grid).stderr.replace("\n", " ").count("3 resumed") == 1


def test_a_damaged_spooled_part_is_moved_aside_too(edgebench, tmp_path):
    grid = ["run", *NULL, "--models", "tinycnn,alexnet", "--out", "res", "--run-id", "s", *FAST]
    env = dict(os.environ, EDGEBENCH_SPOOL="1")
    run = tmp_path / "res" / "s"
    assert processes.run_cli(grid, tmp_path, env).returncode == 0
    cell_ids = sorted(p.name[5:-6] for p in (run / "cells").glob("part-*.jsonl"))
    (run / "cells" / f"part-{cell_ids[0]}.jsonl").write_text('{"run_id": "s", "cell_id"')
    proc = processes.run_cli(grid, tmp_path, env)
    assert proc.returncode == 0 and "(1 cells run, 1 resumed)" in proc.stderr.replace("\n", " "), proc.stderr
    assert (run / "damaged" / "cells" / f"part-{cell_ids[0]}.jsonl").is_file()


def test_report_and_compare_skip_unreadable_parts_with_a_warning_naming_them(edgebench, tmp_path):
    for run_id, calls in (("a", []), ("b", ["-o", "sleep_s=0.03"])):  # b: about 10 calls a cell, no CI of the
        edgebench("run", *NULL, "--models", "tinycnn,alexnet,squeezenet1_0", "--out", "res", "--run-id", run_id,
                  *calls, *FAST, check_rc=0)  # median, so compare reads its latencies (only those it needs)
    cell_ids = sorted(r["cell_id"] for r in read_cells(tmp_path / "res" / "a"))
    first, second = _damage(tmp_path / "res" / "a", cell_ids)
    b_cells = sorted(read_cells(tmp_path / "res" / "b"), key=lambda r: r["cell_id"])
    assert all(r["latency_p50_ci95_low_s"] is None for r in b_cells)  # too short for a CI of the median
    short = b_cells[2]["cell_id"]
    (tmp_path / "res" / "b" / "latencies" / f"part-{short}.parquet").write_bytes(b"PAR1")
    report = edgebench("report", "res/a")
    assert report.returncode == 0, report.stderr
    out = report.stdout.replace("\n", "")
    assert f"skipped unreadable part res/a/cells/{first.name}" in out
    assert f"skipped unreadable part res/a/cells/{second.name}" in out and "Traceback" not in report.stderr
    compare = edgebench("compare", "res/a", "res/b")
    assert compare.returncode == 0, compare.stderr
    assert f"skipped unreadable part res/a/cells/{first.name}" in compare.stdout.replace("\n", "")
    assert f"skipped unreadable part res/b/latencies/part-{short}" in compare.stdout.replace("\n", "")
    recommend = edgebench("recommend", "res/a")
    assert recommend.returncode == 0 and f"skipped unreadable part res/a/cells/{first.name}" in (
        recommend.stdout.replace("\n", "")), recommend.stdout + recommend.stderr
    rep = edgebench("report", "res", "--out", "rep", "--no-plots")
    assert rep.returncode == 0 and f"skipped unreadable part res/a/cells/{first.name}" in (
        tmp_path / "rep" / "report.md").read_text()
