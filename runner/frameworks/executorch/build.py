"""ExecuTorch's build jobs: ``model.pte`` lowered from PyTorch's native definitions on the canonical weights.

``torch.export`` with a dynamic batch dimension (1 to :data:`MAX_BATCH`), then
``to_edge_transform_and_lower`` with the XNNPACK partitioner (what it cannot take stays on ExecuTorch's
portable kernels), then ``to_executorch``. Its precisions (its record): ``fp16`` is the model in half
precision (``.half()``: f16 weights, activations and float inputs); ``static-pt2e`` (int8) quantizes first, the
PT2E way: the XNNPACK quantizer (symmetric, per-channel weights, static activations), observers calibrated
on ``precision.calibration_samples`` seeded inputs from ``runner.models.inputs.calibration_inputs`` (not the
measured ones), ``convert_pt2e``.

The example batch is :data:`MAX_BATCH` itself: ExecuTorch plans its input and output buffers for the bound it
derives from the example (a smaller example gave a smaller bound than the one asked for). torch, torchao and
executorch are imported inside functions.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any, Dict, Tuple

from runner.frameworks.base import FP32, PrecisionRequest, build_with
from runner.models.inputs import CALIBRATION_SEED, calibration_inputs
from runner.models.spec import get as get_spec

FILE = "model.pte"
PTE = "pte"
#: The largest batch a program takes (the studies' largest batch size).
MAX_BATCH = 64


def _export(model: str, net: Any, half: bool = False) -> Any:
    import torch

    from runner.frameworks.pytorch.weights import example

    inputs = tuple(t.half() if half and t.is_floating_point() else t for t in example(model, MAX_BATCH))
    batch = torch.export.Dim("batch", min=1, max=MAX_BATCH)
    return torch.export.export(net, inputs, dynamic_shapes=tuple({0: batch} for _ in inputs))


def _quantize(model: str, net: Any, samples: int) -> Any:
    """The PT2E int8 module of ``net``, calibrated on ``samples`` seeded inputs."""
    import torch
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
    prepared = prepare_pt2e(_export(model, net).module(), quantizer)
    names = [s.name for s in get_spec(model).inputs]
    for item in calibration_inputs(get_spec(model), samples):
        prepared(*(torch.from_numpy(item[n]) for n in names))
    return convert_pt2e(prepared)


def _lower(model: str, net: Any, out_dir: Path, half: bool = False) -> Dict[str, Any]:
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    edge = to_edge_transform_and_lower(_export(model, net, half), partitioner=[XnnpackPartitioner()])
    delegated, other = _count(edge.exported_program().graph_module)
    (out_dir / FILE).write_bytes(edge.to_executorch().buffer)
    return {"file": FILE, "max_batch": MAX_BATCH, "delegate": "xnnpack", "delegate_calls": delegated,
            "undelegated_ops": other, "float_inputs": "float16" if half else "float32"}


def _count(graph_module: Any) -> Tuple[int, int]:
    """(calls into a delegate, other operator calls) in the lowered graph."""
    calls = [n for n in graph_module.graph.nodes if n.op == "call_function"]
    delegated = sum(1 for n in calls if "call_delegate" in str(n.target))
    bookkeeping = sum(1 for n in calls if "getitem" in str(n.target) or "sym_size" in str(n.target))
    return delegated, len(calls) - delegated - bookkeeping


def _fp16(model: str, net: Any, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    return _lower(model, net.half(), out_dir, half=True)


def _int8(model: str, net: Any, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    quantized = _quantize(model, net, precision.calibration_samples)
    return dict(_lower(model, quantized, out_dir), calibration_seed=CALIBRATION_SEED)


QUANTIZERS = {(PTE, "fp16"): _fp16, (PTE, "static-pt2e"): _int8}


def build_artifact(model: str, target: str, weights: Path, out_dir: Path, precision: PrecisionRequest = FP32
                   ) -> Dict[str, Any]:
    """Build the ``pte`` program of ``model`` at ``precision`` in ``out_dir``."""
    import torch

    from runner.frameworks.pytorch.weights import load_model

    versions = {"executorch_version": metadata.version("executorch"), "torch_version": torch.__version__,
                "torchao_version": metadata.version("torchao")}
    return build_with("ExecuTorch", {PTE: _lower}, target, out_dir, lambda: load_model(model, Path(weights)), model,
                      versions, precision=precision, quantizers=QUANTIZERS)
