"""Rich markup, control characters and HTML in data are shown literally: the progress line, the run summary,
report, recommend, compare, plan, env, Markdown and HTML."""

from __future__ import annotations

import io
import json
import os
import subprocess

from rich.console import Console

from runner.cell import Cell
from runner.cli.progress import ProgressObserver
from runner.cli.text import plain, safe
from runner.worker.status import Status
from tests.conftest import EDGEBENCH, FAST, read_cells
from tests.unit.report.conftest import reps, row, write

DEVICE = "rpi4 [/dev/sda1] [bold]<script>x</script> \x1b[31mred"
#: How DEVICE reads on a terminal: markup literal, the escape character as text.
SHOWN = "rpi4 [/dev/sda1] [bold]<script>x</script> \\x1b[31mred"


def _run(tmp_path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*EDGEBENCH, *args], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env=dict(env or os.environ, COLUMNS="200"))


def test_markup_in_a_device_name_renders_literally_in_the_run_summary_report_and_compare(tmp_path):
    for run_id in ("a", "b"):
        proc = _run(tmp_path, "run", "--preset", "smoke", "--frameworks", "null", "--device", DEVICE,
                    "--out", "res", "--run-id", run_id, *FAST)
        assert proc.returncode == 0, proc.stderr
        assert f"{SHOWN} · tinycnn · batch 1" in proc.stderr  # the run summary's table
        assert "\x1b" not in proc.stderr and "MarkupError" not in proc.stderr
    assert read_cells(tmp_path / "res" / "a")[0]["device"] == DEVICE  # stored verbatim
    report = _run(tmp_path, "report", "res/a")
    assert report.returncode == 0, report.stderr
    assert SHOWN in report.stdout
    compare = _run(tmp_path, "compare", "res/a", "res/b")
    assert compare.returncode == 0, compare.stderr
    assert "[/dev/sda1]" in compare.stdout
    for out in (report.stdout, report.stderr, compare.stdout, compare.stderr):
        assert "\x1b" not in out and "MarkupError" not in out


def test_html_in_a_device_name_is_escaped_in_the_markdown_and_html_reports(tmp_path):
    proc = _run(tmp_path, "run", "--preset", "smoke", "--frameworks", "null", "--device", DEVICE,
                "--out", "res", "--run-id", "a", *FAST)
    assert proc.returncode == 0, proc.stderr
    for fmt in ("md", "html"):
        rep = _run(tmp_path, "report", "res/a", "--out", f"rep-{fmt}", "--format", fmt, "--no-plots")
        assert rep.returncode == 0, rep.stderr
        text = (tmp_path / f"rep-{fmt}" / f"report.{fmt}").read_text()
        assert "<script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text


def test_markup_in_an_error_message_does_not_stop_the_grid(tmp_path):
    """An unavailable environment's reason quotes its path: '[/x]' in it is printed, and the grid goes on."""
    env = dict(os.environ, EDGEBENCH_ENV_PYTORCH=str(tmp_path / "[/x]" / "\x1b[2Jpython"))
    proc = _run(tmp_path, "run", "--preset", "smoke", "--frameworks", "pytorch,null", "--out", "res",
                "--run-id", "m", *FAST, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "[/x]" in proc.stderr and "\\x1b[2J" in proc.stderr and "\x1b[2J" not in proc.stderr
    unmeasured = [line for line in proc.stderr.splitlines() if line.startswith("not measured")]
    assert len(unmeasured) == 1 and "[/x]" in unmeasured[0], proc.stderr  # the run summary names it
    assert {r["framework"]: r["status"] for r in read_cells(tmp_path / "res" / "m")} == {
        "pytorch": "unavailable", "null": "ok"}


def test_plan_and_env_show_a_hostile_environment_path_literally(tmp_path):
    env = dict(os.environ, EDGEBENCH_ENV_PYTORCH="/nonexistent/[/x]/\x1b[2Jpython")  # short: not folded in the table
    plan = _run(tmp_path, "plan", "--preset", "smoke", env=env)
    assert plan.returncode == 0, plan.stderr
    reason = next(line for line in plan.stderr.splitlines() if line.strip().startswith("environment"))
    assert "[/x]/\\x1b[2Jpython" in reason, plan.stderr
    doctor = _run(tmp_path, "env", "--no-providers", env=env)
    assert doctor.returncode == 0, doctor.stderr
    assert "unavailable: no interpreter at" in doctor.stdout and "/nonexistent/[/x]/\\x1b[2Jpython" in doctor.stdout
    for out in (plan.stdout, plan.stderr, doctor.stdout, doctor.stderr):
        assert "\x1b" not in out and "MarkupError" not in out and "Traceback" not in out


def test_markup_in_a_device_name_renders_literally_in_recommend(tmp_path):
    rows = reps(row("onnxruntime", "squeezenet1_1", source="pytorch", p50_ms=5, device=DEVICE)) \
        + reps(row("tflite", "squeezenet1_1", p50_ms=11, device=DEVICE))
    write(tmp_path / "res", rows, "h")
    rec = _run(tmp_path, "recommend", "res/h", "--export", "json")
    assert rec.returncode == 0, rec.stderr
    assert f"Recommendation · {SHOWN} · squeezenet1_1 · batch 1" in rec.stdout
    assert f"On {SHOWN}, squeezenet1_1 at batch 1" in rec.stdout  # the paragraph
    for out in (rec.stdout, rec.stderr):
        assert "\x1b" not in out and "MarkupError" not in out
    exported = json.loads((tmp_path / "recommendation-h.json").read_text())
    assert {p["device"] for p in exported} == {DEVICE}  # files keep the data verbatim


def test_the_progress_line_shows_a_status_and_a_failure_literally():
    """The phase text comes from the worker's status file: whatever it holds is shown, never interpreted."""
    hostile = "[/x] [bold]\x1b[2J"
    status = Status.from_line(json.dumps({"phase": "build", "detail": hostile}).encode())
    cell = Cell("tinycnn", "null", "null", 1, "cpu", 1, 0)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    with ProgressObserver(console, 1) as observer:
        observer.started(cell, 0, 1)
        observer.phase(cell, status)
        line = Console(file=io.StringIO(), width=200, color_system=None)
        line.print(observer.progress.get_renderable())
        observer.finished(cell, {"status": "failed", "error_message": hostile, "warnings": [hostile]})
        observer.note(hostile)
    shown = "[/x] [bold]\\x1b[2J"
    assert f"building {shown}" in line.file.getvalue()
    printed = console.file.getvalue()
    assert "failed" in printed and printed.count(shown) == 3, printed
    assert "\x1b" not in line.file.getvalue() + printed


def test_the_escaping_helper():
    assert plain("a\nb\tc\x1b[0m\x9b") == "a\\x0ab\\x09c\\x1b[0m\\x9b"
    assert safe("[/x] [bold]") == "\\[/x] \\[bold]"
    assert safe("ends with \\") .endswith("\\")
