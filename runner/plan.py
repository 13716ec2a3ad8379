"""Grid expansion: a pure function from a :class:`GridSpec` to an ordered list of cells.

Order (documented, tested): models, then frameworks, then sources, precisions, batch sizes, providers,
threads and repetitions, each in the order given, the last one varying fastest::

    for model in models:
      for framework in frameworks:
        for source in (sources if the framework takes a source, else [the framework itself]):
          for precision in precisions:
            for batch in batch_sizes:
              for provider in (providers the framework knows, in grid order):
                for threads in threads:
                  for options in (product of the option values the framework takes): -> configuration

Version sets (``env_sets``, default ``current``) vary fastest: each configuration above is expanded once per set,
so one configuration's sets run back to back in every round (``runner.catalog.sets``).

Each configuration runs ``repetitions`` times, each time in a fresh process. ``order`` says how the
repetitions are laid out, so that drift and heat spread evenly over the configurations instead of always
hitting the same framework at the same point of the run:

    interleaved (default)  round r runs every configuration once, in configuration order, then round r + 1
    shuffled               as interleaved, with the configurations permuted within each round
                           (``random.Random(seed)``; the seed is recorded with the grid in the manifest)
    sequential             every repetition of a configuration, then the next configuration

Model files (:mod:`runner.modelfiles`, resolved before planning) follow the built-in models, in the order
given, each as a model: for every framework, the one source its route gives (``file`` when the framework reads
the file's format, else the framework that converts it; :mod:`runner.catalog.formats`), whatever ``sources``
says; a framework without a route still gets its cells, which become ``unsupported`` rows with the reason.

A provider the framework does not know at all (one missing from its record's providers) is not expanded; a known
provider that is not installed becomes an ``unsupported`` row at run time. Precisions are expanded for every
framework: one its record does not run (``edgebench list precisions``) is an ``unsupported`` row with the
reason. Validation happens before anything runs: unknown names, empty dimensions and duplicate entries are
one-line errors with the choices.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from typing import Iterable, List, Optional, Sequence, Tuple

from runner import catalog, names
from runner.catalog import FRAMEWORKS, PROVIDERS, sets
from runner.catalog.formats import route
from runner.cell import Cell
from runner.config import GridSpec
from runner.errors import GridError, did_you_mean
from runner.frameworks.record import PRECISIONS
from runner.models.files import ModelFile
from runner.models.spec import MODELS

MAX_CELLS = 100_000  # a grid larger than this is a typo (repetitions = 1e6), not a plan
ALL_SOURCES = tuple(sorted({s for f in FRAMEWORKS.values() for s in f.sources}))
ORDERS = ("interleaved", "shuffled", "sequential")


def _check_names(kind: str, given: Sequence, valid: Iterable) -> None:
    valid = tuple(valid)
    if not given:
        choices = ", ".join(map(str, valid))
        raise GridError(f"the grid has no {kind}", f"give at least one; valid choices: {choices}")
    seen = set()
    for name in given:
        if name in seen:
            raise GridError(f"'{name}' is listed twice in {kind}", "list each value once")
        seen.add(name)
        if valid and name not in valid:
            singular = kind[:-1] if kind.endswith("s") else kind
            raise GridError(f"unknown {singular} '{name}'", did_you_mean(str(name), valid))


def validate(spec: GridSpec) -> None:
    if spec.models or not spec.model_files:
        _check_names("models", spec.models, MODELS)
    _check_names("frameworks", spec.frameworks, FRAMEWORKS)
    _check_names("providers", spec.providers, PROVIDERS)
    _check_names("precisions", spec.precisions, PRECISIONS)
    _check_names("batch_sizes", spec.batch_sizes, ())
    _check_names("threads", spec.threads, ())
    _check_env_sets(spec.env_sets)
    if any(b < 1 for b in spec.batch_sizes):
        raise GridError(f"batch sizes must be >= 1, got {list(spec.batch_sizes)}", "e.g. batch_sizes = [1, 64]")
    if any(t < 0 for t in spec.threads):
        raise GridError(f"threads must be >= 0, got {list(spec.threads)}", "0 means the framework's default")
    if spec.repetitions < 1:
        raise GridError(f"repetitions must be >= 1, got {spec.repetitions}", "e.g. --repetitions 3")
    if spec.order not in ORDERS:
        raise GridError(f"unknown order '{spec.order}'", did_you_mean(str(spec.order), ORDERS))
    if spec.order == "shuffled" and spec.seed is None:
        raise GridError("order 'shuffled' needs a seed", "pass --seed N (edgebench run draws one when omitted)")
    choosers = [f for f in spec.frameworks if len(FRAMEWORKS[f].sources) > 1]  # frameworks fed by several sources
    if choosers:
        _check_names("sources", spec.sources, {s for f in choosers for s in FRAMEWORKS[f].sources})
    for framework in spec.frameworks:
        if not set(spec.providers) & set(FRAMEWORKS[framework].providers):
            raise GridError(
                f"framework '{framework}' knows none of the providers {list(spec.providers)}",
                f"it knows: {', '.join(FRAMEWORKS[framework].providers)}",
            )
    for key, values in spec.options:
        _check_option(key, values, spec.frameworks)
        for value in values:  # option values become part of cell ids, hence of file names
            names.check(f"value of option {key}", value, f"e.g. -o {key}=value-1,value-2")
    problem = spec.budget.validate()
    if problem:
        raise GridError(f"invalid budget: {problem}", "see `edgebench run --help`")
    _check_size(spec)


def _check_size(spec: GridSpec) -> None:
    """Refuse, before expanding it, a grid of more than MAX_CELLS cells (an upper bound of its size)."""
    dims = (spec.models, spec.frameworks, spec.sources or ("",), spec.batch_sizes, spec.providers, spec.threads,
            spec.env_sets)
    bound = math.prod(len(d) for d in dims) * spec.repetitions * math.prod(len(v) for _, v in spec.options)
    if bound > MAX_CELLS:
        raise GridError(f"the grid has up to {bound:,} cells, more than {MAX_CELLS:,}",
                        "check --repetitions and the grid's lists, or split it into several runs")


def _check_env_sets(given: Sequence[str]) -> None:
    """Each version set must exist (a folder of ``envs/sets/`` with a readable ``set.cfg``, or current)."""
    _check_names("env_sets", given, sets.names())
    for name in given:
        try:
            sets.get(name)
        except sets.CatalogError as exc:
            raise GridError(str(exc), "fix its set.cfg under envs/sets/") from None


def _check_option(key: str, values: Sequence[str], frameworks: Sequence[str]) -> None:
    """An adapter option must belong to a framework of the grid, and each value must be one it accepts."""
    owners = catalog.option_owners(key, frameworks)
    if not owners:
        elsewhere = catalog.option_owners(key)
        taken = sorted({o.name for _, o in catalog.options(frameworks)})
        hint = (f"'{key}' is an option of {', '.join(elsewhere)}" if elsewhere else
                did_you_mean(key, {o.name for _, o in catalog.options()}))
        raise GridError(f"unknown option '{key}' for the frameworks {', '.join(frameworks)} "
                        f"(they take: {', '.join(taken) or 'no options'})", f"{hint}; see `edgebench list options`")
    _check_names(f"values of option {key}", values, ())
    for owner in owners:
        option = FRAMEWORKS[owner].option(key)
        for value in values:
            problem = option.problem(value)
            if problem:
                raise GridError(f"{problem} ({owner})", f"valid: {option.valid}")


def configurations(spec: GridSpec, files: Sequence[ModelFile] = ()) -> List[Cell]:
    """One cell per configuration (repetition 0), in configuration order (not validated): the built-in models,
    then the model files."""
    out = []
    for model in [*spec.models, *files]:
        for framework in spec.frameworks:
            file = model if isinstance(model, ModelFile) else None
            for source, precision in itertools.product(_sources(spec, framework, file), spec.precisions):
                for batch in spec.batch_sizes:
                    for provider in (p for p in spec.providers if p in FRAMEWORKS[framework].providers):
                        for threads in spec.threads:
                            for options in _option_combinations(spec, framework):
                                out.append(Cell(file.name if file else str(model), framework, source, batch,
                                                provider, threads, 0, spec.budget, options, model_file=file,
                                                precision=precision))
    return [dataclasses.replace(c, env_set=s) for c in out for s in spec.env_sets]


def _sources(spec: GridSpec, framework: str, file: Optional[ModelFile]) -> List[str]:
    """The sources of ``framework``'s cells: a model file's route, else the grid's (for a framework fed by
    several), else the framework's only one."""
    fw = FRAMEWORKS[framework]
    if file is not None:
        return [route(file.format, framework).source]
    return [s for s in spec.sources if s in fw.sources] if len(fw.sources) > 1 else list(fw.sources)


