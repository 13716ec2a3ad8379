"""The wait before a cell, on a fake tree whose temperature the test lowers at a known point."""

from __future__ import annotations

import pytest

from runner.errors import UsageError
from runner.thermal.cooldown import cool_down
from runner.thermal.monitor import Monitor, ThermalSettings
from runner.thermal.sampler import discover


class FakeTime:
    """A clock and a sleep that only move when slept, and a hook run at every sleep."""

    def __init__(self, on_sleep=None):
        self.now, self.sleeps, self.on_sleep = 100.0, [], on_sleep

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(len(self.sleeps))


def monitor(heat, fake, **settings):
    return Monitor(ThermalSettings(**settings), discover(str(heat.root)), clock=fake.clock, sleep=fake.sleep)


def test_waits_until_the_tree_reads_cool_enough(heat, no_vcgencmd):
    temp = heat.zone(0, "cpu-thermal", 72.0)
    fake = FakeTime(on_sleep=lambda n: heat.set_celsius(temp, 48.5) if n == 3 else None)  # cools at the 3rd poll
    cols, warnings = monitor(heat, fake, cooldown_to_c=50.0).cool_down()
    assert fake.sleeps == [1.0, 1.0, 1.0]  # polled once a second
    assert cols == {"cooldown_s": 3.0} and warnings == []


def test_pause_first_then_the_target(heat, no_vcgencmd):
    heat.zone(0, "cpu-thermal", 40.0)
    fake = FakeTime()
    cols, _ = monitor(heat, fake, cooldown_s=20.0, cooldown_to_c=50.0).cool_down()
    assert fake.sleeps == [20.0] and cols == {"cooldown_s": 20.0}
    fake = FakeTime()
    assert monitor(heat, fake, cooldown_s=7.5).cool_down() == ({"cooldown_s": 7.5}, [])
    assert monitor(heat, FakeTime()).cool_down() == ({"cooldown_s": 0.0}, [])


def test_bounded_wait_is_recorded_and_warned(heat, no_vcgencmd):
    heat.zone(0, "cpu-thermal", 70.0)
    fake = FakeTime()
    cols, warnings = monitor(heat, fake, cooldown_to_c=50.0, cooldown_max_s=2.5).cool_down()
    assert fake.sleeps == [1.0, 1.0, 0.5] and cols == {"cooldown_s": 2.5}
    assert warnings == ["cool-down: thermal_zone0:cpu-thermal still 70.0 °C > 50 °C after 2 s (--cooldown-max-s 2.5):"
                        " the cell started hot; raise --cooldown-max-s or improve cooling"]


def test_a_sensor_that_stops_answering_is_not_cool():
    fake = FakeTime()
    result = cool_down(lambda: None, 50.0, max_s=2.0, clock=fake.clock, sleep=fake.sleep)
    assert result.reached is False and result.temperature_c is None and result.waited_s == 2.0
    assert "no reading" in result.warnings("s", 2.0)[0]


def test_target_without_a_sensor_is_bad_usage(heat, no_vcgencmd):
    heat.root.mkdir(parents=True)
    with pytest.raises(UsageError, match="--cooldown-to-c needs a temperature sensor"):
        Monitor.create(ThermalSettings(cooldown_to_c=45.0), sysfs_root=str(heat.root))
    assert Monitor.create(ThermalSettings(cooldown_s=1.0), sysfs_root=str(heat.root)).found.choice.sensor is None


@pytest.mark.parametrize("bad", [{"cooldown_s": -1.0}, {"max_temp_rise_c": -0.5}, {"cooldown_to_c": 500.0}])
def test_impossible_settings_are_bad_usage(bad):
    with pytest.raises(UsageError):
        ThermalSettings(**bad).validate()
