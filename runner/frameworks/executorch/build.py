"""ExecuTorch's build jobs: ``model.pte`` lowered from PyTorch's native definitions on the canonical weights, and
its model files (:mod:`runner.frameworks.executorch.files`: describing a ``.pte``, lowering a ``.pt2``).

A program is made for one batch size (its record is ``per_batch``): ``torch.export`` at that batch with static
shapes, then ``to_edge_transform_and_lower`` with the XNNPACK partitioner (what it cannot take stays on
ExecuTorch's portable kernels), then ``to_executorch``. ExecuTorch plans its buffers, and XNNPACK its
workspace, for the shapes a program is exported with, the upper bound of a dynamic dimension included (a
MobileNetV2 program whose batch went up to 64 held about 400 MiB more at batch 1 than one made for batch 1),
so a program made for the batch that runs is what a deployment ships and what a cell measures.

Its precisions (its record): ``fp16`` is the model in half precision (``.half()``: f16 weights, activations
and float inputs); ``static-pt2e`` (int8) quantizes first, the PT2E way: the XNNPACK quantizer (symmetric,
per-channel weights, static activations) on an export with a dynamic batch dimension, observers calibrated
on ``precision.calibration_samples`` seeded single inputs from ``runner.models.inputs.calibration_inputs``
(not the measured ones), ``convert_pt2e``; the quantized module is then exported at the program's batch.
torch, torchao and executorch are imported inside functions.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

from runner.frameworks.base import FP32, PrecisionRequest, build_with
from runner.models.inputs import CALIBRATION_SEED, calibration_inputs
from runner.models.spec import get as get_spec

FILE = "model.pte"
PTE = "pte"
#: The example batch of the export the int8 observers calibrate on (its batch dimension is dynamic).
CALIBRATION_EXPORT_BATCH = 2


def _export(model: str, net: Any, batch: int, half: bool = False, dynamic: bool = False) -> Any:
    """``torch.export`` of ``net`` on an example batch of ``batch`` items (f16 float inputs if ``half``); static
    shapes unless ``dynamic`` (then the batch dimension is, from 1 up)."""
    import torch

    from runner.frameworks.pytorch.weights import example

    inputs = tuple(t.half() if half and t.is_floating_point() else t for t in example(model, batch))
    shapes = tuple({0: torch.export.Dim("batch", min=1)} for _ in inputs) if dynamic else None
    return torch.export.export(net, inputs, dynamic_shapes=shapes)


def _quantize(model: str, net: Any, samples: int) -> Any:
    """The PT2E int8 module of ``net``, calibrated on ``samples`` seeded inputs."""
    import torch
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
    prepared = prepare_pt2e(_export(model, net, CALIBRATION_EXPORT_BATCH, dynamic=True).module(), quantizer)
    names = [s.name for s in get_spec(model).inputs]
    for item in calibration_inputs(get_spec(model), samples):
        prepared(*(torch.from_numpy(item[n]) for n in names))
    return convert_pt2e(prepared)


def _lower(model: str, net: Any, out_dir: Path, batch: int, half: bool = False) -> Dict[str, Any]:
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    edge = to_edge_transform_and_lower(_export(model, net, batch, half), partitioner=[XnnpackPartitioner()])
    delegated, other = _count(edge.exported_program().graph_module)
    program = edge.to_executorch()
    (out_dir / FILE).write_bytes(program.buffer)
    planned = sum(program.executorch_program.execution_plan[0].non_const_buffer_sizes)
    return {"file": FILE, "batch_size": batch, "shapes": "static", "delegate": "xnnpack",
            "delegate_calls": delegated, "undelegated_ops": other, "planned_buffer_bytes": int(planned),
            "float_inputs": "float16" if half else "float32"}


def _count(graph_module: Any) -> Tuple[int, int]:
    """(calls into a delegate, other operator calls) in the lowered graph."""
    calls = [n for n in graph_module.graph.nodes if n.op == "call_function"]
    delegated = sum(1 for n in calls if "call_delegate" in str(n.target))
    bookkeeping = sum(1 for n in calls if "getitem" in str(n.target) or "sym_size" in str(n.target))
    return delegated, len(calls) - delegated - bookkeeping


def builders(batch: int) -> Tuple[Dict[str, Callable[..., Dict[str, Any]]], Dict[Tuple[str, str], Callable]]:
    """The fp32 builder and the quantizers of a program made for ``batch`` items."""

    def fp32(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
        return _lower(model, net, out_dir, batch)

    def fp16(model: str, net: Any, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
        return _lower(model, net.half(), out_dir, batch, half=True)

    def int8(model: str, net: Any, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
        quantized = _quantize(model, net, precision.calibration_samples)
        return dict(_lower(model, quantized, out_dir, batch), calibration_seed=CALIBRATION_SEED)

    return {PTE: fp32}, {(PTE, "fp16"): fp16, (PTE, "static-pt2e"): int8}


def build_artifact(model: str, target: str, weights: Path, out_dir: Path, precision: PrecisionRequest = FP32,
                   batch_size: int = 1) -> Dict[str, Any]:
    """Build the ``pte`` program of ``model`` for ``batch_size`` items at ``precision`` in ``out_dir``."""
    from runner.frameworks.pytorch.weights import load_model

    fp32, quantizers = builders(int(batch_size))
    return build_with("ExecuTorch", fp32, target, out_dir, lambda: load_model(model, Path(weights)), model,
                      versions(), precision=precision, quantizers=quantizers)


def versions() -> Dict[str, str]:
    """The versions a program records: ExecuTorch's, and the torch and torchao that exported and quantized it."""
    import torch

    return {"executorch_version": metadata.version("executorch"), "torch_version": torch.__version__,
            "torchao_version": metadata.version("torchao")}


def describe_file(path: Path, fmt: str) -> Dict[str, Any]:
    """A ``.pte`` file's :class:`Signature` (as a dict), from its forward method's meta (static shapes)."""
    from runner.frameworks.executorch.files import describe

    return describe(path).to_dict()


def convert_file(model_file: Any, target: str, from_dir: Path, out_dir: Path, batch_size: Optional[int] = None
                 ) -> Dict[str, Any]:
    """A ``pt2`` model file lowered to a ``.pte`` for ``batch_size`` items (the file's own where it fixes it)."""
    from runner.frameworks.executorch.files import to_pte

    return to_pte(model_file, target, from_dir, out_dir, batch_size)
