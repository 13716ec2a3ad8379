"""Shared helpers for the findings predicates: scoped rows, comparable groups, ratios with uncertainty.

A *scope* filters the aggregated configurations (see ``summarize.aggregate``) by framework, model, batch
size, device class and provider; a harness framework (it measures edgebench itself) is never part of a
scope. Device class ``x86-server`` is every x86 device not labelled a laptop; ``laptop`` is the devices
labelled so (``--laptop NAME`` or a device name containing laptop/macbook/notebook), because a laptop
cannot be told from an x86 host automatically.
"""

from __future__ import annotations

import math
import re
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import pandas as pd

from runner.catalog import HARNESS, in_study
from runner.report.load import Dataset
from runner.report.stats import Ratio, ratio_from_intervals, ratio_of_medians
from runner.report.summarize import aggregate

PCAMP = in_study("pcamp")
GREENAI = in_study("greenai", native=True)  # the frameworks run natively; ONNX runs of their exports apart
CV_MODELS = ("resnet50", "mobilenet_v2")
GREENAI_MODELS = (*CV_MODELS, "bert_base")
SQUEEZENET = ("squeezenet1_0", "squeezenet1_1")
COMPARE_KEYS = ["device", "model", "batch_size", "provider", "threads"]
LAPTOP_NAME = re.compile(r"laptop|macbook|notebook", re.IGNORECASE)
METRICS = {"latency": "p50_s", "energy": "energy_j", "memory": "rss_peak_bytes", "mean": "mean_s"}


class Context:
    """The dataset as the predicates see it: aggregated configurations plus cached ratios."""

    def __init__(self, ds: Dataset, laptops: Iterable[str] = ()) -> None:
        self.ds = ds
        agg = aggregate(trusted_energy(ds.cells))
        self.agg = agg[~agg["framework"].isin(HARNESS)] if not agg.empty else agg
        devices = set(self.agg["device"]) if not self.agg.empty else set()
        self.laptops: Set[str] = set(laptops) | {d for d in devices if LAPTOP_NAME.search(str(d))}
        self._ratios: Dict[Tuple, Optional[Ratio]] = {}

    def _classes(self, rows: pd.DataFrame, classes: Sequence[str]) -> pd.Series:
        laptop = rows["device"].isin(self.laptops)
        masks = {"x86-server": (rows["device_class"] == "x86") & ~laptop, "laptop": laptop}
        mask = pd.Series(False, index=rows.index)
        for c in classes:
            mask |= masks.get(c, rows["device_class"] == c)
        return mask

    def rows(self, frameworks: Optional[Sequence[str]] = None, models: Optional[Sequence[str]] = None,
             batches: Optional[Sequence[int]] = None, classes: Optional[Sequence[str]] = None,
             providers: Optional[Sequence[str]] = None, energy: bool = False) -> pd.DataFrame:
        """Aggregated ok configurations inside the scope."""
        rows = self.agg
        if rows.empty:
            return rows
        for col, values in (("framework", frameworks), ("model", models), ("batch_size", batches),
                            ("provider", providers)):
            if values is not None:
                rows = rows[rows[col].isin(values)]
        if classes is not None:
            rows = rows[self._classes(rows, classes)]
        return rows[rows["energy_j"].notna()] if energy else rows

    def ratio(self, a: pd.Series, b: pd.Series, metric: str = "latency") -> Optional[Ratio]:
        """b/a for a metric, with a 95% CI: raw latencies bootstrapped, energy over repetitions."""
        key = (metric, a["label"], tuple(a["parts"]), b["label"], tuple(b["parts"]))
        if key not in self._ratios:
            self._ratios[key] = self._ratio(a, b, metric)
        return self._ratios[key]

    def _ratio(self, a: pd.Series, b: pd.Series, metric: str) -> Optional[Ratio]:
        if metric == "latency":
            ra = ratio_of_medians(self.ds.latencies(a["parts"]), self.ds.latencies(b["parts"]))
            return ra or ratio_from_intervals(a["p50_s"], a["ci_low_s"], a["ci_high_s"], b["p50_s"],
                                              b["ci_low_s"], b["ci_high_s"])
        if metric == "energy":
            va, vb = a["energy_values"], b["energy_values"]
            return ratio_of_medians(va, vb) if va and vb else None
        col = METRICS[metric]
        return Ratio(b[col] / a[col], method="point") if _num(a[col]) and _num(b[col]) and a[col] else None


ENERGY_COLUMNS = ["energy_per_inference_j", "energy_per_inference_net_j"]


def trusted_energy(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells with synthetic (fake meter) or estimated energy blanked: findings use measured energy only."""
    synthetic = (cells["energy_source"] == "fake") | (cells["energy_method"] == "estimate")
    if not synthetic.any():
        return cells
    cells = cells.copy()
    cells.loc[synthetic, ENERGY_COLUMNS] = float("nan")
    return cells


def _num(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def comparable(rows: pd.DataFrame, who: str, others: Optional[Sequence[str]] = None) -> List[pd.DataFrame]:
    """Groups (same device, model, batch, provider, threads) holding ``who`` and at least one other framework."""
    out = []
    for _, g in rows.groupby(COMPARE_KEYS, sort=True):
        other = g[g["framework"] != who] if others is None else g[g["framework"].isin(others)]
        if (g["framework"] == who).any() and len(other):
            out.append(g)
    return out


def where(row: pd.Series) -> str:
    """'device/model/b1/cpu' for a configuration."""
    return f"{row['device']}/{row['model']}/b{row['batch_size']}/{row['provider']}"


def fmt(metric: str, value: float) -> str:
    """A metric value with its unit, readable."""
    if metric in ("latency", "mean", "load"):
        return f"{value * 1e3:.3g} ms"
    if metric == "memory":
        return f"{value / 2**20:.0f} MiB"
    return f"{value:.3g} J"


def missing(ctx: Context, need: str, **scope) -> str:
    """What is absent for a scope: per dimension, the asked-for values that have no ok rows."""
    if ctx.agg.empty:
        return (f"needs {need}; the dataset has no framework rows (null-adapter rows measure the harness "
                "and are not evidence)")
    dims = {"frameworks": "framework", "models": "model", "batches": "batch_size", "providers": "provider"}
    gaps = []
    for arg, col in dims.items():
        wanted = scope.get(arg)
        if wanted is None:
            continue
        rest = {k: v for k, v in scope.items() if k != arg}
        have = set(ctx.rows(**rest)[col])
        absent = [str(w) for w in wanted if w not in have]
        if absent:
            gaps.append(f"no ok rows for {col} {', '.join(absent)}"
                        + (f" (have: {', '.join(sorted(map(str, have)))})" if have else ""))
    gaps += _class_gaps(ctx, scope.get("classes"))
    return f"needs {need}; " + ("; ".join(gaps) if gaps else "the rows present do not form such a comparison")


def _class_gaps(ctx: Context, classes: Optional[Sequence[str]]) -> List[str]:
    if not classes:
        return []
    have = set(ctx.rows(classes=classes)["device"])
    if have:
        return []
    if "laptop" in classes:
        return ["no device is labelled a laptop: laptop-class x86 cannot be told from x86 automatically "
                "(pass --laptop DEVICE to the report)"]
    return [f"no device of class {', '.join(classes)}"]


def best_config(group: pd.DataFrame, who: str, col: str, largest: bool = False) -> pd.Series:
    """``who``'s configuration in a group with the best value of ``col`` (several sources or options)."""
    mine = group[group["framework"] == who].dropna(subset=[col])
    return mine.loc[mine[col].idxmax() if largest else mine[col].idxmin()]
