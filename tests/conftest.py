"""Shared fixtures: the checkout, a persistent artifact cache, framework environments, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

REPO = Path(__file__).resolve().parent.parent
EDGEBENCH = [sys.executable, "-m", "runner"]


@pytest.fixture(scope="session", autouse=True)
def artifact_cache() -> Path:
    """Artifacts are expensive to build and deterministic: share them across test runs."""
    path = Path(os.environ.get("EDGEBENCH_TEST_CACHE", REPO / ".cache" / "test"))
    path.mkdir(parents=True, exist_ok=True)
    os.environ["EDGEBENCH_CACHE"] = str(path)
    return path


def require_env(name: str) -> str:
    """The interpreter of framework environment ``name``; skip without it (fail in CI, which must have it)."""
    from runner import envs

    info = envs.probe(name)
    if not info.available:
        if os.environ.get("CI"):
            pytest.fail(f"CI requires the {name} environment: {info.reason}")
        pytest.skip(info.reason)
    return info.python


@pytest.fixture
def edgebench(tmp_path):
    """Run the real CLI in a subprocess; returns CompletedProcess (text)."""

    def run(*args: str, timeout: float = 600, check_rc=None) -> subprocess.CompletedProcess:
        proc = subprocess.run([*EDGEBENCH, *args], capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
                              env=dict(os.environ, COLUMNS="200"))
        if check_rc is not None:
            assert proc.returncode == check_rc, f"rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    return run


FAST = ["--warmup-s", "0", "--min-time-s", "0.1", "--max-time-s", "0.3", "--idle-s", "0", "--meters", "none"]


def read_cells(run_dir: Path) -> List[dict]:
    import pyarrow.parquet as pq

    return [pq.read_table(p).to_pylist()[0] for p in sorted(run_dir.glob("cells/part-*.parquet"))]


def run_python(python: str, args: List[str], timeout: float = 300, threads: int = 1) -> subprocess.CompletedProcess:
    """Run ``python args`` from the checkout with the runner importable; fail with the output on error."""
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS=str(threads), TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([python, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"rc={proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc
