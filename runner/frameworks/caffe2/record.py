"""Caffe2's catalog record (pure data)."""

from __future__ import annotations

from runner.frameworks.record import Precision, Record

NOT_WIRED = ("not built by edgebench: Caffe2's quantized (DNNLOWP) and float16 operators need its nets "
             "rewritten operator by operator; that is not wired in")

RECORD = Record(
    name="caffe2",
    title="Caffe2",
    description="Caffe2 init/predict nets from torch 1.8.1 (Python 3.9)",
    env="caffe2",
    packages=("torch",),
    imports=("caffe2",),
    locks={"x86_64": "caffe2.txt", "aarch64": "caffe2.txt"},
    artifact="caffe2-nets",
    sources={"caffe2": "caffe2"},
    builds=("caffe2-nets",),
    precisions=(Precision("fp32"), Precision("fp16", unsupported=NOT_WIRED), Precision("int8", unsupported=NOT_WIRED)),
    studies=("pcamp",),
    python="3.9",  # torch 1.8.1, the last wheels with Caffe2's Python bindings: mk/caffe2.mk, the legacy stage
    opt_in=("x86_64", "aarch64"),
    setup_hint="run `make setup-caffe2` (needs a Python 3.9, or root and debootstrap on x86_64/aarch64)",
    system_packages=("libgomp1",),
    tag="caffe2-torch",
    startup_allowance_s=4.0,
)
