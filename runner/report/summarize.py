"""Repetitions aggregated into one row per configuration, grouped per device × model × batch size.

A configuration is everything that identifies a cell except its repetition and run: device, model,
batch size, precision (fp32 where the data has no precision column), framework (its version and version set:
labels name the set where the sets differ), source,
provider, threads and adapter options. Its latency comes from
the estimator (``runner.estimate``): the median of the repetitions' p50s with a 95% CI that includes
between-process variance, from the raw latencies when the run stored them (read per configuration, on
first use) or from the cells' own CI columns. The other metrics are medians across repetitions, with the
per-repetition values kept (``*_values``) so comparisons can put an interval on them too.

Cold start (time to first result) is defined here once: start-up + import + load + first inference, summed
per repetition (a repetition missing a phase has no cold start) and estimated like a p50, with a 95% CI over
the repetitions (``cold_s``, ``cold_low_s``, ``cold_high_s``). Trusted energy (``energy_trusted_*``) leaves
out synthetic (fake meter) and estimated energy and windows shorter than the meters need.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
import pandas as pd

from runner.estimate import Repetition, estimate, values
from runner.naming import runtime_label

CONFIG_KEYS = ["device", "device_class", "model", "batch_size", "precision", "framework", "framework_version",
               "env_set", "source", "provider", "threads", "options"]
GROUP_KEYS = ["device", "model", "batch_size", "precision"]
#: Precision of rows written before precision was a column.
DEFAULT_PRECISION = "fp32"
#: The phases of a cold start, in order: a fresh process until its first result.
COLD_PHASES = ("startup_s", "import_s", "load_s", "first_inference_s")
MEDIANS = {
    "p99_s": "latency_p99_s", "mean_s": "latency_mean_s", "startup_s": "startup_s", "load_s": "load_s",
    "first_s": "first_inference_s", "import_s": "import_s", "throughput": "throughput_items_per_s",
    "rss_peak_bytes": "rss_peak_bytes", "gpu_mem_bytes": "gpu_mem_peak_bytes",
    "energy_j": "energy_per_inference_j", "energy_net_j": "energy_per_inference_net_j",
    "cv": "latency_cv", "artifact_bytes": "artifact_bytes",
    "sqnr_db": "output_sqnr_db", "top1": "output_top1_agreement",
}
#: Per-repetition values kept as lists, for intervals over repetitions.
VALUES = {"rss_values": "rss_peak_bytes", "energy_values": "energy_per_inference_j",
          "energy_net_values": "energy_per_inference_net_j", "load_values": "load_s",
          "first_values": "first_inference_s"}
#: Every column of an aggregate besides CONFIG_KEYS, MEDIANS and VALUES (an empty aggregate has them too).
COLUMNS = ["label", "runtime", "cold_s", "cold_low_s", "cold_high_s", "cold_values", "energy_trusted_j",
           "energy_trusted_values", "p50_s", "p50_low_s", "p50_high_s", "between_cv", "within_rel_ci", "p50_reps_s",
           "notes", "estimate", "reps", "repetitions", "runs", "load_first_values", "load_first_s", "max_abs_diff",
           "iterations", "not_converged", "parts", "run_ids"]
#: Reads one cell's raw latencies, (run_dir, cell_id) -> array or None.
LatencyReader = Callable[[str, str], Optional[np.ndarray]]


label = runtime_label  # ``framework(source)/provider [options]`` (runner.naming)


def with_precision(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` with a ``precision`` column (fp32 where absent or null)."""
    if "precision" not in cells:
        return cells.assign(precision=DEFAULT_PRECISION)
    return cells.assign(precision=cells["precision"].fillna(DEFAULT_PRECISION).replace("", DEFAULT_PRECISION))


def trusted_energy_mask(cells: pd.DataFrame) -> pd.Series:
    """Rows whose energy per inference is measured and fit to compare: not from the synthetic ``fake`` meter,
    not an estimate, and over a window at least as long as the meters need (``energy_window_ok``)."""
    synthetic = (cells["energy_source"] == "fake") | (cells["energy_method"] == "estimate")
    short = cells["energy_window_ok"] == False  # noqa: E712 (nullable column)
    return cells["energy_per_inference_j"].notna() & ~synthetic & ~short


