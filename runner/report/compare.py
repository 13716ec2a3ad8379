"""Compare two runs configuration by configuration: B/A from the estimator, with its 95% CI and a verdict.

Cells match on their identity dimensions, repetitions pooled; a model file's sha256 is one of them, so two
files of the same name never match. ``device``, ``framework_version`` and ``options`` are ignored by default
(so runs on two devices or two framework versions compare, and both are shown): an ignored dimension is
paired when each side has one value of it within a match, and matched when a side has several. ``ignore``
adds dimensions (e.g. ``threads`` to compare a t1 run with a t2 run).
``across`` compares the values of one dimension within a dataset instead of two runs (``env_set``: the same
configurations under two version sets; ``precision``: int8 and fp16 against fp32).

Verdicts (latency; energy says "less energy" / "more energy")::

    faster / slower              the CI of B/A excludes 1 and the change is at least the threshold
    below practical threshold    the CI excludes 1 but the change is smaller than the threshold
    no significant difference    the CI includes 1
    not enough repetitions       fewer than MIN_REPETITIONS per side: between-process variance is unknown
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import pandas as pd

from runner.catalog.sets import CURRENT
from runner.errors import UsageError
from runner.estimate import MIN_REPETITIONS, Estimate, Ratio, Repetition, estimate, ratio, values
from runner.frameworks.record import FP32
from runner.naming import runtime_label
from runner.report.evidence import DISAGREES
from runner.report.load import Dataset
from runner.report.summarize import repetitions, with_precision
from runner.system.checks import LOAD_WARN

IDENTITY = ["device", "model", "model_sha256", "framework", "framework_version", "env_set", "source", "precision",
            "batch_size", "provider", "threads", "options"]
IGNORED = ("device", "framework_version", "options")
METRICS = ("latency", "energy")
VERDICTS = {"latency": ("faster", "slower"), "energy": ("less energy", "more energy")}
SAME, BELOW, FEW = "no significant difference", "below practical threshold", "not enough repetitions"
#: A change under 5% is below what decides between runtimes, and within the 1-5% that fresh processes differ
#: by even on a quiet board: it would not reproduce on the next boot.
THRESHOLD = 0.05
FAIL_ON = {"slower": (1,), "faster": (-1,), "any": (-1, 1)}


@dataclass(frozen=True)
class Side:
    """One run's pooled view of a matched configuration."""

    device: str
    version: str
    options: str
    threads: str
    value: Optional[float]
    repetitions: int
    rows: pd.DataFrame
    estimate: Optional[Estimate] = None
    warnings: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    name: str  # the matched identity; ignored dimensions that differ are shown as "A → B"
    a: Side
    b: Side
    ratio: Optional[Ratio]
    verdict: str
    direction: int = 0  # +1 B larger (slower / more energy), -1 smaller, 0 no decided difference
    warnings: List[str] = field(default_factory=list)


def _joined(rows: pd.DataFrame, col: str) -> str:
    return ",".join(sorted(set(map(str, rows[col].dropna()))))


def _reps(ds: Dataset, rows: pd.DataFrame, metric: str) -> List[Repetition]:
    if metric == "energy":
        return values(rows["energy_per_inference_j"].tolist())
    return repetitions(rows, ds.cell_latencies)


def _trust(rows: pd.DataFrame, e: Optional[Estimate]) -> Tuple[str, ...]:
    """Why this side's number deserves less trust, with numbers."""
    out = []
    unconverged = int((rows["converged"] == False).sum())  # noqa: E712 (nullable column)
    if unconverged:
        out.append(f"{unconverged} of {len(rows)} cells did not converge")
    disagree = int(rows["warnings"].fillna("").str.contains(DISAGREES, regex=False).sum())
    if disagree:
        out.append(f"output differs from the reference in {disagree} cell(s)")
    if e is not None and e.unstable:
        out.append(f"repetitions vary by CV {e.between_cv:.0%}")
    return tuple(out)


#: One side's workers getting this much more CPU time per wall-clock second than the other's: they competed
#: differently for the CPU (a neighbour started or stopped), which shifts whole runs.
CPU_GAP = 1.25


