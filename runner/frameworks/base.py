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
    a.info()                        # version, active providers, threads, anything worth recording
    a.close()

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
        """Recorded per cell: e.g. ``providers_active``, ``threads_intra``, ``delegate``."""
        return {}

    def gpu_mem_peak_bytes(self) -> Optional[int]:
        return None

    def close(self) -> None:
        pass
