"""A SYNTHETIC fleet of run folders, the fixture of the report's scale benchmark (``report_scale.py``).

    .venv/bin/python benchmarks/synthetic_fleet.py OUT [--runs 500] [--devices 50] [--cells 20] [--rows 8400]

Nothing here is a measurement: every number is drawn from a seeded random generator, and everything says so
(device names ``synthetic-<class>-NN``, run ids ``synthetic-...``, framework versions ``...+synthetic``,
``"synthetic": true`` in each manifest and in each cell's ``info_json``). What is real is the code path:
each cell goes through the row function (``runner.results.rows.cell_rows``) and the Parquet sink
(``runner.results.sink.Sink``), so the folders have exactly the layout, schema and compression of real runs.

Shape (defaults): DEVICES devices (x86, jetson and rpi in turn), RUNS / DEVICES runs each; a run has CELLS
cells: five frameworks × two models × CELLS / 10 repetitions, with the framework version alternating between
two sets from run to run. A cell's latencies are lognormal around its process's p50 (which varies from
process to process by a few percent) with lag-1 autocorrelation, ROWS iterations on average per cell.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Dict, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from runner.artifacts import Prepared  # noqa: E402
from runner.cell import Cell  # noqa: E402
from runner.results.rows import Readings, Where, cell_rows  # noqa: E402
from runner.results.sink import Sink  # noqa: E402
from runner.worker.protocol import MARKS, CellResult, Memory  # noqa: E402
from runner.worker.spawn import Outcome  # noqa: E402

FRAMEWORKS = ("pytorch", "onnxruntime", "tflite", "tensorflow", "mxnet")
MODELS = {"mobilenet_v2": 0.008, "resnet50": 0.045}  # p50 on an x86 device (s), before per-runtime factors
CLASSES = {"x86": 1.0, "jetson": 2.5, "rpi": 7.0}  # slowdown per device class
PROCESS_SPREAD = 0.03  # lognormal sigma of a process's p50 around its configuration's
WITHIN_SIGMA, RHO = 0.05, 0.3  # lognormal sigma and lag-1 autocorrelation of the latencies within a process
BLOCK = 32
SYNTHETIC = "benchmark fixture written by benchmarks/synthetic_fleet.py: not a measurement"


def latencies(rng: np.random.Generator, p50: float, n: int, sigma: float = WITHIN_SIGMA,
              rho: float = RHO) -> np.ndarray:
    """``n`` lognormal latencies (s) around ``p50`` with lag-1 autocorrelation ``rho`` (an AR(1) in log space)."""
    e = rng.standard_normal(n) * np.sqrt(1 - rho ** 2)
    x = np.empty(n)
    x[0] = rng.standard_normal()
    if rho == 0:
        x[1:] = e[1:]
        return p50 * np.exp(sigma * x)
    up, down = rho ** np.arange(1, BLOCK + 1), rho ** -np.arange(BLOCK)
    for start in range(1, n, BLOCK):  # x_t = rho x_(t-1) + e_t, unrolled exactly within each block
        k = min(BLOCK, n - start)
        x[start:start + k] = up[:k] * x[start - 1] + up[:k] / rho * np.cumsum(down[:k] * e[start:start + k])
    return p50 * np.exp(sigma * x)


def _result(rng: np.random.Generator, lat: np.ndarray, framework: str) -> CellResult:
    """The worker's result for one synthetic cell: phase marks, memory, its latencies."""
    t, marks = 10**9, {}
    steps = {"import": 0.3, "load": 0.5, "first": 0.05, "warmup": 0.5, "steady": float(lat.sum())}
    marks["start"] = t
    for name in ("import", "load", "first", "warmup", "steady"):
        marks[f"{name}_start"] = t
        t += int(steps[name] * rng.uniform(0.8, 1.2) * 1e9)
        marks[f"{name}_end"] = t
    marks["end"] = t + 10**6
    rss = int(rng.uniform(150, 600) * 2**20)
    return CellResult("ok", {m: marks[m] for m in MARKS}, framework_version=None,
                      latencies_ns=(lat * 1e9).astype(np.int64).tolist(), warmup_iterations=20, converged=True,
                      stop="converged", cpu_utilization=float(rng.uniform(0.8, 1.0)),
                      memory=Memory(rss_peak_bytes=rss, rss_after_load_bytes=rss), info={"synthetic": True})


