"""The report's figures beyond single bars: cold start stacked by phase, load vs inference, energy vs
latency, latency per item by batch size and p50 by precision (see ``plots`` for the conventions)."""

from __future__ import annotations

from typing import Dict

import numpy as np
import pandas as pd

from runner.report import plotkit as pk
from runner.report.stats import spearman
from runner.report.summarize import COLD_PHASES

plt = pk.plt


def cold_start(rows: pd.DataFrame):
    """Start-up, import, load and first inference stacked per runtime; the total's 95% CI as an error bar."""
    rows = rows.dropna(subset=["cold_s"])
    if rows.empty:
        return None
    parts = pk.panels(rows)
    fig, axes = pk.figure([len(g) for _, g in parts])
    names = ("start-up", "import", "load", "first inference")
    medians = {"startup_s": "startup_s", "import_s": "import_s", "load_s": "load_s", "first_inference_s": "first_s"}
    for ax, (title, g) in zip(axes, parts):
        g = g.sort_values("cold_s", kind="mergesort")
        y, left = np.arange(len(g)), np.zeros(len(g))
        for phase, name, colour in zip(COLD_PHASES, names, pk.PHASE_COLOURS):
            part = g[medians[phase]].fillna(0).to_numpy(float)
            ax.barh(y, part, left=left, color=colour, height=0.65, label=name)
            left += part
        err = pk.errors(g["cold_s"], g["cold_low_s"], g["cold_high_s"])
        ax.errorbar(g["cold_s"], y, xerr=err, fmt="none", ecolor="0.2", capsize=3, elinewidth=1)
        for yi, total, end in zip(y, g["cold_s"], np.maximum(left, g["cold_s"] + err[1])):
            ax.annotate(f"{pk.plain(float(f'{total:.3g}'))} s", (end, yi), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=7, color="0.3")
        ax.set_yticks(y, list(pk.labels(g)))
        ax.invert_yaxis()
        ax.set_xlabel("seconds from spawn to first result (medians of the phases; error bar: 95% CI of the total)")
        ax.set_title(title, loc="left")
        ax.grid(axis="x", alpha=0.3)
        pk.plain_ticks(ax)
        ax.margins(x=0.12)
    axes[0].legend(ncol=4, fontsize=7, loc="lower right", bbox_to_anchor=(1, 1.02), frameon=False)
    return fig


#: The per-repetition values behind a median column (their 95% CI becomes the error bar).
REPETITION_VALUES = {"load_s": "load_values", "first_s": "first_values"}


def _ci(g: pd.DataFrame, col: str) -> np.ndarray:
    """(2, n) error bars of ``col``: the p50's own CI, or the estimator's CI over the repetitions' values."""
    if col == "p50_s":
        return pk.errors(g["p50_s"], g["p50_low_s"], g["p50_high_s"])
    cis = [pk.interval(v) for v in g[REPETITION_VALUES[col]]]
    return pk.errors(g[col], pd.Series([c[0] for c in cis], index=g.index),
                     pd.Series([c[1] for c in cis], index=g.index))


def _grouped(rows: pd.DataFrame, series: Dict[str, str], unit: str, log: bool = True):
    """Per panel, a group of bars per configuration (one per column of ``series``), sorted by the first."""
    rows = rows.dropna(subset=[next(iter(series))])
    if rows.empty:
        return None
    parts = pk.panels(rows)
    fig, axes = pk.figure([len(g) * len(series) * 0.6 for _, g in parts])
    for ax, (title, g) in zip(axes, parts):
        g = g.sort_values(next(iter(series)), kind="mergesort")
        y, h = np.arange(len(g)), 0.8 / len(series)
        for k, (col, name) in enumerate(series.items()):
            ax.barh(y + (k - (len(series) - 1) / 2) * h, g[col].to_numpy(float) * 1e3, height=h, label=name,
                    color=pk.PHASE_COLOURS[k + 1], xerr=_ci(g, col) * 1e3, capsize=2,
                    error_kw={"elinewidth": 0.8, "ecolor": "0.25"})
        ax.set_yticks(y, list(pk.labels(g)))
        ax.invert_yaxis()
        ax.set_title(title, loc="left")
        ax.set_xlabel(unit)
        ax.grid(axis="x", alpha=0.3)
        pk.plain_ticks(ax, log)
    axes[0].legend(ncol=len(series), fontsize=7, loc="lower right", bbox_to_anchor=(1, 1.02), frameon=False)
    return fig


