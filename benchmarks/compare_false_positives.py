"""False positives of `edgebench compare` on A/A pairs (the same command twice), and its power on a real change.

    .venv/bin/python benchmarks/compare_false_positives.py null [--pairs 40] [--repetitions 3] [--rounds 2]
        [--noise process_jitter=0.1,jitter=0.05,ar1=0.5]
    .venv/bin/python benchmarks/compare_false_positives.py frameworks [--runs 6] [--frameworks onnxruntime,tflite]
        [--model mobilenet_v2] [--threads 2] [--repetitions 3] [--change threads=1]

``null``: each round is one run of 2 × PAIRS null configurations (sleep_s, optional synthetic noise, told apart
by ``noise_seed``), interleaved; configurations 2i and 2i+1 form the A/A pair i and go through the library's
``compare`` exactly as two runs would. ``frameworks``: RUNS separate runs of the same real-framework command;
every pair of runs is an A/A pair (disjoint consecutive pairs are the independent ones; the per-pair lines
show each side's host load); then one run with ``--change`` (threads=1 compared with ``--ignore threads``,
or batch-sizes=4, models=NAME) checks that a real difference is still found. Prints verdict counts, the
false-positive rate (faster/slower on an A/A pair) with a 95% Wilson interval, and the load average.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import List, Sequence, Tuple

from runner.report.compare import Match, compare
from runner.report.load import Dataset, load

BUDGET = ["--warmup-s", "0.2", "--min-time-s", "1", "--max-time-s", "3", "--idle-s", "0", "--meters", "none"]


def edgebench(out: Path, run_id: str, *args: str) -> Path:
    cmd = [sys.executable, "-m", "runner", "run", "--out", str(out), "--run-id", run_id, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return out / run_id


def wilson(k: int, n: int) -> Tuple[float, float]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    z, p = 1.959964, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def split_pairs(ds: Dataset) -> Tuple[Dataset, Dataset]:
    """The configurations of one null run as two datasets: seeds 2i (A) and 2i+1 (B), both labelled pair=i."""
    seed = ds.cells["options"].str.extract(r"noise_seed=(\d+)")[0].astype(int)
    cells = ds.cells.assign(options="pair=" + (seed // 2).astype(str))
    return (Dataset(cells[seed % 2 == 0], ds.manifests, ds.run_dirs),
            Dataset(cells[seed % 2 == 1], ds.manifests, ds.run_dirs))


def summarize(matches: Sequence[Match], title: str) -> None:
    counts = Counter(m.verdict for m in matches)
    false = sum(1 for m in matches if m.direction != 0)
    lo, hi = wilson(false, len(matches))
    print(f"\n{title}: {len(matches)} A/A comparisons; verdicts: {dict(counts)}")
    print(f"false positives (faster/slower): {false}/{len(matches)} = {false / max(len(matches), 1):.1%} "
          f"(95% CI {lo:.1%}–{hi:.1%})")
    excl = sum(1 for m in matches if m.ratio and m.ratio.direction() != 0)
    print(f"CI of B/A excluding 1 (before the practical threshold): {excl}/{len(matches)}")
    cvs = [m.a.estimate.between_cv for m in matches if m.a.estimate and m.a.estimate.between_cv is not None]
    if cvs:
        cvs.sort()
        print(f"between-repetition CV per side: median {cvs[len(cvs) // 2]:.1%}, max {cvs[-1]:.1%}")


def null_mode(args, out: Path) -> None:
    noise = [f"-o{kv}" for kv in args.noise.split(",") if kv] if args.noise else []
    matches: List[Match] = []
    for r in range(args.rounds):
        seeds = ",".join(str(1000 * r + i) for i in range(2 * args.pairs))
        run = edgebench(out, f"null-{r}", "--preset", "smoke", "--frameworks", "null", "-o",
                        f"sleep_s={args.sleep_s}", "-o", f"noise_seed={seeds}", *noise, "--repetitions",
                        str(args.repetitions), "--min-time-s", "0.3", "--max-time-s", "0.6", "--warmup-s", "0.05",
                        "--idle-s", "0", "--meters", "none")
        a, b = split_pairs(load([run]))
        matches += compare(a, b)[0]
    summarize(matches, f"null adapter, sleep_s {args.sleep_s}, noise '{args.noise}', {args.repetitions} reps/side")


IGNORE = {"threads": "threads", "batch-sizes": "batch_size", "models": "model"}


def _details(matches: Sequence[Match], i: int, j: int) -> None:
    for m in matches:
        cpu = f"cpu {m.a.rows['cpu_utilization'].median():.2f} → {m.b.rows['cpu_utilization'].median():.2f}"
        load = f"load {m.a.rows['host_load_1m'].mean():.1f} → {m.b.rows['host_load_1m'].mean():.1f}"
        warned = any("different CPU shares" in w or "different load" in w for w in m.warnings)
        print(f"  runs {i}→{j} {m.name.split(' ')[1]:24s} B/A {m.ratio.text():28s} {cpu} {load}  {m.verdict}"
              + ("  [warned]" if warned else ""))


def frameworks_mode(args, out: Path) -> None:
    common = ["--models", args.model, "--frameworks", args.frameworks, "--threads", str(args.threads),
              "--repetitions", str(args.repetitions), *BUDGET]
    runs = [edgebench(out, f"aa-{i}", *common) for i in range(args.runs)]
    pairs = [(i, j) for i in range(len(runs)) for j in range(i + 1, len(runs))]
    found = {(i, j): compare(load([runs[i]]), load([runs[j]]))[0] for i, j in pairs}
    print("\nA/A pairs (run i → run j):")
    for (i, j), ms in found.items():
        _details(ms, i, j)
    summarize([m for (i, j), ms in found.items() if j == i + 1 and i % 2 == 0 for m in ms],
              f"{args.frameworks} on {args.model} b1 t{args.threads}, disjoint consecutive run pairs")
    summarize([m for (i, j), ms in found.items() if j == i + 1 for m in ms], "every consecutive pair")
    summarize([m for ms in found.values() for m in ms], "all run pairs (not independent)")
    false = [m for ms in found.values() for m in ms if m.direction]
    warned = [m for m in false if any("different CPU shares" in w or "different load" in w for w in m.warnings)]
    print(f"false positives that carried a different-conditions warning (CPU share or load): {len(warned)} of "
          f"{len(false)}")
    key, value = args.change.split("=")
    changed = edgebench(out, "changed", *common, f"--{key}", value)  # the later option wins
    for m in compare(load([runs[-1]]), load([changed]), ignore=[IGNORE[key]])[0]:
        print(f"real change ({args.change}): {m.name}: B/A {m.ratio.text()} -> {m.verdict}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="mode", required=True)
    n = sub.add_parser("null")
    n.add_argument("--pairs", type=int, default=20)
    n.add_argument("--rounds", type=int, default=2)
    n.add_argument("--repetitions", type=int, default=3)
    n.add_argument("--sleep-s", default="0.002")
    n.add_argument("--noise", default="")
    f = sub.add_parser("frameworks")
    f.add_argument("--runs", type=int, default=6)
    f.add_argument("--frameworks", default="onnxruntime,tflite")
    f.add_argument("--model", default="mobilenet_v2")
    f.add_argument("--threads", type=int, default=2)
    f.add_argument("--repetitions", type=int, default=3)
    f.add_argument("--change", default="threads=1", help="threads=N, batch-sizes=N or models=NAME")
    for sp in (n, f):
        sp.add_argument("--keep", help="Keep the runs in this folder (default: a temporary one).")
    args = p.parse_args()
    print(f"load average before: {os.getloadavg()}, cpus: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="edgebench-aa-") as tmp:
        out = Path(args.keep) if args.keep else Path(tmp)
        (null_mode if args.mode == "null" else frameworks_mode)(args, out)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
