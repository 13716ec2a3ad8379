#!/usr/bin/env python3
"""One Kubernetes Job per edge node from k8s/jobs/<kind>.yaml, and the runs copied back afterwards.

    python3 scripts/k8s_jobs.py render --nodes nodes.toml --run-id lab-1 [--grid g.toml | --preset quick]
                                       [--args "--repetitions 5"] [--results-pvc NAME] [--out k8s-out]
    kubectl apply -f k8s-out/
    python3 scripts/k8s_jobs.py collect --nodes nodes.toml --run-id lab-1 [--out results]
    edgebench report results/*/lab-1-*/

The nodes file (TOML) names each node, its kind and optionally its device name, GPU and image:

    [nodes.orin-nano-1]          # the Kubernetes node name (kubernetes.io/hostname)
    kind = "jetson"              # x86 | jetson | rpi | rpi64
    device = "orin-1"            # the device name in every row (default: the node name)
    [nodes.xeon-lab]
    kind = "x86"
    gpu = true                   # the x86-gpu image through the nvidia RuntimeClass

Each node's run id is ``<run id>-<device>``, as with the Ansible fleet, so applying the same Jobs again
resumes. Results go to the node's /var/lib/edgebench/results (hostPath); ``collect`` starts a short
Pod on each node that mounts that folder and copies the run out with ``kubectl cp`` into
``<out>/<device>/<run id>-<device>/``. With ``--results-pvc`` every Job writes to one ReadWriteMany
claim (e.g. NFS) instead, and the runs are read from the share (``collect`` is then not needed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Dict, List, Optional, Tuple

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

K8S = Path(__file__).resolve().parent.parent / "k8s"
KINDS = ("x86", "jetson", "rpi", "rpi64")
RESULTS_HOST_DIR = "/var/lib/edgebench/results"
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")  # RFC 1123 label: Job, Pod and ConfigMap names
VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")  # label values, run ids, device names


class Bad(Exception):
    """Bad input: one line, exit status 2."""


@dataclass(frozen=True)
class Node:
    name: str
    kind: str
    device: str
    gpu: bool = False
    image: str = ""

    def template(self) -> str:
        return "x86-gpu" if self.kind == "x86" and self.gpu else self.kind


def read_nodes(path: Path) -> List[Node]:
    try:
        table = tomllib.loads(path.read_text()).get("nodes") or {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise Bad(f"cannot read nodes file {path}: {exc}") from None
    nodes = []
    for name, spec in table.items():
        kind = spec.get("kind", "")
        if kind not in KINDS:
            raise Bad(f"node {name}: kind '{kind}' is not one of {', '.join(KINDS)}")
        device = str(spec.get("device") or name)
        if not VALUE.match(device) or len(device) > 63:
            raise Bad(f"node {name}: device name '{device}' must be letters, digits, '.', '_', '-' (63 at most)")
        nodes.append(Node(name, kind, device, bool(spec.get("gpu", False)), str(spec.get("image", ""))))
    if not nodes:
        raise Bad(f"{path} has no [nodes.<name>] table")
    return nodes


def k8s_name(*parts: str) -> str:
    """``edgebench-<run>-<device>`` as an RFC 1123 label (lower case, '-' for anything else)."""
    name = re.sub(r"[^a-z0-9-]+", "-", "-".join(("edgebench",) + parts).lower()).strip("-")
    if len(name) > 63 or not NAME.match(name):
        raise Bad(f"the name '{name}' is longer than 63 characters: use a shorter run id or device name")
    return name


def labels(run_id: str, device: Optional[str] = None) -> Dict[str, str]:
    out = {"app.kubernetes.io/name": "edgebench", "edgebench.io/run": run_id}
    if device:
        out["edgebench.io/device"] = device
    return out


def results_volume(pvc: str) -> Dict[str, Any]:
    if pvc:
        return {"name": "results", "persistentVolumeClaim": {"claimName": pvc}}
    return {"name": "results", "hostPath": {"path": RESULTS_HOST_DIR, "type": "DirectoryOrCreate"}}


def fill(template: str, **values: Any) -> str:
    """The template with every ${NAME} replaced by the JSON form of its value (a YAML scalar or flow)."""
    try:
        return Template((K8S / template).read_text()).substitute({k: json.dumps(v) for k, v in values.items()})
    except KeyError as exc:
        raise Bad(f"k8s/{template} uses ${{{exc.args[0]}}}, which the renderer does not set") from None


def image_of(node: Node, prefix: str, version: str) -> str:
    flavour = "x86-gpu" if node.kind == "x86" and node.gpu else node.kind
    return node.image or f"{prefix}/{flavour}:{version}"


def render(nodes: List[Node], run_id: str, grid: Optional[Path], preset: str, extra: List[str],
           prefix: str = "edgebench", version: str = "latest", pvc: str = "") -> List[Tuple[str, str]]:
    """(file name, manifest text): the grid's ConfigMap, then one Job per node."""
    if not VALUE.match(run_id):
        raise Bad(f"run id '{run_id}' must be letters, digits, '.', '_', '-'")
    grid_text = grid.read_text() if grid else ""
    configmap = k8s_name(run_id, "grid")
    files = [("00-grid.yaml", fill("configmap.yaml", NAME=configmap, LABELS=labels(run_id), GRID=grid_text))]
    chosen = ["--grid", "/grids/grid.toml"] if grid else ["--preset", preset]
    for node in nodes:
        node_run = f"{run_id}-{node.device}"
        args = ["run", *chosen, "--out", "/results", "--run-id", node_run, *extra]
        text = fill(f"jobs/{node.template()}.yaml", JOB=k8s_name(run_id, node.device),
                    LABELS=labels(run_id, node.device), NODE=node.name, DEVICE=node.device,
                    IMAGE=image_of(node, prefix, version), ARGS=args, RESULTS_VOLUME=results_volume(pvc),
                    GRID_CONFIGMAP=configmap)
        files.append((f"job-{node.device}.yaml", text))
    return files


