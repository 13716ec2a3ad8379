"""The greenai-2023 version set (the Green AI study's framework versions on Python 3.9) next to today's, through
the real CLI on the tiny model: every framework of the set runs and agrees with its reference, the ONNX cells
convert with the set's own exporters, a framework the set lacks is an unavailable row saying so, the report
judges the findings per set, and ``compare --across env_set`` pairs each configuration with itself.

Needs the set's environments (``make setup ENV_SETS=current,greenai-2023``). Without them these tests skip
with the reason, unless ``EDGEBENCH_REQUIRE_ENV_SETS=1`` (CI, which builds the set as root), where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EDGEBENCH, FAST, read_cells, require_env
from tests.unit.test_env_sets import STUDY_PINS

pytestmark = pytest.mark.env_sets

OLD = "greenai-2023"
FRAMEWORKS = ("pytorch", "tensorflow", "mxnet", "onnxruntime", "tflite")
SOURCES = ("pytorch", "tensorflow", "mxnet")
#: float32 kernels of two releases sum in other orders; a wrong layout or conversion gives differences of order 1
TOLERANCE = 1e-4
PACKAGE = {"pytorch": "torch", "tensorflow": "tensorflow-cpu", "mxnet": "mxnet", "onnxruntime": "onnxruntime"}


def require_set() -> None:
    """Skip without the set's environments."""
    from runner import envs

    missing = [f"{fw}: {info.reason}" for fw in PACKAGE for info in [envs.for_framework(fw, OLD)]
               if not info.available]
    if missing:
        pytest.skip("; ".join(missing))  # a failure where EDGEBENCH_REQUIRE_ENV_SETS=1 (tests/conftest.py)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([*EDGEBENCH, *args], capture_output=True, text=True, timeout=1800, cwd=cwd,
                          env=dict(os.environ, COLUMNS="250"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def two_sets(tmp_path_factory):
    """tinycnn on every framework, both sets, one thread, short budgets, two repetitions."""
    require_set()
    for fw in FRAMEWORKS:
        require_env(fw if fw != "tflite" else "tflite")
    out = tmp_path_factory.mktemp("sets")
    cli("run", "--models", "tinycnn", "--frameworks", ",".join(FRAMEWORKS), "--sources", ",".join(SOURCES),
        "--env-sets", f"current,{OLD}", "--repetitions", "2", "--out", str(out), "--run-id", "sets", *FAST, cwd=out)
    return out, read_cells(out / "sets")


def test_every_framework_of_the_set_runs_its_version_and_agrees_with_its_reference(two_sets):
    _, rows = two_sets
    old = [r for r in rows if r["env_set"] == OLD and r["framework"] != "tflite"]
    assert len(old) == 2 * 6
    for r in old:
        assert r["status"] == "ok", (r["cell_id"], r["error_message"])
        assert r["framework_version"].split("+")[0] == STUDY_PINS[PACKAGE[r["framework"]]], r["cell_id"]
        assert r["output_max_abs_diff"] is not None and r["output_max_abs_diff"] < TOLERANCE, r["cell_id"]
        assert (r["reference_framework"], r["reference_version"]) == ("pytorch", "1.12.1"), r["cell_id"]
        assert r["cell_id"].endswith(f"-{OLD}") and "/greenai-2023/" in r["env_python"]
    now = [r for r in rows if r["env_set"] == "current"]
    assert all(r["status"] == "ok" for r in now) and len(now) == 2 * 7
    assert all(r["reference_version"] != "1.12.1" for r in now)


def test_the_sets_onnx_exports_are_made_by_the_sets_own_exporters(two_sets):
    _, rows = two_sets
    for r in (r for r in rows if r["framework"] == "onnxruntime" and r["env_set"] == OLD):
        artifact = json.loads(r["info_json"])["artifact"]
        assert artifact["onnx_version"] == "1.12.0" and artifact["ir_version"] <= 8, artifact  # ORT 1.12 reads 8
        if r["source"] == "pytorch":
            assert artifact["opset"] == 16 and artifact["torch_version"].startswith("1.12.1")
        if r["source"] == "tensorflow":
            assert artifact["tf2onnx_version"] == "1.12.1"


def test_a_framework_the_set_lacks_is_an_unavailable_row_saying_so(two_sets):
    _, rows = two_sets
    lacking = [r for r in rows if r["framework"] == "tflite" and r["env_set"] == OLD]
    assert len(lacking) == 2
    assert all(r["status"] == "unavailable" and f"tflite is not in version set {OLD}" in r["error_message"]
               for r in lacking)


def test_the_manifest_records_each_sets_environments(two_sets):
    out, _ = two_sets
    manifest = json.loads((out / "sets" / "manifest.json").read_text())
    old = manifest["environments"][f"{OLD}/pytorch"]
    assert old["env_set"] == OLD and old["python_version"].startswith("3.9.") and old["packages"]["torch"]
    assert manifest["environments"]["pytorch"]["env_set"] == "current"


def test_the_report_judges_the_findings_per_set_side_by_side(two_sets):
    out, _ = two_sets
    text = cli("report", str(out / "sets"), "--findings", "full", cwd=out).stdout
    assert "env current: 20 checked" in text and f"env {OLD}: 20 checked" in text
    assert text.count(f"greenai-hard-to-predict [A] env {OLD}") == 1
    assert text.count("greenai-hard-to-predict [A] env current") == 1
    assert f"pytorch env {OLD}" in text and "pytorch env current" in text, "the tables name each set"


def test_compare_across_env_set_pairs_each_configuration_with_itself(two_sets):
    out, _ = two_sets
    text = cli("compare", str(out / "sets"), "--across", "env_set", "--export", "json",
               "--out", str(out / "across.json"), cwd=out).stdout
    assert f"A = env_set current, B = env_set {OLD} (6 matched configurations" in text
    assert "only in env_set current: tinycnn tflite(tensorflow) b1 t1" in text
    records = json.loads((out / "across.json").read_text())
    torch = next(r for r in records if r["configuration"] == "tinycnn pytorch b1 t1")
    assert torch["version_a"].startswith("2.") and torch["version_b"].startswith("1.12.1")
    assert torch["verdict"] == "not enough repetitions", "two per side: no verdict is claimed"
    assert torch["ratio_b_over_a"] > 0


def test_precisions_the_sets_versions_lack_are_unsupported_rows_saying_why(tmp_path):
    """torch 1.12 has no FX QConfigMapping and no float16 CPU convolution; the set's ONNX Runtime environment
    has no onnx package, which its quantization tools need: unsupported rows, never failed ones."""
    require_set()
    cli("run", "--models", "tinycnn", "--frameworks", "pytorch,onnxruntime", "--sources", "pytorch",
        "--env-sets", OLD, "--precisions", "fp16,int8", "--repetitions", "1", "--out", str(tmp_path),
        "--run-id", "p", *FAST, cwd=tmp_path)
    rows = {(r["framework"], r["precision"]): r for r in read_cells(tmp_path / "p")}
    assert sorted(rows) == [(f, p) for f in ("onnxruntime", "pytorch") for p in ("fp16", "int8")]
    for (framework, precision), r in rows.items():
        assert r["env_set"] == OLD and r["status"] == "unsupported", (framework, precision, r["error_message"])
        assert f"-{precision}-" in r["cell_id"] and r["cell_id"].endswith(f"-{OLD}")
    assert "no FX QConfigMapping" in rows[("pytorch", "int8")]["error_message"]
    assert "no float16 CPU kernel" in rows[("pytorch", "fp16")]["error_message"]
    assert "need the onnx package" in rows[("onnxruntime", "int8")]["error_message"]
