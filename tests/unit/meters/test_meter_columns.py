"""The cell's energy columns from samples and the worker's phase marks (DESIGN §5, runner.results.schema)."""

from __future__ import annotations

import random

import pytest

from runner.meters.base import Meter, Probe, Sample
from runner.meters.columns import COLUMNS, energy_columns
from runner.meters.fake import FakeMeter
from runner.meters.integrate import energy_by_phase

S = 1_000_000_000
MARKS = {  # contiguous phases, in seconds
    "start": 0.0,
    "import_start": 0.0,
    "import_end": 0.5,
    "load_start": 0.5,
    "load_end": 1.0,
    "first_start": 1.0,
    "first_end": 1.01,
    "warmup_start": 1.01,
    "warmup_end": 1.5,
    "steady_start": 1.5,
    "steady_end": 2.9,
    "end": 2.9,
}


def marks(offset_ns=0, **override):
    m = {k: offset_ns + round(v * S) for k, v in MARKS.items()}
    m.update({k: offset_ns + round(v * S) for k, v in override.items()})
    return m


def fake_samples(clock, meter, seconds=3.0, period=0.05):
    meter.start()
    samples = meter.read()
    for _ in range(round(seconds / period)):
        clock.advance(period)
        samples += meter.read()
    return samples


class Rails(Meter):
    """A power-only meter fed by the test."""

    name = "rails"
    method = "integrated"

    def __init__(self, update_period_s=0.0, scope=""):
        super().__init__()
        self.summed = ("VDD_IN",)
        self.update_period_s = update_period_s
        self.scope = scope


def test_columns_are_exactly_the_schema_energy_columns():
    pytest.importorskip("pyarrow")
    from runner.results.schema import CELL_COLUMNS

    energy_cols = [c for c in CELL_COLUMNS if c.startswith(("energy_", "power_"))]
    assert sorted(COLUMNS) == sorted(energy_cols)


def test_fake_counter_per_phase_and_derived(clock):
    meter = FakeMeter(10.0, clock)
    samples = fake_samples(clock, meter)
    cols, warnings = energy_columns(samples, marks(clock.t_ns - 3 * S), 100, 4.0, [meter], [meter.probe()])
    assert set(cols) == set(COLUMNS)
    assert (cols["energy_source"], cols["energy_method"], cols["energy_reason"]) == ("fake", "counter", None)
    assert cols["energy_import_j"] == pytest.approx(5.0)
    assert cols["energy_load_j"] == pytest.approx(5.0)
    assert cols["energy_first_j"] == pytest.approx(0.1)
    assert cols["energy_steady_j"] == pytest.approx(14.0)
    assert cols["energy_per_inference_j"] == pytest.approx(0.14)
    assert cols["energy_per_inference_net_j"] == pytest.approx((14.0 - 4.0 * 1.4) / 100)
    assert cols["power_avg_w"] == pytest.approx(10.0)
    assert cols["power_idle_w"] == 4.0
    assert any("synthetic" in w and "10 W" in w for w in warnings)


def test_phases_add_up_to_the_whole_window():
    """Contiguous phase windows sum to the whole window, for counters and for trapezoid integration."""
    rng = random.Random(7)
    samples = [Sample("rails", "VDD_IN", round(k * 0.037 * S), power_w=rng.uniform(2, 9)) for k in range(100)]
    meter = Rails()
    by_phase = energy_by_phase(samples, marks(), [meter])
    parts = sum(by_phase[p] for p in ("import", "load", "first", "warmup", "steady"))
    assert by_phase["whole"] == pytest.approx(parts, rel=1e-12)
    cols, _ = energy_columns(samples, marks(), 10, None, [meter], [])
    assert cols["energy_method"] == "integrated" and cols["energy_per_inference_net_j"] is None


def test_short_steady_window_warns_with_numbers():
    samples = [Sample("rails", "VDD_IN", round(k * 0.05 * S), power_w=5.0) for k in range(80)]
    m = marks(steady_start=1.5, steady_end=1.54)
    cols, warnings = energy_columns(samples, m, 10, None, [Rails(update_period_s=0.001)], [])
    steady = [w for w in warnings if w.startswith("steady window")]
    assert steady == [
        "steady window 0.04 s is shorter than the 0.5 s the meters need (10 x 0.05 s: sampled every 0.05 s); "
        "energy_window_ok=false: this cell's energy is left out of verdicts; raise --max-time-s to at least 0.5 "
        "(the steady phase is lengthened to that within --max-time-s)"
    ]
    assert (cols["energy_window_ok"], cols["energy_window_min_s"]) == (False, 0.5)
    assert any(w.startswith("first 0.01 s") and "indicative" in w for w in warnings)


def test_negative_net_warns():
    samples = [Sample("rails", "VDD_IN", round(k * 0.05 * S), power_w=3.0) for k in range(80)]
    cols, warnings = energy_columns(samples, marks(), 10, 5.0, [Rails()], [])
    assert cols["energy_per_inference_net_j"] < 0
    assert any("below the idle baseline 5 W" in w for w in warnings)
    _, warnings = energy_columns(samples, marks(), 10, 3.0 + 1e-12, [Rails()], [])
    assert not any("idle baseline" in w for w in warnings)  # rounding noise is not a finding


def test_sum_of_rails_is_flagged():
    samples = [Sample("rails", "VDD_IN", round(k * 0.05 * S), power_w=3.0) for k in range(80)]
    _, warnings = energy_columns(samples, marks(), 10, None, [Rails(scope="sum_of_rails")], [])
    assert any("sum_of_rails" in w and "not a module total" in w for w in warnings)


def test_no_meter_reason_names_the_most_actionable_probe():
    probes = [
        Probe("rapl", False, "permission_denied", "energy_uj: Permission denied"),
        Probe("nvml", False, "not_found", "no driver"),
    ]
    cols, warnings = energy_columns([], marks(), 10, None, [], probes)
    assert cols["energy_source"] == cols["energy_method"] == "none"
    assert cols["energy_reason"] == "permission_denied: rapl: energy_uj: Permission denied | nvml: not_found"
    assert all(cols[c] is None for c in COLUMNS if c.endswith(("_j", "_w")))
    assert warnings == []


def test_disabled_reason():
    cols, _ = energy_columns([], marks(), 10, None, [], [Probe("none", False, "disabled", "turned off")])
    assert cols["energy_reason"] == "disabled: turned off"


def test_no_marks_and_no_samples(clock):
    meter = FakeMeter(1.0, clock)
    samples = fake_samples(clock, meter, seconds=0.2)
    cols, _ = energy_columns(samples, {}, 0, None, [meter], [])
    assert cols["energy_reason"].startswith("no_marks:") and cols["energy_source"] == "fake"
    cols, warnings = energy_columns(samples, marks(clock.t_ns + S), 10, None, [meter], [])
    assert cols["energy_reason"].startswith("no_samples:") and cols["energy_steady_j"] is None
    assert any("energy_steady_j is null" in w for w in warnings)


def test_failed_cell_keeps_finished_phases(clock):
    meter = FakeMeter(2.0, clock)
    samples = fake_samples(clock, meter)
    partial = {k: v for k, v in marks(clock.t_ns - 3 * S).items() if k in ("start", "import_start", "import_end")}
    cols, _ = energy_columns(samples, partial, None, None, [meter], [])
    assert cols["energy_import_j"] == pytest.approx(1.0) and cols["energy_steady_j"] is None
    assert cols["energy_reason"] is None
