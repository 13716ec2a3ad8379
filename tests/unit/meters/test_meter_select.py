"""Selecting meters: auto, none, explicit lists; overlap rules; the env listing (DESIGN §6)."""

from __future__ import annotations

import pytest

from runner.errors import UsageError
from runner.meters import describe_meters, select
from runner.meters.base import SYSFS_ENV, sysfs_root


def test_none_is_disabled():
    meters, probes = select("none")
    assert meters == [] and [(p.meter, p.reason) for p in probes] == [("none", "disabled")]


def test_auto_keeps_available_backends(intel_client, fake_nvml):
    meters, probes = select("auto", str(intel_client.root), nvml=fake_nvml([{"energy_mj": 0, "power_mw": 1}]))
    assert [m.name for m in meters] == ["rapl", "nvml"]
    assert {p.meter: p.reason for p in probes if not p.available} == {
        "ina3221": "not_found",
        "rpi_pmic": "not_found",
        "powersupply": "not_found",
    }


def test_auto_drops_battery_next_to_rapl(intel_client, fake_nvml):
    """research/energy.md §5: a battery is system-wide: it overlaps RAPL, so it is not added."""
    intel_client.supply("BAT0", "Battery", status="Discharging", power_now=-9_000_000)
    meters, probes = select("auto", str(intel_client.root), nvml=fake_nvml([]))
    assert [m.name for m in meters] == ["rapl"]
    battery = [p for p in probes if p.meter == "powersupply"][0]
    assert battery.reason == "disabled" and "overlaps" in battery.detail


def test_auto_uses_battery_alone(tree, fake_nvml):
    tree.supply("BAT0", "Battery", status="Discharging", power_now=-9_000_000)
    meters, _ = select("auto", str(tree.root), nvml=fake_nvml([]))
    assert [m.name for m in meters] == ["powersupply"]


def test_explicit_list_and_unavailable_member(intel_client, fake_nvml):
    meters, probes = select("rapl, nvml", str(intel_client.root), nvml=fake_nvml([], init_error=12))
    assert [m.name for m in meters] == ["rapl"]
    assert [(p.meter, p.available) for p in probes] == [("rapl", True), ("nvml", False)]


def test_fake_from_spec_and_env(monkeypatch):
    meters, probes = select("fake:12.5")
    assert meters[0].power_w == 12.5 and "not a measurement" in probes[0].detail
    monkeypatch.setenv("EDGEBENCH_FAKE_POWER_W", "3")
    assert select("fake")[0][0].power_w == 3.0


@pytest.mark.parametrize("spec", ["rapl,fake", "auto,rapl", "powersupply,rapl", "rapi", "fake:abc"])
def test_bad_specs_are_usage_errors(spec):
    with pytest.raises(UsageError) as err:
        select(spec)
    assert err.value.hint


def test_sysfs_root_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv(SYSFS_ENV, str(tmp_path))
    assert sysfs_root() == tmp_path
    monkeypatch.delenv(SYSFS_ENV)
    assert str(sysfs_root()) == "/sys"


def test_describe_meters_lists_every_backend(xeon_2s, fake_nvml):
    rows = describe_meters(str(xeon_2s.root), nvml=fake_nvml([{"energy_mj": None, "power_mw": 1000}]))
    by = {r["meter"]: r for r in rows}
    assert list(by) == ["rapl", "nvml", "ina3221", "rpi_pmic", "powersupply"]
    assert by["rapl"]["available"] and by["rapl"]["method"] == "counter"
    assert by["rapl"]["summed"] == ["package-0", "package-0/dram", "package-1", "package-1/dram"]
    assert by["nvml"]["method"] == "integrated" and by["nvml"]["update_period_s"] == 1.0
    assert by["ina3221"]["reason"] == "not_found" and by["ina3221"]["detail"]


def test_raspberry_pi_has_no_counter(tree, fake_nvml):
    """research/energy.md §4: Pi 3/4 have no on-board current or energy sensing -> no_counter."""
    tree.write("firmware/devicetree/base/model", "Raspberry Pi 4 Model B Rev 1.4\x00")
    meters, probes = select("auto", str(tree.root), nvml=fake_nvml([]))
    assert meters == []
    board = [p for p in probes if p.meter == "board"]
    assert board[0].reason == "no_counter" and "Raspberry Pi 4 Model B Rev 1.4 has no" in board[0].detail
    rows = describe_meters(str(tree.root), nvml=fake_nvml([]))
    assert rows[-1]["meter"] == "board" and rows[-1]["reason"] == "no_counter"
