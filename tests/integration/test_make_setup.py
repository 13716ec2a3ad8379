"""``make setup`` installs once: after it, ``make -q setup`` says nothing is left to make (so ``make test`` and
``make bench`` reinstall nothing), and a changed lock file is noticed; the version sets' environments are made
from their own lock files on their own Python; the PyTorch CPU index is given to pip only when it answers."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import List

import pytest

from runner.catalog import sets
from tests.conftest import REPO

OLD = "greenai-2023"
#: What the Makefile reads (the catalog, the lock files, the recipes' scripts and prerequisites).
MAKE_INPUTS = ("Makefile", "mk", "envs", "scripts", "runner", "pyproject.toml", "tests/py39/requirements.txt")


def make(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def sets_made_here() -> List[str]:
    """The version sets whose environments folder exists in this checkout (current always)."""
    return ["current", *(s for s in sets.names()[1:] if (REPO / ".envs" / s).is_dir())]


def test_a_set_up_checkout_has_nothing_left_to_make():
    """CI runs `make test` (which needs `make setup`) on a fresh clone: then setup must be complete."""
    if not (REPO / ".venv" / ".stamp").is_file():
        pytest.skip("this checkout was not set up with `make setup` (no .venv/.stamp)")
    env_sets = ",".join(sets_made_here())
    proc = make("-q", "setup", f"ENV_SETS={env_sets}")
    if proc.returncode != 0:
        would = make("-n", "setup", f"ENV_SETS={env_sets}").stdout
        pytest.fail(f"make -q setup ENV_SETS={env_sets} exited {proc.returncode}; it would run:\n{would[-3000:]}")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The files the Makefile reads, copied (their times are touched here, never in the checkout)."""
    for name in MAKE_INPUTS:
        src, dst = REPO / name, tmp_path / "repo" / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst)
    return tmp_path / "repo"


def _fake_setup(repo: Path, env_sets: str) -> List[str]:
    """Stamps for every environment `make setup` would make, newer than every input: a finished setup."""
    targets = [line.split()[-1] for line in make("-n", "setup", f"ENV_SETS={env_sets}", "CAFFE2_NATIVE=no",
                                                 "SYSTEM_MISSING=", cwd=repo).stdout.splitlines()
               if line.startswith("touch ")]
    time.sleep(0.01)
    for stamp in targets:
        path = repo / stamp
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    return targets


def test_make_q_is_exact_in_both_directions(copy: Path):
    args = (f"ENV_SETS=current,{OLD}", "CAFFE2_NATIVE=no", "SYSTEM_MISSING=")
    assert make("-q", "setup", *args, cwd=copy).returncode == 1, "nothing is set up yet"
    stamps = _fake_setup(copy, f"current,{OLD}")
    assert ".venv/.stamp" in stamps and f".envs/{OLD}/pytorch/.stamp" in stamps and ".envs/pytorch/.stamp" in stamps
    assert make("-q", "setup", *args, cwd=copy).returncode == 0, make("-n", "setup", *args, cwd=copy).stdout
    os.utime(copy / "envs" / "sets" / OLD / "mxnet.txt")
    would = make("-n", "setup", *args, cwd=copy).stdout
    assert make("-q", "setup", *args, cwd=copy).returncode == 1
    assert f"REQUIREMENTS=envs/sets/{OLD}/mxnet.txt" in would and "envs/mxnet.txt" not in would, would


def test_make_setup_makes_a_sets_environments_on_its_python_from_its_lock_files(tmp_path):
    proc = make("-n", "setup-sets", f"ENV_SETS=current,{OLD}", f"ENVS={tmp_path}/envs", f"VENV={tmp_path}/venv")
    assert proc.returncode == 0, proc.stderr
    made = [line for line in proc.stdout.splitlines() if "setup-env.sh" in line]
    assert len(made) == len(list(sets.get(OLD).folder.glob("*.txt"))) == 4
    for line in made:
        env = line.split()[-1].rsplit("/", 1)[-1]
        assert f"ROOTFS={tmp_path}/envs/bullseye " in line and f"REQUIREMENTS=envs/sets/{OLD}/{env}.txt" in line
        assert f"check {OLD}/{env}" in line and line.endswith(f"{tmp_path}/envs/{OLD}/{env}")
    assert f"-m venv {tmp_path}/envs/" not in proc.stdout, "the current set's are not setup-sets' business"


class _Index(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass


def torch_index(lock: Path, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(REPO / "scripts" / "torch-index.sh"), str(lock), url], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, TIMEOUT_S="2"))


def test_the_torch_index_is_given_to_pip_only_for_cpu_pins_and_only_when_it_answers(tmp_path):
    cpu, plain = tmp_path / "cpu.txt", tmp_path / "plain.txt"
    cpu.write_text("# a comment with +cpu\nnumpy==2.0\ntorch==9.9.9+cpu\n")
    plain.write_text("# torch==9.9.9+cpu only in a comment\ntorch==9.9.9\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        assert torch_index(cpu, url).stdout.strip() == f"--extra-index-url {url}"
        assert torch_index(plain, url).stdout == ""
        assert torch_index(cpu, "").stdout == ""
    finally:
        server.shutdown()
    started = time.monotonic()
    closed = torch_index(cpu, url)  # nothing listens there any more
    assert closed.returncode == 0 and closed.stdout == "" and "does not answer" in closed.stderr
    assert time.monotonic() - started < 30
