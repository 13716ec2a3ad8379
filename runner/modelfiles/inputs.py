"""A model file's inputs made concrete: shapes, dtypes and seeded value ranges (pure; no framework).

From the file's :class:`~runner.models.files.Signature` and the user's ``--input-shape name=1x3x224x224`` and
``--input-range name=0:30522`` (grid keys ``input_shapes``, ``input_ranges``):

- the first dimension of every input is its batch dimension: ``--batch-sizes`` sets it, so the first value of
  an ``--input-shape`` only stands for it; a file that fixes it (e.g. to 1) runs only that batch size;
- every other dimension must be known: from the file, else from ``--input-shape``, which must agree with the
  file where both give one (a shape given for files that leave the input open is not held against another
  file that fixes an input of the same name: that file keeps its own);
- float inputs get seeded standard-normal values; integer inputs seeded integers in a range: ``--input-range``
  (``low:high``, high excluded), else the rows of the embedding table the input indexes where the graph shows
  one (token ids), else the full range of 8-bit types (quantized tensors), else ``0:2`` (a safe small range:
  any index, flag or segment id); inputs named like a mask get ones; booleans are drawn from ``0:2``. A
  TorchScript file says neither shapes nor dtypes: every shape comes from ``--input-shape``, and its inputs
  are float32 unless an ``--input-range`` makes them int64.

Anything else (a dtype without values edgebench can draw, such as strings; a dynamic dimension without an
``--input-shape``) is a :class:`~runner.errors.UsageError`: one line and a hint, before any cell runs.
"""

from __future__ import annotations

import re
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from runner.errors import UsageError
from runner.models.files import Signature, TensorInfo
from runner.models.spec import InputSpec

FLOATS = ("float16", "float32", "float64")
INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
#: The full range of the 8-bit types, drawn when an 8-bit input has no --input-range (quantized tensors).
BYTE_RANGES = {"uint8": (0, 256), "int8": (-128, 128)}
SMALL_RANGE = (0, 2)
_SHAPE = re.compile(r"[1-9][0-9]*(x[1-9][0-9]*)*")
_RANGE = re.compile(r"(-?[0-9]+):(-?[0-9]+)")

Shapes = Mapping[str, Tuple[int, ...]]
Ranges = Mapping[str, Tuple[int, int]]


def parse_shape(name: str, text: str) -> Tuple[int, ...]:
    """``1x3x224x224`` as a tuple of positive integers (the first stands for the batch dimension)."""
    if not _SHAPE.fullmatch(str(text).strip()):
        raise UsageError(f"--input-shape {name}={text}: a shape is positive integers joined by 'x'",
                         f"e.g. --input-shape {name}=1x3x224x224 (the first value stands for the batch dimension)")
    return tuple(int(v) for v in str(text).strip().split("x"))


def parse_range(name: str, text: str) -> Tuple[int, int]:
    """``0:30522`` as ``(low, high)``, high excluded."""
    match = _RANGE.fullmatch(str(text).strip())
    if not match or int(match.group(1)) >= int(match.group(2)):
        raise UsageError(f"--input-range {name}={text}: a range is low:high with low < high (high excluded)",
                         f"e.g. --input-range {name}=0:30522 for token ids of a 30522-token vocabulary")
    return int(match.group(1)), int(match.group(2))


def concrete(sig: Signature, shapes: Shapes, ranges: Ranges, where: str, open_elsewhere: Sequence[str] = ()
             ) -> Tuple[Tuple[InputSpec, ...], Optional[int]]:
    """The file's inputs as :class:`InputSpec` (shapes without the batch dimension) and the batch size the
    file fixes (None: its batch dimension is dynamic). ``where`` names the file in messages;
    ``open_elsewhere``: inputs that another file leaves open (their given shape is for that file)."""
    if not sig.inputs:
        raise UsageError(f"{where} has no inputs edgebench could find", "pass a model that takes input tensors")
    specs, fixed = [], {}
    for info in sig.inputs:
        given = shapes.get(info.name)
        if given is not None and info.name in open_elsewhere and not is_open(info):
            given = None
        shape = _shape(info, given, where)
        if shape[0] is not None:
            fixed[info.name] = shape[0]
        specs.append(_spec(info, tuple(int(v) for v in shape[1:]), ranges.get(info.name), where))
    if len(set(fixed.values())) > 1:
        raise UsageError(f"{where}: the inputs' first dimensions differ ({fixed}); edgebench takes the first "
                         "dimension of every input as the batch dimension", "export the model with one batch "
                         "dimension first in every input")
    return tuple(specs), next(iter(fixed.values()), None)


