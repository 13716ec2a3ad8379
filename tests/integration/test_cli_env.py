"""``edgebench env``: human units, and the execution providers each runtime's own environment reports."""

from __future__ import annotations

import json
import os
import subprocess

from runner import providers
from runner.system import probe
from tests.conftest import EDGEBENCH, require_env


def env_output(tmp_path, *args: str) -> subprocess.CompletedProcess:
    empty = tmp_path / "envs"
    empty.mkdir(exist_ok=True)
    environ = dict(os.environ, EDGEBENCH_ENVS_DIR=str(empty), COLUMNS="200")
    environ = {k: v for k, v in environ.items() if not k.startswith("EDGEBENCH_ENV_")}
    return subprocess.run([*EDGEBENCH, "env", *args], capture_output=True, text=True, cwd=tmp_path, env=environ,
                          timeout=300)


def test_env_shows_memory_in_gib_and_the_providers_per_runtime(tmp_path):
    proc = env_output(tmp_path)
    assert proc.returncode == 0, proc.stderr
    total = probe.host_facts()["memory_total_bytes"]
    assert f"{total / 2**30:.1f} GiB" in proc.stdout and str(total) not in proc.stdout
    assert "memory_total_bytes" not in proc.stdout and "providers here" in proc.stdout
    null = next(line for line in proc.stdout.splitlines() if line.startswith("│ null "))
    assert "│ cpu " in null  # the harness runs on the CPU
    missing = next(line for line in proc.stdout.splitlines() if line.startswith("│ pytorch "))
    assert "│ none " in missing and "environment is missing" in proc.stdout


def test_env_json_keeps_raw_si_values_and_the_providers(tmp_path):
    facts = json.loads(env_output(tmp_path, "--json").stdout)
    assert isinstance(facts["host"]["memory_total_bytes"], int)
    null = next(f for f in facts["frameworks"] if f["framework"] == "null")
    assert null["providers_available"] == ["cpu"] and null["providers_known"] == ["cpu"]
    skipped = json.loads(env_output(tmp_path, "--json", "--no-providers").stdout)
    assert all(f["providers_available"] is None for f in skipped["frameworks"])


def test_onnx_runtime_reports_its_own_provider_names():
    require_env("onnxruntime")
    found = providers.probe("onnxruntime")
    assert "cpu" in found.available and "CPUExecutionProvider" in found.detail, found
    if "cuda" not in found.available:
        assert "no cuda provider here" in found.problem("cuda") and "CPUExecutionProvider" in found.problem("cuda")
    assert found.problem("cpu") == ""
