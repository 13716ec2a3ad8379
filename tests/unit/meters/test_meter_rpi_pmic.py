"""The Raspberry Pi 5 PMIC meter against a fake ``vcgencmd`` (a real executable script, run for real).

The recorded output is a real Pi 5's ``vcgencmd pmic_read_adc``, as published in the README of
github.com/jfikar/RPi5-power (captured on a Pi 5 under load; the same line format, leading spaces
included, appears in Jeff Geerling's Pi 5 overclocking notes). Currents and voltages are separate
lines whose channel numbers differ; ``EXT5V_V`` and ``BATT_V`` have no current. The "Can't open
device file" text is what raspberrypi/utils' vcgencmd.c prints when /dev/vcio cannot be opened, and
"Command not registered" what the firmware answers for a command it does not know (raspberrypi/utils#39).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from runner.meters import select
from runner.meters.columns import energy_columns
from runner.meters.rpi_pmic import CAVEAT, RpiPmicMeter, parse_pmic_adc

PI5_PMIC_READ_ADC = """\
 3V7_WL_SW_A current(0)=0.00000000A
   3V3_SYS_A current(1)=0.06245952A
   1V8_SYS_A current(2)=0.16102850A
  DDR_VDD2_A current(3)=0.00780744A
  DDR_VDDQ_A current(4)=0.00000000A
   1V1_SYS_A current(5)=0.17566740A
    0V8_SW_A current(6)=0.32791250A
  VDD_CORE_A current(7)=10.87674000A
   3V3_DAC_A current(17)=0.00036630A
   3V3_ADC_A current(18)=0.00042735A
   0V8_AON_A current(16)=0.00579975A
      HDMI_A current(22)=0.01367520A
 3V7_WL_SW_V volt(8)=3.79999600V
   3V3_SYS_V volt(9)=3.30632200V
   1V8_SYS_V volt(10)=1.79828900V
  DDR_VDD2_V volt(11)=1.10292900V
  DDR_VDDQ_V volt(12)=0.60476130V
   1V1_SYS_V volt(13)=1.10439400V
    0V8_SW_V volt(14)=0.80256330V
  VDD_CORE_V volt(15)=0.89745940V
   3V3_DAC_V volt(20)=3.30494200V
   3V3_ADC_V volt(21)=3.30219400V
   0V8_AON_V volt(19)=0.79736190V
      HDMI_V volt(23)=5.07056000V
     EXT5V_V volt(24)=5.06788000V
      BATT_V volt(25)=3.01110800V
"""
RAILS = ("3V7_WL_SW", "3V3_SYS", "1V8_SYS", "DDR_VDD2", "DDR_VDDQ", "1V1_SYS", "0V8_SW", "VDD_CORE",
         "3V3_DAC", "3V3_ADC", "0V8_AON", "HDMI")
PI5 = "Raspberry Pi 5 Model B Rev 1.0"


def expected_watts() -> float:
    lines = [line.split("=") for line in PI5_PMIC_READ_ADC.splitlines()]
    values = {name.split()[0]: float(value.rstrip("AV")) for name, value in lines}
    return sum(values[f"{r}_A"] * values[f"{r}_V"] for r in RAILS)


def fake_vcgencmd(folder: Path, body: str, rc: int = 0) -> Path:
    """An executable that prints ``body`` for ``pmic_read_adc`` and exits ``rc``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "output.txt").write_text(body)
    script = folder / "vcgencmd"
    script.write_text(f'#!/bin/sh\n[ "$1" = pmic_read_adc ] || exit 2\ncat "{folder}/output.txt"\nexit {rc}\n')
    script.chmod(0o755)
    return script


def board(tmp_path: Path, model: str) -> Path:
    """A fake root whose /proc/cpuinfo names the board (the device tree is masked in containers)."""
    cpuinfo = tmp_path / "root/proc/cpuinfo"
    cpuinfo.parent.mkdir(parents=True, exist_ok=True)
    cpuinfo.write_text(f"processor\t: 0\nBogoMIPS\t: 108.00\n\nRevision\t: d04170\nModel\t\t: {model}\n")
    return tmp_path / "root"


def meter(tmp_path: Path, tool, model: str = PI5, vcio: Path = None) -> RpiPmicMeter:
    return RpiPmicMeter(str(tmp_path / "sys"), tool=str(tool) if tool else None,
                        proc_root=board(tmp_path, model), vcio=vcio or tmp_path / "vcio")


def test_parser_pairs_rails_by_name_not_channel():
    rails, unpaired = parse_pmic_adc(PI5_PMIC_READ_ADC)
    assert tuple(rails) == RAILS
    assert rails["VDD_CORE"].volts == pytest.approx(0.89745940) and rails["VDD_CORE"].amps == pytest.approx(10.87674)
    assert sorted(unpaired) == ["BATT_V", "EXT5V_V"]
    assert sum(r.watts for r in rails.values()) == pytest.approx(expected_watts(), rel=1e-12)
    assert parse_pmic_adc("ORPHAN_A current(9)=1.0A\n") == ({}, ["ORPHAN_A"])


