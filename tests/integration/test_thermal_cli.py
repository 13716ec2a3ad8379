"""The real CLI, the null adapter, fake sysfs trees under EDGEBENCH_SYSFS_ROOT and a fake vcgencmd:
thermal columns and warnings, the cool-down, and a host without any sensor."""

from __future__ import annotations

import json
import os
import subprocess

import pyarrow.parquet as pq
import pytest

from tests.conftest import EDGEBENCH, read_cells
from tests.unit.thermal.conftest import HeatTree, fake_vcgencmd

QUICK = ["--preset", "smoke", "--frameworks", "null", "--warmup-s", "0", "--min-time-s", "0.1", "--max-time-s",
         "0.3", "--idle-s", "0", "--meters", "none"]


def run(tmp_path, env, *args):
    proc = subprocess.run([*EDGEBENCH, "run", *QUICK, "--out", str(tmp_path / "res"), *args], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path, env=dict(os.environ, COLUMNS="200", **env))
    return proc


@pytest.fixture
def x86(tmp_path):
    """An Intel host: ACPI zone and package zone, coretemp, two CPUs with cpufreq."""
    tree = HeatTree(tmp_path / "sys")
    tree.zone(0, "acpitz", 27.8)
    tree.zone(1, "x86_pkg_temp", 47.0)
    tree.hwmon(0, "coretemp", [("Package id 0", 47.0), ("Core 0", 45.0)])
    tree.cpufreq(0, 2_000_000)
    tree.cpufreq(1, 3_000_000)
    return tree


def test_fake_trees_give_the_thermal_columns_and_the_throttling_warning(tmp_path, x86):
    script, value = fake_vcgencmd(tmp_path / "bin", throttled=0x4)  # firmware: currently throttled
    env = {"EDGEBENCH_SYSFS_ROOT": str(x86.root), "EDGEBENCH_VCGENCMD": str(script)}
    proc = run(tmp_path, env, "--run-id", "hot")
    assert proc.returncode == 0, proc.stderr
    (row,) = read_cells(tmp_path / "res" / "hot")
    assert (row["temperature_start_c"], row["temperature_max_c"]) == (47.0, 47.0)
    assert row["temperature_sensor"] == "thermal_zone1:x86_pkg_temp"
    assert row["cpu_freq_mean_hz"] == pytest.approx(2.5e9)
    assert row["throttled"] is True and row["throttle_flags"].startswith("get_throttled: currently_throttled")
    assert "throttling during the cell: get_throttled: currently_throttled" in row["warnings"]
    assert "temperature rose" not in row["warnings"]  # the tree's temperature did not move
    assert row["thermal_reason"] is None and row["cooldown_s"] == 0.0
    samples = pq.read_table(tmp_path / "res" / "hot" / "thermal" / f"part-{row['cell_id']}.parquet").to_pylist()
    assert {s["source"] for s in samples} == {"thermal_zone", "hwmon", "cpufreq", "vcgencmd"}
    assert {s["sensor"] for s in samples if s["source"] == "hwmon"} == {"hwmon0:coretemp:Package id 0",
                                                                        "hwmon0:coretemp:Core 0"}
    assert all(s["cell_id"] == row["cell_id"] and s["t_ns"] > 0 for s in samples)
    manifest = json.loads((tmp_path / "res" / "hot" / "manifest.json").read_text())
    assert manifest["thermal"]["temperature_sensor"] == "thermal_zone1:x86_pkg_temp"

    value.write_text("0x50000\n")  # throttled and under-voltage long ago, not now: this cell is clean
    assert run(tmp_path, env, "--run-id", "calm").returncode == 0
    (row,) = read_cells(tmp_path / "res" / "calm")
    assert row["throttled"] is False and row["throttle_flags"] is None
    assert "throttling during the cell" not in (row["warnings"] or "")


