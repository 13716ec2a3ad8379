"""OpenVINO's build jobs: describing an IR model file (``--model-file model.xml``, its ``model.bin`` beside it),
and IRs (``model.xml`` + ``model.bin``) saved from the ONNX graph a source exported, or from a model file.

``describe_file`` reads the IR with ``Core.read_model`` (so an IR OpenVINO cannot read fails here, before any
cell) and reports its inputs and outputs: each port's first name, its shape (None for a dynamic dimension) and
its element type.

Its fp16 and int8 precisions are ``derived`` (its record): the cache passes the source's fp32 ``onnx``
artifact as ``from_dir`` and this module saves, in the OpenVINO environment,

- ``fp16``: the graph with f16 weights (``save_model(compress_to_fp16=True)``); the adapter asks the device
  for f16 inference;
- ``static-nncf`` (int8): NNCF post-training quantization (``nncf.quantize`` with its defaults: int8 weights
  per channel, activations per tensor, calibrated on ``precision.calibration_samples`` seeded inputs from
  ``runner.models.inputs.calibration_inputs``, which are not the measured ones; transformer graphs with
  ``ModelType.TRANSFORMER``).

fp32 cells read the exported ONNX (or the IR model file) directly: nothing to build. A model file's fp16 and
int8 are derived the same way from its copy (``model.xml`` or ``model.onnx``). openvino and nncf are imported
inside functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

from runner.frameworks.base import PrecisionRequest, Unsupported, build_with
from runner.frameworks.openvino.adapter import DTYPES, GRAPHS
from runner.frameworks.openvino.record import IR
from runner.models.files import Signature, TensorInfo
from runner.models.inputs import CALIBRATION_SEED, calibration_inputs
from runner.models.spec import get as get_spec

FILE = "model.xml"


def describe_file(path: Path, fmt: str) -> Dict[str, Any]:
    """The IR's :class:`Signature` (as a dict); its weights are read from the ``.bin`` beside it."""
    import openvino

    version = str(openvino.get_version()).split("-")[0]
    try:
        model = openvino.Core().read_model(str(path))
    except Exception as exc:  # noqa: BLE001 - every read failure means: not an IR OpenVINO reads
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        raise Unsupported(f"not an OpenVINO IR OpenVINO {version} can read: {(lines or [''])[-1][:300]}") from exc
    inputs = tuple(_tensor(p, f"input{i}") for i, p in enumerate(model.inputs))
    outputs = tuple(_tensor(p, f"output{i}") for i, p in enumerate(model.outputs))
    return Signature(inputs, outputs).to_dict()


def _tensor(port: Any, fallback: str) -> TensorInfo:
    """A port as a TensorInfo: its name (``fallback`` for an unnamed one), shape and element type."""
    shape = port.get_partial_shape()
    dims = None if shape.rank.is_dynamic else tuple(d.get_length() if d.is_static else None for d in shape)
    kind = port.get_element_type().get_type_name()
    return TensorInfo(port.get_any_name() if port.get_names() else fallback, dims, DTYPES.get(kind, f"OpenVINO {kind}"))


def _save(model: Any, out_dir: Path, fp16: bool) -> None:
    import openvino

    openvino.save_model(model, str(out_dir / FILE), compress_to_fp16=fp16)


def _fp16(model: str, ov_model: Any, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    _save(ov_model, out_dir, fp16=True)
    return {"file": FILE, "weights": "f16"}


def _int8(model: str, ov_model: Any, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    import nncf

    spec = get_spec(model)
    items = calibration_inputs(spec, precision.calibration_samples)
    extra = {"model_type": nncf.ModelType.TRANSFORMER} if spec.family == "transformer" else {}
    try:
        quantized = nncf.quantize(ov_model, nncf.Dataset(items), subset_size=len(items), **extra)
    except Exception as exc:  # noqa: BLE001 - NNCF raises many kinds; each means this graph is not supported
        raise Unsupported(f"NNCF {nncf.__version__} could not quantize the graph: {exc}") from exc
    _save(quantized, out_dir, fp16=False)
    return {"file": FILE, "weights": "i8", "calibration_seed": CALIBRATION_SEED, "nncf_version": nncf.__version__,
            "nncf_model_type": "transformer" if extra else "default"}


QUANTIZERS = {(IR, "fp16"): _fp16, (IR, "static-nncf"): _int8}


def build_artifact(model: str, target: str, weights: Path, out_dir: Path, precision: Optional[PrecisionRequest] = None,
                   from_dir: Optional[Path] = None) -> Dict[str, Any]:
    """Build ``target`` at ``precision`` from the IR or ONNX graph in ``from_dir`` (``weights`` is unused)."""
    import openvino

    graph = next((Path(from_dir) / g for g in GRAPHS if (Path(from_dir) / g).is_file()), None) if from_dir else None
    if graph is None:
        raise Unsupported(f"OpenVINO builds its {target!r} models from a {' or '.join(GRAPHS)}, none in {from_dir}")
    meta = build_with("OpenVINO", {}, target, out_dir, lambda: openvino.Core().read_model(str(graph)), model,
                      {"openvino_version": str(openvino.get_version()).split("-")[0]},
                      precision=precision or PrecisionRequest(), quantizers=QUANTIZERS)
    return dict(meta, derived_from=Path(from_dir).name)