def cold_start(rows: pd.DataFrame) -> Dict:
    """Cold start per repetition (the sum of ``COLD_PHASES``) and its estimate with a 95% CI."""
    sums = rows[list(COLD_PHASES)].sum(axis=1, min_count=len(COLD_PHASES)).dropna()
    reps = values(sums.tolist())
    e = estimate(reps) if reps else None
    return {"cold_values": [r.value for r in reps], "cold_s": e.value if e else float("nan"),
            "cold_low_s": e.low if e else None, "cold_high_s": e.high if e else None}


def _values(rows: pd.DataFrame, col: str) -> List[float]:
    return [float(x) for x in rows[col].dropna()]


def _latency(rows: pd.DataFrame, reader: Optional[LatencyReader]) -> Dict:
    """The estimator's view of the repetitions' p50s."""
    rows = rows[rows["latency_p50_s"].notna()]
    if rows.empty:
        return dict.fromkeys(("p50_low_s", "p50_high_s", "between_cv", "within_rel_ci", "estimate"),
                             None) | {"p50_s": float("nan"), "p50_reps_s": [], "notes": [], "reps": []}
    reps = [Repetition.from_row(r, reader(r["run_dir"], r["cell_id"]) if reader else None)
            for _, r in rows.iterrows()]
    e = estimate(reps)
    return {"p50_s": e.value, "p50_low_s": e.low, "p50_high_s": e.high, "between_cv": e.between_cv,
            "within_rel_ci": e.within_rel_ci, "p50_reps_s": list(e.values), "notes": e.notes(), "estimate": e,
            "reps": reps}


def _one(rows: pd.DataFrame, reader: Optional[LatencyReader]) -> Dict:
    """The aggregate of one configuration's ok rows."""
    out: Dict = {k: rows[v].median() for k, v in MEDIANS.items()}
    out.update(_latency(rows, reader))
    out.update({k: _values(rows, v) for k, v in VALUES.items()})
    out.update(cold_start(rows))
    trusted = rows[trusted_energy_mask(rows)]["energy_per_inference_j"]
    out.update(energy_trusted_values=[float(x) for x in trusted],
               energy_trusted_j=float(trusted.median()) if len(trusted) else float("nan"))
    cold = (rows["load_s"] + rows["first_inference_s"]).dropna()
    out.update(
        repetitions=len(rows), runs=rows["run_id"].nunique(), load_first_values=[float(x) for x in cold],
        load_first_s=float(cold.median()) if len(cold) else float("nan"),
        max_abs_diff=rows["output_max_abs_diff"].max(), iterations=rows["iterations"].sum(),
        not_converged=int((rows["converged"] == False).sum()),  # noqa: E712 (nullable column)
        parts=list(zip(rows["run_dir"], rows["cell_id"])), run_ids=sorted(rows["run_id"].unique()),
    )
    return out


def aggregate(cells: pd.DataFrame, reader: Optional[LatencyReader] = None) -> pd.DataFrame:
    """One row per configuration over the ok cells (repetitions and runs pooled).

    ``reader`` (e.g. ``Dataset.cell_latencies``) gives the estimator raw latencies; without it the cells'
    p50 CI columns stand in for them.
    """
    ok = with_precision(cells[cells["status"] == "ok"])
    if ok.empty:
        return pd.DataFrame(columns=[*CONFIG_KEYS, *COLUMNS, *MEDIANS, *VALUES])
    records = []
    for key, rows in ok.groupby(CONFIG_KEYS, dropna=False, sort=True):
        rec = dict(zip(CONFIG_KEYS, key))
        rec.update(_one(rows, reader))
        rec["label"] = runtime_label(rec["framework"], rec["source"], rec["provider"], rec["options"])
        rec["runtime"] = runtime_label(rec["framework"], rec["source"], rec["provider"])
        records.append(rec)
    out = pd.DataFrame.from_records(records)
    if out["env_set"].nunique() > 1:  # configurations of several version sets: the label says which
        out["label"] = out["label"] + " env " + out["env_set"].astype(str)
    return out


def groups(agg: pd.DataFrame, keys: List[str] = GROUP_KEYS) -> Iterator[Tuple[Tuple, pd.DataFrame]]:
    """(key, rows) per device × model × batch size (or ``keys``), in sorted order."""
    if agg.empty:
        return iter(())
    return ((k if isinstance(k, tuple) else (k,), g) for k, g in agg.groupby(keys, sort=True))


def versions(cells: pd.DataFrame) -> str:
    """'<framework> <version>, ...' for the frameworks in ``cells``."""
    pairs = cells[["framework", "framework_version"]].dropna().drop_duplicates().sort_values("framework")
    return ", ".join(f"{f} {v}".strip() for f, v in pairs.itertuples(index=False))
