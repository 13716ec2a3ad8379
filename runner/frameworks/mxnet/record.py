"""MXNet's catalog record (pure data)."""

from __future__ import annotations

from runner.frameworks.record import Precision, Record

RECORD = Record(
    name="mxnet",
    title="MXNet",
    description="Gluon model, hybridized and exported as symbol + params",
    env="mxnet",
    packages=("mxnet", "mxnet-cu112"),
    related=("onnx",),
    imports=("mxnet",),
    locks={"x86_64": "mxnet.txt", "aarch64": "mxnet.txt"},
    artifact="mxnet-symbol",
    sources={"mxnet": "mxnet"},
    builds=("mxnet-symbol", "onnx"),
    precisions=(
        Precision("fp32"),
        Precision("fp16", unsupported="not built by edgebench: MXNet 1.9.1's float16 path (casting the network "
                  "to float16) is a GPU one; for the CPU it is not wired in"),
        Precision("int8", unsupported="not built by edgebench: MXNet 1.9.1's post-training int8 "
                  "(mxnet.contrib.quantization, oneDNN kernels) is not wired in"),
    ),
    providers=("cpu", "cuda"),
    studies=("pcamp", "greenai"),
    opt_in=("aarch64",),  # PyPI's aarch64 wheel needs Arm Performance Libraries 21.0 in the base image
    system_packages=("libgomp1", "libquadmath0"),
    passthrough=("MXNET_ENGINE_TYPE",),
    providers_probe=(
        "import mxnet as mx\n"
        "cuda = mx.runtime.Features().is_enabled('CUDA')\n"
        "gpus = mx.context.num_gpus() if cuda else 0\n"
        "available = ['cpu', 'cuda'] if gpus else ['cpu']\n"
        "detail = f'{gpus} GPU(s) (built with CUDA: {cuda})'\n"
    ),
    startup_allowance_s=4.0,
)
