"""Sampling thermal sources on their own schedule, inside the meters' session."""

from __future__ import annotations

from runner.meters.fake import FakeMeter
from runner.meters.session import Session
from runner.thermal.sampler import Sampler, discover
from tests.unit.meters.conftest import FakeClock
from tests.unit.thermal.conftest import fake_vcgencmd


def test_each_source_is_read_when_its_period_is_due(heat, tmp_path, monkeypatch):
    clock = FakeClock()
    heat.zone(0, "cpu-thermal", 50.0)
    script, _ = fake_vcgencmd(tmp_path / "bin")
    monkeypatch.setenv("EDGEBENCH_VCGENCMD", str(script))
    found = discover(str(heat.root))
    sampler = Sampler(found.sources, clock=clock)
    sampler.start()
    sampler.tick(force=True)
    for _ in range(8):  # 8 ticks 0.25 s apart: zones every 0.5 s, vcgencmd every 2 s
        clock.advance(0.25)
        sampler.tick()
    samples = sampler.stop()
    assert sum(s.source == "thermal_zone" for s in samples) == 1 + 4
    assert sum(s.source == "vcgencmd" for s in samples) == 1 + 1


def test_session_samples_temperatures_without_energy_meters(heat, no_vcgencmd):
    heat.zone(0, "cpu-thermal", 50.0)
    heat.cpufreq(0, 1_500_000)
    session = Session([], period_s=0.01, thermal=Sampler(discover(str(heat.root)).sources))
    session.start()
    assert session.stop() == []
    kinds = {(s.source, s.sensor) for s in session.thermal_samples}
    assert kinds == {("thermal_zone", "thermal_zone0:cpu-thermal"), ("cpufreq", "cpu0")}
    assert len(session.thermal_samples) >= 4  # read at start() and at stop() at least


def test_a_failing_source_becomes_a_session_error(heat, no_vcgencmd):
    heat.zone(0, "cpu-thermal", 50.0)
    found = discover(str(heat.root))

    def broken(t_ns):
        raise RuntimeError("sensor fell off the bus")

    found.sources[0].read = broken
    session = Session([FakeMeter(1.0)], period_s=0.01, thermal=Sampler(found.sources))
    session.start()
    assert session.stop()  # energy samples survive
    assert session.errors == ["thermal source thermal_zone failed: RuntimeError: sensor fell off the bus"]
