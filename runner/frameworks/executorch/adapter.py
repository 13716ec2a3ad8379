"""ExecuTorch: runs ``model.pte`` (lowered to the XNNPACK delegate) through ExecuTorch's Python runtime.

``executorch.runtime`` is imported in ``import_framework`` only (its C++ bindings load libtorch, so the import
costs what torch's does). ``load`` sizes ExecuTorch's thread pool to the cell's threads (0: the runtime's
default, one thread per performance core), loads the program and its ``forward`` method; ``info()`` records
the pool's size and how much of the program the delegate took. A program is made for one batch size (its
metadata's ``batch_size``; the cache builds one per batch); another batch raises :class:`Unsupported`. A
``.pte`` model file has no such metadata: its batch is its inputs' first dimension (the grid runs only that
one), its float inputs are of the dtype its method declares, and what it delegates is not known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import numpy as np

from runner.frameworks.base import Adapter, Unsupported, read_meta
from runner.frameworks.timed import Threads, TimedCall, on_host
from runner.models.spec import get as get_spec


class ExecuTorchAdapter(Adapter):
    """One loaded ``forward`` method of a ``.pte`` program, on the CPU."""

    name = "executorch"

    def __init__(self) -> None:
        self._runtime: Any = None
        self._pool: Any = None
        self._torch: Any = None
        self._method: Any = None
        self._meta: Dict[str, Any] = {}
        self._names: Tuple[str, ...] = ()

    def import_framework(self) -> None:
        import torch
        from executorch.extension.pybindings import portable_lib
        from executorch.runtime import Runtime

        self._torch, self._pool, self._runtime = torch, portable_lib, Runtime

    def version(self) -> str:
        from importlib import metadata

        return metadata.version("executorch")

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        if cell.provider != "cpu":
            raise Unsupported(f"ExecuTorch runs on the CPU here (the XNNPACK delegate), not {cell.provider!r}")
        self._meta = read_meta(Path(artifact_dir))
        made_for = self._meta.get("batch_size", cell.batch_size if cell.model_file is not None else None)
        if made_for != cell.batch_size:
            raise Unsupported(f"the .pte is made for batches of {made_for} (static shapes), not {cell.batch_size}")
        if int(cell.threads) > 0:
            self._pool._unsafe_reset_threadpool(int(cell.threads))
        program = self._runtime.get().load_program(Path(artifact_dir) / "model.pte")
        self._method = program.load_method("forward")
        self._names = tuple(s.name for s in get_spec(cell.model).inputs)

    def prepare(self, arrays: Dict[str, Any]) -> Tuple[Any, ...]:
        """torch tensors in spec order; float inputs in the program's float type (f16 for an fp16 program; a
        model file's: the dtype its method declares, which its spec has)."""
        floats = self._meta.get("float_inputs")
        return tuple(self._torch.from_numpy(np.ascontiguousarray(
            arrays[n], dtype=floats if floats and arrays[n].dtype.kind == "f" else None)) for n in self._names)

    def infer(self, batch: Tuple[Any, ...]) -> Any:
        return self._method.execute(batch)[0]

    def to_numpy(self, output: Any) -> Any:
        return output.numpy().astype(np.float32)

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        return on_host("method.execute(inputs)[0]") if provider == "cpu" else None

    def threads(self) -> Threads:
        """ExecuTorch's thread pool (XNNPACK and the optimized kernels use it); it has no inter-op pool."""
        return Threads(int(self._pool._threadpool_get_thread_count()), None,
                       "portable_lib._threadpool_get_thread_count()", "no inter-op pool: one method runs at a time")

    def info(self) -> Dict[str, Any]:
        delegated = self._meta.get("delegate_calls")
        return {"providers_active": ["XnnpackBackend"] if delegated else [],
                "delegate_calls": None if delegated is None else int(delegated),
                "undelegated_ops": self._meta.get("undelegated_ops"),
                "program_batch_size": self._meta.get("batch_size"),
                "planned_buffer_bytes": self._meta.get("planned_buffer_bytes"),
                "float_inputs": self._meta.get("float_inputs")}

    def close(self) -> None:
        self._method = None


ADAPTER = ExecuTorchAdapter
