"""Temperatures and CPU clocks from fake sysfs trees; which sensor a cell reports."""

from __future__ import annotations

import pytest

from runner.thermal.primary import choose
from runner.thermal.sampler import discover
from runner.thermal.sensors import CpuFreq, Temperatures


def test_thermal_zones_in_numeric_order_with_units(heat):
    for i in (0, 1, 2, 10):
        heat.zone(i, f"zone{i}", 40 + i)
    src = Temperatures("thermal_zone", str(heat.root))
    probe = src.probe()
    assert probe.available and probe.sensors == ("thermal_zone0:zone0", "thermal_zone1:zone1",
                                                 "thermal_zone2:zone2", "thermal_zone10:zone10")
    got = {s.sensor: s.temperature_c for s in src.read(123)}
    assert got["thermal_zone10:zone10"] == pytest.approx(50.0)  # m°C -> °C
    assert all(s.t_ns == 123 and s.frequency_hz is None for s in src.read(123))


def test_unreadable_and_placeholder_zones_are_left_out(heat):
    heat.zone(0, "CPU-therm", 41.5)
    heat.zone(1, "PMIC-Die", 0).write_text("-256000\n")  # a powered-off sensor's placeholder
    heat.write("class/thermal/thermal_zone2/type", "tj-thermal")
    heat.write("class/thermal/thermal_zone2/temp", "")  # disabled zone reads empty
    probe = Temperatures("thermal_zone", str(heat.root)).probe()
    assert probe.sensors == ("thermal_zone0:CPU-therm",)
    assert "unreadable: thermal_zone1:PMIC-Die, thermal_zone2:tj-thermal" in probe.detail


def test_hwmon_labels_and_unlabelled_channels(heat):
    heat.hwmon(0, "coretemp", [("Package id 0", 55.0), ("Core 0", 52.0)])
    heat.hwmon(1, "nvme", [(None, 38.9)])
    src = Temperatures("hwmon", str(heat.root))
    assert src.probe().sensors == ("hwmon0:coretemp:Package id 0", "hwmon0:coretemp:Core 0", "hwmon1:nvme:temp1")
    assert {s.sensor: s.temperature_c for s in src.read(1)}["hwmon1:nvme:temp1"] == pytest.approx(38.9)


def test_cpufreq_prefers_scaling_cur_freq_and_reports_hz(heat):
    heat.cpufreq(0, 1_800_000)
    heat.cpufreq(1, 2_400_000, attr="cpuinfo_cur_freq")  # only the root-only file exists here
    heat.cpufreq(1, 1_200_000)  # ... and now scaling_cur_freq too: preferred
    src = CpuFreq(str(heat.root))
    probe = src.probe()
    assert probe.available and probe.sensors == ("cpu0", "cpu1") and "scaling_cur_freq" in probe.detail
    assert {s.sensor: s.frequency_hz for s in src.read(5)} == {"cpu0": 1.8e9, "cpu1": 1.2e9}


def test_empty_root_says_where_it_looked(heat, no_vcgencmd):
    heat.root.mkdir(parents=True)
    found = discover(str(heat.root), nvml=None)
    by = {p.source: p for p in found.probes}
    assert not by["thermal_zone"].available and "thermal_zone*" in by["thermal_zone"].detail
    assert not by["cpufreq"].available and "cpufreq" in by["cpufreq"].detail
    assert found.choice.sensor is None and found.choice.detail == "no thermal sensors"


LAYOUTS = {
    "intel": ([("acpitz", 30.0), ("x86_pkg_temp", 48.0)], [("coretemp", [("Package id 0", 48.0)])],
              "thermal_zone1:x86_pkg_temp"),
    "amd": ([], [("k10temp", [("Tctl", 60.0), ("Tdie", 50.0)])], "hwmon0:k10temp:Tdie"),
    "jetson_orin": ([("cpu-thermal", 45.0), ("gpu-thermal", 44.0), ("cv0-thermal", 43.0), ("soc0-thermal", 44.5),
                     ("tj-thermal", 46.0)], [], "thermal_zone4:tj-thermal"),
    "jetson_l4t32": ([("AO-therm", 35.0), ("CPU-therm", 37.5), ("GPU-therm", 36.0), ("PLL-therm", 35.5),
                      ("thermal-fan-est", 36.0)], [], "thermal_zone1:CPU-therm"),
    "raspberry_pi": ([("cpu-thermal", 52.1)], [("cpu_thermal", [(None, 52.1)]), ("rp1_adc", [(None, 40.0)])],
                     "thermal_zone0:cpu-thermal"),
    "unknown": ([("board-sensor", 30.0), ("other", 31.0)], [], "thermal_zone0:board-sensor"),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_cpu_or_soc_sensor_is_chosen(heat, no_vcgencmd, layout):
    zones, chips, expected = LAYOUTS[layout]
    for i, (kind, c) in enumerate(zones):
        heat.zone(i, kind, c)
    for i, (name, temps) in enumerate(chips):
        heat.hwmon(i, name, temps)
    found = discover(str(heat.root), nvml=None)
    assert found.choice.sensor == expected, found.choice.detail


def test_override_by_name_and_a_wrong_override_is_said(heat, no_vcgencmd, monkeypatch):
    heat.zone(0, "CPU-therm", 40.0)
    heat.zone(1, "GPU-therm", 39.0)
    monkeypatch.setenv("EDGEBENCH_TEMP_SENSOR", "gpu-therm")
    assert discover(str(heat.root)).choice.sensor == "thermal_zone1:GPU-therm"
    monkeypatch.setenv("EDGEBENCH_TEMP_SENSOR", "nosuch")
    choice = discover(str(heat.root)).choice
    assert choice.sensor == "thermal_zone0:CPU-therm" and "matches none of" in choice.detail


def test_choice_ignores_unavailable_probes():
    from runner.thermal.base import SourceProbe

    probes = [SourceProbe("thermal_zone", False, "x", ("thermal_zone0:x86_pkg_temp",), "temperature"),
              SourceProbe("cpufreq", True, "", ("cpu0",), "frequency")]
    assert choose(probes).sensor is None
