"""The Jetson power mode on record, against fake trees and a fake ``nvpmodel``.

Formats: ``nvpmodel -q`` prints ``NV Power Mode: <NAME>`` then the id on the next line (jetson-stats'
``jtop/core/nvpmodel.py`` parses it so); nvpmodel writes ``pmode:NNNN`` to /var/lib/nvpmodel/status;
/etc/nvpmodel.conf declares ``< POWER_MODEL ID=n NAME=... >`` blocks and ``< PM_CONFIG DEFAULT=n >``.
The mode table is an Orin Nano Super's (0 = 15W, 1 = 25W, 2 = MAXN_SUPER, 3 = 7W), as its users report it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.results.schema import CELL_COLUMNS, POWER_MODE_COLUMNS
from runner.system import jetson
from tests.conftest import EDGEBENCH, FAST, read_cells

CONF = """# power model definitions
< PARAM TYPE=CLOCK NAME=EMC >
MAX_FREQ /sys/kernel/nvpmodel_emc_cap/emc_iso_cap

< POWER_MODEL ID=0 NAME=15W >
GPU MAX_FREQ 612000000
EMC MAX_FREQ 2133000000

< POWER_MODEL ID=1 NAME=25W >
GPU MAX_FREQ 918000000

< POWER_MODEL ID=2 NAME=MAXN_SUPER >
GPU MAX_FREQ -1

< POWER_MODEL ID=3 NAME=7W >
GPU MAX_FREQ 408000000

< PM_CONFIG DEFAULT=1 >
"""


def write(root: Path, rel: str, text: object) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{text}\n")
    return path


def orin(tmp_path: Path, status: str = "pmode:0000", pinned: bool = False) -> Path:
    """An Orin Nano: 6 CPUs (kHz), GPU devfreq (Hz), the nvpmodel EMC cap; jetson_clocks or not."""
    root = tmp_path / "root"
    write(root, "etc/nv_tegra_release", "# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic")
    write(root, "etc/nvpmodel.conf", CONF)
    if status:
        write(root, "var/lib/nvpmodel/status", status)
    for cpu in range(6):
        base = f"sys/devices/system/cpu/cpu{cpu}/cpufreq"
        write(root, f"{base}/scaling_max_freq", 1497600)
        write(root, f"{base}/scaling_min_freq", 1497600 if pinned else 729600)
    write(root, "sys/devices/system/cpu/cpu5/online", 0)  # an offline CPU is left out
    write(root, "sys/devices/system/cpu/cpu5/cpufreq/scaling_max_freq", 2000000)
    write(root, "sys/class/devfreq/17000000.ga10b/max_freq", 612000000)
    write(root, "sys/class/devfreq/17000000.ga10b/min_freq", 612000000 if pinned else 306000000)
    write(root, "sys/class/devfreq/3d00000.pcie/max_freq", 999)  # not the GPU
    write(root, "sys/kernel/nvpmodel_emc_cap/emc_iso_cap", 2133000000)
    return root


def fake_nvpmodel(tmp_path: Path, name: str, mode_id: int) -> str:
    script = tmp_path / "nvpmodel"
    script.write_text(f'#!/bin/sh\n[ "$1" = -q ] || exit 2\necho "NV Power Mode: {name}"\necho {mode_id}\n')
    script.chmod(0o755)
    return str(script)


def test_schema_block_matches_the_record():
    assert set(POWER_MODE_COLUMNS) <= set(CELL_COLUMNS)
    fields = set(jetson.PowerMode.__dataclass_fields__) - {"source"}
    assert fields == set(POWER_MODE_COLUMNS)


def test_status_file_and_conf_give_the_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGEBENCH_NVPMODEL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "none"))
    root = orin(tmp_path)
    found = jetson.power_mode(root, root / "sys")
    assert (found.nvpmodel_id, found.nvpmodel_name, found.source) == (0, "15W", "status file")
    assert found.cpu_max_freq_hz == 1_497_600_000 and found.cpu_min_freq_hz == 729_600_000
    assert (found.gpu_min_freq_hz, found.gpu_max_freq_hz) == (306_000_000, 612_000_000)
    assert found.emc_max_freq_hz == 2_133_000_000
    assert found.jetson_clocks is False


def test_jetson_clocks_pins_every_minimum(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "none"))
    root = orin(tmp_path, pinned=True)
    assert jetson.power_mode(root, root / "sys").jetson_clocks is True


def test_nvpmodel_query_wins_over_the_files(tmp_path, monkeypatch):
    root = orin(tmp_path, status="pmode:0001")
    monkeypatch.setenv("EDGEBENCH_NVPMODEL", fake_nvpmodel(tmp_path, "MAXN_SUPER", 2))
    found = jetson.power_mode(root, root / "sys")
    assert (found.nvpmodel_id, found.nvpmodel_name, found.source) == (2, "MAXN_SUPER", "nvpmodel -q")


def test_without_a_status_file_the_boot_default_applies(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "none"))
    root = orin(tmp_path, status="")
    found = jetson.power_mode(root, root / "sys")
    assert (found.nvpmodel_id, found.nvpmodel_name, found.source) == (1, "25W", "default in nvpmodel.conf")


def test_parsers_take_real_formats():
    assert jetson.parse_query("NVPM WARN: fan mode is not set!\nNV Power Mode: MAXN\n0\n") == (0, "MAXN")
    assert jetson.parse_query("nvpmodel: command failed") == (None, None)
    names, default = jetson.parse_conf(CONF)
    assert names == {0: "15W", 1: "25W", 2: "MAXN_SUPER", 3: "7W"} and default == 1


def test_not_a_jetson_is_null(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGEBENCH_L4T_RELEASE", raising=False)
    monkeypatch.delenv("EDGEBENCH_NVPMODEL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "none"))
    write(tmp_path, "sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq", 3000000)
    assert jetson.power_mode(tmp_path, tmp_path / "sys") is None
    assert jetson.describe(None) is None


@pytest.mark.slow
def test_every_row_and_the_manifest_carry_the_mode(tmp_path):
    """The real CLI on the null framework, with a fake nvpmodel and a fake sysfs (EDGEBENCH_SYSFS_ROOT)."""
    import json
    import os
    import subprocess

    root = orin(tmp_path, pinned=True)
    env = dict(os.environ, EDGEBENCH_L4T_RELEASE="36.4.3", EDGEBENCH_SYSFS_ROOT=str(root / "sys"),
               EDGEBENCH_NVPMODEL=fake_nvpmodel(tmp_path, "MAXN_SUPER", 2))
    proc = subprocess.run([*EDGEBENCH, "run", "--models", "tinycnn", "--frameworks", "null", "--out",
                           str(tmp_path / "out"), "--run-id", "pm", *FAST], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = read_cells(tmp_path / "out/pm")
    assert rows and all(r["nvpmodel_name"] == "MAXN_SUPER" and r["nvpmodel_id"] == 2 for r in rows)
    assert all(r["jetson_clocks"] is True and r["gpu_max_freq_hz"] == 612_000_000 for r in rows)
    manifest = json.loads((tmp_path / "out/pm/manifest.json").read_text())
    assert manifest["host"]["jetson_power"]["source"] == "nvpmodel -q"
