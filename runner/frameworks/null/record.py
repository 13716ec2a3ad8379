"""The null framework's catalog record: the harness itself, with fault injection (pure data)."""

from __future__ import annotations

from runner.frameworks.record import NO_ARTIFACT, Option, Record

FAULTS = ("none", "segfault", "abort", "hang", "oom", "garbage", "exception", "exit", "unsupported")

RECORD = Record(
    name="null",
    title="the null adapter",
    description="measures the harness itself; can inject faults",
    env="main",
    packages=("edgebench",),
    imports=(),
    locks={},
    artifact=NO_ARTIFACT,
    sources={"null": "null"},
    harness=True,
    options=(
        Option("fault", "none", "make the worker fail this way (each fault has its own status)", FAULTS),
        Option("fault_phase", "infer", "the phase the fault happens in", ("import", "load", "infer")),
        Option("sleep_s", "0", "seconds each inference sleeps (0: the harness's own overhead)", number=True),
    ),
)
