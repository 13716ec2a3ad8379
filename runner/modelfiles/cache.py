"""What a model-file cell gets from the artifact cache (:class:`runner.artifacts.Cache` calls :func:`prepare`).

Everything of a file lives under its sha256::

    models/<sha256>/file/                                             the copy (runner.modelfiles.store)
    models/<sha256>/<format>-by-<converter><version>[-<set>]-in<key>/  a conversion (the converter's convert_file)
    models/<sha256>/reference-in<key>-b<batch>-<owner><version>.npy   the format's own runtime's output

``<key>`` names the concrete inputs (:attr:`~runner.models.files.ModelFile.inputs_key`): a conversion and a
reference depend on the shapes and value ranges the file was given. Builds run once, in the converter's or
the owner's environment, verified by sha256 like every artifact; where that environment is missing here, one
made elsewhere and copied into the cache is used (``edgebench plan --prepare``).

A cache serves one version set (``Cache.env_set``): its conversions are made by that set's converter (a set
other than current names itself in the folder, as built-in artifacts do: its lock file pins the converters'
own packages), and the reference by that set's own runtime of the format, else the current set's (the version
that made it is ``reference_version``). The copy is the same in every set.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

from runner import checksums, envs
from runner.artifacts import BuildError, Cache, Failure, Prepared, tree_bytes
from runner.catalog import FRAMEWORKS, sets
from runner.catalog.formats import Route, route
from runner.catalog.sets import CURRENT
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
                    reference_framework=model_file.owner if reference else None,
                    reference_version=reference_version(reference, model_file, cell.batch_size))


def artifact(cache: Cache, model_file: ModelFile, way: Route) -> Tuple[Path, dict]:
    """The verified folder a cell loads: the copy, or the conversion ``way`` names."""
    if way.conversion is None:
        return _copy(cache, model_file)
    target, converter = way.conversion.target, way.source
    base = f"{target}-by-{converter}"
    info = envs.for_framework(converter, cache.env_set)
    if not info.available:
        return _prebuilt(cache, model_file, base, f"{converter} environment converts this file: {info.reason}")
    version = envs.framework_version(converter, info)
    path = _root(cache, model_file) / f"{base}{version}{cache._in_set}-in{model_file.inputs_key}"
    req = {"job": "convert_file", "model": model_file.name, "model_file": model_file.to_dict(), "target": target,
           "from_dir": model_file.copy, "out_dir": str(path)}
    cache._once(f"artifact:{path}", path, converter, req, single_file=False)
    return path, cache.verified[str(path)]


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
