"""NVIDIA GPUs through NVML, with NVIDIA's official bindings ``nvidia-ml-py`` (module ``pynvml``;
research/energy.md §2).

Per GPU (domain ``gpu<index>``, NVML index order):

* ``nvmlDeviceGetTotalEnergyConsumption`` (mJ since the driver loaded; Volta and newer) when the GPU
  supports it: a counter, stored as ``energy_j`` since ``start()``;
* else ``nvmlDeviceGetPowerUsage`` (mW; instantaneous before Ampere, a 1 s average on Ampere and
  newer except GA100): sampled and integrated with the trapezoid rule;
* a GPU that supports neither is skipped and named in the probe's detail.

``pynvml`` is imported lazily, only here; a module object can be injected for tests. NVML errors are
translated at this boundary: ``NotSupported`` picks the sampled fallback, ``LibraryNotFound`` and
``DriverNotLoaded`` become ``not_found``, ``NoPermission`` becomes ``permission_denied``; anything
else is ``unsupported`` with NVML's message. Jetson iGPUs are not measured here (use ina3221).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from runner.meters.base import Clock, Meter, Probe, Sample

NOT_SUPPORTED, NO_PERMISSION, DRIVER_NOT_LOADED, LIBRARY_NOT_FOUND, FUNCTION_NOT_FOUND = 3, 4, 9, 12, 13
COUNTER_PERIOD_S = 0.1  # the energy counter updates every 20-100 ms (§2.1); every 100 ms on an H200, driver 580
POWER_PERIOD_S = 1.0  # power is sampled every 1/6 s to 1 s, averaged over 1 s on Ampere+ (§2.1)
NOT_FOUND_HINT = (
    "no NVIDIA driver visible: on the host install the driver; in a container run with --gpus all "
    "(or --runtime nvidia) and NVIDIA_DRIVER_CAPABILITIES including 'utility'"
)


@dataclass
class Gpu:
    index: int
    domain: str
    mode: str  # counter | power
    handle: Any = None
    start_mj: int = 0


def load_module(nvml: Any = None) -> Any:
    """The injected NVML module, else NVIDIA's bindings, imported lazily (raises ImportError without them).

    The one place ``pynvml`` is imported: the energy meter and the clock-throttle source both use it.
    """
    if nvml is None:
        import pynvml  # lazy: only NVML users need the vendor bindings

        nvml = pynvml
    return nvml


def error_code(exc: BaseException) -> Optional[int]:
    """NVML's return code carried by an NVMLError (``value``), or None for a foreign exception."""
    value = getattr(exc, "value", None)
    return value if isinstance(value, int) else None


class NvmlMeter(Meter):
    name = "nvml"
    method = "counter"
    update_period_s = COUNTER_PERIOD_S

    def __init__(self, nvml: Any = None, clock: Optional[Clock] = None) -> None:
        super().__init__(clock)
        self._nvml = nvml
        self._gpus: List[Gpu] = []

    def _module(self) -> Any:
        self._nvml = load_module(self._nvml)
        return self._nvml

    def probe(self) -> Probe:
        try:
            nv = self._module()
        except ImportError as exc:
            return Probe(self.name, False, "not_installed", f"cannot import pynvml ({exc}): pip install nvidia-ml-py")
        try:
            nv.nvmlInit()
        except nv.NVMLError as exc:
            return self._init_failure(exc)
        try:
            gpus, skipped = self._classify(nv)
        except nv.NVMLError as exc:
            return Probe(self.name, False, "unsupported", f"NVML device query failed: {exc}")
        finally:
            _shutdown(nv)
        return self._accept(gpus, skipped)

    def _init_failure(self, exc: BaseException) -> Probe:
        code = error_code(exc)
        if code in (LIBRARY_NOT_FOUND, DRIVER_NOT_LOADED):
            return Probe(self.name, False, "not_found", f"nvmlInit: {exc}; {NOT_FOUND_HINT}")
        if code == NO_PERMISSION:
            return Probe(self.name, False, "permission_denied", f"nvmlInit: {exc}; check /dev/nvidia* permissions")
        return Probe(self.name, False, "unsupported", f"nvmlInit: {exc}")

    def _classify(self, nv: Any) -> Tuple[List[Gpu], List[str]]:
        gpus, skipped = [], []
        for index in range(nv.nvmlDeviceGetCount()):
            handle = nv.nvmlDeviceGetHandleByIndex(index)
            mode = _mode(nv, handle)
            if mode is None:
                skipped.append(f"gpu{index} (neither energy counter nor power reading supported)")
            else:
                gpus.append(Gpu(index, f"gpu{index}", mode))
        return gpus, skipped

    def _accept(self, gpus: List[Gpu], skipped: List[str]) -> Probe:
        if not gpus:
            if not skipped:
                return Probe(self.name, False, "not_found", "NVML sees no GPU")
            return Probe(self.name, False, "unsupported", "; ".join(skipped))
        self._gpus = gpus
        self.summed = tuple(g.domain for g in gpus)
        if any(g.mode == "power" for g in gpus):
            self.method, self.update_period_s = "integrated", POWER_PERIOD_S
        else:
            self.method, self.update_period_s = "counter", COUNTER_PERIOD_S
        notes = [f"{g.domain}: {'energy counter' if g.mode == 'counter' else 'sampled power'}" for g in gpus]
        return Probe(self.name, True, "", "; ".join(notes + skipped), self.summed, self.summed)

    def start(self) -> None:
        nv = self._module()
        try:
            nv.nvmlInit()
        except nv.NVMLError:
            self._gpus = []  # the driver went away since probe(): no data, not a crash
            return
        for g in self._gpus:
            try:
                g.handle = nv.nvmlDeviceGetHandleByIndex(g.index)
                if g.mode == "counter":
                    g.start_mj = nv.nvmlDeviceGetTotalEnergyConsumption(g.handle)
            except nv.NVMLError:
                g.handle = None

    def read(self) -> List[Sample]:
        nv = self._module()
        samples = []
        for g in self._gpus:
            if g.handle is None:
                continue
            try:
                if g.mode == "counter":
                    mj = nv.nvmlDeviceGetTotalEnergyConsumption(g.handle)
                    samples.append(Sample(self.name, g.domain, self.clock(), energy_j=(mj - g.start_mj) / 1e3))
                else:
                    mw = nv.nvmlDeviceGetPowerUsage(g.handle)
                    samples.append(Sample(self.name, g.domain, self.clock(), power_w=mw / 1e3))
            except nv.NVMLError:
                continue  # no data this tick (GPU lost, transient error): a gap, not a crash
        return samples

    def stop(self) -> None:
        if self._nvml is not None:
            _shutdown(self._nvml)


def _mode(nv: Any, handle: Any) -> Optional[str]:
    """'counter' if the total-energy counter works, 'power' if only power does, else None."""
    for mode, call in (
        ("counter", nv.nvmlDeviceGetTotalEnergyConsumption),
        ("power", nv.nvmlDeviceGetPowerUsage),
    ):
        try:
            call(handle)
            return mode
        except nv.NVMLError as exc:
            if error_code(exc) not in (NOT_SUPPORTED, FUNCTION_NOT_FOUND, NO_PERMISSION):
                raise
    return None


def _shutdown(nv: Any) -> None:
    try:
        nv.nvmlShutdown()
    except nv.NVMLError:
        pass
