"""Predicates for the pCAMP findings (HotEdge '18): packages compared within a device, model and batch size.

pCAMP's packages are TensorFlow, Caffe2, MXNet, PyTorch and TensorFlow Lite, on its models (AlexNet,
SqueezeNet); ONNX Runtime rows and other models (the tiny test CNN) are not part of these comparisons.
"x86 server" is an x86 device not labelled a laptop.
"""

from __future__ import annotations

from typing import List, Tuple

from runner.report.evidence import COMPARE_KEYS, PCAMP, SQUEEZENET, Context, comparable, fmt, missing, where
from runner.report.findings import CONTRADICTED, HOLDS, MISSING, Finding, Result, predicate, standing, tally
from runner.report.stats import spearman_ci

PCAMP_MODELS = ("alexnet", *SQUEEZENET)
PAIR = "and another pCAMP package (tensorflow, caffe2, mxnet, pytorch, tflite) on the same device/model/batch"


def _best_everywhere(ctx: Context, who: str, metric: str, claim: str, largest: bool = False, **scope) -> Result:
    """``who`` is best (or tied) on ``metric`` in every comparable group of the scope."""
    scope.setdefault("models", PCAMP_MODELS)
    rows = ctx.rows(frameworks=PCAMP, energy=metric == "energy", **scope)
    groups = comparable(rows, who)
    if not groups:
        need = f"{who} {PAIR}" + (" with energy per inference" if metric == "energy" else "")
        return MISSING, missing(ctx, need, frameworks=(who,), **scope) + _energy_gap(ctx, metric)
    return tally([standing(ctx, g, who, metric, largest) for g in groups], claim)


def _energy_gap(ctx: Context, metric: str) -> str:
    if metric == "energy" and not ctx.rows(energy=True).shape[0]:
        return "; no energy per inference was measured (no meter: see energy_reason)"
    return ""


@predicate("pcamp-load-dominates")
def load_dominates(ctx: Context, f: Finding) -> Result:
    rows = ctx.rows(frameworks=PCAMP, models=PCAMP_MODELS, batches=(1,)).dropna(subset=["load_s", "p50_s"])
    per_fw = {fw: g for fw, g in rows.groupby("framework")}
    if len(per_fw) < 2:
        return MISSING, missing(ctx, "two or more pCAMP packages on alexnet or squeezenet at batch 1",
                                frameworks=PCAMP, models=PCAMP_MODELS, batches=(1,))
    lines, dominated = [], 0
    for fw, g in per_fw.items():
        share = float((g["load_s"] > g["p50_s"]).mean())
        dominated += share > 0.5
        lines.append(f"{fw}: load {fmt('load', g['load_s'].median())} vs p50 {fmt('latency', g['p50_s'].median())}"
                     f" (load > p50 in {share:.0%} of {len(g)} configs)")
    verdict = HOLDS if dominated > len(per_fw) / 2 else CONTRADICTED
    return verdict, f"load time exceeds inference time for {dominated} of {len(per_fw)} packages: " + "; ".join(lines)


@predicate("pcamp-tf-most-memory")
def tf_most_memory(ctx: Context, f: Finding) -> Result:
    return _best_everywhere(ctx, "tensorflow", "memory", "tensorflow has the largest peak RSS", largest=True)


@predicate("pcamp-pytorch-least-memory")
def pytorch_least_memory(ctx: Context, f: Finding) -> Result:
    return _best_everywhere(ctx, "pytorch", "memory", "pytorch has the smallest peak RSS")


def _trade(ctx: Context, mx, other) -> Tuple[int, str]:
    """+1 MXNet uses more memory and less time than ``other``, -1 it does not."""
    mem = mx["rss_peak_bytes"] / other["rss_peak_bytes"]
    lat = ctx.ratio(other, mx, "latency")
    trade = mem > 1.0 and lat is not None and lat.sign() < 0
    text = (f"{where(mx)}: mxnet {fmt('memory', mx['rss_peak_bytes'])} / {fmt('latency', mx['p50_s'])} vs "
            f"{other['label']} {fmt('memory', other['rss_peak_bytes'])} / {fmt('latency', other['p50_s'])}")
    return (1 if trade else -1), text


