"""Bring your own model: ``--model-file PATH`` (grid key ``model_files``), checked before any cell runs.

For each file, in order: its format from its suffix or, for a folder, its marker file, and its sha256
(:mod:`.store`); a describe job in the environment of the format's own framework (``describe_file`` of its
build module, in a temporary folder), which also proves that the file loads; its inputs made concrete from
that signature, ``--input-shape`` and ``--input-range`` (:mod:`.inputs`); its name in the data; then its copy
in the artifact cache, with the signature beside it (the user's file is only read). Any problem is one
:class:`~runner.errors.UsageError` (exit 2; a missing environment: :class:`~runner.errors.EnvironmentMissing`,
exit 4) before anything is written, in the results folder or the cache.

Each file then becomes a grid model: one cell per framework of the grid (:mod:`runner.plan`), reaching the
framework as it is or through a conversion (:mod:`runner.catalog.formats`), or an ``unsupported`` row saying
which conversion is missing; its artifacts and references come from :mod:`.cache`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, List, Sequence, Tuple

from runner import checksums, envs
from runner.artifacts import BuildError, Cache
from runner.catalog import FRAMEWORKS, formats
from runner.catalog.sets import CURRENT
from runner.config import GridSpec
from runner.errors import EnvironmentMissing, UsageError, did_you_mean
from runner.modelfiles import inputs as concrete_inputs
from runner.modelfiles import store
from runner.models.files import ModelFile, Signature
from runner.models.spec import register


def resolve(spec: GridSpec, cache: Cache) -> Tuple[ModelFile, ...]:
    """The grid's model files as grid models (registered in this process), or one error before any cell."""
    if not spec.model_files:
        return ()
    found = [store.locate(Path(p)) for p in spec.model_files]
    names = store.names(found)
    described = [describe(cache, f, spec.env_sets) for f in found]
    shapes, ranges = dict(spec.input_shapes), dict(spec.input_ranges)
    _check_given("--input-shape", list(shapes), [sig for sig, _ in described])
    _check_given("--input-range", list(ranges), [sig for sig, _ in described])
    open_ = {i.name for sig, _ in described for i in sig.inputs if concrete_inputs.is_open(i)}
    concrete = [concrete_inputs.concrete(sig, shapes, ranges, str(f.path), open_) for f, (sig, _) in
                zip(found, described)]
    files = []
    for f, name, (sig, saved), (specs, batch) in zip(found, names, described, concrete):
        copy = store.copy_into(cache.root, f)
        if not saved.is_file():
            with checksums.writing(cache.root, saved):
                saved.write_text(json.dumps(sig.to_dict(), indent=1))
        files.append(ModelFile(name, f.format.name, f.sha256, str(copy), formats.owner(f.format.name).name, specs,
                               tuple(o.name for o in sig.outputs), batch, str(f.path)))
        register(files[-1].spec())
    return tuple(files)


def describe(cache: Cache, found: store.Located, env_sets: Sequence[str] = (CURRENT,)) -> Tuple[Signature, Path]:
    """The file's signature from its format's own framework, and where it is kept (beside the copy; read
    from there when a run described the same file with the same framework version before). It is described
    in the current set where that has the framework (today's runtimes read the most files), else in the first
    of the grid's ``env_sets`` that has it."""
    owner = formats.owner(found.format.name)
    candidates = [(s, envs.for_framework(owner.name, s)) for s in dict.fromkeys((CURRENT, *env_sets))]
    env_set, info = next(((s, i) for s, i in candidates if i.available), candidates[0])
    if not info.available:
        raise EnvironmentMissing(f"{found.path}: reading a {found.format.title} file needs the {owner.name} "
                                 f"environment: {info.reason}", owner.setup_hint)
    in_set = "" if env_set == CURRENT else f"-{env_set}"
    saved = store.copy_folder(cache.root, found).parent / \
        f"signature-{owner.name}{envs.framework_version(owner.name, info)}{in_set}.json"
    if saved.is_file():
        return Signature.from_dict(json.loads(saved.read_text())), saved
    req = {"job": "describe_file", "model": found.stem, "format": found.format.name, "path": str(found.path),
           "env_set": env_set}
    try:
        result = cache.job(owner.name, req)
    except BuildError as exc:
        raise UsageError(f"{found.path}: describing it failed: {exc}", "check that the file is complete") from None
    if not result.get("ok"):
        raise UsageError(f"{found.path}: {result.get('error_message')}", "check that the file is complete and of "
                         f"the type its name says; model files: {store.kinds()}")
    return Signature.from_dict(result["signature"]), saved


def _check_given(flag: str, names: Sequence[str], signatures: Sequence[Signature]) -> None:
    unknown = concrete_inputs.unknown_names(names, signatures)
    for name, known in unknown.items():
        raise UsageError(f"{flag} names an input '{name}' that no model file has", did_you_mean(name, known))


def default_frameworks(paths: Iterable[str]) -> Tuple[str, ...]:
    """Every framework (not the harness) that runs a file of one of ``paths``' formats, in catalog order."""
    kinds: List[str] = [store.detect(Path(p)).name for p in paths]
    runs = {n for k in kinds for n in formats.runtimes(k)}
    return tuple(n for n in FRAMEWORKS if n in runs)
