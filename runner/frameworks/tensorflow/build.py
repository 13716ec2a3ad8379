"""TensorFlow's build jobs: SavedModel, .tflite and ONNX artifacts of the native Keras definitions.

Models are the Keras definitions of :mod:`runner.frameworks.tensorflow.defs` (NHWC images) with the canonical
weights. Artifacts:

- ``savedmodel``: a Keras ``ExportArchive`` (older Keras: a ``tf.Module`` saved with ``tf.saved_model.save``)
  with one endpoint ``serve`` (a ``tf.function`` with a fixed input signature, batch dimension ``None``),
  images NHWC;
- ``tflite``: ``TFLiteConverter.from_saved_model`` on that SavedModel, float32, no quantization, batch
  dimension dynamic (the LiteRT adapter resizes it); at other precisions (LiteRT's record) the converter's
  post-training quantization: ``full-integer`` (int8 weights and activations, every operator int8 or the
  conversion fails, calibrated on ``runner.models.inputs.calibration_inputs``; float32 inputs and outputs,
  so the quantize and dequantize steps run inside the timed call, as in every other runtime's int8 model),
  ``dynamic`` (int8 weights, activations quantized at run time: the dynamic-range quantization) and
  ``fp16-weights`` (float16 weights, computed in float32 where the kernels have no float16 path);
- ``onnx``: ``tf2onnx.convert.from_function`` at opset 17 on a function that takes NCHW images and
  transposes them to NHWC inside the graph (one extra Transpose), so every ONNX graph has the same
  interface; then the shared finish of :mod:`runner.frameworks.onnx_export` (names, IR version, check).

TensorFlow (and tf2onnx, onnx) are imported inside functions only. A converter failure raises
:class:`Unsupported` with the converter's message.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, List

from runner.frameworks import onnx_export
from runner.frameworks.base import FP32, PrecisionRequest, Unsupported, build_with
from runner.models.inputs import CALIBRATION_SEED, calibration_inputs
from runner.models.spec import get as get_spec


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

    call, signature = _call(net, model, False), _signature(tf, model, False)
    if hasattr(keras, "export"):  # Keras >= 2.13
        archive = keras.export.ExportArchive()
        archive.track(net)
        archive.add_endpoint("serve", call, input_signature=signature)
        archive.write_out(str(out_dir / "savedmodel"), verbose=False)
        method = "keras.export.ExportArchive"
    else:  # older Keras (2.9 in the greenai-2023 set): a tf.Module holding the model and the same endpoint
        module = tf.Module()
        module.net = net
        module.serve = tf.function(call, input_signature=signature)
        tf.saved_model.save(module, str(out_dir / "savedmodel"))
        method = "tf.saved_model.save"
    return {"file": "savedmodel", "endpoint": "serve", "input_layout": _layout(model, "NHWC"),
            "keras_version": keras.__version__, "method": method}


def _tflite(model: str, net: Any, out_dir: Path, precision: PrecisionRequest = FP32) -> Dict[str, Any]:
    import tensorflow as tf

    tmp = Path(tempfile.mkdtemp(prefix="savedmodel-", dir=out_dir))
    try:
        _savedmodel(model, net, tmp)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(tmp / "savedmodel"))
        details = _quantize(tf, converter, model, precision)
        try:
            flat = converter.convert()
        except Exception as exc:  # noqa: BLE001 - the converter's many error types all mean "unsupported"
            raise Unsupported(f"TFLiteConverter ({precision.quantization}) failed on {model}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    (out_dir / "model.tflite").write_bytes(flat)
    return dict(details, file="model.tflite", converter="TFLiteConverter.from_saved_model",
                input_layout=_layout(model, "NHWC"), bytes=len(flat))


def _quantize(tf: Any, converter: Any, model: str, precision: PrecisionRequest) -> Dict[str, Any]:
    """Set the converter's post-training quantization for ``precision``; what was set, for the metadata."""
    converter.optimizations = [] if precision.is_fp32 else [tf.lite.Optimize.DEFAULT]
    if precision.quantization == "fp16-weights":
        converter.target_spec.supported_types = [tf.float16]
    if precision.quantization != "full-integer":
        return {"io_types": "float32"}
    specs = get_spec(model).inputs

    def representative() -> Any:
        for item in calibration_inputs(get_spec(model), precision.calibration_samples):
            yield {s.name: item[s.name].transpose(0, 2, 3, 1) if s.kind == "image" else item[s.name] for s in specs}

    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return {"io_types": "float32 (quantize/dequantize inside the model)", "calibration_seed": CALIBRATION_SEED,
            "supported_ops": "TFLITE_BUILTINS_INT8"}


def _onnx(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
    import onnx
    import tensorflow as tf
    import tf2onnx

    sig = _signature(tf, model, True)
    fn = tf.function(_call(net, model, True), input_signature=sig)
    try:
        proto, _ = tf2onnx.convert.from_function(fn, input_signature=sig, opset=onnx_export.OPSET)
    except Exception as exc:  # noqa: BLE001 - tf2onnx raises plain exceptions of many kinds
        raise Unsupported(f"tf2onnx {tf2onnx.__version__} failed on {model}: {exc}") from exc
    try:
        meta = onnx_export.finish(proto, [s.name for s in get_spec(model).inputs], out_dir)
    except onnx.checker.ValidationError as exc:
        raise Unsupported(f"tf2onnx {tf2onnx.__version__} produced an invalid graph for {model}: {exc}") from exc
    return dict(meta, method="tf2onnx.convert.from_function", tf2onnx_version=tf2onnx.__version__,
                input_layout=_layout(model, "NCHW"), nchw_transpose_in_graph=_layout(model, "NCHW") == "NCHW")


def build_artifact(model: str, target: str, weights: Path, out_dir: Path, precision: PrecisionRequest = FP32
                   ) -> Dict[str, Any]:
    """Build the ``savedmodel``, ``tflite`` or ``onnx`` artifact of ``model`` in ``out_dir`` (``tflite``
    also at another ``precision``)."""
    import tensorflow as tf

    from runner.frameworks.tensorflow import defs as keras_defs

    builders = {"savedmodel": _savedmodel, "tflite": _tflite, "onnx": _onnx}
    quantizers = {("tflite", method): _tflite for method in ("full-integer", "dynamic", "fp16-weights")}
    return build_with("TensorFlow", builders, target, out_dir, lambda: keras_defs.build(model, Path(weights)),
                      model, {"tensorflow_version": tf.__version__}, precision=precision, quantizers=quantizers)


def describe_file(path: Path, fmt: str) -> Dict[str, Any]:
    """A SavedModel folder's :class:`Signature` (as a dict): its serving signature's inputs and outputs."""
    from runner.frameworks.tensorflow import files

    return files.describe(path).to_dict()


def convert_file(model_file: Any, target: str, from_dir: Path, out_dir: Path) -> Dict[str, Any]:
    """A SavedModel model file as LiteRT (``model.tflite``) or ONNX (``model.onnx``) in ``out_dir``."""
    import tensorflow as tf

    from runner.frameworks.tensorflow import files

    convert = {"tflite": files.to_tflite, "onnx": files.to_onnx}.get(target)
    if model_file.format != "savedmodel" or convert is None:
        raise Unsupported(f"TensorFlow converts SavedModels to LiteRT and ONNX, not {model_file.format} to {target}")
    return dict(convert(Path(from_dir) / files.FOLDER, Path(out_dir)), tensorflow_version=tf.__version__)
