"""The report's content, built once as blocks (``document``) and written as report.md or report.html."""

from __future__ import annotations

import csv
import io
import math
from importlib import resources
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pandas as pd

from runner.report import quality
from runner.report.document import Block, Bullets, Heading, Image, Para, Table, to_html, to_markdown
from runner.report.findings import Verdict
from runner.report.load import Dataset
from runner.report.plots import Figures
from runner.report.rules import marks
from runner.report.summarize import groups

RESULT_HEADERS = ["runtime", "version", "threads", "reps", "load ms", "first ms", "p50 ms", "p50 95% CI", "CV reps",
                  "p99 ms", "items/s", "peak MiB", "file MiB", "J/inf", "J/inf net", "max|diff|", "best"]


def num(x: Optional[float], scale: float = 1.0, digits: int = 3) -> str:
    """A number to ``digits`` significant digits, '-' when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x * scale:.{digits}g}"


def mib(x: Optional[float]) -> str:
    """Bytes as whole MiB, '-' when missing."""
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x / 2**20:.0f}"


def ci_text(r: pd.Series) -> str:
    """'3.61–4.02' (ms) for the estimator's 95% CI; why there is none, when there is none."""
    if r.get("p50_low_s") is None or r.get("p50_high_s") is None or math.isnan(r["p50_low_s"]):
        return "none (1 rep)" if r["repetitions"] == 1 else "-"
    approx = " ≈" if r["repetitions"] < 4 else ""
    return f"{num(r['p50_low_s'], 1e3)}–{num(r['p50_high_s'], 1e3)}{approx}"


def result_row(r: pd.Series, best: Sequence[str]) -> List[str]:
    """One configuration's row of a results table."""
    cv = r.get("between_cv")
    return [r["label"], r["framework_version"], str(r["threads"]), str(r["repetitions"]), num(r["load_s"], 1e3),
            num(r["first_s"], 1e3), num(r["p50_s"], 1e3), ci_text(r),
            f"{cv:.1%}" if cv is not None and not math.isnan(cv) else "-", num(r["p99_s"], 1e3),
            num(r["throughput"]), mib(r["rss_peak_bytes"]), num(r["artifact_bytes"], 2**-20, 2), num(r["energy_j"]),
            num(r["energy_net_j"]),
            num(r["max_abs_diff"], digits=2), ", ".join(best)]


def results(agg: pd.DataFrame) -> List[Block]:
    """A table per device × model × batch size; the fastest, leanest and most frugal marked."""
    blocks: List[Block] = [Heading(2, "Results")]
    if agg.empty:
        return blocks + [Para("No cell ran to completion; see the failed cells below.")]
    blocks.append(Para("Per configuration, repetitions pooled: p50 is the median of the repetitions' p50s, with "
                       "a 95% CI that includes between-process variance (hierarchical bootstrap and a t-interval "
                       "on log p50s, the wider; ≈ marks 2-3 repetitions: approximate; 1 repetition: no CI). CV reps "
                       "is the spread of the repetitions' p50s. Other columns are medians across repetitions; "
                       "file MiB is the artifact's size on disk. J/inf is energy per inference call, gross and net "
                       "of idle power; max|diff| is the output's "
                       "largest absolute difference from the reference framework. best marks the significantly "
                       "best row per metric, '(tie)' when its CI against the runner-up includes 1."))
    for (device, model, batch), rows in groups(agg):
        best = marks(rows)
        blocks.append(Heading(3, f"{device} · {model} · batch {batch}"))
        blocks.append(Table(RESULT_HEADERS, [result_row(r, best.get(i, [])) for i, r in rows.iterrows()]))
    return blocks


def _run_line(run_dir: str, m: Dict) -> str:
    """A run's manifest in one line: device, CPU, memory, OS, kernel, edgebench and package versions."""
    host = m.get("host") or {}
    envs = m.get("environments") or {}
    pkgs = sorted({f"{k} {v}" for e in envs.values() for k, v in (e.get("packages") or {}).items()})
    cpu = f"CPU {host.get('cpu_model', '?')} × {host.get('cpu_count', '?')}"
    extra = "".join(f", {label} {host[key]}" for key, label in (("l4t_release", "L4T"), ("image", "image"))
                    if host.get(key))
    return (f"run {m.get('run_id', Path(run_dir).name)}: device {m.get('device', '?')} "
            f"({host.get('device_class', '?')}), {cpu}, {num(host.get('memory_total_bytes'), 2**-30, 3)} GiB, "
            f"{host.get('os', '?')}, kernel {host.get('kernel', '?')}{extra}; edgebench "
            f"{m.get('runner_version', '?')} ({str(m.get('git_revision') or '?')[:10]}); " + ", ".join(pkgs))


