"""Predicates for the pCAMP findings (HotEdge '18): packages compared within a device, model and batch size.

pCAMP's packages are TensorFlow, Caffe2, MXNet, PyTorch and TensorFlow Lite, on its models (AlexNet,
SqueezeNet); ONNX Runtime rows and other models (the tiny test CNN) are not part of these comparisons.
"x86 server" is an x86 device not labelled a laptop. Every comparison follows ``rules``: a difference
counts when its 95% CI excludes 1, a tie is undecided.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np

from runner.estimate import ratio
from runner.report.evidence import COMPARE_KEYS, PCAMP, SQUEEZENET, Context, comparable
from runner.report.findings import Finding, predicate
from runner.report.gaps import missing
from runner.report.rules import (
    CONTRADICTED,
    HOLDS,
    MISSING,
    Result,
    Standing,
    equivalence,
    every,
    fmt,
    has_ci,
    majority,
    repetitions,
    standing,
    where,
    winner,
)
from runner.report.stats import median_ci, spearman

PCAMP_MODELS = ("alexnet", *SQUEEZENET)
PAIR = "and another pCAMP package (tensorflow, caffe2, mxnet, pytorch, tflite) on the same device/model/batch"
#: Energy and latency are correlated within these groups (across configurations), never across them.
CORRELATION_KEYS = ["device", "model", "batch_size", "precision", "provider"]
BEST_TEXT = {"latency": "fastest", "memory": "leanest", "energy": "most frugal"}


def _best_everywhere(ctx: Context, who: str, metric: str, claim: str, largest: bool = False, **scope) -> Result:
    """``who`` is significantly best on ``metric`` against the runner-up in every comparable group."""
    scope.setdefault("models", PCAMP_MODELS)
    rows = ctx.rows(frameworks=PCAMP, energy=metric == "energy", **scope)
    groups = comparable(rows, who)
    if not groups:
        need = f"{who} {PAIR}" + (" with energy per inference" if metric == "energy" else "")
        return MISSING, missing(ctx, need, needs=(who,), pair=who, energy=metric == "energy", frameworks=PCAMP,
                                **scope)
    return every([standing(g, who, metric, ctx.ratio, largest) for g in groups], claim)


def _cold_vs_warm(row) -> Standing:
    """Load + first inference against the warm p50 of one configuration, over its repetitions."""
    r = ratio(repetitions(row, "latency"), repetitions(row, "load"))
    text = (f"{where(row)}: load + first {fmt('load', row['load_first_s'])} vs p50 {fmt('latency', row['p50_s'])}"
            f" (×{r.text() if r else '?'})")
    return Standing(r.direction() if r else 0, text, has_ci(r))


@predicate("pcamp-load-dominates")
def load_dominates(ctx: Context, f: Finding) -> Result:
    rows = ctx.rows(frameworks=PCAMP, models=PCAMP_MODELS, batches=(1,)).dropna(subset=["load_first_s", "p50_s"])
    per_fw = {fw: g for fw, g in rows.groupby("framework")}
    if len(per_fw) < 2:
        return MISSING, missing(ctx, "two or more pCAMP packages on alexnet or squeezenet at batch 1", at_least=2,
                                frameworks=PCAMP, models=PCAMP_MODELS, batches=(1,))
    packages = []
    for fw, g in per_fw.items():
        each = [_cold_vs_warm(r) for _, r in g.iterrows()]
        verdict, detail = every(each, "load + first > p50", "configurations")
        packages.append(Standing({HOLDS: 1, CONTRADICTED: -1}.get(verdict, 0), f"{fw}: {detail.replace(' | ', '; ')}",
                                 all(s.ci for s in each)))
    return majority(packages, "loading (with the first inference) takes longer than a warm inference", "packages")


@predicate("pcamp-tf-most-memory")
def tf_most_memory(ctx: Context, f: Finding) -> Result:
    return _best_everywhere(ctx, "tensorflow", "memory", "tensorflow has the largest peak RSS", largest=True)


@predicate("pcamp-pytorch-least-memory")
def pytorch_least_memory(ctx: Context, f: Finding) -> Result:
    return _best_everywhere(ctx, "pytorch", "memory", "pytorch has the smallest peak RSS")


def _trade(ctx: Context, mx, other, more: float) -> Standing:
    """+1 MXNet uses at least ``more`` more memory and significantly less time than ``other``, -1 it does not."""
    mem, lat = ctx.ratio(other, mx, "memory"), ctx.ratio(other, mx, "latency")
    signs = (equivalence(mem, 1.0 + more, float("inf")), -lat.direction() if lat else 0)
    text = (f"{where(mx)}: mxnet {fmt('memory', mx['rss_peak_bytes'])} / {fmt('latency', mx['p50_s'])} vs "
            f"{other['label']} {fmt('memory', other['rss_peak_bytes'])} / {fmt('latency', other['p50_s'])} "
            f"(memory ×{mem.text() if mem else '?'}, time ×{lat.text() if lat else '?'})")
    return Standing(-1 if -1 in signs else 1 if signs == (1, 1) else 0, text, has_ci(mem, lat))


@predicate("pcamp-mxnet-memory-for-time")
def mxnet_memory_for_time(ctx: Context, f: Finding) -> Result:
    more = f.parameters.get("memory_more", 0.10)
    pairs: List[Standing] = []
    for g in comparable(ctx.rows(frameworks=PCAMP, models=PCAMP_MODELS), "mxnet"):
        mx = g[g["framework"] == "mxnet"].iloc[0]
        pairs += [_trade(ctx, mx, o, more) for _, o in g[g["framework"] != "mxnet"].iterrows()]
    if not pairs:
        return MISSING, missing(ctx, f"mxnet {PAIR}", needs=("mxnet",), pair="mxnet", frameworks=PCAMP,
                                models=PCAMP_MODELS)
    return majority(pairs, f"mxnet uses {more:.0%}+ more memory and significantly less time")


def correlation(ctx: Context) -> Tuple[List[float], str]:
    """Spearman ρ between idle-subtracted energy per inference and mean latency, within each device × model ×
    batch × provider group of 3+ configurations (across groups, model size alone makes energy track latency)."""
    rows = ctx.rows(energy=True)
    if not rows.empty:
        rows = rows[rows["repetitions"] >= 2].dropna(subset=["energy_net_j", "mean_s"])
    groups = [g for _, g in rows.groupby(CORRELATION_KEYS)] if not rows.empty else []
    rhos = [r for r in (spearman(g["energy_net_j"], g["mean_s"]) for g in groups if len(g) >= 3) if r == r]
    return rhos, ("device × model × batch × provider groups of 3+ configurations with idle-subtracted energy "
                  "and 2+ repetitions")


def correlation_verdict(ctx: Context, floor: float, claim: str) -> Result:
    """Median ρ over groups with a bootstrap CI over groups: holds when the CI's lower bound clears ``floor``,
    contradicted when its upper bound is below it."""
    rhos, groups = correlation(ctx)
    if len(rhos) < 3:
        return MISSING, f"needs 3+ {groups} (have {len(rhos)}; net energy needs an idle baseline, --idle-s > 0)"
    low, high = median_ci(rhos)
    text = (f"median Spearman ρ(net energy, mean latency) = {float(np.median(rhos)):.2f} (95% CI {low:.2f}–"
            f"{high:.2f}) over {len(rhos)} {groups}; {claim} needs the lower bound above {floor:g}")
    return (HOLDS, text) if low > floor else (CONTRADICTED, text) if high < floor else (MISSING, text)


@predicate("pcamp-energy-tracks-latency")
def energy_tracks_latency(ctx: Context, f: Finding) -> Result:
    return correlation_verdict(ctx, f.parameters.get("holds_above", 0.0), "a positive correlation")


@predicate("pcamp-no-single-winner")
def no_single_winner(ctx: Context, f: Finding) -> Result:
    metrics = ["latency", "memory"] + (["energy"] if ctx.rows(frameworks=PCAMP, energy=True).shape[0] else [])
    wins: List[Optional[str]] = []
    lines = []
    for _, g in ctx.rows(frameworks=PCAMP, models=PCAMP_MODELS).groupby(COMPARE_KEYS):
        for metric in metrics:
            have = g.dropna(subset=[{"latency": "p50_s", "memory": "rss_peak_bytes", "energy": "energy_j"}[metric]])
            if have["framework"].nunique() >= 2:
                top, s = winner(have, metric, ctx.ratio)
                wins.append(top)
                lines.append(f"{BEST_TEXT[metric]} pCAMP package: {top or 'none (tie: the CI includes 1)'}: {s.text}")
    if not wins:
        return MISSING, missing(ctx, "two or more pCAMP packages on the same device/model/batch", at_least=2,
                                pair="*", frameworks=PCAMP, models=PCAMP_MODELS)
    decided = sorted({w for w in wins if w})
    head = (f"{len(decided)} different significant winners ({', '.join(decided) or 'none'}) and "
            f"{wins.count(None)} ties over {len(wins)} metric × group comparisons: ")
    if len(decided) > 1:
        return HOLDS, head + "; ".join(lines[:4])
    return (CONTRADICTED if None not in wins else MISSING), head + "; ".join(lines[:4])


@predicate("pcamp-x86-tf-large")
def x86_tf_large(ctx: Context, f: Finding) -> Result:
    return _best_everywhere(ctx, "tensorflow", "latency", "tensorflow is fastest on alexnet",
                            models=("alexnet",), classes=("x86-server",), providers=("cpu",))


@predicate("pcamp-x86-caffe2-small")
def x86_caffe2_small(ctx: Context, f: Finding) -> Result:
    return _best_everywhere(ctx, "caffe2", "latency", "caffe2 is fastest on squeezenet",
                            models=SQUEEZENET, classes=("x86-server",), providers=("cpu",))


@predicate("pcamp-mxnet-fastest-tx2")
def mxnet_fastest_jetson(ctx: Context, f: Finding) -> Result:
    return _best_everywhere(ctx, "mxnet", "latency", "mxnet is fastest on Jetson", classes=("jetson",))


@predicate("pcamp-mxnet-energy-x86-jetson")
def mxnet_energy(ctx: Context, f: Finding) -> Result:
    return _best_everywhere(ctx, "mxnet", "energy", "mxnet uses the least energy per inference",
                            classes=("x86-server", "jetson"))


@predicate("pcamp-caffe2-energy-macbook")
def caffe2_energy_laptop(ctx: Context, f: Finding) -> Result:
    return _best_everywhere(ctx, "caffe2", "energy", "caffe2 uses the least energy per inference",
                            classes=("laptop",))
