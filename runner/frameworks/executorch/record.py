"""ExecuTorch's catalog record (pure data)."""

from __future__ import annotations

from runner.frameworks.record import Conversion, FileFormat, Precision, Record

RECORD = Record(
    name="executorch",
    title="ExecuTorch",
    description="ExecuTorch runtime on a .pte lowered to the XNNPACK delegate from the PyTorch definitions",
    env="executorch",
    packages=("executorch",),
    related=("torch", "torchao"),
    imports=("executorch", "torchao"),
    locks={"x86_64": "executorch.txt", "aarch64": "executorch-aarch64.txt"},
    artifact="pte",
    sources={"pytorch": "executorch"},  # lowered in its own environment from the PyTorch definitions
    builds=("pte",),
    per_batch=True,  # a program per batch size: ExecuTorch plans its memory for the shapes it was exported with
    reuses=("pytorch",),
    precisions=(  # its build.py
        Precision("fp32"),
        Precision("fp16", "fp16"),
        Precision("int8", "static-pt2e", calibrated=True),
    ),
    opt_in=("aarch64",),  # its bindings need torch 2.13, on aarch64 PyPI's CUDA 13 build (several GB of CUDA wheels)
    tag="et",
    formats=(FileFormat("pte", "ExecuTorch program", "model.pte", (".pte",)),),
    reads=("pte",),  # a .pte as it is: its shapes, its batch included, are the ones it was exported with
    converts=(Conversion("pt2", "pte", "to_edge_transform_and_lower (XNNPACK partitioner)"),),  # per batch size
)