def test_probe_and_read_through_a_real_subprocess(tmp_path):
    m = meter(tmp_path, fake_vcgencmd(tmp_path / "bin", PI5_PMIC_READ_ADC))
    probe = m.probe()
    assert probe.available, probe
    assert probe.domains == RAILS and probe.summed == RAILS
    assert "EXT5V_V" in probe.detail and "excludes USB" in probe.detail
    assert m.update_period_s > 0, "the vcgencmd call time is measured"
    samples = m.read()
    assert [s.domain for s in samples] == list(RAILS)
    assert sum(s.power_w for s in samples) == pytest.approx(expected_watts())
    assert len({s.t_ns for s in samples}) == 1


def test_env_variable_names_the_tool(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEBENCH_VCGENCMD", str(fake_vcgencmd(tmp_path / "bin", PI5_PMIC_READ_ADC)))
    m = RpiPmicMeter(str(tmp_path / "sys"), proc_root=board(tmp_path, PI5))
    assert m.probe().available


def test_energy_columns_carry_the_caveat(tmp_path):
    m = meter(tmp_path, fake_vcgencmd(tmp_path / "bin", PI5_PMIC_READ_ADC))
    probe = m.probe()
    first, second = m.read(), m.read()
    marks = {"steady_start": first[0].t_ns, "steady_end": second[0].t_ns}
    cols, warnings = energy_columns(first + second, marks, 10, None, [m], [probe])
    seconds = (second[0].t_ns - first[0].t_ns) / 1e9
    assert cols["energy_source"] == "rpi_pmic" and cols["energy_method"] == "integrated"
    assert cols["energy_steady_j"] == pytest.approx(expected_watts() * seconds)
    assert f"rpi_pmic: {CAVEAT}" in warnings


def test_other_pis_have_no_counter(tmp_path):
    probe = meter(tmp_path, fake_vcgencmd(tmp_path / "bin", ""), model="Raspberry Pi 4 Model B Rev 1.4").probe()
    assert (probe.available, probe.reason) == (False, "no_counter")
    assert "Raspberry Pi 4" in probe.detail


def test_no_tool(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGEBENCH_VCGENCMD", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    pi5 = meter(tmp_path, None)
    if pi5.tool is not None:
        pytest.skip(f"this host has {pi5.tool}")
    assert pi5.probe().reason == "not_installed"
    other = meter(tmp_path / "x86", None, model="")
    probe = other.probe()
    assert probe.reason == "not_found" and "not a Raspberry Pi 5" in probe.detail


def test_device_missing_or_unreadable(tmp_path):
    text = "Can't open device file: /dev/vcio\nTry creating a device file with: sudo mknod /dev/vcio c 100 0\n"
    tool = fake_vcgencmd(tmp_path / "bin", text, rc=255)
    missing = meter(tmp_path, tool).probe()
    assert missing.reason == "not_found" and "vcio does not exist" in missing.detail
    assert "--device /dev/vcio" in missing.detail
    vcio = tmp_path / "vcio"
    vcio.write_text("")
    assert meter(tmp_path, tool, vcio=vcio).probe().reason == "permission_denied"


def test_firmware_without_the_command(tmp_path):
    text = 'vc_gencmd_read_response returned -1\nerror=1 error_msg="Command not registered"\n'
    probe = meter(tmp_path, fake_vcgencmd(tmp_path / "bin", text, rc=255)).probe()
    assert probe.reason == "unsupported" and "Command not registered" in probe.detail


def test_tool_not_executable(tmp_path):
    if os.getuid() == 0:
        tool = tmp_path / "vcgencmd"
        tool.write_text("not a program")  # root may exec anything with an x bit; without one it cannot
        tool.chmod(stat.S_IRUSR)
    else:
        tool = fake_vcgencmd(tmp_path / "bin", PI5_PMIC_READ_ADC)
        tool.chmod(0o644)
    assert meter(tmp_path, tool).probe().reason == "permission_denied"


def test_auto_combines_it_with_other_meters(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEBENCH_VCGENCMD", str(fake_vcgencmd(tmp_path / "bin", PI5_PMIC_READ_ADC)))
    (tmp_path / "sys/firmware/devicetree/base").mkdir(parents=True)
    (tmp_path / "sys/firmware/devicetree/base/model").write_text(PI5 + "\x00")
    meters, probes = select("auto", str(tmp_path / "sys"))
    assert "rpi_pmic" in [m.name for m in meters]
    assert not [p for p in probes if p.meter == "board"], "the Pi 5 is not reported as a board without a sensor"


def test_a_folder_where_vcgencmd_would_be_is_no_tool(tmp_path, monkeypatch):
    """compose mounts an empty volume at /usr/bin/vcgencmd on hosts without the tool: that is 'not found'."""
    from runner.system import vcgencmd

    folder = tmp_path / "usr/bin/vcgencmd"
    folder.mkdir(parents=True)
    monkeypatch.delenv("EDGEBENCH_VCGENCMD", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(vcgencmd, "KNOWN_PATHS", (str(folder),))
    assert vcgencmd.locate().path is None
    probe = RpiPmicMeter(str(tmp_path / "sys"), proc_root=board(tmp_path, "")).probe()
    assert probe.reason == "not_found"
