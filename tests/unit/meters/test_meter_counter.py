"""The wrapping counter: the one locked place where RAPL wraparound is handled (research/energy.md §1.3)."""

from __future__ import annotations

import threading

import pytest

from runner.meters.counter import WrapCounter


class Raw:
    def __init__(self, value: int) -> None:
        self.value = value

    def __call__(self) -> int:
        return self.value


def test_counts_differences_from_start():
    raw = Raw(1000)
    c = WrapCounter(raw, 10_000)
    assert c.start() == 0
    raw.value = 1500
    assert c.sample() == 500
    raw.value = 4000
    assert c.sample() == 3000
    assert c.wraps == 0


def test_wrap_then_immediate_read_is_exact():
    """§1.3: a read right after a wrap (the case that breaks Zeus) adds the range once."""
    raw = Raw(9_990)
    c = WrapCounter(raw, 10_000)
    c.start()
    raw.value = 20  # wrapped: 10 to the top, then 20
    assert c.sample() == 30
    assert c.wraps == 1
    raw.value = 9_000
    assert c.sample() == 30 + 8_980
    raw.value = 50  # second wrap
    assert c.sample() == 30 + 8_980 + 1_000 + 50
    assert c.wraps == 2


def test_sample_before_start_is_a_reference():
    raw = Raw(7)
    c = WrapCounter(raw, 100)
    assert c.sample() == 0
    raw.value = 9
    assert c.sample() == 2


def test_rejects_empty_range():
    with pytest.raises(ValueError):
        WrapCounter(Raw(0), 0)


def test_concurrent_readers_never_count_a_false_wrap():
    """Reads race (sampling thread vs stop()); under the lock each step is counted exactly once."""
    rng, step = 1_000, 7
    state = {"v": 0}
    lock = threading.Lock()

    def read_and_advance() -> int:
        with lock:
            state["v"] = (state["v"] + step) % rng
            return state["v"]

    c = WrapCounter(read_and_advance, rng)
    c.start()
    threads = [threading.Thread(target=lambda: [c.sample() for _ in range(500)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert c.sample() == step * (4 * 500 + 1)
    assert c.reads == 4 * 500 + 2
