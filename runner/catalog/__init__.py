"""The catalog: one record per framework, collected from ``runner/frameworks/<name>/record.py``.

Pure data: importing it imports no framework (records are standard-library dataclasses, see
:mod:`runner.frameworks.record`), and it runs on Python 3.9. Everything else reads the frameworks through
here: the plan (providers, sources, options), the environments (:mod:`runner.envs`), the artifact cache,
the CLI (``edgebench list frameworks|options``), the workers' environment variables, the report's study
scopes and, through ``python -m runner.catalog``, the Makefile and the image builds. A folder under
``runner/frameworks/`` with a ``record.py`` is a framework: adding one needs no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Dict, Iterable, List, Optional, Tuple

from runner.frameworks.record import Option, Record
from runner.models.spec import MODELS


def _collect() -> Dict[str, Record]:
    """Every framework folder's ``RECORD``: the harness first, then by name."""
    import runner.frameworks as package

    records = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        record = importlib.import_module(f"{package.__name__}.{info.name}.record").RECORD
        if record.name != info.name:
            raise ValueError(f"runner/frameworks/{info.name}/record.py names itself {record.name!r}")
        records.append(record)
    return {r.name: r for r in sorted(records, key=lambda r: (not r.harness, r.name))}


FRAMEWORKS: Dict[str, Record] = _collect()
FRAMEWORK_NAMES: Tuple[str, ...] = tuple(FRAMEWORKS)
MODEL_NAMES: Tuple[str, ...] = tuple(MODELS)


def _union(groups: Iterable[Iterable[str]]) -> Tuple[str, ...]:
    """The distinct items of ``groups``, in first-seen order."""
    return tuple(dict.fromkeys(item for group in groups for item in group))


#: Execution providers, every framework's in first-seen order (the CPU first).
PROVIDERS: Tuple[str, ...] = _union([("cpu",), *(r.providers for r in FRAMEWORKS.values())])
#: The framework whose eager outputs are the reference for ``output_max_abs_diff``.
REFERENCE_FRAMEWORK: str = next(r.name for r in FRAMEWORKS.values() if r.reference)
#: Frameworks that measure the harness itself, not a runtime.
HARNESS: Tuple[str, ...] = tuple(r.name for r in FRAMEWORKS.values() if r.harness)
#: A grid's frameworks when it names none: the reference framework and the runtimes fed by its exports.
DEFAULT_FRAMEWORKS: Tuple[str, ...] = (REFERENCE_FRAMEWORK, *(
    r.name for r in FRAMEWORKS.values() if r.name != REFERENCE_FRAMEWORK and REFERENCE_FRAMEWORK in r.sources))


def in_study(study: str, native: bool = False) -> Tuple[str, ...]:
    """Frameworks that the published study ``study`` ran; ``native``: only those running artifacts of their
    own (a runtime fed by other frameworks' exports, such as an ONNX runtime, is left out)."""
    return tuple(r.name for r in FRAMEWORKS.values()
                 if study in r.studies and (not native or r.name in r.sources))


def option_owners(key: str, frameworks: Optional[Iterable[str]] = None) -> Tuple[str, ...]:
    """The frameworks (of ``frameworks``, default all) that take adapter option ``key``."""
    names = FRAMEWORKS if frameworks is None else frameworks
    return tuple(n for n in names if any(o.name == key for o in FRAMEWORKS[n].options))


def options(frameworks: Optional[Iterable[str]] = None) -> List[Tuple[str, Option]]:
    """``(framework, option)`` for every option of ``frameworks`` (default all), in catalog order."""
    names = FRAMEWORKS if frameworks is None else frameworks
    return [(n, o) for n in names for o in FRAMEWORKS[n].options]


def source_of(framework: str, source: Optional[str]) -> str:
    """The source a cell records: the given one for a framework with several, else its only one."""
    record = FRAMEWORKS[framework]
    return source if len(record.sources) > 1 and source else record.default_source


def environments() -> Dict[str, Record]:
    """Environment name -> the (first) record of a framework that runs in it, the orchestrator's excepted."""
    out: Dict[str, Record] = {}
    for record in FRAMEWORKS.values():
        if record.env != "main":
            out.setdefault(record.env, record)
    return out


def worker_variables() -> Tuple[Tuple[str, ...], Dict[str, str], Tuple[str, ...]]:
    """What every framework asks of a worker's environment: thread-count variables (set from the cell's
    ``threads``), fixed variables, and variables passed through from the parent when set."""
    records = list(FRAMEWORKS.values())
    fixed: Dict[str, str] = {}
    for record in records:
        fixed.update(record.worker_variables)
    return (_union(r.thread_variables for r in records), fixed, _union(r.passthrough for r in records))


def packages() -> Tuple[str, ...]:
    """Every distribution whose version an environment's probe reads (framework packages, then related)."""
    return _union([*(r.packages for r in FRAMEWORKS.values()), *(r.related for r in FRAMEWORKS.values())])
