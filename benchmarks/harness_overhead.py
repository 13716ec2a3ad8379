"""Harness overhead: edgebench's steady-state p50 against a bare loop, same framework, model, threads.

    .venv/bin/python benchmarks/harness_overhead.py [--models tinycnn,squeezenet1_1] [--seconds 5] [--rounds 3]

For each (framework, model), alternates ``rounds`` times between an edgebench cell (fresh process) and
a bare loop (fresh process, same artifact, same inputs, same thread count), and prints the median p50 of
each and their ratio. A ratio near 1.00 means the harness adds nothing measurable to the steady state.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from runner import envs
from runner.catalog import FRAMEWORKS

HERE = Path(__file__).resolve().parent


def edgebench_p50(framework: str, model: str, seconds: float, out: Path, tag: str) -> tuple:
    run_id = f"{framework}-{model}-{tag}"
    subprocess.run([sys.executable, "-m", "runner", "run", "--models", model, "--frameworks", framework,
                    "--threads", "1", "--min-time-s", str(seconds), "--max-time-s", str(seconds),
                    "--warmup-s", "0.5", "--idle-s", "0", "--meters", "none", "--out", str(out),
                    "--run-id", run_id], check=True, capture_output=True)
    row = pq.read_table(next((out / run_id / "cells").glob("*.parquet"))).to_pylist()[0]
    meta = json.loads(row["info_json"])["artifact"]
    root = Path(os.environ.get("EDGEBENCH_CACHE") or Path.home() / ".cache" / "edgebench")
    source = FRAMEWORKS[framework].default_source
    artifact = root / "artifacts" / model / f"{FRAMEWORKS[framework].artifact}-from-{source}-{version_of(source)}"
    return row["latency_p50_s"], artifact, meta


def version_of(framework: str) -> str:
    return envs.framework_version(framework, envs.for_framework(framework))


def bare_p50(framework: str, artifact: Path, model: str, seconds: float) -> float:
    python = envs.for_framework(framework).python
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), OMP_NUM_THREADS="1")
    out = subprocess.run([python, str(HERE / "bare_loop.py"), framework, str(artifact), model, "1", "1",
                          str(seconds)], check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])["p50_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="tinycnn,squeezenet1_1")
    ap.add_argument("--frameworks", default="pytorch,onnxruntime")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"{'framework':12s} {'model':14s} {'edgebench p50':>14s} {'bare p50':>12s} {'ratio':>6s}")
    with tempfile.TemporaryDirectory() as tmp:
        for framework in args.frameworks.split(","):
            for model in args.models.split(","):
                eb, bare = [], []
                for i in range(args.rounds):
                    p50, artifact, _ = edgebench_p50(framework, model, args.seconds, Path(tmp), str(i))
                    eb.append(p50)
                    bare.append(bare_p50(framework, artifact, model, args.seconds))
                e, b = statistics.median(eb), statistics.median(bare)
                print(f"{framework:12s} {model:14s} {e * 1e3:11.4f} ms {b * 1e3:9.4f} ms {e / b:6.3f}")


if __name__ == "__main__":
    main()
