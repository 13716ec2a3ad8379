"""PyTorch's adapter: runs a TorchScript module (``model.pt``, built by :mod:`.build`) on the CPU or a GPU.

A model file (``--model-file``) is loaded as it is: a TorchScript archive (``model.pt``) or a ``torch.export``
program (``model.pt2``, its ``module()``); a module that returns several tensors has its first one checked.

torch is imported in ``import_framework`` only, so importing this module is cheap and the import is what
the worker times. The timed call is the module on tensors already on its device (moved there by
``prepare``); on a GPU it leaves its output there and ``sync()`` is ``torch.cuda.synchronize()``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from runner.frameworks.base import META_FILE, Adapter, Unsupported
from runner.frameworks.timed import Threads, TimedCall, on_device, on_host
from runner.models.spec import get as get_spec

CALL = "module(*tensors) under torch.inference_mode()"


class PyTorchAdapter(Adapter):
    """Runs a TorchScript module (``model.pt``) on the CPU or a CUDA device."""

    name = "pytorch"

    def __init__(self) -> None:
        self._torch: Any = None
        self._module: Any = None
        self._device = "cpu"
        self._inputs: List[str] = []
        self._meta: Dict[str, Any] = {}

    def import_framework(self) -> None:
        import torch

        self._torch = torch

    def version(self) -> str:
        return str(self._torch.__version__)

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        torch = self._torch
        _set_threads(torch, int(cell.threads))
        self._device = _device(torch, cell.provider)
        self._inputs = [s.name for s in get_spec(cell.model).inputs]
        if cell.model_file is not None:
            from runner.frameworks.pytorch import files

            pt2 = Path(artifact_dir) / "model.pt2"
            fmt, path = ("pt2", pt2) if pt2.is_file() else ("torchscript", Path(artifact_dir) / "model.pt")
            self._module = files.load(path, fmt, self._device)
            self._meta = {"method": f"model file ({fmt})"}
            return
        extra = {META_FILE: ""}
        path = Path(artifact_dir) / "model.pt"
        self._module = torch.jit.load(str(path), map_location=self._device, _extra_files=extra).eval()
        self._meta = json.loads(extra[META_FILE] or "{}")
        _set_quantized_engine(torch, self._meta.get("quantized_engine"), self._device)

    def prepare(self, arrays: Dict[str, Any]) -> Any:
        torch = self._torch
        return tuple(torch.from_numpy(np.ascontiguousarray(arrays[n])).to(self._device) for n in self._inputs)

    def infer(self, batch: Any) -> Any:
        with self._torch.inference_mode():
            return self._module(*batch)

    def sync(self) -> None:
        if self._device == "cuda":
            self._torch.cuda.synchronize()

    def to_numpy(self, output: Any) -> Any:
        return first(output).detach().cpu().numpy()

    def info(self) -> Dict[str, Any]:
        engine = self._torch.backends.quantized.engine if self._meta.get("quantized_engine") else None
        return {"device": self._device, "artifact_method": self._meta.get("method", "unknown"),
                "quantized_engine": engine}

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        if provider == "cpu":
            return on_host(CALL)
        return on_device(CALL, "torch.cuda.synchronize()") if provider == "cuda" else None

    def threads(self) -> Threads:
        torch = self._torch
        return Threads(torch.get_num_threads(), torch.get_num_interop_threads(),
                       "torch.get_num_threads(), torch.get_num_interop_threads()")

    def located(self, value: Any) -> Optional[str]:
        tensor = value[0] if isinstance(value, (tuple, list)) else value
        return str(tensor.device) if hasattr(tensor, "device") else None

    def gpu_mem_peak_bytes(self) -> Optional[int]:
        if self._device != "cuda":
            return None
        return int(self._torch.cuda.max_memory_allocated())

    def close(self) -> None:
        self._module = None


def first(output: Any) -> Any:
    """The first tensor of a module's output (a tensor, or a tuple, list or dict of them)."""
    while isinstance(output, (tuple, list, dict)):
        output = next(iter(output.values())) if isinstance(output, dict) else output[0]
    return output


def _set_threads(torch: Any, threads: int) -> None:
    """One inter-op thread (set before any parallel work, when torch still allows it); ``threads`` intra."""
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work has started
        pass
    if threads > 0:
        torch.set_num_threads(threads)


def _set_quantized_engine(torch: Any, engine: Optional[str], device: str) -> None:
    """The int8 kernels an artifact was quantized for (its metadata); Unsupported where torch lacks them."""
    if not engine:
        return
    if device != "cpu":
        raise Unsupported(f"PyTorch's int8 kernels ({engine} engine) run on the CPU only, not {device}")
    if engine not in torch.backends.quantized.supported_engines:
        raise Unsupported(f"the artifact was quantized for the {engine} engine; torch {torch.__version__} here has "
                          f"{', '.join(torch.backends.quantized.supported_engines)} (build it on this host)")
    torch.backends.quantized.engine = engine


def _device(torch: Any, provider: str) -> str:
    if provider == "cpu":
        return "cpu"
    if provider != "cuda":
        raise Unsupported(f"PyTorch has no {provider!r} execution provider (it runs on: cpu, cuda)")
    if not torch.cuda.is_available():
        raise Unsupported(f"CUDA is not available to torch {torch.__version__} "
                          f"(built with CUDA {torch.version.cuda or 'none'})")
    return "cuda"


ADAPTER = PyTorchAdapter
