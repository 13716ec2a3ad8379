"""Static rules for the worker side (DESIGN §3): Python 3.9 syntax, and imports limited to the standard
library, numpy and the runner itself at module level (frameworks only inside functions).

A framework folder's native definition modules (anything but ``__init__``, ``record``, ``adapter`` and
``build``) subclass framework classes, so they may import their own framework (the modules its catalog
record lists) at module level; only that folder's adapter and build jobs import them, inside functions."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from runner.catalog import FRAMEWORKS
from tests.conftest import REPO

WORKER_SIDE = ["runner/cell.py", "runner/worker", "runner/frameworks", "runner/models", "runner/measure"]
#: Modules of a framework folder that the worker or the catalog import: no framework at their top.
ENTRY_POINTS = ("__init__.py", "record.py", "adapter.py", "build.py")
ALLOWED_TOP = set(sys.stdlib_module_names) | {"numpy", "runner", "__future__"}


def allowed_top(path: Path) -> set:
    """The top-level modules ``path`` may import at module level."""
    parts = path.relative_to(REPO / "runner" / "frameworks").parts if "frameworks" in path.parts else ()
    if len(parts) == 2 and parts[1] not in ENTRY_POINTS:
        return ALLOWED_TOP | set(FRAMEWORKS[parts[0]].imports)
    return ALLOWED_TOP


def worker_modules():
    for entry in WORKER_SIDE:
        path = REPO / entry
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


@pytest.mark.parametrize("path", list(worker_modules()), ids=lambda p: str(p.relative_to(REPO)))
def test_parses_as_python_39(path: Path):
    ast.parse(path.read_text(), filename=str(path), feature_version=(3, 9))


@pytest.mark.parametrize("path", list(worker_modules()), ids=lambda p: str(p.relative_to(REPO)))
def test_module_level_imports_are_stdlib_numpy_or_runner(path: Path):
    allowed = allowed_top(path)
    tree = ast.parse(path.read_text())
    for node in tree.body:
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        for name in names:
            assert name.split(".")[0] in allowed, f"{path.name} imports {name} at module level"


@pytest.mark.parametrize("path", list(worker_modules()), ids=lambda p: str(p.relative_to(REPO)))
def test_annotations_are_postponed(path: Path):
    """``from __future__ import annotations`` keeps ``X | None`` annotations legal on Python 3.9."""
    text = path.read_text()
    if "->" in text or ": " in text:
        assert "from __future__ import annotations" in text or path.name == "__init__.py", path
