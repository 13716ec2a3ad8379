"""Fake sysfs trees for temperatures and CPU clocks, a fake vcgencmd, and a fake NVML with clock event reasons.

Layouts follow the kernel ABI (``class/thermal/thermal_zone*/{type,temp}`` in m°C,
``class/hwmon/hwmon*/{name,temp*_input,temp*_label}`` in m°C, ``devices/system/cpu/cpu*/cpufreq`` in
kHz) and the type names real boards use (see runner.thermal.primary).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import pytest

from tests.unit.meters.conftest import FakeNvml


class HeatTree:
    """A fake sysfs root with thermal zones, hwmon chips and cpufreq."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, rel: str, value: object) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{value}\n")
        return path

    def zone(self, index: int, kind: str, celsius: float) -> Path:
        self.write(f"class/thermal/thermal_zone{index}/type", kind)
        return self.write(f"class/thermal/thermal_zone{index}/temp", round(celsius * 1000))

    def hwmon(self, index: int, name: str, temps: Iterable[Tuple[Optional[str], float]]) -> List[Path]:
        self.write(f"class/hwmon/hwmon{index}/name", name)
        paths = []
        for channel, (label, celsius) in enumerate(temps, start=1):
            if label is not None:
                self.write(f"class/hwmon/hwmon{index}/temp{channel}_label", label)
            paths.append(self.write(f"class/hwmon/hwmon{index}/temp{channel}_input", round(celsius * 1000)))
        return paths

    def cpufreq(self, cpu: int, khz: int, attr: str = "scaling_cur_freq") -> Path:
        self.write(f"devices/system/cpu/cpu{cpu}/cpufreq/scaling_governor", "performance")
        return self.write(f"devices/system/cpu/cpu{cpu}/cpufreq/{attr}", khz)

    @staticmethod
    def set_celsius(path: Path, celsius: float) -> None:
        path.write_text(f"{round(celsius * 1000)}\n")


def fake_vcgencmd(folder: Path, throttled: int = 0, rc: int = 0, message: str = "") -> Tuple[Path, Path]:
    """A vcgencmd script answering get_throttled from a value file (hex); returns (script, value file)."""
    folder.mkdir(parents=True, exist_ok=True)
    value = folder / "throttled.value"
    value.write_text(f"0x{throttled:x}\n")
    script = folder / "vcgencmd"
    fail = f'echo "{message}" >&2; exit {rc}' if rc else ""
    script.write_text(f"""#!/bin/sh
{fail}
if [ "$1" = "get_throttled" ]; then
  echo "throttled=$(cat '{value}')"
else
  echo 'error=1 error_msg="Command not registered"'
  exit 255
fi
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script, value


class ThrottleNvml(FakeNvml):
    """FakeNvml plus clock event reasons and temperature per GPU (keys ``reasons`` and ``temp_c``).

    ``event_api=False`` models a driver before R535: only the ``...ClocksThrottleReasons`` call exists.
    """

    def __init__(self, gpus: List[Dict[str, Optional[int]]], init_error: Optional[int] = None,
                 event_api: bool = True) -> None:
        super().__init__(gpus, init_error)
        if not event_api:
            self.nvmlDeviceGetCurrentClocksEventReasons = self._missing

    def _missing(self, handle: int) -> int:
        raise self.NVMLError(13)  # NVML_ERROR_FUNCTION_NOT_FOUND

    def nvmlDeviceGetCurrentClocksEventReasons(self, handle: int) -> int:
        return self._get(handle, "reasons")

    def nvmlDeviceGetCurrentClocksThrottleReasons(self, handle: int) -> int:
        return self._get(handle, "reasons")

    def nvmlDeviceGetTemperature(self, handle: int, sensor: int) -> int:
        assert sensor == 0  # NVML_TEMPERATURE_GPU
        return self._get(handle, "temp_c")


@pytest.fixture
def heat(tmp_path: Path) -> HeatTree:
    return HeatTree(tmp_path / "sys")


@pytest.fixture
def no_vcgencmd(monkeypatch, tmp_path):
    """vcgencmd pointed at a path that does not exist (the host may have one on PATH)."""
    monkeypatch.setenv("EDGEBENCH_VCGENCMD", str(tmp_path / "absent-vcgencmd"))


@pytest.fixture(autouse=True)
def _no_sensor_override(monkeypatch):
    monkeypatch.delenv("EDGEBENCH_TEMP_SENSOR", raising=False)
