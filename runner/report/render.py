"""The report's content, built once as blocks (``document``) and written as report.md or report.html:
the recommendation first, then the environment, the results tables, warnings, figures and the published
findings (in full, as one line of counts, or not at all)."""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pandas as pd

from runner.report import columns, quality
from runner.report.columns import num
from runner.report.document import Block, Bullets, Heading, Image, Mark, Para, Table, to_html, to_markdown
from runner.report.findings import CONTRADICTED, HOLDS, LEGEND, MISSING, Verdict, parts, tally
from runner.report.load import Dataset
from runner.report.plots import PLOTS, Figures
from runner.report.recommend import ALONE, BY, WINNER, Pick, paragraph
from runner.report.rules import marks
from runner.report.summarize import groups

FIGURE_TITLES = {name: what for name, (what, _) in PLOTS.items()}

def results(agg: pd.DataFrame) -> List[Block]:
    """A table per device × model × batch size × precision; the fastest, leanest and most frugal marked."""
    blocks: List[Block] = [Heading(2, "Results")]
    if agg.empty:
        return blocks + [Para("No cell ran to completion; see the failed cells below.")]
    blocks.append(Para("Per configuration, repetitions pooled: p50 is the median of the repetitions' p50s, with "
                       "a 95% CI that includes between-process variance (hierarchical bootstrap and a t-interval "
                       "on log p50s, the wider; ≈ marks 2-3 repetitions: approximate; 1 repetition: no CI). CV reps "
                       "is the spread of the repetitions' p50s. cold start is start-up + import + load + first "
                       "inference (time to first result), the median of the per-repetition sums. Other columns are "
                       "medians across repetitions; file MiB is the artifact's size on disk. J/inf is energy per "
                       "inference call, gross and net of idle power; max|diff| is the output's largest absolute "
                       "difference from the reference framework; SQNR dB and top-1 are the output's signal-to-"
                       "quantization-noise ratio and arg-max agreement with the reference's fp32 output on the "
                       "seeded quality inputs (what fp16 and int8 cost; at fp32 the conversion's own error). best "
                       "marks the significantly best row per metric, '(tie)' when its CI against the runner-up "
                       "includes 1."))
    for key, rows in groups(agg):
        blocks.append(Heading(3, group_title(key)))
        blocks.append(Table(columns.headers(), columns.text_rows(rows, marks(rows)), columns.numeric()))
    return blocks


def group_title(key: Sequence) -> str:
    """'device · model · batch 1 · fp32'."""
    device, model, batch, precision = key
    return f"{device} · {model} · batch {batch} · {precision}"


OUTCOME_KIND = {WINNER: "good", ALONE: "open"}


def recommendation(picks: List[Pick]) -> List[Block]:
    """Per group: the paragraph to act on, then a row per criterion with the pick, its ratio and CI."""
    blocks: List[Block] = [Heading(2, "Recommendation")]
    if not picks:
        return blocks + [Para("No runtime ran to completion: nothing to recommend.")]
    by_group: Dict[tuple, List[Pick]] = {}
    for p in picks:
        by_group.setdefault(p.group, []).append(p)
    for key, ps in by_group.items():
        blocks.append(Heading(3, group_title(key)))
        blocks.append(Para(paragraph(ps), "summary"))
        rows = [[BY[p.by].title, Mark(p.outcome, OUTCOME_KIND.get(p.outcome, "open")), p.text()] for p in ps]
        blocks.append(Table(["criterion", "outcome", "pick, ratio runner-up / best [95% CI], values"], rows,
                            [False, False, False]))
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
    items = warns + ([note] if note else []) + ds.skipped
    return blocks + ([Heading(3, "Trust warnings"), Bullets(items)] if items else [Para("No trust warnings.")])


def figures(figs: Figures, out: Path, inline: bool = False) -> List[Block]:
    """The figures (PNG, SVG beside it; ``inline``: the SVG markup in the block) and why any is absent."""
    blocks: List[Block] = [Heading(2, "Figures")]
    for name, paths in figs.paths.items():
        svg = paths[1].read_text("utf-8") if inline and len(paths) > 1 else ""
        blocks.append(Image(paths[0].relative_to(out).as_posix(), FIGURE_TITLES.get(name.split("-")[0], name), svg))
    return blocks + ([Bullets(figs.notes)] if figs.notes else [])


VERDICT_KIND = {HOLDS: "good", CONTRADICTED: "bad", MISSING: "open"}


def findings(verdicts: List[Verdict], mode: str = "full") -> List[Block]:
    """The published findings: in full (evidence label, verdict colour-coded, labelled numbers or what is
    missing), as one line of counts, or nothing (``mode``)."""
    if mode == "off" or not verdicts:
        return []
    head: List[Block] = [Heading(2, "Published findings")]
    if mode == "summary":
        return head + [Para(f"Published findings of pCAMP and Green AI on this dataset: {tally(verdicts)}. "
                            "Shown in full with --findings full (the default for the pcamp and greenai grids).")]
    rows = [[v.finding.id + (f"\n{v.where}" if v.where else ""), f"[{v.finding.evidence}]",
             f"{v.finding.statement}\nscope: {v.finding.scope}",
             Mark(v.verdict, VERDICT_KIND[v.verdict]), "\n".join(parts(v))] for v in verdicts]
    return head + [Para(LEGEND), Para(f"Published findings on this dataset: {tally(verdicts)}."),
                   Table(["id", "evidence", "finding", "verdict", "numbers / what is missing"], rows,
                         [False] * 5)]


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


def build(ds: Dataset, agg: pd.DataFrame, verdicts: List[Verdict], figs: Optional[Figures], out: Path,
          picks: Sequence[Pick] = (), mode: str = "full", inline: bool = False) -> List[Block]:
    """Every section of the report, in reading order (the recommendation first)."""
    runs = ", ".join(ds.run_ids)
    blocks: List[Block] = [Heading(1, f"edgebench report: {runs}"),
                           Para(f"{len(ds.cells)} cells from {len(ds.run_dirs)} run folder(s) on "
                                f"{ds.cells['device'].nunique()} device(s).")]
    blocks += recommendation(list(picks)) + environment(ds) + results(agg) + problems(ds, agg)
    blocks += figures(figs, out, inline) if figs else []
    return blocks + findings(verdicts, mode) + (appendix() if mode == "full" else [])


def write(blocks: List[Block], out: Path, fmt: str) -> Path:
    """report.md or report.html in ``out``."""
    path = out / f"report.{fmt}"
    path.write_text(to_markdown(blocks) if fmt == "md" else to_html(blocks, "edgebench report"), "utf-8")
    return path
