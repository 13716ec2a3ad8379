"""LiteRT: runs ``model.tflite`` (built by its source framework, see its record) on the CPU.

The interpreter comes from ``ai_edge_litert.interpreter``, else ``tflite_runtime.interpreter``, else
``tensorflow.lite``; ``info()`` records which. ``num_threads`` is the cell's thread count. The default
XNNPACK delegate is applied unless the cell option ``xnnpack=off`` selects the resolver without default
delegates; ``info()`` records the resolver and how many execution-plan nodes XNNPACK took over. The batch
dimension (and, for a model file, every dimension its inputs are given) is resized in ``load``
(``resize_tensor_input`` + ``allocate_tensors``), so ``infer`` does only what a real call does: set the inputs,
invoke, copy the output (the first of the serving signature's outputs, else the first output tensor).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from runner.frameworks.base import Adapter, Unsupported
from runner.frameworks.tflite.record import RECORD
from runner.frameworks.timed import Threads, TimedCall, on_host
from runner.models.spec import get as get_spec

CALL = "set_tensor(index, array) per input; invoke(); get_tensor(output)"
COPIES = ("set_tensor: each input into the interpreter's buffer", "get_tensor: the output out of it")
_SOURCES = (("ai_edge_litert.interpreter", "ai-edge-litert"),
            ("tflite_runtime.interpreter", "tflite-runtime"),
            ("tensorflow.lite", "tensorflow"))


def import_interpreter() -> Tuple[Any, str]:
    """The first importable interpreter module and the distribution it comes from."""
    import importlib

    errors = []
    for module, dist in _SOURCES:
        try:
            return importlib.import_module(module), dist
        except ImportError as exc:
            errors.append(f"{module}: {exc}")
    raise ImportError("no TensorFlow Lite interpreter: " + "; ".join(errors))


def _dist_version(dist: str, module: Any) -> str:
    from importlib import metadata

    for name in (dist, "tensorflow-cpu") if dist == "tensorflow" else (dist,):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return str(getattr(module, "__version__", "unknown"))


class TFLiteAdapter(Adapter):
    """A LiteRT ``Interpreter``: ``num_threads`` = the cell's threads, inputs resized to the batch."""

    name = "tflite"

    def __init__(self) -> None:
        self._mod: Any = None
        self._dist = ""
        self._interp: Any = None
        self._threads = 0
        self._resolver = "AUTO"
        self._xnnpack = "on"
        self._inputs: List[Tuple[int, str, str]] = []  # (tensor index, spec name, kind)
        self._output = 0

    def configure(self, cell: Any) -> None:
        self._xnnpack = RECORD.settings(cell.options)["xnnpack"]

    def import_framework(self) -> None:
        self._mod, self._dist = import_interpreter()

    def version(self) -> str:
        return _dist_version(self._dist, self._mod)

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        if cell.provider != "cpu":
            raise Unsupported(f"TensorFlow Lite runs on the CPU only here, not {cell.provider!r}")
        path = Path(artifact_dir) / "model.tflite"
        self._threads = int(cell.threads)
        self._interp = self._create(path, self._xnnpack == "off")
        self._inputs = _match_inputs(self._interp, cell.model)
        for (index, _, kind), spec in zip(self._inputs, get_spec(cell.model).inputs):
            shape = [int(v) for v in _detail(self._interp, index)["shape"]]
            wanted = [cell.batch_size] + (shape[1:] if kind == "image" else list(spec.shape))
            if shape != wanted:
                self._interp.resize_tensor_input(index, wanted, strict=False)
        self._interp.allocate_tensors()
        outputs = signature_names(self._interp)[1]
        self._output = next(iter(outputs), None) if outputs else self._interp.get_output_details()[0]["index"]

    def _create(self, path: Path, no_default_delegates: bool) -> Any:
        kwargs: Dict[str, Any] = {"model_path": str(path)}
        if self._threads > 0:
            kwargs["num_threads"] = self._threads
        resolver = getattr(self._mod, "OpResolverType", None)
        if no_default_delegates:
            if resolver is None:
                raise Unsupported(f"{self._dist} cannot turn off the default delegates (no OpResolverType)")
            kwargs["experimental_op_resolver_type"] = resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES
            self._resolver = "BUILTIN_WITHOUT_DEFAULT_DELEGATES"
        return self._mod.Interpreter(**kwargs)

    def prepare(self, arrays: Dict[str, Any]) -> List[Tuple[int, np.ndarray]]:
        """(tensor index, contiguous array) pairs; images transposed NCHW -> NHWC here, untimed."""
        out = []
        for index, name, kind in self._inputs:
            a = arrays[name].transpose(0, 2, 3, 1) if kind == "image" else arrays[name]
            out.append((index, np.ascontiguousarray(a, dtype=_detail(self._interp, index)["dtype"])))
        return out

    def infer(self, batch: List[Tuple[int, np.ndarray]]) -> np.ndarray:
        for index, array in batch:
            self._interp.set_tensor(index, array)
        self._interp.invoke()
        return self._interp.get_tensor(self._output)

    def to_numpy(self, output: Any) -> Any:
        return np.asarray(output)

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        return on_host(CALL, COPIES) if provider == "cpu" else None

    def threads(self) -> Threads:
        """The ``num_threads`` given to the interpreter (LiteRT has no getter); no inter-op pool."""
        serial = "the interpreter runs its operators one after another (no inter-op pool)"
        if self._threads > 0:
            return Threads(self._threads, None, "num_threads passed to the Interpreter", serial)
        return Threads(None, None, "", f"num_threads not passed: LiteRT's default; {serial}")

    def info(self) -> Dict[str, Any]:
        ops = _ops(self._interp)
        delegated = sum(1 for o in ops if o.startswith("DELEGATE"))
        return {"interpreter": self._dist, "op_resolver": self._resolver,
                "xnnpack_applied": delegated > 0, "delegate_nodes": delegated, "plan_nodes": len(ops)}

    def close(self) -> None:
        self._interp = None


