"""NVML through an injected module object (research/energy.md §2.1, §8.4: no global pynvml patching)."""

from __future__ import annotations

import sys

from runner.meters.nvml import NvmlMeter


def test_counter_gpu_sampled_gpu_and_unsupported_gpu(fake_nvml, clock):
    """§2.1: total energy (mJ) where supported, else power (mW) sampled; neither -> skipped, said so."""
    nv = fake_nvml(
        [
            {"energy_mj": 1_000_000, "power_mw": 250_000},  # Volta+: counter
            {"energy_mj": None, "power_mw": 60_000},  # pre-Volta: power only
            {"energy_mj": None, "power_mw": None},  # NotSupported for both
        ]
    )
    meter = NvmlMeter(nv, clock)
    p = meter.probe()
    assert p.available, p.detail
    assert p.summed == ("gpu0", "gpu1") and meter.method == "integrated"
    assert "gpu0: energy counter" in p.detail and "gpu1: sampled power" in p.detail
    assert "gpu2 (neither energy counter nor power reading supported)" in p.detail
    assert nv.inits == nv.shutdowns == 1  # the probe leaves NVML as it found it
    meter.start()
    nv.gpus[0]["energy_mj"] += 12_345
    nv.gpus[1]["power_mw"] = 75_500
    got = {s.domain: (s.energy_j, s.power_w) for s in meter.read()}
    assert got == {"gpu0": (12.345, None), "gpu1": (None, 75.5)}
    meter.stop()
    assert nv.shutdowns == 2


def test_all_counters_is_a_counter_meter(fake_nvml):
    meter = NvmlMeter(fake_nvml([{"energy_mj": 5, "power_mw": 1}]))
    assert meter.probe().available and meter.method == "counter" and meter.update_period_s == 0.1


def test_every_gpu_unsupported(fake_nvml):
    p = NvmlMeter(fake_nvml([{"energy_mj": None, "power_mw": None}])).probe()
    assert (p.available, p.reason) == (False, "unsupported")


def test_no_gpu(fake_nvml):
    p = NvmlMeter(fake_nvml([])).probe()
    assert (p.available, p.reason) == (False, "not_found")


def test_library_not_found_and_no_permission(fake_nvml):
    """§2.2: no libnvidia-ml.so in the container (no --gpus, or no 'utility' capability) -> not_found."""
    p = NvmlMeter(fake_nvml([], init_error=12)).probe()
    assert p.reason == "not_found" and "--gpus all" in p.detail
    assert NvmlMeter(fake_nvml([], init_error=9)).probe().reason == "not_found"
    assert NvmlMeter(fake_nvml([], init_error=4)).probe().reason == "permission_denied"
    assert NvmlMeter(fake_nvml([], init_error=999)).probe().reason == "unsupported"


def test_bindings_not_installed(monkeypatch):
    """§2.3: nvidia-ml-py missing -> not_installed, naming the package to install."""
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` fail, restored afterwards
    p = NvmlMeter().probe()
    assert p.reason == "not_installed" and "nvidia-ml-py" in p.detail


def test_error_during_read_is_a_gap(fake_nvml):
    nv = fake_nvml([{"energy_mj": 10, "power_mw": 1}])
    meter = NvmlMeter(nv)
    meter.probe()
    meter.start()
    nv.gpus[0]["energy_mj"] = None  # the call now raises NVMLError
    assert meter.read() == []


def test_real_bindings_without_driver_translate_errors():
    """The installed nvidia-ml-py raises NVMLError_LibraryNotFound on a machine with no driver."""
    p = NvmlMeter().probe()
    if p.available:
        assert p.summed and all(d.startswith("gpu") for d in p.summed)
    else:
        assert p.reason in ("not_found", "not_installed", "permission_denied", "unsupported"), p
