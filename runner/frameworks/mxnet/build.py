"""MXNet's build jobs: symbol + params and ONNX artifacts of the native Gluon definitions.

Models are the Gluon definitions of :mod:`runner.frameworks.mxnet.defs` (NCHW) with the canonical weights.
Artifacts:

- ``mxnet-symbol``: the network hybridized, run once, exported to ``model-symbol.json`` +
  ``model-0000.params`` (the adapter loads them with ``gluon.SymbolBlock.imports``);
- ``onnx``: ``mx.onnx.export_model`` on that symbol at opset 13 (its newest) with a dynamic batch
  dimension, then the shared finish of :mod:`runner.frameworks.onnx_export` (inputs named as in the spec,
  the output ``output``, the lowest IR version of its opset, checked). MXNet's exporter lists every weight
  as a graph input too; the metadata records it (``initializers_as_inputs``), since an ONNX runtime then does
  not constant-fold those weights.

MXNet (and onnx) are imported inside functions only.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator

import numpy as np

from runner.frameworks import onnx_export
from runner.frameworks.base import Unsupported, build_with
from runner.models.spec import get as get_spec

#: mx.onnx translates operators for opsets 12 and 13 only, but stamps the graph with the installed onnx
#: package's newest opset (21 with onnx 1.16), which makes e.g. ReduceMean's ``axes`` attribute invalid:
#: the export runs with onnx's opset pinned to this one, and the IR version is opset 13's (7).
ONNX_OPSET = 13
PREFIX = "model"


def _export_symbol(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
    """Hybridize, run once on the seeded batch-1 input, export symbol + params."""
    import mxnet as mx

    net.hybridize(static_alloc=True, static_shape=True)
    net(*[mx.nd.zeros((1,) + s.shape, dtype=s.dtype) for s in get_spec(model).inputs]).wait_to_read()
    net.export(str(out_dir / PREFIX), epoch=0)
    names = json.loads((out_dir / f"{PREFIX}-symbol.json").read_text())
    inputs = [n["name"] for n in names["nodes"] if n["op"] == "null" and n["name"].startswith("data")]
    return {"symbol": f"{PREFIX}-symbol.json", "params": f"{PREFIX}-0000.params", "input_names": inputs}


def _onnx(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
    import mxnet as mx

    specs = get_spec(model).inputs
    path = out_dir / onnx_export.FILE
    tmp = Path(tempfile.mkdtemp(prefix="symbol-", dir=out_dir))
    try:
        sym = _export_symbol(model, net, tmp)
        with _opset(ONNX_OPSET):
            mx.onnx.export_model(str(tmp / sym["symbol"]), str(tmp / sym["params"]),
                                 [(1,) + s.shape for s in specs], [np.dtype(s.dtype) for s in specs],
                                 str(path), dynamic=True, dynamic_input_shapes=[(None,) + s.shape for s in specs])
        meta = onnx_export.finish(onnx_export.load(path), [s.name for s in specs], out_dir, ir_version=None)
        return dict(meta, method="mx.onnx.export_model", input_layout="NCHW" if specs[0].kind == "image" else "NL")
    except Exception as exc:  # noqa: BLE001 - the exporter and the checker raise many kinds of errors
        raise Unsupported(f"mx.onnx.export_model (MXNet {mx.__version__}) failed on {model}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _opset(version: int) -> Iterator[None]:
    """Make onnx report ``version`` as its newest opset: ``onnx.defs.onnx_opset_version()`` (what mx.onnx and
    ``make_model`` ask) and the checker's default context (what mx.onnx checks its graph against)."""
    import onnx.checker
    import onnx.defs

    saved, ctx = onnx.defs.onnx_opset_version, onnx.checker.DEFAULT_CONTEXT
    saved_imports = dict(ctx.opset_imports)
    onnx.defs.onnx_opset_version = lambda: version
    ctx.opset_imports = dict(saved_imports, **{"": version})
    try:
        yield
    finally:
        onnx.defs.onnx_opset_version = saved
        ctx.opset_imports = saved_imports


def build_artifact(model: str, target: str, weights: Path, out_dir: Path) -> Dict[str, Any]:
    """Build the ``mxnet-symbol`` or ``onnx`` artifact of ``model`` in ``out_dir``."""
    import mxnet as mx

    from runner.frameworks.mxnet import defs as gluon_defs

    return build_with("MXNet", {"mxnet-symbol": _export_symbol, "onnx": _onnx}, target, out_dir,
                      lambda: gluon_defs.build(model, Path(weights)), model, {"mxnet_version": mx.__version__})
