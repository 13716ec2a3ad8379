"""MXNet: the adapter (symbol + params artifacts) and the builders of MXNet and ONNX artifacts.

Models are the Gluon definitions of :mod:`runner.frameworks.mxnet.defs` (NCHW) with the canonical weights.
Artifacts:

- ``mxnet-symbol``: the network hybridized, run once, exported to ``model-symbol.json`` +
  ``model-0000.params``; loaded with ``gluon.SymbolBlock.imports`` and hybridized again;
- ``onnx``: ``mx.onnx.export_model`` on that symbol at opset 17 with a dynamic batch dimension, inputs
  renamed as in the spec and the output ``output``, IR version set for older runtimes. MXNet's exporter
  lists every weight as a graph input too; the metadata records it (``initializers_as_inputs``), since
  ONNX Runtime then does not constant-fold those weights.

MXNet reads its thread settings (``OMP_NUM_THREADS``, ``MXNET_CPU_WORKER_NTHREADS``) from the environment
when it is imported: ``configure(cell)`` sets the ones the parent did not, before ``import_framework``.
MXNet executes asynchronously, so ``infer`` waits for its output and ``sync`` waits for all work.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from runner.frameworks.base import Adapter, Unsupported, build_with, read_meta
from runner.models.spec import get as get_spec

#: mx.onnx translates operators for opsets 12 and 13 only, but stamps the graph with the installed onnx
#: package's newest opset (21 with onnx 1.16), which makes e.g. ReduceMean's ``axes`` attribute invalid:
#: the export runs with onnx's opset pinned to this one, and the IR version is opset 13's (7).
ONNX_OPSET = 13
PREFIX = "model"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MXNET_CPU_WORKER_NTHREADS", "MXNET_ENGINE_TYPE", "MKL_NUM_THREADS")


# -- building ---------------------------------------------------------------------------------------------


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
    path = out_dir / "model.onnx"
    tmp = Path(tempfile.mkdtemp(prefix="symbol-", dir=out_dir))
    try:
        sym = _export_symbol(model, net, tmp)
        with _opset(ONNX_OPSET):
            mx.onnx.export_model(str(tmp / sym["symbol"]), str(tmp / sym["params"]),
                                 [(1,) + s.shape for s in specs], [np.dtype(s.dtype) for s in specs],
                                 str(path), dynamic=True, dynamic_input_shapes=[(None,) + s.shape for s in specs])
        meta = _finish_onnx(path, [s.name for s in specs])
        return dict(meta, input_layout="NCHW" if specs[0].kind == "image" else "NL")
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


def _finish_onnx(path: Path, inputs: List[str]) -> Dict[str, Any]:
    """Rename inputs/output, set the IR version, check, and describe the graph."""
    import onnx

    from runner.frameworks.tensorflow.adapter import _rename_io

    proto = onnx.load(str(path))
    written_ir = proto.ir_version
    _rename_io(proto, inputs, ["output"])
    proto.ir_version = onnx.helper.find_min_ir_version_for(list(proto.opset_import))
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    weights = {t.name for t in proto.graph.initializer}
    as_inputs = sum(1 for i in proto.graph.input if i.name in weights)
    opset = max((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), default=0)
    return {"file": "model.onnx", "method": "mx.onnx.export_model", "opset": opset,
            "ir_version": proto.ir_version, "ir_version_written": written_ir,
            "onnx_version": onnx.__version__,
            "initializers": len(weights), "initializers_as_inputs": as_inputs}


def build_artifact(model: str, target: str, weights: Path, out_dir: Path) -> Dict[str, Any]:
    """Build the ``mxnet-symbol`` or ``onnx`` artifact of ``model`` in ``out_dir``."""
    import mxnet as mx

    from runner.frameworks.mxnet import defs as gluon_defs

    return build_with("MXNet", {"mxnet-symbol": _export_symbol, "onnx": _onnx}, target, out_dir,
                      lambda: gluon_defs.build(model, Path(weights)), model, {"mxnet_version": mx.__version__})


# -- the adapter ------------------------------------------------------------------------------------------


class MXNetAdapter(Adapter):
    """A hybridized ``SymbolBlock`` on the CPU or a GPU; waits for its output in every call."""

    name = "mxnet"

    def __init__(self) -> None:
        self._mx: Any = None
        self._block: Any = None
        self._ctx: Any = None
        self._specs: List[Any] = []
        self._env_set: Dict[str, str] = {}

    def configure(self, cell: Any) -> None:
        """Set the thread variables MXNet reads at import, unless the parent set them already."""
        threads = str(int(cell.threads)) if int(cell.threads) > 0 else ""
        wanted = {"OMP_NUM_THREADS": threads, "MXNET_CPU_WORKER_NTHREADS": "1"}
        for key, value in wanted.items():
            if value and key not in os.environ:
                os.environ[key] = value
                self._env_set[key] = value

    def import_framework(self) -> None:
        import mxnet

        self._mx = mxnet

    def version(self) -> str:
        return str(self._mx.__version__)

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        mx = self._mx
        self._ctx = _context(mx, cell.provider)
        self._specs = list(get_spec(cell.model).inputs)
        meta = read_meta(Path(artifact_dir))
        d = Path(artifact_dir)
        self._block = mx.gluon.SymbolBlock.imports(str(d / meta["symbol"]), meta["input_names"],
                                                   str(d / meta["params"]), ctx=self._ctx)
        self._block.hybridize(static_alloc=True, static_shape=True)

    def prepare(self, arrays: Dict[str, Any]) -> List[Any]:
        nd = self._mx.nd
        out = [nd.array(arrays[s.name], ctx=self._ctx, dtype=arrays[s.name].dtype) for s in self._specs]
        nd.waitall()
        return out

    def infer(self, batch: List[Any]) -> Any:
        y = self._block(*batch)
        y.wait_to_read()  # MXNet is asynchronous: the call is done when its output is
        return y

    def sync(self) -> None:
        self._mx.nd.waitall()

    def to_numpy(self, output: Any) -> Any:
        return output.asnumpy()

    def info(self) -> Dict[str, Any]:
        features = self._mx.runtime.Features()
        return {"context": str(self._ctx), "env": {k: os.environ.get(k, "") for k in THREAD_VARIABLES},
                "env_set_by_adapter": dict(self._env_set),
                "threads_intra": _int(os.environ.get("OMP_NUM_THREADS")),
                "mkldnn": bool(features.is_enabled("MKLDNN")), "openmp": bool(features.is_enabled("OPENMP"))}

    def close(self) -> None:
        self._block = None


def _int(value: Optional[str]) -> Optional[int]:
    return int(value) if value and value.isdigit() else None


def _context(mx: Any, provider: str) -> Any:
    if provider == "cpu":
        return mx.cpu()
    if provider != "cuda":
        raise Unsupported(f"MXNet has no {provider!r} execution provider (it runs on: cpu, cuda)")
    if mx.context.num_gpus() == 0:
        cuda = mx.runtime.Features().is_enabled("CUDA")
        raise Unsupported(f"no GPU visible to MXNet {mx.__version__} (built with CUDA: {cuda})")
    return mx.gpu(0)


ADAPTER = MXNetAdapter
