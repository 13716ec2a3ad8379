"""OpenVINO: compiles ``model.onnx`` (a source framework's export, or an ONNX model file) or ``model.xml`` (an IR
saved from it, or an IR model file) for one device and runs it with one infer request.

openvino is imported in ``import_framework`` only. ``load`` reads the model, fixes its batch dimension to the
cell's (a static shape, as a deployment would), and compiles it with ``PERFORMANCE_HINT=LATENCY``,
``INFERENCE_NUM_THREADS`` = the cell's threads (0: the plugin's choice) and, unless the option
``inference_precision=plugin``, ``INFERENCE_PRECISION_HINT`` = the cell's precision: the CPU plugin's own
default is bf16 on CPUs with AMX or AVX512-BF16 and f16 on ARM, which would make an fp32 cell something
else. ``info()`` records what the compiled model reports (precision, execution devices, threads, streams).
A device OpenVINO does not find, or a precision the device cannot run, raises :class:`Unsupported`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from runner.frameworks.base import Adapter, Unsupported
from runner.frameworks.openvino.record import RECORD
from runner.frameworks.timed import Threads, TimedCall, on_host, reported
from runner.models.spec import get as get_spec

#: Our provider names -> OpenVINO device names, and what a missing one needs.
DEVICES = {"cpu": "CPU", "gpu": "GPU", "npu": "NPU"}
NEEDS = {"GPU": "an Intel GPU and its OpenCL runtime (intel-opencl-icd)",
         "NPU": "an Intel NPU and its driver (intel-npu-driver)"}
#: The timed call: one synchronous infer on the request, host arrays in, the output copied out.
CALL = "request.infer(inputs)[0]"
#: The INFERENCE_PRECISION_HINT asked for each precision (int8: the precision of what is not quantized).
HINTS = {"fp32": "f32", "fp16": "f16", "int8": "f32"}
#: The graphs a folder may hold, in the order they are read: an IR (saved by its build, or a model file), ONNX.
GRAPHS = ("model.xml", "model.onnx")
#: OpenVINO element types -> numpy dtypes.
DTYPES = {"f32": "float32", "f16": "float16", "i64": "int64", "i32": "int32", "u8": "uint8", "i8": "int8",
          "boolean": "bool"}


class OpenVINOAdapter(Adapter):
    """A compiled model and one infer request on one device."""

    name = "openvino"

    def __init__(self) -> None:
        self._ov: Any = None
        self._compiled: Any = None
        self._request: Any = None
        self._settings: Dict[str, str] = {}
        self._precision = "fp32"
        self._device = "CPU"
        self._file = ""
        self._inputs: List[Any] = []

    def configure(self, cell: Any) -> None:
        self._settings = RECORD.settings(cell.options)
        self._precision = cell.precision

    def import_framework(self) -> None:
        import openvino

        self._ov = openvino

    def version(self) -> str:
        return str(self._ov.get_version()).split("-")[0]

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        core = self._ov.Core()
        self._device = _device(core, cell.provider, self.version())
        path = _model_file(Path(artifact_dir))
        self._file = path.name
        model = core.read_model(str(path))
        specs = get_spec(cell.model).inputs
        if len(model.inputs) != len(specs):
            raise ValueError(f"the model has {len(model.inputs)} inputs, the spec {len(specs)}")
        model.reshape({port: [cell.batch_size, *s.shape] for port, s in zip(model.inputs, specs)})
        try:
            self._compiled = core.compile_model(model, self._device, self._config(core, int(cell.threads)))
        except RuntimeError as exc:
            raise Unsupported(f"OpenVINO {self.version()} cannot compile the model for {self._device}: "
                              f"{str(exc).strip().splitlines()[0][:300]}") from exc
        self._check_precision()
        self._inputs = list(self._compiled.inputs)
        self._request = self._compiled.create_infer_request()

    def _config(self, core: Any, threads: int) -> Dict[str, Any]:
        config: Dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY"}
        supported = core.get_property(self._device, "SUPPORTED_PROPERTIES")
        if threads > 0 and "INFERENCE_NUM_THREADS" in supported:
            config["INFERENCE_NUM_THREADS"] = threads
        if self._settings["inference_precision"] == "match" and "INFERENCE_PRECISION_HINT" in supported:
            config["INFERENCE_PRECISION_HINT"] = HINTS[self._precision]
        return config

    def _check_precision(self) -> None:
        """An f16 cell the device compiled in another precision is not an f16 measurement."""
        wanted = HINTS[self._precision]
        got = self._runtime_precision()
        if self._settings["inference_precision"] == "match" and wanted == "f16" and got not in ("f16", ""):
            raise Unsupported(f"OpenVINO's {self._device} plugin compiled the f16 model as {got} (f16 inference "
                              "needs AVX512-FP16 or AMX-FP16 on x86, or an ARM CPU with FP16 arithmetic)")

    def _runtime_precision(self) -> str:
        value = _get(self._compiled, "INFERENCE_PRECISION_HINT", "")
        return value.get_type_name() if hasattr(value, "get_type_name") else str(value)

    def prepare(self, arrays: Dict[str, Any]) -> Dict[int, np.ndarray]:
        """Input port index -> contiguous array of the dtype the port declares (spec order = port order)."""
        values = list(arrays.values())
        return {i: np.ascontiguousarray(values[i], dtype=DTYPES.get(p.get_element_type().get_type_name()))
                for i, p in enumerate(self._inputs)}

    def infer(self, batch: Dict[int, np.ndarray]) -> Any:
        return self._request.infer(batch)[0]

    def to_numpy(self, output: Any) -> Any:
        return np.array(output, dtype=np.float32)

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        if provider == "cpu":
            return on_host(CALL)
        return TimedCall(CALL, "host", "host", "infer() returns when the device is done",
                         ("inputs host to device", "output device to host"))

    def threads(self) -> Threads:
        """INFERENCE_NUM_THREADS as compiled (the plugin's pool); one stream runs the request."""
        intra, why = reported(_get(self._compiled, "INFERENCE_NUM_THREADS", 0), "INFERENCE_NUM_THREADS")
        return Threads(intra, None, "compiled_model.get_property('INFERENCE_NUM_THREADS')",
                       "; ".join(r for r in (why, "no inter-op pool: one stream (PERFORMANCE_HINT=LATENCY)") if r))

    def info(self) -> Dict[str, Any]:
        c = self._compiled
        return {"device": self._device, "providers_active": [str(d) for d in _get(c, "EXECUTION_DEVICES", [])],
                "runtime_precision": self._runtime_precision(),
                "num_streams": int(_get(c, "NUM_STREAMS", 0)), "performance_hint": str(_get(c, "PERFORMANCE_HINT", "")),
                "model_file": self._file, "inference_precision": self._settings["inference_precision"]}

    def close(self) -> None:
        self._request = self._compiled = None


def _device(core: Any, provider: str, version: str) -> str:
    """The OpenVINO device for ``provider``, when this host has it."""
    if provider not in DEVICES:
        raise Unsupported(f"OpenVINO has no {provider!r} device (it knows: {', '.join(DEVICES)})")
    device = DEVICES[provider]
    available = list(core.available_devices)
    if not any(d.split(".")[0] == device for d in available):
        raise Unsupported(f"OpenVINO {version} finds no {device} device here (available: {', '.join(available)}); "
                          f"it needs {NEEDS[device]}")
    return device


def _model_file(folder: Path) -> Path:
    for name in GRAPHS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"no {' or '.join(GRAPHS)} in {folder}")


def _get(compiled: Any, key: str, default: Any) -> Any:
    try:
        return compiled.get_property(key)
    except RuntimeError:
        return default


ADAPTER = OpenVINOAdapter
