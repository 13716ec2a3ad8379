"""Predicates for the Green AI findings (CAIN '24): runtimes and ONNX Runtime providers, time and energy.

Time is the p50 latency (ratios bootstrapped from the raw latencies); energy is the energy per inference
(ratios over repetitions). GPU scope means provider cuda (and tensorrt for ONNX Runtime). Only the study's
models count (ResNet-50, MobileNetV2, BERT-base), except for the energy/time correlation over all cells.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import pandas as pd

from runner.report.evidence import CV_MODELS, GREENAI, GREENAI_MODELS, Context, comparable, fmt, missing, where
from runner.report.findings import (
    CONTRADICTED,
    HOLDS,
    MISSING,
    Finding,
    Result,
    combine,
    pairwise,
    predicate,
    standing,
    tally,
)
from runner.report.findings_pcamp import correlation
from runner.report.stats import Ratio

NO_ENERGY = "energy per inference was not measured for these rows (no meter: see energy_reason)"


def _pair_rows(ctx: Context, a: pd.DataFrame, b: pd.DataFrame, on: List[str]) -> List[Tuple[pd.Series, pd.Series]]:
    """(a, b) configuration pairs that agree on the columns ``on``."""
    out = []
    for _, ra in a.iterrows():
        match = b[(b[on] == ra[on]).all(axis=1)]
        out += [(ra, rb) for _, rb in match.iterrows()]
    return out


def _signed(ctx: Context, a: pd.Series, b: pd.Series, metric: str) -> Optional[Tuple[int, str]]:
    """(sign of b/a, text) for a pair, or None when the metric is missing on either side."""
    r = ctx.ratio(a, b, metric)
    if r is None:
        return None
    col = "p50_s" if metric == "latency" else "energy_j"
    return r.sign(), (f"{where(a)}: {b['label']} {fmt(metric, b[col])} / {a['label']} {fmt(metric, a[col])} "
                      f"= {r.text()}")


def _per_metric(ctx: Context, pairs, judge, claim: str) -> Result:
    """Judge latency, and energy where measured, over the pairs; energy absent is noted, not blocking."""
    parts = [("time", judge([s for s in (_signed(ctx, a, b, "latency") for a, b in pairs) if s], claim))]
    energy = [s for s in (_signed(ctx, a, b, "energy") for a, b in pairs) if s]
    if energy:
        parts.append(("energy", judge(energy, claim)))
    verdict, detail = combine(*parts)
    return verdict, detail + ("" if energy else f" | energy: {NO_ENERGY}")


@predicate("greenai-hard-to-predict")
def hard_to_predict(ctx: Context, f: Finding) -> Result:
    rows = ctx.rows(models=GREENAI_MODELS)
    flips, seen = [], 0
    for _, dev in rows.groupby(["device", "provider", "threads"]):
        subs = [g for _, g in dev.groupby(["model", "batch_size"]) if g["label"].nunique() >= 2]
        seen += len(subs)
        winners = {g.loc[g["p50_s"].idxmin(), "label"]: g for g in subs}
        if len(winners) > 1:
            flips += [f"{where(g.loc[g['p50_s'].idxmin()])}: {w} fastest" for w, g in winners.items()]
    if seen < 3:
        return MISSING, missing(ctx, "3+ model × batch-size groups with 2+ runtimes each on one device",
                                models=GREENAI_MODELS) \
            + f" (have {seen})"
    if flips:
        return HOLDS, f"the fastest runtime changes across {seen} model × batch groups: " + "; ".join(flips[:4])
    return CONTRADICTED, f"the same runtime is fastest in all {seen} model × batch groups on each device"


@predicate("greenai-mxnet-best-cv-b1")
def mxnet_best_cv_b1(ctx: Context, f: Finding) -> Result:
    scope = dict(frameworks=GREENAI, models=CV_MODELS, batches=(1,), providers=("cuda",))
    groups = comparable(ctx.rows(**scope), "mxnet")
    if not groups:
        return MISSING, missing(ctx, "mxnet and pytorch or tensorflow on GPU (provider cuda)", **scope)
    time = tally([standing(ctx, g, "mxnet", "latency") for g in groups], "mxnet is fastest")
    egroups = comparable(ctx.rows(energy=True, **scope), "mxnet")
    energy = tally([standing(ctx, g, "mxnet", "energy") for g in egroups], "mxnet uses the least energy") \
        if egroups else (MISSING, NO_ENERGY)
    return combine(("time", time), ("energy", energy))


def _band(r: Ratio, target: float, band: float) -> int:
    """+1 the ratio is within target ± band, -1 its CI (or value) lies wholly outside, 0 undecided."""
    low, high = (r.low, r.high) if r.has_ci else (r.value, r.value)
    if abs(r.value - target) <= band:
        return 1
    return -1 if high < target - band or low > target + band else 0


def _banded(ctx: Context, pairs, metric: str, target: float, band: float) -> Result:
    results = []
    for a, b in pairs:
        r = ctx.ratio(a, b, metric)
        if r is not None:
            results.append((_band(r, target, band), f"{where(a)}: {b['label']} / {a['label']} = {r.text()}"))
    if not results:
        return MISSING, NO_ENERGY if metric == "energy" else "no pairs"
    head = f"ratio vs the claimed {target:.2f} ± {band:.2f}: "
    if any(s < 0 for s, _ in results):
        return CONTRADICTED, head + "; ".join(t for s, t in results if s < 0)
    if all(s > 0 for s, _ in results):
        return HOLDS, head + "; ".join(t for _, t in results)
    return MISSING, head + "; ".join(t for _, t in results) + " (CI straddles the band: more data needed)"


@predicate("greenai-b64-pytorch-mxnet-tie")
def b64_tie(ctx: Context, f: Finding) -> Result:
    scope = dict(frameworks=("pytorch", "mxnet"), models=CV_MODELS, batches=(64,), providers=("cuda",))
    rows = ctx.rows(**scope)
    pairs = _pair_rows(ctx, rows[rows["framework"] == "pytorch"], rows[rows["framework"] == "mxnet"],
                       ["device", "model", "batch_size", "provider", "threads"])
    if not pairs:
        return MISSING, missing(ctx, "pytorch and mxnet on GPU (provider cuda) at batch 64", **scope)
    band = f.parameters.get("tie_band", 0.05)
    parts = [("time", _banded(ctx, pairs, "latency", 1.0, band))]
    energy = _banded(ctx, pairs, "energy", 1.0, band)
    return combine(*parts, ("energy", energy)) if energy[1] != NO_ENERGY else combine(*parts)


@predicate("greenai-tf-slowest")
def tf_slowest(ctx: Context, f: Finding) -> Result:
    rows = ctx.rows(frameworks=GREENAI, models=CV_MODELS, batches=(1, 64))
    on = ["device", "model", "batch_size", "provider", "threads"]
    pairs = _pair_rows(ctx, rows[rows["framework"] == "tensorflow"], rows[rows["framework"] != "tensorflow"], on)
    if not pairs:
        return MISSING, missing(ctx, "tensorflow and pytorch or mxnet on resnet50/mobilenet_v2",
                                frameworks=GREENAI, models=CV_MODELS, batches=(1, 64))
    return _per_metric(ctx, pairs, pairwise, "tensorflow is outperformed")


@predicate("greenai-pytorch-best-bert")
def pytorch_best_bert(ctx: Context, f: Finding) -> Result:
    scope = dict(frameworks=GREENAI, models=("bert_base",))
    groups = comparable(ctx.rows(**scope), "pytorch")
    if not groups:
        return MISSING, missing(ctx, "pytorch and tensorflow or mxnet on bert_base", **scope)
    time = tally([standing(ctx, g, "pytorch", "latency") for g in groups], "pytorch is fastest")
    egroups = comparable(ctx.rows(energy=True, **scope), "pytorch")
    if not egroups:
        return time[0], time[1] + f" | energy: {NO_ENERGY}"
    return combine(("time", time), ("energy", tally([standing(ctx, g, "pytorch", "energy") for g in egroups],
                                                    "pytorch uses the least energy")))


def _onnx_pairs(ctx: Context, source: Optional[str] = None, **scope) -> List[Tuple[pd.Series, pd.Series]]:
    """(native framework, onnxruntime exported from it) pairs on the same device/model/batch/provider/threads."""
    onnx = ctx.rows(frameworks=("onnxruntime",), **scope)
    native = ctx.rows(frameworks=GREENAI, **scope)
    onnx = onnx[onnx["source"].isin([source] if source else GREENAI)]
    onnx = onnx.assign(framework=onnx["source"])
    pairs = _pair_rows(ctx, native, onnx, ["device", "model", "batch_size", "provider", "threads", "framework"])
    return [(a, ctx.agg.loc[b.name]) for a, b in pairs]


@predicate("greenai-onnx-usually-better")
def onnx_usually_better(ctx: Context, f: Finding) -> Result:
    pairs = _onnx_pairs(ctx, models=GREENAI_MODELS)
    if not pairs:
        return MISSING, missing(ctx, "onnxruntime and its source framework (pytorch, tensorflow or mxnet) "
                                "on the same model, batch and provider", frameworks=("onnxruntime", *GREENAI),
                                models=GREENAI_MODELS)
    return _per_metric(ctx, pairs, _majority, "onnxruntime is faster than its source")


def _majority(results: List[Tuple[int, str]], claim: str) -> Result:
    better = [t for s, t in results if s < 0]
    verdict = HOLDS if len(better) > len(results) / 2 else CONTRADICTED
    shown = better if verdict == HOLDS else [t for s, t in results if s >= 0]
    return verdict, f"{claim} in {len(better)} of {len(results)} pairs: " + "; ".join(shown[:3])


@predicate("greenai-onnx-resnet-b64-worse")
def onnx_resnet_b64_worse(ctx: Context, f: Finding) -> Result:
    pairs = _onnx_pairs(ctx, "pytorch", models=("resnet50",), batches=(64,))
    if not pairs:
        return MISSING, missing(ctx, "pytorch and onnxruntime(pytorch) on resnet50 at batch 64",
                                frameworks=("pytorch", "onnxruntime"), models=("resnet50",), batches=(64,))
    target, band = f.parameters.get("ratio", 1.10), f.parameters.get("band", 0.05)
    return combine(("time", _banded(ctx, pairs, "latency", target, band)),
                   ("energy", _banded(ctx, pairs, "energy", target, band)))


@predicate("greenai-tensorrt-beats-cuda")
def tensorrt_beats_cuda(ctx: Context, f: Finding) -> Result:
    rows = ctx.rows(frameworks=("onnxruntime",), providers=("cuda", "tensorrt"), models=GREENAI_MODELS)
    on = ["device", "model", "batch_size", "source", "threads"]
    pairs = _pair_rows(ctx, rows[rows["provider"] == "cuda"], rows[rows["provider"] == "tensorrt"], on)
    if not pairs:
        return MISSING, missing(ctx, "onnxruntime with both the cuda and the tensorrt provider",
                                frameworks=("onnxruntime",), providers=("cuda", "tensorrt"), models=GREENAI_MODELS)
    return _per_metric(ctx, pairs, pairwise, "tensorrt is faster than cuda")


@predicate("greenai-energy-tracks-time")
def energy_tracks_time(ctx: Context, f: Finding) -> Result:
    n, kind, rho = correlation(ctx, net=True)
    claimed, floor = f.parameters.get("rho", 0.99), f.parameters.get("holds_above", 0.95)
    if n < 5 or rho is None or rho.value != rho.value:
        return MISSING, f"needs 5+ configurations with energy per inference; have {n}"
    text = f"Spearman ρ({kind} energy per inference, mean latency) = {rho.text()} over {n} configurations " \
           f"(claimed ≈ {claimed})"
    high = rho.high if rho.has_ci else rho.value
    if rho.value >= floor or (rho.has_ci and rho.low <= claimed <= rho.high):
        return HOLDS, text
    return (CONTRADICTED, text) if high < floor else (MISSING, text + "; the CI is too wide to decide")
