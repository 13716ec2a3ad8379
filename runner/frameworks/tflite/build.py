"""LiteRT's build jobs: describing a ``.tflite`` model file (``--model-file``).

``describe_file`` opens the file in an interpreter (so a file LiteRT cannot read fails here, before any cell)
and reports its inputs in tensor order, named by the serving signature where the file has one, with the
dynamic dimensions of their shape signatures; its outputs in the signature's order. The interpreter is
imported inside the function.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Tuple

from runner.frameworks.base import Unsupported
from runner.frameworks.tflite.adapter import import_interpreter, signature_names
from runner.models.files import Signature, TensorInfo


def describe_file(path: Path, fmt: str) -> Dict[str, Any]:
    """The ``.tflite`` file's :class:`Signature` (as a dict)."""
    import numpy as np

    module, dist = import_interpreter()
    try:
        interp = module.Interpreter(model_path=str(path))
    except (ValueError, RuntimeError) as exc:
        raise Unsupported(f"not a .tflite model {dist} can read: {exc}") from exc
    ins, outs = signature_names(interp)
    inputs = tuple(TensorInfo(ins.get(int(d["index"]), d["name"]), _shape(d), np.dtype(d["dtype"]).name)
                   for d in interp.get_input_details())
    by_index = {int(d["index"]): d for d in interp.get_output_details()}
    order = list(outs) or list(by_index)
    outputs = tuple(TensorInfo(outs.get(i, by_index[i]["name"]), _shape(by_index[i]),
                               np.dtype(by_index[i]["dtype"]).name) for i in order)
    return Signature(inputs, outputs).to_dict()


def _shape(detail: Dict[str, Any]) -> Tuple:
    """The shape signature: -1 for a dynamic dimension (None here)."""
    shape = detail.get("shape_signature")
    shape = detail["shape"] if shape is None or len(shape) != len(detail["shape"]) else shape
    return tuple(int(v) if v >= 0 else None for v in shape)
