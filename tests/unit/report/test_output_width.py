"""Output that survives terminals: the report at 80 and 200 columns and in a pipe (the real CLI) keeps
every number whole (no ``6.…``), fits the width, and carries no colour codes when piped; exports read back."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess

import pytest
from rich.console import Console

from runner.report import columns, textout
from runner.report.load import load
from runner.report.make import report
from runner.report.rules import marks
from runner.report.summarize import aggregate, groups
from runner.report.textout import print_table
from tests.conftest import EDGEBENCH
from tests.unit.report.conftest import reps, row


def _run(make_run):
    rows = []
    for fw, p50, load_s in (("onnxruntime", 6.123456, 0.0771), ("tensorflow", 31.9, 1.7727), ("mxnet", 37.03, 0.0914)):
        src = "pytorch" if fw == "onnxruntime" else fw
        rows += reps(row(fw, "squeezenet1_1", source=src, p50_ms=p50, load_s=load_s, import_s=8.712))
    return make_run(rows, run_id="w")


def _cells(run):
    """Every text cell of the results tables, as the report writes them."""
    ds = load([run])
    agg = aggregate(ds.cells, ds.cell_latencies)
    return [c for _, rows in groups(agg) for r in columns.text_rows(rows, marks(rows)) for c in r if c]


def _whole(text: str, cells, where: str) -> None:
    assert "…" not in text
    for cell in cells:
        if cell.replace(".", "").replace("–", "").replace(" ≈", "").replace("%", "").isdigit():
            assert cell in text, f"{cell!r} not whole {where}"


@pytest.mark.parametrize("width", [80, 200])
def test_tables_fit_the_width_without_cutting_a_number(make_run, width):
    run = _run(make_run)
    console = Console(record=True, width=width, file=open(os.devnull, "w"))
    report([run], console)
    text = console.export_text()
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    _whole(text, _cells(run), f"at {width} columns")


def test_a_very_narrow_terminal_gets_one_block_per_configuration():
    console = Console(record=True, width=30, file=open(os.devnull, "w"))
    print_table(console, "t", ["runtime", "p50 ms", "p50 95% CI"], [["onnxruntime(pytorch)", "6.12", "5.98–6.31 ≈"]],
                [False, True, True])
    text = console.export_text()
    assert "onnxruntime(pytorch)" in text and "p50 ms: 6.12" in text and "p50 95% CI: 5.98–6.31 ≈" in text


@pytest.mark.parametrize("env", [{}, {"COLUMNS": "80"}])
def test_report_in_a_pipe_is_plain_text_with_whole_numbers(make_run, env):
    run = _run(make_run)
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR", "TERM")}
    proc = subprocess.run([*EDGEBENCH, "report", str(run)], capture_output=True, text=True, timeout=300,
                          env=dict(environ, **env))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "\x1b[" not in out and "…" not in out
    assert "Recommendation · host-a · squeezenet1_1 · batch 1 · fp32" in out
    _whole(out, _cells(run), "in a pipe")
    if env:
        assert max(len(line.rstrip()) for line in out.splitlines()) <= 80


def test_report_exports_read_back(make_run, tmp_path):
    run = _run(make_run)
    quiet = Console(file=open(os.devnull, "w"))
    for fmt in ("csv", "json"):
        report([run], quiet, out=tmp_path / fmt, export=fmt, plots=False)
    with open(tmp_path / "csv" / "results.csv") as fh:
        got = {r["runtime"]: r for r in csv.DictReader(fh)}
    assert set(got) == {"onnxruntime(pytorch)", "tensorflow", "mxnet"}
    assert float(got["tensorflow"]["load_s"]) == pytest.approx(1.7727)
    mx = {k: float(got["mxnet"][k]) for k in ("p50_ci95_low_s", "p50_s", "p50_ci95_high_s")}
    assert mx["p50_ci95_low_s"] <= mx["p50_s"] <= mx["p50_ci95_high_s"]
    assert float(got["mxnet"]["cold_start_s"]) == pytest.approx(0.05 + 8.712 + 0.0914 + 0.05)
    data = json.loads((tmp_path / "json" / "results.json").read_text())
    assert {r["runtime"] for r in data} == set(got) and all(isinstance(r["rss_peak_bytes"], int) for r in data)
    recs = json.loads((tmp_path / "json" / "recommendation.json").read_text())
    assert {r["by"] for r in recs} == {"latency", "cold-start", "memory", "energy"}
    assert (tmp_path / "csv" / "recommendation.csv").is_file()


def _rendered(headers, rows, numeric, cols) -> int:
    """A table's width as Rich prints it, edges included (the width ``table_width`` counts)."""
    probe = Console(file=io.StringIO(), width=10_000, color_system=None)
    with probe.capture() as cap:
        probe.print(textout._table("", headers, rows, numeric, cols))
    return max(len(line) for line in cap.get().splitlines() if line.strip())


def test_the_counted_width_of_a_table_is_the_printed_one():
    rng = random.Random(3)
    texts = ["onnxruntime(pytorch)/cpu [opt=1]", "[bold]x[/bold]", "5.98–6.31 ≈", "none (1 rep)", "1773", "-",
             "a long runtime name with options that wraps past forty characters, twice over", "0.0225", "·"]
    for _ in range(40):
        n = rng.randint(1, 9)
        headers = [" ".join(rng.choice(["p50", "ms", "95%", "CI", "cold start", "J/inf", "runtime"])
                            for _ in range(rng.randint(1, 3))) for _ in range(n)]
        rows = [[rng.choice(texts) for _ in range(n)] for _ in range(rng.randint(1, 4))]
        numeric = [rng.random() < 0.5 for _ in range(n)]
        cols = sorted(rng.sample(range(n), rng.randint(1, n)))
        assert textout.table_width(headers, rows, numeric, cols) == _rendered(headers, rows, numeric, cols)


def test_parts_of_a_wide_table_fill_the_width():
    headers = ["runtime", *(f"column {i}" for i in range(12))]
    rows = [["onnxruntime(pytorch)", *(f"{1.5 * 10 ** (i % 5):.4g}" for i in range(12))]]
    console = Console(width=60, file=io.StringIO())
    parts = textout.chunks(console, headers, rows, [False, *[True] * 12])
    assert [p[0] for p in parts] == [0] * len(parts) and sorted({c for p in parts for c in p}) == list(range(13))
    for cols, after in zip(parts, parts[1:]):
        assert _rendered(headers, rows, [False, *[True] * 12], cols) <= 60
        assert _rendered(headers, rows, [False, *[True] * 12], cols + [after[1]]) > 60
