"""Framework adapters (worker side). Each module imports its framework lazily, inside its methods.

``adapter(name)`` imports only the chosen adapter module (mlcommons ``get_backend()`` style).
"""

from __future__ import annotations

import importlib

from runner.frameworks.base import Adapter

_MODULES = {
    "null": "runner.frameworks.null.adapter",
    "pytorch": "runner.frameworks.pytorch.adapter",
    "onnxruntime": "runner.frameworks.onnxruntime.adapter",
    "tensorflow": "runner.frameworks.tensorflow.adapter",
    "tflite": "runner.frameworks.tflite.adapter",
    "mxnet": "runner.frameworks.mxnet.adapter",
    "caffe2": "runner.frameworks.caffe2.adapter",
}


def adapter(name: str) -> Adapter:
    module = importlib.import_module(_MODULES[name])
    return module.ADAPTER()


def builder(name: str):
    """The module that builds artifacts (and, for PyTorch, weights and references) for ``name``."""
    return importlib.import_module(_MODULES[name])
