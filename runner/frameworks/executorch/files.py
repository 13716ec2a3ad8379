"""ExecuTorch's model files (``--model-file``): ``.pte`` programs, and ``.pt2`` programs lowered to them.

- ``describe``: a program's inputs from its ``forward`` method's meta (``MethodMeta``): shapes and dtypes,
  all static (a ``.pte`` is planned for the shapes it was exported with, its batch dimension included). A
  program keeps no input names: they are ``input0``, ``input1``, ... in the method's order.
- ``to_pte``: a ``torch.export`` program (``.pt2``) lowered the way the built-in models are (its build.py:
  ``torch.export`` at one batch size with static shapes, ``to_edge_transform_and_lower`` with the XNNPACK
  partitioner, ``to_executorch``), from the program's module, for the file's own batch size where it fixes
  one, else for the cell's (one program per batch size, as for the built-in models).

A file ExecuTorch or torch cannot read raises :class:`Unsupported` with their message. executorch and torch
are imported inside functions.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any, Dict, Optional

from runner.frameworks.base import Unsupported
from runner.models.files import Signature, TensorInfo

#: ExecuTorch's ScalarType codes -> numpy dtypes (those edgebench can draw inputs of).
SCALAR_TYPES = {0: "uint8", 1: "int8", 2: "int16", 3: "int32", 4: "int64", 5: "float16", 6: "float32",
                7: "float64", 11: "bool"}
METHOD = "forward"


def describe(path: Path) -> Signature:
    from executorch.runtime import Runtime

    version = metadata.version("executorch")
    try:
        program = Runtime.get().load_program(Path(path))
        meta = program.metadata(METHOD)
    except Exception as exc:  # noqa: BLE001 - the runtime raises RuntimeError or ValueError for a bad program
        raise Unsupported(f"not an ExecuTorch program with a {METHOD} method ExecuTorch {version} can load: "
                          f"{_line(exc)}") from exc
    inputs = tuple(_tensor(meta, "input", i) for i in range(meta.num_inputs()))
    outputs = tuple(_tensor(meta, "output", i) for i in range(meta.num_outputs()))
    return Signature(inputs, outputs)


def _tensor(meta: Any, kind: str, index: int) -> TensorInfo:
    """The method's input or output ``index`` (a non-tensor value: a dtype no input can be drawn of)."""
    try:
        info = getattr(meta, f"{kind}_tensor_meta")(index)
    except Exception:  # noqa: BLE001 - a non-tensor value (an int, a list) has no tensor meta
        return TensorInfo(f"{kind}{index}", (), "a non-tensor value")
    code = int(info.dtype())
    return TensorInfo(f"{kind}{index}", tuple(int(v) for v in info.sizes()),
                      SCALAR_TYPES.get(code, f"ExecuTorch ScalarType {code}"))


def to_pte(model_file: Any, target: str, from_dir: Path, out_dir: Path, batch_size: Optional[int]) -> Dict[str, Any]:
    import torch

    from runner.frameworks.base import build_with
    from runner.frameworks.executorch.build import PTE, builders, versions

    if model_file.format != "pt2" or target != PTE:
        raise Unsupported(f"ExecuTorch lowers .pt2 files to .pte programs, not {model_file.format} to {target}")
    try:
        module = torch.export.load(str(Path(from_dir) / "model.pt2")).module()
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds for a file it cannot read
        raise Unsupported(f"not a torch.export (.pt2) program torch {torch.__version__} can load: "
                          f"{_line(exc)}") from exc
    batch = int(model_file.batch or batch_size or 1)
    fp32, _ = builders(batch)
    try:
        meta = build_with("ExecuTorch", fp32, target, out_dir, lambda: module, model_file.name, versions())
    except Unsupported:
        raise
    except Exception as exc:  # noqa: BLE001 - export and lowering failures mean this program is not supported
        raise Unsupported(f"lowering the .pt2 to XNNPACK failed: {_line(exc)}") from exc
    return dict(meta, method="to_edge_transform_and_lower", partitioner="XnnpackPartitioner")


def _line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]
