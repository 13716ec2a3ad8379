"""The GPU check's compact summary of one run folder: per configuration, its repetitions' p50s, threads and
timed call; and ONNX Runtime with IO binding against its host-copy path (``-o iobinding=on`` vs ``off``).

    python scripts/gpu_check_summary.py RUN_DIR OUT_TXT OUT_JSON

Reads ``cells/*.parquet`` with pyarrow only. Repetitions are few (3 by default): the summary gives each
configuration's median of per-repetition p50s with the range across repetitions, and the on/off ratio with
the range of every pairing of repetitions, which is a spread, not a confidence interval.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pyarrow.parquet as pq

KEY = ("framework", "provider", "batch_size", "options")


def read_rows(run_dir: Path) -> List[Dict[str, Any]]:
    rows = []
    for part in sorted((run_dir / "cells").glob("part-*.parquet")):
        try:
            rows += pq.read_table(part).to_pylist()
        except Exception as exc:  # noqa: BLE001 - an unreadable part is reported, not fatal
            print(f"unreadable part {part.name}: {exc}", file=sys.stderr)
    return rows


def configuration(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One configuration's repetitions, condensed."""
    ok = [r for r in rows if r["status"] == "ok"]
    p50s = [r["latency_p50_s"] * 1e3 for r in ok if r["latency_p50_s"] is not None]
    first = json.loads(ok[0]["info_json"]) if ok else {}
    call = first.get("timed_call") or {}
    return {
        "statuses": {s: sum(1 for r in rows if r["status"] == s) for s in sorted({r["status"] for r in rows})},
        "p50_ms_per_repetition": [round(v, 4) for v in p50s],
        "p50_ms_median": round(statistics.median(p50s), 4) if p50s else None,
        "iterations": [r["iterations"] for r in ok],
        "converged": [r["converged"] for r in ok],
        "first_inference_s": [round(r["first_inference_s"], 3) for r in ok if r["first_inference_s"] is not None],
        "load_s": [round(r["load_s"], 3) for r in ok if r["load_s"] is not None],
        "output_max_abs_diff": max((r["output_max_abs_diff"] for r in ok if r["output_max_abs_diff"] is not None),
                                   default=None),
        "threads": [rows[0]["threads"], ok[0]["threads_intra"] if ok else None, ok[0]["threads_inter"] if ok else None],
        "threads_reason": (first.get("threads") or {}).get("reason"),
        "providers_active": ok[0]["providers_active"] if ok else None,
        "framework_version": rows[0]["framework_version"],
        "timed_call": {k: call.get(k) for k in ("call", "inputs", "outputs", "sync", "copies", "seen", "seen_agrees")},
        "gpu_mem_peak_bytes": max((r["gpu_mem_peak_bytes"] for r in ok if r["gpu_mem_peak_bytes"]), default=None),
        "errors": sorted({f"{r['status']}: {r['error_message']}" for r in rows if r["status"] != "ok"}),
        "warnings": sorted({w for r in ok for w in (r["warnings"] or "").split(" | ") if w}),
    }


def binding_effect(configs: Dict[Tuple, Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Per provider and batch: ONNX Runtime's p50 without IO binding over with it (> 1: the copies cost)."""
    out = []
    for (fw, provider, batch, options), on in sorted(configs.items(), key=lambda kv: str(kv[0])):
        if "iobinding=on" not in (options or ""):
            continue
        off = configs.get((fw, provider, batch, options.replace("iobinding=on", "iobinding=off")))
        if not off or not on["p50_ms_per_repetition"] or not off["p50_ms_per_repetition"]:
            continue
        pairs = [b / a for a in on["p50_ms_per_repetition"] for b in off["p50_ms_per_repetition"]]
        out.append({"framework": fw, "provider": provider, "batch_size": batch,
                    "p50_ms_bound": on["p50_ms_median"], "p50_ms_host_copies": off["p50_ms_median"],
                    "ratio_off_over_on": round(off["p50_ms_median"] / on["p50_ms_median"], 4),
                    "ratio_range_over_repetition_pairs": [round(min(pairs), 4), round(max(pairs), 4)],
                    "repetitions": [len(on["p50_ms_per_repetition"]), len(off["p50_ms_per_repetition"])]})
    return out


def text(summary: Dict[str, Any]) -> str:
    lines = [f"run {summary['run_id']}: {summary['cells']} cells", ""]
    for c in summary["configurations"]:
        lines.append(f"{c['framework']} {c['provider']} b{c['batch_size']} {c['options'] or '-'}  "
                     f"status {c['statuses']}  p50 ms median {c['p50_ms_median']} reps {c['p50_ms_per_repetition']}")
        t = c["timed_call"]
        if t.get("call"):
            lines.append(f"    timed call: {t['call']} | inputs {t['inputs']}, outputs {t['outputs']}"
                         f" | sync: {t['sync']} | copies: {t['copies'] or 'none'}"
                         f" | seen {t['seen']} agrees={t['seen_agrees']}")
        lines.append(f"    threads asked/intra/inter {c['threads']} {c['threads_reason'] or ''}| providers "
                     f"{c['providers_active']} | version {c['framework_version']} | first s {c['first_inference_s']}"
                     f" | max|diff| {c['output_max_abs_diff']}")
        lines += [f"    ! {e}" for e in c["errors"][:3]] + [f"    warning: {w}" for w in c["warnings"][:3]]
    lines += ["", "ONNX Runtime, host copies in the call (iobinding=off) over IO binding (on), p50:"]
    for b in summary["binding_effect"] or [{"none": "no pair of ok on/off configurations"}]:
        lines.append(f"    {json.dumps(b)}")
    lines.append("    (repetitions per side as listed: the range is the spread over repetition pairs, not a CI)")
    return "\n".join(lines) + "\n"


def main(argv: List[str]) -> int:
    run_dir, out_txt, out_json = Path(argv[0]), Path(argv[1]), Path(argv[2])
    rows = read_rows(run_dir)
    groups: Dict[Tuple, List[Dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in KEY), []).append(r)
    configs = {key: configuration(group) for key, group in groups.items()}
    summary = {"run_id": run_dir.name, "cells": len(rows),
               "configurations": [dict(zip(KEY, key), **c) for key, c in sorted(configs.items(), key=lambda kv:
                                                                               str(kv[0]))],
               "binding_effect": binding_effect(configs)}
    out_json.write_text(json.dumps(summary, indent=1, default=str))
    out_txt.write_text(text(summary))
    print(text(summary), end="")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
