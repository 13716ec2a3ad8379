"""A cell's thermal columns and warnings from samples (runner.thermal.columns), against the schema."""

from __future__ import annotations

import pytest

from runner.thermal.base import SourceProbe, ThermalSample
from runner.thermal.columns import COLUMNS, mean_frequency, thermal_columns
from runner.thermal.primary import Choice
from runner.thermal.sampler import Discovery
from runner.thermal.throttle import PiThrottle

S = 1_000_000_000
ZONE = "thermal_zone0:cpu-thermal"


def found(throttle=False, sensor=ZONE):
    probes = [SourceProbe("thermal_zone", sensor is not None, "no zones here" if sensor is None else "1 sensor(s)",
                          (sensor,) if sensor else (), "temperature"),
              SourceProbe("cpufreq", True, "", ("cpu0", "cpu1"), "frequency"),
              SourceProbe("vcgencmd", throttle, "no vcgencmd on PATH", (), "throttle"),
              SourceProbe("nvml", False, "nvmlInit: no driver", (), "throttle")]
    choice = Choice("thermal_zone", sensor, sensor or "") if sensor else Choice(None, None, "no thermal sensors")
    return Discovery([PiThrottle()] if throttle else [], probes, choice)


def temps(*celsius, start=0.0, step=0.5):
    return [ThermalSample("thermal_zone", ZONE, round((start + i * step) * S), temperature_c=c)
            for i, c in enumerate(celsius)]


def freqs(t, *hz):
    return [ThermalSample("cpufreq", f"cpu{i}", round(t * S), frequency_hz=f) for i, f in enumerate(hz)]


def test_columns_are_exactly_the_schema_thermal_columns():
    pytest.importorskip("pyarrow")
    from runner.results.schema import CELL_COLUMNS

    block = CELL_COLUMNS[CELL_COLUMNS.index("temperature_start_c"):CELL_COLUMNS.index("cooldown_s")]
    assert tuple(block) == COLUMNS


def test_start_max_sensor_and_steady_frequency():
    samples = temps(50.0, 53.5, 57.0, 55.0) + freqs(0.2, 1.0e9, 1.2e9) + freqs(0.7, 1.8e9, 2.0e9) + freqs(1.6, 5e9, 5e9)
    marks = {"steady_start": round(0.5 * S), "steady_end": round(1.0 * S)}
    cols, warnings = thermal_columns(samples, marks, found(), max_rise_c=10.0)
    assert (cols["temperature_start_c"], cols["temperature_max_c"], cols["temperature_sensor"]) == (50.0, 57.0, ZONE)
    assert cols["cpu_freq_mean_hz"] == pytest.approx(1.9e9)  # only the tick inside the steady phase
    assert warnings == []
    assert cols["throttled"] is None and "no throttle flags on this device" in cols["thermal_reason"]
    assert "vcgencmd: no vcgencmd on PATH" in cols["thermal_reason"]


def test_rise_above_the_threshold_warns_with_numbers():
    _, warnings = thermal_columns(temps(45.0, 52.0, 58.5), {}, found(), max_rise_c=10.0)
    assert warnings == [
        f"temperature rose 13.5 °C during the cell (45.0 -> 58.5 °C, {ZONE}), more than --max-temp-rise-c 10: "
        "later iterations ran hotter than earlier ones; cool down before each cell (--cooldown-to-c, "
        "--cooldown-s) or warm up longer"]
    assert thermal_columns(temps(45.0, 52.0, 55.0), {}, found(), max_rise_c=10.0)[1] == []


def test_frequency_of_a_phase_between_two_ticks():
    samples = freqs(0.0, 1e9) + freqs(0.5, 2e9) + freqs(1.0, 3e9)
    assert mean_frequency(samples, {"steady_start": round(0.6 * S), "steady_end": round(0.7 * S)}) == 2.5e9
    assert mean_frequency(samples, {}) == 2e9  # whole cell
    assert mean_frequency([], {}) is None


def test_throttling_seen_by_the_firmware_warns():
    flags = [ThermalSample("vcgencmd", "get_throttled", t, throttle_flags=m) for t, m in ((0, 0x0), (S, 0x4))]
    cols, warnings = thermal_columns(temps(50.0) + flags, {}, found(throttle=True))
    assert cols["throttled"] is True and cols["throttle_flags"] == "get_throttled: currently_throttled (1/2 samples)"
    assert warnings == ["throttling during the cell: get_throttled: currently_throttled (1/2 samples); its "
                        "latencies and energy are not comparable with unthrottled cells: improve cooling or the "
                        "power supply, or cool down with --cooldown-to-c"]
    cols, _ = thermal_columns(temps(50.0), {}, found(throttle=True))
    assert cols["throttled"] is None and "no throttle-flag sample" in cols["thermal_reason"]


def test_no_sensors_at_all_gives_nulls_and_reasons():
    cols, warnings = thermal_columns([], {}, found(sensor=None))
    assert all(cols[c] is None for c in COLUMNS if c != "thermal_reason") and warnings == []
    assert cols["thermal_reason"].startswith("temperature: no thermal sensors (no zones here)")
    assert " | cpu_freq: " in cols["thermal_reason"] and " | throttled: " in cols["thermal_reason"]
