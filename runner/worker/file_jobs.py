"""Build jobs for model files (``--model-file``), run by :mod:`runner.worker.build` in a framework's environment.

    describe_file   the format's own framework's ``describe_file(path, format)`` -> a Signature (dict)
    convert_file    a converter's ``convert_file(model_file, target, from_dir, out_dir)`` -> metadata
    file_reference  the format's own framework's adapter runs the file on the CPU, one thread, on the seeded
                    inputs, exactly as a cell would: its output (the first) is the reference, saved as .npy

The request of the last two carries the :class:`~runner.models.files.ModelFile` (a dict), whose spec is
registered here (:func:`runner.models.spec.register`) before any framework code asks for it by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict


def run(module: Any, req: Dict[str, Any]) -> Dict[str, Any]:
    """The result of file job ``req["job"]`` with build module ``module`` (of ``req["builder"]``)."""
    from runner.models.files import ModelFile
    from runner.models.spec import register

    if req["job"] == "describe_file":
        return {"ok": True, "signature": module.describe_file(Path(req["path"]), req["format"])}
    model_file = ModelFile.from_dict(req["model_file"])
    register(model_file.spec())
    if req["job"] == "convert_file":
        meta = module.convert_file(model_file, req["target"], Path(req["from_dir"]), Path(req["out_dir"]))
        return {"ok": True, "meta": meta or {}}
    if req["job"] == "file_reference":
        reference(req["builder"], model_file, Path(req["from_dir"]), int(req["batch_size"]), Path(req["out"]))
        return {"ok": True}
    raise ValueError(f"unknown build job {req['job']!r}")


def reference(framework: str, model_file: Any, folder: Path, batch_size: int, out: Path) -> None:
    """The output of ``framework``'s adapter on the CPU (one thread) for the seeded inputs, as float32 .npy."""
    import numpy as np

    from runner.cell import Cell
    from runner.frameworks import adapter as get_adapter
    from runner.models import inputs
    from runner.models.files import FILE_SOURCE

    cell = Cell(model_file.name, framework, FILE_SOURCE, batch_size, "cpu", 1, 0, model_file=model_file)
    a = get_adapter(framework)
    a.configure(cell)
    a.import_framework()
    a.load(folder, cell)
    batch = a.prepare(inputs.make_inputs(model_file.spec(), batch_size))
    y = a.infer(batch)
    a.sync()
    array = np.asarray(a.to_numpy(y))
    a.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        np.save(fh, array.astype(np.float32) if array.dtype.kind == "f" else array)
