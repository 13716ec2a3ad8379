"""Shared helpers for the findings predicates: trusted configurations in a scope, what was left out of a
verdict and why, ratios with uncertainty, and what is missing.

A *scope* filters the aggregated configurations (see ``summarize.aggregate``) by framework, model, batch
size, device class and provider; a harness framework (it measures edgebench itself) is never part of a
scope. Device class ``x86-server`` is every x86 device not labelled a laptop; ``laptop`` is the devices
labelled so (``--laptop NAME`` or a device name containing laptop/macbook/notebook), because a laptop
cannot be told from an x86 host automatically.

Left out of every verdict, and named in it: cells whose output disagrees with the reference, cells that
did not converge, and configurations whose repetitions vary by more than ``BETWEEN_CV_MAX`` (CV).
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import pandas as pd

from runner.catalog import HARNESS, in_study
from runner.estimate import BETWEEN_CV_MAX, Ratio
from runner.report.load import Dataset
from runner.report.rules import fmt, row_ratio, where  # noqa: F401 (re-exported for the predicates)
from runner.report.summarize import aggregate, label, trusted_energy_mask, with_precision

PCAMP = in_study("pcamp")
GREENAI = in_study("greenai", native=True)  # the frameworks run natively; ONNX runs of their exports apart
#: A scope over a study's own set of frameworks names the runtimes it leaves out, and why.
STUDY_SETS = {PCAMP: ("pcamp", "pCAMP package"), GREENAI: ("greenai", "Green AI framework")}
CV_MODELS = ("resnet50", "mobilenet_v2")
GREENAI_MODELS = (*CV_MODELS, "bert_base")
SQUEEZENET = ("squeezenet1_0", "squeezenet1_1")
GPU = ("cuda", "tensorrt")
COMPARE_KEYS = ["device", "model", "batch_size", "precision", "provider", "threads"]
LAPTOP_NAME = re.compile(r"laptop|macbook|notebook", re.IGNORECASE)
#: The worker's and the orchestrator's output-check warnings both say this.
DISAGREES = "differs from the reference"
ENERGY_COLUMNS = ["energy_per_inference_j", "energy_per_inference_net_j"]
SCOPE = {"frameworks": "framework", "models": "model", "batches": "batch_size", "providers": "provider"}


def trusted_energy(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells with untrusted energy blanked (synthetic, estimated, or over too short a window): findings use
    measured energy only (``summarize.trusted_energy_mask``)."""
    untrusted = cells["energy_per_inference_j"].notna() & ~trusted_energy_mask(cells)
    if not untrusted.any():
        return cells
    cells = cells.copy()
    cells.loc[untrusted, ENERGY_COLUMNS] = float("nan")
    return cells


def _untrusted(cells: pd.DataFrame) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """(ok cells fit for verdicts, one row per left-out cell with a ``reason``)."""
    ok = cells[(cells["status"] == "ok") & ~cells["framework"].isin(HARNESS)]
    bad = ok["warnings"].fillna("").str.contains(DISAGREES, regex=False)
    unconverged = (ok["converged"] == False) & ~bad  # noqa: E712 (nullable column)
    out = pd.concat([ok[bad].assign(reason="its output differs from the reference"),
                     ok[unconverged].assign(reason="it did not converge")])
    out["label"] = [label(r["framework"], r["source"], r["provider"], r["options"]) for _, r in out.iterrows()]
    return cells.drop(out.index), out


