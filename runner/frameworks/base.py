"""The adapter protocol every framework implements (worker side, Python >= 3.9).

The worker drives an adapter through the phases of DESIGN §5, timing each call::

    a = ADAPTER()
    a.configure(cell)               # untimed: read the cell's options (defaults from the record), set what
                                    # the framework reads when imported (thread variables)
    a.import_framework()            # timed: import_s (the adapter imports its framework here, not before)
    a.load(artifact_dir, cell)      # timed: load_s (artifact on disk -> ready session, compile included)
    x = a.prepare(arrays)           # untimed: seeded numpy inputs -> framework tensors on the device
    y = a.infer(x); a.sync()        # timed: first_inference_s, then warm-up and steady state
    a.to_numpy(y)                   # untimed: for the output check
    a.facts(provider, x, y)         # info(), the declared timed call and the effective threads
    a.close()

The timed call is the same for every framework (:mod:`runner.frameworks.timed`): on the CPU host inputs in
and the framework's output object out; on a GPU device-resident inputs in, the output left on the device, and
``sync()`` waiting for the device. Each adapter declares its call (``timed_call``) and reports its threads
(``threads``); ``facts`` records both in ``info_json`` the same way for every adapter.

A combination that cannot run (a provider that is not installed, an artifact the runtime rejects) raises
:class:`Unsupported` with the reason; the cell becomes an ``unsupported`` row.

Artifacts are built once per (model, source framework, version, precision) by the *source* framework's build
module, ``build_artifact(model, target, weights_path, out_dir)``, run in that framework's environment. A build at
another precision than fp32 also gets ``precision=`` (a :class:`PrecisionRequest`), and, where the record's
:class:`~runner.frameworks.record.Precision` is ``derived``, ``from_dir=`` (the fp32 artifact it is made from);
its build module routes it through :func:`build_with`'s ``quantizers``. A framework whose record is
``per_batch`` also gets ``batch_size=`` (its artifact is made for that batch size alone).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from runner.frameworks.record import FP32 as FP32_NAME
from runner.frameworks.timed import Threads, TimedCall, no_threads

#: Written into every artifact folder by :func:`build_with`; adapters read it back at load.
META_FILE = "edgebench.json"


class Unsupported(Exception):
    """This combination cannot run here; the message says why."""


@dataclass(frozen=True)
class PrecisionRequest:
    """The precision an artifact build is asked for: ``precision`` (fp32 | fp16 | int8), ``quantization`` (the
    method: the record's ``Precision.quantization``) and ``calibration_samples`` (how many seeded calibration
    inputs a calibrated method uses, ``runner.models.inputs.calibration_inputs``; 0 when it calibrates on
    none). Field names are the row's column names; :func:`build_with` records them in the metadata."""

    precision: str = FP32_NAME
    quantization: str = "none"
    calibration_samples: int = 0

    @property
    def is_fp32(self) -> bool:
        return self.quantization == "none"

    def meta(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Optional[Mapping[str, Any]]) -> PrecisionRequest:
        return cls(**dict(data or {}))


FP32 = PrecisionRequest()
#: A build module's quantized builders: ``(artifact kind, quantization method)`` -> ``fn(model, made, out_dir,
#: precision) -> metadata``.
Quantizers = Mapping[Tuple[str, str], Callable[..., Dict[str, Any]]]


def build_with(framework: str, builders: Dict[str, Callable[..., Dict[str, Any]]], target: str,
               out_dir: Path, make_input: Callable[[], Any], model: str, versions: Dict[str, str],
               meta_file: bool = True, precision: PrecisionRequest = FP32,
               quantizers: Optional[Quantizers] = None) -> Dict[str, Any]:
    """The shared frame of every ``build_artifact``: check the target, make the model (or weights), time
    the target's builder (fp32: ``builders[target](model, made, out_dir)``; another precision:
    ``quantizers[(target, precision.quantization)](model, made, out_dir, precision)``, never a silent fp32
    build), and record its metadata, the precision fields included, in META_FILE (unless the artifact carries
    it itself, as a TorchScript archive does)."""
    build = _builder(framework, builders, target, precision, quantizers or {})
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    made = make_input()
    start = time.perf_counter()
    meta = dict(precision.meta(), **build(model, made, out_dir))
    meta.update(versions, build_s=round(time.perf_counter() - start, 3), target=target)
    if meta_file:
        (out_dir / META_FILE).write_text(json.dumps(meta, indent=1))
    return meta


def _builder(framework: str, builders: Dict[str, Callable[..., Dict[str, Any]]], target: str,
             precision: PrecisionRequest, quantizers: Quantizers) -> Callable[..., Dict[str, Any]]:
    """The function that builds ``target`` at ``precision`` (Unsupported when there is none)."""
    if precision.is_fp32:
        if target not in builders:
            raise Unsupported(f"{framework} cannot build a {target!r} artifact (it builds: {', '.join(builders)})")
        return builders[target]
    quantize = quantizers.get((target, precision.quantization))
    if quantize is None:
        have = ", ".join(f"{k} {m}" for k, m in quantizers) or "none"
        raise Unsupported(f"{framework} has no {precision.quantization} build of a {target!r} artifact "
                          f"(its quantized builds: {have})")
    return lambda model, made, out_dir: quantize(model, made, out_dir, precision)


def read_meta(artifact_dir: Path) -> Dict[str, Any]:
    """The metadata :func:`build_with` recorded in an artifact folder ({} for an artifact without it)."""
    path = Path(artifact_dir) / META_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


class Adapter:
    name = "base"

    def configure(self, cell: Any) -> None:
        """Read the cell's options; set what the framework reads at import. Runs before the import."""

    def import_framework(self) -> None:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        raise NotImplementedError

    def prepare(self, arrays: Dict[str, Any]) -> Any:
        return arrays

    def infer(self, batch: Any) -> Any:
        raise NotImplementedError

    def sync(self) -> None:
        """Wait for queued device work (CUDA); a no-op on the CPU."""

    def to_numpy(self, output: Any) -> Any:
        return output

    def info(self) -> Dict[str, Any]:
        """Recorded per cell: e.g. ``providers_active``, ``delegate`` (threads and the timed call: ``facts``)."""
        return {}

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        """What one timed call (``infer`` then ``sync``) includes on ``provider``, as configured; None where
        the adapter has no path for that provider. Depends on ``configure`` only, never on ``load``."""
        return None

    def threads(self) -> Threads:
        """The effective intra-op and inter-op thread counts, read back from the framework after ``load``."""
        return no_threads(f"the {self.name} adapter does not report its threads")

    def located(self, value: Any) -> Optional[str]:
        """Where the framework says ``value`` (the prepared inputs, or an output) lives, in its own words
        (``cpu``, ``cuda:0``, ``gpu(0)``); None where it cannot say."""
        return None

    def facts(self, provider: str, inputs: Any, output: Any) -> Dict[str, Any]:
        """``info()`` plus what every adapter records the same way: ``timed_call`` (the declaration, and
        where the inputs and the output were seen) and ``threads`` (effective counts, or why not)."""
        info = dict(self.info())
        call = self.timed_call(provider)
        info["timed_call"] = call.record(self.located(inputs), self.located(output)) if call else None
        info["threads"] = self.threads().to_dict()
        return info

    def gpu_mem_peak_bytes(self) -> Optional[int]:
        return None

    def close(self) -> None:
        pass
