"""The catalog: one folder and one record per framework, read by everything else; a runtime is one place.

These tests hold the contract a new runtime is added under: its folder (``record.py``, ``adapter.py``,
``build.py`` when it builds artifacts), its lock files, and nothing else in ``runner/``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

from runner import catalog
from runner.frameworks.record import ARCHES
from tests.conftest import REPO

FOLDER = REPO / "runner" / "frameworks"
RECORDS = list(catalog.FRAMEWORKS.values())
#: Files that may name frameworks, and why. Keep it short: every entry is a place a new runtime might
#: have to be added by hand.
NAMING_ALLOWED: Dict[str, str] = {
    "runner/report/findings_pcamp.py": "the published pCAMP findings are statements about named frameworks",
    "runner/report/findings_greenai.py": "the published Green AI findings are statements about named frameworks",
}
#: Names that are also ordinary words in code: checked in these phrases, and, outside framework folders
#: (where e.g. MXNet's symbol files have "null" nodes), as whole string literals.
ORDINARY = {"null": re.compile(r"\bnull (adapter|framework|cell)s?\b", re.IGNORECASE)}


def python_files() -> List[Path]:
    return sorted((REPO / "runner").rglob("*.py"))


def owner(path: Path) -> str:
    """The framework whose folder holds ``path`` ('' outside every framework folder)."""
    rel = path.relative_to(FOLDER).parts if FOLDER in path.parents else ()
    return rel[0] if len(rel) > 1 else ""


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_every_record_has_its_folder_and_modules(record):
    folder = FOLDER / record.name
    assert (folder / "record.py").is_file() and (folder / "adapter.py").is_file()
    jobs = record.builds or record.formats or record.converts
    assert (folder / "build.py").is_file() == bool(jobs), "build.py exactly where the record builds or has file jobs"
    assert record.env and record.title and record.description and record.sources


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_sources_are_frameworks_that_build_the_artifact(record):
    if not record.needs_artifact:
        assert set(record.sources) == {record.name} and not record.builds
        return
    for source, builder in record.sources.items():
        assert builder in catalog.FRAMEWORKS, (source, builder)
        assert record.artifact in catalog.FRAMEWORKS[builder].builds, f"{builder} does not build {record.artifact}"


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_lock_files_options_and_architectures(record):
    assert set(record.locks) <= set(ARCHES) and set(record.opt_in) <= set(record.locks)
    for lock in record.locks.values():
        assert (REPO / "envs" / lock).is_file(), lock
    for option in record.options:
        assert option.problem(option.default) is None, option.name
        assert option.problem("no such value") is not None, option.name
    assert bool(record.env == "main") == (not record.locks), "the orchestrator's environment has no lock of its own"


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_model_file_formats_are_declared_once_read_by_their_owner_and_converted_between_known_formats(record):
    from runner.catalog import formats

    owned = [f.name for r in RECORDS for f in r.formats]
    assert len(owned) == len(set(owned)), "each format has one own runtime"
    for fmt in record.formats:
        assert fmt.name in record.reads, f"{record.name} owns {fmt.name} but does not read it"
        assert bool(fmt.suffixes) != bool(fmt.marker), "a format is selected by suffixes or, a folder, by a marker"
        assert formats.route(fmt.name, record.name).source == formats.FILE_SOURCE
    assert set(record.reads) <= set(owned), record.reads
    for conversion in record.converts:
        assert {conversion.source, conversion.target} <= set(owned) and conversion.tool, conversion


def test_one_reference_framework_and_the_shared_lists():
    assert [r.name for r in RECORDS if r.reference] == [catalog.REFERENCE_FRAMEWORK]
    assert catalog.PROVIDERS[0] == "cpu" and len(set(catalog.PROVIDERS)) == len(catalog.PROVIDERS)
    for env, record in catalog.environments().items():
        sharing = [r for r in RECORDS if r.env == env]
        assert all(r.locks == record.locks and r.python == record.python for r in sharing), env


def test_reading_the_catalog_imports_no_framework():
    modules = sorted({m for r in RECORDS for m in r.imports} | {"numpy"})
    code = ("import sys, runner.catalog, runner.catalog.install; "
            f"print(sorted(m for m in {modules!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def imports(path: Path) -> Iterator[Tuple[int, str]]:
    """``(line, module)`` of every import in the file, inside functions too."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def test_a_framework_is_imported_only_inside_its_own_folder():
    """Each record's import modules, anywhere in runner/; and no folder imports another framework's."""
    own = {m: r.name for r in RECORDS for m in r.imports}
    problems = []
    for path in python_files():
        here = owner(path)
        reused = catalog.FRAMEWORKS[here].reuses if here else ()
        for line, module in imports(path):
            top = module.split(".")[0]
            if top in own and own[top] != here and own[top] not in reused:
                problems.append(f"{path.relative_to(REPO)}:{line} imports {module} ({own[top]}'s)")
            parts = module.split(".")
            if parts[:2] == ["runner", "frameworks"] and len(parts) > 2 and parts[2] in catalog.FRAMEWORKS \
                    and parts[2] != here and parts[2] not in reused and not (here == "" and parts[3:] == ["record"]):
                problems.append(f"{path.relative_to(REPO)}:{line} imports {module} (another framework's folder)")
    assert not problems, "\n".join(problems)


