"""TensorFlow's model files (``--model-file``): SavedModel folders, and their conversions to LiteRT and ONNX.

A SavedModel runs through its serving signature (``serving_default``, else its only signature), called with
its inputs by name; it returns a dict, whose outputs are taken in the order of their names (``tf.nest``'s
order, which the converters keep), the first being the one checked against the reference.

- ``describe``: the signature's inputs (names, shapes with None for dynamic dimensions, dtypes) and outputs;
- ``load``: the signature function (the loaded object kept alive with it);
- ``to_tflite``: ``TFLiteConverter.from_saved_model`` on the folder, float32, no optimisations (dynamic
  dimensions stay dynamic; the LiteRT adapter resizes them);
- ``to_onnx``: ``tf2onnx.convert.from_function`` at opset 17 on a function calling the signature with every
  output in name order, then the shared finish (the signature's input names kept).

TensorFlow, tf2onnx and onnx are imported inside functions; a file or a conversion they reject raises
:class:`Unsupported` with their message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

from runner.frameworks import onnx_export
from runner.frameworks.base import Unsupported
from runner.models.files import Signature, TensorInfo

FOLDER = "savedmodel"


def load(folder: Path) -> Tuple[Any, Any]:
    """``(the loaded SavedModel, its serving signature)``."""
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(str(folder))
    except Exception as exc:  # noqa: BLE001 - TensorFlow raises many kinds for a folder it cannot read
        raise Unsupported(f"not a SavedModel TensorFlow {tf.__version__} can load: {_line(exc)}") from exc
    signatures = dict(getattr(loaded, "signatures", {}) or {})
    if not signatures:
        raise Unsupported("the SavedModel has no signature to call (save it with a serving signature, "
                          "e.g. tf.saved_model.save(module, path, signatures=...))")
    return loaded, signatures.get("serving_default") or next(iter(signatures.values()))


def describe(folder: Path) -> Signature:
    _, sig = load(folder)
    specs = sig.structured_input_signature[1]
    inputs = tuple(TensorInfo(name, _shape(spec), spec.dtype.name) for name, spec in specs.items())
    outputs = tuple(TensorInfo(name, _shape(spec), spec.dtype.name) for name, spec in
                    sorted(sig.structured_outputs.items()))
    return Signature(inputs, outputs)


def _shape(spec: Any) -> Any:
    return None if spec.shape.rank is None else tuple(spec.shape.as_list())


def to_tflite(folder: Path, out_dir: Path) -> Dict[str, Any]:
    import tensorflow as tf

    load(folder)  # the same checks and messages as describe
    converter = tf.lite.TFLiteConverter.from_saved_model(str(folder))
    converter.optimizations = []
    try:
        flat = converter.convert()
    except Exception as exc:  # noqa: BLE001 - the converter's many error types all mean "unsupported"
        raise Unsupported(f"TFLiteConverter failed on the SavedModel: {_line(exc)}") from exc
    (Path(out_dir) / "model.tflite").write_bytes(flat)
    return {"file": "model.tflite", "converter": "TFLiteConverter.from_saved_model", "quantization": "none",
            "bytes": len(flat)}


def to_onnx(folder: Path, out_dir: Path) -> Dict[str, Any]:
    import tensorflow as tf
    import tf2onnx

    _, sig = load(folder)
    specs = sig.structured_input_signature[1]
    names: List[str] = list(specs)
    keys = sorted(sig.structured_outputs)
    signature = [tf.TensorSpec(specs[n].shape, specs[n].dtype, name=n) for n in names]
    fn = tf.function(lambda *xs: tuple(sig(**dict(zip(names, xs)))[k] for k in keys), input_signature=signature)
    try:
        proto, _ = tf2onnx.convert.from_function(fn, input_signature=signature, opset=onnx_export.OPSET)
        meta = onnx_export.finish(proto, names, out_dir, outputs=keys)
    except Exception as exc:  # noqa: BLE001 - tf2onnx raises plain exceptions; the checker a ValidationError
        raise Unsupported(f"tf2onnx {tf2onnx.__version__} failed on the SavedModel: {_line(exc)}") from exc
    return dict(meta, method="tf2onnx.convert.from_function", tf2onnx_version=tf2onnx.__version__)


def _line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]
