"""End to end: a fake powercap tree whose counter moves at a known power while real cells run.

The counter is advanced by a thread at POWER_W (wall-clock driven), so every phase's energy must be
POWER_W × the phase's duration, the phases must add up, and net energy must vanish against an idle
baseline taken at the same power.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest

from tests.conftest import EDGEBENCH, read_cells, require_env
from tests.unit.meters.conftest import Tree

POWER_W = 20.0


class MovingCounter(threading.Thread):
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


@pytest.mark.frameworks
def test_energy_per_phase_adds_up_with_real_cells(tmp_path):
    require_env("pytorch")
    tree = Tree(tmp_path / "sys")
    tree.rapl_zone("intel-rapl:0", "package-0", 0)
    counter = MovingCounter(tree)
    counter.start()
    try:
        env = dict(os.environ, EDGEBENCH_SYSFS_ROOT=str(tree.root))
        proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", "pytorch,null",
                               "--meters", "rapl", "--idle-s", "1", "--warmup-s", "0.2", "--min-time-s", "1",
                               "--max-time-s", "1.5", "--out", str(tmp_path / "res"), "--run-id", "e"],
                              capture_output=True, text=True, env=env, timeout=300)
    finally:
        counter.stop.set()
    assert proc.returncode == 0, proc.stderr
    for row in read_cells(tmp_path / "res" / "e"):
        assert row["energy_source"] == "rapl" and row["energy_method"] == "counter"
        assert row["power_idle_w"] == pytest.approx(POWER_W, rel=0.1)
        assert row["power_avg_w"] == pytest.approx(POWER_W, rel=0.1)
        assert row["energy_steady_j"] == pytest.approx(POWER_W * row["steady_s"], rel=0.1)
        assert row["energy_load_j"] == pytest.approx(POWER_W * row["load_s"], rel=0.5, abs=0.05)
        assert row["energy_per_inference_j"] == pytest.approx(row["energy_steady_j"] / row["iterations"])
        assert abs(row["energy_per_inference_net_j"]) < 0.15 * row["energy_per_inference_j"]
    assert (tmp_path / "res" / "e" / "power" / "part-idle.parquet").exists()
