"""What the meters ask of the worker: a long enough steady phase, an active idle with its own marks."""

from __future__ import annotations

import json

import pytest

from runner.cell import Budget
from runner.worker import energy, protocol
from runner.worker.protocol import CellRequest, CellResult


def test_steady_minimum_is_raised_within_the_budget():
    b = Budget(min_time_s=0.2, max_time_s=3.0)
    assert energy.steady_budget(b, None) is b and energy.steady_budget(b, 0.1) is b
    assert energy.steady_budget(b, 1.5).min_time_s == 1.5
    assert energy.steady_budget(b, 10.0).min_time_s == 3.0  # never past max_time_s: flagged instead
    assert energy.steady_budget(b, 10.0).max_time_s == 3.0


def test_active_idle_marks_its_window():
    marks, slept = [], []
    energy.active_idle(marks.append, 1.5, sleep=slept.append)
    assert marks == ["active_idle_start", "active_idle_end"] and slept == [1.5]
    energy.active_idle(lambda m: slept.append(m), 1.0, settle_s=0.5, sleep=slept.append)
    assert slept[1:] == [0.5, "active_idle_start", 1.0, "active_idle_end"]  # the gap comes before the window
    energy.active_idle(marks.append, 0, sleep=slept.append)
    energy.active_idle(marks.append, None, sleep=slept.append)
    assert len(marks) == 2


def result(**marks):
    m = {name: i * 10 for i, name in enumerate(protocol.MARKS)}
    m.update(marks)
    return json.dumps({"protocol": protocol.PROTOCOL_VERSION, "status": "ok", "marks": m,
                       "latencies_ns": [1]}).encode()


def test_optional_marks_are_checked_when_present():
    end = 10 * protocol.MARKS.index("end")
    steady_end = 10 * protocol.MARKS.index("steady_end")
    assert CellResult.from_json(result()).status == "ok"
    assert CellResult.from_json(result(active_idle_start=steady_end + 1, active_idle_end=steady_end + 5))
    with pytest.raises(protocol.ProtocolError, match="only some"):
        CellResult.from_json(result(active_idle_start=steady_end + 1))
    with pytest.raises(protocol.ProtocolError, match="out of order"):
        CellResult.from_json(result(active_idle_start=steady_end + 5, active_idle_end=end + 1))


def test_the_worker_reports_an_active_idle_with_the_null_adapter():
    """The real worker loop (null adapter, in this process): marks present, in order, after the steady phase."""
    from runner.cell import Cell
    from runner.worker import main

    cell = Cell("tinycnn", "null", "null", 1, "cpu", 1, 0, Budget(warmup_iterations=1, warmup_s=0.0,
                                                                    min_iterations=5, min_time_s=0.0, max_time_s=0.05))
    request = CellRequest(cell, active_idle_s=0.05, active_idle_settle_s=0.03, min_steady_s=0.02)
    out = main.run(CellRequest.from_json(request.to_json()), result_fd=-1)
    assert out.status == "ok", out
    m = out.marks
    assert m["steady_end"] + 0.03e9 <= m["active_idle_start"] < m["active_idle_end"] <= m["end"]
    assert m["active_idle_end"] - m["active_idle_start"] >= 0.05e9  # slept at least what was asked
    assert m["steady_end"] - m["steady_start"] >= 0.02e9  # the meters' minimum, within max_time_s
    assert CellResult.from_json(out.to_json()) == out
