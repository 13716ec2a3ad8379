"""Warnings about how far a dataset can be trusted, each with its numbers and the next step."""

from __future__ import annotations

import re
from collections import Counter
from typing import Dict, List

import pandas as pd

from runner.estimate import BETWEEN_CV_MAX
from runner.measure.stats import CV_WARN
from runner.report.load import FAILED_STATUSES
from runner.report.summarize import label, trusted_energy_mask
from runner.results.rows import WARNING_SEP


def _name(row) -> str:
    return f"{row['run_id']}/{row['cell_id']}"


def failures(cells: pd.DataFrame) -> List[str]:
    """One line per cell that did not produce a measurement: status, error class and message."""
    bad = cells[cells["status"] != "ok"]
    lines = []
    for _, r in bad.sort_values(["status", "cell_id"]).iterrows():
        err = r["error_class"] if isinstance(r["error_class"], str) else ""
        msg = r["error_message"] if isinstance(r["error_message"], str) else ""
        log = f" (log: {r['log_path']})" if r["status"] in FAILED_STATUSES and isinstance(r["log_path"], str) else ""
        lines.append(f"{r['status']}: {_name(r)} {err}: {msg}{log}".replace(" : ", ": ").strip())
    return lines


def convergence(cells: pd.DataFrame) -> List[str]:
    """Cells whose p50 CI did not reach the target, and cells with a high coefficient of variation."""
    ok = cells[cells["status"] == "ok"]
    lines = []
    unconverged = ok[ok["converged"] == False]  # noqa: E712 (nullable column)
    if len(unconverged):
        lines.append(f"{len(unconverged)} of {len(ok)} ok cells did not converge "
                     f"({', '.join(unconverged['cell_id'].head(5))}{'…' if len(unconverged) > 5 else ''}); "
                     "raise --max-time-s or --repetitions")
    told = ok["warnings"].fillna("").str.contains("CV ", regex=False)
    noisy = ok[(ok["latency_cv"] > CV_WARN) & ~told]
    for _, r in noisy.head(10).iterrows():
        lines.append(f"high variance: {_name(r)} CV {r['latency_cv']:.2f} > {CV_WARN}; "
                     "check for other load or throttling")
    if len(noisy) > 10:
        lines.append(f"… and {len(noisy) - 10} more cells with CV > {CV_WARN}")
    return lines


def spread(agg: pd.DataFrame) -> List[str]:
    """What the estimator says about each configuration's repetitions: too few for a CI, between-process
    spread that dominates the within-process CI, or spread that keeps a configuration out of verdicts."""
    if agg.empty or "estimate" not in agg:
        return []
    lines, single = [], []
    for _, r in agg.iterrows():
        e = r["estimate"]
        name = f"{r.get('label') or label(r['framework'], r['source'], r['provider'], r['options'])} on " \
               f"{r['device']}/{r['model']}/b{r['batch_size']}"
        if e is None:
            continue
        if e.repetitions == 1:
            single.append(name)
        elif e.dominated or e.unstable:
            verdicts = f"; above {BETWEEN_CV_MAX:.0%} it is left out of verdicts" if e.unstable else ""
            lines.append(f"p50 of {name} varies by CV {e.between_cv:.1%} across {e.repetitions} repetitions while "
                         f"each process's own 95% CI is ±{(e.within_rel_ci or 0):.1%}: between-process spread "
                         f"dominates; more repetitions, not longer cells, narrow its CI{verdicts}")
    if single:
        lines.insert(0, f"{len(single)} configuration(s) ran 1 repetition: between-process variance unknown, no CI "
                        f"and no verdict ({', '.join(single[:3])}{'…' if len(single) > 3 else ''}); "
                        "run --repetitions 3 or more")
    return lines


#: A warning's kind: its words before the first colon or number ("not converged", "high variance").
KIND = re.compile(r"^[^:\d]{3,60}?(?=:|\s\d|\s[±~<>])")


def cell_warnings(cells: pd.DataFrame) -> List[str]:
    """The per-cell ``warnings`` column: identical texts counted once with the cells they came from, and a
    kind of warning that recurs with different numbers in several cells summarised in one line (its first
    text as the example), so a run where every cell says "not converged" gives one line, not one per cell."""
    counts: Counter = Counter()
    first: Dict[str, str] = {}
    for _, r in cells[cells["warnings"].notna()].iterrows():
        for text in filter(None, str(r["warnings"]).split(WARNING_SEP)):
            counts[text] += 1
            first.setdefault(text, _name(r))
    kinds: Dict[str, List[str]] = {}
    for text in counts:
        m = KIND.match(text)
        kind = re.sub(r"\s+(by|of|at|is|was|for)$", "", m.group(0).strip()) if m else text
        kinds.setdefault(kind, []).append(text)
    lines = []
    for kind, texts in kinds.items():
        n = sum(counts[t] for t in texts)
        if len(texts) == 1:
            lines.append(f"{texts[0]} ({first[texts[0]]}{f' and {n - 1} more' if n > 1 else ''})")
        else:
            lines.append(f"{kind} in {n} cells (e.g. {first[texts[0]]}: {texts[0]})")
    return lines


def energy_note(cells: pd.DataFrame) -> str:
    """Empty when energy was measured; otherwise why not (the recorded reasons)."""
    if cells["energy_per_inference_j"].notna().any():
        return ""
    reasons = cells["energy_reason"].dropna().unique().tolist()
    reason = reasons[0] if reasons else "no meter was available"
    return f"no energy was measured in these runs: {reason}"


def energy_gap(cells: pd.DataFrame) -> str:
    """Why there is no trusted energy per inference: no meter (the first recorded reason, shortened), or the
    energy measured is synthetic (fake meter), estimated or over windows shorter than the meters need."""
    ok = cells[cells["status"] == "ok"]
    measured = ok["energy_per_inference_j"].notna()
    if measured.any():
        sources = ", ".join(sorted(set(ok.loc[measured, "energy_source"].dropna())))
        trusted = trusted_energy_mask(ok)
        if not trusted.any():
            return (f"the energy measured ({sources}) is synthetic, estimated or over windows shorter than the "
                    "meters need, so it is not compared")
        return f"trusted energy exists for {int(trusted.sum())} of {len(ok)} ok cells, none of them in this scope"
    reasons = ok["energy_reason"].dropna().unique().tolist()
    first = reasons[0].split(" | ")[0].split(" (")[0].removeprefix("not_found: ") if reasons else ""
    return f"no energy meter ({first}; `edgebench env` says why per meter)" if first else "no energy meter"


def all_warnings(cells: pd.DataFrame, agg: pd.DataFrame) -> List[str]:
    """Convergence, variance, repetition spread and per-cell warnings, in that order (failures apart)."""
    return convergence(cells) + spread(agg) + cell_warnings(cells[cells["status"] == "ok"])
