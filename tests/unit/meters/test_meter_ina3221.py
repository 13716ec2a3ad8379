"""Jetson INA3221 rails, both driver layouts (research/energy.md §3.1, rails-by-board table)."""

from __future__ import annotations

import pytest

from runner.meters.ina3221 import Ina3221Meter
from runner.meters.integrate import group


def probe(tree, clock=None):
    meter = Ina3221Meter(str(tree.root), clock)
    return meter, meter.probe()


@pytest.fixture
def tx2(tree):
    """§3.1 TX2, L4T 32: ina3221x 0-0040 (GPU, SOC, WIFI) and 0-0041 (VDD_IN, CPU, DDR)."""
    tree.iio("0-0040", 0, [("VDD_SYS_GPU", 1500), ("VDD_SYS_SOC", 800), ("VDD_4V0_WIFI", 20)])
    tree.iio("0-0041", 1, [("VDD_IN", 4200), ("VDD_SYS_CPU", 600), ("VDD_SYS_DDR", 400)])
    return tree


@pytest.fixture
def orin_nano(tree):
    """§3.1 Orin Nano / NX, JP5/6: ina3221 hwmon 1-0040, in1 VDD_IN, in2 VDD_CPU_GPU_CV, in3 VDD_SOC."""
    tree.hwmon("1-0040", 3, [("VDD_IN", 5000, 1200), ("VDD_CPU_GPU_CV", 5000, 300), ("VDD_SOC", 5000, 250)])
    return tree


@pytest.fixture
def agx_orin(tree):
    """§3.1 AGX Orin, JP5/6: no module input rail; 1-0041 has NC channels."""
    tree.hwmon("1-0040", 1, [("VDD_GPU_SOC", 5000, 478), ("VDD_CPU_CV", 5000, 159), ("VIN_SYS_5V0", 5000, 704)])
    tree.hwmon("1-0041", 2, [("NC", 0, 0), ("VDDQ_VDD2_1V8AO", 5000, 60), ("NC", 0, 0)])
    return tree


def test_tx2_iio_layout_uses_vdd_in(tx2):
    """§3.1: VDD_IN is the module input; other rails are subsets: stored, never added to it."""
    meter, p = probe(tx2)
    assert p.available, p.detail
    assert p.domains == ("VDD_SYS_GPU", "VDD_SYS_SOC", "VDD_4V0_WIFI", "VDD_IN", "VDD_SYS_CPU", "VDD_SYS_DDR")
    assert p.summed == ("VDD_IN",) and meter.scope == "module_input"
    meter.start()
    got = {s.domain: s.power_w for s in meter.read()}
    assert got["VDD_IN"] == 4.2 and got["VDD_SYS_GPU"] == 1.5  # in_power is mW


def test_nano_l4t32_uses_pom_5v_in(tree):
    """§3.1 Nano, L4T 32: ina3221x 6-0040 channels POM_5V_IN, POM_5V_GPU, POM_5V_CPU."""
    tree.iio("6-0040", 0, [("POM_5V_IN", 2100), ("POM_5V_GPU", 0), ("POM_5V_CPU", 400)])
    _, p = probe(tree)
    assert p.summed == ("POM_5V_IN",)


def test_iio_without_power_file_uses_voltage_times_current(tree):
    base = tree.iio("7-0040", 0, [("VDD_IN", 0), ("VDD_CPU_GPU_CV", 0), ("VDD_SOC", 0)])
    (tree.root / base / "in_power0_input").unlink()
    tree.write(f"{base}/in_voltage0_input", 5000)
    tree.write(f"{base}/in_current0_input", 900)
    meter, _ = probe(tree)
    assert {s.domain: s.power_w for s in meter.read()}["VDD_IN"] == 4.5


def test_orin_nano_hwmon_layout(orin_nano):
    """§3.1: hwmon power = in<ch>_input (mV) x curr<ch>_input (mA); in4-6 shunts and in7 skipped."""
    meter, p = probe(orin_nano)
    assert p.domains == ("VDD_IN", "VDD_CPU_GPU_CV", "VDD_SOC")
    assert p.summed == ("VDD_IN",)
    assert meter.update_period_s == 0.008  # update_interval (ms) recorded
    got = {s.domain: s.power_w for s in meter.read()}
    assert got == {"VDD_IN": 6.0, "VDD_CPU_GPU_CV": 1.5, "VDD_SOC": 1.25}


def test_agx_orin_sum_of_rails_labelled(agx_orin):
    """§3.1: AGX Orin has no input rail: all rails summed as sum_of_rails (not a total); NC skipped."""
    meter, p = probe(agx_orin)
    assert p.domains == ("VDD_GPU_SOC", "VDD_CPU_CV", "VIN_SYS_5V0", "VDDQ_VDD2_1V8AO")
    assert p.summed == p.domains and meter.scope == "sum_of_rails"
    assert "sum_of_rails" in p.detail and "not a module total" in p.detail


def test_disabled_channel_is_left_out(orin_nano):
    (orin_nano.root / "bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3/curr3_input").write_text("\n")
    _, p = probe(orin_nano)
    assert p.domains == ("VDD_IN", "VDD_CPU_GPU_CV") and "unreadable: VDD_SOC" in p.detail


def test_not_a_jetson(tree):
    tree.root.mkdir(parents=True)
    _, p = probe(tree)
    assert (p.available, p.reason) == (False, "not_found")


def test_rails_integrated_with_a_fake_clock(orin_nano, clock):
    """Power-only source, trapezoid rule: 6, 7, 8 W at 0.5 s steps over 1 s = 3.25 + 3.75 = 7 J."""
    meter, _ = probe(orin_nano, clock)
    meter.start()
    hw = "bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3"
    samples = meter.read()
    t0 = clock.t_ns
    for amps in (1400, 1600):
        clock.advance(0.5)
        orin_nano.write(f"{hw}/curr1_input", amps)
        samples += meter.read()
    series = group(samples)[("ina3221", "VDD_IN")]
    assert series.energy(t0, t0 + 1_000_000_000) == pytest.approx((6 + 7) / 2 * 0.5 + (7 + 8) / 2 * 0.5)
