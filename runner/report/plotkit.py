"""Drawing helpers for the report's figures: horizontal bars sorted by value with error bars, panels per
model × batch × precision, plain numeric ticks (``0.5, 1, 2, 5, 10``, never ``3×10¹``), one colour per
framework across every figure, and labels that name every identity dimension that varies."""

from __future__ import annotations

import textwrap
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.titlesize": 9, "axes.titleweight": "bold"})
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from runner.estimate import estimate, values  # noqa: E402
from runner.naming import display_name, varying  # noqa: E402

PANEL_KEYS = ["model", "batch_size", "precision"]
LABEL_DIMS = ("threads", "precision", "framework_version", "env_set")
PALETTE = plt.get_cmap("tab10").colors
PHASE_COLOURS = ("#9ecae1", "#4292c6", "#08519c", "#f16913")


def plain(v: float, _pos=None) -> str:
    """A tick label in plain notation: 0.001, 0.5, 3, 30, 2000."""
    if v == 0:
        return "0"
    return f"{v:.6g}" if abs(v) >= 1e-4 else f"{v:.1e}"


def plain_ticks(ax, log: bool = False) -> None:
    """Plain numeric tick labels on the value (x) axis; on a log axis at 1, 2 and 5 of each decade."""
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(plain))


def colours(frameworks: Sequence[str]) -> Dict[str, Tuple]:
    """One colour per framework, stable across figures (sorted names)."""
    return {f: PALETTE[i % len(PALETTE)] for i, f in enumerate(sorted(set(frameworks)))}


def labels(rows: pd.DataFrame, exclude: Sequence[str] = ()) -> pd.Series:
    """Each configuration's name with every dimension that varies for one runtime (threads, precision,
    version, environment set; not those in ``exclude``) appended, so no two bars read the same."""
    recs = rows.to_dict("records")
    dims = varying(recs, [d for d in LABEL_DIMS if d not in exclude])
    return pd.Series([display_name(r, dims) for r in recs], index=rows.index)


def panels(rows: pd.DataFrame) -> List[Tuple[str, pd.DataFrame]]:
    """(title, rows) per model × batch × precision, in sorted order."""
    out = []
    for (model, batch, precision), g in rows.groupby(PANEL_KEYS, sort=True):
        out.append((f"{model} · batch {batch} · {precision}", g))
    return out


def figure(n_bars: Sequence[int], width: float = 8.0):
    """A figure with one panel per entry of ``n_bars``, each as tall as its bars need."""
    heights = [max(1.2, 0.32 * n + 0.6) for n in n_bars]
    fig, axes = plt.subplots(len(n_bars), 1, figsize=(width, sum(heights) + 1.3), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    return fig, list(axes[:, 0])


def interval(reps: Sequence[float]) -> Tuple[Optional[float], Optional[float]]:
    """The estimator's 95% CI of per-repetition values (None, None with fewer than 2)."""
    got = values(reps)
    if len(got) < 2:
        return None, None
    e = estimate(got)
    return e.low, e.high


def errors(value: pd.Series, low: pd.Series, high: pd.Series) -> np.ndarray:
    """(2, n) distances from each value down to its CI and up to it (0 where there is no CI)."""
    lo = pd.to_numeric(low, errors="coerce").fillna(value)
    hi = pd.to_numeric(high, errors="coerce").fillna(value)
    return np.vstack([(value - lo).clip(lower=0).to_numpy(float), (hi - value).clip(lower=0).to_numpy(float)])


def hbars(ax, names: Sequence[str], vals: np.ndarray, err: Optional[np.ndarray], cols: Sequence, unit: str,
          log: bool = False, annotate: bool = True) -> None:
    """Horizontal bars, best (smallest) on top, with error bars and the value written at each bar's end."""
    order = np.argsort(vals, kind="mergesort")
    y = np.arange(len(order))
    e = None if err is None else err[:, order]
    ax.barh(y, vals[order], xerr=e, color=[cols[i] for i in order], capsize=3, height=0.65,
            error_kw={"elinewidth": 1, "ecolor": "0.25"})
    ax.set_yticks(y, [names[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.grid(axis="x", alpha=0.3)
    plain_ticks(ax, log)
    if annotate:
        for yi, i in zip(y, order):
            top = vals[i] + (0 if e is None else e[1, yi])
            ax.annotate(plain(float(f"{vals[i]:.3g}")), (top, yi), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=7, color="0.3")
    ax.margins(x=0.12)


def titled(fig, what: str, device: str, versions: str, runs: Sequence[str]) -> None:
    """Title (what, device) and a wrapped subtitle (framework versions, run ids) above the panels."""
    sub = textwrap.fill(f"{versions}; run {', '.join(runs)}", 130)
    fig.suptitle(f"{what} — {device}", fontsize=11, fontweight="bold", x=0.02, ha="left")
    fig.text(0.02, 1 - 0.42 / fig.get_figheight(), sub, ha="left", va="top", fontsize=7, color="0.35")