def expand(spec: GridSpec, files: Sequence[ModelFile] = ()) -> List[Cell]:
    """The cells of ``spec`` (its model files resolved into ``files``) in run order (validated first)."""
    validate(spec)
    configs = configurations(spec, files)
    if not configs:
        raise GridError("the grid expands to no cells", "check that sources/providers match the frameworks")
    if spec.order == "sequential":
        return [dataclasses.replace(c, repetition=r) for c in configs for r in range(spec.repetitions)]
    rng = random.Random(spec.seed)
    cells = []
    for r in range(spec.repetitions):
        round_ = list(configs)
        if spec.order == "shuffled":
            rng.shuffle(round_)
        cells += [dataclasses.replace(c, repetition=r) for c in round_]
    return cells


def describe_order(spec: GridSpec) -> str:
    """One line for ``plan``: how repetitions are laid out."""
    if spec.order == "sequential":
        return f"order sequential: {spec.repetitions} repetition(s) of each configuration in a row"
    seed = f" (seed {spec.seed}; the same --seed gives the same order)" if spec.order == "shuffled" else ""
    return f"order {spec.order}: {spec.repetitions} round(s), each running every configuration once{seed}"


def _option_combinations(spec: GridSpec, framework: str) -> List[Tuple[Tuple[str, str], ...]]:
    """Every combination of the option values that ``framework`` takes (one empty one if none)."""
    taken = [(k, v) for k, v in spec.options if catalog.option_owners(k, [framework])]
    keys = [k for k, _ in taken]
    return [tuple(zip(keys, combo)) for combo in itertools.product(*(v for _, v in taken))]
