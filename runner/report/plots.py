"""Figures of a report (matplotlib, Agg backend), each saved as PNG and SVG, one set per device.

Every figure has one panel per model × batch × precision, bars sorted by value (best on top), error bars
from the repetitions (the estimator's 95% CI), plain numeric ticks and labels that name every identity
dimension that varies (``plotkit.labels``). Its title names what it shows and the device; its subtitle the
framework versions and run ids, so a figure copied out of the report still says where it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import pandas as pd

from runner.report import plotkit as pk
from runner.report import plots_extra as px
from runner.report.summarize import versions

plt = pk.plt


@dataclass
class Figures:
    """Paths of the figures written (by name: PNG, SVG) and notes for figures that could not be drawn."""

    paths: Dict[str, List[Path]] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "device"


#: A panel whose values (with their CIs) span more than this factor gets a log axis, so small bars stay readable.
SPAN = 20.0


def _bars(rows: pd.DataFrame, value: str, low: Optional[str], high: Optional[str], scale: float, unit: str,
          log: bool = False):
    """One panel per model × batch × precision: a bar per configuration, sorted, with its CI."""
    rows = rows.dropna(subset=[value])
    if rows.empty:
        return None
    parts = pk.panels(rows)
    fig, axes = pk.figure([len(g) for _, g in parts])
    cols = pk.colours(rows["framework"])
    for ax, (title, g) in zip(axes, parts):
        err = pk.errors(g[value], g[low], g[high]) * scale if low else None
        vals = g[value].to_numpy(float) * scale
        wide = log or (vals.min() > 0 and (vals + (0 if err is None else err[1])).max() / vals.min() > SPAN)
        pk.hbars(ax, list(pk.labels(g)), vals, err, [cols[f] for f in g["framework"]],
                 unit + (" (log scale)" if wide else ""), wide)
        ax.set_title(title, loc="left")
    return fig


def latency(rows: pd.DataFrame):
    """Steady-state p50 with the estimator's 95% CI over repetitions."""
    return _bars(rows, "p50_s", "p50_low_s", "p50_high_s", 1e3, "p50 latency per call (ms), 95% CI over repetitions")


def _with_ci(rows: pd.DataFrame, reps_col: str, prefix: str) -> pd.DataFrame:
    cis = [pk.interval(v) for v in rows[reps_col]]
    return rows.assign(**{f"{prefix}_low": [c[0] for c in cis], f"{prefix}_high": [c[1] for c in cis]})


def memory(rows: pd.DataFrame):
    """Peak RSS of the worker process, with its 95% CI over repetitions."""
    rows = _with_ci(rows.dropna(subset=["rss_peak_bytes"]), "rss_values", "rss")
    return _bars(rows, "rss_peak_bytes", "rss_low", "rss_high", 2**-20, "peak RSS (MiB), 95% CI over repetitions")


def energy(rows: pd.DataFrame):
    """Trusted energy per inference (no fake meter, no estimate, long enough windows), with its 95% CI."""
    rows = rows.dropna(subset=["energy_trusted_j"])
    if rows.empty:
        return None
    rows = _with_ci(rows, "energy_trusted_values", "e")
    return _bars(rows, "energy_trusted_j", "e_low", "e_high", 1.0, "J per inference (gross), 95% CI over repetitions")


Draw = Callable[[pd.DataFrame], Optional[object]]
PLOTS: Dict[str, Tuple[str, Draw]] = {
    "latency": ("Steady-state latency by runtime", latency),
    "cold_start": ("Cold start: start-up, import, load and first inference", px.cold_start),
    "load_vs_inference": ("Load time vs inference time", px.load_vs_inference),
    "memory": ("Memory footprint (peak RSS)", memory),
    "energy": ("Energy per inference", energy),
    "energy_vs_latency": ("Energy vs latency", px.energy_vs_latency),
    "batch": ("Latency per item by batch size", px.batch),
    "precision": ("Latency by precision", px.precision),
}
WHY_NOT = {"energy": "no trusted energy per inference was measured", "energy_vs_latency": "no trusted energy per "
           "inference was measured", "batch": "no runtime ran more than one batch size on a model",
           "precision": "no runtime ran more than one precision on a model"}


def _save(fig, out: Path, name: str) -> List[Path]:
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    paths = [out / f"{name}.{ext}" for ext in ("png", "svg")]
    for p in paths:
        fig.savefig(p, dpi=100)
    plt.close(fig)
    return paths


def draw_all(agg: pd.DataFrame, out: Path) -> Figures:
    """Every figure for every device in ``agg`` into ``out``; notes say which figures were skipped and why."""
    out.mkdir(parents=True, exist_ok=True)
    figures = Figures()
    devices = sorted(agg["device"].unique()) if not agg.empty else []
    for device in devices:
        rows = agg[agg["device"] == device].sort_values(["model", "batch_size", "label"])
        suffix = f"-{_slug(device)}" if len(devices) > 1 else ""
        runs = sorted({r for ids in rows["run_ids"] for r in ids})
        for name, (what, draw) in PLOTS.items():
            fig = draw(rows)
            if fig is None:
                figures.notes.append(f"{device}: no '{what}' figure: {WHY_NOT.get(name, 'no data')}")
                continue
            pk.titled(fig, what, device, versions(rows), runs)
            figures.paths[name + suffix] = _save(fig, out, name + suffix)
    return figures
