"""The live status channel: lines the worker appends, the parent's reader and watcher, the stopping rule's
reports at its checks only."""

from __future__ import annotations

import math

from runner.cell import Budget
from runner.measure import loop
from runner.worker.protocol import CellRequest
from runner.worker.status import PHASES, Status, StatusReader, StatusWatcher, StatusWriter
from tests.unit.test_stopping_rule import FakeClock


def test_a_status_round_trips_and_an_infinite_ci_is_sent_as_unknown():
    assert Status.from_line(Status("steady", 120, 0.03).to_line()) == Status("steady", 120, 0.03)
    assert Status.from_line(Status("steady", 12, math.inf).to_line()) == Status("steady", 12, None)
    assert Status.from_line(Status("build", detail="artifact").to_line()).describe() == "building the artifact"


def test_anything_else_on_the_channel_is_ignored():
    for line in (b"", b"not json", b"[]", b'{"phase": "dancing"}', b'{"phase": "steady", "iterations": "many"}'):
        assert Status.from_line(line) is None, line


def test_the_description_names_the_phase_and_the_iterations():
    assert Status("steady", 1204, 0.021).describe() == "measuring: 1,204 iterations, p50 95% CI ±2.1%"
    assert Status("steady", 16).describe() == "measuring: 16 iterations"
    assert Status("import").describe() == PHASES["import"]


def test_the_reader_returns_complete_lines_only(tmp_path):
    path = tmp_path / "status.jsonl"
    reader = StatusReader(path)
    assert reader.read() == []  # no file yet
    write = StatusWriter(str(path))
    write("import")
    with open(path, "ab") as fh:
        fh.write(Status("load").to_line()[:7])
    assert reader.read() == [Status("import")]
    with open(path, "ab") as fh:
        fh.write(Status("load").to_line()[7:])
    write("first")
    assert reader.read() == [Status("load"), Status("first")]
    assert reader.read() == []


def test_a_writer_without_a_path_or_with_a_bad_one_does_nothing(tmp_path):
    StatusWriter(None)("import")
    StatusWriter(str(tmp_path / "no" / "such" / "folder" / "status"))("import")


def test_the_watcher_delivers_every_status_once_in_order_whatever_the_timing(tmp_path):
    path = tmp_path / "status.jsonl"
    write = StatusWriter(str(path))
    seen = []
    with StatusWatcher(path, seen.append, period_s=3600):  # the thread never wakes: the final read delivers
        for phase in ("import", "load", "first", "warmup"):
            write(phase)
        write("steady", 16, 0.5)
    assert [s.phase for s in seen] == ["import", "load", "first", "warmup", "steady"]
    assert seen[-1] == Status("steady", 16, 0.5)


def test_the_stopping_rule_reports_at_its_checks_only():
    budget = Budget(min_iterations=10, min_time_s=0.0, max_time_s=10.0, target_rel_ci=1e-9)  # never converges
    clock = FakeClock([1_000_000 + (i * 7919 % 1000) * 100 for i in range(100_000)])
    checks = []
    result = loop.steady(clock.step, budget, clock=clock, on_check=lambda n, ci: checks.append((n, ci)))
    n = len(result.latencies_ns)
    assert 2 <= len(checks) < n / 20  # geometric checks, not one report per iteration
    counts = [c for c, _ in checks]
    assert counts == sorted(counts) and counts[-1] == n and counts[0] >= budget.min_iterations


def test_the_request_carries_the_status_path_through_its_checked_round_trip():
    from runner.cell import Cell

    request = CellRequest(Cell("tinycnn", "null", "null", 1, "cpu", 1, 0), status_path="/tmp/x/status.jsonl")
    assert CellRequest.from_json(request.to_json()).status_path == "/tmp/x/status.jsonl"


def test_repeated_reports_of_a_phase_are_thinned_but_a_new_phase_is_always_written(tmp_path):
    path = tmp_path / "status.jsonl"
    write = StatusWriter(str(path), min_interval_s=3600)
    write("steady")
    for n in (16, 32, 64):
        write("steady", n, 0.1)
    write("idle")
    assert [s.phase for s in StatusReader(path).read()] == ["steady", "idle"]