@predicate("pcamp-mxnet-memory-for-time")
def mxnet_memory_for_time(ctx: Context, f: Finding) -> Result:
    pairs: List[Tuple[int, str]] = []
    for g in comparable(ctx.rows(frameworks=PCAMP, models=PCAMP_MODELS), "mxnet"):
        mx = g[g["framework"] == "mxnet"].iloc[0]
        pairs += [_trade(ctx, mx, o) for _, o in g[g["framework"] != "mxnet"].iterrows()]
    if not pairs:
        return MISSING, missing(ctx, f"mxnet {PAIR}", frameworks=("mxnet",), models=PCAMP_MODELS)
    trades = [t for s, t in pairs if s > 0]
    verdict = HOLDS if len(trades) > len(pairs) / 2 else CONTRADICTED
    shown = trades if verdict == HOLDS else [t for s, t in pairs if s < 0]
    return verdict, (f"mxnet uses more memory and less time in {len(trades)} of {len(pairs)} pairs: "
                     + "; ".join(shown[:3]))


def correlation(ctx: Context, net: bool = False) -> Tuple[int, str, object]:
    """(n, which energy, ρ with CI) of energy per inference vs mean latency over configurations with energy."""
    rows = ctx.rows(energy=True)
    col = "energy_net_j" if net and rows["energy_net_j"].notna().all() else "energy_j"
    kind = "net" if col == "energy_net_j" else "gross"
    rows = rows.dropna(subset=[col, "mean_s"])
    return len(rows), kind, spearman_ci(rows[col], rows["mean_s"]) if len(rows) >= 3 else None


@predicate("pcamp-energy-tracks-latency")
def energy_tracks_latency(ctx: Context, f: Finding) -> Result:
    n, kind, rho = correlation(ctx)
    if n < 5 or rho is None or rho.value != rho.value:
        return MISSING, f"needs 5+ configurations with energy per inference; have {n}" + _energy_gap(ctx, "energy")
    text = f"Spearman ρ({kind} energy per inference, mean latency) = {rho.text()} over {n} configurations"
    if rho.has_ci and rho.low > 0:
        return HOLDS, text
    if (rho.has_ci and rho.high <= 0) or (not rho.has_ci and rho.value <= 0):
        return CONTRADICTED, text
    return MISSING, text + "; the CI includes 0 (more configurations needed)"


@predicate("pcamp-no-single-winner")
def no_single_winner(ctx: Context, f: Finding) -> Result:
    metrics = [("latency", "p50_s"), ("memory", "rss_peak_bytes")]
    if ctx.rows(frameworks=PCAMP, energy=True).shape[0]:
        metrics.append(("energy", "energy_j"))
    wins, lines = set(), []
    for _, g in ctx.rows(frameworks=PCAMP, models=PCAMP_MODELS).groupby(COMPARE_KEYS):
        if g["framework"].nunique() < 2:
            continue
        for name, col in metrics:
            best = g.dropna(subset=[col])
            if best["framework"].nunique() >= 2:
                top = best.loc[best[col].idxmin()]
                wins.add(top["framework"])
                lines.append(f"{where(top)} {name}: {top['framework']} {fmt(name, top[col])}")
    if not lines:
        return MISSING, missing(ctx, "two or more pCAMP packages on the same device/model/batch", frameworks=PCAMP,
                                models=PCAMP_MODELS)
    verdict = HOLDS if len(wins) > 1 else CONTRADICTED
    return verdict, f"{len(wins)} different winners ({', '.join(sorted(wins))}) over {len(lines)} metric × group " \
                    f"comparisons ({', '.join(m for m, _ in metrics)}): " + "; ".join(lines[:4])


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
