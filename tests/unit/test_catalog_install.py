"""What the Makefile and the images read from the catalog (``python -m runner.catalog``), and
``docker/install-env.sh --plan`` installing every environment of a plan the same way (dry run: no pip)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from runner import catalog
from runner.catalog import install
from tests.conftest import REPO


def catalog_cli(*args: str, python: str = sys.executable) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "runner.catalog", *args], capture_output=True, text=True, cwd=REPO)


def plan_lines(*args: str) -> List[List[str]]:
    proc = catalog_cli("plan", *args)
    assert proc.returncode == 0, proc.stderr
    return [line.split() for line in proc.stdout.splitlines()]


@pytest.mark.parametrize("arch", ["x86_64", "aarch64", "armv7l"])
def test_a_plan_lists_the_environments_with_a_lock_file_there(arch):
    lines = plan_lines("--arch", arch)
    expected = [e for e, r in catalog.environments().items() if arch in r.locks and not r.python
                and arch not in r.opt_in]
    assert [line[0] for line in lines] == expected and expected
    for name, lock, edits in lines:
        assert (REPO / "envs" / lock).is_file() and lock == catalog.environments()[name].locks[arch]
        assert edits == (catalog.environments()[name].gpu_lock_edits or "-")


def test_opt_in_and_legacy_environments_come_only_when_asked_for():
    for env, record in catalog.environments().items():
        legacy = ["--legacy"] if record.python else []
        for arch in record.opt_in:
            plain = [line[0] for line in plan_lines("--arch", arch, *legacy)]
            asked = [line[0] for line in plan_lines("--arch", arch, "--with", env, *legacy)]
            assert env not in plain and env in asked, (env, arch)


def test_unknown_names_are_one_line_and_exit_2():
    proc = catalog_cli("plan", "--with", "tensorflw")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "known:" in proc.stderr
    assert catalog_cli("envs", "--arch", "sparc").returncode == 2


def test_pins_come_from_the_lock_files():
    short = catalog_cli("pins", "--arch", "x86_64").stdout.strip()
    long = catalog_cli("pins", "--arch", "x86_64", "--long").stdout.strip()
    for record in catalog.environments().values():
        if "x86_64" not in record.locks or record.python or "x86_64" in record.opt_in:
            continue
        package, version = install._pinned(record, install.LOCKS_DIR / record.locks["x86_64"])
        assert f"{record.tag or record.name}{version.split('+')[0]}" in short.split("-")
        assert f"{package}=={version}" in long.split(",")


def test_the_catalog_runs_on_the_oldest_python_it_must():
    """The Makefile and the image builds run it with the host's python3 (the caffe2 environment is a 3.9)."""
    from runner import envs

    legacy = next((r for r in catalog.FRAMEWORKS.values() if r.python), None)
    info = envs.probe(legacy.env) if legacy else None
    if info is None or not info.available:
        pytest.skip("no environment on an older Python here")
    proc = catalog_cli("envs", "--arch", "x86_64", python=info.python)
    assert proc.returncode == 0 and proc.stdout.split() == [line[0] for line in plan_lines("--arch", "x86_64")]


def dry_install(tmp_path: Path, plan: List[str], gpu: str) -> str:
    (tmp_path / "plan").write_text("\n".join(plan) + "\n")
    env = dict(os.environ, DRY_RUN="1", GPU=gpu, ENVS_DIR=str(tmp_path / "envs"), WHEELS=str(tmp_path / "none"))
    proc = subprocess.run(["bash", "docker/install-env.sh", "--plan", str(tmp_path / "plan"), "envs"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("gpu", ["0", "1"])
def test_install_env_installs_every_environment_of_the_plan_from_its_lock_file(tmp_path, gpu):
    plan = catalog_cli("plan", "--arch", "x86_64").stdout.splitlines()
    out = dry_install(tmp_path, plan, gpu)
    for name, lock, edits in (line.split() for line in plan):
        pins = [ln.split(": ", 1)[1] for ln in out.splitlines() if ln.startswith(f"{name} requires: ")]
        locked = (REPO / "envs" / lock).read_text().splitlines()
        pip = next(ln for ln in out.splitlines() if ln.startswith("pip install") and f"/{name}/" in ln)
        assert (tmp_path / "envs" / name / "bin" / "python").exists()
        if gpu == "1" and edits != "-":
            assert pins != locked and "--no-deps" not in pip, name  # the CUDA build's requirements
        else:
            assert pins == locked and "--no-deps" in pip, name


def test_make_setup_creates_the_catalogs_environments_from_their_lock_files(tmp_path):
    proc = subprocess.run(["make", "-n", "setup", f"ENVS={tmp_path}/envs", f"VENV={tmp_path}/venv",
                           "CAFFE2_NATIVE=no"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for name, lock, _ in (line.split() for line in catalog_cli("plan").stdout.splitlines()):
        assert f"-m venv {tmp_path}/envs/{name} " in proc.stdout
        assert f"{tmp_path}/envs/{name}/bin/pip install" in proc.stdout and f"-r envs/{lock}" in proc.stdout