def _detail(interp: Any, index: int) -> Dict[str, Any]:
    """The input detail (shape, dtype, ...) of tensor ``index``."""
    for d in interp.get_input_details():
        if d["index"] == index:
            return d
    raise KeyError(f"tensor {index} is not an input of the .tflite model")


def signature_names(interp: Any) -> Tuple[Dict[int, str], Dict[int, str]]:
    """The serving signature's input and output names by tensor index, outputs in the signature's order
    ({} each when the model has no signature)."""
    try:
        runner = interp.get_signature_runner()
        ins, outs = runner.get_input_details(), runner.get_output_details()
        order = interp.get_signature_list()[next(iter(interp.get_signature_list()))]["outputs"]
    except (ValueError, AttributeError, StopIteration, KeyError):
        return {}, {}
    return ({int(d["index"]): n for n, d in ins.items()},
            {int(outs[n]["index"]): n for n in order if n in outs})


def _match_inputs(interp: Any, model: str) -> List[Tuple[int, str, str]]:
    """Spec inputs → tensor indices: by the serving signature's names, else the tensors' names, else by
    position."""
    specs = get_spec(model).inputs
    details = interp.get_input_details()
    for by_name in ({n: i for i, n in signature_names(interp)[0].items()},
                    {d["name"]: int(d["index"]) for d in details}):
        if all(s.name in by_name for s in specs):
            return [(by_name[s.name], s.name, s.kind) for s in specs]
    if len(details) != len(specs):
        raise ValueError(f"the .tflite model has {len(details)} inputs, the spec {len(specs)}")
    return [(int(d["index"]), s.name, s.kind) for d, s in zip(details, specs)]


def _ops(interp: Any) -> List[str]:
    """Operator names of the execution plan (``DELEGATE`` nodes are XNNPACK's); empty if not exposed."""
    try:
        return [str(o.get("op_name", "")) for o in interp._get_ops_details()]
    except Exception:  # noqa: BLE001 - a private API; its absence only loses a detail
        return []


ADAPTER = TFLiteAdapter
