"""ONNX Runtime's fp16 and int8 graphs, derived from a source's fp32 ONNX export (its build jobs call them).

Each is made in the ONNX Runtime environment from the fp32 ``model.onnx`` in ``from_dir`` (the record's
precisions are ``derived``), with ONNX Runtime's own tools:

- ``static-qdq`` (int8, CNNs): ``quantize_static`` in QDQ format, int8 weights per output channel, int8
  activations per tensor, MinMax calibration on ``runner.models.inputs.calibration_inputs`` (seeded, not the
  measured inputs), run through ONNX Runtime itself;
- ``dynamic`` (int8, transformers): ``quantize_dynamic``, int8 weights, activations quantized at run time;
- ``fp16``: ``onnxruntime.transformers.float16.convert_float_to_float16`` with float32 inputs and outputs
  (``keep_io_types``: the casts run inside the graph, inside the timed call), ops without a float16 kernel
  kept in float32 by its default block list.

onnxruntime and onnx are imported inside functions. A quantizer that fails raises :class:`Unsupported` with
its message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from runner.frameworks import onnx_export
from runner.frameworks.base import PrecisionRequest, Unsupported
from runner.models.inputs import CALIBRATION_SEED, calibration_inputs
from runner.models.spec import get as get_spec


def _reader(model: str, graph: Any, samples: int) -> Any:
    """A CalibrationDataReader over the seeded calibration inputs, fed by the graph's input names."""
    from onnxruntime.quantization import CalibrationDataReader

    names = [i.name for i in graph.graph.input if i.name not in {t.name for t in graph.graph.initializer}]

    class Seeded(CalibrationDataReader):
        def __init__(self) -> None:
            self.items: Iterator[Dict[str, Any]] = iter(
                dict(zip(names, item.values())) for item in calibration_inputs(get_spec(model), samples))

        def get_next(self) -> Optional[Dict[str, Any]]:
            return next(self.items, None)

    return Seeded()


def _finish(path: Path, written: int) -> Dict[str, Any]:
    """The ONNX metadata every artifact records, read back from the saved graph."""
    return onnx_export.describe(onnx_export.load(path), written)


def _static(model: str, source: Path, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    graph = onnx_export.load(source)
    out = out_dir / onnx_export.FILE
    _quantizing(lambda: quantize_static(
        graph, str(out), _reader(model, graph, precision.calibration_samples), quant_format=QuantFormat.QDQ,
        per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax), "quantize_static")
    return dict(_finish(out, int(graph.ir_version)), method="quantize_static", quant_format="QDQ",
                weights="int8 per channel", activations="int8 per tensor", calibrate_method="MinMax",
                calibration_seed=CALIBRATION_SEED)


def _dynamic(model: str, source: Path, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx_export.load(source)
    out = out_dir / onnx_export.FILE
    _quantizing(lambda: quantize_dynamic(graph, str(out), weight_type=QuantType.QInt8), "quantize_dynamic")
    return dict(_finish(out, int(graph.ir_version)), method="quantize_dynamic", weights="int8",
                activations="quantized at run time")


def _fp16(model: str, source: Path, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    graph = onnx_export.load(source)
    half = _quantizing(lambda: convert_float_to_float16(graph, keep_io_types=True), "convert_float_to_float16")
    onnx.save(half, str(out_dir / onnx_export.FILE))
    return dict(_finish(out_dir / onnx_export.FILE, int(graph.ir_version)), method="convert_float_to_float16",
                io_types="float32 (casts inside the graph)")


def _quantizing(call: Any, tool: str) -> Any:
    """Run an ONNX Runtime tool; its failure is an Unsupported with its message."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the tools raise many kinds; each means this graph is not supported
        raise Unsupported(f"ONNX Runtime's {tool} failed: {exc}") from exc


QUANTIZERS = {("onnx", "static-qdq"): _static, ("onnx", "dynamic"): _dynamic, ("onnx", "fp16"): _fp16}