def kubectl(*args: str, stdin: str = "") -> str:
    tool = os.environ.get("KUBECTL", "kubectl")
    proc = subprocess.run([tool, *args], input=stdin, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def collect(nodes: List[Node], run_id: str, out: Path, prefix: str, version: str) -> List[str]:
    """Copy each node's run into out/<device>/; returns one line per node that failed."""
    failed = []
    for node in nodes:
        pod, node_run = k8s_name(run_id, node.device, "collect"), f"{run_id}-{node.device}"
        manifest = fill("collector.yaml", NAME=pod, LABELS=labels(run_id, node.device), NODE=node.name,
                        IMAGE=image_of(node, prefix, version), RESULTS_VOLUME=results_volume(""))
        try:
            kubectl("apply", "-f", "-", stdin=manifest)
            kubectl("wait", "--for=condition=Ready", f"pod/{pod}", "--timeout=300s")
            (out / node.device).mkdir(parents=True, exist_ok=True)
            kubectl("cp", f"{pod}:/results/{node_run}", str(out / node.device / node_run))
            print(f"collect: {node.name} -> {out / node.device / node_run}")
        except RuntimeError as exc:
            failed.append(f"{node.name}: {exc}")
        finally:
            try:
                kubectl("delete", "pod", pod, "--wait=false", "--ignore-not-found")
            except RuntimeError as exc:
                failed.append(f"{node.name}: {exc}")
    return failed


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("render", "collect"):
        s = sub.add_parser(name)
        s.add_argument("--nodes", type=Path, required=True, help="TOML: [nodes.<node>] kind, device, gpu, image")
        s.add_argument("--run-id", required=True)
        s.add_argument("--image-prefix", default="edgebench")
        s.add_argument("--image-version", default="latest", help="tag of every image (make image tags :latest)")
    r = sub.choices["render"]
    r.add_argument("--grid", type=Path, help="grid file (TOML); else --preset")
    r.add_argument("--preset", default="quick")
    r.add_argument("--args", default="", help="more `edgebench run` options, space separated")
    r.add_argument("--results-pvc", default="", help="a ReadWriteMany claim for the results instead of hostPath")
    r.add_argument("--out", type=Path, default=Path("k8s-out"))
    sub.choices["collect"].add_argument("--out", type=Path, default=Path("results"))
    return p


def main(argv: Optional[List[str]] = None) -> int:
    a = parser().parse_args(argv)
    try:
        nodes = read_nodes(a.nodes)
        if a.command == "render":
            if a.grid and not a.grid.is_file():
                raise Bad(f"no grid file {a.grid}")
            a.out.mkdir(parents=True, exist_ok=True)
            for name, text in render(nodes, a.run_id, a.grid, a.preset, a.args.split(), a.image_prefix,
                                     a.image_version, a.results_pvc):
                (a.out / name).write_text(text)
            print(f"render: {len(nodes)} Job(s) and the grid in {a.out}/: kubectl apply -f {a.out}/")
            return 0
        failed = collect(nodes, a.run_id, a.out, a.image_prefix, a.image_version)
    except Bad as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in failed:
        print(f"collect: failed: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
