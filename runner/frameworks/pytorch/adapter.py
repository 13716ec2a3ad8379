"""PyTorch: the adapter (TorchScript artifacts) and the builders of weights, references and artifacts.

torch (and onnx, for the ONNX export) is imported inside functions only, so importing this module is cheap
and the adapter's ``import_framework`` is what the worker times.

Weights are the canonical seeded ``.npz`` every framework loads (keys: the ``state_dict`` names of
:mod:`runner.frameworks.pytorch.defs`; rules in :mod:`runner.frameworks.pytorch.weights`).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from runner.frameworks.base import META_FILE, Adapter, Unsupported, build_with
from runner.models.spec import get as get_spec

ONNX_OPSET = 17
#: ONNX IR version written into exported files: IR 8 is the one of opset 17 (ONNX 1.12), which every
#: ONNX Runtime since 1.12 reads (newer onnx packages stamp a newer IR than older runtimes accept).
ONNX_IR_VERSION = 8


def make_weights(model: str, path: Path, seed: int) -> None:
    """Write the canonical seeded weights of ``model`` to ``path`` (.npz, float32; int64 counters)."""
    from runner.frameworks.pytorch.weights import seeded_state, write_npz

    write_npz(Path(path), seeded_state(model, seed))


def describe(model: str) -> Dict[str, Any]:
    """``{"params": trainable parameters, "flops_per_item": 2 x multiply-accumulates for one item}``."""
    from runner.frameworks.pytorch.weights import count

    return count(model)


def make_reference(model: str, weights: Path, batch_size: int, out: Path) -> None:
    """Eager float32 CPU output (one thread) on the seeded inputs, saved with ``np.save``."""
    import torch

    from runner.frameworks.pytorch.weights import example, load_model

    torch.set_num_threads(1)
    net = load_model(model, Path(weights))
    with torch.inference_mode():
        y = net(*example(model, batch_size))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        np.save(f, y.numpy().astype(np.float32))


# -- artifacts --------------------------------------------------------------------------------------------


def _torchscript(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
    """Script the model (trace if scripting fails); record the method and the eager-vs-saved difference."""
    import torch

    from runner.frameworks.pytorch.weights import example

    inputs = example(model, 1)
    try:
        saved, method, note = torch.jit.script(net), "script", ""
    except Exception as exc:  # noqa: BLE001 - scripting limits vary by version; tracing is the fallback
        saved, method, note = torch.jit.trace(net, inputs), "trace", f"script failed: {exc}"[:300]
    with torch.inference_mode():
        diff = float((saved(*inputs) - net(*inputs)).abs().max())
    meta = {"method": method, "file": "model.pt", "script_error": note, "check_max_abs_diff": diff}
    torch.jit.save(saved, str(out_dir / "model.pt"), _extra_files={META_FILE: json.dumps(meta)})
    return meta


def _onnx(model: str, net: Any, out_dir: Path) -> Dict[str, Any]:
    """Legacy (TorchScript-based) ONNX export, dynamic batch axis, IR version set for older runtimes."""
    import onnx
    import torch

    from runner.frameworks.pytorch.weights import example

    names = [s.name for s in get_spec(model).inputs]
    path = out_dir / "model.onnx"
    axes = {n: {0: "batch"} for n in names + ["output"]}
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    torch.onnx.export(net, example(model, 2), str(path), input_names=names, output_names=["output"],
                      opset_version=ONNX_OPSET, dynamic_axes=axes, do_constant_folding=True, **legacy)
    proto = onnx.load(str(path))
    written_ir = proto.ir_version
    proto.ir_version = ONNX_IR_VERSION
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return {"method": "torch.onnx.export", "exporter": "torchscript (dynamo=False)", "opset": ONNX_OPSET,
            "ir_version": ONNX_IR_VERSION, "ir_version_written": written_ir, "onnx_version": onnx.__version__,
            "file": "model.onnx"}


def build_artifact(model: str, target: str, weights: Path, out_dir: Path) -> Dict[str, Any]:
    """Build the ``torchscript`` (model.pt) or ``onnx`` (model.onnx) artifact of ``model`` in ``out_dir``."""
    import torch

    from runner.frameworks.pytorch.weights import load_model

    return build_with("PyTorch", {"torchscript": _torchscript, "onnx": _onnx}, target, out_dir,
                      lambda: load_model(model, Path(weights)), model, {"torch_version": torch.__version__},
                      meta_file=False)  # model.pt carries its metadata (an extra file in the archive)


# -- the adapter ------------------------------------------------------------------------------------------


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
        extra = {META_FILE: ""}
        path = Path(artifact_dir) / "model.pt"
        self._module = torch.jit.load(str(path), map_location=self._device, _extra_files=extra).eval()
        self._meta = json.loads(extra[META_FILE] or "{}")

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
        return output.detach().cpu().numpy()

    def info(self) -> Dict[str, Any]:
        torch = self._torch
        return {"threads_intra": torch.get_num_threads(), "threads_interop": torch.get_num_interop_threads(),
                "device": self._device, "artifact_method": self._meta.get("method", "unknown")}

    def gpu_mem_peak_bytes(self) -> Optional[int]:
        if self._device != "cuda":
            return None
        return int(self._torch.cuda.max_memory_allocated())

    def close(self) -> None:
        self._module = None


def _set_threads(torch: Any, threads: int) -> None:
    """One inter-op thread (set before any parallel work, when torch still allows it); ``threads`` intra."""
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work has started
        pass
    if threads > 0:
        torch.set_num_threads(threads)


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
