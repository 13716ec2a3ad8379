"""The real CLI, the null adapter and the fake meter: the active idle baseline, and steady windows that are
lengthened to the meter's minimum or flagged when the budget cannot hold them. Recorded values only."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import EDGEBENCH, read_cells


def run(tmp_path, period_s, *args):
    env = dict(os.environ, COLUMNS="200", EDGEBENCH_FAKE_UPDATE_PERIOD_S=str(period_s),
               EDGEBENCH_SYSFS_ROOT=str(tmp_path / "no-sys"), EDGEBENCH_VCGENCMD=str(tmp_path / "no-vcgencmd"))
    proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "null", "--meters", "fake",
                           "--warmup-s", "0", "--min-time-s", "0.1", "--out", str(tmp_path / "res"), *args],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    return read_cells(tmp_path / "res" / args[args.index("--run-id") + 1])


def test_active_idle_is_measured_in_the_worker_and_used_for_net_energy(tmp_path):
    """A meter that updates every 0.05 s needs 0.5 s windows: the steady phase asked for 0.1 s and the active
    idle asked for 0.2 s both get 0.5 s; without a pre-grid idle, the net energy comes from the active idle."""
    (row,) = run(tmp_path, 0.05, "--run-id", "a", "--max-time-s", "3", "--active-idle-s", "0.2", "--idle-s", "0")
    assert row["energy_window_min_s"] == pytest.approx(0.5) and row["energy_window_ok"] is True
    assert row["steady_s"] >= 0.5  # lengthened from --min-time-s 0.1
    assert row["power_idle_source"] == "active_idle" and row["power_idle_window_s"] >= 0.5
    assert row["power_idle_w"] == pytest.approx(10.0)  # the fake meter's constant power
    assert row["power_idle_std_w"] == pytest.approx(0.0, abs=1e-6)
    assert abs(row["energy_per_inference_net_j"]) <= 1e-9 * row["energy_per_inference_j"]
    assert "energy_window_ok=false" not in row["warnings"]


def test_a_window_the_budget_cannot_hold_is_flagged_with_numbers(tmp_path):
    """A meter that updates every 1 s needs 10 s; --max-time-s 0.3 caps the steady phase: flagged, kept."""
    (row,) = run(tmp_path, 1.0, "--run-id", "f", "--max-time-s", "0.3", "--active-idle-s", "0", "--idle-s", "0.3")
    assert row["energy_window_min_s"] == pytest.approx(10.0) and row["energy_window_ok"] is False
    assert row["steady_s"] < 10.0 and row["energy_per_inference_j"] is not None
    assert "s is shorter than the 10 s the meters need (10 x 1 s: fake updates every 1 s); energy_window_ok=false" \
        in row["warnings"]
    assert "raise --max-time-s to at least 10" in row["warnings"]
    assert row["power_idle_source"] == "pre_grid" and row["power_idle_w"] == pytest.approx(10.0)


def test_without_a_meter_nothing_is_lengthened_or_idled(tmp_path):
    env = dict(os.environ, EDGEBENCH_SYSFS_ROOT=str(tmp_path / "no-sys"))
    proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "null", "--meters", "none",
                           "--warmup-s", "0", "--min-time-s", "0.1", "--max-time-s", "0.3", "--out",
                           str(tmp_path / "res"), "--run-id", "n"], capture_output=True, text=True, timeout=300,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    (row,) = read_cells(tmp_path / "res" / "n")
    assert row["energy_window_ok"] is None and row["energy_window_min_s"] is None
    assert row["power_idle_source"] is None and row["power_idle_w"] is None


def test_negative_active_idle_is_bad_usage(edgebench):
    proc = edgebench("run", "--frameworks", "null", "--active-idle-s", "-1")
    assert proc.returncode == 2 and "--active-idle-s must be >= 0" in proc.stderr
