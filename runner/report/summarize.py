"""Repetitions aggregated into one row per configuration, grouped per device × model × batch size.

A configuration is everything that identifies a cell except its repetition and run: device, model,
batch size, precision (fp32 where the data has no precision column), framework (its version and version set:
labels name the set where the sets differ), source,
provider, threads and adapter options. Its latency comes from
the estimator (``runner.estimate``): the median of the repetitions' p50s with a 95% CI that includes
between-process variance, from the cells' own within-process CI columns (raw latencies are read only for a
cell too short to have them, on first use). The other metrics are medians across repetitions, with the
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
#: The columns of a repetition as the estimator takes it, and where its raw latencies are.
REPETITION = ["latency_p50_s", "latency_p50_ci95_low_s", "latency_p50_ci95_high_s", "run_dir", "cell_id"]
#: Every cells column an aggregate reads (the rest of a wide cells table is left behind before grouping).
USED = list(dict.fromkeys([*CONFIG_KEYS, *MEDIANS.values(), *VALUES.values(), *REPETITION, *COLD_PHASES, "run_id",
                           "status", "output_max_abs_diff", "iterations", "converged", "energy_source",
                           "energy_method", "energy_window_ok"]))


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


def repetitions(rows: pd.DataFrame, reader: Optional[LatencyReader] = None) -> List[Repetition]:
    """The repetitions (cells rows with a p50) as the estimator takes them; ``reader`` is asked for a cell's raw
    latencies only where the estimator needs them (a cell too short for a within-process CI)."""
    cols = {c: rows[c].to_numpy() for c in REPETITION if c in rows.columns}  # arrays: cheap on a wide frame
    keep = ~pd.isna(cols["latency_p50_s"])
    recs = [dict(zip(cols, r)) for r in zip(*(v[keep] for v in cols.values()))]
    return [Repetition.from_row(r, _reading(reader, r)) for r in recs]


def _reading(reader: Optional[LatencyReader], rec: Dict) -> Optional[Callable[[], Optional[np.ndarray]]]:
    return None if reader is None else lambda: reader(rec["run_dir"], rec["cell_id"])


def _latency(reps: List[Repetition]) -> Dict:
    """The estimator's view of the repetitions' p50s."""
    if not reps:
        return dict.fromkeys(("p50_low_s", "p50_high_s", "between_cv", "within_rel_ci", "estimate"),
                             None) | {"p50_s": float("nan"), "p50_reps_s": [], "notes": [], "reps": []}
    e = estimate(reps)
    return {"p50_s": e.value, "p50_low_s": e.low, "p50_high_s": e.high, "between_cv": e.between_cv,
            "within_rel_ci": e.within_rel_ci, "p50_reps_s": list(e.values), "notes": e.notes(), "estimate": e,
            "reps": reps}


def _cold(sums: List[float]) -> Dict:
    """Cold start per repetition (the sum of ``COLD_PHASES``, where every phase is known) and its estimate."""
    reps = values(sums)
    e = estimate(reps) if reps else None
    return {"cold_values": [r.value for r in reps], "cold_s": e.value if e else float("nan"),
            "cold_low_s": e.low if e else None, "cold_high_s": e.high if e else None}


def _derived(ok: pd.DataFrame) -> pd.DataFrame:
    """``ok`` with the per-repetition sums and flags the aggregate takes medians, lists and counts of."""
    return ok.assign(_cold=ok[list(COLD_PHASES)].sum(axis=1, min_count=len(COLD_PHASES)),
                     _trusted=ok["energy_per_inference_j"].where(trusted_energy_mask(ok)),
                     _load_first=ok["load_s"] + ok["first_inference_s"],
                     _unconverged=ok["converged"] == False)  # noqa: E712 (nullable column)


def _scalars(ok: pd.DataFrame) -> Tuple[List[Tuple], Dict[str, list]]:
    """The configurations' keys (sorted) and, in that order, their medians, counts and sums, as lists."""
    out = ok.groupby(CONFIG_KEYS, dropna=False, sort=True).agg(
        **{k: (v, "median") for k, v in MEDIANS.items()}, energy_trusted_j=("_trusted", "median"),
        repetitions=("status", "size"), runs=("run_id", "nunique"), load_first_s=("_load_first", "median"),
        max_abs_diff=("output_max_abs_diff", "max"), iterations=("iterations", "sum"),
        not_converged=("_unconverged", "sum"))
    return [k if isinstance(k, tuple) else (k,) for k in out.index], out.to_dict("list")


def _positions(ok: pd.DataFrame) -> List[np.ndarray]:
    """Each configuration's row positions in ``ok``, in the sorted order of the configurations."""
    grouped = ok.groupby(CONFIG_KEYS, dropna=False, sort=True)
    codes = grouped.ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(grouped.ngroups + 1))
    return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _present(x: np.ndarray) -> List[float]:
    return [float(v) for v in x[~pd.isna(x)]]


def _lists(ok: pd.DataFrame, reader: Optional[LatencyReader]) -> List[Dict]:
    """Per configuration (sorted): the estimator's latency and cold start, and the per-repetition lists."""
    col = {c: ok[c].to_numpy() for c in ("run_id", "run_dir", "cell_id", "_cold", "_trusted", "_load_first",
                                          *VALUES.values())}
    reps, has_p50 = repetitions(ok, reader), ok["latency_p50_s"].notna().to_numpy()
    rep_of = np.cumsum(has_p50) - 1  # row position -> index in reps
    out = []
    for idx in _positions(ok):
        rec = _latency([reps[i] for i in rep_of[idx[has_p50[idx]]]])
        rec.update({k: _present(col[v][idx]) for k, v in VALUES.items()})
        rec.update(_cold(_present(col["_cold"][idx])), energy_trusted_values=_present(col["_trusted"][idx]),
                   load_first_values=_present(col["_load_first"][idx]),
                   parts=list(zip(col["run_dir"][idx], col["cell_id"][idx])), run_ids=sorted(set(col["run_id"][idx])))
        out.append(rec)
    return out


#: The order of an aggregate's columns after CONFIG_KEYS and MEDIANS.
ORDER = ["p50_s", "p50_low_s", "p50_high_s", "between_cv", "within_rel_ci", "p50_reps_s", "notes", "estimate", "reps",
         *VALUES, "cold_values", "cold_s", "cold_low_s", "cold_high_s", "energy_trusted_values", "energy_trusted_j",
         "repetitions", "runs", "load_first_values", "load_first_s", "max_abs_diff", "iterations", "not_converged",
         "parts", "run_ids"]


def aggregate(cells: pd.DataFrame, reader: Optional[LatencyReader] = None) -> pd.DataFrame:
    """One row per configuration over the ok cells (repetitions and runs pooled).

    ``reader`` (e.g. ``Dataset.cell_latencies``) gives the estimator raw latencies where a cell has no p50 CI
    columns (fewer than 16 iterations); elsewhere the columns carry the same information and nothing is read.
    """
    ok = cells.loc[cells["status"] == "ok", [c for c in USED if c in cells.columns]]
    if ok.empty:
        return pd.DataFrame(columns=[*CONFIG_KEYS, *COLUMNS, *MEDIANS, *VALUES])
    ok = _derived(with_precision(ok))
    keys, scalars = _scalars(ok)
    records = []
    for g, (key, lists) in enumerate(zip(keys, _lists(ok, reader))):
        rec = {**dict(zip(CONFIG_KEYS, key)), **{k: v[g] for k, v in scalars.items()}, **lists}
        rec = {k: rec[k] for k in [*CONFIG_KEYS, *MEDIANS, *ORDER]}
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
