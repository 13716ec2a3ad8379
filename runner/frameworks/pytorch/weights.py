"""Seeded canonical weights, weight loading and FLOP counting for the PyTorch definitions.

Imported only from the PyTorch build jobs (it imports torch inside functions; numpy at the top); the file
format is :mod:`runner.models.weights`.
Each tensor of the canonical weights has its own generator, seeded from (seed, crc32(key)), so the file
does not depend on iteration order. Rules (``kind`` is the module owning the tensor):

- ``Conv2d`` / ``Linear`` weights: He normal, std sqrt(2 / fan_in) (BERT: 0.02); biases 0.01 * normal
- ``BatchNorm2d``: weight 1 + 0.1 * normal, bias and running_mean 0.1 * normal, running_var U(0.5, 1.5)
- ``LayerNorm``: weight 1 + 0.1 * normal, bias 0.1 * normal; ``Embedding``: 0.02 * normal
- ``bn3`` of each ResNet bottleneck: weight 0.2 * (1 + 0.1 * normal) (see :data:`RESIDUAL_GAIN`)
- ``num_batches_tracked``: 0 (int64)

Tensors are float32 in the layouts of :mod:`runner.frameworks.pytorch.defs` (OIHW convs, (out, in) linears).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np

from runner.models.inputs import make_inputs
from runner.models.spec import get as get_spec

#: BatchNorm running statistics are seeded, not measured, so BN does not renormalise: the last BN of each
#: ResNet bottleneck branch gets gamma ~ RESIDUAL_GAIN (not ~1) to keep 16 residual sums from growing the
#: activations ~2x per block (logits ~1e4 otherwise).
RESIDUAL_BN = "ResidualBatchNorm2d"
RESIDUAL_GAIN = 0.2


def skeleton(model: str) -> Any:
    """The model's modules with unallocated (meta) tensors where torch supports it, else allocated."""
    import torch

    from runner.frameworks.pytorch.defs import build

    try:
        with torch.device("meta"):
            return build(model)
    except (AttributeError, TypeError):  # torch < 2.0: no device context manager
        return build(model)


def load_model(model: str, weights: Path) -> Any:
    """The model in eval mode on the CPU with the canonical weights (strict: every key must match)."""
    import torch

    net = skeleton(model)
    with np.load(weights) as npz:
        state = {k: torch.from_numpy(np.array(npz[k])) for k in npz.files}
    if any(p.is_meta for p in net.parameters()):
        net.load_state_dict(state, strict=True, assign=True)
    else:
        net.load_state_dict(state, strict=True)
    return net.eval()


def example(model: str, batch_size: int, device: str = "cpu") -> Tuple[Any, ...]:
    """The seeded inputs as torch tensors, in the spec's input order."""
    import torch

    arrays = make_inputs(get_spec(model), batch_size)
    return tuple(torch.from_numpy(arrays[s.name]).to(device) for s in get_spec(model).inputs)


def _init_tensor(kind: str, key: str, shape: Tuple[int, ...], seed: int, transformer: bool) -> np.ndarray:
    """One tensor of the canonical weights; ``kind`` is the owning module's rule (see :func:`_kinds`)."""
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    leaf = key.rsplit(".", 1)[-1]

    def normal(std: float, mean: float = 0.0) -> np.ndarray:
        return (mean + std * rng.standard_normal(shape)).astype(np.float32)

    if leaf == "num_batches_tracked":
        return np.zeros(shape, dtype=np.int64)
    if kind in ("BatchNorm2d", "LayerNorm", RESIDUAL_BN):
        if leaf == "running_var":
            return rng.uniform(0.5, 1.5, shape).astype(np.float32)
        if leaf == "weight":
            gain = RESIDUAL_GAIN if kind == RESIDUAL_BN else 1.0
            return normal(0.1 * gain, gain)
        return normal(0.1)
    if kind == "Embedding":
        return normal(0.02)
    if kind in ("Conv2d", "Linear") and leaf == "weight":
        fan_in = int(np.prod(shape[1:]))
        return normal(0.02 if transformer else float(np.sqrt(2.0 / fan_in)))
    if kind in ("Conv2d", "Linear") and leaf == "bias":
        return normal(0.01)
    raise ValueError(f"no initialisation rule for {key} (module {kind})")


def _kinds(net: Any) -> Dict[str, str]:
    """``{module name: rule}``: the class name, or :data:`RESIDUAL_BN` for the BN ending a ResNet branch."""
    kinds = {prefix: type(m).__name__ for prefix, m in net.named_modules()}
    for prefix, kind in list(kinds.items()):
        if kind == "Bottleneck":
            kinds[f"{prefix}.bn3"] = RESIDUAL_BN
    return kinds


def seeded_state(model: str, seed: int) -> Dict[str, np.ndarray]:
    """``{state_dict key: array}`` for the canonical weights of ``model``."""
    net = skeleton(model)
    transformer = get_spec(model).family == "transformer"
    kinds = _kinds(net)
    state: Dict[str, np.ndarray] = {}
    for prefix, module in net.named_modules():
        tensors = list(module.named_parameters(recurse=False)) + list(module.named_buffers(recurse=False))
        for name, t in tensors:
            key = f"{prefix}.{name}" if prefix else name
            state[key] = _init_tensor(kinds[prefix], key, tuple(t.shape), seed, transformer)
    missing = set(net.state_dict()) ^ set(state)
    if missing:
        raise ValueError(f"state_dict keys without weights: {sorted(missing)[:5]}")
    return state


def _macs_hook(counter: List[int], kind: str):
    def hook(module: Any, inputs: Tuple[Any, ...], output: Any) -> None:
        items = inputs[0].shape[0]
        if kind == "Conv2d":
            per_out = module.in_channels // module.groups * int(np.prod(module.kernel_size))
            counter[0] += output.numel() * per_out // items
        elif kind == "Linear":
            counter[0] += output.numel() * module.in_features // items
        else:  # attention: q·kᵀ and probs·v, each L x L x hidden per item
            _, length, hidden = inputs[0].shape
            counter[0] += 2 * length * length * hidden
    return hook


def count(model: str) -> Dict[str, Any]:
    """Exact trainable parameter count and FLOPs (2 x multiply-accumulates of Conv2d, Linear and attention
    matmuls) for one item, from a forward pass on unallocated (meta) tensors where torch supports them."""
    import torch

    net = skeleton(model)
    device = next(net.parameters()).device
    counter = [0]
    for module in net.modules():
        kind = type(module).__name__
        if kind in ("Conv2d", "Linear", "BertSelfAttention"):
            module.register_forward_hook(_macs_hook(counter, kind))
    with torch.no_grad():
        net(*[x.to(device) for x in example(model, 1)])
    params = sum(p.numel() for p in net.parameters() if p.requires_grad)
    return {"params": int(params), "flops_per_item": float(2 * counter[0])}
