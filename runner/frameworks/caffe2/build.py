"""Caffe2's build job: the ``caffe2-nets`` artifact (torch 1.8.1 wheel, Python 3.9).

The artifact is what the Caffe2 model zoo shipped: ``init_net.pb`` (one ``GivenTensorFill`` per parameter,
holding the values) and ``predict_net.pb`` (the operators), both serialized ``NetDef`` protobufs. The nets are
built **natively** with ``brew`` (:mod:`runner.frameworks.caffe2.defs`) from the canonical ``.npz`` weights,
not imported from an ONNX export: DESIGN §4 asks for each framework's own definition, and an ONNX import would
measure ``caffe2.python.onnx.backend``'s translation instead. The build runs in this environment (numpy reads
the weights; brew's layouts are the canonical weights', so nothing is transposed) and checks the nets once on
the seeded input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from runner.frameworks.base import Unsupported, build_with
from runner.models.spec import get as get_spec
from runner.models.weights import read_npz

INIT_NET, PREDICT_NET = "init_net.pb", "predict_net.pb"
OUTPUT = "output"


def torch_version() -> str:
    """The torch distribution's version: Caffe2 has none of its own (importing torch would cost memory)."""
    from importlib import metadata

    return metadata.version("torch")


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
    return build_with("Caffe2", {"caffe2-nets": _nets}, target, out_dir, lambda: read_npz(weights), model,
                      {"torch_version": torch_version()})


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
