"""Throttle flags where the hardware reports them: NVIDIA GPUs (NVML) and the Raspberry Pi firmware.

**NVML** ``nvmlDeviceGetCurrentClocksEventReasons`` (``...ClocksThrottleReasons`` on drivers before
R535), a bit mask per GPU (NVML API reference, "NvmlClocksEventReasons"). Counted as throttling: the
bits that hold the clocks below what was asked for -- 0x4 SwPowerCap (power limit), 0x8 HwSlowdown
(clocks halved or worse: temperature, power brake or over-current), 0x20 SwThermalSlowdown, 0x40
HwThermalSlowdown, 0x80 HwPowerBrakeSlowdown, 0x200 BoardLimit, 0x400 Reliability. Not throttling:
0x1 GpuIdle, 0x2 ApplicationsClocksSetting (clocks the user set), 0x10 SyncBoost, 0x100
DisplayClockSetting. The GPU temperature (``nvmlDeviceGetTemperature``, °C) is sampled alongside.

**Raspberry Pi** ``vcgencmd get_throttled`` prints ``throttled=0x50000`` (Raspberry Pi documentation,
"vcgencmd", section get_throttled): bits 0-3 are the state now -- 0 under-voltage detected, 1 ARM
frequency capped, 2 currently throttled, 3 soft temperature limit active -- and bits 16-19 say that the
same condition has occurred since boot (sticky until reboot). A cell counts as throttled when a sample
taken during it has any of bits 0-3 set, or when one of bits 16-19 is set at its end but was clear at
its start (the condition occurred between two samples). Under-voltage counts: the firmware lowers the
clocks under it. vcgencmd is a process per read, so it is read every 2 s and at the cell's edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from runner.meters.nvml import FUNCTION_NOT_FOUND, NOT_SUPPORTED, error_code, load_module
from runner.system import vcgencmd
from runner.thermal.base import Source, SourceProbe, ThermalSample

NVML_THROTTLING = {0x4: "sw_power_cap", 0x8: "hw_slowdown", 0x20: "sw_thermal_slowdown",
                   0x40: "hw_thermal_slowdown", 0x80: "hw_power_brake_slowdown", 0x200: "board_limit",
                   0x400: "reliability"}
PI_NOW = {0x1: "under_voltage", 0x2: "arm_frequency_capped", 0x4: "currently_throttled",
          0x8: "soft_temperature_limit"}
PI_OCCURRED = {0x10000: "under_voltage_occurred", 0x20000: "arm_frequency_capping_occurred",
               0x40000: "throttling_occurred", 0x80000: "soft_temperature_limit_occurred"}
NVML_TEMPERATURE_GPU = 0


def names(mask: int, table: Dict[int, str]) -> List[str]:
    return [name for bit, name in table.items() if mask & bit]


def parse_throttled(text: str) -> int:
    """``throttled=0x50000`` -> 0x50000. Raises ValueError for anything else."""
    key, sep, value = text.strip().partition("=")
    if not sep or key.strip() != "throttled":
        raise ValueError(f"unexpected get_throttled output {text.strip()[:60]!r}")
    return int(value.strip(), 0)


class PiThrottle(Source):
    name = "vcgencmd"
    kind = "throttle"
    period_s = 2.0

    def __init__(self) -> None:
        self.path: Optional[str] = None

    def _read(self) -> int:
        assert self.path is not None
        return parse_throttled(vcgencmd.run(self.path, ["get_throttled"]))

    def probe(self) -> SourceProbe:
        found = vcgencmd.locate()
        if found.path is None:
            return SourceProbe(self.name, False, found.detail, kind=self.kind)
        self.path = found.path
        try:
            flags = self._read()
        except (vcgencmd.VcgencmdError, ValueError) as exc:
            return SourceProbe(self.name, False, f"{found.detail}: {exc}", kind=self.kind)
        return SourceProbe(self.name, True, f"{found.detail}: get_throttled now 0x{flags:x}", ("get_throttled",),
                           self.kind)

    def read(self, t_ns: int) -> List[ThermalSample]:
        try:
            return [ThermalSample(self.name, "get_throttled", t_ns, throttle_flags=self._read())]
        except (vcgencmd.VcgencmdError, ValueError):
            return []


def _reasons(nv: Any, handle: Any) -> int:
    """The GPU's clock event (throttle) reasons, with the newer call where the driver has it."""
    call = getattr(nv, "nvmlDeviceGetCurrentClocksEventReasons", None)
    if call is not None:
        try:
            return call(handle)
        except nv.NVMLError as exc:
            if error_code(exc) != FUNCTION_NOT_FOUND:
                raise
    return nv.nvmlDeviceGetCurrentClocksThrottleReasons(handle)


