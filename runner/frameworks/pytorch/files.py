"""PyTorch's model files (``--model-file``): TorchScript archives and ``torch.export`` programs (``.pt2``).

- ``describe``: the file's inputs. TorchScript keeps its ``forward``'s argument names and types but no shapes
  or dtypes; an ExportedProgram keeps each user input's example shape (dynamic dimensions as symbols) and
  dtype.
- ``load``: the callable module (``torch.jit.load``; ``torch.export.load(...).module()``).
- ``to_onnx``: a ``.pt2`` as ONNX through ``torch.onnx.export`` (the dynamo exporter, which takes an
  ExportedProgram), its dynamic dimensions kept, finished by :mod:`runner.frameworks.onnx_export`.

A file torch cannot read raises :class:`Unsupported` with torch's message. torch is imported inside functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

from runner.frameworks import onnx_export
from runner.frameworks.base import Unsupported
from runner.models.files import Signature, TensorInfo

#: The opset asked of the dynamo exporter (its lowest; asking for an older one makes it convert down).
DYNAMO_OPSET = 18


def load(path: Path, fmt: str, device: str = "cpu") -> Any:
    """The file's callable module on ``device``."""
    import torch

    try:
        if fmt == "pt2":
            return _program(torch, path).module().to(device)
        return torch.jit.load(str(path), map_location=device).eval()
    except Unsupported:
        raise
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds for a file it cannot read
        raise Unsupported(f"not a TorchScript archive torch {torch.__version__} can load: {_line(exc)}") from exc


def _program(torch: Any, path: Path) -> Any:
    """The ExportedProgram in ``path``; Unsupported with torch's message (or its missing torch.export)."""
    if not hasattr(torch, "export") or not hasattr(torch.export, "load"):
        raise Unsupported(f"torch {torch.__version__} cannot read .pt2 files (torch.export.load came with torch 2.1)")
    try:
        return torch.export.load(str(path))
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds for a file it cannot read
        raise Unsupported(f"not a torch.export (.pt2) program torch {torch.__version__} can load: "
                          f"{_line(exc)}") from exc


def describe(path: Path, fmt: str) -> Signature:
    return _describe_pt2(path) if fmt == "pt2" else _describe_torchscript(path)


def _describe_torchscript(path: Path) -> Signature:
    schema = load(path, "torchscript").forward.schema
    inputs = tuple(TensorInfo(a.name, None, "" if str(a.type) == "Tensor" else f"a TorchScript {a.type}")
                   for a in schema.arguments[1:])  # the first is self
    outputs = tuple(TensorInfo(f"output{i}" if i else "output") for i, _ in enumerate(schema.returns))
    return Signature(inputs, outputs)


def _describe_pt2(path: Path) -> Signature:
    import torch

    program = _program(torch, path)
    user = set(program.graph_signature.user_inputs)
    inputs = []
    for node in program.graph.nodes:
        if node.op == "placeholder" and node.name in user:
            inputs.append(_tensor(node.name, node.meta.get("val")))
    outputs = tuple(TensorInfo(str(n)) for n in program.graph_signature.user_outputs)
    return Signature(tuple(inputs), outputs)


def _tensor(name: str, value: Any) -> TensorInfo:
    """A placeholder's example value as a TensorInfo (a non-tensor input: its type, which cannot be drawn)."""
    if not hasattr(value, "shape"):
        return TensorInfo(name, (), f"a {type(value).__name__} (not a tensor)")
    shape = tuple(d if isinstance(d, int) else None for d in value.shape)
    return TensorInfo(name, shape, str(value.dtype).replace("torch.", ""))


def example(model_file: Any, batch: int) -> Tuple[Any, ...]:
    """The seeded inputs of ``model_file`` at ``batch`` as CPU tensors, in input order."""
    import torch

    from runner.models.inputs import make_inputs

    arrays = make_inputs(model_file.spec(), batch)
    return tuple(torch.from_numpy(arrays[s.name]) for s in model_file.inputs)


def to_onnx(model_file: Any, target: str, from_dir: Path, out_dir: Path) -> Dict[str, Any]:
    import torch

    if model_file.format != "pt2" or target != "onnx":
        raise Unsupported(f"PyTorch converts .pt2 files to ONNX, not {model_file.format} to {target}")
    program = _program(torch, Path(from_dir) / "model.pt2")
    names: List[str] = [s.name for s in model_file.inputs]
    path = Path(out_dir) / onnx_export.FILE
    try:
        torch.onnx.export(program, example(model_file, _batch(model_file)), str(path), dynamo=True,
                          opset_version=DYNAMO_OPSET, input_names=names)
    except Exception as exc:  # noqa: BLE001 - the exporter's failures mean this program is not supported
        raise Unsupported(f"torch.onnx.export (dynamo) failed on the .pt2: {_line(exc)}") from exc
    meta = onnx_export.finish(onnx_export.load(path), names, out_dir, outputs=None)
    return dict(meta, method="torch.onnx.export", exporter="dynamo", torch_version=torch.__version__)


def _batch(model_file: Any) -> int:
    """The example batch: the file's fixed batch, else 2 (a dynamic batch dimension seldom allows 1)."""
    return model_file.batch or 2


def _line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message (torch's run long)."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]
