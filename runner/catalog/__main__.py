"""``python -m runner.catalog``: the catalog for the Makefile, the image builds and shell scripts.

    python -m runner.catalog envs [--arch A] [--with NAMES]          plain-venv environments (make setup)
    python -m runner.catalog lock ENV [--arch A] [--lock-suffix S]   the lock file under envs/ pinning ENV
    python -m runner.catalog plan [--arch A] [--with NAMES] [--legacy] [--lock-suffix S]
                                                                     lines for docker/install-env.sh --plan
    python -m runner.catalog system-packages [--arch A] [--with NAMES] [--legacy]
    python -m runner.catalog pins [--arch A] [--with NAMES] [--legacy] [--long] [--lock-suffix S]
    python -m runner.catalog frameworks --envs-dir DIR               frameworks with an environment in DIR

``--arch`` defaults to this machine's; ``--with`` adds opt-in environments (comma-separated). Standard
library only: it runs with the host's ``python3`` before any environment exists. Unknown names exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from runner.catalog import install


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m runner.catalog", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("envs", "lock", "plan", "system-packages", "pins"):
        p = sub.add_parser(name)
        if name == "lock":
            p.add_argument("env")
        p.add_argument("--arch", default=None)
        p.add_argument("--with", dest="with_", action="append", default=[])
        p.add_argument("--legacy", action="store_true")
        p.add_argument("--long", action="store_true")
        p.add_argument("--lock-suffix", default="")
    sub.add_parser("frameworks").add_argument("--envs-dir", type=Path, required=True)
    return ap


def run(args: argparse.Namespace) -> List[str]:
    """The output lines of one command."""
    if args.command == "frameworks":
        return [",".join(install.frameworks_in(args.envs_dir))]
    on = install.arch(args.arch)
    if args.command == "envs":
        return [" ".join(env for env, _ in install.selected(on, args.with_, args.legacy))]
    if args.command == "lock":
        return [f"envs/{install.lock_file(args.env, on, args.lock_suffix)}"]
    if args.command == "plan":
        return install.plan(on, args.with_, args.legacy, args.lock_suffix)
    if args.command == "system-packages":
        return [" ".join(install.system_packages(on, args.with_, args.legacy))]
    return [install.pins(on, args.with_, args.long, args.lock_suffix, args.legacy)]


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        lines = run(args)
    except install.CatalogError as exc:
        print(f"catalog: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
