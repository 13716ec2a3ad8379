"""Build jobs for model files (``--model-file``), run by :mod:`runner.worker.build` in a framework's environment.

    describe_file   the format's own framework's ``describe_file(path, format)`` -> a Signature (dict)
    convert_file    a converter's ``convert_file(model_file, target, from_dir, out_dir)`` -> metadata (and
                    ``batch_size=`` where the converter's record is ``per_batch``: a program per batch size)
    file_reference  the format's own framework's adapter runs the file on the CPU, one thread, on the seeded
                    inputs, exactly as a cell would: its output (the first) is the reference, saved as .npy;
                    a file that fixes its batch size runs the items that many at a time (item ``i`` is the
                    same for every batch size)

Every build job whose request carries a :class:`~runner.models.files.ModelFile` (a dict; a derived artifact
of a model file too) has its spec registered first (:func:`register`), so framework code asks for it by
name as for a built-in model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict


def register(req: Dict[str, Any]) -> Any:
    """The request's model file (registered in this process), or None when it carries none."""
    from runner.models import spec
    from runner.models.files import ModelFile

    if not req.get("model_file"):
        return None
    model_file = ModelFile.from_dict(req["model_file"])
    spec.register(model_file.spec())
    return model_file


def run(module: Any, req: Dict[str, Any]) -> Dict[str, Any]:
    """The result of file job ``req["job"]`` with build module ``module`` (of ``req["builder"]``)."""
    if req["job"] == "describe_file":
        return {"ok": True, "signature": module.describe_file(Path(req["path"]), req["format"])}
    model_file = register(req)
    if req["job"] == "convert_file":
        batch = {"batch_size": int(req["batch_size"])} if "batch_size" in req else {}
        meta = module.convert_file(model_file, req["target"], Path(req["from_dir"]), Path(req["out_dir"]), **batch)
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

    step = model_file.batch or batch_size
    cell = Cell(model_file.name, framework, FILE_SOURCE, step, "cpu", 1, 0, model_file=model_file)
    a = get_adapter(framework)
    a.configure(cell)
    a.import_framework()
    a.load(folder, cell)
    items = inputs.make_inputs(model_file.spec(), -(-batch_size // step) * step)
    parts = []
    for start in range(0, batch_size, step):
        y = a.infer(a.prepare({n: v[start:start + step] for n, v in items.items()}))
        a.sync()
        parts.append(np.asarray(a.to_numpy(y)))
    a.close()
    array = np.concatenate(parts)[:batch_size]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        np.save(fh, array.astype(np.float32) if array.dtype.kind == "f" else array)
