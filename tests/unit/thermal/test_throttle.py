"""Throttle flags: a fake vcgencmd (get_throttled) and a fake NVML (clock event reasons)."""

from __future__ import annotations

import pytest

from runner.system import vcgencmd
from runner.thermal.base import ThermalSample
from runner.thermal.throttle import NvmlThrottle, PiThrottle, assess, parse_throttled
from tests.unit.thermal.conftest import ThrottleNvml, fake_vcgencmd


def test_parse_get_throttled_output():
    assert parse_throttled("throttled=0x50005\n") == 0x50005
    assert parse_throttled("throttled=0x0") == 0
    for bad in ("", "error=1 error_msg=\"Command not registered\"", "throttled=", "throttled=zz"):
        with pytest.raises(ValueError):
            parse_throttled(bad)


def test_locate_prefers_the_variable_and_says_when_it_is_wrong(tmp_path, monkeypatch):
    script, _ = fake_vcgencmd(tmp_path)
    monkeypatch.setenv("EDGEBENCH_VCGENCMD", str(script))
    assert vcgencmd.locate().path == str(script)
    monkeypatch.setenv("EDGEBENCH_VCGENCMD", str(tmp_path / "nope"))
    found = vcgencmd.locate()
    assert found.path is None and "EDGEBENCH_VCGENCMD" in found.detail and "not an executable" in found.detail


def test_pi_source_reads_the_firmware_flags(tmp_path, monkeypatch):
    script, value = fake_vcgencmd(tmp_path, throttled=0x50000)
    monkeypatch.setenv("EDGEBENCH_VCGENCMD", str(script))
    src = PiThrottle()
    probe = src.probe()
    assert probe.available and "0x50000" in probe.detail
    value.write_text("0x50005\n")
    (sample,) = src.read(7)
    assert (sample.source, sample.sensor, sample.t_ns, sample.throttle_flags) == ("vcgencmd", "get_throttled", 7,
                                                                                   0x50005)


def test_pi_source_without_the_mailbox_device_says_why(tmp_path, monkeypatch):
    script, _ = fake_vcgencmd(tmp_path, rc=255, message="VCHI initialization failed")
    monkeypatch.setenv("EDGEBENCH_VCGENCMD", str(script))
    probe = PiThrottle().probe()
    assert not probe.available and "VCHI initialization failed" in probe.detail and "/dev/vcio" in probe.detail


def pi(*masks):
    return [ThermalSample("vcgencmd", "get_throttled", i, throttle_flags=m) for i, m in enumerate(masks)]


def test_pi_bits_now_and_since_boot():
    """Bits 0-3 are now; 16-19 are sticky since boot (Raspberry Pi documentation, get_throttled)."""
    assert assess(pi(0x0, 0x0)).throttled is False
    assert assess(pi(0x50000, 0x50000)).throttled is False  # happened before the cell, not during it
    now = assess(pi(0x0, 0x8, 0x80008))
    assert now.flags == "get_throttled: soft_temperature_limit, soft_temperature_limit_occurred (2/3 samples)"
    between = assess(pi(0x0, 0x40000))  # throttled between two samples: only the sticky bit tells
    assert between.throttled and between.flags == "get_throttled: throttling_occurred (0/2 samples)"
    assert "under_voltage" in assess(pi(0x1)).flags


def gpu(*masks, index=0):
    return [ThermalSample("nvml", f"gpu{index}", i, throttle_flags=m) for i, m in enumerate(masks)]


def test_nvml_reasons_that_are_not_throttling():
    """GpuIdle, ApplicationsClocksSetting, SyncBoost, DisplayClockSetting do not slow a running cell."""
    assert assess(gpu(0x1, 0x2, 0x10, 0x100, 0x3)).throttled is False


def test_nvml_power_cap_and_thermal_slowdown_are_throttling():
    got = assess(gpu(0x0, 0x4, 0x4 | 0x40, index=0) + gpu(0x0, 0x0, index=1))
    assert got.throttled and got.flags == "gpu0: hw_thermal_slowdown, sw_power_cap (2/3 samples)"
    assert assess([]).throttled is None


def test_nvml_source_reads_reasons_and_temperature():
    nv = ThrottleNvml([{"reasons": 0x1, "temp_c": 41, "energy_mj": 0},
                       {"reasons": None, "temp_c": 40}])  # a GPU without clock event reasons
    src = NvmlThrottle(nv)
    probe = src.probe()
    assert probe.available and probe.sensors == ("gpu0",) and "gpu1: clock event reasons not supported" in probe.detail
    assert nv.inits == nv.shutdowns == 1
    src.start()
    nv.gpus[0].update(reasons=0x24, temp_c=83)
    got = src.read(9)
    assert [(s.sensor, s.throttle_flags, s.temperature_c) for s in got] == [("gpu0", 0x24, None), ("gpu0", None, 83.0)]
    src.stop()
    assert nv.shutdowns == 2


def test_nvml_before_r535_uses_the_throttle_reasons_call():
    nv = ThrottleNvml([{"reasons": 0x8, "temp_c": 90}], event_api=False)
    src = NvmlThrottle(nv)
    assert src.probe().available
    src.start()
    assert src.read(1)[0].throttle_flags == 0x8


def test_nvml_without_driver():
    probe = NvmlThrottle(ThrottleNvml([], init_error=12)).probe()
    assert not probe.available and "nvmlInit" in probe.detail


def test_nvml_is_shut_down_once_per_start_even_when_a_handle_fails():
    nv = ThrottleNvml([{"reasons": 0x0, "temp_c": 40}])
    src = NvmlThrottle(nv)
    assert src.probe().available

    def lost(index):
        raise nv.NVMLError(15)  # NVML_ERROR_GPU_IS_LOST

    nv.nvmlDeviceGetHandleByIndex = lost
    src.start()
    assert src.read(1) == []  # no data, not a crash
    src.stop()
    src.stop()
    assert nv.inits == nv.shutdowns == 2
