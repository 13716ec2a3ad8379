"""Caffe2 (from the torch 1.8.1 wheel, Python 3.9): the adapter and the builder of ``caffe2-nets`` artifacts.

The artifact is what the Caffe2 model zoo shipped: ``init_net.pb`` (one ``GivenTensorFill`` per parameter,
holding the values) and ``predict_net.pb`` (the operators), both serialized ``NetDef`` protobufs. The nets
are built **natively** with ``brew`` (:mod:`runner.frameworks.caffe2.defs`) from the canonical ``.npz`` weights,
not imported from an ONNX export: DESIGN §4 asks for each framework's own definition, and an ONNX import
would measure ``caffe2.python.onnx.backend``'s translation instead. The build runs in this environment
(numpy reads the weights; the layouts are PyTorch's, so nothing is transposed) and checks the nets once on
the seeded input.

Loading (timed as ``load_s``) hands both files' bytes to C++ (parsed once, there, as the zoo's examples
did): it runs the init net in a fresh workspace and creates the predict net. The zoo format stores every
weight as one protobuf field (5 bytes a float): AlexNet's init net is 305 MB and takes seconds to load,
a cost of the format that the data keeps. ``prepare`` feeds the seeded batch into the workspace once
(``FeedBlob``, untimed, like the other adapters' tensor conversion); ``infer`` is ``RunNet`` plus
``FetchBlob`` of the output (the N x 1000 logits, a small copy): the call a Caffe2 user makes once the
input blob is in place.

Caffe2's CPU operators run on MKL and OpenMP, which read ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` when
loaded: the orchestrator sets both for threads > 0 (``configure`` sets any it left out); threads = 0 is
their default, every core. ``info()`` records the variables and what OpenMP (``threads_intra``) and MKL
report. Only the CPU: any other provider is unsupported (the wheel's CUDA 10.2 module,
``caffe2_pybind11_state_gpu``, is not used).
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from runner.frameworks.base import Adapter, Unsupported, build_with, read_meta
from runner.models.spec import get as get_spec

INIT_NET, PREDICT_NET = "init_net.pb", "predict_net.pb"
OUTPUT = "output"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


def torch_version() -> str:
    """The torch distribution's version: Caffe2 has none of its own (importing torch would cost memory)."""
    from importlib import metadata

    return metadata.version("torch")


# -- building ---------------------------------------------------------------------------------------------


def _predict_net(model: str) -> Any:
    """The predict ``NetDef`` of ``model`` (inputs named as in the spec, the output ``output``)."""
    from caffe2.python import model_helper, workspace

    from runner.frameworks.caffe2 import defs as caffe2_defs

    workspace.GlobalInit(["caffe2"])
    if model not in caffe2_defs.BUILDERS:
        raise Unsupported(f"no Caffe2 definition of {model!r}: brew has no attention or transformer helpers, "
                          f"and neither study ran it on Caffe2 (defined: {', '.join(caffe2_defs.BUILDERS)})")
    helper = model_helper.ModelHelper(name=model, arg_scope={"order": "NCHW"})
    (spec,) = get_spec(model).inputs
    out = str(caffe2_defs.BUILDERS[model](helper, spec.name))
    net = helper.net.Proto()
    if list(net.op[-1].output) != [out]:
        raise RuntimeError(f"the last operator of {model} does not write its output {out!r}")
    net.op[-1].output[0] = OUTPUT
    net.external_output[:] = [OUTPUT]
    return net


def _init_net(predict: Any, weights: Dict[str, np.ndarray], inputs: List[str]) -> Any:
    """One ``GivenTensorFill`` per parameter of ``predict``, from the canonical weights."""
    from caffe2.proto import caffe2_pb2
    from caffe2.python import core

    from runner.frameworks.caffe2.defs import torch_key

    init = caffe2_pb2.NetDef()
    init.name = f"{predict.name}_init"
    for blob in predict.external_input:
        if blob in inputs:
            continue
        value = np.ascontiguousarray(weights[torch_key(blob)], dtype=np.float32)
        init.op.append(core.CreateOperator("GivenTensorFill", [], [blob], shape=list(value.shape),
                                           values=value.ravel()))
    init.external_output[:] = [op.output[0] for op in init.op]
    return init


def _check(init: Any, predict: Any, model: str) -> Dict[str, Any]:
    """Run the nets once on the seeded batch-1 input: the output shape, and that it is finite."""
    from caffe2.python import workspace

    from runner.models.inputs import make_inputs

    workspace.ResetWorkspace()
    workspace.RunNetOnce(init)
    for name, value in make_inputs(get_spec(model), 1).items():
        workspace.FeedBlob(name, value)
    workspace.RunNetOnce(predict)
    y = workspace.FetchBlob(OUTPUT)
    workspace.ResetWorkspace()
    if not np.all(np.isfinite(y)):
        raise RuntimeError(f"the {model} Caffe2 net gives non-finite outputs")
    return {"check_output_shape": list(y.shape)}


def build_artifact(model: str, target: str, weights: Path, out_dir: Path) -> Dict[str, Any]:
    """Build the ``caffe2-nets`` artifact of ``model`` (init_net.pb + predict_net.pb) in ``out_dir``."""
    return build_with("Caffe2", {"caffe2-nets": _nets}, target, out_dir, lambda: _read_weights(weights), model,
                      {"torch_version": torch_version()})


def _read_weights(weights: Path) -> Dict[str, np.ndarray]:
    with np.load(str(weights)) as npz:
        return {k: npz[k] for k in npz.files}


def _nets(model: str, weights: Dict[str, np.ndarray], out_dir: Path) -> Dict[str, Any]:
    predict = _predict_net(model)
    inputs = [s.name for s in get_spec(model).inputs]
    init = _init_net(predict, weights, inputs)
    (out_dir / INIT_NET).write_bytes(init.SerializeToString())
    (out_dir / PREDICT_NET).write_bytes(predict.SerializeToString())
    meta = {"init_net": INIT_NET, "predict_net": PREDICT_NET, "net": predict.name, "inputs": inputs,
            "output": OUTPUT, "method": "brew (runner.frameworks.caffe2.defs)", "operators": len(predict.op),
            "parameters": len(init.op)}
    meta.update(_check(init, predict, model))
    return meta


# -- the adapter ------------------------------------------------------------------------------------------


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

    def info(self) -> Dict[str, Any]:
        return {"env": {k: os.environ.get(k, "") for k in THREAD_VARIABLES},
                "env_set_by_adapter": dict(self._env_set), "threads_intra": _native_threads("omp_get_max_threads"),
                "mkl_max_threads": _native_threads("mkl_get_max_threads"),
                "mkldnn": bool(getattr(self._ws.C, "has_mkldnn", False)), "net": self._net}

    def close(self) -> None:
        if self._ws is not None:
            self._ws.ResetWorkspace()


def _native_threads(symbol: str) -> Optional[int]:
    """``omp_get_max_threads()`` / ``mkl_get_max_threads()`` from the libraries the process has loaded."""
    with open("/proc/self/maps") as fh:
        libs = {line.split()[-1] for line in fh if ".so" in line and ("gomp" in line or "torch_cpu" in line)}
    for lib in sorted(libs):
        try:
            return int(getattr(ctypes.CDLL(lib), symbol)())
        except (OSError, AttributeError):
            continue
    return None


ADAPTER = Caffe2Adapter