def _conditions(ds_a: Dataset, a: Side, b: Side) -> List[str]:
    """Warnings when the two sides ran under clearly different host conditions (load, CPU share)."""
    out = []
    ua, ub = (s.rows["cpu_utilization"].median() for s in (a, b))
    if ua == ua and ub == ub and min(ua, ub) > 0 and max(ua, ub) / min(ua, ub) > CPU_GAP:
        out.append(f"the workers got different CPU shares: {ua:.2f} (A) vs {ub:.2f} (B) cores busy per second of "
                   "steady state; other load shifts whole runs, so rerun A and B alternately, give each side "
                   "several runs (a folder of runs pools them), or quiet the machine")
    la, lb = (s.rows["host_load_1m"].mean() if "host_load_1m" in s.rows else float("nan") for s in (a, b))
    cores = next((m.get("host", {}).get("cpu_count") for m in ds_a.manifests.values() if m.get("host")), None)
    cores = cores or os.cpu_count() or 1
    if la == la and lb == lb and abs(la - lb) / cores > LOAD_WARN:
        out.append(f"the cells ran under different load: 1-minute load average {la:.1f} (A) vs {lb:.1f} (B) on "
                   f"{cores} cores")
    return out


def _side(ds: Dataset, rows: pd.DataFrame, metric: str) -> Tuple[Side, List[Repetition]]:
    reps = _reps(ds, rows, metric)
    e = estimate(reps) if reps else None
    return Side(_joined(rows, "device"), _joined(rows, "framework_version"), _joined(rows, "options"),
                _joined(rows, "threads"), e.value if e else None, len(reps), rows, e, _trust(rows, e)), reps


Matched = Tuple[Dict[str, object], pd.DataFrame, pd.DataFrame]


def pairs(a: Dataset, b: Dataset, ignore: Sequence[str] = ()) -> Tuple[List[Matched], List[str]]:
    """Matched (identity, rows A, rows B) and a line per configuration present on one side only."""
    unknown = [d for d in ignore if d not in IDENTITY]
    if unknown:
        raise UsageError(f"cannot ignore '{unknown[0]}'", f"identity dimensions: {', '.join(IDENTITY)}")
    ignored = [c for c in IDENTITY if c in set(IGNORED) | set(ignore)]
    keys = [c for c in IDENTITY if c not in ignored]
    ia, ib = (_index(with_precision(ds.ok), keys) for ds in (a, b))
    matched, alone = [], []
    for key in sorted(set(ia) | set(ib), key=str):
        ra, rb = ia.get(key), ib.get(key)
        if ra is None or rb is None:
            alone.append(f"only in run {'A' if rb is None else 'B'}: {_name(dict(zip(keys, key)))}")
            continue
        split = [c for c in ignored if ra[c].nunique() > 1 or rb[c].nunique() > 1]
        if not split:
            matched.append((dict(zip(keys, key)), ra, rb))
            continue
        sa, sb = _index(ra, split), _index(rb, split)
        for sub in sorted(set(sa) | set(sb), key=str):
            name = _name({**dict(zip(keys, key)), **dict(zip(split, sub))})
            if sub in sa and sub in sb:
                matched.append(({**dict(zip(keys, key)), **dict(zip(split, sub))}, sa[sub], sb[sub]))
            else:
                alone.append(f"only in run {'A' if sub in sa else 'B'}: {name}")
    return matched, alone


def _index(rows: pd.DataFrame, keys: List[str]) -> Dict[Tuple, pd.DataFrame]:
    return {k if isinstance(k, tuple) else (k,): g for k, g in rows.groupby(keys, dropna=False, sort=True)}


def _name(d: Dict) -> str:
    """'model runtime(source)/provider [options] [precision] b1 t1 on device' (``runner.naming``; the precision
    unless fp32); a model file's model with its sha256's first 8 hex digits (``mine@1a2b3c4d``)."""
    runtime = runtime_label(d.get("framework", ""), d.get("source") or "", d.get("provider") or "",
                            d.get("options") or "")
    sha = d.get("model_sha256") or ""
    precision = d.get("precision") if d.get("precision") not in (None, "", "fp32") else None
    parts = [f"{d.get('model')}@{sha[:8]}" if sha else d.get("model"), runtime, precision,
             f"b{d['batch_size']}" if "batch_size" in d else None, f"t{d['threads']}" if "threads" in d else None]
    in_set = f" env {d['env_set']}" if d.get("env_set") not in (None, "", CURRENT) else ""
    return " ".join(str(p) for p in parts if p) + in_set + (f" on {d['device']}" if d.get("device") else "")


