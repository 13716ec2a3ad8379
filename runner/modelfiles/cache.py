"""What a model-file cell gets from the artifact cache (:class:`runner.artifacts.Cache` calls :func:`prepare`).

Everything of a file lives under its sha256::

    models/<sha256>/file/                                      the copy (runner.modelfiles.store)
    models/<sha256>/<format>-by-<converter><version>-in<key>/  a conversion (the converter's convert_file)
    models/<sha256>/reference-in<key>-b<batch>-<owner><version>.npy   the format's own runtime's output

``<key>`` names the concrete inputs (:attr:`~runner.models.files.ModelFile.inputs_key`): a conversion and a
reference depend on the shapes and value ranges the file was given. Builds run once, in the converter's or
the owner's environment, verified by sha256 like every artifact; where that environment is missing here, one
made elsewhere and copied into the cache is used (``edgebench plan --prepare``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

from runner import checksums, envs
from runner.artifacts import BuildError, Cache, Failure, Prepared, tree_bytes
from runner.catalog import FRAMEWORKS
from runner.catalog.formats import Route, route
from runner.cell import Cell
from runner.models.files import ModelFile


def prepare(cache: Cache, cell: Cell) -> Prepared:
    """The artifact (the file as it is, or converted), the reference and its framework, or why not."""
    model_file = cell.model_file
    assert model_file is not None
    way = route(model_file.format, cell.framework)
    if not way.supported:
        return Prepared(failure=Failure("unsupported", "NoConversion", way.reason))
    if model_file.batch is not None and cell.batch_size != model_file.batch:
        return Prepared(failure=Failure("unsupported", "FixedBatch", f"{model_file.name} fixes its batch dimension "
                                        f"to {model_file.batch}; it cannot run batch {cell.batch_size}"))
    if not FRAMEWORKS[cell.framework].needs_artifact:
        return Prepared()
    try:
        folder, meta = artifact(cache, model_file, way)
    except BuildError as exc:
        return Prepared(failure=exc.failure)
    reference, note = file_reference(cache, model_file, cell.batch_size)
    return Prepared(folder, reference, note, meta, artifact_bytes=tree_bytes(folder, meta.get("files")),
                    reference_framework=model_file.owner if reference else None)


def artifact(cache: Cache, model_file: ModelFile, way: Route) -> Tuple[Path, dict]:
    """The verified folder a cell loads: the copy, or the conversion ``way`` names."""
    if way.conversion is None:
        return _copy(cache, model_file)
    target, converter = way.conversion.target, way.source
    base = f"{target}-by-{converter}"
    info = envs.for_framework(converter)
    if not info.available:
        return _prebuilt(cache, model_file, base, f"{converter} environment converts this file: {info.reason}")
    path = _root(cache, model_file) / f"{base}{envs.framework_version(converter, info)}-in{model_file.inputs_key}"
    req = {"job": "convert_file", "model": model_file.name, "model_file": model_file.to_dict(), "target": target,
           "from_dir": model_file.copy, "out_dir": str(path)}
    cache._once(f"artifact:{path}", path, converter, req, single_file=False)
    return path, cache.verified[str(path)]


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
    for path in sorted(_root(cache, model_file).glob(f"{base}*-in{model_file.inputs_key}"), reverse=True):
        meta = checksums.verify_tree(path) if path.is_dir() else None
        if meta is not None:
            cache.verified[str(path)] = meta
            return path, dict(meta, prebuilt=True)
    raise BuildError(Failure("unavailable", "EnvironmentMissing", f"{reason}; nor is a converted file in "
                             f"{_root(cache, model_file)} (convert it elsewhere with `edgebench plan --prepare` "
                             "and copy the cache here)"))


def file_reference(cache: Cache, model_file: ModelFile, batch: int) -> Tuple[Optional[Path], str]:
    """The owner's output on the seeded batch, or None and why not."""
    owner = model_file.owner
    stem = f"reference-in{model_file.inputs_key}-b{batch}-{FRAMEWORKS[owner].packages[0]}"
    info = envs.for_framework(owner)
    if not info.available:
        made = [p for p in sorted(_root(cache, model_file).glob(f"{stem}*.npy")) if checksums.verify_file(p)]
        return (made[-1], "") if made else (None, f"no reference: {info.reason}")
    path = _root(cache, model_file) / f"{stem}{envs.framework_version(owner, info)}.npy"
    req = {"job": "file_reference", "model": model_file.name, "model_file": model_file.to_dict(),
           "from_dir": model_file.copy, "batch_size": batch}
    try:
        cache._once(f"reference:{path}", path, owner, req, single_file=True)
    except BuildError as exc:
        return None, f"no reference: {exc.failure.error_message}"
    return path, ""
