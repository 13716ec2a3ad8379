"""Comparing two hand-built runs with a known shift, across devices and versions."""

from __future__ import annotations

from runner.report.compare import SAME, compare
from runner.report.load import load
from tests.unit.report.conftest import row


def test_a_known_shift_is_slower_and_an_equal_run_is_no_difference(make_run):
    a = load([make_run([row("pytorch", p50_ms=10), row("tensorflow", p50_ms=20)], run_id="a")])
    b = load([make_run([row("pytorch", p50_ms=15, device="pi", device_class="rpi", framework_version="2.0"),
                        row("tensorflow", p50_ms=20)], run_id="b")])
    matches, alone = compare(a, b)
    by_fw = {m.key[1]: m for m in matches}
    torch = by_fw["pytorch"]
    assert torch.verdict == "slower" and 1.45 < torch.ratio.low < torch.ratio.value < torch.ratio.high < 1.55
    assert (torch.a.device, torch.b.device, torch.b.version) == ("host-a", "pi", "2.0")
    assert by_fw["tensorflow"].verdict == SAME and not alone


def test_energy_without_meters_says_so_and_unmatched_cells_are_listed(make_run):
    a = load([make_run([row("pytorch", energy_j=0.2, repetition=0), row("pytorch", energy_j=0.21, repetition=1),
                        row("mxnet")], run_id="a")])
    b = load([make_run([row("pytorch", energy_j=0.1, repetition=0), row("pytorch", energy_j=0.11, repetition=1),
                        row("tflite")], run_id="b")])
    matches, alone = compare(a, b, metric="energy")
    assert [m.verdict for m in matches] == ["less energy"]
    assert sorted(alone) == ["only in run A: alexnet mxnet b1 cpu t1", "only in run B: alexnet tflite b1 cpu t1"]
    matches, _ = compare(a, load([make_run([row("pytorch")], run_id="c")]), metric="energy")
    assert matches[0].verdict == "no energy measured"
