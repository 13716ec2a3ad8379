"""A resumed run keeps what its manifest knew: a narrower second invocation adds to it, never replaces it."""

from __future__ import annotations

import json
import os
import subprocess

from tests.conftest import EDGEBENCH, FAST


def test_resuming_with_fewer_frameworks_merges_the_manifests_environments(tmp_path):
    env = dict(os.environ, EDGEBENCH_ENV_TFLITE=str(tmp_path / "no" / "python"))

    def run(frameworks: str) -> dict:
        proc = subprocess.run([*EDGEBENCH, "run", "--preset", "smoke", "--frameworks", frameworks, "--out", "res",
                               "--run-id", "r", *FAST], capture_output=True, text=True, cwd=tmp_path, env=env,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        return json.loads((tmp_path / "res" / "r" / "manifest.json").read_text())

    first = run("tflite,null")
    assert {"main", "tflite"} <= set(first["environments"])
    assert first["environments"]["tflite"]["available"] is False
    second = run("null")
    assert second["environments"]["tflite"] == first["environments"]["tflite"]
    assert set(first["environments"]) <= set(second["environments"])
    assert [i["grid"]["frameworks"] for i in second["invocations"]] == [["tflite", "null"], ["null"]]
