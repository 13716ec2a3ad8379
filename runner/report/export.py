"""``--export csv|json``: the tables of the run summary, ``report``, ``recommend`` and ``compare`` as files
a script reads back: one record per row, SI units in the column names, empty (CSV) or null (JSON) where a
value is missing."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Dict, List, Sequence

from runner.errors import OutputError, UsageError
from runner.report.compare import Match
from runner.report.recommend import BY, Pick

FORMATS = ("csv", "json")


def check(fmt: str) -> str:
    """``fmt`` if it is an export format, else a usage error."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format '{fmt}'", f"valid: {', '.join(FORMATS)}")
    return fmt


def write(records: Sequence[Dict[str, Any]], path: Path) -> Path:
    """``records`` as CSV or JSON (by the file's suffix); the columns are the union, in first-seen order."""
    fields: List[str] = list(dict.fromkeys(k for r in records for k in r))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".json":
            path.write_text(json.dumps(list(records), indent=1, default=str) + "\n", "utf-8")
        else:
            with open(path, "w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fields)
                writer.writeheader()
                writer.writerows({k: "" if r.get(k) is None else r.get(k) for k in fields} for r in records)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}", "pass a writable folder") from None
    return path


def picks(items: Sequence[Pick]) -> List[Dict[str, Any]]:
    """One record per group × criterion of a recommendation."""
    out = []
    for p in items:
        device, model, batch, precision = p.group
        r = p.ratio
        out.append({"device": device, "model": model, "batch_size": batch, "precision": precision, "by": p.by,
                    "metric": BY[p.by].what, "outcome": p.outcome, "best": p.best or None,
                    "runner_up": p.runner_up or None, "best_value": p.best_value, "runner_up_value": p.runner_value,
                    "ratio": r.value if r else None, "ratio_ci95_low": r.low if r else None,
                    "ratio_ci95_high": r.high if r else None, "tied": ", ".join(p.tied) or None, "text": p.text()})
    return out


def matches(items: Sequence[Match], metric: str) -> List[Dict[str, Any]]:
    """One record per matched configuration of ``compare``: both sides, B/A with its CI, the verdict."""
    unit = "s" if metric == "latency" else "j"
    out = []
    for m in items:
        r = m.ratio
        out.append({"configuration": m.name, "metric": metric, "device_a": m.a.device, "device_b": m.b.device,
                    "version_a": m.a.version, "version_b": m.b.version, f"a_{unit}": m.a.value,
                    f"b_{unit}": m.b.value, "repetitions_a": m.a.repetitions, "repetitions_b": m.b.repetitions,
                    "ratio_b_over_a": r.value if r else None, "ratio_ci95_low": r.low if r else None,
                    "ratio_ci95_high": r.high if r else None, "verdict": m.verdict,
                    "warnings": "; ".join(m.warnings) or None})
    return out
