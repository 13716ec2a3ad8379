"""OpenVINO's build jobs: IRs (``model.xml`` + ``model.bin``) saved from the ONNX graph a source exported.

Its fp16 and int8 precisions are ``derived`` (its record): the cache passes the source's fp32 ``onnx``
artifact as ``from_dir`` and this module saves, in the OpenVINO environment,

- ``fp16``: the graph with f16 weights (``save_model(compress_to_fp16=True)``); the adapter asks the device
  for f16 inference;
- ``static-nncf`` (int8): NNCF post-training quantization (``nncf.quantize`` with its defaults: int8 weights
  per channel, activations per tensor, calibrated on ``precision.calibration_samples`` seeded inputs from
  ``runner.models.inputs.calibration_inputs``, which are not the measured ones; transformer graphs with
  ``ModelType.TRANSFORMER``).

fp32 cells read the exported ONNX directly (nothing to build). openvino and nncf are imported inside functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

from runner.frameworks.base import PrecisionRequest, Unsupported, build_with
from runner.frameworks.openvino.record import IR
from runner.models.inputs import CALIBRATION_SEED, calibration_inputs
from runner.models.spec import get as get_spec

FILE = "model.xml"


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
    """Build ``target`` at ``precision`` from the ONNX graph in ``from_dir`` (``weights`` is unused)."""
    import openvino

    graph = Path(from_dir or ".") / "model.onnx"
    if from_dir is None or not graph.is_file():
        raise Unsupported(f"OpenVINO builds its {target!r} models from an exported model.onnx, none in {from_dir}")
    meta = build_with("OpenVINO", {}, target, out_dir, lambda: openvino.Core().read_model(str(graph)), model,
                      {"openvino_version": str(openvino.get_version()).split("-")[0]},
                      precision=precision or PrecisionRequest(), quantizers=QUANTIZERS)
    return dict(meta, derived_from=Path(from_dir).name)
