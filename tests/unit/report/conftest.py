"""Hand-built runs with known answers, written through the real Sink so the layout is the real one."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import pytest

from runner.measure.stats import summarize
from runner.results.schema import CELL_COLUMNS, SCHEMA_VERSION
from runner.results.sink import Sink

MIB = 2**20


def row(framework: str = "pytorch", model: str = "alexnet", p50_ms: float = 10.0, rss_mib: float = 300.0,
        energy_j: Optional[float] = None, **extra: Any) -> Dict[str, Any]:
    """A cells row; ``p50_ms`` sets the centre of its synthetic latencies (1% noise, 200 iterations)."""
    r: Dict[str, Any] = dict.fromkeys(CELL_COLUMNS)
    r.update(schema_version=SCHEMA_VERSION, device="host-a", device_class="x86", framework=framework,
             framework_version="1.0", source=framework, model=model, batch_size=1, provider="cpu", threads=1,
             repetition=0, options="", status="ok", startup_s=0.05, load_s=0.5, first_inference_s=0.05, import_s=0.2,
             rss_peak_bytes=int(rss_mib * MIB), converged=True, energy_source="none", energy_method="none",
             energy_reason="no meter in this test")
    r["p50_ms"] = p50_ms
    if energy_j is not None:
        r.update(energy_per_inference_j=energy_j, energy_per_inference_net_j=energy_j * 0.8,
                 energy_source="rapl", energy_method="counter", energy_reason=None)
    r.update(extra)
    return r


#: Relative offsets of the repetitions' p50s (deterministic, centred on the configuration's p50).
OFFSETS = (0.0, 1.0, -1.0, 0.5, -0.5, 0.25, -0.25)


def reps(r: Dict[str, Any], n: int = 3, spread: float = 0.002) -> List[Dict[str, Any]]:
    """``n`` repetitions of the configuration ``r``: p50s spread by ``spread`` (relative) around its p50."""
    return [dict(r, repetition=i, p50_ms=r["p50_ms"] * (1 + spread * OFFSETS[i])) for i in range(n)]


def cell_id(r: Dict[str, Any]) -> str:
    opt = f"-{r['options']}" if r["options"] else ""
    opt += f"-{r['env_set']}" if r.get("env_set") not in (None, "current") else ""
    src = r["source"] + (f"-{r['precision']}" if r.get("precision") not in (None, "fp32") else "")
    return (f"{r['model']}-{r['framework']}-{src}-b{r['batch_size']}-{r['provider']}-t{r['threads']}"
            f"-r{r['repetition']}{opt}")


def _latencies(p50_s: float, seed: int, n: int = 200) -> List[float]:
    rng = np.random.default_rng(seed)
    return list(p50_s * (1.0 + 0.01 * rng.standard_normal(n)))


def write(out: Path, rows: List[Dict[str, Any]], run_id: str = "t", latencies: bool = True) -> Path:
    """Write ``rows`` as run ``run_id`` under ``out``; returns the run folder. A row's ``latency_count`` (default
    200) sets how many latencies it has: fewer than 16 leave its p50 without a CI."""
    with Sink(out, run_id).opened() as sink:  # locked while written, released for the next writer
        for i, src in enumerate(rows):
            r = dict(src, run_id=run_id)
            p50, count = r.pop("p50_ms"), r.pop("latency_count", 200)
            cid = r.get("cell_id") or cell_id(r)
            r["cell_id"] = cid
            lat = _latencies(p50 / 1e3, seed=i, n=count) if r["status"] == "ok" else []
            if lat:
                r.update({k: v for k, v in summarize(lat, r["batch_size"]).items() if src.get(k) is None})
            sink.write_cell(cid, r, lat if latencies else [])
        sink.write_manifest({"run_id": run_id, "device": rows[0]["device"] if rows else "?",
                             "host": {"device_class": "x86", "cpu_model": "test CPU", "cpu_count": 2},
                             "environments": {}, "runner_version": "0.1.0"})
    return sink.run_dir


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """``make_run(rows, run_id='t', latencies=True)`` → the run folder."""
    return lambda rows, run_id="t", latencies=True: write(tmp_path / "results", rows, run_id, latencies)
