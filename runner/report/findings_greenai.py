"""Predicates for the Green AI findings (CAIN '24): runtimes and ONNX Runtime providers, time and energy.

Time is the p50 latency, energy the energy per inference; both compare by the estimator's ratio over
repetitions (``rules``). Claims about GPUs (MXNet's efficient GPU use, the batch-64 tie on the GPU,
TensorRT vs CUDA) use GPU rows only. Only the study's models count (ResNet-50, MobileNetV2, BERT-base),
except for the energy/time correlation over all groups.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import pandas as pd

from runner.estimate import Ratio
from runner.report.evidence import CV_MODELS, GREENAI, GREENAI_MODELS, Context, comparable
from runner.report.findings import Finding, predicate
from runner.report.findings_pcamp import correlation_verdict
from runner.report.gaps import missing
from runner.report.rules import (
    MISSING,
    Result,
    Standing,
    combine,
    equivalence,
    every,
    fmt,
    has_ci,
    majority,
    standing,
    where,
    winner,
)

NO_ENERGY = "energy per inference was not measured for these rows (no meter: see energy_reason)"
PAIR_KEYS = ["device", "model", "batch_size", "provider", "threads"]
Pairs = List[Tuple[pd.Series, pd.Series]]
#: Turns the ratio b/a of a pair into +1 (supports the claim), -1 (excludes it) or 0.
Judge = Callable[[Optional[Ratio]], int]


def _pair_rows(a: pd.DataFrame, b: pd.DataFrame, on: List[str]) -> Pairs:
    """(a, b) configuration pairs that agree on the columns ``on``."""
    out = []
    for _, ra in a.iterrows():
        match = b[(b[on] == ra[on]).all(axis=1)]
        out += [(ra, rb) for _, rb in match.iterrows()]
    return out


def _b_faster(r: Optional[Ratio]) -> int:
    return -r.direction() if r else 0


def _standings(ctx: Context, pairs: Pairs, metric: str, judge: Judge) -> List[Standing]:
    """One standing per pair with the metric on both sides."""
    col = "p50_s" if metric == "latency" else "energy_j"
    out = []
    for a, b in pairs:
        r = ctx.ratio(a, b, metric)
        if r is not None:
            out.append(Standing(judge(r), f"{where(a)}: {b['label']} {fmt(metric, b[col])} / {a['label']} "
                                          f"{fmt(metric, a[col])} = {r.text()}", has_ci(r)))
    return out


def _per_metric(ctx: Context, pairs: Pairs, rule, claim: str, judge: Judge = _b_faster) -> Result:
    """Time, and energy where measured, over the pairs; energy absent is noted, not blocking."""
    parts = [("time", rule(_standings(ctx, pairs, "latency", judge), claim))]
    energy = _standings(ctx, pairs, "energy", judge)
    if energy:
        parts.append(("energy", rule(energy, claim)))
    verdict, detail = combine(*parts)
    return verdict, detail + ("" if energy else f" | energy: {NO_ENERGY}")


@predicate("greenai-hard-to-predict")
def hard_to_predict(ctx: Context, f: Finding) -> Result:
    rows = ctx.rows(models=GREENAI_MODELS)
    winners, lines, sets = [], [], []
    for _, dev in rows.groupby(["device", "provider", "threads"]):
        here = [winner(g, "latency", ctx.ratio, by="label") for _, g in dev.groupby(["model", "batch_size"])
                if g["label"].nunique() >= 2]
        winners += [w for w, _ in here]
        lines += [f"{w or 'tie'}: {s.text}" for w, s in here]
        sets.append({w for w, _ in here if w})
    if len(winners) < 3:
        return MISSING, missing(ctx, "3+ model × batch-size groups with 2+ runtimes each on one device",
                                models=GREENAI_MODELS) + f" (have {len(winners)})"
    head = f"significant fastest runtime in {len(winners)} model × batch groups: "
    if any(len(s) > 1 for s in sets):
        return "holds", head + "it changes; " + "; ".join(lines[:4])
    if None in winners:
        return MISSING, head + f"{winners.count(None)} ties leave it open; " + "; ".join(lines[:4])
    return "contradicted", head + "the same runtime wins every group on each device; " + "; ".join(lines[:4])


@predicate("greenai-mxnet-best-cv-b1")
def mxnet_best_cv_b1(ctx: Context, f: Finding) -> Result:
    scope = dict(frameworks=GREENAI, models=CV_MODELS, batches=(1,), providers=("cuda",))
    groups = comparable(ctx.rows(**scope), "mxnet")
    if not groups:
        return MISSING, missing(ctx, "mxnet and pytorch or tensorflow on GPU (provider cuda)", needs=("mxnet",),
                                pair="mxnet", **scope)
    time = every([standing(g, "mxnet", "latency", ctx.ratio) for g in groups], "mxnet is fastest")
    egroups = comparable(ctx.rows(energy=True, **scope), "mxnet")
    energy = every([standing(g, "mxnet", "energy", ctx.ratio) for g in egroups], "mxnet uses the least energy") \
        if egroups else (MISSING, NO_ENERGY)
    return combine(("time", time), ("energy", energy))


def _banded(ctx: Context, pairs: Pairs, target: float, low: float, high: float, energy_needed: bool) -> Result:
    """Equivalence (two one-sided tests): every pair's CI inside [low, high] holds; one wholly outside does not.
    Energy is judged the same way where measured; without it the verdict is open only if ``energy_needed``."""
    claim = f"ratio within {low:.3f}–{high:.3f} (claimed {target:g})"
    judge: Judge = lambda r: equivalence(r, low, high)  # noqa: E731
    parts = [("time", every(_standings(ctx, pairs, "latency", judge), claim, "pairs"))]
    energy = _standings(ctx, pairs, "energy", judge)
    if energy or energy_needed:
        parts.append(("energy", every(energy, claim, "pairs") if energy else (MISSING, NO_ENERGY)))
    return combine(*parts)


@predicate("greenai-b64-pytorch-mxnet-tie")
def b64_tie(ctx: Context, f: Finding) -> Result:
    scope = dict(frameworks=("pytorch", "mxnet"), models=CV_MODELS, batches=(64,), providers=("cuda",))
    rows = ctx.rows(**scope)
    pairs = _pair_rows(rows[rows["framework"] == "pytorch"], rows[rows["framework"] == "mxnet"], PAIR_KEYS) \
        if not rows.empty else []
    if not pairs:
        return MISSING, missing(ctx, "pytorch and mxnet on GPU (provider cuda) at batch 64", need_all=("frameworks",),
                                pair="pytorch", **scope)
    band = f.parameters.get("tie_band", 0.05)
    return _banded(ctx, pairs, 1.0, 1 / (1 + band), 1 + band, energy_needed=False)


@predicate("greenai-tf-slowest")
def tf_slowest(ctx: Context, f: Finding) -> Result:
    rows = ctx.rows(frameworks=GREENAI, models=CV_MODELS, batches=(1, 64))
    pairs = _pair_rows(rows[rows["framework"] == "tensorflow"], rows[rows["framework"] != "tensorflow"],
                       PAIR_KEYS) if not rows.empty else []
    if not pairs:
        return MISSING, missing(ctx, "tensorflow and pytorch or mxnet on resnet50/mobilenet_v2", needs=("tensorflow",),
                                pair="tensorflow", frameworks=GREENAI, models=CV_MODELS, batches=(1, 64))
    return _per_metric(ctx, pairs, lambda s, c: every(s, c, "pairs"), "tensorflow is outperformed")


@predicate("greenai-pytorch-best-bert")
def pytorch_best_bert(ctx: Context, f: Finding) -> Result:
    scope = dict(frameworks=GREENAI, models=("bert_base",))
    groups = comparable(ctx.rows(**scope), "pytorch")
    if not groups:
        return MISSING, missing(ctx, "pytorch and tensorflow or mxnet on bert_base", needs=("pytorch",),
                                pair="pytorch", **scope)
    time = every([standing(g, "pytorch", "latency", ctx.ratio) for g in groups], "pytorch is fastest")
    egroups = comparable(ctx.rows(energy=True, **scope), "pytorch")
    if not egroups:
        return time[0], time[1] + f" | energy: {NO_ENERGY}"
    return combine(("time", time), ("energy", every([standing(g, "pytorch", "energy", ctx.ratio) for g in egroups],
                                                    "pytorch uses the least energy")))


def _onnx_pairs(ctx: Context, source: Optional[str] = None, **scope) -> Pairs:
    """(native framework, onnxruntime exported from it) pairs on the same device/model/batch/provider/threads."""
    onnx = ctx.rows(frameworks=("onnxruntime",), **scope)
    native = ctx.rows(frameworks=GREENAI, **scope)
    if onnx.empty or native.empty:
        return []
    onnx = onnx[onnx["source"].isin([source] if source else GREENAI)]
    pairs = _pair_rows(native, onnx.assign(framework=onnx["source"]), [*PAIR_KEYS, "framework"])
    return [(a, ctx.agg.loc[b.name]) for a, b in pairs]


@predicate("greenai-onnx-usually-better")
def onnx_usually_better(ctx: Context, f: Finding) -> Result:
    pairs = _onnx_pairs(ctx, models=GREENAI_MODELS)
    if not pairs:
        return MISSING, missing(ctx, "onnxruntime and its source framework (pytorch, tensorflow or mxnet) "
                                "on the same model, batch and provider", needs=("onnxruntime",),
                                pair="onnxruntime", frameworks=("onnxruntime", *GREENAI),
                                models=GREENAI_MODELS)
    return _per_metric(ctx, pairs, majority, "onnxruntime is significantly faster than its source")


@predicate("greenai-onnx-resnet-b64-worse")
def onnx_resnet_b64_worse(ctx: Context, f: Finding) -> Result:
    pairs = _onnx_pairs(ctx, "pytorch", models=("resnet50",), batches=(64,))
    if not pairs:
        return MISSING, missing(ctx, "pytorch and onnxruntime(pytorch) on resnet50 at batch 64",
                                need_all=("frameworks",), pair="onnxruntime", frameworks=("pytorch", "onnxruntime"),
                                models=("resnet50",), batches=(64,))
    target, band = f.parameters.get("ratio", 1.10), f.parameters.get("band", 0.05)
    return _banded(ctx, pairs, target, target - band, target + band, energy_needed=True)


@predicate("greenai-tensorrt-beats-cuda")
def tensorrt_beats_cuda(ctx: Context, f: Finding) -> Result:
    scope = dict(frameworks=("onnxruntime",), providers=("cuda", "tensorrt"), models=GREENAI_MODELS)
    rows = ctx.rows(**scope)
    on = ["device", "model", "batch_size", "source", "threads"]
    pairs = _pair_rows(rows[rows["provider"] == "cuda"], rows[rows["provider"] == "tensorrt"], on) \
        if not rows.empty else []
    if not pairs:
        return MISSING, missing(ctx, "onnxruntime with both the cuda and the tensorrt provider",
                                need_all=("providers",), **scope)
    return _per_metric(ctx, pairs, lambda s, c: every(s, c, "pairs"), "tensorrt is faster than cuda")


@predicate("greenai-energy-tracks-time")
def energy_tracks_time(ctx: Context, f: Finding) -> Result:
    floor = f.parameters.get("holds_above", 0.95)
    return correlation_verdict(ctx, floor, f"an almost perfect rank correlation (claimed ρ ≈ "
                                           f"{f.parameters.get('rho', 0.99)})")
