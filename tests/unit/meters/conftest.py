"""Fake sysfs trees, a fake NVML module and a fake clock for the meter tests.

Layouts follow research/energy.md: powercap §1.1 (entries under class/powercap are relative symlinks
into devices/virtual/powercap), Jetson INA3221 §3.1, power supply §5.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import pytest

RAPL_MAX_UJ = 262143328850  # a real client's max_energy_range_uj (~262 kJ)


class Tree:
    """A fake sysfs root. ``write`` creates parents; paths are relative to the root."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, rel: str, value: object) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{value}\n")
        return path

    # -- powercap -------------------------------------------------------------------------------
    def rapl_zone(self, zone_id: str, name: str, energy_uj: int = 0, max_uj: int = RAPL_MAX_UJ) -> Path:
        """A zone at its real place, linked from class/powercap like the kernel does."""
        ctype, _, idx = zone_id.partition(":")
        parts = idx.split(":")
        chain = [f"{ctype}:{':'.join(parts[: i + 1])}" for i in range(len(parts))]
        rel = "/".join(["devices/virtual/powercap", ctype] + chain)
        self.write(f"{rel}/name", name)
        self.write(f"{rel}/energy_uj", energy_uj)
        self.write(f"{rel}/max_energy_range_uj", max_uj)
        self.write(f"{rel}/enabled", 1)
        link = self.root / "class/powercap" / zone_id
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():
            link.symlink_to(Path("../..") / rel)
        return self.root / rel

    def set_energy(self, zone_id: str, energy_uj: int) -> None:
        (self.root / "class/powercap" / zone_id / "energy_uj").write_text(f"{energy_uj}\n")

    # -- Jetson ---------------------------------------------------------------------------------
    def iio(self, device: str, index: int, rails: Iterable[Tuple[str, int]]) -> str:
        """L4T 32 ``ina3221x`` IIO device: ``rails`` are (name, mW) for channels 0..2."""
        base = f"bus/i2c/drivers/ina3221x/{device}/iio:device{index}"
        for ch, (name, mw) in enumerate(rails):
            self.write(f"{base}/rail_name_{ch}", name)
            self.write(f"{base}/in_power{ch}_input", mw)
            self.write(f"{base}/in_voltage{ch}_input", 5000)
            self.write(f"{base}/in_current{ch}_input", mw * 1000 // 5000)
            self.write(f"{base}/crit_current_limit_{ch}", 4000)
        return base

    def hwmon(self, device: str, index: int, rails: Iterable[Tuple[str, int, int]], interval_ms: int = 8) -> str:
        """JP5/6 ``ina3221`` hwmon: ``rails`` are (label, mV, mA) for in1..in3, plus the in4-7 decoys."""
        base = f"bus/i2c/drivers/ina3221/{device}/hwmon/hwmon{index}"
        for ch, (label, mv, ma) in enumerate(rails, start=1):
            self.write(f"{base}/in{ch}_label", label)
            self.write(f"{base}/in{ch}_input", mv)
            self.write(f"{base}/curr{ch}_input", ma)
            self.write(f"{base}/curr{ch}_max", 5000)
            self.write(f"{base}/in{ch + 3}_input", 120)  # shunt voltage (µV): no label, no current
        self.write(f"{base}/in7_label", "sum of shunt voltages")
        self.write(f"{base}/in7_input", 360)
        self.write(f"{base}/update_interval", interval_ms)
        self.write(f"{base}/samples", 512)
        self.write(f"bus/i2c/drivers/ina3221/{device}/name", "ina3221")
        return base

    # -- power supply ---------------------------------------------------------------------------
    def supply(self, name: str, kind: str, **attrs: object) -> str:
        base = f"class/power_supply/{name}"
        self.write(f"{base}/type", kind)
        for key, value in attrs.items():
            self.write(f"{base}/{key}", value)
        return base


@pytest.fixture
def tree_at():
    """Build a Tree at any root: ``tree_at(path)``."""
    return Tree


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path / "sys")


@pytest.fixture
def intel_client(tree: Tree) -> Tree:
    """Intel client (§1.1): package-0 with core/uncore/dram sub-zones, psys, and an MMIO duplicate."""
    tree.rapl_zone("intel-rapl:0", "package-0", 1_000_000)
    tree.rapl_zone("intel-rapl:0:0", "core", 500_000)
    tree.rapl_zone("intel-rapl:0:1", "uncore", 100_000)
    tree.rapl_zone("intel-rapl:0:2", "dram", 200_000)
    tree.rapl_zone("intel-rapl:1", "psys", 3_000_000)
    tree.rapl_zone("intel-rapl-mmio:0", "package-0", 1_000_000)
    return tree


@pytest.fixture
def xeon_2s(tree: Tree) -> Tree:
    """2-socket Xeon (§1.1): intel-rapl:N:0 is dram on servers."""
    for sock in (0, 1):
        tree.rapl_zone(f"intel-rapl:{sock}", f"package-{sock}", 10_000_000 * (sock + 1), 65532610987)
        tree.rapl_zone(f"intel-rapl:{sock}:0", "dram", 1_000_000 * (sock + 1), 65532610987)
    return tree


@pytest.fixture
def amd_zen(tree: Tree) -> Tree:
    """AMD Zen (§1.2): same intel-rapl names, only package and core."""
    tree.rapl_zone("intel-rapl:0", "package-0", 5_000_000)
    tree.rapl_zone("intel-rapl:0:0", "core", 2_000_000)
    return tree


class FakeClock:
    """A monotonic-ns clock the test moves by hand."""

    def __init__(self, t_ns: int = 1_000_000_000) -> None:
        self.t_ns = t_ns

    def __call__(self) -> int:
        return self.t_ns

    def advance(self, seconds: float) -> int:
        self.t_ns += round(seconds * 1e9)
        return self.t_ns


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class FakeNVMLError(Exception):
    """Like pynvml.NVMLError: carries NVML's return code in ``value``."""

    def __init__(self, value: int) -> None:
        super().__init__(f"NVML error {value}")
        self.value = value


class FakeNvml:
    """An injected NVML module: per GPU an energy counter (mJ) and/or power (mW); None = NotSupported."""

    NVMLError = FakeNVMLError

    def __init__(self, gpus: List[Dict[str, Optional[int]]], init_error: Optional[int] = None) -> None:
        self.gpus = gpus
        self.init_error = init_error
        self.inits = 0
        self.shutdowns = 0

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise FakeNVMLError(self.init_error)
        self.inits += 1

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def _get(self, handle: int, key: str) -> int:
        value = self.gpus[handle].get(key)
        if value is None:
            raise FakeNVMLError(3)  # NVML_ERROR_NOT_SUPPORTED
        return value

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:
        return self._get(handle, "energy_mj")

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:
        return self._get(handle, "power_mw")


@pytest.fixture
def world_readable_dir():
    """A temporary directory other users can traverse (pytest's tmp_path is 0700 under root)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="edgebench-meters-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def fake_nvml():
    """The FakeNvml class: ``fake_nvml([{"energy_mj": 0, "power_mw": 50000}, ...])``."""
    return FakeNvml
