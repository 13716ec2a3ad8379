"""Windows over samples: counters interpolated at the edges, power by the trapezoid rule (DESIGN §3)."""

from __future__ import annotations

import pytest

from runner.meters.base import Meter, Sample
from runner.meters.integrate import energy_by_phase, group, mean_power, phase_windows

S = 1_000_000_000


def power(t_s, w, domain="rail"):
    return Sample("m", domain, round(t_s * S), power_w=w)


def energy(t_s, j, domain="pkg"):
    return Sample("m", domain, round(t_s * S), energy_j=j)


def test_constant_power_exact():
    """5 W sampled every 0.1 s for 0.5 s = 2.5 J (research/energy.md §8.4)."""
    series = group([power(k / 10, 5.0) for k in range(6)])[("m", "rail")]
    assert series.energy(0, S // 2) == pytest.approx(2.5, abs=1e-12)


def test_ramp_is_exact_with_trapezoid():
    """5 W -> 15 W linearly over 1 s = 10 J, also with edges between samples (§8.4)."""
    series = group([power(k / 4, 5.0 + 10.0 * k / 4) for k in range(5)])[("m", "rail")]
    assert series.energy(0, S) == pytest.approx(10.0, abs=1e-12)
    # [0.1 s, 0.65 s]: power 6 W -> 11.5 W, mean 8.75 W x 0.55 s
    assert series.energy(S // 10, 65 * S // 100) == pytest.approx(8.75 * 0.55, abs=1e-12)


def test_counter_interpolated_at_edges():
    series = group([energy(0, 0.0), energy(1, 10.0), energy(2, 30.0)])[("m", "pkg")]
    assert series.energy(S // 5, 7 * S // 10) == pytest.approx(5.0)
    assert series.energy(S // 2, 3 * S // 2) == pytest.approx(20.0 - 5.0)


def test_window_not_covered_has_no_energy():
    series = group([energy(1, 0.0), energy(2, 1.0)])[("m", "pkg")]
    assert series.energy(0, S) is None
    assert series.energy(S, 3 * S) is None
    assert series.energy(2 * S, S) is None


def test_phase_windows_skip_missing_or_reversed_marks():
    marks = {"start": 0, "end": 10, "import_start": 1, "import_end": 2, "load_start": 5, "load_end": 4}
    assert phase_windows(marks) == {"whole": (0, 10), "import": (1, 2)}


class TwoDomains(Meter):
    name = "m"

    def __init__(self, summed):
        super().__init__()
        self.summed = summed


def test_only_summed_domains_are_added():
    samples = [energy(0, 0.0), energy(1, 4.0), energy(0, 0.0, "core"), energy(1, 3.0, "core")]
    marks = {"start": 0, "end": S}
    assert energy_by_phase(samples, marks, [TwoDomains(("pkg",))])["whole"] == pytest.approx(4.0)
    assert energy_by_phase(samples, marks, [TwoDomains(("pkg", "missing"))])["whole"] is None


def test_mean_power_over_common_span():
    samples = [energy(0, 0.0), energy(2, 14.0), power(0.5, 3.0), power(1.5, 3.0)]
    meter = TwoDomains(("pkg", "rail"))
    assert mean_power(samples, [meter]) == pytest.approx(7.0 + 3.0)
    assert mean_power([], [meter]) is None
