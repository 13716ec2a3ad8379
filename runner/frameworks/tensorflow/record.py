"""TensorFlow's catalog record (pure data)."""

from __future__ import annotations

from runner.frameworks.record import Conversion, FileFormat, Precision, Record

LITERT = ("not built by edgebench: TensorFlow's post-training float16 and int8 paths produce LiteRT models "
          "(framework tflite, --precisions fp16,int8)")

RECORD = Record(
    name="tensorflow",
    title="TensorFlow",
    description="Keras model, compiled tf.function",
    env="tensorflow",
    packages=("tensorflow", "tensorflow-cpu"),
    related=("keras", "tf2onnx", "onnx"),
    imports=("tensorflow", "keras", "tf2onnx"),
    locks={"x86_64": "tensorflow.txt", "aarch64": "tensorflow-aarch64.txt"},
    artifact="savedmodel",
    sources={"tensorflow": "tensorflow"},
    builds=("savedmodel", "tflite", "onnx"),
    precisions=(Precision("fp32"), Precision("fp16", unsupported=LITERT), Precision("int8", unsupported=LITERT)),
    providers=("cpu", "cuda"),
    studies=("pcamp", "greenai"),
    gpu_lock_edits="s/^tensorflow[-_]cpu==/tensorflow[and-cuda]==/",
    thread_variables=("TF_NUM_INTRAOP_THREADS",),
    worker_variables={"TF_NUM_INTEROP_THREADS": "1"},
    passthrough=("TF_CPP_MIN_LOG_LEVEL",),
    tag="tf",
    providers_probe=(
        "import os\n"
        "os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')\n"
        "import tensorflow as tf\n"
        "gpus = tf.config.list_physical_devices('GPU')\n"
        "available = ['cpu', 'cuda'] if gpus else ['cpu']\n"
        "detail = ', '.join(d.name.replace('/physical_device:', '') for d in tf.config.list_physical_devices())\n"
        "detail += f' (built with CUDA: {tf.test.is_built_with_cuda()})'\n"
    ),
    startup_allowance_s=8.0,
    formats=(FileFormat("savedmodel", "SavedModel", "savedmodel", marker="saved_model.pb"),),
    reads=("savedmodel",),
    converts=(Conversion("savedmodel", "tflite", "TFLiteConverter.from_saved_model"),
              Conversion("savedmodel", "onnx", "tf2onnx")),
)
