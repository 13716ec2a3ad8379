"""PyTorch's catalog record (pure data)."""

from __future__ import annotations

from runner.frameworks.record import Conversion, FileFormat, Precision, Record

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
    precisions=(  # its build.py, runner/frameworks/pytorch/quantize.py
        Precision("fp32"),
        Precision("fp16", "fp16"),
        Precision("int8", "static-fx", calibrated=True, family="cnn"),
        Precision("int8", "dynamic", family="transformer"),
    ),
    providers=("cpu", "cuda"),
    studies=("pcamp", "greenai"),
    reference=True,
    gpu_lock_edits=r"s/^\(torch==[^+]*\)+cpu/\1/",
    tag="torch",
    providers_probe=(
        "import torch\n"
        "gpu = torch.cuda.is_available()\n"
        "available = ['cpu', 'cuda'] if gpu else ['cpu']\n"
        "detail = f'torch {torch.__version__}, CUDA ' + "
        "(f'{torch.version.cuda}: {torch.cuda.device_count()} device(s)' if gpu else "
        "f'not available (built with {torch.version.cuda or \"none\"})')\n"
    ),
    startup_allowance_s=4.0,
    formats=(FileFormat("torchscript", "TorchScript", "model.pt", (".pt",)),
             FileFormat("pt2", "torch.export program", "model.pt2", (".pt2",))),
    reads=("torchscript", "pt2"),
    converts=(Conversion("pt2", "onnx", "torch.onnx.export"),),
)
