"""The sampling thread, its bounds and the idle baseline (DESIGN §3, §6)."""

from __future__ import annotations

import time

import pytest

from runner.meters.base import Meter, Probe, Sample
from runner.meters.fake import FakeMeter
from runner.meters.session import Session, decimate, idle_baseline, measure_idle


def test_samples_with_monotonic_stamps_and_a_final_read(clock):
    """Hand-driven ticks on a fake clock (the thread's period is an hour: it never ticks here)."""
    meter = FakeMeter(10.0, clock)
    session = Session([meter], period_s=3600, clock=clock)
    t_before = clock()
    session.start()
    for _ in range(10):
        clock.advance(0.01)
        session._tick()
    clock.advance(0.005)
    samples = session.stop()
    stamps = [s.t_ns for s in samples]
    assert stamps == sorted(stamps) and stamps[0] == t_before and stamps[-1] == clock()
    assert len(samples) == 12  # start, ten ticks, the final read
    assert samples[-1].energy_j - samples[0].energy_j == pytest.approx(10.0 * 0.105)


def test_the_thread_samples_on_its_own():
    """The sampling thread ticks without help: wait (with a deadline) for a few of its samples."""
    session = Session([FakeMeter(1.0)], period_s=0.001)
    session.start()
    deadline = time.monotonic() + 30
    while len(session._samples) < 4 and time.monotonic() < deadline:
        time.sleep(0.001)
    samples = session.stop()
    assert len(samples) >= 5  # the start read, at least three ticks, the final read


class Broken(Meter):
    name = "broken"

    def probe(self) -> Probe:
        return Probe(self.name, True)

    def read(self):
        raise RuntimeError("sensor vanished")


def test_a_failing_meter_is_reported_not_raised(clock):
    session = Session([Broken(), FakeMeter(1.0, clock)], period_s=3600, clock=clock)
    session.start()
    for _ in range(3):
        clock.advance(0.01)
        session._tick()
    samples = session.stop()
    assert samples and all(s.meter == "fake" for s in samples)
    assert session.errors == ["meter broken read() failed: RuntimeError: sensor vanished"]


def test_no_meters_no_thread():
    session = Session([], period_s=0.01)
    session.start()
    assert session.stop() == []


def test_memory_is_bounded(clock):
    session = Session([FakeMeter(1.0, clock)], period_s=0.001, clock=clock, max_samples=50)
    session.start()
    for _ in range(500):
        clock.advance(0.001)
        session._tick()  # drive ticks deterministically
    samples = session.stop()
    assert len(samples) <= 51 and session.period_s > 0.001
    assert samples[-1].energy_j == pytest.approx(0.5)  # first and last kept: the total survives


def test_decimate_keeps_first_and_last_per_series():
    s = [Sample("m", d, t, energy_j=float(t)) for t in range(5) for d in ("a", "b")]
    kept = decimate(s)
    assert [x.t_ns for x in kept if x.domain == "a"] == [0, 2, 4]


def test_idle_baseline_with_fake_clock(clock):
    meter = FakeMeter(6.5, clock)
    base = idle_baseline([meter], 2.0, clock=clock, sleep=lambda s: clock.advance(s))
    assert base.power_w == pytest.approx(6.5) and base.duration_s == pytest.approx(2.0)
    assert {s.meter for s in base.samples} == {"fake"}


def test_measure_idle_without_meters_or_time_is_none():
    assert measure_idle([], 1.0) is None
    assert measure_idle([FakeMeter(3.0)], 0.0) is None


CHILD = """
import json, time
marks = {}
def mark(*names):
    t = time.monotonic_ns()
    for n in names:
        marks[n] = t
mark("start", "import_start")
for a, b in (("import_end", "load_start"), ("load_end", "first_start"), ("first_end", "warmup_start"),
             ("warmup_end", "steady_start")):
    time.sleep(0.03)
    mark(a, b)
time.sleep(0.2)
mark("steady_end", "end")
print(json.dumps(marks))
"""


def test_marks_from_a_child_process_line_up_with_parent_samples():
    """DESIGN §3: the worker's time.monotonic_ns() marks use the parent's clock (Linux)."""
    import json
    import subprocess
    import sys

    from runner.meters import energy_columns, select

    meters, probes = select("fake:20")
    session = Session(meters, period_s=0.01)
    session.start()
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    samples = session.stop()
    marks = json.loads(out.stdout)
    cols, _ = energy_columns(samples, marks, 40, 5.0, meters, probes)
    steady_s = (marks["steady_end"] - marks["steady_start"]) / 1e9
    assert cols["energy_steady_j"] == pytest.approx(20.0 * steady_s)
    assert cols["power_avg_w"] == pytest.approx(20.0)
    assert cols["energy_per_inference_net_j"] == pytest.approx(15.0 * steady_s / 40)
