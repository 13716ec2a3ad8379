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

Artifacts are built once per (model, source framework, version) by the *source* framework's build module,
``build_artifact(model, target, weights_path, out_dir)``, run in that framework's environment.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from runner.frameworks.timed import Threads, TimedCall, no_threads

#: Written into every artifact folder by :func:`build_with`; adapters read it back at load.
META_FILE = "edgebench.json"


class Unsupported(Exception):
    """This combination cannot run here; the message says why."""


def build_with(framework: str, builders: Dict[str, Callable[..., Dict[str, Any]]], target: str,
               out_dir: Path, make_input: Callable[[], Any], model: str, versions: Dict[str, str],
               meta_file: bool = True) -> Dict[str, Any]:
    """The shared frame of every ``build_artifact``: check the target, make the model (or weights), time
    the target's builder ``builders[target](model, made, out_dir)``, and record its metadata in META_FILE
    (unless the artifact carries it itself, as a TorchScript archive does)."""
    if target not in builders:
        raise Unsupported(f"{framework} cannot build a {target!r} artifact (it builds: {', '.join(builders)})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    made = make_input()
    start = time.perf_counter()
    meta = builders[target](model, made, out_dir)
    meta.update(versions, build_s=round(time.perf_counter() - start, 3), target=target)
    if meta_file:
        (out_dir / META_FILE).write_text(json.dumps(meta, indent=1))
    return meta


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