class Context:
    """The dataset as the predicates see it: trusted configurations, left-out ones, cached ratios."""

    def __init__(self, ds: Dataset, laptops: Iterable[str] = ()) -> None:
        self.ds = ds
        kept, self.excluded = _untrusted(trusted_energy(with_precision(ds.cells)))
        agg = aggregate(kept, ds.cell_latencies)
        self.all = agg[~agg["framework"].isin(HARNESS)] if not agg.empty else agg
        unstable = self.all["between_cv"].fillna(0) > BETWEEN_CV_MAX if not self.all.empty else []
        if len(self.all) and unstable.any():
            worst = self.all[unstable]
            why = [f"its repetitions vary by CV {cv:.0%} > {BETWEEN_CV_MAX:.0%}" for cv in worst["between_cv"]]
            self.excluded = pd.concat([self.excluded, worst.assign(reason=why)], ignore_index=True)
        self.agg = self.all[~unstable] if len(self.all) else self.all
        devices = set(self.all["device"]) if not self.all.empty else set()
        self.laptops: Set[str] = set(laptops) | {d for d in devices if LAPTOP_NAME.search(str(d))}
        self._ratios: Dict[Tuple, Optional[Ratio]] = {}
        self._noted: Dict[str, str] = {}
        self._outside: Dict[str, str] = {}

    def _classes(self, rows: pd.DataFrame, classes: Sequence[str]) -> pd.Series:
        laptop = rows["device"].isin(self.laptops)
        masks = {"x86-server": (rows["device_class"] == "x86") & ~laptop, "laptop": laptop}
        mask = pd.Series(False, index=rows.index)
        for c in classes:
            mask |= masks.get(c, rows["device_class"] == c)
        return mask

    def select(self, rows: pd.DataFrame, classes: Optional[Sequence[str]] = None, **scope) -> pd.DataFrame:
        """``rows`` inside the scope (framework, model, batch, provider lists; device classes)."""
        if rows.empty:
            return rows
        for arg, col in SCOPE.items():
            if scope.get(arg) is not None:
                rows = rows[rows[col].isin(scope[arg])]
        return rows[self._classes(rows, classes)] if classes is not None else rows

    def rows(self, energy: bool = False, **scope) -> pd.DataFrame:
        """Trusted configurations inside the scope; the left-out ones in it are noted for the verdict."""
        for _, r in self.select(self.excluded, **scope).iterrows():
            self._noted.setdefault(f"{r['label']} on {where(r)}", r["reason"])
        self._note_outside(scope)
        rows = self.select(self.agg, **scope)
        return rows[rows["energy_j"].notna()] if energy and not rows.empty else rows

    def _note_outside(self, scope: Dict) -> None:
        """Runtimes in the rest of the scope that a study's own set of frameworks leaves out."""
        wanted = scope.get("frameworks")
        if wanted is None or tuple(wanted) not in STUDY_SETS or self.all.empty:
            return
        study, noun = STUDY_SETS[tuple(wanted)]
        near = self.select(self.all, **{**scope, "frameworks": None})
        for _, r in near[~near["framework"].isin(wanted)].iterrows():
            why = (f"its exports are compared with their source framework in the {study}-onnx findings"
                   if r["framework"] in in_study(study) else f"not a {noun}")
            self._outside.setdefault(r["runtime"], why)

    def energy_gap(self) -> str:
        """Why there is no trusted energy per inference in this dataset, or in part of it."""
        from runner.report.quality import energy_gap

        return energy_gap(self.ds.cells)

    def begin(self) -> None:
        """Start a new verdict: forget what was noted as left out."""
        self._noted, self._outside = {}, {}

    def left_out(self) -> str:
        """'left out: …' (untrusted configurations) and 'not compared: …' (outside the study's set), or ''."""
        parts = []
        if self._noted:
            items = [f"{what} ({why})" for what, why in list(self._noted.items())[:4]]
            more = f" and {len(self._noted) - 4} more" if len(self._noted) > 4 else ""
            parts.append(f"left out: {len(self._noted)} configuration(s): " + "; ".join(items) + more)
        if self._outside:
            parts.append("not compared (outside the study's set): "
                         + "; ".join(f"{who} ({why})" for who, why in self._outside.items()))
        return " | ".join(parts)

    def ratio(self, a: pd.Series, b: pd.Series, metric: str = "latency") -> Optional[Ratio]:
        """b/a on ``metric`` with the estimator's 95% CI (cached)."""
        key = (metric, tuple(a["parts"]), tuple(b["parts"]))
        if key not in self._ratios:
            self._ratios[key] = row_ratio(a, b, metric)
        return self._ratios[key]


def comparable(rows: pd.DataFrame, who: str, others: Optional[Sequence[str]] = None) -> List[pd.DataFrame]:
    """Groups (same device, model, batch, provider, threads) holding ``who`` and at least one other framework."""
    out = []
    for _, g in rows.groupby(COMPARE_KEYS, sort=True, dropna=False):
        other = g[g["framework"] != who] if others is None else g[g["framework"].isin(others)]
        if (g["framework"] == who).any() and len(other):
            out.append(g)
    return out
