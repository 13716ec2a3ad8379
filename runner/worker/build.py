"""Build jobs run inside a framework's environment (worker side, Python >= 3.9).

    python -m runner.worker.build REQUEST.json RESULT.json

``REQUEST.json``: ``{"job": "weights" | "reference" | "artifact" | "describe", "builder": framework,
"model": name, ...}``. The result file gets ``{"ok": true, ...}`` or ``{"ok": false, "unsupported": bool,
"error_class", "error_message"}``. The job functions live in the builder framework's build module
(``runner/frameworks/<builder>/build.py``):

    make_weights(model, path, seed)                      (the reference framework: the canonical weights)
    make_reference(model, weights, batch_size, out)      (the reference framework: its output, .npy)
    build_artifact(model, target, weights, out_dir) -> dict of metadata
    build_artifact(model, target, weights, out_dir, precision=PrecisionRequest(...)[, from_dir=fp32 artifact])
                                                         (another precision than fp32: the request's
                                                         ``precision`` object; ``from_dir`` where the record's
                                                         precision is ``derived`` from the fp32 artifact)
    build_artifact(..., batch_size=N)                    (a ``per_batch`` record's artifact: made for batch N)
    describe(model) -> {"params": int, ...}              (the reference framework)

and, for model files (:mod:`runner.worker.file_jobs`), ``describe_file``, ``convert_file`` and
``file_reference``.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any, Dict

from runner.worker import lifeline


def run(req: Dict[str, Any]) -> Dict[str, Any]:
    from runner.frameworks import builder
    from runner.frameworks.base import PrecisionRequest, Unsupported
    from runner.worker import file_jobs

    module = builder(req["builder"])
    job = req["job"]
    try:
        if job in ("describe_file", "convert_file", "file_reference"):
            return file_jobs.run(module, req)
        file_jobs.register(req)  # a model file's derived artifact
        if job == "weights":
            module.make_weights(req["model"], Path(req["path"]), int(req["seed"]))
            return {"ok": True}
        if job == "reference":
            module.make_reference(req["model"], Path(req["weights"]), int(req["batch_size"]), Path(req["out"]))
            return {"ok": True}
        if job == "artifact":
            precision = PrecisionRequest.from_dict(req.get("precision"))
            extra = {} if precision.is_fp32 else {"precision": precision}
            if req.get("from_dir"):
                extra["from_dir"] = Path(req["from_dir"])
            if req.get("batch_size"):
                extra["batch_size"] = int(req["batch_size"])
            meta = module.build_artifact(req["model"], req["target"], Path(req["weights"]), Path(req["out_dir"]),
                                         **extra)
            return {"ok": True, "meta": meta or {}}
        if job == "describe":
            return {"ok": True, "describe": module.describe(req["model"])}
        raise ValueError(f"unknown build job {job!r}")
    except Unsupported as exc:
        return _error(exc, unsupported=True)
    except Exception as exc:  # noqa: BLE001 - every failure becomes data
        traceback.print_exc()
        return _error(exc, unsupported=False)


def _error(exc: BaseException, unsupported: bool) -> Dict[str, Any]:
    from runner.worker.protocol import one_line

    return {"ok": False, "unsupported": unsupported, "error_class": type(exc).__name__,
            "error_message": one_line(str(exc)) or type(exc).__name__}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    lifeline.die_with_parent()
    req = json.loads(Path(argv[0]).read_text())
    result = run(req)
    Path(argv[1]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