class NvmlThrottle(Source):
    name = "nvml"
    kind = "throttle"

    def __init__(self, nvml: Any = None) -> None:
        self._nvml = nvml
        self.handles: Dict[int, Any] = {}
        self._open = False  # nvmlInit succeeded in start(): stop() owes one nvmlShutdown

    def probe(self) -> SourceProbe:
        try:
            nv = self._nvml = load_module(self._nvml)
        except ImportError as exc:
            return SourceProbe(self.name, False, f"cannot import pynvml ({exc}): pip install nvidia-ml-py",
                               kind=self.kind)
        try:
            nv.nvmlInit()
        except nv.NVMLError as exc:
            return SourceProbe(self.name, False, f"nvmlInit: {exc} (no NVIDIA driver visible)", kind=self.kind)
        try:
            gpus, skipped = [], []
            for index in range(nv.nvmlDeviceGetCount()):
                try:
                    _reasons(nv, nv.nvmlDeviceGetHandleByIndex(index))
                    gpus.append(index)
                except nv.NVMLError as exc:
                    if error_code(exc) not in (NOT_SUPPORTED, FUNCTION_NOT_FOUND):
                        raise
                    skipped.append(f"gpu{index}: clock event reasons not supported")
        except nv.NVMLError as exc:
            return SourceProbe(self.name, False, f"NVML device query failed: {exc}", kind=self.kind)
        finally:
            _shutdown(nv)
        if not gpus:
            return SourceProbe(self.name, False, "; ".join(skipped) or "NVML sees no GPU", kind=self.kind)
        self.handles = dict.fromkeys(gpus)
        return SourceProbe(self.name, True, "; ".join([f"{len(gpus)} GPU(s): clock event reasons, temperature"]
                                                      + skipped), tuple(f"gpu{i}" for i in gpus), self.kind)

    def start(self) -> None:
        nv = self._nvml
        try:
            nv.nvmlInit()
            self._open = True
            self.handles = {i: nv.nvmlDeviceGetHandleByIndex(i) for i in self.handles}
        except nv.NVMLError:
            self.handles = dict.fromkeys(self.handles)  # the driver went away: no data, not a crash

    def read(self, t_ns: int) -> List[ThermalSample]:
        nv, out = self._nvml, []
        calls = (("throttle_flags", lambda h: _reasons(nv, h)),
                 ("temperature_c", lambda h: float(nv.nvmlDeviceGetTemperature(h, NVML_TEMPERATURE_GPU))))
        for index, handle in self.handles.items():
            for field, call in calls if handle is not None else ():
                try:
                    out.append(ThermalSample(self.name, f"gpu{index}", t_ns, **{field: call(handle)}))
                except nv.NVMLError:
                    continue  # a gap this tick
        return out

    def stop(self) -> None:
        if self._open:
            self._open = False
            _shutdown(self._nvml)


def _shutdown(nv: Any) -> None:
    try:
        nv.nvmlShutdown()
    except nv.NVMLError:
        pass


@dataclass(frozen=True)
class Throttling:
    throttled: Optional[bool]  # None: no throttle source, or no sample during the cell
    flags: str  # what was seen, e.g. "gpu0: sw_power_cap (12/20 samples)"; "" when nothing


def assess(samples: Sequence[ThermalSample]) -> Throttling:
    """Whether the throttle samples of one cell show throttling, and which flags."""
    flagged = [s for s in samples if s.throttle_flags is not None]
    if not flagged:
        return Throttling(None, "")
    seen: List[str] = []
    for sensor in sorted({s.sensor for s in flagged}):
        series = sorted((s for s in flagged if s.sensor == sensor), key=lambda s: s.t_ns)
        masks = [s.throttle_flags or 0 for s in series]
        table = NVML_THROTTLING if series[0].source == "nvml" else PI_NOW
        hits = [m for m in masks if names(m, table)]
        found = sorted({n for m in hits for n in names(m, table)})
        if series[0].source == "vcgencmd":
            found += names(masks[-1] & ~masks[0], PI_OCCURRED)
        if found:
            seen.append(f"{sensor}: {', '.join(found)} ({len(hits)}/{len(masks)} samples)")
    return Throttling(bool(seen), "; ".join(seen))