def test_a_host_without_sensors_says_so_and_stores_nulls(tmp_path):
    empty = tmp_path / "sys"
    empty.mkdir()
    env = {"EDGEBENCH_SYSFS_ROOT": str(empty), "EDGEBENCH_VCGENCMD": str(tmp_path / "no-vcgencmd")}
    assert run(tmp_path, env, "--run-id", "bare").returncode == 0
    (row,) = read_cells(tmp_path / "res" / "bare")
    assert all(row[c] is None for c in ("temperature_start_c", "temperature_max_c", "temperature_sensor",
                                        "cpu_freq_mean_hz", "throttled"))
    assert row["thermal_reason"].startswith("temperature: no thermal sensors (no ")
    assert not list((tmp_path / "res" / "bare" / "thermal").glob("part-*"))
    proc = subprocess.run([*EDGEBENCH, "env", "--json"], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **env))
    facts = json.loads(proc.stdout)["thermal"]
    assert facts["temperature_sensor"] is None and facts["temperature_sensor_detail"] == "no thermal sensors"
    sysfs = [s for s in facts["sources"] if s["source"] != "nvml"]  # NVML does not read sysfs
    assert [(s["source"], s["available"]) for s in sysfs] == [("thermal_zone", False), ("hwmon", False),
                                                             ("cpufreq", False), ("vcgencmd", False)]
    assert all(s["detail"] for s in sysfs)


def test_cooldown_target_without_a_sensor_is_one_line_and_exit_2(tmp_path):
    empty = tmp_path / "sys"
    empty.mkdir()
    proc = run(tmp_path, {"EDGEBENCH_SYSFS_ROOT": str(empty)}, "--run-id", "c", "--cooldown-to-c", "45")
    assert proc.returncode == 2
    assert "--cooldown-to-c needs a temperature sensor" in proc.stderr and "--cooldown-s" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "res" / "c").exists()


def test_cooldown_records_the_wait_and_warns_when_the_bound_is_hit(tmp_path):
    tree = HeatTree(tmp_path / "sys")
    temp = tree.zone(0, "cpu-thermal", 70.0)
    env = {"EDGEBENCH_SYSFS_ROOT": str(tree.root), "EDGEBENCH_VCGENCMD": str(tmp_path / "none")}
    proc = run(tmp_path, env, "--run-id", "hot", "--cooldown-to-c", "50", "--cooldown-max-s", "0.3")
    assert proc.returncode == 0, proc.stderr
    (row,) = read_cells(tmp_path / "res" / "hot")
    assert row["cooldown_s"] >= 0.3
    assert "cool-down: thermal_zone0:cpu-thermal still 70.0 °C > 50 °C after" in row["warnings"]
    assert row["temperature_start_c"] == 70.0

    HeatTree.set_celsius(temp, 41.0)
    assert run(tmp_path, env, "--run-id", "cool", "--cooldown-to-c", "50").returncode == 0
    (row,) = read_cells(tmp_path / "res" / "cool")
    assert "cool-down" not in (row["warnings"] or "") and row["temperature_start_c"] == 41.0


def test_spooled_thermal_parts_compact_to_the_thermal_schema(tmp_path, x86):
    """Hosts without pyarrow spool the thermal table as JSON Lines; `edgebench compact` makes its Parquet."""
    from runner.results.schema import TABLES

    env = {"EDGEBENCH_SYSFS_ROOT": str(x86.root), "EDGEBENCH_VCGENCMD": str(tmp_path / "none"), "EDGEBENCH_SPOOL": "1"}
    assert run(tmp_path, env, "--run-id", "s").returncode == 0
    assert len(list((tmp_path / "res" / "s" / "thermal").glob("part-*.jsonl"))) == 1
    proc = subprocess.run([*EDGEBENCH, "compact", str(tmp_path / "res" / "s")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    (part,) = (tmp_path / "res" / "s" / "thermal").glob("part-*")
    table = pq.read_table(part)
    assert part.suffix == ".parquet" and table.schema.equals(TABLES["thermal"], check_metadata=False)
    assert {r["source"] for r in table.to_pylist()} == {"thermal_zone", "hwmon", "cpufreq"}
