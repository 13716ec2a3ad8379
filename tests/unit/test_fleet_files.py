"""The fleet's per-kind container settings (fleet/roles/edgebench/vars/main.yml) are compose.yaml's: the
same read-only mounts, devices and sysfs root for every device kind, and every kind has its Kubernetes Job."""

from __future__ import annotations

import re
from typing import Set, Tuple

import pytest
import yaml

from tests.conftest import REPO

COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text())
KINDS = yaml.safe_load((REPO / "fleet/roles/edgebench/vars/main.yml").read_text())["edgebench_kinds"]
PER_ENGINE = {"/results", "/var/cache/edgebench"}  # results and artifact cache: a folder / volume per engine


def default(text: str) -> str:
    """``${VAR:-/sys/class/powercap}`` -> ``/sys/class/powercap``."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)


def compose_mounts(service: dict) -> Set[Tuple[str, str]]:
    out = set()
    for volume in service.get("volumes", []):
        source, target, *mode = default(volume).split(":")
        if target not in PER_ENGINE:
            assert mode == ["ro"], f"{volume} is mounted read-only"
            out.add((source, target))
    return out


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fleet_kind_matches_its_compose_service(kind):
    service = COMPOSE["services"][kind]
    settings = KINDS[kind]
    assert compose_mounts(service) == {(m["source"], m["target"]) for m in settings["mounts"]}
    devices = {tuple(default(d).split(":")) for d in service.get("devices", [])}
    assert devices == {(d["source"], d["target"]) for d in settings["devices"]}
    assert service["environment"]["EDGEBENCH_SYSFS_ROOT"] == settings["sysfs_root"]
    assert default(service.get("runtime", "")) == settings["runtime"]
    assert default(service["image"]) == f"edgebench/{settings['image']}:latest"
    assert (REPO / "k8s/jobs" / f"{kind}.yaml").is_file()


def test_every_compose_device_service_is_a_fleet_kind():
    devices = {name for name in COMPOSE["services"] if name != "x86-gpu"}
    assert devices == set(KINDS)
