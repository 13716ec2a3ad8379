"""The results table, defined once: its columns as text (terminal, Markdown, HTML, the run summary) and as
values in SI units (``--export csv|json``), from one aggregated configuration (``summarize.aggregate``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

import pandas as pd


def missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def num(x: Optional[float], scale: float = 1.0, digits: int = 3) -> str:
    """A number to ``digits`` significant digits in plain notation (never 1.2e+03), '-' when missing."""
    if missing(x):
        return "-"
    v = x * scale
    if v != 0 and abs(v) < 10 ** -(digits + 1):
        return f"{v:.{digits - 1}e}"
    magnitude = math.floor(math.log10(abs(v))) if v else 0
    decimals = max(0, digits - 1 - magnitude)
    return f"{v:.{decimals}f}"


def mib(x: Optional[float]) -> str:
    """Bytes as whole MiB, '-' when missing."""
    return "-" if missing(x) else f"{x / 2**20:.0f}"


def ci_text(low: Optional[float], high: Optional[float], reps: int, scale: float = 1e3) -> str:
    """'3.61–4.02' for a 95% CI ('≈' for 2-3 repetitions), 'none (1 rep)' without one."""
    if missing(low) or missing(high):
        return "none (1 rep)" if reps == 1 else "-"
    return f"{num(low, scale)}–{num(high, scale)}{' ≈' if reps < 4 else ''}"


def _pct(x: Optional[float]) -> str:
    return "-" if missing(x) else f"{x:.1%}"


def _db(x: Optional[float]) -> str:
    """An SQNR in dB to one decimal; 'identical' for +inf (the output equals the reference)."""
    return "-" if missing(x) else "identical" if x == math.inf else f"{x:.1f}"


@dataclass(frozen=True)
class Column:
    """A column: its header, its text from a row, its export name and value (SI units), and its kind."""

    header: str
    text: Callable[[pd.Series], str]
    key: str = ""  # export name; empty: not exported
    value: Optional[Callable[[pd.Series], Any]] = None
    numeric: bool = True


def _get(col: str) -> Callable[[pd.Series], Any]:
    return lambda r: None if missing(r.get(col)) else r.get(col)


def _ms(col: str, header: str, key: str) -> Column:
    return Column(header, lambda r: num(r.get(col), 1e3), key, _get(col))


RESULTS: List[Column] = [
    Column("runtime", lambda r: r["label"], "runtime", lambda r: r["label"], numeric=False),
    Column("version", lambda r: str(r["framework_version"]), "framework_version",
           lambda r: r["framework_version"], numeric=False),
    Column("threads", lambda r: str(r["threads"]), "threads", lambda r: int(r["threads"])),
    Column("reps", lambda r: str(r["repetitions"]), "repetitions", lambda r: int(r["repetitions"])),
    _ms("import_s", "import ms", "import_s"),
    _ms("load_s", "load ms", "load_s"),
    _ms("first_s", "first ms", "first_inference_s"),
    _ms("cold_s", "cold start ms", "cold_start_s"),
    _ms("p50_s", "p50 ms", "p50_s"),
    Column("p50 95% CI", lambda r: ci_text(r.get("p50_low_s"), r.get("p50_high_s"), r["repetitions"]),
           "p50_ci95_low_s", _get("p50_low_s")),
    Column("CV reps", lambda r: _pct(r.get("between_cv")), "between_cv", _get("between_cv")),
    _ms("p99_s", "p99 ms", "p99_s"),
    Column("items/s", lambda r: num(r.get("throughput")), "throughput_items_per_s", _get("throughput")),
    Column("peak MiB", lambda r: mib(r.get("rss_peak_bytes")), "rss_peak_bytes", _get("rss_peak_bytes")),
    Column("file MiB", lambda r: num(r.get("artifact_bytes"), 2**-20, 2), "artifact_bytes", _get("artifact_bytes")),
    Column("J/inf", lambda r: num(r.get("energy_j")), "energy_per_inference_j", _get("energy_j")),
    Column("J/inf net", lambda r: num(r.get("energy_net_j")), "energy_per_inference_net_j", _get("energy_net_j")),
    Column("max|diff|", lambda r: num(r.get("max_abs_diff"), digits=2), "output_max_abs_diff", _get("max_abs_diff")),
    # agreement with the reference's fp32 output on the quality inputs: what fp16 and int8 cost
    Column("SQNR dB", lambda r: _db(r.get("sqnr_db")), "output_sqnr_db", _get("sqnr_db")),
    Column("top-1", lambda r: _pct(r.get("top1")), "output_top1_agreement", _get("top1")),
]
#: Exported beside the columns above (no column of their own in the text tables).
EXTRA: Dict[str, Callable[[pd.Series], Any]] = {
    "p50_ci95_high_s": _get("p50_high_s"), "cold_start_ci95_low_s": _get("cold_low_s"),
    "cold_start_ci95_high_s": _get("cold_high_s"), "startup_s": _get("startup_s"),
    "energy_trusted_j": _get("energy_trusted_j"),
}
IDENTITY = ["device", "model", "batch_size", "precision", "env_set", "framework", "source", "provider", "options"]
BEST = Column("best", lambda r: "", numeric=False)


def text_rows(rows: pd.DataFrame, best: Dict[Any, Sequence[str]]) -> List[List[str]]:
    """The text of every column (and the best marks) per configuration."""
    return [[c.text(r) for c in RESULTS] + [", ".join(best.get(i, []))] for i, r in rows.iterrows()]


def headers() -> List[str]:
    return [c.header for c in [*RESULTS, BEST]]


def numeric() -> List[bool]:
    return [c.numeric for c in [*RESULTS, BEST]]


def _plain(v: Any, key: str = "") -> Any:
    """A value JSON and CSV can hold (numpy scalars to Python; byte counts as integers)."""
    if missing(v):
        return None
    v = v.item() if hasattr(v, "item") else v
    return int(v) if key.endswith("_bytes") and isinstance(v, float) and v.is_integer() else v


#: The order of the exported columns after the identity (the rest follow in table order).
ORDER = ["runtime", "framework_version", "threads", "repetitions", "startup_s", "import_s", "load_s",
         "first_inference_s", "cold_start_s", "cold_start_ci95_low_s", "cold_start_ci95_high_s", "p50_s",
         "p50_ci95_low_s", "p50_ci95_high_s", "between_cv"]


def records(agg: pd.DataFrame) -> List[Dict[str, Any]]:
    """One record per configuration, SI units, identity first (what ``--export`` writes)."""
    out = []
    for _, r in agg.iterrows():
        got = {c.key: c.value(r) for c in RESULTS if c.key}
        got.update({k: f(r) for k, f in EXTRA.items()})
        keys = [*IDENTITY, *ORDER, *(k for k in got if k not in ORDER)]
        rec = {k: _plain(r.get(k) if k in IDENTITY else got.get(k), k) for k in keys}
        rec["notes"] = "; ".join(r.get("notes") or [])
        out.append(rec)
    return out
