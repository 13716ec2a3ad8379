"""The worker side on the oldest Python it must run on (3.9): run with that interpreter.

``tests/integration/test_caffe2.py`` runs this file (and ``tests/unit/test_measure.py``) with the caffe2
environment's Python 3.9; under the main suite's newer Python it passes too. Checks: every worker-side
file compiles as 3.9 and uses no 3.10+ runtime API (even inside a function body), every one that imports
no framework at its top imports, a null cell runs end to end
through ``python -m runner.worker.main REQUEST FD`` exactly as the orchestrator spawns it.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]
#: The worker side (DESIGN §3): these folders and files run in every framework's interpreter.
WORKER_SIDE = ("runner/worker", "runner/frameworks", "runner/measure", "runner/models", "runner/cell.py",
               "runner/__init__.py")

def framework_modules() -> set:
    """Top-level imports that make a module framework-only (the catalog records' import modules): such a
    module is compiled and scanned here, and imported by its framework's tests."""
    from runner.catalog import FRAMEWORKS as RECORDS

    return {m for r in RECORDS.values() for m in r.imports}


FRAMEWORKS = framework_modules()
#: Keyword arguments that Python 3.9 rejects at run time (the call fails only when it runs).
NEWER_KWARGS = {"zip": {"strict"}, "dataclass": {"slots", "kw_only", "match_args"},
                "field": {"kw_only"}, "bisect": {"key"}, "bisect_left": {"key"}, "bisect_right": {"key"},
                "insort": {"key"}}
#: Names that modules and builtins gained after 3.9.
NEWER_IN_MODULE = {"typing": {"TypeAlias", "ParamSpec", "Concatenate", "TypeGuard", "Self", "Never"},
                   "itertools": {"pairwise"}, "datetime": {"UTC"}, "enum": {"StrEnum"},
                   "asyncio": {"TaskGroup"}}
NEWER_MODULES = {"tomllib"}
NEWER_BUILTINS = {"aiter", "anext", "ExceptionGroup", "BaseExceptionGroup"}


def worker_files() -> List[Path]:
    out: List[Path] = []
    for entry in WORKER_SIDE:
        path = REPO / entry
        out.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return out


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_a_framework(path: Path) -> bool:
    """Whether the module imports a framework at its top level (not lazily inside a function)."""
    for node in ast.parse(path.read_text()).body:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(n.split(".")[0] in FRAMEWORKS for n in names):
            return True
    return False


def newer_than_39(tree: ast.AST) -> Iterator[Tuple[int, str]]:
    """``(line, what)`` for constructs that parse on 3.9 but fail when they run there."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for kw in node.keywords:
                if kw.arg in NEWER_KWARGS.get(func, ()):
                    yield node.lineno, f"{func}({kw.arg}=...) needs Python 3.10+"
            if func in ("isinstance", "issubclass") and len(node.args) == 2 \
                    and isinstance(node.args[1], ast.BinOp) and isinstance(node.args[1].op, ast.BitOr):
                yield node.lineno, f"{func}(x, A | B) needs Python 3.10+; use a tuple"
        elif isinstance(node, ast.Name) and node.id in NEWER_BUILTINS:
            yield node.lineno, f"{node.id} needs Python 3.10+"
        else:
            yield from _newer_import(node)


def _newer_import(node: ast.AST) -> Iterator[Tuple[int, str]]:
    if isinstance(node, ast.ImportFrom):
        for alias in node.names:
            if alias.name in NEWER_IN_MODULE.get(node.module or "", ()):
                yield node.lineno, f"{node.module}.{alias.name} needs Python 3.10+"
    elif isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name in NEWER_MODULES:
                yield node.lineno, f"{alias.name} needs Python 3.11+"
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.attr in NEWER_IN_MODULE.get(node.value.id, ()):
        yield node.lineno, f"{node.value.id}.{node.attr} needs Python 3.10+"


@pytest.mark.parametrize("path", worker_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_worker_file_compiles_and_uses_no_newer_runtime_api(path: Path) -> None:
    source = path.read_text()
    tree = ast.parse(source, str(path), feature_version=(3, 9))
    compile(source, str(path), "exec")
    problems = [f"{path.relative_to(REPO)}:{line}: {what}" for line, what in newer_than_39(tree)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", worker_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_worker_module_imports(path: Path) -> None:
    if imports_a_framework(path):
        pytest.skip("imports its framework at the top: loaded by that framework's tests")
    importlib.import_module(module_name(path))


def test_a_null_cell_runs_end_to_end_as_the_orchestrator_spawns_it(tmp_path: Path) -> None:
    from runner.cell import Budget, Cell
    from runner.worker import spawn
    from runner.worker.protocol import CellRequest

    budget = Budget(warmup_iterations=1, warmup_s=0.0, min_iterations=5, min_time_s=0.05, max_time_s=0.5)
    cell = Cell("tinycnn", "null", "null", 2, "cpu", 1, 0, budget)
    env = spawn.worker_environ(cell.threads, str(REPO))
    outcome = spawn.spawn(sys.executable, CellRequest(cell), tmp_path, tmp_path / "cell.log", env, timeout_s=120)
    assert outcome.status == "ok", (outcome.error_message, (tmp_path / "cell.log").read_text())
    result = outcome.result
    assert len(result.latencies_ns) >= budget.min_iterations
    assert result.output.shape == [2, 10]
    assert result.marks["start"] >= outcome.spawn_ns
    assert result.memory.rss_after_load_bytes > 0


def test_a_failing_null_cell_is_a_typed_result(tmp_path: Path) -> None:
    from runner.cell import Cell
    from runner.worker import spawn
    from runner.worker.protocol import CellRequest

    cell = Cell("tinycnn", "null", "null", 1, "cpu", 1, 0, options=(("fault", "exception"),))
    env = spawn.worker_environ(cell.threads, str(REPO))
    outcome = spawn.spawn(sys.executable, CellRequest(cell), tmp_path, tmp_path / "cell.log", env, timeout_s=120)
    assert (outcome.status, outcome.error_class) == ("failed", "RuntimeError")


#: The first values of tinycnn's seeded input (item 0), as numpy 1.21 and 2.4 both draw them.
SEEDED_TINYCNN_HEAD = [-0.875248908996582, -1.1837635040283203, 0.5291023850440979, -0.48055559396743774]


def test_seeded_inputs_do_not_depend_on_the_numpy_version() -> None:
    """Every environment draws the same input (the outputs are compared across environments)."""
    import numpy as np

    from runner.models import inputs, spec

    x = inputs.make_inputs(spec.get("tinycnn"), 2)["input"]
    assert x.dtype == np.float32 and x.shape == (2, 3, 32, 32)
    assert x[0].ravel()[:4].tolist() == SEEDED_TINYCNN_HEAD
    assert np.array_equal(x[0], inputs.make_inputs(spec.get("tinycnn"), 1)["input"][0])


def test_the_scan_finds_what_python_39_rejects_at_run_time() -> None:
    sample = ("from typing import TypeAlias\nimport itertools\n@dataclass(slots=True)\nclass A: pass\n"
              "def f(x):\n    zip(x, x, strict=True)\n    isinstance(x, int | str)\n"
              "    itertools.pairwise(x)\n    return anext(x)\n")
    lines = sorted(line for line, _ in newer_than_39(ast.parse(sample)))
    assert lines == [1, 3, 6, 7, 8, 9]
