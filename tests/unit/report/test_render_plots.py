"""Report files and figures from hand-built runs: every section present, the recommendation first, figures
non-empty PNGs with plain ticks and labels that tell configurations apart, a self-contained HTML page,
the default folder, and the findings shown in full, as a count, or not at all."""

from __future__ import annotations

import os
import re

import pytest
from rich.console import Console

from runner.errors import UsageError
from runner.report.findings import default_mode
from runner.report.make import report
from tests.unit.report.conftest import reps, row

PNG = b"\x89PNG\r\n\x1a\n"
FIGURES = ("latency", "cold_start", "load_vs_inference", "memory", "energy", "energy_vs_latency", "batch")


def _grid():
    rows = []
    for fw, scale, energy in (("pytorch", 1.0, 0.2), ("tensorflow", 2.0, 0.5), ("mxnet", 1.5, 0.3)):
        for b in (1, 64):
            rows += reps(row(fw, "resnet50", p50_ms=10 * scale * (1 + b / 8), energy_j=energy * b / 8,
                             batch_size=b, framework_version=f"{fw}-v", startup_s=0.05))
    return rows


def _quiet() -> Console:
    return Console(file=open(os.devnull, "w"))


def test_report_with_energy_writes_every_section_and_figure(make_run, tmp_path):
    out = tmp_path / "rep"
    text = report([make_run(_grid(), run_id="lab-7")], _quiet(), out, "md", findings="full").read_text()
    sections = ["Recommendation", "Environment", "Results", "Warnings", "Figures", "Published findings",
                "secondary, unverified"]
    positions = [text.index(f"## {s}") if not s.startswith("secondary") else text.index(s) for s in sections]
    assert positions == sorted(positions), "the recommendation comes first"
    assert "fastest" in text and "most frugal" in text and "[A]" in text and "Evidence: [A]" in text
    assert "cold start ms" in text and "import ms" in text
    for name in FIGURES:
        png, svg = out / f"{name}.png", out / f"{name}.svg"
        assert png.read_bytes()[:8] == PNG and svg.stat().st_size > 0, name
        assert f"{name}.png" in text
    svg = (out / "latency.svg").read_text()
    assert "host-a" in svg and "lab-7" in svg and "pytorch-v" in svg, "titles name device, versions, run"
    assert "×10" not in svg and "10^" not in svg, "plain numeric ticks"


def test_labels_name_the_dimension_that_varies(make_run, tmp_path):
    rows = reps(row("pytorch", p50_ms=10, threads=1)) + reps(row("pytorch", p50_ms=6, threads=2)) \
        + reps(row("tensorflow", p50_ms=12, threads=1))
    out = tmp_path / "rep"
    report([make_run(rows)], _quiet(), out, "md", findings="off")
    svg = (out / "latency.svg").read_text()
    assert "pytorch t1" in svg and "pytorch t2" in svg and "tensorflow t1" in svg


def test_html_report_is_self_contained(make_run, tmp_path):
    path = report([make_run(_grid())], _quiet(), tmp_path / "rep", "html", findings="full")
    text = path.read_text()
    assert path.name == "report.html" and text.startswith("<!DOCTYPE html>") and "<table>" in text
    assert "secondary, unverified" in text and "<img" not in text
    assert text.count("<svg") == len(FIGURES), "every figure inline"
    assert 'class="m-good"' in text or 'class="m-open"' in text, "verdicts colour-coded"
    assert text.index("Recommendation") < text.index("Environment")


def test_format_without_out_writes_into_a_default_folder_and_says_where(make_run, tmp_path, monkeypatch):
    run = make_run(_grid(), run_id="lab-9")
    monkeypatch.chdir(tmp_path)
    console = Console(record=True, width=200, file=open(os.devnull, "w"))
    path = report([run], console, fmt="html", plots=False)
    assert path == tmp_path.joinpath("report-lab-9", "report.html").relative_to(tmp_path)
    assert (tmp_path / "report-lab-9" / "report.html").is_file()
    assert "report: report-lab-9/report.html" in console.export_text()


def test_report_without_energy_says_so_instead_of_an_empty_figure(make_run, tmp_path):
    out = tmp_path / "rep"
    text = report([make_run(reps(row("pytorch")) + reps(row("tensorflow", p50_ms=20)))], _quiet(),
                  out, "md").read_text()
    assert not (out / "energy.png").exists()
    assert "no 'Energy per inference' figure: no trusted energy per inference was measured" in text
    assert re.search(r"energy \| .*not measured", text), "the recommendation says energy was not measured"


def test_no_plots_and_the_terminal_report(make_run, tmp_path):
    run = make_run(_grid())
    out = tmp_path / "rep"
    report([run], _quiet(), out, "md", plots=False)
    assert [p.name for p in out.iterdir()] == ["report.md"]
    console = Console(record=True, width=200, file=open(os.devnull, "w"))
    assert report([run], console, findings="full") is None
    text = console.export_text()
    assert "Recommendation · host-a · resnet50 · batch 64 · fp32" in text
    assert "resnet50 · batch 64" in text and "greenai-tf-slowest" in text and "holds" in text
    assert "Evidence: [A] the paper's own abstract; [S] a published summary" in text


def test_findings_full_summary_off(make_run):
    run = make_run(_grid())
    texts = {}
    for mode in ("full", "summary", "off"):
        console = Console(record=True, width=200, file=open(os.devnull, "w"))
        report([run], console, findings=mode)
        texts[mode] = console.export_text()
    assert "greenai-tf-slowest" in texts["full"] and "supporting" in texts["full"]
    summary = [line for line in texts["summary"].splitlines() if "Published findings" in line]
    assert len(summary) == 1 and "20 checked" in summary[0] and "greenai-tf-slowest" not in texts["summary"]
    assert "Published findings" not in texts["off"]
    with pytest.raises(UsageError):
        report([run], _quiet(), findings="some")


def test_findings_default_to_full_for_the_study_grids_only():
    def manifest(name):
        return {"r": {"invocations": [{"grid": {"name": name}}]}}

    assert default_mode(manifest("pcamp")) == default_mode(manifest("greenai")) == "full"
    assert default_mode(manifest("quick")) == default_mode(manifest("custom")) == "summary"
    assert default_mode({"r": {}}) == "summary"
