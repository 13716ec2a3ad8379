"""Power-supply class batteries (research/energy.md §5: units µV/µA/µW, negative while discharging)."""

from __future__ import annotations

from runner.meters.powersupply import PowerSupplyMeter


def probe(tree):
    meter = PowerSupplyMeter(str(tree.root))
    return meter, meter.probe()


def test_discharging_battery_voltage_times_current(tree):
    """§5: current_now is negative while discharging (ABI since 2020); the magnitude is the draw."""
    tree.supply("AC", "Mains", online=0)
    tree.supply("BAT0", "Battery", status="Discharging", voltage_now=12_000_000, current_now=-1_250_000)
    meter, p = probe(tree)
    assert p.available and p.summed == ("BAT0",)
    assert [(s.domain, s.power_w) for s in meter.read()] == [("BAT0", 15.0)]


def test_power_now_in_microwatts_positive_convention(tree):
    """§5: older kernels report positive values while discharging; power_now is µW."""
    tree.supply("battery", "Battery", status="Discharging", power_now=7_500_000)
    meter, _ = probe(tree)
    assert meter.read()[0].power_w == 7.5


def test_charging_battery_is_not_a_measurement(tree):
    tree.supply("BAT0", "Battery", status="Charging", voltage_now=12_000_000, current_now=2_000_000)
    _, p = probe(tree)
    assert (p.available, p.reason) == (False, "unsupported")
    assert "BAT0 Charging" in p.detail and "unplug" in p.detail


def test_charger_plugged_mid_run_leaves_a_gap(tree):
    base = tree.supply("BAT0", "Battery", status="Discharging", power_now=-5_000_000)
    meter, _ = probe(tree)
    tree.write(f"{base}/status", "Charging")
    assert meter.read() == []


def test_no_battery(tree):
    tree.supply("AC", "Mains", online=1)
    _, p = probe(tree)
    assert p.reason == "not_found" and "AC (Mains)" in p.detail
