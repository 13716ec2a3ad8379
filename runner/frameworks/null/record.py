"""The null framework's catalog record: the harness itself, with fault injection (pure data)."""

from __future__ import annotations

from runner.frameworks.record import NO_ARTIFACT, Option, Precision, Record

NO_MODEL = "the null adapter measures the harness itself: it runs no model, at no other precision"

OUTPUTS = ("normal", "nan", "inf")
FAULTS = ("none", "segfault", "abort", "hang", "oom", "garbage", "exception", "exit", "unsupported", "detach",
          "hog")

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
    precisions=(Precision("fp32"), Precision("fp16", unsupported=NO_MODEL), Precision("int8", unsupported=NO_MODEL)),
    options=(
        Option("fault", "none", "make the worker fail this way (each fault has its own status)", FAULTS),
        Option("fault_phase", "infer", "the phase the fault happens in", ("import", "load", "infer")),
        Option("sleep_s", "0", "seconds each inference sleeps (0: the harness's own overhead)", number=True),
        # synthetic latency streams on top of sleep_s, for tests of the stopping rule and the statistics
        Option("jitter", "0", "relative iid noise of each call's sleep (sd as a fraction of sleep_s)", number=True),
        Option("ar1", "0", "lag-1 autocorrelation of that noise, below 1", number=True),
        Option("drift_per_s", "0", "relative latency growth per second since the first inference", number=True),
        Option("process_jitter", "0", "relative sd of an offset drawn once per process (between-process spread)",
               number=True),
        Option("noise_seed", "0", "mixed into the per-cell seed of the synthetic noise", number=True),
        Option("output", "normal", "the output's first value: nan or inf make it non-finite (a failed cell)",
               OUTPUTS),
    ),
    startup_allowance_s=0.2,
)
