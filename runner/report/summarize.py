"""Repetitions aggregated into one row per configuration, grouped per device × model × batch size.

A configuration is everything that identifies a cell except its repetition and run: device, model,
batch size, framework (and version), source, provider, threads and adapter options. Its latency is the
median of the repetitions' p50s, with the spread across repetitions (min–max of the p50s) and the widest
per-cell 95% CI of the median; the other metrics are medians across repetitions.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Tuple

import pandas as pd

CONFIG_KEYS = ["device", "device_class", "model", "batch_size", "framework", "framework_version", "source",
               "provider", "threads", "options"]
GROUP_KEYS = ["device", "model", "batch_size"]
MEDIANS = {
    "p50_s": "latency_p50_s", "p99_s": "latency_p99_s", "mean_s": "latency_mean_s", "load_s": "load_s",
    "first_s": "first_inference_s", "import_s": "import_s", "throughput": "throughput_items_per_s",
    "rss_peak_bytes": "rss_peak_bytes", "gpu_mem_bytes": "gpu_mem_peak_bytes",
    "energy_j": "energy_per_inference_j", "energy_net_j": "energy_per_inference_net_j",
    "cv": "latency_cv", "artifact_bytes": "artifact_bytes",
}
MARKS = (("fastest", "p50_s"), ("leanest", "rss_peak_bytes"), ("most frugal", "energy_j"))


def label(framework: str, source: str, provider: str, options: str = "") -> str:
    """A short readable name: ``framework(source)/provider``; the source only where it differs."""
    text = framework
    if source and source != framework:
        text += f"({source})"
    if provider and provider != "cpu":
        text += f"/{provider}"
    return text + (f" [{options}]" if options else "")


def _one(rows: pd.DataFrame) -> Dict:
    """The aggregate of one configuration's ok rows."""
    out: Dict = {k: rows[v].median() for k, v in MEDIANS.items()}
    out.update(
        repetitions=len(rows), runs=rows["run_id"].nunique(),
        p50_min_s=rows["latency_p50_s"].min(), p50_max_s=rows["latency_p50_s"].max(),
        ci_low_s=rows["latency_p50_ci95_low_s"].min(), ci_high_s=rows["latency_p50_ci95_high_s"].max(),
        energy_min_j=rows["energy_per_inference_j"].min(), energy_max_j=rows["energy_per_inference_j"].max(),
        energy_values=rows["energy_per_inference_j"].dropna().tolist(),
        energy_net_values=rows["energy_per_inference_net_j"].dropna().tolist(),
        max_abs_diff=rows["output_max_abs_diff"].max(), iterations=rows["iterations"].sum(),
        not_converged=int((rows["converged"] == False).sum()),  # noqa: E712 (nullable column)
        parts=list(zip(rows["run_dir"], rows["cell_id"])), run_ids=sorted(rows["run_id"].unique()),
    )
    return out


def aggregate(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration over the ok cells (repetitions and runs pooled)."""
    ok = cells[cells["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame(columns=[*CONFIG_KEYS, "label", *MEDIANS])
    records = []
    for key, rows in ok.groupby(CONFIG_KEYS, dropna=False, sort=True):
        rec = dict(zip(CONFIG_KEYS, key))
        rec.update(_one(rows))
        rec["label"] = label(rec["framework"], rec["source"], rec["provider"], rec["options"])
        records.append(rec)
    return pd.DataFrame.from_records(records)


def groups(agg: pd.DataFrame, keys: List[str] = GROUP_KEYS) -> Iterator[Tuple[Tuple, pd.DataFrame]]:
    """(key, rows) per device × model × batch size (or ``keys``), in sorted order."""
    if agg.empty:
        return iter(())
    return ((k if isinstance(k, tuple) else (k,), g) for k, g in agg.groupby(keys, sort=True))


def marks(rows: pd.DataFrame) -> Dict[int, List[str]]:
    """Index → ['fastest', 'leanest', 'most frugal'] for the best row per metric (only when 2+ rows have it)."""
    out: Dict[int, List[str]] = {}
    for name, col in MARKS:
        values = rows[col].dropna()
        if len(values) >= 2:
            out.setdefault(values.idxmin(), []).append(name)
    return out


def versions(cells: pd.DataFrame) -> str:
    """'<framework> <version>, ...' for the frameworks in ``cells``."""
    pairs = cells[["framework", "framework_version"]].dropna().drop_duplicates().sort_values("framework")
    return ", ".join(f"{f} {v}".strip() for f, v in pairs.itertuples(index=False))
