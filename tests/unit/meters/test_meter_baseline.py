"""Idle baselines (active idle first) and the minimum window a meter needs (runner.meters.baseline)."""

from __future__ import annotations

import statistics

import pytest

from runner.meters.base import Meter, Sample
from runner.meters.baseline import IdleBaseline, power_stats, required_window_s, worker_window
from runner.meters.columns import energy_columns
from runner.meters.fake import FakeMeter
from runner.meters.integrate import group
from runner.meters.session import idle_baseline

S = 1_000_000_000
MARKS = {"start": 0, "import_start": 0, "import_end": S, "load_start": S, "load_end": 2 * S, "first_start": 2 * S,
         "first_end": 2 * S + S // 10, "warmup_start": 2 * S + S // 10, "warmup_end": 3 * S,
         "steady_start": 3 * S, "steady_end": 5 * S, "active_idle_start": 5 * S, "active_idle_end": 6 * S,
         "end": 6 * S}


class Rails(Meter):
    name, method = "rails", "integrated"

    def __init__(self, update_period_s=0.0):
        super().__init__()
        self.summed, self.update_period_s = ("VDD_IN",), update_period_s


def rails(power_at, until_s=6.5, step_s=0.05):
    """Power samples every ``step_s``: ``power_at(t_seconds)`` W."""
    return [Sample("rails", "VDD_IN", round(k * step_s * S), power_w=power_at(k * step_s))
            for k in range(round(until_s / step_s) + 1)]


def busy_then_idle(t):
    return 8.0 if 3.0 < t < 5.0 else 3.0


def test_active_idle_is_the_baseline_of_the_net_energy():
    cols, warnings = energy_columns(rails(busy_then_idle), MARKS, 100, IdleBaseline(5.0, 30.0, std_w=0.2), [Rails()],
                                    [])
    assert cols["power_idle_source"] == "active_idle"
    assert cols["power_idle_w"] == pytest.approx(3.0) and cols["power_idle_window_s"] == pytest.approx(1.0)
    assert cols["power_idle_std_w"] == pytest.approx(0.0, abs=1e-9)
    assert cols["energy_steady_j"] == pytest.approx(16.0 - 0.25)  # trapezoids at the two edges
    assert cols["energy_per_inference_net_j"] == pytest.approx((cols["energy_steady_j"] - 3.0 * 2.0) / 100)
    assert (cols["energy_window_ok"], cols["energy_window_min_s"]) == (True, 0.5)
    assert not [w for w in warnings if "idle" in w]


def test_without_active_idle_the_baseline_given_is_used():
    marks = {k: v for k, v in MARKS.items() if not k.startswith("active_idle")}
    cols, _ = energy_columns(rails(busy_then_idle), marks, 100, IdleBaseline(5.0, 30.0, std_w=0.2), [Rails()], [])
    assert (cols["power_idle_source"], cols["power_idle_w"], cols["power_idle_std_w"]) == ("pre_grid", 5.0, 0.2)
    assert cols["energy_per_inference_net_j"] == pytest.approx((cols["energy_steady_j"] - 5.0 * 2.0) / 100)
    cols, _ = energy_columns(rails(busy_then_idle), marks, 100, 4.0, [Rails()], [])  # a bare number
    assert (cols["power_idle_source"], cols["power_idle_w"], cols["power_idle_window_s"]) == ("pre_grid", 4.0, None)


def test_an_active_idle_too_short_for_the_meter_is_not_used():
    marks = dict(MARKS, active_idle_end=5 * S + S // 5)  # 0.2 s < 10 x 0.05 s
    cols, warnings = energy_columns(rails(busy_then_idle), marks, 100, IdleBaseline(5.0, 30.0), [Rails()], [])
    assert cols["power_idle_source"] == "pre_grid"
    assert ("active idle 0.2 s is shorter than the 0.5 s the meters need (10 x 0.05 s): not used as the idle "
            "baseline; raise --active-idle-s") in warnings


def test_idle_spread_over_one_meter_period():
    """Power alternating 4 W / 6 W per 0.1 s: the mean is 5 W, the spread that of the alternation."""
    samples = rails(lambda t: 4.0 if round(t * 10) % 2 == 0 else 6.0, until_s=4.0, step_s=0.1)
    samples = [Sample("c", "pkg", s.t_ns, energy_j=sum(x.power_w * 0.1 for x in samples[:i]))
               for i, s in enumerate(samples)]  # the same power, as a counter
    counter = FakeMeter(0.0)
    counter.name, counter.summed = "c", ("pkg",)
    mean, std = power_stats(group(samples), [counter], 0, 4 * S, 0.1)
    expected = [4.0 if k % 2 == 0 else 6.0 for k in range(40)]
    assert mean == pytest.approx(5.0) and std == pytest.approx(statistics.stdev(expected))
    assert power_stats(group(samples), [counter], 0, S // 20, 0.1) == (pytest.approx(4.0), None)  # < 2 windows


def test_pre_grid_idle_records_its_spread_and_source(clock):
    base = idle_baseline([FakeMeter(6.5, clock)], 2.0, clock=clock, sleep=lambda s: clock.advance(s),
                         source="before_cell")
    assert base.power_w == pytest.approx(6.5) and base.source == "before_cell"
    assert base.std_w is None  # two samples 2 s apart: one window, no spread to speak of
    clock_base = idle_baseline([FakeMeter(6.5, clock)], 0.0, clock=clock)
    assert clock_base.power_w is None and clock_base.source == "pre_grid"


def test_what_the_worker_is_asked_for(monkeypatch):
    nothing = {"min_steady_s": 0.0, "active_idle_s": 0.0, "active_idle_settle_s": 0.0}
    assert worker_window([], 1.0) == nothing  # no meter: nothing to measure
    assert worker_window([Rails(0.001)], 1.0) == {"min_steady_s": 0.5, "active_idle_s": 1.0,
                                                  "active_idle_settle_s": pytest.approx(0.25)}
    assert worker_window([Rails(0.001), Rails(1.0)], 1.0) == {"min_steady_s": 10.0, "active_idle_s": 10.0,
                                                              "active_idle_settle_s": 5.0}
    assert worker_window([Rails(1.0)], 0.0) == dict(nothing, min_steady_s=10.0)  # turned off stays off
    monkeypatch.setenv("EDGEBENCH_FAKE_UPDATE_PERIOD_S", "2")
    assert required_window_s([FakeMeter(1.0)]) == 20.0


def test_a_meter_that_needs_a_long_window_flags_a_short_steady_phase(monkeypatch, clock):
    monkeypatch.setenv("EDGEBENCH_FAKE_UPDATE_PERIOD_S", "1.0")
    meter = FakeMeter(10.0, clock)
    meter.start()
    samples = meter.read()
    for _ in range(140):
        clock.advance(0.05)
        samples += meter.read()
    t0 = samples[0].t_ns
    marks = {k: t0 + v * 7 // 6 for k, v in MARKS.items() if not k.startswith("active_idle")}  # steady 2.33 s
    cols, warnings = energy_columns(samples, marks, 10, None, [meter], [])
    assert (cols["energy_window_ok"], cols["energy_window_min_s"]) == (False, 10.0)
    assert any(w.startswith("steady window 2.33 s is shorter than the 10 s the meters need (10 x 1 s: fake updates "
                            "every 1 s)") for w in warnings)
    assert cols["energy_per_inference_j"] is not None  # flagged, not thrown away
