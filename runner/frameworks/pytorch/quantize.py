"""PyTorch's reduced precisions on the CPU (imported only from the PyTorch build jobs; imports torch).

- ``static-fx`` (int8, CNNs): FX graph mode post-training static quantization with the default qconfig
  mapping of the quantized engine (``x86``: fbgemm/oneDNN kernels where this torch has it, else ``fbgemm``,
  else ``qnnpack``),
  observers calibrated on ``runner.models.inputs.calibration_inputs``, ``convert_fx``. The result runs
  PyTorch's own int8 kernels (``quantized::conv2d`` ...) and takes float32 inputs (the quantize step is inside
  the model). It is traced, not scripted: FX's generated code does not script.
- ``dynamic`` (int8, transformers): ``quantize_dynamic`` of every ``nn.Linear`` (int8 weights, activations
  quantized at run time), the path PyTorch documents for BERT.
- ``fp16``: the whole model in float16 (``.half()``: weights and activations), behind float32 inputs and
  outputs (the casts are inside the model, in the timed call, as in the other runtimes' fp16 models).

The quantized engine is recorded in the metadata; the adapter sets it before running. A torch that lacks a
path (an older release: FX's ``QConfigMapping`` came with 1.13, float16 convolutions on the CPU with 2.x) raises
:class:`~runner.frameworks.base.Unsupported` saying so.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import torch
from torch import nn

from runner.frameworks.base import Unsupported
from runner.models.inputs import CALIBRATION_SEED, calibration_inputs
from runner.models.spec import get as get_spec


class HalfPrecision(nn.Module):
    """``net`` in float16 behind float32 inputs and outputs (integer inputs pass unchanged)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net.half()

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return self.net(*(x.half() if x.is_floating_point() else x for x in xs)).float()


def engine() -> str:
    """The quantized engine int8 models are made for here (empty when this torch has none)."""
    engines = torch.backends.quantized.supported_engines
    return next((e for e in ("x86", "fbgemm", "qnnpack") if e in engines), "")


def _engine_or_fail() -> str:
    name = engine()
    if not name:
        raise Unsupported(f"torch {torch.__version__} has no quantized engine for int8 here "
                          f"(it has: {', '.join(torch.backends.quantized.supported_engines)})")
    torch.backends.quantized.engine = name
    return name


def static_fx(model: str, net: nn.Module, samples: int) -> Tuple[nn.Module, Dict[str, Any]]:
    """The FX static int8 model of ``net``, calibrated on ``samples`` seeded inputs, and its metadata."""
    try:
        from torch.ao.quantization import get_default_qconfig_mapping
    except ImportError as exc:
        raise Unsupported(f"torch {torch.__version__} has no FX QConfigMapping (FX static quantization as "
                          "edgebench runs it needs torch 1.13 or newer)") from exc
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    from runner.frameworks.pytorch.weights import example

    name = _engine_or_fail()
    prepared = prepare_fx(net, get_default_qconfig_mapping(name), example(model, 1))
    names = [s.name for s in get_spec(model).inputs]
    with torch.no_grad():
        for item in calibration_inputs(get_spec(model), samples):
            prepared(*(torch.from_numpy(item[n]) for n in names))
    return convert_fx(prepared), {"quantized_engine": name, "qconfig_mapping": f"default ({name})",
                                  "calibration_seed": CALIBRATION_SEED, "io_types": "float32"}


def dynamic(net: nn.Module) -> Tuple[nn.Module, Dict[str, Any]]:
    """``net`` with every ``nn.Linear`` dynamically quantized to int8, and its metadata."""
    from torch.ao.quantization import quantize_dynamic

    name = _engine_or_fail()
    return quantize_dynamic(net, {nn.Linear}, dtype=torch.qint8), {"quantized_engine": name,
                                                                   "quantized_modules": "Linear"}


def half(model: str, net: nn.Module) -> Tuple[nn.Module, Dict[str, Any]]:
    """``net`` in float16 behind float32 inputs and outputs, and its metadata; Unsupported where this torch has
    no float16 CPU kernel for one of its operators."""
    from runner.frameworks.pytorch.weights import example

    wrapped = HalfPrecision(net).eval()
    try:
        with torch.no_grad():
            wrapped(*example(model, 1))
    except RuntimeError as exc:
        if "not implemented for 'Half'" not in str(exc):
            raise
        raise Unsupported(f"torch {torch.__version__} has no float16 CPU kernel for {model}: {exc}") from exc
    return wrapped, {"io_types": "float32 (casts inside the model)", "dtype": "float16"}
