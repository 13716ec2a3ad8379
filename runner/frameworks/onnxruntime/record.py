"""ONNX Runtime's catalog record (pure data)."""

from __future__ import annotations

from runner.frameworks.record import Record

RECORD = Record(
    name="onnxruntime",
    title="ONNX Runtime",
    description="ONNX Runtime on a graph exported from a source framework",
    env="onnxruntime",
    packages=("onnxruntime", "onnxruntime-gpu", "onnxruntime-openvino"),
    imports=("onnxruntime",),
    locks={"x86_64": "onnxruntime.txt", "aarch64": "onnxruntime.txt"},
    artifact="onnx",
    sources={"pytorch": "pytorch", "tensorflow": "tensorflow", "mxnet": "mxnet"},
    providers=("cpu", "cuda", "tensorrt", "openvino"),
    studies=("greenai",),
    gpu_lock_edits="s/^onnxruntime==/onnxruntime-gpu==/",
    passthrough=("ORT_LOGGING_LEVEL",),
    tag="ort",
)
