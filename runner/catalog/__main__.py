"""``python -m runner.catalog``: the catalog for the Makefile, the image builds and shell scripts.

    python -m runner.catalog envs [--arch A] [--with NAMES] [--set S]
                                                       the environment folders `make setup` makes for set S
    python -m runner.catalog lock ENV [--arch A] [--lock-suffix S] [--set S]
                                                       the lock file under envs/ pinning ENV (ENV may be
                                                       SET/ENV: an environment folder of a set)
    python -m runner.catalog plan [--arch A] [--with NAMES] [--legacy] [--lock-suffix S] [--set S]
                                                       lines for docker/install-env.sh --plan
    python -m runner.catalog system-packages [--arch A] [--with NAMES] [--legacy] [--set S]
    python -m runner.catalog pins [--arch A] [--with NAMES] [--legacy] [--long] [--lock-suffix S] [--set S]
    python -m runner.catalog frameworks --envs-dir DIR [--set S]   frameworks with an environment in DIR
    python -m runner.catalog sets                      the version sets: NAME PYTHON (- for the host's)
    python -m runner.catalog python [--set S]          the Python set S's environments need ('' = the host's)
    python -m runner.catalog check ENV                 a Python line that imports ENV's framework (SET/ENV too)

``--arch`` defaults to this machine's; ``--with`` adds opt-in environments (comma-separated); ``--set`` is a
version set (``envs/sets/<set>/``, default ``current``). Standard library only: it runs with the host's
``python3`` before any environment exists. Unknown names exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from runner.catalog import environments, install, sets


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m runner.catalog", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("envs", "lock", "plan", "system-packages", "pins", "python", "check"):
        p = sub.add_parser(name)
        if name in ("lock", "check"):
            p.add_argument("env")
        p.add_argument("--arch", default=None)
        p.add_argument("--with", dest="with_", action="append", default=[])
        p.add_argument("--legacy", action="store_true")
        p.add_argument("--long", action="store_true")
        p.add_argument("--lock-suffix", default="")
        p.add_argument("--set", dest="env_set", default=sets.CURRENT)
    frameworks = sub.add_parser("frameworks")
    frameworks.add_argument("--envs-dir", type=Path, required=True)
    frameworks.add_argument("--set", dest="env_set", default=sets.CURRENT)
    sub.add_parser("sets")
    return ap


def _check(stem: str) -> str:
    """A Python line importing the framework of environment folder ``stem`` and printing its version."""
    env_set, env = install.split(stem)
    record = environments().get(env)
    if record is None:
        raise install.CatalogError(f"unknown environment {env!r}; known: {', '.join(environments())}")
    module = record.imports[0]
    return (f"import sys, {module}; print('{env_set}/{env}: Python', sys.version.split()[0], '{module}', "
            f"getattr({module}, '__version__', '?'))")


def run(args: argparse.Namespace) -> List[str]:
    """The output lines of one command."""
    if args.command == "sets":
        return [f"{n} {sets.get(n).python or '-'}" for n in sets.names()]
    if args.command == "frameworks":
        return [",".join(install.frameworks_in(args.envs_dir, args.env_set))]
    if args.command == "python":
        return [sets.get(args.env_set).python]
    if args.command == "check":
        return [_check(args.env)]
    on = install.arch(args.arch)
    if args.command == "envs":
        return [" ".join(install.made_by_setup(on, args.with_, args.env_set))]
    if args.command == "lock":
        env_set, env = install.split(args.env) if "/" in args.env else (args.env_set, args.env)
        return [f"envs/{install.lock_file(env, on, args.lock_suffix, env_set)}"]
    if args.command == "plan":
        return install.plan(on, args.with_, args.legacy, args.lock_suffix, args.env_set)
    if args.command == "system-packages":
        return [" ".join(install.system_packages(on, args.with_, args.legacy, args.env_set))]
    return [install.pins(on, args.with_, args.long, args.lock_suffix, args.legacy, args.env_set)]


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