def is_open(info: TensorInfo) -> bool:
    """Whether the file leaves a dimension of the input other than the batch open (or its rank unknown)."""
    return info.shape is None or any(v is None for v in info.shape[1:])


def _shape(info: TensorInfo, given: Optional[Tuple[int, ...]], where: str) -> Tuple[Optional[int], ...]:
    """The input's shape, its batch dimension first (None where dynamic), every other dimension known."""
    hint = f"give its shape with --input-shape {info.name}=1x..., the first value standing for the batch"
    if info.shape is None and given is None:
        raise UsageError(f"{where} does not say the shape of input '{info.name}'", hint)
    if info.shape is not None and len(info.shape) == 0:
        raise UsageError(f"{where}: input '{info.name}' is a scalar; edgebench needs a batch dimension first",
                         "export the model with a batch dimension in every input")
    if given is not None and info.shape is not None and len(given) != len(info.shape):
        raise UsageError(f"--input-shape {info.name} has {len(given)} dimensions; {where} declares "
                         f"{len(info.shape)} ({_text(info.shape)})", hint)
    if given is None:
        assert info.shape is not None
        if any(v is None for v in info.shape[1:]):
            raise UsageError(f"{where}: input '{info.name}' has dynamic dimensions ({_text(info.shape)})", hint)
        return info.shape
    declared = info.shape or (None,) * len(given)
    for i, (mine, theirs) in enumerate(zip(declared[1:], given[1:]), 1):
        if mine is not None and mine != theirs:
            raise UsageError(f"--input-shape {info.name}={_text(given)} disagrees with {where} in dimension "
                             f"{i} ({_text(info.shape or ())})", "give the dimensions the file fixes as they are")
    return (declared[0],) + tuple(given[1:])


def _spec(info: TensorInfo, shape: Tuple[int, ...], given: Optional[Tuple[int, int]], where: str) -> InputSpec:
    dtype = info.dtype or ("int64" if given else "float32")
    if dtype in FLOATS:
        if given:
            raise UsageError(f"--input-range {info.name}: the input is {dtype}; a range is for integer inputs",
                             "float inputs get seeded standard-normal values")
        return InputSpec(info.name, shape, dtype, "tensor")
    if dtype == "bool":
        return InputSpec(info.name, shape, dtype, "ids", low=0, high=2)
    if dtype not in INTS:
        raise UsageError(f"{where}: input '{info.name}' is {dtype}, which edgebench cannot synthesise",
                         f"inputs must be {', '.join(FLOATS + INTS)} or bool")
    if given is None and "mask" in info.name.lower():
        return InputSpec(info.name, shape, dtype, "mask")
    limits = np.iinfo(dtype)
    if given and (given[0] < limits.min or given[1] - 1 > limits.max):
        raise UsageError(f"--input-range {info.name}={given[0]}:{given[1]} does not fit the input's {dtype} "
                         f"({limits.min} to {limits.max})", "give a range of values the input can hold")
    low, high = given or ((0, info.vocab) if info.vocab > 1 else BYTE_RANGES.get(dtype, SMALL_RANGE))
    return InputSpec(info.name, shape, dtype, "ids", low=low, high=high)


def _text(shape: Sequence[Optional[int]]) -> str:
    return "x".join("?" if v is None else str(v) for v in shape)


def unknown_names(given: Sequence[str], signatures: Sequence[Signature]) -> Dict[str, Tuple[str, ...]]:
    """Names in ``given`` that no file has as an input -> every file input name (for the hint)."""
    known = tuple(dict.fromkeys(i.name for s in signatures for i in s.inputs))
    return {name: known for name in given if name not in known}
