"""ONNX Runtime: runs ``model.onnx`` exported by a source framework, on one execution provider.

onnxruntime is imported in ``import_framework`` only. The requested provider must be both in this build
and active in the session (ONNX Runtime otherwise falls back to the CPU silently): either failing, or the
runtime rejecting the graph, raises :class:`Unsupported` with the reason.

The timed call (option ``iobinding``): with IO binding, ``prepare`` makes an ``OrtValue`` of each input on
the provider's device and binds it, and binds every output to that device; the call is
``run_with_iobinding``, and its output an ``OrtValue`` left on the device (``sync()``:
``synchronize_outputs``). ``auto`` binds on the GPU providers (cuda, tensorrt), as every other framework
gets device-resident inputs there, and runs ``session.run`` with host arrays on the host providers (cpu,
openvino); ``on`` binds on any provider (host ``OrtValue``s on the CPU); ``off`` is ``session.run`` everywhere,
whose call on a GPU includes the copies of the inputs to the device and of the outputs back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from runner.frameworks.base import Adapter, Unsupported
from runner.frameworks.onnxruntime.record import EXECUTION_PROVIDERS as PROVIDERS
from runner.frameworks.onnxruntime.record import RECORD
from runner.frameworks.timed import HOST, Threads, TimedCall, on_device, on_host, reported

#: Providers whose session runs on a GPU, and the OrtValue device their inputs and outputs are bound to.
GPU_PROVIDERS = {"cuda": "cuda", "tensorrt": "cuda"}
RUN = "session.run(None, feed)[0]"
BOUND = "session.run_with_iobinding(binding); binding.get_outputs()[0]"
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
        self._settings = RECORD.settings(())
        self._binding: Any = None
        self._bound: List[Any] = []  # the input OrtValues: the binding refers to them
        self._device = ""  # the OrtValue device of a bound call ("cpu", "cuda"); "" for session.run

    def configure(self, cell: Any) -> None:
        self._settings = RECORD.settings(cell.options)

    def binds(self, provider: str) -> bool:
        """Whether the cell's call runs with IO binding (option ``iobinding``; ``auto``: on the GPU providers)."""
        mode = self._settings["iobinding"]
        return mode == "on" or (mode == "auto" and provider in GPU_PROVIDERS)

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
        self._device = GPU_PROVIDERS.get(cell.provider, "cpu") if self.binds(cell.provider) else ""

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
        feed = {i.name: np.ascontiguousarray(arrays[i.name], dtype=DTYPES.get(i.type, None)) for i in self._inputs}
        return self._bind(feed) if self._device else feed

    def _bind(self, feed: Dict[str, Any]) -> Any:
        """An IO binding: each input an OrtValue on the device (copied there now, untimed), each output
        bound to the device (ORT allocates it there in every call)."""
        ort, binding = self._ort, self._session.io_binding()
        self._bound = [ort.OrtValue.ortvalue_from_numpy(array, self._device, 0) for array in feed.values()]
        for name, value in zip(feed, self._bound):
            binding.bind_ortvalue_input(name, value)
        for out in self._session.get_outputs():
            binding.bind_output(out.name, self._device, 0)
        self._binding = binding
        return binding

    def infer(self, batch: Any) -> Any:
        if self._device:
            self._session.run_with_iobinding(batch)
            return batch.get_outputs()[0]
        return self._session.run(None, batch)[0]

    def sync(self) -> None:
        if self._device and self._device != "cpu":
            self._binding.synchronize_outputs()

    def to_numpy(self, output: Any) -> Any:
        return output.numpy() if hasattr(output, "device_name") else np.asarray(output)

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        gpu = provider in GPU_PROVIDERS
        if self.binds(provider):
            return on_device(BOUND, "run_with_iobinding ends with the provider's stream sync (ORT's default); "
                                    "sync(): binding.synchronize_outputs()") if gpu else on_host(BOUND)
        if gpu:
            return TimedCall(RUN, HOST, HOST, "session.run returns once the outputs are on the host",
                             ("inputs host to device", "outputs device to host"))
        return on_host(RUN)

    def threads(self) -> Threads:
        opts = self._session.get_session_options()
        intra, why_intra = reported(opts.intra_op_num_threads, "SessionOptions.intra_op_num_threads")
        inter, why_inter = reported(opts.inter_op_num_threads, "SessionOptions.inter_op_num_threads")
        return Threads(intra, inter, "the session's SessionOptions.intra_op_num_threads, inter_op_num_threads",
                       "; ".join(r for r in (why_intra, why_inter) if r))

    def located(self, value: Any) -> Optional[str]:
        if value is self._binding and self._bound:
            value = self._bound[0]
        if hasattr(value, "device_name"):
            return str(value.device_name())
        return "cpu" if isinstance(value, (np.ndarray, dict)) else None

    def info(self) -> Dict[str, Any]:
        s = self._session
        return {"providers_active": list(s.get_providers()), "iobinding": bool(self._device),
                "initializers_as_inputs": len(s.get_overridable_initializers()),
                "graph_inputs": [i.name for i in self._inputs]}

    def close(self) -> None:
        self._binding = self._session = None
        self._bound = []


def _rejections(ort: Any) -> tuple:
    """ONNX Runtime's exception classes for a model it cannot load (invalid graph, unsupported op...)."""
    errors = getattr(ort.capi, "onnxruntime_pybind11_state", None)
    names = ("InvalidGraph", "Fail", "InvalidProtobuf", "NotImplemented", "InvalidArgument")
    found = tuple(getattr(errors, n) for n in names if errors is not None and hasattr(errors, n))
    return found or (RuntimeError,)


ADAPTER = OnnxRuntimeAdapter
