"""ONNX Runtime's build jobs: describing an ONNX model file (``--model-file``), and the fp16 and int8 graphs it
derives from a source's fp32 ONNX export (:mod:`runner.frameworks.onnxruntime.quantize`).

``describe_file`` opens the file in an ``InferenceSession`` on the CPU (so a file ONNX Runtime cannot load fails
here, before any cell) and reports its inputs and outputs; where the ``onnx`` package is installed it also
reads, for each integer input that indexes an embedding table (a ``Gather`` on an initializer), the table's
rows: the input's token-id range. onnxruntime and onnx are imported inside functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from runner.frameworks import onnx_export
from runner.frameworks.base import PrecisionRequest, Unsupported, build_with
from runner.frameworks.onnxruntime.adapter import DTYPES
from runner.models.files import Signature, TensorInfo

#: Operators an index passes through unchanged in value on its way to an embedding's Gather.
_PASS_THROUGH = ("Cast", "Reshape", "Unsqueeze", "Squeeze", "Flatten", "Identity")


def describe_file(path: Path, fmt: str) -> Dict[str, Any]:
    """The ONNX file's :class:`Signature` (as a dict)."""
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - every load failure means: not an ONNX model ONNX Runtime reads
        raise Unsupported(f"not an ONNX model ONNX Runtime {ort.__version__} can load: {exc}") from exc
    vocab = _vocab(path)
    inputs = tuple(TensorInfo(i.name, _shape(i.shape), DTYPES.get(i.type, i.type), vocab.get(i.name, 0))
                   for i in session.get_inputs())
    outputs = tuple(TensorInfo(o.name, _shape(o.shape), DTYPES.get(o.type, o.type)) for o in session.get_outputs())
    return Signature(inputs, outputs).to_dict()


def _shape(shape: Any) -> Optional[Tuple[Optional[int], ...]]:
    """ONNX Runtime's shape: ints, or names / None for dynamic dimensions."""
    if shape is None:
        return None
    return tuple(int(v) if isinstance(v, int) and v >= 0 else None for v in shape)


def _vocab(path: Path) -> Dict[str, int]:
    """Graph input -> rows of the initializer table a Gather indexes with it (directly or through casts and
    reshapes); {} without the onnx package or for a graph it cannot read."""
    try:
        import onnx

        graph = onnx.load(str(path), load_external_data=False).graph
    except Exception:  # noqa: BLE001 - the token-id range is a refinement; without it the default range applies
        return {}
    tables = {t.name: int(t.dims[0]) for t in graph.initializer if len(t.dims) >= 1}
    consumers: Dict[str, List[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    return {i.name: rows for i in graph.input if (rows := _rows(i.name, consumers, tables, 4))}


def _rows(name: str, consumers: Dict[str, List[Any]], tables: Dict[str, int], depth: int) -> int:
    """The smallest table a Gather indexes with ``name`` (following value-preserving operators)."""
    found = []
    for node in consumers.get(name, []):
        if node.op_type == "Gather" and len(node.input) > 1 and node.input[1] == name and node.input[0] in tables:
            found.append(tables[node.input[0]])
        elif node.op_type in _PASS_THROUGH and depth > 0 and node.input[0] == name:
            found += [r for r in (_rows(node.output[0], consumers, tables, depth - 1),) if r]
    return min(found) if found else 0


def build_artifact(model: str, target: str, weights: Path, out_dir: Path, precision: Optional[PrecisionRequest] = None,
                   from_dir: Optional[Path] = None) -> Dict[str, Any]:
    """Build ``target`` at ``precision`` from the fp32 ONNX graph in ``from_dir`` (``weights`` is unused)."""
    import onnxruntime

    try:
        import onnx  # noqa: F401 - ONNX Runtime's quantization and float16 tools are built on it
    except ImportError as exc:
        raise Unsupported(f"ONNX Runtime's quantization and float16 tools need the onnx package, which this "
                          f"onnxruntime {onnxruntime.__version__} environment lacks") from exc
    from runner.frameworks.onnxruntime.quantize import QUANTIZERS

    source = Path(from_dir or ".") / onnx_export.FILE
    if from_dir is None or not source.is_file():
        raise Unsupported(f"ONNX Runtime derives its {target} graphs from an fp32 model.onnx; none in {from_dir}")
    meta = build_with("ONNX Runtime", {}, target, out_dir, lambda: source, model,
                      {"onnxruntime_version": onnxruntime.__version__}, precision=precision or PrecisionRequest(),
                      quantizers=QUANTIZERS)
    return dict(meta, derived_from=Path(from_dir).name)
