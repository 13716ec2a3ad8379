"""End to end: energy per phase from meters sampled in the orchestrator while real cells run.

Expectations never come from the wall clock. With the fake meter (energy = P × elapsed monotonic time,
computed at each read) every phase's energy is exactly P × the phase's duration. With RAPL on a fake
powercap tree whose counter a thread moves, the expectations come from the samples the run stored in its
power table: the idle power is their slope, and each phase's energy lies within what they recorded.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pyarrow.parquet as pq
import pytest

from tests.conftest import EDGEBENCH, read_cells, require_env
from tests.unit.meters.conftest import Tree

POWER_W = 20.0
PHASES = ("import", "load", "first", "steady")
BUDGET = ["--warmup-s", "0.2", "--min-time-s", "0.5", "--max-time-s", "1"]
#: the idle baseline before the grid is the one subtracted (no active idle inside each worker): its samples
#: are stored in power/part-idle.parquet
IDLE = ["--idle-s", "0.5", "--active-idle-s", "0"]


def _run(tmp_path, meters: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "pytorch,null", "--meters", meters,
                           *IDLE, *BUDGET, "--out", str(tmp_path / "res"), "--run-id", "e"],
                          capture_output=True, text=True, env=env or os.environ, timeout=300)


@pytest.mark.frameworks
def test_energy_per_phase_is_power_times_duration_with_the_fake_meter(tmp_path):
    require_env("pytorch")
    proc = _run(tmp_path, f"fake:{POWER_W}")
    assert proc.returncode == 0, proc.stderr
    for row in read_cells(tmp_path / "res" / "e"):
        assert row["energy_source"] == "fake" and row["energy_method"] == "counter"
        assert row["power_idle_w"] == pytest.approx(POWER_W, rel=1e-9)
        assert row["power_avg_w"] == pytest.approx(POWER_W, rel=1e-6)
        for phase, seconds in zip(PHASES, ("import_s", "load_s", "first_inference_s", "steady_s")):
            assert row[f"energy_{phase}_j"] == pytest.approx(POWER_W * row[seconds], rel=1e-6, abs=1e-9), phase
        assert row["energy_per_inference_j"] == pytest.approx(row["energy_steady_j"] / row["iterations"])
        assert row["energy_per_inference_net_j"] == pytest.approx(0.0, abs=1e-6 * row["energy_per_inference_j"])


class MovingCounter(threading.Thread):
    """Moves a RAPL counter at roughly POWER_W; how exactly does not matter: the run records what it read."""

    def __init__(self, tree: Tree) -> None:
        super().__init__(daemon=True)
        self.tree, self.stop = tree, threading.Event()

    def run(self) -> None:
        """Rename a fresh file into place: readers never see a half-written value (sysfs reads are atomic)."""
        target = (self.tree.root / "class/powercap/intel-rapl:0").resolve() / "energy_uj"
        t0 = time.monotonic()
        while not self.stop.is_set():
            tmp = target.with_name("energy_uj.tmp")
            tmp.write_text(f"{int((time.monotonic() - t0) * POWER_W * 1e6)}\n")
            os.replace(tmp, target)
            time.sleep(0.0005)


def _samples(run_dir, name: str):
    table = pq.read_table(run_dir / "power" / f"part-{name}.parquet").to_pylist()
    return sorted((s["t_ns"], s["energy_j"]) for s in table if s["meter"] == "rapl")


@pytest.mark.frameworks
def test_rapl_energy_per_phase_agrees_with_the_samples_the_run_stored(tmp_path):
    require_env("pytorch")
    tree = Tree(tmp_path / "sys")
    tree.rapl_zone("intel-rapl:0", "package-0", 0)
    counter = MovingCounter(tree)
    counter.start()
    try:
        proc = _run(tmp_path, "rapl", dict(os.environ, EDGEBENCH_SYSFS_ROOT=str(tree.root)))
    finally:
        counter.stop.set()
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "res" / "e"
    idle = _samples(run, "idle")
    (t0, e0), (t1, e1) = idle[0], idle[-1]
    for row in read_cells(run):
        assert row["energy_source"] == "rapl" and row["energy_method"] == "counter"
        assert row["power_idle_source"] == "pre_grid"
        assert row["power_idle_w"] == pytest.approx((e1 - e0) / ((t1 - t0) / 1e9), rel=1e-9)
        cell = _samples(run, row["cell_id"])
        recorded = cell[-1][1] - cell[0][1]
        energies = [row[f"energy_{p}_j"] for p in PHASES]
        assert all(e is not None and e >= 0 for e in energies) and sum(energies) <= recorded + 1e-9
        assert row["energy_steady_j"] > 0
        assert row["power_avg_w"] == pytest.approx(row["energy_steady_j"] / row["steady_s"], rel=1e-6)
        assert row["energy_per_inference_j"] == pytest.approx(row["energy_steady_j"] / row["iterations"])
        net = (row["energy_steady_j"] - row["power_idle_w"] * row["steady_s"]) / row["iterations"]
        assert row["energy_per_inference_net_j"] == pytest.approx(net, rel=1e-6, abs=1e-12)