def environment(ds: Dataset) -> List[Block]:
    """One line per run from its manifest."""
    items = [_run_line(d, m) for d, m in ds.manifests.items()]
    return [Heading(2, "Environment"), Bullets(items or ["no manifest.json in the run folders"])]


def problems(ds: Dataset, agg: pd.DataFrame) -> List[Block]:
    """Failed cells (with status and error) and trust warnings, each with numbers."""
    blocks: List[Block] = [Heading(2, "Warnings")]
    fails = quality.failures(ds.cells)
    counts = ds.cells["status"].value_counts().to_dict()
    blocks.append(Para("Cells by status: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))))
    if fails:
        blocks += [Heading(3, "Cells without a measurement"), Bullets(fails)]
    warns = quality.all_warnings(ds.cells, agg)
    note = quality.energy_note(ds.cells)
    items = warns + ([note] if note else [])
    return blocks + ([Heading(3, "Trust warnings"), Bullets(items)] if items else [Para("No trust warnings.")])


def figures(figs: Figures, out: Path) -> List[Block]:
    """The figures (PNG, SVG beside it) and why any figure is absent."""
    blocks: List[Block] = [Heading(2, "Figures")]
    for name, paths in figs.paths.items():
        blocks.append(Image(paths[0].relative_to(out).as_posix(), name))
    return blocks + ([Bullets(figs.notes)] if figs.notes else [])


def findings(verdicts: List[Verdict]) -> List[Block]:
    """The published findings with their evidence label and the verdict on this dataset."""
    rows = [[v.finding.id, f"[{v.finding.evidence}]", v.finding.statement, v.finding.scope, v.verdict, v.detail]
            for v in verdicts]
    tally = pd.Series([v.verdict for v in verdicts]).value_counts().to_dict()
    return [Heading(2, "Published findings"),
            Para("Evidence: [A] the paper's abstract; [S] a published summary (full text not read). "
                 + ", ".join(f"{k}: {n}" for k, n in tally.items()) + "."),
            Table(["id", "evidence", "finding", "scope", "verdict", "numbers / what is missing"], rows)]


def _csv(name: str) -> List[Dict[str, str]]:
    text = resources.files("runner.report").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def appendix() -> List[Block]:
    """Quantitative claims of the abstract (primary) and secondary, unverified numbers, labelled."""
    cols = ["framework", "model", "batch_size", "execution_provider", "metric", "value", "unit"]
    claims = [[r[c] for c in cols] + ["primary, abstract"] for r in _csv("greenai-abstract-claims.csv")]
    second = [[r[c] for c in cols] + ["secondary, unverified"] for r in _csv("greenai-secondary-unverified.csv")]
    return [Heading(2, "Appendix: published numbers (Green AI)"),
            Para("Shown for orientation only. Secondary numbers come from a third-party summary that was not "
                 "checked against the paper; they are totals over a whole evaluation run, not per inference."),
            Table([*cols, "label"], claims + second)]


def build(ds: Dataset, agg: pd.DataFrame, verdicts: List[Verdict], figs: Optional[Figures], out: Path) -> List[Block]:
    """Every section of the report, in reading order."""
    runs = ", ".join(ds.run_ids)
    blocks: List[Block] = [Heading(1, f"edgebench report: {runs}"),
                           Para(f"{len(ds.cells)} cells from {len(ds.run_dirs)} run folder(s) on "
                                f"{ds.cells['device'].nunique()} device(s).")]
    blocks += environment(ds) + results(agg) + problems(ds, agg)
    blocks += figures(figs, out) if figs else []
    return blocks + findings(verdicts) + appendix()


def write(blocks: List[Block], out: Path, fmt: str) -> Path:
    """report.md or report.html in ``out``."""
    path = out / f"report.{fmt}"
    path.write_text(to_markdown(blocks) if fmt == "md" else to_html(blocks, "edgebench report"), "utf-8")
    return path
