"""Host facts and pre-run checks against fake trees."""

from __future__ import annotations

from runner.system import checks, probe


def write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_l4t_release_from_file_and_override(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGEBENCH_L4T_RELEASE", raising=False)
    write(tmp_path, "etc/nv_tegra_release", "# R36 (release), REVISION: 4.0, GCID: 3, BOARD: generic, EABI: aarch64\n")
    assert probe.l4t_release(tmp_path) == "36.4.0"
    assert probe.device_class(tmp_path) == "jetson"
    assert probe.l4t_release(tmp_path, override="32.7.1") == "32.7.1"
    monkeypatch.setenv("EDGEBENCH_L4T_RELEASE", "35.1.0")
    assert probe.l4t_release(tmp_path) == "35.1.0"


def test_raspberry_pi_is_recognised(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGEBENCH_L4T_RELEASE", raising=False)
    write(tmp_path, "proc/device-tree/model", "Raspberry Pi 4 Model B Rev 1.4\x00")
    assert probe.device_class(tmp_path) == "rpi"


def test_governor_and_battery_warnings_quote_numbers(tmp_path):
    for cpu, gov in enumerate(["powersave", "powersave", "performance"]):
        write(tmp_path, f"sys/devices/system/cpu/cpu{cpu}/cpufreq/scaling_governor", gov)
    write(tmp_path, "sys/class/power_supply/AC/type", "Mains")
    write(tmp_path, "sys/class/power_supply/AC/online", "0")
    host = {"governors": probe.governors(tmp_path), "cpu_count": 3}
    warnings = checks.check(host, tmp_path)
    assert any("2 CPUs on 'powersave'" in w for w in warnings)
    assert any("battery" in w for w in warnings)


def test_a_quiet_performance_host_has_no_warnings(tmp_path):
    write(tmp_path, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance")
    assert checks.check({"governors": probe.governors(tmp_path), "cpu_count": 10_000}, tmp_path) == []


def test_board_model_from_cpuinfo_when_the_device_tree_is_masked(tmp_path):
    """Containers mask /sys/firmware (and so /proc/device-tree); Raspberry Pi kernels print Model in cpuinfo."""
    write(tmp_path, "proc/cpuinfo", "processor\t: 0\nRevision\t: d04170\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n")
    assert probe.board_model(tmp_path) == "Raspberry Pi 5 Model B Rev 1.0"
    assert probe.device_class(tmp_path) == "rpi"
    write(tmp_path, "sys/firmware/devicetree/base/model", "Raspberry Pi 5 Model B Rev 1.1\x00")
    assert probe.board_model(tmp_path, tmp_path / "sys") == "Raspberry Pi 5 Model B Rev 1.1"
    assert probe.board_model(tmp_path / "nothing") is None
