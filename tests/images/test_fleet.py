"""`make fleet` for real: Ansible over SSH to edge hosts that are containers, results fetched and merged.

The edge hosts are made from the x86 image CI builds anyway, plus Debian's openssh-server (keys made
here, sshd on 127.0.0.1 only). Nested Docker is not available: this engine refuses privileged containers
(runc: "unable to apply caps: operation not permitted"), so no host can run an engine of its own.
Hence two tests:

* two hosts run the image's own edgebench (``edgebench_runtime: native``); a third inventory host has no
  sshd: the other two finish anyway, the summary names it, one report lists both devices, and a second
  run with the same run id resumes each host's run;
* one host drives a *second* Docker engine started on this machine (its socket and the Debian client
  mounted into the host container): the playbook ships a slim image (the x86 image's runner on the
  base) with docker save | gzip | copy | docker load, runs it with the kind's mounts, fetches the run,
  and a second run finds the same image id there and ships nothing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import REPO
from tests.images.conftest import assert_ok, read_table

pytestmark = [pytest.mark.images, pytest.mark.slow]

HOST_DOCKERFILE = """\
FROM {image}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server \\
    && rm -rf /var/lib/apt/lists/* && mkdir -p /run/sshd /root/.ssh
ENTRYPOINT []
CMD ["sh", "-c", "ssh-keygen -A >/dev/null && echo \\"$AUTHORIZED_KEY\\" > /root/.ssh/authorized_keys \\
     && exec /usr/sbin/sshd -D -e"]
"""
DEVICES = ("edge-a", "edge-b")
RUN_ID = "fleettest"
# inside the x86 image, for an SSH session (which does not get the image's ENV)
NATIVE = {"edgebench_runtime": "native", "edgebench_native_bin": "/opt/envs/main/bin/edgebench",
          "edgebench_native_env": {"EDGEBENCH_ENVS_DIR": "/opt/envs", "EDGEBENCH_CACHE": "/var/cache/edgebench"}}


def host_image(docker_client, x86) -> str:
    """The x86 image plus sshd (built once per x86 image id)."""
    tag = f"edgebench/fleet-host:{x86.id.split(':')[1][:12]}"
    try:
        docker_client.images.get(tag)
    except Exception:  # docker.errors.ImageNotFound
        dockerfile = io.BytesIO(HOST_DOCKERFILE.format(image=x86.id).encode())
        docker_client.images.build(fileobj=dockerfile, tag=tag, network_mode="host", rm=True)
    return tag


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_ssh(port: int, key: Path, seconds: float = 60) -> None:
    cmd = ["ssh", "-i", str(key), "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "BatchMode=yes",
           "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "root@127.0.0.1", "true"]
    deadline = time.monotonic() + seconds
    while subprocess.run(cmd, capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            pytest.fail(f"sshd on 127.0.0.1:{port} did not answer in {seconds:g} s")
        time.sleep(1)


@pytest.fixture(scope="module")
def edge_hosts(docker_client, device_image, tmp_path_factory):
    """Two running edge hosts: {device: port}, and the private key that reaches them."""
    x86 = device_image("x86")
    keys = tmp_path_factory.mktemp("keys")
    key = keys / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    tag = host_image(docker_client, x86)
    containers, ports = [], {}
    try:
        for device in DEVICES:
            c = docker_client.containers.run(tag, detach=True, name=f"edgebench-fleet-{device}", remove=True,
                                             environment={"AUTHORIZED_KEY": (keys / "id_ed25519.pub").read_text()},
                                             ports={"22/tcp": ("127.0.0.1", None)})
            containers.append(c)
            c.reload()
            ports[device] = int(c.ports["22/tcp"][0]["HostPort"])
        for port in ports.values():
            wait_for_ssh(port, key)
        yield ports, key
    finally:
        for c in containers:
            c.stop(timeout=2)


def inventory(path: Path, ports: Dict[str, int], key: Path, dead_port: int = 0) -> Path:
    ssh = {"ansible_host": "127.0.0.1", "ansible_user": "root", "ansible_ssh_private_key_file": str(key),
           "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
           "ansible_python_interpreter": "/usr/bin/python3"}
    hosts = {d: dict(ssh, ansible_port=p, edgebench_kind="x86", **NATIVE) for d, p in ports.items()}
    if dead_port:
        hosts["edge-down"] = dict(ssh, ansible_port=dead_port, edgebench_kind="x86", **NATIVE)
    path.write_text(json.dumps({"edgebench": {"hosts": hosts}}))  # JSON is YAML
    return path


def make_fleet(inv: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = ["make", "--no-print-directory", "fleet", f"INVENTORY={inv}", f"OUT={out}", f"RUN_ID={RUN_ID}",
           f"GRID={REPO / 'tests/images/grids/fleet.toml'}", *extra]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=1200,
                          env=dict(os.environ, ANSIBLE_NOCOLOR="1", COLUMNS="200"))


def manifests(out: Path) -> List[dict]:
    return [json.loads((out / d / f"{RUN_ID}-{d}" / "manifest.json").read_text()) for d in DEVICES]


def test_make_fleet_runs_every_host_and_one_report_merges_them(edge_hosts, tmp_path):
    ports, key = edge_hosts
    out = tmp_path / "results"
    first = make_fleet(inventory(tmp_path / "inventory.yml", ports, key, free_port()), out)
    log = first.stdout + first.stderr
    assert first.returncode != 0, "a host that cannot be reached fails the fleet (after the others finished)"
    assert "edge-down" in log and "1 of 3 hosts did not finish" in log, log[-3000:]
    for device in DEVICES:
        rows = read_table(out / device / f"{RUN_ID}-{device}")
        assert {r["device"] for r in rows} == {device}
        for row in rows:
            assert_ok(row)
    report = log[log.rfind("fleet: run id"):]
    for device in DEVICES:
        assert f"{device} · tinycnn" in report, "the merged report lists each host as a device"
    assert not (out / "edge-down").exists()

    second = make_fleet(inventory(tmp_path / "inventory2.yml", ports, key), out)
    assert second.returncode == 0, (second.stdout + second.stderr)[-3000:]
    assert "2 hosts finished" in second.stdout
    for manifest in manifests(out):
        invocations = manifest["invocations"]
        assert len(invocations) == 2 and invocations[1]["cells_to_run"] == 0, "the re-run resumed each host's run"


SLIM_DOCKERFILE = """\
FROM {x86} AS full
FROM {base}
COPY --from=full /opt/envs/main /opt/envs/main
ENV EDGEBENCH_ENVS_DIR=/opt/envs EDGEBENCH_CACHE=/var/cache/edgebench PATH=/opt/envs/main/bin:$PATH
ENTRYPOINT ["edgebench"]
"""


BRIDGE = "ebfleet0"  # the second engine's own bridge: never `--bridge none`, which deletes the first's docker0


@pytest.fixture(scope="module")
def second_engine(tmp_path_factory):
    """A second dockerd on this machine (own data and exec roots, own bridge, no iptables): (socket, root)."""
    if os.getuid() != 0 or not shutil.which("dockerd") or not shutil.which("ip"):
        from tests.images.conftest import unavailable

        unavailable("a second Docker engine needs root, dockerd and ip")
    root = tmp_path_factory.mktemp("engine2")
    run = Path(f"/run/edgebench-fleet-{os.getpid()}")
    sock = run / "docker.sock"
    subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True)  # left over by an interrupted run
    subprocess.run(["ip", "link", "add", "name", BRIDGE, "type", "bridge"], check=True)
    subprocess.run(["ip", "addr", "add", "10.213.7.1/24", "dev", BRIDGE], check=True)
    subprocess.run(["ip", "link", "set", BRIDGE, "up"], check=True)
    proc = subprocess.Popen(["dockerd", "--data-root", str(root / "data"), "--exec-root", str(run / "exec"),
                             "--pidfile", str(run / "dockerd.pid"), "-H", f"unix://{sock}", "--bridge", BRIDGE,
                             "--iptables=false", "--ip-masq=false", "--cgroup-parent", "edgebench-fleet"],
                            stdout=open(root / "dockerd.log", "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(["/usr/bin/docker", "-H", f"unix://{sock}", "info"], capture_output=True).returncode:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the second dockerd did not start: {(root / 'dockerd.log').read_text()[-2000:]}")
            time.sleep(1)
        yield sock, root
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True)
        shutil.rmtree(run, ignore_errors=True)
        shutil.rmtree(root / "data", ignore_errors=True)  # the shipped image's layers


def slim_image(docker_client, x86) -> str:
    """The x86 image's runner environment on the local base: small enough to ship in a test."""
    base = os.environ.get("EDGEBENCH_FLEET_BASE", "edgebench/base:bookworm-amd64")
    tag = f"edgebench/fleet-slim:{x86.id.split(':')[1][:12]}"
    try:
        docker_client.images.get(base)
    except Exception:  # docker.errors.ImageNotFound
        from tests.images.conftest import unavailable

        unavailable(f"no base image {base} (make base-image SUITE=bookworm ARCH=amd64)")
    dockerfile = io.BytesIO(SLIM_DOCKERFILE.format(x86=x86.id, base=base).encode())
    docker_client.images.build(fileobj=dockerfile, tag=tag, rm=True)
    return tag


def test_make_fleet_ships_the_image_to_a_host_engine(docker_client, device_image, second_engine, tmp_path):
    sock, _ = second_engine
    x86 = device_image("x86")
    slim = docker_client.images.get(slim_image(docker_client, x86))
    work = tmp_path / "host"  # the host's edgebench_remote_dir: the same path on both sides of the socket
    work.mkdir()
    keys = tmp_path / "keys"
    keys.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / "id")], check=True)
    host = docker_client.containers.run(
        host_image(docker_client, x86), detach=True, remove=True, name="edgebench-fleet-edge-docker",
        environment={"AUTHORIZED_KEY": (keys / "id.pub").read_text()}, ports={"22/tcp": ("127.0.0.1", None)},
        volumes={str(sock): {"bind": "/var/run/docker.sock", "mode": "rw"},
                 "/usr/bin/docker": {"bind": "/usr/bin/docker", "mode": "ro"},
                 str(work): {"bind": str(work), "mode": "rw"}})
    try:
        host.reload()
        port = int(host.ports["22/tcp"][0]["HostPort"])
        wait_for_ssh(port, keys / "id")
        inv = inventory(tmp_path / "inventory.yml", {"edge-docker": port}, keys / "id")
        settings = json.loads(inv.read_text())
        settings["edgebench"]["hosts"]["edge-docker"].update(
            edgebench_runtime="docker", edgebench_image=slim.tags[0], edgebench_remote_dir=str(work),
            edgebench_image_cache=str(tmp_path / "images"), edgebench_docker_run_args=["--network", "none"])
        inv.write_text(json.dumps(settings))
        out = tmp_path / "results"
        first = make_fleet(inv, out)
        assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
        assert "TASK [edgebench : Load the image]" in first.stdout
        engine2 = subprocess.run(["/usr/bin/docker", "-H", f"unix://{sock}", "image", "inspect", "-f", "{{.Id}}",
                                  slim.tags[0]], capture_output=True, text=True)
        assert engine2.stdout.strip() == slim.id, "the host's engine has the controller's image id"
        run = out / "edge-docker" / f"{RUN_ID}-edge-docker"
        rows = read_table(run)
        assert rows and {r["device"] for r in rows} == {"edge-docker"}
        for row in rows:
            assert_ok(row)
        manifest = json.loads((run / "manifest.json").read_text())
        assert manifest["host"]["image_digest"] == slim.id and manifest["host"]["in_container"]

        second = make_fleet(inv, out)
        assert second.returncode == 0, (second.stdout + second.stderr)[-4000:]
        assert "TASK [edgebench : Load the image]" not in second.stdout, "the same image id is not shipped again"
    finally:
        host.stop(timeout=2)
