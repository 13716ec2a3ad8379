"""ONNX export, shared by every framework that builds an ``onnx`` artifact (worker side, build jobs).

One interface for every exported graph, whoever exports it: the spec's input names, one output named
``output``, an IR version that older runtimes read, a graph the ONNX checker accepts, and the same metadata
(opset, IR versions, whether the weights are also graph inputs). ``onnx`` is imported inside functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

#: The opset exporters are asked for.
OPSET = 17
#: The IR version written into exported files: IR 8 is opset 17's (ONNX 1.12), which every runtime since
#: ONNX 1.12 reads (newer onnx packages stamp a newer IR than older runtimes accept).
IR_VERSION = 8
FILE = "model.onnx"
OUTPUT = "output"


def rename_io(proto: Any, inputs: Sequence[str], outputs: Sequence[str] = (OUTPUT,)) -> None:
    """Rename the graph's inputs (those that are not weights) and outputs, positionally, everywhere they
    are referenced."""
    g = proto.graph
    real_inputs = [i for i in g.input if i.name not in {t.name for t in g.initializer}]
    mapping = {old.name: new for old, new in zip(real_inputs, inputs)}
    mapping.update({old.name: new for old, new in zip(g.output, outputs)})
    for value in list(real_inputs) + list(g.output):
        value.name = mapping.get(value.name, value.name)
    for node in g.node:
        for seq in (node.input, node.output):
            for i, name in enumerate(seq):
                seq[i] = mapping.get(name, name)


def finish(proto: Any, inputs: Sequence[str], out_dir: Path, ir_version: Optional[int] = IR_VERSION,
           outputs: Optional[Sequence[str]] = (OUTPUT,)) -> Dict[str, Any]:
    """Rename the graph's inputs to ``inputs`` and its outputs to ``outputs`` (None: keep their names), set
    the IR version (``None``: the lowest its opsets allow), check it (``onnx.checker.ValidationError`` when
    invalid), save it as ``out_dir/model.onnx``; returns its metadata."""
    import onnx

    written = int(proto.ir_version)
    rename_io(proto, list(inputs), () if outputs is None else list(outputs))
    proto.ir_version = ir_version if ir_version is not None else \
        onnx.helper.find_min_ir_version_for(list(proto.opset_import))
    onnx.checker.check_model(proto)
    onnx.save(proto, str(Path(out_dir) / FILE))
    return describe(proto, written)


def describe(proto: Any, ir_version_written: int) -> Dict[str, Any]:
    """The metadata every ONNX artifact records."""
    import onnx

    weights = {t.name for t in proto.graph.initializer}
    inputs: List[Any] = list(proto.graph.input)
    return {"file": FILE, "opset": max((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")),
                                       default=0),
            "ir_version": int(proto.ir_version), "ir_version_written": ir_version_written,
            "onnx_version": onnx.__version__, "initializers": len(weights),
            "initializers_as_inputs": sum(1 for i in inputs if i.name in weights)}


def load(path: Path) -> Any:
    """An ONNX file as a ModelProto."""
    import onnx

    return onnx.load(str(path))
