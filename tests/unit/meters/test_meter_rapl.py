"""RAPL through powercap on fake trees (research/energy.md §1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runner.meters.rapl import RaplMeter
from runner.meters.session import Session

REPO = Path(__file__).resolve().parents[3]


def probe(tree, clock=None):
    meter = RaplMeter(str(tree.root), clock)
    return meter, meter.probe()


def test_intel_client_sums_package_and_dram_only(intel_client):
    """§1.1: client zones core/uncore/dram under package-0, psys top-level, MMIO duplicates package-0."""
    meter, p = probe(intel_client)
    assert p.available, p.detail
    assert p.domains == ("package-0", "package-0/core", "package-0/uncore", "package-0/dram", "psys")
    assert p.summed == meter.summed == ("package-0", "package-0/dram")
    assert "intel-rapl-mmio:0 (duplicate of intel-rapl:0)" in p.detail
    assert "psys" in p.detail and "core" in p.detail  # stored, not summed: said so


def test_xeon_two_sockets_with_dram(xeon_2s, clock):
    """§1.1: Σ package over sockets + Σ dram; dram is intel-rapl:N:0 on servers; names, not indices."""
    meter, p = probe(xeon_2s, clock)
    assert p.summed == ("package-0", "package-0/dram", "package-1", "package-1/dram")
    meter.start()
    xeon_2s.set_energy("intel-rapl:0", 10_000_000 + 30_000_000)
    xeon_2s.set_energy("intel-rapl:1:0", 2_000_000 + 5_000_000)
    got = {s.domain: s.energy_j for s in meter.read()}
    assert got == {"package-0": 30.0, "package-0/dram": 0.0, "package-1": 0.0, "package-1/dram": 5.0}


def test_package_names_come_from_name_not_index(tree):
    """§1.1: package-N is the physical package id, not the zone index; multi-die names kept verbatim."""
    tree.rapl_zone("intel-rapl:0", "package-1-die-0")
    tree.rapl_zone("intel-rapl:1", "package-0-die-0")
    _, p = probe(tree)
    assert p.summed == ("package-1-die-0", "package-0-die-0")


def test_amd_package_and_core(amd_zen):
    """§1.2: AMD Zen exposes package and core with intel-rapl names; core is a subset, not summed."""
    _, p = probe(amd_zen)
    assert p.domains == ("package-0", "package-0/core")
    assert p.summed == ("package-0",)


def test_psys_alone_when_no_package(tree):
    """§1.1: psys is a superset of package; it is summed only when there is no package zone."""
    tree.rapl_zone("intel-rapl:1", "psys", 10)
    _, p = probe(tree)
    assert p.available and p.summed == ("psys",)


def test_only_core_is_unsupported(tree):
    tree.rapl_zone("intel-rapl:0", "core")
    _, p = probe(tree)
    assert (p.available, p.reason) == (False, "unsupported")


def test_no_powercap_is_not_found(tree):
    tree.root.mkdir(parents=True)
    _, p = probe(tree)
    assert (p.available, p.reason) == (False, "not_found")


def test_masked_devices_tree_leaves_dangling_links(intel_client):
    """§1.5: Docker masks /sys/devices/virtual/powercap, so class/powercap links dangle."""
    import shutil

    shutil.rmtree(intel_client.root / "devices")
    _, p = probe(intel_client)
    assert p.reason == "not_found"
    assert "EDGEBENCH_SYSFS_ROOT=/host/sys" in p.detail and "/sys/devices/virtual/powercap" in p.detail


def test_counter_advanced_between_start_and_stop(intel_client, clock):
    meter, _ = probe(intel_client, clock)
    meter.start()
    intel_client.set_energy("intel-rapl:0", 1_000_000 + 2_500_000)
    intel_client.set_energy("intel-rapl:0:2", 200_000 + 400_000)
    intel_client.set_energy("intel-rapl:1", 3_000_000 + 9_000_000)
    got = {s.domain: s.energy_j for s in meter.read()}
    assert got["package-0"] == 2.5 and got["package-0/dram"] == 0.4 and got["psys"] == 9.0


def test_wrap_followed_immediately_by_stop(tree):
    """§1.3 / §8.4 (a): the counter wraps and stop() reads at once: one range is added, exactly."""
    top = 65_532_610_987
    tree.rapl_zone("intel-rapl:0", "package-0", top - 1_000_000, top)
    meter, _ = probe(tree)
    session = Session([meter], period_s=60)  # the thread never ticks: start() and stop() read
    session.start()
    tree.set_energy("intel-rapl:0", 3_000_000)
    samples = session.stop()
    assert [s.energy_j for s in samples] == [0.0, 4.0]
    assert meter.wraps() == {"package-0": 1}


def test_several_wraps_seen_by_a_fast_ticker(tree):
    """§8.4 (b): the session reads every tick, so many wraps in a run are all counted (ticks driven by
    hand; the thread's period is an hour, so it never ticks here)."""
    top = 1_000_000
    tree.rapl_zone("intel-rapl:0", "package-0", 0, top)
    meter, _ = probe(tree)
    session = Session([meter], period_s=3600)
    session.start()
    value, total = 0, 0
    for _ in range(18):  # 18 x 0.25 J: the counter wraps 4 times, each seen by a tick
        value = (value + 250_000) % top
        total += 250_000
        tree.set_energy("intel-rapl:0", value)
        session._tick()
    samples = session.stop()
    assert samples[-1].energy_j == pytest.approx(total / 1e6)
    assert meter.wraps()["package-0"] == total // top


def test_unreadable_counter_read_is_a_gap_not_an_exception(intel_client):
    meter, _ = probe(intel_client)
    meter.start()
    (intel_client.root / "class/powercap/intel-rapl:0/energy_uj").write_text("garbage\n")
    assert "package-0" not in {s.domain for s in meter.read()}


PROBE_AS_USER = """
import json, sys
from runner.meters.rapl import RaplMeter
p = RaplMeter(sys.argv[1]).probe()
print(json.dumps({"available": p.available, "reason": p.reason, "detail": p.detail}))
"""


def _python_for(uid: int):
    for exe in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        try:
            ok = subprocess.run([exe, "-c", "pass"], user=uid, capture_output=True, cwd="/")
        except OSError:  # not there, or not executable by that user
            continue
        if ok.returncode == 0:
            return exe
    return None


def test_permission_denied_for_non_root(world_readable_dir, tree_at):
    """§1.4: energy_uj is 0400 root since Linux 5.10 (CVE-2020-8694); root bypasses modes, so the
    probe runs as uid 65534 in a child process (or in-process when the suite is not root)."""
    tree = tree_at(world_readable_dir / "sys")  # a directory other users can traverse
    for zid, name in (("intel-rapl:0", "package-0"), ("intel-rapl:0:0", "dram")):
        zone = tree.rapl_zone(zid, name, 123)
        os.chmod(zone / "energy_uj", 0o400)
        os.chmod(zone / "max_energy_range_uj", 0o400)
    if os.geteuid() != 0:
        p = RaplMeter(str(tree.root)).probe()
        got = {"available": p.available, "reason": p.reason, "detail": p.detail}
    else:
        exe = _python_for(65534)
        if exe is None:
            pytest.skip("no interpreter that uid 65534 can run")
        env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
        out = subprocess.run(
            [exe, "-c", PROBE_AS_USER, str(tree.root)],
            user=65534,
            env=env,
            cwd="/",
            capture_output=True,
            text=True,
            check=True,
        )
        got = json.loads(out.stdout)
    assert got["available"] is False and got["reason"] == "permission_denied"
    assert "CVE-2020-8694" in got["detail"] and "uid" in got["detail"]


def test_unreadable_range_names_the_file(tree):
    """§1.4: some kernels make max_energy_range_uj root-only too; the detail names the file."""
    zone = tree.rapl_zone("intel-rapl:0", "package-0")
    (zone / "max_energy_range_uj").unlink()
    _, p = probe(tree)
    assert p.reason == "not_found" and "max_energy_range_uj" in p.detail
