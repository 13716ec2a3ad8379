"""PyTorch's catalog record (pure data)."""

from __future__ import annotations

from runner.frameworks.record import Record

RECORD = Record(
    name="pytorch",
    title="PyTorch",
    description="PyTorch eager model scripted to TorchScript",
    env="pytorch",
    packages=("torch",),
    related=("onnx", "onnxscript"),
    imports=("torch",),
    locks={"x86_64": "pytorch.txt", "aarch64": "pytorch-aarch64.txt"},
    artifact="torchscript",
    sources={"pytorch": "pytorch"},
    builds=("torchscript", "onnx"),
    providers=("cpu", "cuda"),
    studies=("pcamp", "greenai"),
    reference=True,
    gpu_lock_edits=r"s/^\(torch==[^+]*\)+cpu/\1/",
    tag="torch",
)
