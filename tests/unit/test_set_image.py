"""The x86 image of a version set (``make image DEVICE=x86 ENV_SET=greenai-2023``), without building it: its tag
names the set and its pins, the set's environments go to the bullseye (Python 3.9) stage under
/opt/envs/<set>/, each from the set's lock file, and the image's runs default to the set."""

from __future__ import annotations

import os
import subprocess

from runner.catalog import install
from tests.conftest import REPO
from tests.unit.test_catalog_install import catalog_cli

OLD = "greenai-2023"


def make_n(*args: str) -> str:
    proc = subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_sets_image_is_built_from_the_bullseye_stage_and_tagged_with_its_pins():
    text = make_n("image", "DEVICE=x86", f"ENV_SET={OLD}", "BASES=local", "PIP_CERT=")
    tag = f"edgebench/x86-{OLD}:"
    assert f"-t {tag}" in text and "-mxnet1.9.1-ort1.12.1-torch1.12.1-tf2.9.3 " in text
    assert "--build-arg LEGACY=bullseye" in text and f"--build-arg ENV_SET={OLD}" in text
    assert 'PINS="mxnet==1.9.1,onnxruntime==1.12.1,torch==1.12.1,tensorflow-cpu==2.9.3"' in text
    plain = make_n("image", "DEVICE=x86", "BASES=local", "PIP_CERT=")
    assert "-t edgebench/x86:" in plain and "--build-arg ENV_SET=current" in plain and "LEGACY=none" in plain


def test_the_dockerfile_takes_the_set_everywhere_it_plans_and_runs():
    text = (REPO / "Dockerfile.x86").read_text()
    assert text.count('--set "$ENV_SET"') == 4 and "EDGEBENCH_ENV_SETS=$ENV_SET" in text
    assert "COPY envs /catalog/envs" in text, "the plan stage reads the sets' lock files"
    assert '${ENV_DIR#/opt/envs/}' in (REPO / "docker" / "legacy-python.sh").read_text()
    assert '--set "${EDGEBENCH_ENV_SETS:-current}"' in (REPO / "docker" / "smoke.sh").read_text()


def test_install_env_puts_a_sets_environments_in_the_sets_folder(tmp_path):
    plan = catalog_cli("plan", "--arch", "x86_64", "--set", OLD, "--legacy").stdout
    (tmp_path / "plan").write_text(plan)
    env = dict(os.environ, DRY_RUN="1", ENVS_DIR=str(tmp_path / "envs"), WHEELS=str(tmp_path / "none"))
    proc = subprocess.run(["bash", "docker/install-env.sh", "--plan", str(tmp_path / "plan"), "envs"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for line in plan.splitlines():
        folder, lock, _ = line.split()
        assert (tmp_path / "envs" / folder / "bin" / "python").exists()
        pins = [ln.split(": ", 1)[1] for ln in proc.stdout.splitlines() if ln.startswith(f"{folder} requires: ")]
        assert pins == (install.LOCKS_DIR / lock).read_text().splitlines()
