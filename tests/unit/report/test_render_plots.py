"""Report files and figures from hand-built runs: every section present, figures non-empty PNGs."""

from __future__ import annotations

import os

from rich.console import Console

from runner.report.make import report
from tests.unit.report.conftest import reps, row

PNG = b"\x89PNG\r\n\x1a\n"


def _grid():
    rows = []
    for fw, scale, energy in (("pytorch", 1.0, 0.2), ("tensorflow", 2.0, 0.5), ("mxnet", 1.5, 0.3)):
        for b in (1, 64):
            rows += reps(row(fw, "resnet50", p50_ms=10 * scale * (1 + b / 8), energy_j=energy * b / 8,
                             batch_size=b, framework_version=f"{fw}-v"))
    return rows


def _quiet() -> Console:
    return Console(file=open(os.devnull, "w"))


def test_report_with_energy_writes_every_section_and_figure(make_run, tmp_path):
    out = tmp_path / "rep"
    text = report([make_run(_grid(), run_id="lab-7")], _quiet(), out, "md").read_text()
    for section in ("Environment", "Results", "Warnings", "Figures", "Published findings", "secondary, unverified"):
        assert section in text
    assert "fastest" in text and "most frugal" in text and "[A]" in text
    for name in ("load_vs_inference", "latency", "memory", "energy", "energy_vs_latency", "batch"):
        png, svg = out / f"{name}.png", out / f"{name}.svg"
        assert png.read_bytes()[:8] == PNG and svg.stat().st_size > 0, name
        assert f"{name}.png" in text
    svg = (out / "latency.svg").read_text()
    assert "host-a" in svg and "lab-7" in svg and "pytorch-v" in svg, "titles name device, versions, run"


def test_html_report(make_run, tmp_path):
    path = report([make_run(_grid())], _quiet(), tmp_path / "rep", "html", plots=False)
    text = path.read_text()
    assert path.name == "report.html" and text.startswith("<!DOCTYPE html>") and "<table>" in text
    assert "secondary, unverified" in text

def test_report_without_energy_says_so_instead_of_an_empty_figure(make_run, tmp_path):
    out = tmp_path / "rep"
    text = report([make_run([row("pytorch"), row("tensorflow", p50_ms=20)])], _quiet(),
                  out, "md").read_text()
    assert not (out / "energy.png").exists()
    assert "no 'Energy per inference' figure: no energy per inference was measured" in text


def test_no_plots_and_the_terminal_report(make_run, tmp_path):
    run = make_run(_grid())
    out = tmp_path / "rep"
    report([run], _quiet(), out, "md", plots=False)
    assert [p.name for p in out.iterdir()] == ["report.md"]
    console = Console(record=True, width=200, file=open(os.devnull, "w"))
    assert report([run], console) is None
    text = console.export_text()
    assert "resnet50 · batch 64" in text and "greenai-tf-slowest" in text and "holds" in text
