"""Compare two runs cell by cell: the ratio B/A of the p50 latency (or energy) with a 95% bootstrap CI.

Cells are matched on model, framework, source, batch size, provider and threads (repetitions pooled),
never on device or version, so a comparison works across devices and across framework versions (both
are shown). Adapter options are matched too when both runs have several option sets for a cell;
otherwise the single option set on each side is paired and shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import pandas as pd

from runner.errors import UsageError
from runner.report.load import Dataset
from runner.report.stats import PRACTICAL_THRESHOLD, Ratio, ratio_from_intervals, ratio_of_medians

MATCH_KEYS = ["model", "framework", "source", "batch_size", "provider", "threads"]
METRICS = ("latency", "energy")
VERDICTS = {"latency": ("faster", "slower"), "energy": ("less energy", "more energy")}
SAME = "no significant difference"


@dataclass(frozen=True)
class Side:
    """One run's pooled view of a matched cell."""

    device: str
    version: str
    options: str
    value: Optional[float]
    repetitions: int
    rows: pd.DataFrame


@dataclass(frozen=True)
class Match:
    key: Tuple
    a: Side
    b: Side
    ratio: Optional[Ratio]
    verdict: str


def _side(rows: pd.DataFrame, metric: str) -> Side:
    col = "latency_p50_s" if metric == "latency" else "energy_per_inference_j"
    joined = lambda c: ",".join(sorted(set(map(str, rows[c].dropna()))))  # noqa: E731
    return Side(joined("device"), joined("framework_version"), joined("options"), rows[col].median(),
                len(rows), rows)


def _index(ds: Dataset) -> Dict[Tuple, Dict[str, pd.DataFrame]]:
    """key → options → ok rows of that cell (repetitions together)."""
    out: Dict[Tuple, Dict[str, pd.DataFrame]] = {}
    for key, rows in ds.ok.groupby(MATCH_KEYS + ["options"], dropna=False, sort=True):
        out.setdefault(tuple(key[:-1]), {})[key[-1]] = rows
    return out


def pairs(a: Dataset, b: Dataset) -> Tuple[List[Tuple[Tuple, pd.DataFrame, pd.DataFrame]], List[str]]:
    """Matched (key, rows A, rows B) and a line per cell present on one side only."""
    ia, ib = _index(a), _index(b)
    matched, alone = [], []
    for key in sorted(set(ia) | set(ib), key=str):
        oa, ob = ia.get(key, {}), ib.get(key, {})
        if len(oa) == 1 and len(ob) == 1:
            matched.append((key, next(iter(oa.values())), next(iter(ob.values()))))
            continue
        for opt in sorted(set(oa) | set(ob)):
            if opt in oa and opt in ob:
                matched.append((key + (opt,), oa[opt], ob[opt]))
            else:
                alone.append(f"only in run {'A' if opt in oa else 'B'}: {_name(key + (opt,))}")
    return matched, alone


def _name(key: Tuple) -> str:
    model, framework, source, batch, provider, threads = key[:6]
    src = f"({source})" if source and source != framework else ""
    opt = f" [{key[6]}]" if len(key) > 6 and key[6] else ""
    return f"{model} {framework}{src} b{batch} {provider} t{threads}{opt}"


def _ratio(a: Dataset, b: Dataset, ra: pd.DataFrame, rb: pd.DataFrame, metric: str) -> Optional[Ratio]:
    if metric == "energy":
        ea, eb = ra["energy_per_inference_j"].dropna(), rb["energy_per_inference_j"].dropna()
        return ratio_of_medians(ea.to_numpy(), eb.to_numpy()) if len(ea) and len(eb) else None
    la = a.latencies(zip(ra["run_dir"], ra["cell_id"]))
    lb = b.latencies(zip(rb["run_dir"], rb["cell_id"]))
    return ratio_of_medians(la, lb) or ratio_from_intervals(
        ra["latency_p50_s"].median(), ra["latency_p50_ci95_low_s"].min(), ra["latency_p50_ci95_high_s"].max(),
        rb["latency_p50_s"].median(), rb["latency_p50_ci95_low_s"].min(), rb["latency_p50_ci95_high_s"].max())


def verdict(r: Optional[Ratio], metric: str, threshold: float) -> str:
    """faster / slower / no significant difference (less / more energy for energy); why not, when no ratio."""
    if r is None:
        return "no energy measured" if metric == "energy" else "no latencies"
    sign = r.sign(threshold)
    text = SAME if sign == 0 else VERDICTS[metric][sign > 0]
    return text if r.has_ci else f"{text} (no CI: one repetition per side)"


def compare(a: Dataset, b: Dataset, metric: str = "latency",
            threshold: float = PRACTICAL_THRESHOLD) -> Tuple[List[Match], List[str]]:
    """Every matched cell with its ratio B/A and verdict, and the unmatched cells."""
    if metric not in METRICS:
        raise UsageError(f"unknown metric '{metric}'", f"valid: {', '.join(METRICS)}")
    matched, alone = pairs(a, b)
    out = []
    for key, ra, rb in matched:
        r = _ratio(a, b, ra, rb, metric)
        out.append(Match(key, _side(ra, metric), _side(rb, metric), r, verdict(r, metric, threshold)))
    return out, alone
