"""Comparing hand-built runs with known shifts: verdicts, matching, trust warnings, regression gating."""

from __future__ import annotations

import pytest

from runner.errors import UsageError
from runner.report.compare import BELOW, FEW, SAME, compare, failing
from runner.report.load import load
from tests.unit.report.conftest import reps, row


def _run(make_run, run_id, *configs, n=3, spread=0.002):
    return load([make_run([r for c in configs for r in reps(c, n, spread)], run_id=run_id)])


def test_verdicts_slower_faster_same_and_below_threshold(make_run):
    a = _run(make_run, "a", row("pytorch", p50_ms=10), row("tensorflow", p50_ms=20), row("mxnet", p50_ms=10),
             row("tflite", p50_ms=10))
    b = _run(make_run, "b", row("pytorch", p50_ms=15, device="pi", device_class="rpi", framework_version="2.0"),
             row("tensorflow", p50_ms=20), row("mxnet", p50_ms=8), row("tflite", p50_ms=10.2))
    matches, alone = compare(a, b)
    by = {m.name.split()[1]: m for m in matches}
    torch = by["pytorch"]
    assert (torch.verdict, torch.direction) == ("slower", 1)
    assert 1.45 < torch.ratio.low < torch.ratio.value < torch.ratio.high < 1.55
    assert (torch.a.device, torch.b.device, torch.b.version) == ("host-a", "pi", "2.0")
    assert by["tensorflow"].verdict == SAME and by["mxnet"].verdict == "faster" and not alone
    tfl = by["tflite"]
    assert tfl.verdict == BELOW and tfl.ratio.low > 1.0, tfl.ratio  # significant, but a 2% change
    assert [m.verdict for m in compare(a, b, threshold=0.01)[0] if "tflite" in m.name] == ["slower"]
    assert [m.name for m in failing(matches, "slower")] == [torch.name]
    assert [m.name for m in failing(matches, "faster")] == [by["mxnet"].name]
    assert len(failing(matches, "any")) == 2 and failing(matches, None) == []
    with pytest.raises(UsageError):
        failing(matches, "worse")


def test_fewer_than_three_repetitions_say_so_and_never_gate(make_run):
    a = _run(make_run, "a", row("pytorch", p50_ms=10), n=1)
    b = _run(make_run, "b", row("pytorch", p50_ms=20), n=2)
    (m,), _ = compare(a, b)
    assert m.verdict == FEW and m.direction == 0 and m.ratio.value == pytest.approx(2.0, rel=0.01)
    assert not m.ratio.has_ci and failing([m], "any") == []


def test_ignore_threads_matches_a_t1_run_with_a_t2_run(make_run):
    a = _run(make_run, "a", row("pytorch", p50_ms=10, threads=1))
    b = _run(make_run, "b", row("pytorch", p50_ms=6, threads=2))
    matches, alone = compare(a, b)
    assert not matches and sorted(alone) == ["only in run A: alexnet pytorch b1 t1",
                                             "only in run B: alexnet pytorch b1 t2"]
    (m,), alone = compare(a, b, ignore=["threads"])
    assert m.verdict == "faster" and "t1 → t2" in m.name and not alone
    with pytest.raises(UsageError, match="cannot ignore 'colour'"):
        compare(a, b, ignore=["colour"])


def test_options_pair_when_single_and_match_when_several(make_run):
    a = _run(make_run, "a", row("null", model="tinycnn", options="sleep_s=0.002", p50_ms=2))
    b = _run(make_run, "b", row("null", model="tinycnn", options="sleep_s=0.004", p50_ms=4))
    (m,), _ = compare(a, b)
    assert m.verdict == "slower" and "sleep_s=0.002 → sleep_s=0.004" in m.name
    two = _run(make_run, "c", row("null", model="tinycnn", options="fault=none", p50_ms=2),
               row("null", model="tinycnn", options="fault=x", p50_ms=2))
    matches, alone = compare(two, two)
    assert len(matches) == 2 and all(m.verdict == SAME for m in matches) and not alone


def test_trust_warnings_are_passed_through(make_run):
    rows = reps(row("pytorch", p50_ms=10))
    rows[0] = dict(rows[0], converged=False)
    rows[1] = dict(rows[1], warnings="output differs from the reference: max |diff| 0.5 vs output scale 1")
    a = load([make_run(rows, run_id="a")])
    b = _run(make_run, "b", row("pytorch", p50_ms=10), spread=0.3)
    (m,), _ = compare(a, b)
    assert "A: 1 of 3 cells did not converge" in m.warnings
    assert "A: output differs from the reference in 1 cell(s)" in m.warnings
    assert any(w.startswith("B: repetitions vary by CV") for w in m.warnings)


def test_energy_without_meters_says_so_and_unmatched_cells_are_listed(make_run):
    a = _run(make_run, "a", row("pytorch", energy_j=0.2), row("mxnet"))
    b = _run(make_run, "b", row("pytorch", energy_j=0.1), row("tflite"))
    matches, alone = compare(a, b, metric="energy")
    assert [m.verdict for m in matches] == ["less energy"]
    assert sorted(alone) == ["only in run A: alexnet mxnet b1 t1", "only in run B: alexnet tflite b1 t1"]
    matches, _ = compare(a, _run(make_run, "c", row("pytorch")), metric="energy")
    assert matches[0].verdict == "no energy measured"


def test_the_cells_table_alone_is_enough(make_run):
    a = load([make_run(reps(row("pytorch", p50_ms=10)), run_id="a", latencies=False)])
    b = load([make_run(reps(row("pytorch", p50_ms=15)), run_id="b", latencies=False)])
    assert not a.has_latencies()
    (m,), _ = compare(a, b)
    assert m.verdict == "slower" and m.ratio.has_ci and 1.4 < m.ratio.value < 1.6


def test_runs_under_different_load_or_cpu_share_are_flagged(make_run):
    a = _run(make_run, "a", row("pytorch", p50_ms=10, host_load_1m=0.5, cpu_utilization=0.5))
    b = _run(make_run, "b", row("pytorch", p50_ms=10, host_load_1m=3.5, cpu_utilization=1.0))
    (m,), _ = compare(a, b)
    assert any("different load: 1-minute load average 0.5 (A) vs 3.5 (B) on 2 cores" in w for w in m.warnings)
    assert any("different CPU shares: 0.50 (A) vs 1.00 (B)" in w for w in m.warnings)
    (m,), _ = compare(a, a)
    assert not m.warnings
