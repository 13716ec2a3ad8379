"""Caffe2's adapter (from the torch 1.8.1 wheel, Python 3.9): runs the nets built by :mod:`.build`.

Loading (timed as ``load_s``) hands both files' bytes to C++ (parsed once, there, as the zoo's examples
did): it runs the init net in a fresh workspace and creates the predict net. The zoo format stores every
weight as one protobuf field (5 bytes a float): AlexNet's init net is 305 MB and takes seconds to load,
a cost of the format that the data keeps. ``prepare`` feeds the seeded batch into the workspace once
(``FeedBlob``, untimed, like the other adapters' tensor conversion); ``infer`` is ``RunNet`` plus
``FetchBlob`` of the output (the N x 1000 logits, a small copy): the call a Caffe2 user makes once the
input blob is in place.

Caffe2's CPU operators run on MKL and OpenMP, which read ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` when
loaded: the orchestrator sets both for threads > 0 (``configure`` sets any it left out); threads = 0 is
their default, every core. ``info()`` records the variables and what OpenMP (``threads``) and MKL
report. Only the CPU: any other provider is unsupported (the wheel's CUDA 10.2 module,
``caffe2_pybind11_state_gpu``, is not used).

"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from runner.frameworks.base import Adapter, Unsupported, read_meta
from runner.frameworks.caffe2.build import OUTPUT, torch_version
from runner.frameworks.timed import Threads, TimedCall, native_threads, on_host

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


class Caffe2Adapter(Adapter):
    """A Caffe2 predict net in the global workspace, on the CPU."""

    name = "caffe2"

    def __init__(self) -> None:
        self._ws: Any = None
        self._net = ""
        self._env_set: Dict[str, str] = {}

    def configure(self, cell: Any) -> None:
        """Set the thread variables MKL and OpenMP read when loaded, unless the parent set them."""
        if int(cell.threads) > 0:
            for key in THREAD_VARIABLES:
                if key not in os.environ:
                    os.environ[key] = self._env_set[key] = str(int(cell.threads))

    def import_framework(self) -> None:
        from caffe2.python import workspace

        workspace.GlobalInit(["caffe2"])
        self._ws = workspace

    def version(self) -> str:
        return torch_version()

    def load(self, artifact_dir: Optional[Path], cell: Any) -> None:
        if cell.provider != "cpu":
            raise Unsupported(f"Caffe2 runs on the CPU here; no {cell.provider!r} provider (the torch 1.8.1 "
                              "wheel's CUDA 10.2 Caffe2 module is not used)")
        d = Path(artifact_dir)
        meta = read_meta(d)
        self._ws.ResetWorkspace()
        # Serialized bytes go straight to C++ (as the model zoo's examples pass them): parsed once, there.
        self._ws.RunNetOnce((d / meta["init_net"]).read_bytes())
        self._ws.CreateNet((d / meta["predict_net"]).read_bytes(), input_blobs=list(meta["inputs"]))
        self._net = meta["net"]

    def prepare(self, arrays: Dict[str, Any]) -> None:
        for name, value in arrays.items():
            self._ws.FeedBlob(name, np.ascontiguousarray(value))

    def infer(self, batch: Any) -> Any:
        self._ws.RunNet(self._net)
        return self._ws.FetchBlob(OUTPUT)

    def timed_call(self, provider: str) -> Optional[TimedCall]:
        return on_host("RunNet(net); FetchBlob(output)", ("FetchBlob: the output into a new numpy array",)) \
            if provider == "cpu" else None

    def threads(self) -> Threads:
        """OpenMP's count (Caffe2's CPU operators use it); the net runs its operators in sequence."""
        intra = native_threads()
        return Threads(intra, None, "omp_get_max_threads() of the OpenMP runtime loaded",
                       ("" if intra else "no OpenMP runtime loaded in the process; ") +
                       "the predict net runs its operators one after another (no inter-op pool)")

    def info(self) -> Dict[str, Any]:
        return {"env": {k: os.environ.get(k, "") for k in THREAD_VARIABLES},
                "env_set_by_adapter": dict(self._env_set), "mkl_max_threads": native_threads("mkl_get_max_threads"),
                "mkldnn": bool(getattr(self._ws.C, "has_mkldnn", False)), "net": self._net}

    def close(self) -> None:
        if self._ws is not None:
            self._ws.ResetWorkspace()


ADAPTER = Caffe2Adapter
