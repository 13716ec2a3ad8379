"""Static rules for the worker side (DESIGN §3): Python 3.9 syntax, and imports limited to the standard
library, numpy and the runner itself at module level (frameworks only inside functions)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

WORKER_SIDE = ["runner/cell.py", "runner/worker", "runner/frameworks", "runner/models", "runner/measure"]
# Model definition modules subclass framework classes, so they import their framework at module level;
# only their own adapter imports them, inside functions.
DEFINITIONS = ("defs.py", "bert.py")
ALLOWED_TOP = set(sys.stdlib_module_names) | {"numpy", "runner", "__future__"}


def worker_modules():
    for entry in WORKER_SIDE:
        path = REPO / entry
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


@pytest.mark.parametrize("path", list(worker_modules()), ids=lambda p: str(p.relative_to(REPO)))
def test_parses_as_python_39(path: Path):
    ast.parse(path.read_text(), filename=str(path), feature_version=(3, 9))


@pytest.mark.parametrize("path", list(worker_modules()), ids=lambda p: str(p.relative_to(REPO)))
def test_module_level_imports_are_stdlib_numpy_or_runner(path: Path):
    if path.name in DEFINITIONS:
        return
    tree = ast.parse(path.read_text())
    for node in tree.body:
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        for name in names:
            assert name.split(".")[0] in ALLOWED_TOP, f"{path.name} imports {name} at module level"


@pytest.mark.parametrize("path", list(worker_modules()), ids=lambda p: str(p.relative_to(REPO)))
def test_annotations_are_postponed(path: Path):
    """``from __future__ import annotations`` keeps ``X | None`` annotations legal on Python 3.9."""
    text = path.read_text()
    if "->" in text or ": " in text:
        assert "from __future__ import annotations" in text or path.name == "__init__.py", path
