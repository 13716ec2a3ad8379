"""TensorFlow's adapter: runs the SavedModel's ``serve`` function (built by :mod:`.build`) on the CPU or a GPU.

TensorFlow is imported in ``import_framework`` only. The timed call is ``serve`` on tensors ``prepare`` placed
on the cell's device; on a GPU the output stays there and ``sync()`` waits for every device. A SavedModel
model file (``--model-file``) runs through its serving signature, called with its inputs by name
(:mod:`.files`); its first output by name is the one checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from runner.frameworks.base import Adapter, Unsupported, read_meta
from runner.frameworks.timed import Threads, TimedCall, on_device, on_host, reported
from runner.models.spec import get as get_spec

CALL = "serve(*tensors) under tf.device"
FILE_CALL = "signature(**tensors) under tf.device"


class TensorFlowAdapter(Adapter):
    """Runs the SavedModel's ``serve`` function (a compiled ``tf.function``) on the CPU or a GPU."""

    name = "tensorflow"

    def __init__(self) -> None:
        self._tf: Any = None
        self._loaded: Any = None
        self._fn: Any = None
        self._device = "/CPU:0"
        self._specs: List[Any] = []
        self._threads_error = ""
        self._meta: Dict[str, Any] = {}
        self._file = False

    def configure(self, cell: Any) -> None:
        self._file = cell.model_file is not None

    def import_framework(self) -> None:
        import tensorflow

        self._tf = tensorflow

    def version(self) -> str:
        return str(self._tf.__version__)

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        tf = self._tf
        self._threads_error = _set_threads(tf, int(cell.threads))  # before the runtime initialises
        self._device = _device(tf, cell.provider)
        self._specs = list(get_spec(cell.model).inputs)
        self._meta = read_meta(Path(artifact_dir))
        with tf.device(self._device):
            if self._file:
                from runner.frameworks.tensorflow import files

                self._loaded, self._fn = files.load(Path(artifact_dir) / files.FOLDER)
                return
            self._loaded = tf.saved_model.load(str(Path(artifact_dir) / "savedmodel"))  # owns the variables
        self._fn = self._loaded.serve

    def prepare(self, arrays: Dict[str, Any]) -> Any:
        """Tensors on the device; images transposed from NCHW to NHWC here, outside the timed calls."""
        out = []
        with self._tf.device(self._device):
            for s in self._specs:
                a = arrays[s.name]
                a = np.ascontiguousarray(a.transpose(0, 2, 3, 1) if s.kind == "image" else a)
                out.append(self._tf.constant(a))
        return dict(zip((s.name for s in self._specs), out)) if self._file else out

    def infer(self, batch: Any) -> Any:
        with self._tf.device(self._device):
            return self._fn(**batch) if self._file else self._fn(*batch)

    def sync(self) -> None:
        if self._device != "/CPU:0":
            self._tf.test.experimental.sync_devices()

    def to_numpy(self, output: Any) -> Any:
        return _first(output).numpy()

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        call = FILE_CALL if self._file else CALL
        if provider == "cpu":
            return on_host(call)
        return on_device(call, "tf.test.experimental.sync_devices()") if provider == "cuda" else None

    def threads(self) -> Threads:
        threading = self._tf.config.threading
        intra, why_intra = reported(threading.get_intra_op_parallelism_threads(), "tf.config.threading (intra)")
        inter, why_inter = reported(threading.get_inter_op_parallelism_threads(), "tf.config.threading (inter)")
        return Threads(intra, inter, "tf.config.threading.get_intra/inter_op_parallelism_threads()",
                       "; ".join(r for r in (why_intra, why_inter, self._threads_error) if r))

    def located(self, value: Any) -> Optional[str]:
        tensor = _first(value)
        return str(tensor.device) if hasattr(tensor, "device") else None

    def info(self) -> Dict[str, Any]:
        return {"threads_error": self._threads_error, "device": self._device,
                "input_layout": self._meta.get("input_layout", ""),
                "keras_version": self._meta.get("keras_version", "")}

    def close(self) -> None:
        self._fn = self._loaded = None


def _first(value: Any) -> Any:
    """The first tensor of a list (inputs), or of a signature's dict by name (outputs, inputs)."""
    if isinstance(value, dict):
        return value[sorted(value)[0]]
    return value[0] if isinstance(value, (tuple, list)) else value


def _set_threads(tf: Any, threads: int) -> str:
    """Intra-op ``threads`` (0: TensorFlow's default) and one inter-op thread; '' or why it failed."""
    try:
        if threads > 0:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError as exc:  # the runtime was already initialised
        return str(exc)
    return ""


def _device(tf: Any, provider: str) -> str:
    if provider == "cpu":
        return "/CPU:0"
    if provider != "cuda":
        raise Unsupported(f"TensorFlow has no {provider!r} execution provider (it runs on: cpu, cuda)")
    if not tf.config.list_physical_devices("GPU"):
        built = tf.sysconfig.get_build_info().get("cuda_version", "none")
        raise Unsupported(f"no GPU visible to TensorFlow {tf.__version__} (built with CUDA {built})")
    return "/GPU:0"


ADAPTER = TensorFlowAdapter
