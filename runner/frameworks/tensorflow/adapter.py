"""TensorFlow: the adapter (SavedModel artifacts) and the builders of SavedModel, .tflite and ONNX artifacts.

Models are the native Keras definitions of :mod:`runner.frameworks.tensorflow.defs` (NHWC images) with the canonical
weights. Artifacts:

- ``savedmodel``: a Keras ``ExportArchive`` with one endpoint ``serve`` (a ``tf.function`` with a fixed
  input signature, batch dimension ``None``), images NHWC;
- ``tflite``: ``TFLiteConverter.from_saved_model`` on that SavedModel, float32, no quantization, batch
  dimension dynamic (the LiteRT adapter resizes it);
- ``onnx``: ``tf2onnx.convert.from_function`` at opset 17 on a function that takes NCHW images and
  transposes them to NHWC inside the graph (one extra Transpose), so every ONNX graph has the same
  interface; inputs named as in the spec, output ``output``; IR version set for older runtimes.

TensorFlow (and tf2onnx, onnx) are imported inside functions only. A converter failure raises
:class:`Unsupported` with the converter's message.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from runner.frameworks.base import Adapter, Unsupported, build_with, read_meta
from runner.models.spec import get as get_spec

ONNX_OPSET = 17
ONNX_IR_VERSION = 8  # opset 17's IR version; ONNX Runtime >= 1.12 reads it


# -- building ---------------------------------------------------------------------------------------------


def _signature(tf: Any, model: str, nchw: bool) -> List[Any]:
    """``tf.TensorSpec`` per input, batch dimension ``None``; images NHWC unless ``nchw``."""
    specs = []
    for s in get_spec(model).inputs:
        shape = s.shape if (nchw or s.kind != "image") else (s.shape[1], s.shape[2], s.shape[0])
        specs.append(tf.TensorSpec((None,) + tuple(shape), getattr(tf, s.dtype), name=s.name))
    return specs


def _call(net: Any, model: str, nchw: bool) -> Any:
    """A Python function of the model's inputs (positional) calling the Keras model in inference mode."""
    import tensorflow as tf

    specs = get_spec(model).inputs

    def call(*xs: Any) -> Any:
        if nchw:
            xs = tuple(tf.transpose(x, (0, 2, 3, 1)) if s.kind == "image" else x for x, s in zip(xs, specs))
        return net(list(xs) if len(specs) > 1 else xs[0], training=False)

    return call


def _layout(model: str, image_layout: str) -> str:
    """The input layout recorded in the metadata: ``image_layout`` for images, else (N, L) token ids."""
    return image_layout if get_spec(model).inputs[0].kind == "image" else "NL"


def _savedmodel(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(net)
    archive.add_endpoint("serve", _call(net, model, False), input_signature=_signature(tf, model, False))
    archive.write_out(str(out_dir / "savedmodel"), verbose=False)
    return {"file": "savedmodel", "endpoint": "serve", "input_layout": _layout(model, "NHWC"),
            "keras_version": keras.__version__}


def _tflite(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
    import tensorflow as tf

    tmp = Path(tempfile.mkdtemp(prefix="savedmodel-", dir=out_dir))
    try:
        _savedmodel(model, net, tmp)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(tmp / "savedmodel"))
        converter.optimizations = []
        try:
            flat = converter.convert()
        except Exception as exc:  # noqa: BLE001 - the converter's many error types all mean "unsupported"
            raise Unsupported(f"TFLiteConverter failed on {model}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    (out_dir / "model.tflite").write_bytes(flat)
    return {"file": "model.tflite", "converter": "TFLiteConverter.from_saved_model", "quantization": "none",
            "input_layout": _layout(model, "NHWC"), "bytes": len(flat)}


def _onnx(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
    import onnx
    import tensorflow as tf
    import tf2onnx

    sig = _signature(tf, model, True)
    fn = tf.function(_call(net, model, True), input_signature=sig)
    try:
        proto, _ = tf2onnx.convert.from_function(fn, input_signature=sig, opset=ONNX_OPSET)
    except Exception as exc:  # noqa: BLE001 - tf2onnx raises plain exceptions of many kinds
        raise Unsupported(f"tf2onnx {tf2onnx.__version__} failed on {model}: {exc}") from exc
    written_ir = proto.ir_version
    _rename_io(proto, [s.name for s in get_spec(model).inputs], ["output"])
    proto.ir_version = ONNX_IR_VERSION
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as exc:
        raise Unsupported(f"tf2onnx {tf2onnx.__version__} produced an invalid graph for {model}: {exc}") from exc
    onnx.save(proto, str(out_dir / "model.onnx"))
    return {"file": "model.onnx", "method": "tf2onnx.convert.from_function",
            "tf2onnx_version": tf2onnx.__version__,
            "opset": ONNX_OPSET, "ir_version": ONNX_IR_VERSION, "ir_version_written": written_ir,
            "onnx_version": onnx.__version__, "input_layout": _layout(model, "NCHW"),
            "nchw_transpose_in_graph": _layout(model, "NCHW") == "NCHW"}


def _rename_io(proto: Any, inputs: List[str], outputs: List[str]) -> None:
    """Rename the graph's inputs and outputs (positionally) everywhere they are referenced."""
    g = proto.graph
    real_inputs = [i for i in g.input if i.name not in {t.name for t in g.initializer}]
    mapping = {old.name: new for old, new in zip(real_inputs, inputs)}
    mapping.update({old.name: new for old, new in zip(g.output, outputs)})
    for value in list(real_inputs) + list(g.output):
        value.name = mapping.get(value.name, value.name)
    for node in g.node:
        for seq in (node.input, node.output):
            for i, name in enumerate(seq):
                seq[i] = mapping.get(name, name)


def build_artifact(model: str, target: str, weights: Path, out_dir: Path) -> Dict[str, Any]:
    """Build the ``savedmodel``, ``tflite`` or ``onnx`` artifact of ``model`` in ``out_dir``."""
    import tensorflow as tf

    from runner.frameworks.tensorflow import defs as keras_defs

    builders = {"savedmodel": _savedmodel, "tflite": _tflite, "onnx": _onnx}
    return build_with("TensorFlow", builders, target, out_dir, lambda: keras_defs.build(model, Path(weights)),
                      model, {"tensorflow_version": tf.__version__})


# -- the adapter ------------------------------------------------------------------------------------------


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
        return out

    def infer(self, batch: Any) -> Any:
        with self._tf.device(self._device):
            return self._fn(*batch)

    def sync(self) -> None:
        if self._device != "/CPU:0":
            self._tf.test.experimental.sync_devices()

    def to_numpy(self, output: Any) -> Any:
        return output.numpy()

    def info(self) -> Dict[str, Any]:
        threading = self._tf.config.threading
        return {"threads_intra": threading.get_intra_op_parallelism_threads(),
                "threads_interop": threading.get_inter_op_parallelism_threads(),
                "threads_error": self._threads_error, "device": self._device,
                "input_layout": self._meta.get("input_layout", ""),
                "keras_version": self._meta.get("keras_version", "")}

    def close(self) -> None:
        self._fn = self._loaded = None


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
