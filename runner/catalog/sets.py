"""Version sets: the framework versions a cell runs with, one lock file per environment per set.

``current`` is today's pins: the lock files directly under ``envs/`` that the records name (``locks``).
Every other set is a folder ``envs/sets/<set>/`` holding ``set.cfg`` and lock files named as the records
name them (``envs/sets/<set>/<lock>.txt``); a framework whose lock file is not in the folder is
absent from the set (its cells are ``unavailable`` rows saying so). ``set.cfg`` (INI, one ``[set]``
section)::

    description = what the set pins and why
    python = 3.9        # the Python its environments run on; empty: the host's (as current)

A set on its own Python is made like the legacy environments: Debian bullseye's Python 3.9, unpacked and run
through its own loader; in the x86 image, the bullseye stage. Its environments live in
``<envs dir>/<set>/<env>`` (``.envs/<set>/<env>``; images: ``/opt/envs/<set>/<env>``).
Standard library only (the Makefile and the image builds read it with the host's ``python3``).
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from runner.frameworks.record import Record

#: The folder of the lock files (``envs/<name>.txt``, ``envs/sets/<set>/<name>.txt``).
LOCKS_DIR = Path(__file__).resolve().parents[2] / "envs"
SETS_DIR = LOCKS_DIR / "sets"
CURRENT = "current"
#: The Pythons a set's environments can be made on (besides the host's): the bullseye route's.
PYTHONS = ("3.9",)


class CatalogError(ValueError):
    """A name the catalog does not know; the message lists the known ones."""


@dataclass(frozen=True)
class EnvSet:
    """One version set: its name, what it pins, the Python its environments need ('' = the host's)."""

    name: str
    description: str
    python: str = ""

    @property
    def folder(self) -> Path:
        return LOCKS_DIR if self.name == CURRENT else SETS_DIR / self.name

    def lock(self, record: Record, on: str) -> Optional[str]:
        """The lock file (a name under ``envs/``) pinning ``record``'s environment on ``on``; None when the set
        has none (the framework is absent from the set there)."""
        name = record.locks.get(on)
        if name is None:
            return None
        if self.name == CURRENT:
            return name
        return f"sets/{self.name}/{name}" if (self.folder / name).is_file() else None

    def env_dir(self, env: str) -> str:
        """Where environment ``env`` of this set lives, relative to the environments folder."""
        return env if self.name == CURRENT else f"{self.name}/{env}"


def names() -> Tuple[str, ...]:
    """``current``, then every set folder with a ``set.cfg``, by name."""
    found = sorted(p.parent.name for p in SETS_DIR.glob("*/set.cfg"))
    return (CURRENT, *found)


def get(name: str) -> EnvSet:
    """The set called ``name`` (CatalogError naming the known ones)."""
    if name == CURRENT:
        return EnvSet(CURRENT, "today's pins (the lock files under envs/)")
    path = SETS_DIR / name / "set.cfg"
    if not path.is_file():
        raise CatalogError(f"unknown version set {name!r}; known: {', '.join(names())}")
    cfg = configparser.ConfigParser(inline_comment_prefixes=("#",))
    cfg.read(path)
    section = cfg["set"] if cfg.has_section("set") else {}
    python = section.get("python", "").strip()
    if python and python not in PYTHONS:
        raise CatalogError(f"version set {name!r} asks for Python {python}; sets can be made on: "
                           f"{', '.join(PYTHONS)} or the host's")
    return EnvSet(name, section.get("description", "").strip(), python)


def variable_suffix(name: str) -> str:
    """``__GREENAI_2023`` for set ``greenai-2023`` ('' for current): appended to ``EDGEBENCH_ENV_<NAME>`` and
    ``EDGEBENCH_ENVS_DIR``, it names that set's environment or folder."""
    return "" if name == CURRENT else "__" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()
