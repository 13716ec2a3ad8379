"""Names used on the command line, in grid files and in the data: frameworks, providers, sources.

Pure data; importing this module imports no framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from runner.models.spec import MODELS

#: Execution providers; every framework declares the subset it knows.
PROVIDERS: Tuple[str, ...] = ("cpu", "cuda", "tensorrt", "openvino")


@dataclass(frozen=True)
class Framework:
    """A framework: where it runs, what it accepts, how its artifacts are built.

    ``env`` names the Python environment whose interpreter runs its workers (DESIGN §3).
    ``artifact`` is the format of its model files; ``builders`` maps a source to the environment
    (framework) that builds that artifact. Frameworks other than ONNX Runtime have one source, themselves.
    """

    name: str
    env: str
    package: str  # distribution whose version is the framework version
    providers: Tuple[str, ...]
    artifact: str
    builders: Dict[str, str]  # source -> framework whose environment builds the artifact
    studies: Tuple[str, ...] = ()
    description: str = ""
    option_keys: Tuple[str, ...] = ()  # adapter options that become grid dimensions for this framework

    @property
    def sources(self) -> Tuple[str, ...]:
        return tuple(self.builders)


FRAMEWORKS: Dict[str, Framework] = {
    f.name: f
    for f in (
        Framework("null", "main", "edgebench", ("cpu",), "none", {"null": "null"}, (),
                  "measures the harness itself; can inject faults",
                  ("fault", "fault_phase", "sleep_s")),
        Framework("pytorch", "pytorch", "torch", ("cpu", "cuda"), "torchscript", {"pytorch": "pytorch"},
                  ("pcamp", "greenai"), "PyTorch eager model scripted to TorchScript"),
        Framework("onnxruntime", "onnxruntime", "onnxruntime", ("cpu", "cuda", "tensorrt", "openvino"), "onnx",
                  {"pytorch": "pytorch", "tensorflow": "tensorflow", "mxnet": "mxnet"}, ("greenai",),
                  "ONNX Runtime on a graph exported from a source framework"),
        Framework("tensorflow", "tensorflow", "tensorflow", ("cpu", "cuda"), "savedmodel",
                  {"tensorflow": "tensorflow"}, ("pcamp", "greenai"), "Keras model, compiled tf.function"),
        Framework("tflite", "tflite", "ai-edge-litert", ("cpu",), "tflite", {"tensorflow": "tensorflow"},
                  ("pcamp",), "LiteRT interpreter on a model converted from the Keras definition"),
        Framework("mxnet", "mxnet", "mxnet", ("cpu", "cuda"), "mxnet-symbol", {"mxnet": "mxnet"},
                  ("pcamp", "greenai"), "Gluon model, hybridized and exported as symbol + params"),
        Framework("caffe2", "caffe2", "torch", ("cpu",), "caffe2-nets", {"caffe2": "caffe2"}, ("pcamp",),
                  "Caffe2 init/predict nets from torch 1.8.1 (Python 3.9)"),
    )
}

#: The framework whose eager outputs are the reference for ``output_max_abs_diff``.
REFERENCE_FRAMEWORK = "pytorch"


def source_of(framework: str, source: Optional[str]) -> str:
    """The source a cell records: the given one for ONNX Runtime, the framework itself otherwise."""
    fw = FRAMEWORKS[framework]
    if len(fw.builders) == 1:
        return next(iter(fw.builders))
    return source or "pytorch"


MODEL_NAMES: Tuple[str, ...] = tuple(MODELS)
FRAMEWORK_NAMES: Tuple[str, ...] = tuple(FRAMEWORKS)
