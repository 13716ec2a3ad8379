"""ONNX Runtime's catalog record (pure data)."""

from __future__ import annotations

from typing import Dict, Tuple

from runner.frameworks.record import FileFormat, Option, Precision, Record

#: Our provider names → ONNX Runtime's, in priority order (the adapter appends the CPU provider as a fallback).
EXECUTION_PROVIDERS: Dict[str, Tuple[str, ...]] = {
    "cpu": ("CPUExecutionProvider",),
    "cuda": ("CUDAExecutionProvider",),
    "tensorrt": ("TensorrtExecutionProvider", "CUDAExecutionProvider"),
    "openvino": ("OpenVINOExecutionProvider",),
}

RECORD = Record(
    name="onnxruntime",
    title="ONNX Runtime",
    description="ONNX Runtime on a graph exported from a source framework",
    env="onnxruntime",
    packages=("onnxruntime", "onnxruntime-gpu", "onnxruntime-openvino"),
    related=("onnx",),
    imports=("onnxruntime",),
    locks={"x86_64": "onnxruntime.txt", "aarch64": "onnxruntime.txt"},
    artifact="onnx",
    sources={"pytorch": "pytorch", "tensorflow": "tensorflow", "mxnet": "mxnet"},
    builds=("onnx",),  # its fp16 and int8 graphs, derived from the source's fp32 export
    precisions=(
        Precision("fp32"),
        Precision("fp16", "fp16", derived=True),
        Precision("int8", "static-qdq", calibrated=True, family="cnn", derived=True),
        Precision("int8", "dynamic", family="transformer", derived=True),
    ),
    providers=tuple(EXECUTION_PROVIDERS),
    studies=("greenai",),
    options=(
        Option("iobinding", "auto", "IO binding: inputs bound as OrtValues on the provider's device before timing, "
               "outputs left there (auto: on for cuda and tensorrt, off for cpu and openvino; off: session.run "
               "with host arrays, whose call on a GPU includes the copies to and from the device)",
               ("auto", "on", "off")),
    ),
    gpu_lock_edits="s/^onnxruntime==/onnxruntime-gpu==/",
    passthrough=("ORT_LOGGING_LEVEL",),
    tag="ort",
    providers_probe=(
        "import onnxruntime\n"
        "names = onnxruntime.get_available_providers()\n"
        f"available = [p for p, need in {EXECUTION_PROVIDERS!r}.items() if all(n in names for n in need)]\n"
        "detail = ', '.join(names)\n"
    ),
    startup_allowance_s=1.5,
    formats=(FileFormat("onnx", "ONNX", "model.onnx", (".onnx",)),),
    reads=("onnx",),
)
