"""Regenerate the report pictures under docs/: every figure of a run's report and a screenshot of its HTML
page in headless chromium, as palette PNGs under 300 KB.

    .venv/bin/python scripts/docs_report.py results/<run_id> docs/<name> [--height 2600]

Needs chromium (``make test-deps``) and the main environment (edgebench, Pillow).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from rich.console import Console

from runner.report.make import report

LIMIT = 300_000


def shrink(src: Path, dst: Path, width: int = 0) -> Path:
    """``src`` as an adaptive-palette PNG (scaled to ``width`` if given), under LIMIT bytes."""
    img = Image.open(src).convert("RGB")
    if width and img.width > width:
        img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
    for colours in (256, 128, 64, 32):
        img.quantize(colours, method=Image.Quantize.MEDIANCUT).save(dst, optimize=True)
        if dst.stat().st_size < LIMIT:
            print(f"{dst}: {colours} colours, {dst.stat().st_size} bytes", file=sys.stderr)
            return dst
    raise SystemExit(f"{dst}: {dst.stat().st_size} bytes even at 32 colours")


def screenshot(page: Path, out: Path, height: int) -> Path:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise SystemExit("chromium is not installed (make test-deps)")
    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "shot.png"
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={tmp}", f"--window-size=1280,{height}", f"--screenshot={shot}",
                        page.as_uri()], check=True, capture_output=True, timeout=180, env=dict(os.environ, HOME=tmp))
        return shrink(shot, out, 1100)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--height", type=int, default=2600, help="screenshot height in pixels")
    args = ap.parse_args(argv)
    args.dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page = report([args.run], Console(stderr=True), Path(tmp), "html")
        for png in sorted(Path(tmp).glob("*.png")):
            print(shrink(png, args.dest / png.name))
        print(screenshot(page, args.dest / "report.png", args.height))
    return 0


if __name__ == "__main__":
    sys.exit(main())
