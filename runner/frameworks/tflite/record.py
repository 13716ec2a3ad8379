"""TensorFlow Lite's (LiteRT's) catalog record (pure data)."""

from __future__ import annotations

from runner.frameworks.record import FileFormat, Option, Precision, Record

RECORD = Record(
    name="tflite",
    title="LiteRT",
    description="LiteRT interpreter on a model converted from the Keras definition",
    env="tflite",
    packages=("ai-edge-litert", "tflite-runtime", "tensorflow"),  # the interpreter, first found wins
    imports=("ai_edge_litert", "tflite_runtime"),
    locks={"x86_64": "tflite.txt", "aarch64": "tflite.txt", "armv7l": "tflite-armv7.txt"},
    artifact="tflite",
    sources={"tensorflow": "tensorflow"},
    precisions=(  # the TensorFlow converter's post-training quantization (its build.py)
        Precision("fp32"),
        Precision("fp16", "fp16-weights"),
        Precision("int8", "full-integer", calibrated=True, family="cnn"),
        Precision("int8", "dynamic", family="transformer"),
    ),
    studies=("pcamp",),
    options=(
        Option("xnnpack", "on", "the default XNNPACK delegate (off: the resolver without default delegates)",
               ("on", "off")),
    ),
    tag="litert",
    startup_allowance_s=1.0,
    formats=(FileFormat("tflite", "LiteRT flatbuffer", "model.tflite", (".tflite",)),),
    reads=("tflite",),
)
