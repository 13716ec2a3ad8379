"""``scripts/gpu-check.sh`` in its CPU mode: the same steps as on a GPU host, on the tiny model.

The GPU run itself needs an NVIDIA GPU; this keeps every step of the script (interpreters, the ONNX Runtime
wrapper, artifact preparation, the runs, the summary, the archive) working as the CLI changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile

import pytest

from tests.conftest import REPO, require_env

pytestmark = pytest.mark.frameworks


def test_the_cpu_mode_runs_every_step_and_writes_the_summary(tmp_path):
    require_env("pytorch")
    require_env("onnxruntime")
    out = tmp_path / "out"
    env = dict(os.environ, MODE="cpu", OUT=str(out), BATCH_SIZES="2", REPETITIONS="2", TOTAL_S="280",
               TMPDIR=str(tmp_path), EDGEBENCH_ENV_PYTORCH=require_env("pytorch"),
               EDGEBENCH_ENV_ONNXRUNTIME=require_env("onnxruntime"))
    proc = subprocess.run(["bash", str(REPO / "scripts" / "gpu-check.sh")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=400)
    log = (out / "gpu-check.log").read_text()
    for name in ("preflight", "prepare", "run", "tensorrt", "summary"):
        assert f"= {name}: exit 0" in log, f"{name} failed:\n{proc.stdout[-3000:]}"
    assert sorted(p.name for p in out.iterdir()) == ["gpu-check.log", "nvidia-smi.txt", "preflight.txt", "run.tar.gz",
                                                   "summary.json", "summary.txt"]
    summary = json.loads((out / "summary.json").read_text())
    configs = {(c["framework"], c["provider"], c["options"]): c for c in summary["configurations"]}
    for binding in ("on", "off"):
        ort = configs[("onnxruntime", "cpu", f"iobinding={binding}")]
        assert ort["statuses"] == {"ok": 2} and len(ort["p50_ms_per_repetition"]) == 2
        assert ort["timed_call"]["seen_agrees"] is True and ort["threads"][1] is not None
    assert configs[("pytorch", "cpu", "")]["statuses"] == {"ok": 2}
    for provider in ("cuda", "tensorrt"):
        cell = configs[("onnxruntime", provider, "")]
        assert cell["statuses"] == {"unsupported": 1} and "ExecutionProvider" in cell["errors"][0]
    (effect,) = summary["binding_effect"]
    assert effect["batch_size"] == 2 and effect["repetitions"] == [2, 2] and effect["ratio_off_over_on"] > 0
    assert "onnxruntime" in (out / "preflight.txt").read_text()
    with tarfile.open(out / "run.tar.gz") as tar:
        names = tar.getnames()
    assert any(n.endswith("manifest.json") for n in names) and any("/cells/part-" in n for n in names)
    failed = [line for line in log.splitlines() if "[gpu-check]   failed: " in line]
    assert not [line for line in failed if "nvidia-smi" not in line], failed  # no nvidia-smi is a failed step
    assert proc.returncode == len(failed)