def load_vs_inference(rows: pd.DataFrame):
    """pCAMP's point: model load time next to the first and the steady inference time (log scale), each with
    its 95% CI over repetitions."""
    return _grouped(rows.dropna(subset=["load_s"]), {"load_s": "load", "first_s": "first inference",
                                                     "p50_s": "steady p50"}, "ms (log scale)")


def energy_vs_latency(rows: pd.DataFrame):
    """Trusted energy per inference against mean latency, one colour per framework, with Spearman's ρ."""
    rows = rows.dropna(subset=["energy_trusted_j", "mean_s"])
    if len(rows) < 2:
        return None
    fig, ax = plt.subplots(figsize=(8.0, 5.0))
    cols = pk.colours(rows["framework"])
    names = pk.labels(rows)
    for i, r in rows.iterrows():
        ax.scatter(r["mean_s"] * 1e3, r["energy_trusted_j"], color=cols[r["framework"]], s=28)
        ax.annotate(f"{names[i]} · {r['model']} b{r['batch_size']}", (r["mean_s"] * 1e3, r["energy_trusted_j"]),
                    xytext=(4, 2), textcoords="offset points", fontsize=6, color="0.3")
    rho = spearman(rows["mean_s"], rows["energy_trusted_j"])
    ax.set(xlabel="mean latency per call (ms, log scale)", ylabel="J per inference (log scale)", xscale="log",
           yscale="log")
    ax.set_title(f"Spearman ρ = {rho:.2f} pooled over {len(rows)} configurations\n(model size included; the "
                 "findings test within device × model × batch groups)", loc="left")
    pk.plain_ticks(ax, log=True)
    ax.yaxis.set_major_formatter(pk.FuncFormatter(pk.plain))
    ax.grid(alpha=0.3)
    return fig


def _by(rows: pd.DataFrame, column: str, value: pd.Series, unit: str, name: str):
    """Per model, a group of bars per runtime: one per value of ``column`` (batch size, precision)."""
    rows = rows.assign(_v=value, _who=pk.labels(rows, exclude=(column, "batch_size", "precision")))
    rows = rows[rows.groupby(["model", "_who"])[column].transform("nunique") > 1]
    if rows.empty:
        return None
    models = sorted(rows["model"].unique())
    fig, axes = pk.figure([rows[rows["model"] == m]["_who"].nunique() * 1.5 for m in models])
    levels = sorted(rows[column].unique(), key=str)
    for ax, model in zip(axes, models):
        g = rows[rows["model"] == model]
        table = g.pivot_table(index="_who", columns=column, values="_v", aggfunc="median")
        table = table.loc[table.min(axis=1).sort_values().index]
        y, h = np.arange(len(table)), 0.8 / len(levels)
        for k, level in enumerate(levels):
            if level in table:
                ax.barh(y + (k - (len(levels) - 1) / 2) * h, table[level].to_numpy(float), height=h,
                        label=f"{name} {level}", color=pk.PALETTE[k % len(pk.PALETTE)])
        ax.set_yticks(y, list(table.index))
        ax.invert_yaxis()
        ax.set_title(model, loc="left")
        ax.set_xlabel(unit)
        ax.grid(axis="x", alpha=0.3)
        pk.plain_ticks(ax, log=True)
        ax.legend(fontsize=7, frameon=False)
    return fig


def batch(rows: pd.DataFrame):
    """Latency per item at each batch size, where a runtime ran several on a model."""
    return _by(rows, "batch_size", rows["p50_s"] / rows["batch_size"] * 1e3, "p50 per item (ms, log scale)", "batch")


def precision(rows: pd.DataFrame):
    """p50 per precision (fp32, fp16, int8), where a runtime ran several on a model."""
    return _by(rows, "precision", rows["p50_s"] * 1e3, "p50 per call (ms, log scale)", "")
