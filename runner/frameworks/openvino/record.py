"""OpenVINO's catalog record (pure data)."""

from __future__ import annotations

from runner.frameworks.record import FileFormat, Option, Precision, Record

#: The kind its fp16 and int8 cells load: an IR (model.xml + model.bin) its build saves from the source's ONNX.
IR = "openvino-ir"

RECORD = Record(
    name="openvino",
    title="OpenVINO",
    description="OpenVINO runtime on the ONNX graph exported from a source framework (fp16, int8: IRs saved from it)",
    env="openvino",
    packages=("openvino",),
    related=("nncf",),
    imports=("openvino", "nncf"),
    locks={"x86_64": "openvino.txt", "aarch64": "openvino.txt"},
    artifact="onnx",
    sources={"pytorch": "pytorch", "tensorflow": "tensorflow", "mxnet": "mxnet"},
    builds=(IR,),
    reads=("onnx", IR),  # an ONNX or IR model file, as it is (its fp16 and int8: IRs derived from it)
    precisions=(  # its build.py, from the source's fp32 ONNX export
        Precision("fp32"),
        Precision("fp16", "fp16", derived=True, artifact=IR),
        Precision("int8", "static-nncf", calibrated=True, derived=True, artifact=IR),
    ),
    providers=("cpu", "gpu", "npu"),  # OpenVINO's CPU, GPU (Intel) and NPU plugins
    options=(
        Option("inference_precision", "match", "match: ask the device for the cell's precision (f32 for fp32 and "
               "int8, f16 for fp16); plugin: the device's own default (bf16 on CPUs with AMX or AVX512-BF16, "
               "f16 on ARM)", ("match", "plugin")),
    ),
    tag="ov",
    formats=(FileFormat(IR, "OpenVINO IR", "model.xml", (".xml",), companions=(".bin",)),),
)
