"""PyTorch's build jobs: the canonical weights, the reference outputs, and the TorchScript and ONNX artifacts.

torch (and onnx, for the ONNX export) is imported inside functions only. Weights are the canonical seeded
``.npz`` every framework loads (:mod:`runner.models.weights`; keys: the ``state_dict`` names of
:mod:`runner.frameworks.pytorch.defs`; seeding rules in :mod:`runner.frameworks.pytorch.weights`).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from runner.frameworks import onnx_export
from runner.frameworks.base import FP32, META_FILE, PrecisionRequest, build_with
from runner.models.spec import get as get_spec


def make_weights(model: str, path: Path, seed: int) -> None:
    """Write the canonical seeded weights of ``model`` to ``path`` (.npz, float32; int64 counters)."""
    from runner.frameworks.pytorch.weights import seeded_state
    from runner.models.weights import write_npz

    write_npz(Path(path), seeded_state(model, seed))


def describe(model: str) -> Dict[str, Any]:
    """``{"params": trainable parameters, "flops_per_item": 2 x multiply-accumulates for one item}``."""
    from runner.frameworks.pytorch.weights import count

    return count(model)


def make_reference(model: str, weights: Path, batch_size: int, out: Path) -> None:
    """Eager float32 CPU output (one thread) on the seeded inputs, saved with ``np.save``."""
    import torch

    from runner.frameworks.pytorch.weights import example, load_model

    torch.set_num_threads(1)
    net = load_model(model, Path(weights))
    with torch.inference_mode():
        y = net(*example(model, batch_size))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        np.save(f, y.numpy().astype(np.float32))


def _torchscript(model: str, net: Any, out_dir: Path, trace: bool = False, extra: Optional[Dict[str, Any]] = None
                 ) -> Dict[str, Any]:
    """Script the model (trace if scripting fails, or if ``trace``); record the method, the eager-vs-saved
    difference and ``extra`` (e.g. the quantized engine the adapter sets) inside the archive."""
    import torch

    from runner.frameworks.pytorch.weights import example

    inputs = example(model, 1)
    try:
        if trace:
            raise TypeError("traced, not scripted, at this precision")
        saved, method, note = torch.jit.script(net), "script", ""
    except Exception as exc:  # noqa: BLE001 - scripting limits vary by version; tracing is the fallback
        saved, method, note = torch.jit.trace(net, inputs), "trace", "" if trace else f"script failed: {exc}"[:300]
    with torch.inference_mode():
        diff = float((saved(*inputs) - net(*inputs)).abs().max())
    meta = dict(extra or {}, method=method, file="model.pt", script_error=note, check_max_abs_diff=diff)
    torch.jit.save(saved, str(out_dir / "model.pt"), _extra_files={META_FILE: json.dumps(meta)})
    return meta


def _static_fx(model: str, net: Any, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    from runner.frameworks.pytorch import quantize

    quantized, extra = quantize.static_fx(model, net, precision.calibration_samples)
    return _torchscript(model, quantized, out_dir, trace=True, extra=extra)


def _dynamic(model: str, net: Any, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    from runner.frameworks.pytorch import quantize

    quantized, extra = quantize.dynamic(net)
    return _torchscript(model, quantized, out_dir, extra=extra)


def _fp16(model: str, net: Any, out_dir: Path, precision: PrecisionRequest) -> Dict[str, Any]:
    from runner.frameworks.pytorch import quantize

    half, extra = quantize.half(model, net)
    return _torchscript(model, half, out_dir, trace=True, extra=extra)


def _onnx(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
    """Legacy (TorchScript-based) ONNX export, dynamic batch axis, then the shared finish (IR version, check)."""
    import torch

    from runner.frameworks.pytorch.weights import example

    names = [s.name for s in get_spec(model).inputs]
    path = out_dir / onnx_export.FILE
    axes = {n: {0: "batch"} for n in names + [onnx_export.OUTPUT]}
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    torch.onnx.export(net, example(model, 2), str(path), input_names=names, output_names=[onnx_export.OUTPUT],
                      opset_version=_opset(torch), dynamic_axes=axes, do_constant_folding=True, **legacy)
    meta = onnx_export.finish(onnx_export.load(path), names, out_dir)
    return dict(meta, method="torch.onnx.export", exporter="torchscript (dynamo=False)")


def _opset(torch: Any) -> int:
    """The opset asked of the exporter: ``onnx_export.OPSET``, or the newest an older torch writes (1.12: 16)."""
    from torch.onnx import _constants as constants

    newest = getattr(constants, "ONNX_MAX_OPSET", None) or getattr(constants, "onnx_main_opset", None)
    return min(onnx_export.OPSET, int(newest)) if newest else onnx_export.OPSET


QUANTIZERS = {("torchscript", "static-fx"): _static_fx, ("torchscript", "dynamic"): _dynamic,
              ("torchscript", "fp16"): _fp16}


def build_artifact(model: str, target: str, weights: Path, out_dir: Path, precision: PrecisionRequest = FP32
                   ) -> Dict[str, Any]:
    """Build the ``torchscript`` (model.pt) or ``onnx`` (model.onnx) artifact of ``model`` in ``out_dir``; the
    TorchScript one also at another ``precision`` (:mod:`runner.frameworks.pytorch.quantize`)."""
    import torch

    from runner.frameworks.pytorch.weights import load_model

    return build_with("PyTorch", {"torchscript": _torchscript, "onnx": _onnx}, target, out_dir,
                      lambda: load_model(model, Path(weights)), model, {"torch_version": torch.__version__},
                      meta_file=False,  # model.pt carries its metadata (an extra file in the archive)
                      precision=precision, quantizers=QUANTIZERS)


def describe_file(path: Path, fmt: str) -> Dict[str, Any]:
    """A TorchScript (``torchscript``) or ``torch.export`` (``pt2``) file's :class:`Signature` (as a dict):
    TorchScript says only its inputs' names and types (no shapes, no dtypes); an ExportedProgram says each
    user input's shape (dynamic dimensions symbolic) and dtype."""
    from runner.frameworks.pytorch.files import describe

    return describe(path, fmt).to_dict()


def convert_file(model_file: Any, target: str, from_dir: Path, out_dir: Path) -> Dict[str, Any]:
    """A ``pt2`` model file as ONNX (``model.onnx`` in ``out_dir``): ``torch.onnx.export`` of the
    ExportedProgram (the dynamo exporter), dynamic dimensions kept, then the shared finish."""
    from runner.frameworks.pytorch.files import to_onnx

    return to_onnx(model_file, target, from_dir, out_dir)
