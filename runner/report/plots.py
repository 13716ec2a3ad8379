"""Figures of a report (matplotlib, Agg backend), each saved as PNG and SVG, one set per device.

Every figure's title names what it shows and the device; its subtitle names the framework versions and
the run ids, so a figure copied out of the report still says where it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from runner.report.stats import spearman  # noqa: E402
from runner.report.summarize import versions  # noqa: E402


@dataclass
class Figures:
    """Paths of the figures written (by name) and notes for figures that could not be drawn."""

    paths: Dict[str, List[Path]] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "device"


def _titled(fig, what: str, device: str, rows: pd.DataFrame) -> None:
    runs = sorted({r for ids in rows["run_ids"] for r in ids})
    fig.suptitle(f"{what} — {device}", fontsize=11, fontweight="bold")
    fig.text(0.5, 0.915, f"{versions(rows)}; run {', '.join(runs)}", ha="center", fontsize=8, color="0.35")


def _save(fig, out: Path, name: str) -> List[Path]:
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    paths = [out / f"{name}.{ext}" for ext in ("png", "svg")]
    for p in paths:
        fig.savefig(p, dpi=110)
    plt.close(fig)
    return paths


def _bars(rows: pd.DataFrame, columns: Dict[str, str], scale: float, ylabel: str, log: bool = False,
          yerr: Optional[np.ndarray] = None):
    """Grouped bars: one group per model × runtime, one bar per column; returns the figure.

    ``yerr`` (columns × 2 × rows, in the data's unit) draws asymmetric error bars."""
    table = rows.assign(x=rows["model"] + "\n" + rows["label"] + " b" + rows["batch_size"].astype(str))
    table = table.set_index("x")[list(columns)].rename(columns=columns) * scale
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(table) + 2), 4.6))
    table.plot.bar(ax=ax, logy=log, rot=30, width=0.8, yerr=None if yerr is None else yerr * scale, capsize=2)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    plt.setp(ax.get_xticklabels(), ha="right", fontsize=8)
    return fig


def load_vs_inference(rows: pd.DataFrame) -> Optional[plt.Figure]:
    """pCAMP's point: model load time next to first and steady inference time (log scale)."""
    cols = {"load_s": "load", "first_s": "first inference", "p50_s": "steady p50"}
    return _bars(rows.dropna(subset=["load_s"]), cols, 1e3, "ms (log scale)", log=True)


def p50_errors(rows: pd.DataFrame) -> np.ndarray:
    """(2, rows): distances from the p50 estimate down to its 95% CI and up to it (0 where there is no CI)."""
    low = pd.to_numeric(rows.get("p50_low_s", rows["p50_s"]), errors="coerce").fillna(rows["p50_s"])
    high = pd.to_numeric(rows.get("p50_high_s", rows["p50_s"]), errors="coerce").fillna(rows["p50_s"])
    return np.vstack([(rows["p50_s"] - low).to_numpy(float), (high - rows["p50_s"]).to_numpy(float)])


def latency(rows: pd.DataFrame) -> Optional[plt.Figure]:
    """Steady p50 (with the estimator's 95% CI over repetitions) and p99 latency per runtime and model."""
    err = np.stack([p50_errors(rows), np.zeros((2, len(rows)))])
    fig = _bars(rows, {"p50_s": "p50 (95% CI over repetitions)", "p99_s": "p99"}, 1e3, "latency per call (ms)",
                yerr=err)
    return fig


def memory(rows: pd.DataFrame) -> Optional[plt.Figure]:
    """Peak RSS of the worker process."""
    return _bars(rows.dropna(subset=["rss_peak_bytes"]), {"rss_peak_bytes": "peak RSS"}, 2**-20, "MiB")


def energy(rows: pd.DataFrame) -> Optional[plt.Figure]:
    """Energy per inference, gross and with the idle power subtracted."""
    rows = rows.dropna(subset=["energy_j"])
    return _bars(rows, {"energy_j": "gross", "energy_net_j": "net of idle"}, 1.0, "J per inference") \
        if len(rows) else None


def energy_vs_latency(rows: pd.DataFrame) -> Optional[plt.Figure]:
    """Energy per inference against mean latency, with Spearman's ρ."""
    rows = rows.dropna(subset=["energy_j", "mean_s"])
    if len(rows) < 2:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for lab, g in rows.groupby("label"):
        ax.scatter(g["mean_s"] * 1e3, g["energy_j"], label=lab)
    rho = spearman(rows["mean_s"], rows["energy_j"])
    ax.set(xlabel="mean latency (ms)", ylabel="J per inference", xscale="log", yscale="log",
           title=f"Spearman ρ = {rho:.2f} pooled over {len(rows)} configurations (model size included; "
                 "the findings test within groups)")
    ax.legend(fontsize=7)
    return fig


def batch(rows: pd.DataFrame) -> Optional[plt.Figure]:
    """Per-item latency at each batch size (batch 1 vs 64), where a runtime ran several batch sizes."""
    multi = rows.groupby(["model", "label"])["batch_size"].transform("nunique") > 1
    rows = rows[multi]
    if rows.empty:
        return None
    table = rows.assign(per_item=rows["p50_s"] / rows["batch_size"] * 1e3, x=rows["model"] + "\n" + rows["label"])
    table = table.pivot_table(index="x", columns="batch_size", values="per_item", aggfunc="median")
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(table) + 2), 4.6))
    table.rename(columns=lambda b: f"batch {b}").plot.bar(ax=ax, rot=30, logy=True)
    ax.set(xlabel="", ylabel="p50 per item (ms, log scale)")
    return fig


PLOTS: Dict[str, tuple[str, Callable[[pd.DataFrame], Optional[plt.Figure]]]] = {
    "load_vs_inference": ("Load time vs inference time", load_vs_inference),
    "latency": ("Latency by runtime and model", latency),
    "memory": ("Memory footprint (peak RSS)", memory),
    "energy": ("Energy per inference", energy),
    "energy_vs_latency": ("Energy vs latency", energy_vs_latency),
    "batch": ("Latency per item by batch size (batch 1 vs 64)", batch),
}
WHY_NOT = {"energy": "no energy per inference was measured", "energy_vs_latency": "no energy per inference was "
           "measured", "batch": "no runtime ran more than one batch size on a model"}


def draw_all(agg: pd.DataFrame, out: Path) -> Figures:
    """Every figure for every device in ``agg`` into ``out``; notes say which figures were skipped and why."""
    out.mkdir(parents=True, exist_ok=True)
    figures = Figures()
    devices = sorted(agg["device"].unique()) if not agg.empty else []
    for device in devices:
        rows = agg[agg["device"] == device].sort_values(["model", "batch_size", "label"])
        suffix = f"-{_slug(device)}" if len(devices) > 1 else ""
        for name, (what, draw) in PLOTS.items():
            fig = draw(rows)
            if fig is None:
                figures.notes.append(f"{device}: no '{what}' figure: {WHY_NOT.get(name, 'no data')}")
                continue
            _titled(fig, what, device, rows)
            figures.paths[name + suffix] = _save(fig, out, name + suffix)
    return figures