def _described(ident: Dict, a: Side, b: Side) -> str:
    """The identity, with threads and options shown as 'A → B' where they were ignored and differ."""
    ident = dict(ident)
    for col, va, vb, prefix in (("threads", a.threads, b.threads, "t"), ("options", a.options, b.options, "")):
        if col not in ident:
            ident[col] = va if va == vb else f"{va or '-'} → {prefix}{vb or '-'}"
    ident.pop("device", None)
    return _name(ident)


def verdict(r: Optional[Ratio], reps: Tuple[int, int], metric: str, threshold: float) -> Tuple[str, int]:
    """(verdict, direction) for a ratio B/A from ``reps`` repetitions per side."""
    if r is None:
        return ("no energy measured" if metric == "energy" else "no latencies"), 0
    if min(reps) < MIN_REPETITIONS:
        return FEW, 0
    d = r.direction()
    if d == 0:
        return SAME, 0
    if max(r.value, 1 / r.value) - 1 < threshold:
        return BELOW, 0
    return VERDICTS[metric][d > 0], d


def compare(a: Dataset, b: Dataset, metric: str = "latency", threshold: float = THRESHOLD,
            ignore: Sequence[str] = ()) -> Tuple[List[Match], List[str]]:
    """Every matched configuration with its ratio B/A, verdict and trust warnings; and the unmatched ones."""
    if metric not in METRICS:
        raise UsageError(f"unknown metric '{metric}'", f"valid: {', '.join(METRICS)}")
    matched, alone = pairs(a, b, ignore)
    out = []
    for ident, ra, rb in matched:
        (sa, reps_a), (sb, reps_b) = _side(a, ra, metric), _side(b, rb, metric)
        r = ratio(reps_a, reps_b) if reps_a and reps_b else None
        text, d = verdict(r, (sa.repetitions, sb.repetitions), metric, threshold)
        warn = [f"A: {w}" for w in sa.warnings] + [f"B: {w}" for w in sb.warnings] + _conditions(a, sa, sb)
        out.append(Match(_described(ident, sa, sb), sa, sb, r, text, d, warn))
    return out, alone


@dataclass(frozen=True)
class Across:
    """One value of a dimension compared with the baseline value: A = the baseline's cells, B = this value's."""

    dimension: str
    baseline: str
    value: str
    matches: List[Match]
    alone: List[str]


def across(ds: Dataset, dimension: str, baseline: Optional[str] = None, metric: str = "latency",
           threshold: float = THRESHOLD, ignore: Sequence[str] = ()) -> List[Across]:
    """Cells that differ only in ``dimension`` (e.g. ``env_set``: "did the version change it?"), within one
    dataset (one run, or several pooled): each other value of it against ``baseline`` (default: ``current``
    for env_set, fp32 for precision, else the first value), matched on every other identity dimension."""
    if dimension not in IDENTITY:
        raise UsageError(f"cannot compare across '{dimension}'", f"identity dimensions: {', '.join(IDENTITY)}")
    present = sorted(set(map(str, ds.ok[dimension].dropna())))
    if baseline is None:
        usual = {"env_set": CURRENT, "precision": FP32}.get(dimension)
        baseline = usual if usual in present else (present or [""])[0]
    if baseline not in present or len(present) < 2:
        raise UsageError(f"the data has {dimension} {', '.join(present) or 'none'} among its ok cells: nothing to "
                         f"compare across" + (f" with '{baseline}'" if baseline not in present else ""),
                         f"run the grid with two or more values of {dimension} (e.g. --env-sets current,greenai-2023)"
                         " or pass both runs")
    base = ds.subset(ds.cells[dimension].astype(str) == baseline)
    out = []
    for value in (v for v in present if v != baseline):
        matches, alone = compare(base, ds.subset(ds.cells[dimension].astype(str) == value), metric, threshold,
                                 [*ignore, dimension])
        alone = [line.replace("only in run A", f"only in {dimension} {baseline}")
                 .replace("only in run B", f"only in {dimension} {value}") for line in alone]
        out.append(Across(dimension, baseline, value, matches, alone))
    return out


def failing(matches: Sequence[Match], fail_on: Optional[str]) -> List[Match]:
    """The matches whose verdict ``--fail-on`` (slower, faster, any) turns into a non-zero exit status."""
    if fail_on is None:
        return []
    if fail_on not in FAIL_ON:
        raise UsageError(f"unknown --fail-on '{fail_on}'", f"valid: {', '.join(FAIL_ON)}")
    return [m for m in matches if m.direction in FAIL_ON[fail_on]]
