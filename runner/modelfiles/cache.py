"""What a model-file cell gets from the artifact cache (:class:`runner.artifacts.Cache` calls :func:`prepare`).

Everything of a file lives under its sha256::

    models/<sha256>/file/                                             the copy (runner.modelfiles.store)
    models/<sha256>/<format>[-b<batch>]-by-<converter><version>[-<set>]-in<key>/
                                                                      a conversion (the converter's convert_file;
                                                                      -b<batch>: a per_batch converter's, made
                                                                      for one batch size)
    models/<sha256>/reference-in<key>-b<batch>-<owner><version>.npy   the format's own runtime's output
    models/<sha256>/<kind>-<precision key>-by-<framework><version>[-<set>]-from-<file|conversion>-in<key>/
                                                                      fp16 or int8 a runtime derives from the
                                                                      file or its conversion (Precision.derived)

``<key>`` names the concrete inputs (:attr:`~runner.models.files.ModelFile.inputs_key`): a conversion and a
reference depend on the shapes and value ranges the file was given. Builds run once, in the converter's or
the owner's environment, verified by sha256 like every artifact; where that environment is missing here, one
made elsewhere and copied into the cache is used (``edgebench plan --prepare``).

A cache serves one version set (``Cache.env_set``): its conversions are made by that set's converter (a set
other than current names itself in the folder, as built-in artifacts do: its lock file pins the converters'
own packages), and the reference by that set's own runtime of the format, else the current set's (the version
that made it is ``reference_version``). The copy is the same in every set.

A precision other than fp32 reaches a model file only through a runtime that derives it from the model it
loads (its record's ``Precision.derived``: quantizing the file's graph, calibrated on the file's own seeded
inputs); a runtime that makes its fp16 and int8 models from edgebench's built-in definitions gives an
``unsupported`` row saying so. The output quality (SQNR, top-1) is measured against the format's own
runtime's fp32 output on the quality inputs, as the built-in models' is against the reference framework's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import List, Optional, Tuple

from runner import checksums, envs
from runner.artifacts import BuildError, Cache, Failure, Prepared, tree_bytes
from runner.catalog import FRAMEWORKS, sets
from runner.catalog.formats import Route, route
from runner.catalog.sets import CURRENT
from runner.cell import Cell
from runner.frameworks.base import PrecisionRequest
from runner.models.files import ModelFile
from runner.precision import artifact_prefix, calibration_samples, precision_of


def prepare(cache: Cache, cell: Cell, declared: Optional[Prepared] = None) -> Prepared:
    """The artifact (the file as it is, or converted, or at the cell's precision), the references and their
    framework, or why not; ``declared``: what the cell's precision record says (the method, the calibration)."""
    model_file, declared = cell.model_file, declared or Prepared()
    assert model_file is not None
    problem = cannot_run(cell, model_file)
    if problem is not None:
        return dataclasses.replace(declared, failure=problem)
    if not FRAMEWORKS[cell.framework].needs_artifact:
        return declared
    try:
        folder, meta = artifact(cache, model_file, route(model_file.format, cell.framework), cell.batch_size)
        if precision_of(cell).derived:
            folder, meta = derived(cache, cell, folder)
    except BuildError as exc:
        return dataclasses.replace(declared, failure=exc.failure)
    reference, note = file_reference(cache, model_file, cell.batch_size)
    samples = cell.budget.quality_samples
    return Prepared(folder, reference, note, meta, artifact_bytes=tree_bytes(folder, meta.get("files")),
                    reference_framework=model_file.owner if reference else None,
                    reference_version=reference_version(reference, model_file, cell.batch_size),
                    quality_reference=file_reference(cache, model_file, samples)[0] if samples else None,
                    quantization=meta.get("quantization", declared.quantization),
                    calibration_samples=meta.get("calibration_samples", declared.calibration_samples) or None)


def cannot_run(cell: Cell, model_file: ModelFile) -> Optional[Failure]:
    """Why the cell cannot run the file (no route, another batch, a precision made only from built-in models)."""
    way = route(model_file.format, cell.framework)
    if not way.supported:
        return Failure("unsupported", "NoConversion", way.reason)
    if model_file.batch is not None and cell.batch_size != model_file.batch:
        return Failure("unsupported", "FixedBatch", f"{model_file.name} fixes its batch dimension to "
                                                    f"{model_file.batch}; it cannot run batch {cell.batch_size}")
    entry = precision_of(cell)
    if entry.quantization != "none" and not entry.derived:
        return Failure("unsupported", "PrecisionUnsupported",
                       f"{FRAMEWORKS[cell.framework].title} makes its {cell.precision} models ({entry.quantization}) "
                       "from edgebench's built-in model definitions, not from a model file; `edgebench list "
                       "precisions` shows the runtimes that derive a precision from the model they load")
    return None


def derived(cache: Cache, cell: Cell, base: Path) -> Tuple[Path, dict]:
    """The cell's precision made by its own framework, in its environment, from the fp32 folder ``base`` (the
    file's copy or conversion), calibrated on the file's seeded inputs."""
    model_file, fw, entry = cell.model_file, FRAMEWORKS[cell.framework], precision_of(cell)
    assert model_file is not None
    info = envs.for_framework(fw.name, cache.env_set)
    if not info.available:
        raise BuildError(Failure("unavailable", "EnvironmentMissing", info.reason))
    samples = calibration_samples(cell, entry) or 0
    origin = base.name[: -len(f"-in{model_file.inputs_key}")] if base.name.endswith(model_file.inputs_key) else \
        base.name
    path = _root(cache, model_file) / (f"{artifact_prefix(cell)}-by-{fw.name}{envs.framework_version(fw.name, info)}"
                                       f"{cache._in_set}-from-{origin}-in{model_file.inputs_key}")
    req = {"job": "artifact", "model": model_file.name, "model_file": model_file.to_dict(),
           "target": entry.artifact or fw.artifact, "from_dir": str(base), "out_dir": str(path),
           "precision": PrecisionRequest(entry.name, entry.quantization, samples).meta()}
    cache._once(f"artifact:{path}", path, fw.name, req, single_file=False)
    return path, cache.verified[str(path)]


def artifact(cache: Cache, model_file: ModelFile, way: Route, batch: int) -> Tuple[Path, dict]:
    """The verified folder a cell of ``batch`` items loads: the copy, or the conversion ``way`` names."""
    if way.conversion is None:
        return _copy(cache, model_file)
    target, converter = way.conversion.target, way.source
    base = conversion_base(model_file, way, batch)
    info = envs.for_framework(converter, cache.env_set)
    if not info.available:
        return _prebuilt(cache, model_file, base, f"{converter} environment converts this file: {info.reason}")
    version = envs.framework_version(converter, info)
    path = _root(cache, model_file) / f"{base}{version}{cache._in_set}-in{model_file.inputs_key}"
    req = {"job": "convert_file", "model": model_file.name, "model_file": model_file.to_dict(), "target": target,
           "from_dir": model_file.copy, "out_dir": str(path)}
    if FRAMEWORKS[converter].per_batch:
        req["batch_size"] = model_file.batch or batch
    cache._once(f"artifact:{path}", path, converter, req, single_file=False)
    return path, cache.verified[str(path)]


def conversion_base(model_file: ModelFile, way: Route, batch: int) -> str:
    """``<target>[-b<batch>]-by-<converter>``: the name of the conversion ``way`` before its version (a per_batch
    converter makes one per batch size: the file's own where it fixes it, else the cell's)."""
    assert way.conversion is not None
    per_batch = f"-b{model_file.batch or batch}" if FRAMEWORKS[way.source].per_batch else ""
    return f"{way.conversion.target}{per_batch}-by-{way.source}"


def conversions(cache_root: Path, model_file: ModelFile, env_set: str = CURRENT, base: str = "*-by-"
                ) -> List[Path]:
    """The conversion folders of ``model_file`` made by version set ``env_set`` (newest name last), verified
    or not; ``base`` (``<target>-by-<converter>``) narrows them to one conversion."""
    made = (cache_root / "models" / model_file.sha256).glob(f"{base}*-in{model_file.inputs_key}")
    return sorted(p for p in made if p.is_dir() and _set_of(p.name[: -len(f"-in{model_file.inputs_key}")]) == env_set)


def _set_of(name: str) -> str:
    """The version set a conversion folder's name (without its ``-in<key>``) says made it."""
    return next((s for s in sets.names() if s != CURRENT and name.endswith(f"-{s}")), CURRENT)


def _root(cache: Cache, model_file: ModelFile) -> Path:
    return cache.root / "models" / model_file.sha256


def _copy(cache: Cache, model_file: ModelFile) -> Tuple[Path, dict]:
    folder = Path(model_file.copy)
    if str(folder) not in cache.verified:
        meta = checksums.verify_tree(folder)
        if meta is None:
            raise BuildError(Failure("failed", "ArtifactCorrupt", f"the cached copy of {model_file.path} in {folder} "
                                     "does not match its sha256s; run again to copy the file anew"))
        cache.verified[str(folder)] = meta
    return folder, cache.verified[str(folder)]


def _prebuilt(cache: Cache, model_file: ModelFile, base: str, reason: str) -> Tuple[Path, dict]:
    for path in reversed(conversions(cache.root, model_file, cache.env_set, base)):
        meta = checksums.verify_tree(path)
        if meta is not None:
            cache.verified[str(path)] = meta
            return path, dict(meta, prebuilt=True)
    raise BuildError(Failure("unavailable", "EnvironmentMissing", f"{reason}; nor is a converted file in "
                             f"{_root(cache, model_file)} (convert it elsewhere with `edgebench plan --prepare` "
                             "and copy the cache here)"))


def _stem(model_file: ModelFile, batch: int) -> str:
    return f"reference-in{model_file.inputs_key}-b{batch}-{FRAMEWORKS[model_file.owner].packages[0]}"


def reference_version(path: Optional[Path], model_file: ModelFile, batch: int) -> Optional[str]:
    """The version of the format's own runtime that made the reference ``path`` (its name says it)."""
    stem = _stem(model_file, batch)
    return path.name[len(stem):-len(path.suffix)] if path and path.name.startswith(stem) else None


def file_reference(cache: Cache, model_file: ModelFile, batch: int) -> Tuple[Optional[Path], str]:
    """The owner's output on the seeded batch (the cache's version set's owner, else the current set's), or
    None and why not."""
    owner = model_file.owner
    env_set = cache.env_set if envs.for_framework(owner, cache.env_set).available else CURRENT
    info = envs.for_framework(owner, env_set)
    stem = _stem(model_file, batch)
    if not info.available:
        made = [p for p in sorted(_root(cache, model_file).glob(f"{stem}*.npy")) if checksums.verify_file(p)]
        return (made[-1], "") if made else (None, f"no reference: {info.reason}")
    path = _root(cache, model_file) / f"{stem}{envs.framework_version(owner, info)}.npy"
    req = {"job": "file_reference", "model": model_file.name, "model_file": model_file.to_dict(),
           "from_dir": model_file.copy, "batch_size": batch, "env_set": env_set}
    try:
        cache._once(f"reference:{path}", path, owner, req, single_file=True)
    except BuildError as exc:
        return None, f"no reference: {exc.failure.error_message}"
    return path, ""
