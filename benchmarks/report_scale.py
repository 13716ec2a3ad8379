"""Time and peak memory of `edgebench report` and `edgebench compare` over a (synthetic) fleet of runs.

    .venv/bin/python benchmarks/synthetic_fleet.py /tmp/fleet500                      # the fixture, once
    .venv/bin/python benchmarks/report_scale.py /tmp/fleet500 [--repeat 3] [--edgebench PATH ...]

Each command runs as its own process (``--edgebench`` names the executable, e.g. another checkout's
``.venv/bin/edgebench`` to compare two versions on the same fixture) REPEAT times; the table gives the median
(min–max over the repeats) of the wall time, of the CPU time (user + system from ``wait4``'s rusage: less
sensitive than the wall time to other load on a shared host) and of the peak RSS (ru_maxrss), and the host's
1-minute load average around them. Commands:

    report          the terminal report of every run (tables, problems, findings), output discarded
    report --out    the Markdown report with its figures, into a temporary folder
    compare         two halves of the fleet (the runs with an even index against the odd ones), one folder of
                    links each, as ``compare A B``

The fixture is synthetic (``synthetic_fleet.py``): these are the costs of reading and summarising a fleet's
results, not measurements of any device.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Sequence, Tuple


def run_once(cmd: Sequence[str]) -> Tuple[float, float, int]:
    """(wall seconds, CPU seconds (user + system), peak RSS bytes) of one process running ``cmd``."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=dict(os.environ, COLUMNS="200"))
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def halves(fleet: Path, into: Path) -> Tuple[Path, Path]:
    """Two folders of links to the fleet's runs: even and odd run index."""
    a, b = into / "a", into / "b"
    for side in (a, b):
        side.mkdir()
    for run in sorted(p for p in fleet.iterdir() if (p / "cells").is_dir()):
        index = int(run.name.rsplit("-", 1)[1])
        (a if index % 2 == 0 else b).joinpath(run.name).symlink_to(run.resolve())
    return a, b


def measure(name: str, cmd: Sequence[str], repeat: int) -> None:
    loads = [os.getloadavg()[0]]
    walls, cpus, peaks = [], [], []
    for _ in range(repeat):
        wall, cpu, peak = run_once(cmd)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak / 2**20)
        loads.append(os.getloadavg()[0])
    print(f"{name:<14} {_spread(walls)} s wall  {_spread(cpus)} s CPU  {_spread(peaks, '.0f')} MiB  "
          f"load {min(loads):.1f}–{max(loads):.1f}", flush=True)


def _spread(xs: List[float], fmt: str = ".1f") -> str:
    """'median (min–max)'."""
    return f"{statistics.median(xs):{fmt}} ({min(xs):{fmt}}–{max(xs):{fmt}})"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("fleet", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--edgebench", nargs="+", default=[str(Path(sys.executable).with_name("edgebench"))],
                   help="executables to time, each over the same fixture")
    p.add_argument("--only", nargs="*", default=["report", "report --out", "compare"])
    args = p.parse_args()
    runs = sum(1 for d in args.fleet.iterdir() if (d / "cells").is_dir())
    print(f"SYNTHETIC fixture {args.fleet}: {runs} runs; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        a, b = halves(args.fleet, Path(tmp))
        for exe in args.edgebench:
            print(f"\n{exe}  (median (min–max) of {args.repeat})")
            cmds = {"report": [exe, "report", str(args.fleet)],
                    "report --out": [exe, "report", str(args.fleet), "--out", str(Path(tmp) / "rep")],
                    "compare": [exe, "compare", str(a), str(b)]}
            for name in args.only:
                measure(name, cmds[name], args.repeat)


if __name__ == "__main__":
    main()
