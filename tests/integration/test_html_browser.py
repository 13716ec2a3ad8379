"""The HTML report in a real browser (Debian's chromium, headless): the DOM it builds holds the
recommendation and every figure inline (no file beside the page is fetched), and a screenshot of the page
is a non-blank PNG showing the colour-coded summary. CI installs chromium (`make test-deps`, as root) and
sets EDGEBENCH_REQUIRE_CHROMIUM=1, so there the test fails rather than skips without it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console

from runner.report.make import report
from tests.unit.report.conftest import reps, row, write

GREEN = (0x1A, 0x7F, 0x37)  # the summary's border and a winner's colour (runner.report.document.COLOURS)


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI") or os.environ.get("EDGEBENCH_REQUIRE_CHROMIUM") == "1":
        pytest.fail("chromium is required here (CI / EDGEBENCH_REQUIRE_CHROMIUM=1): make test-deps installs it")
    pytest.skip("chromium is not installed (as root: make test-deps, or apt-get install chromium)")


def _browser(exe: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={tmp}",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=dict(os.environ, HOME=str(tmp)))


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    rows = []
    for fw, scale, energy in (("onnxruntime", 0.5, 0.1), ("pytorch", 1.0, 0.2), ("tensorflow", 2.0, 0.5)):
        for b in (1, 64):
            src = "pytorch" if fw == "onnxruntime" else fw
            rows += reps(row(fw, "resnet50", source=src, p50_ms=10 * scale * (1 + b / 8), energy_j=energy * b / 8,
                             batch_size=b, import_s=4.0 * scale))
    run = write(tmp / "results", rows, "browser")
    path = report([run], Console(file=open(os.devnull, "w")), tmp / "rep", "html", findings="full")
    figures = sorted(p.stem for p in (tmp / "rep").glob("*.png"))
    page_only = tmp / "alone"
    page_only.mkdir()
    shutil.copy(path, page_only / "report.html")  # nothing beside it: the page must stand alone
    return page_only / "report.html", figures, tmp


def test_the_dom_holds_the_recommendation_and_every_figure(page):
    path, figures, tmp = page
    proc = _browser(chromium(), tmp / "dom", "--dump-dom", path.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "<h2>Recommendation</h2>" in dom and "On host-a, resnet50 at batch 1 (fp32): Use onnxruntime(pytorch)" in dom
    assert len(figures) >= 6 and dom.count("<svg") == len(figures), (figures, dom.count("<svg"))
    assert "<img" not in dom
    for title in ("Steady-state latency by runtime", "Cold start: start-up, import, load and first inference",
                  "Memory footprint (peak RSS)", "Energy per inference"):
        assert title in dom, title
    assert 'class="m-good"' in dom and "Evidence: [A]" in dom


def test_a_screenshot_is_a_non_blank_page_with_the_summary(page):
    path, _, tmp = page
    shot = tmp / "shot.png"
    proc = _browser(chromium(), tmp / "shot", f"--screenshot={shot}", "--window-size=1280,1600", path.as_uri())
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 1600)
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "a blank page has a handful of colours"
    top = img.crop((0, 0, 1280, 800))
    green = sum(n for n, c in top.getcolors(1 << 20) if all(abs(a - b) < 12 for a, b in zip(c, GREEN)))
    assert green > 100, "the recommendation's summary (green border, winners) is at the top"
