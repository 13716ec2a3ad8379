"""ONNX Runtime: runs ``model.onnx`` exported by a source framework, on one execution provider.

onnxruntime is imported in ``import_framework`` only. The requested provider must be both in this build
and active in the session (ONNX Runtime otherwise falls back to the CPU silently): either failing, or the
runtime rejecting the graph, raises :class:`Unsupported` with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from runner.frameworks.base import Adapter, Unsupported

#: Our provider names → ONNX Runtime's, in priority order (the CPU provider is appended as a fallback).
PROVIDERS: Dict[str, List[str]] = {
    "cpu": ["CPUExecutionProvider"],
    "cuda": ["CUDAExecutionProvider"],
    "tensorrt": ["TensorrtExecutionProvider", "CUDAExecutionProvider"],
    "openvino": ["OpenVINOExecutionProvider"],
}
#: Packages that ship each provider, for the reason given when it is missing.
PACKAGES = {"cpu": "onnxruntime", "cuda": "onnxruntime-gpu", "tensorrt": "onnxruntime-gpu with TensorRT",
            "openvino": "onnxruntime-openvino"}
#: ONNX tensor element types → numpy dtypes (the ones models here use).
DTYPES = {"tensor(float)": "float32", "tensor(double)": "float64", "tensor(float16)": "float16",
          "tensor(int64)": "int64", "tensor(int32)": "int32", "tensor(int8)": "int8",
          "tensor(uint8)": "uint8", "tensor(bool)": "bool"}


class OnnxRuntimeAdapter(Adapter):
    """An ``InferenceSession`` with full graph optimisation and the requested execution provider."""

    name = "onnxruntime"

    def __init__(self) -> None:
        self._ort: Any = None
        self._session: Any = None
        self._threads = 0
        self._inputs: List[Any] = []

    def import_framework(self) -> None:
        import onnxruntime

        self._ort = onnxruntime

    def version(self) -> str:
        return str(self._ort.__version__)

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        wanted = self._providers(cell.provider)
        path = Path(artifact_dir) / "model.onnx"
        if not path.is_file():
            raise FileNotFoundError(f"no ONNX artifact at {path}")
        self._threads = int(cell.threads)
        self._session = self._create(path, wanted + ["CPUExecutionProvider"] * (cell.provider != "cpu"))
        active = self._session.get_providers()
        if wanted[0] not in active:
            raise Unsupported(f"{wanted[0]} is in this onnxruntime build but the session fell back to "
                              f"{', '.join(active)} (provider failed to initialise; see the log)")
        self._inputs = list(self._session.get_inputs())

    def _providers(self, provider: str) -> List[str]:
        """The ONNX Runtime providers for ``provider``; Unsupported when this build lacks them."""
        if provider not in PROVIDERS:
            known = ", ".join(PROVIDERS)
            raise Unsupported(f"ONNX Runtime has no {provider!r} provider here (known: {known})")
        available = self._ort.get_available_providers()
        missing = [p for p in PROVIDERS[provider] if p not in available]
        if missing:
            raise Unsupported(f"{missing[0]} is not in this onnxruntime {self._ort.__version__} build "
                              f"(available: {', '.join(available)}); install {PACKAGES[provider]}")
        return list(PROVIDERS[provider])

    def _create(self, path: Path, providers: List[str]) -> Any:
        ort = self._ort
        opts = ort.SessionOptions()
        if self._threads > 0:
            opts.intra_op_num_threads = self._threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            return ort.InferenceSession(str(path), sess_options=opts, providers=providers)
        except _rejections(ort) as exc:
            raise Unsupported(f"ONNX Runtime {ort.__version__} rejected the model: {exc}") from exc

    def prepare(self, arrays: Dict[str, Any]) -> Dict[str, Any]:
        """The feed: the session's input names → arrays of the dtypes the graph declares.

        Arrays are matched by name, or by position when the graph names its inputs differently
        (e.g. ``input:0`` from tf2onnx) and the counts agree.
        """
        names = [i.name for i in self._inputs]
        if not all(n in arrays for n in names):
            if len(arrays) != len(names):
                raise ValueError(f"the graph's inputs {names} do not match the arrays {list(arrays)}")
            arrays = dict(zip(names, arrays.values()))
        return {i.name: np.ascontiguousarray(arrays[i.name], dtype=DTYPES.get(i.type, None))
                for i in self._inputs}

    def infer(self, batch: Dict[str, Any]) -> Any:
        return self._session.run(None, batch)[0]

    def to_numpy(self, output: Any) -> Any:
        return np.asarray(output)

    def info(self) -> Dict[str, Any]:
        s = self._session
        opts = s.get_session_options()
        return {"providers_active": list(s.get_providers()),
                "threads_intra": int(opts.intra_op_num_threads),
                "threads_interop": int(opts.inter_op_num_threads),
                "initializers_as_inputs": len(s.get_overridable_initializers()),
                "graph_inputs": [i.name for i in self._inputs]}

    def close(self) -> None:
        self._session = None


def _rejections(ort: Any) -> tuple:
    """ONNX Runtime's exception classes for a model it cannot load (invalid graph, unsupported op...)."""
    errors = getattr(ort.capi, "onnxruntime_pybind11_state", None)
    names = ("InvalidGraph", "Fail", "InvalidProtobuf", "NotImplemented", "InvalidArgument")
    found = tuple(getattr(errors, n) for n in names if errors is not None and hasattr(errors, n))
    return found or (RuntimeError,)


ADAPTER = OnnxRuntimeAdapter
