"""Shared fixtures: the checkout, a persistent artifact cache, framework environments, the CLI.

Where a kind of test is required (CI sets the variables, see .ci/run), a skipped test of that kind fails:

    EDGEBENCH_REQUIRE_FRAMEWORKS=1   tests marked ``frameworks`` (the framework environments)
    EDGEBENCH_REQUIRE_DOCKER=1       tests marked ``images`` (a Docker engine)
    EDGEBENCH_REQUIRE_CAFFE2=1       tests marked ``caffe2`` (the Python 3.9 Caffe2 environment)
    EDGEBENCH_REQUIRE_ENV_SETS=1     tests marked ``env_sets`` (the version sets' environments)

A test that does not apply to the machine at all (a CUDA-only check on a machine with CUDA) says so with
:func:`not_applicable`, which stays a skip. ``EDGEBENCH_PYTEST_STATUS=<file>`` receives pytest's exit status
(``make`` reports every failure as 2; .ci/run reads the real one there).
"""

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


REQUIRED = {"frameworks": "EDGEBENCH_REQUIRE_FRAMEWORKS", "images": "EDGEBENCH_REQUIRE_DOCKER",
            "caffe2": "EDGEBENCH_REQUIRE_CAFFE2", "env_sets": "EDGEBENCH_REQUIRE_ENV_SETS"}
NOT_APPLICABLE = "not applicable here: "


def not_applicable(reason: str) -> None:
    """Skip a test that cannot apply to this machine (never turned into a failure)."""
    pytest.skip(NOT_APPLICABLE + reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped test of a required kind is a failure (see the module docstring)."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    required = [var for mark, var in REQUIRED.items() if item.get_closest_marker(mark) and os.environ.get(var) == "1"]
    if required and NOT_APPLICABLE not in reason:
        report.outcome = "failed"
        report.longrepr = f"{required[0]}=1 requires this test to run, but it was skipped: {reason}"


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("EDGEBENCH_PYTEST_STATUS")
    if path:
        Path(path).write_text(f"{int(exitstatus)}\n")


def require_env(name: str) -> str:
    """The interpreter of framework environment ``name``; skip without it (fail where it is required)."""
    from runner import envs

    info = envs.probe(name)
    if not info.available:
        if os.environ.get("CI") or os.environ.get("EDGEBENCH_REQUIRE_FRAMEWORKS") == "1":
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