def names_in(path: Path, allowed_words: Set[str]) -> Iterator[str]:
    """``line: name`` for every framework named in the file (outside its own folder)."""
    text = path.read_text()
    lines = text.splitlines()
    for record in RECORDS:
        if record.name == owner(path) or record.name in allowed_words:
            continue
        if record.name in ORDINARY:
            yield from _ordinary(path, text, record.name)
            continue
        for pattern, flags in ((record.name, re.IGNORECASE), (record.title, 0)):
            regex = re.compile(rf"(?<![A-Za-z0-9.]){re.escape(pattern)}(?![A-Za-z0-9])", flags)
            for i, line in enumerate(lines, 1):
                if regex.search(line):
                    yield f"{i}: {record.name} ({line.strip()[:90]})"


def _ordinary(path: Path, text: str, name: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(text)) if not owner(path) else ():
        if isinstance(node, ast.Constant) and node.value == name:
            yield f"{node.lineno}: {name} (the string '{name}')"
    for i, line in enumerate(text.splitlines(), 1):
        if ORDINARY[name].search(line):
            yield f"{i}: {name} ({line.strip()[:90]})"


def test_no_framework_is_named_outside_its_folder_and_record():
    """Generic code reads the catalog; it never names a framework. A framework folder names no other
    framework either, except in its record (which relates it to its sources) and as the artifact kinds it
    builds, the distributions or the execution providers its record lists (an ONNX runtime's ``openvino``
    provider is a provider, whatever else is called so), and the frameworks it reuses."""
    problems = []
    for path in python_files():
        rel = str(path.relative_to(REPO))
        if rel in NAMING_ALLOWED or (owner(path) and path.name == "record.py"):
            continue
        record = catalog.FRAMEWORKS.get(owner(path))
        own_words = set(record.builds) | set(record.packages) | set(record.providers) | set(record.reuses) \
            if record else set()
        problems += [f"{rel}:{hit}" for hit in names_in(path, own_words)]
    assert not problems, "frameworks named outside their folder:\n" + "\n".join(problems)


def test_the_naming_check_finds_a_name(tmp_path):
    """The check itself can fail: a generic module naming a framework, in code or in prose."""
    record = next(r for r in RECORDS if r.name not in ORDINARY)
    fake = REPO / "runner" / "_naming_probe.py"
    try:
        fake.write_text(f'"""Talks about {record.title}."""\nX = "{record.name}"\nY = "null"\n')
        hits = list(names_in(fake, set()))
    finally:
        fake.unlink()
    assert any(record.name in h for h in hits) and any("null" in h for h in hits), hits
