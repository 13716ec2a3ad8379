"""Kubernetes Jobs rendered by scripts/k8s_jobs.py, validated offline against the Kubernetes JSON schemas
(kubernetes-validate ships them: strict mode rejects unknown fields), and the collect step against a fake
kubectl (there is no cluster here)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

kubernetes_validate = pytest.importorskip("kubernetes_validate")

spec = importlib.util.spec_from_file_location("k8s_jobs", REPO / "scripts/k8s_jobs.py")
k8s_jobs = importlib.util.module_from_spec(spec)
sys.modules["k8s_jobs"] = k8s_jobs  # dataclasses look their module up
spec.loader.exec_module(k8s_jobs)

NODES = """
[nodes.xeon-lab]
kind = "x86"
[nodes.gpu-box]
kind = "x86"
gpu = true
[nodes.orin-nano-1]
kind = "jetson"
device = "orin-1"
[nodes.pi5-a]
kind = "rpi64"
[nodes.pi3-b]
kind = "rpi"
image = "registry.lab:5000/edgebench/rpi:0.1.0"
"""
# k3s releases follow Kubernetes; the oldest and newest minor the package carries, and one between
VERSIONS = ("1.25.0", "1.31.0", kubernetes_validate.utils.latest_version())


def nodes_file(tmp_path: Path, text: str = NODES) -> Path:
    path = tmp_path / "nodes.toml"
    path.write_text(text)
    return path


def rendered(tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "out"
    rc = k8s_jobs.main(["render", "--nodes", str(nodes_file(tmp_path)), "--run-id", "lab-1", "--out", str(out),
                        "--grid", str(REPO / "tests/images/grids/fleet.toml"), "--args", "--repetitions 3", *extra])
    assert rc == 0
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(out.glob("*.yaml"))}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid(tmp_path, version):
    docs = rendered(tmp_path)
    assert sorted(docs) == ["00-grid.yaml", "job-gpu-box.yaml", "job-orin-1.yaml", "job-pi3-b.yaml",
                            "job-pi5-a.yaml", "job-xeon-lab.yaml"]
    for doc in docs.values():
        kubernetes_validate.validate(doc, version, strict=True)  # raises ValidationError
    for template in [*(REPO / "k8s/jobs").glob("*.yaml"), REPO / "k8s/collector.yaml"]:
        assert "${" in template.read_text(), template  # templates stay templates


def test_a_wrong_field_fails_validation(tmp_path):
    job = rendered(tmp_path)["job-xeon-lab.yaml"]
    job["spec"]["template"]["spec"]["nodeSelektor"] = {"a": "b"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, VERSIONS[-1], strict=True)


def test_jobs_are_pinned_to_their_node_with_the_kinds_settings(tmp_path):
    docs = rendered(tmp_path)
    grid = docs["00-grid.yaml"]
    assert grid["data"]["grid.toml"] == (REPO / "tests/images/grids/fleet.toml").read_text()
    pods = {n: d["spec"]["template"]["spec"] for n, d in docs.items() if d["kind"] == "Job"}
    orin = pods["job-orin-1.yaml"]
    assert orin["nodeSelector"] == {"kubernetes.io/hostname": "orin-nano-1", "kubernetes.io/arch": "arm64"}
    assert orin["runtimeClassName"] == "nvidia" and pods["job-gpu-box.yaml"]["runtimeClassName"] == "nvidia"
    assert "runtimeClassName" not in pods["job-xeon-lab.yaml"] and "runtimeClassName" not in pods["job-pi5-a.yaml"]
    container = orin["containers"][0]
    assert container["image"] == "edgebench/jetson:latest"
    assert container["args"] == ["run", "--grid", "/grids/grid.toml", "--out", "/results", "--run-id",
                                 "lab-1-orin-1", "--repetitions", "3"]
    assert {"name": "EDGEBENCH_DEVICE", "value": "orin-1"} in container["env"]
    assert pods["job-gpu-box.yaml"]["containers"][0]["image"] == "edgebench/x86-gpu:latest"
    assert pods["job-pi3-b.yaml"]["containers"][0]["image"] == "registry.lab:5000/edgebench/rpi:0.1.0"
    for name, pod in pods.items():
        mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert mounts["sys"]["readOnly"] and volumes["sys"]["hostPath"]["path"] == "/sys", name
        assert volumes["results"]["hostPath"]["path"] == "/var/lib/edgebench/results", name
        assert {"key": "edgebench.io/dedicated", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    assert pods["job-pi5-a.yaml"]["volumes"][-2]["hostPath"] == {"path": "/dev/vcio", "type": "CharDevice"}


def test_results_on_a_shared_claim(tmp_path):
    pod = rendered(tmp_path, "--results-pvc", "edgebench-results")["job-pi5-a.yaml"]["spec"]["template"]["spec"]
    assert {"name": "results", "persistentVolumeClaim": {"claimName": "edgebench-results"}} in pod["volumes"]


@pytest.mark.parametrize("text, words", [
    ('[nodes.a]\nkind = "android"\n', "kind 'android'"),
    ('[nodes.a]\nkind = "x86"\ndevice = "a b"\n', "device name 'a b'"),
    ("", "no [nodes.<name>]"),
])
def test_bad_nodes_file_is_one_line_and_exit_2(tmp_path, capsys, text, words):
    rc = k8s_jobs.main(["render", "--nodes", str(nodes_file(tmp_path, text)), "--run-id", "x", "--out",
                        str(tmp_path / "out")])
    assert rc == 2 and words in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_too_long_a_name_is_refused(tmp_path, capsys):
    rc = k8s_jobs.main(["render", "--nodes", str(nodes_file(tmp_path)), "--run-id", "r" * 60, "--out",
                        str(tmp_path / "out")])
    assert rc == 2 and "longer than 63" in capsys.readouterr().err


def test_collect_copies_each_run_through_a_pod_on_its_node(tmp_path, monkeypatch):
    """A fake kubectl: records its calls; `cp` writes a manifest where the run would land."""
    log = tmp_path / "calls.jsonl"
    fake = tmp_path / "kubectl"
    fake.write_text(f"""#!/usr/bin/env python3