def _energy(device_class: str, p50: float) -> Readings:
    """Synthetic meter columns on x86 and jetson devices; none on rpi."""
    if device_class == "rpi":
        return Readings({"energy_source": "none", "energy_method": "none", "energy_reason": "synthetic: no meter"})
    watts = 15.0 if device_class == "x86" else 7.0
    return Readings({"energy_source": "rapl" if device_class == "x86" else "ina3221", "energy_method": "counter",
                     "energy_per_inference_j": watts * p50, "energy_per_inference_net_j": 0.7 * watts * p50,
                     "power_avg_w": watts, "power_idle_w": 0.3 * watts})


def write_run(out: Path, device: str, device_class: str, index: int, cells: int, rows: int,
              rng: np.random.Generator, speed: Dict[Tuple[str, str], float]) -> int:
    """One synthetic run of ``cells`` cells; returns the number of latency rows written."""
    run_id = f"{device}-{index:03d}"  # the device name says synthetic
    sink = Sink(out, run_id)
    sink.open()
    version = f"{1 + index % 2}.0+synthetic"
    where = Where(run_id, device, device_class, dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), "synthetic",
                  version, log_path="logs/synthetic.log")
    written = 0
    configs = [(m, f) for m in MODELS for f in FRAMEWORKS]
    for rep in range(max(1, cells // len(configs))):
        for model, fw in configs:
            cell = Cell(model, fw, fw, 1, "cpu", 0, rep)
            p50 = speed[(model, fw)] * float(np.exp(PROCESS_SPREAD * rng.standard_normal()))
            n = int(np.clip(rows * np.exp(0.5 * rng.standard_normal() - 0.125), 200, 20 * rows))
            lat = latencies(rng, p50, n)
            made = cell_rows(cell, where, Outcome("ok", _result(rng, lat, fw), spawn_ns=10**9 - 10**7,
                                                  end_ns=10**12), Prepared(artifact_bytes=14 * 2**20),
                             _energy(device_class, p50))
            sink.write_cell(cell.cell_id, made.row, made.latencies_s)
            written += len(made.latencies_s)
    sink.write_manifest({"run_id": run_id, "device": device, "synthetic": True, "note": SYNTHETIC,
                         "host": {"device_class": device_class, "cpu_count": 4, "cpu_model": "synthetic"},
                         "environments": {}, "runner_version": "synthetic"})
    return written


def generate(out: Path, runs: int, devices: int, cells: int, rows: int, seed: int) -> int:
    """Write the fleet under ``out``; returns the number of latency rows."""
    rng = np.random.default_rng(seed)
    total = 0
    for d in range(devices):
        device_class = list(CLASSES)[d % len(CLASSES)]
        device = f"synthetic-{device_class}-{d:02d}"
        speed = {(m, f): base * CLASSES[device_class] * float(rng.uniform(0.6, 1.6))
                 for m, base in MODELS.items() for f in FRAMEWORKS}
        for i in range(runs // devices + (d < runs % devices)):
            total += write_run(out, device, device_class, i, cells, rows, rng, speed)
    return total


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--runs", type=int, default=500)
    p.add_argument("--devices", type=int, default=50)
    p.add_argument("--cells", type=int, default=20, help="cells per run (a multiple of 10)")
    p.add_argument("--rows", type=int, default=8400, help="mean latency rows per cell")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    start = time.perf_counter()
    total = generate(args.out, args.runs, args.devices, args.cells, args.rows, args.seed)
    print(f"SYNTHETIC fleet: {args.runs} runs from {args.devices} devices, {args.runs * args.cells} cells, "
          f"{total:,} latency rows under {args.out} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
