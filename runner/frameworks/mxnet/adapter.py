"""MXNet's adapter: a hybridized ``SymbolBlock`` (symbol + params built by :mod:`.build`) on the CPU or a GPU.

MXNet reads its thread settings from the environment when it is imported: ``configure(cell)`` sets, before
``import_framework``, ``OMP_NUM_THREADS`` (the cell's threads, unless the parent set it) and
``MXNET_CPU_WORKER_NTHREADS=1``: one engine worker, as every other framework runs one inter-op thread (the
cell's threads are OpenMP's, inside each operator). MXNet executes asynchronously, so ``infer`` waits for its
output (``wait_to_read``) and ``sync`` waits for all work (``mx.nd.waitall``); on a GPU the inputs are NDArrays
on ``mx.gpu(0)`` and the output stays there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional

from runner.frameworks.base import Adapter, Unsupported, read_meta
from runner.frameworks.timed import Threads, TimedCall, native_threads, on_device, on_host
from runner.models.spec import get as get_spec

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MXNET_CPU_WORKER_NTHREADS", "MXNET_ENGINE_TYPE", "MKL_NUM_THREADS")
CALL = "block(*arrays), then output.wait_to_read()"
SYNC = "output.wait_to_read() in the call; sync(): mx.nd.waitall()"


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
        """Set the thread variables MXNet reads at import: OpenMP's (unless the parent set it) and one engine
        worker (always)."""
        if int(cell.threads) > 0 and "OMP_NUM_THREADS" not in os.environ:
            os.environ["OMP_NUM_THREADS"] = self._env_set["OMP_NUM_THREADS"] = str(int(cell.threads))
        os.environ["MXNET_CPU_WORKER_NTHREADS"] = self._env_set["MXNET_CPU_WORKER_NTHREADS"] = "1"

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

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        if provider == "cpu":
            return on_host(CALL, sync=SYNC)
        return on_device(CALL, SYNC) if provider == "cuda" else None

    def threads(self) -> Threads:
        """OpenMP's count inside operators; the engine's CPU workers as MXNet read them at import (it has no
        getter for either; its default is one worker)."""
        intra = native_threads()
        inter = _int(os.environ.get("MXNET_CPU_WORKER_NTHREADS", "1"))
        return Threads(intra, inter, "omp_get_max_threads() of the OpenMP runtime loaded; the engine's "
                       "MXNET_CPU_WORKER_NTHREADS", "" if intra else "no OpenMP runtime loaded in the process")

    def located(self, value: Any) -> Optional[str]:
        array = value[0] if isinstance(value, (tuple, list)) else value
        return str(array.ctx) if hasattr(array, "ctx") else None

    def info(self) -> Dict[str, Any]:
        features = self._mx.runtime.Features()
        return {"context": str(self._ctx), "env": {k: os.environ.get(k, "") for k in THREAD_VARIABLES},
                "env_set_by_adapter": dict(self._env_set),
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