import json, pathlib, sys
args = sys.argv[1:]
with open({str(log)!r}, "a") as f:
    f.write(json.dumps({{"args": args, "stdin": sys.stdin.read() if args[:2] == ["apply", "-f"] else ""}}) + "\\n")
if args[0] == "cp":
    dest = pathlib.Path(args[2])
    dest.mkdir(parents=True)
    (dest / "manifest.json").write_text("{{}}")
""")
    fake.chmod(0o755)
    monkeypatch.setenv("KUBECTL", str(fake))
    nodes = nodes_file(tmp_path, '[nodes.pi5-a]\nkind = "rpi64"\n[nodes.orin]\nkind = "jetson"\ndevice = "o1"\n')
    assert k8s_jobs.main(["collect", "--nodes", str(nodes), "--run-id", "lab-1", "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r/pi5-a/lab-1-pi5-a/manifest.json").exists()
    assert (tmp_path / "r/o1/lab-1-o1/manifest.json").exists()
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [c["args"][0] for c in calls] == ["apply", "wait", "cp", "delete"] * 2
    pod = yaml.safe_load(calls[0]["stdin"])
    kubernetes_validate.validate(pod, VERSIONS[-1], strict=True)
    assert pod["spec"]["nodeSelector"] == {"kubernetes.io/hostname": "pi5-a"}
    assert pod["spec"]["containers"][0]["volumeMounts"] == [{"name": "results", "mountPath": "/results",
                                                              "readOnly": True}]
    assert calls[2]["args"][1] == "edgebench-lab-1-pi5-a-collect:/results/lab-1-pi5-a"
    assert os.access(fake, os.X_OK)
