"""What the Makefile and the image builds read from the catalog (``python -m runner.catalog``).

An environment is installed on an architecture when its record has a lock file for it (``locks``), unless
the record marks it opt-in there (``opt_in``) and it is not asked for (``WITH=<name>``). Environments
whose record needs its own Python (``python``, e.g. 3.9) are *legacy*: made by their own recipe (natively
``mk/<name>.mk``, in the x86 image a stage on an older Debian), listed apart from the plain venvs.

Every function takes a version set (``env_set``, :mod:`runner.catalog.sets`; default ``current``): a set's
lock files come from its folder, and a set on its own Python (``greenai-2023``: 3.9) makes every one of its
environments that way (legacy). Environment names in a plan are the set's folders (``<set>/<env>``).
"""

from __future__ import annotations

import platform
import re
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

from runner.catalog import FRAMEWORKS, environments, sets
from runner.catalog.sets import CURRENT, LOCKS_DIR, CatalogError  # noqa: F401 (re-exported)
from runner.frameworks.record import ARCHES, Record

_MACHINES = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64",
             "armv7l": "armv7l", "armv8l": "armv7l", "arm": "armv7l"}


def arch(machine: Optional[str] = None) -> str:
    """``uname -m`` (or ``machine``) as one of :data:`ARCHES`."""
    name = (machine or platform.machine()).lower()
    if name not in _MACHINES:
        raise CatalogError(f"unknown architecture {name!r}; known: {', '.join(ARCHES)}")
    return _MACHINES[name]


def _wanted(names: Iterable[str]) -> Tuple[str, ...]:
    """Environment names of ``names`` (framework or environment names, comma-separated items allowed)."""
    envs = environments()
    out = []
    for name in (n.strip() for item in names for n in item.split(",")):
        if not name:
            continue
        env = FRAMEWORKS[name].env if name in FRAMEWORKS else name
        if env not in envs:
            raise CatalogError(f"unknown environment {name!r}; known: {', '.join(envs)}")
        out.append(env)
    return tuple(out)


def selected(on: str, with_: Sequence[str] = (), legacy: bool = False, env_set: str = CURRENT
             ) -> List[Tuple[str, Record]]:
    """``(environment, record)`` installed on architecture ``on``: plain venvs, or ``legacy`` ones only (every
    environment of a set on its own Python is legacy; opt-in applies to the current set)."""
    asked, chosen = _wanted(with_), sets.get(env_set)
    return [(env, r) for env, r in environments().items()
            if chosen.lock(r, on) is not None and bool(r.python or chosen.python) == legacy
            and (chosen.name != CURRENT or on not in r.opt_in or env in asked)]


def made_by_setup(on: str, with_: Sequence[str] = (), env_set: str = CURRENT) -> List[str]:
    """The environment folders ``make setup`` makes with its one rule for ``env_set``: the current set's
    plain venvs (its legacy ones have their own ``mk/<name>.mk``), every environment of another set."""
    legacy = env_set != CURRENT and bool(sets.get(env_set).python)
    return [sets.get(env_set).env_dir(env) for env, _ in selected(on, with_, legacy, env_set)]


def split(stem: str) -> Tuple[str, str]:
    """``(set, environment)`` of an environment folder's name: ``<set>/<env>``, or ``<env>`` (the current set)."""
    env_set, _, env = stem.rpartition("/")
    return env_set or CURRENT, env


def lock_file(env: str, on: str, suffix: str = "", env_set: str = CURRENT) -> str:
    """The lock file (a name under ``envs/``) pinning ``env`` on ``on``; ``suffix`` prefers
    ``envs/<env><suffix>.txt`` where it exists (e.g. ``-jp6``: lock files for NVIDIA's Jetson wheels)."""
    record = environments().get(env)
    if record is None:
        raise CatalogError(f"unknown environment {env!r}; known: {', '.join(environments())}")
    if suffix and env_set == CURRENT and (LOCKS_DIR / f"{env}{suffix}.txt").is_file():
        return f"{env}{suffix}.txt"
    lock = sets.get(env_set).lock(record, on)
    if lock is None:
        where = f"version set {env_set}" if env_set != CURRENT else \
            f"{on} (it has: {', '.join(record.locks) or 'none'})"
        raise CatalogError(f"{env} has no lock file for {where}")
    return lock


def plan(on: str, with_: Sequence[str] = (), legacy: bool = False, suffix: str = "", env_set: str = CURRENT
         ) -> List[str]:
    """One line per environment for ``docker/install-env.sh --plan``: ``FOLDER LOCK GPU_EDITS`` (``-``: none),
    FOLDER the environment's folder under the environments folder (``<set>/<env>`` in a set)."""
    chosen = sets.get(env_set)
    return [f"{chosen.env_dir(env)} {lock_file(env, on, suffix, env_set)} {r.gpu_lock_edits or '-'}"
            for env, r in selected(on, with_, legacy, env_set)]


def system_packages(on: str, with_: Sequence[str] = (), legacy: bool = False, env_set: str = CURRENT) -> List[str]:
    """Debian packages the selected environments' libraries need."""
    return sorted({p for _, r in selected(on, with_, legacy, env_set) for p in r.system_packages})


def frameworks_in(envs_dir: Path, env_set: str = CURRENT) -> List[str]:
    """Frameworks (not the harness) whose environment of ``env_set`` has an interpreter under ``envs_dir``."""
    chosen = sets.get(env_set)
    return [r.name for r in FRAMEWORKS.values()
            if not r.harness and (Path(envs_dir) / chosen.env_dir(r.env) / "bin" / "python").exists()]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pinned(record: Record, lock: Path) -> Optional[Tuple[str, str]]:
    """``(package, version)`` of the record's first package pinned in ``lock``."""
    pins = {}
    for line in lock.read_text().splitlines():
        name, sep, version = line.strip().partition("==")
        if sep and not name.startswith("#"):
            pins[_normal(name)] = (name, version.strip())
    return next((pins[_normal(p)] for p in record.packages if _normal(p) in pins), None)


def pins(on: str, with_: Sequence[str] = (), long: bool = False, suffix: str = "", legacy: bool = False,
         env_set: str = CURRENT) -> str:
    """The framework pins of an image: ``torch2.13.0-ort1.31.1-...`` (a tag) or ``torch==2.13.0+cpu,...``;
    ``legacy``: the image has a legacy stage, which adds the legacy environments asked for."""
    chosen = selected(on, with_, env_set=env_set) + (selected(on, with_, True, env_set) if legacy else [])
    items, seen = [], set()
    for env, record in chosen:
        found = _pinned(record, LOCKS_DIR / lock_file(env, on, suffix, env_set))
        if found is None:
            continue
        package, version = found
        if long:
            items.append(f"{package if package not in seen else f'{env}-{package}'}=={version}")
        else:
            items.append(f"{record.tag or record.name}{version.split('+')[0]}")
        seen.add(package)
    return ",".join(items) if long else "-".join(items)
