"""The catalog record: everything the rest of edgebench knows about one framework (pure data).

Each framework folder ``runner/frameworks/<name>/`` has a ``record.py`` that defines ``RECORD``;
:mod:`runner.catalog` collects them. A record imports nothing but this module, so reading the catalog
imports no framework, and it runs on Python 3.9 with the standard library only (the Makefile and the image
builds read it with the host's ``python3``).

Architectures are ``uname -m`` names: ``x86_64``, ``aarch64``, ``armv7l``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

ARCHES = ("x86_64", "aarch64", "armv7l")
NO_ARTIFACT = "none"
#: The precisions a grid may ask for (``--precisions``); the first is every grid's default.
PRECISIONS = ("fp32", "fp16", "int8")
FP32 = PRECISIONS[0]


@dataclass(frozen=True)
class Precision:
    """One precision a framework runs, and how (its record's ``precisions``; ``edgebench list precisions``).

    ``name``: fp32 | fp16 | int8. ``quantization``: the method, recorded in every row's ``quantization``
    column (``none`` for fp32; e.g. ``static-qdq``, ``dynamic``, ``full-integer``, ``static-fx``, ``fp16``,
    ``fp16-weights``). ``calibrated``: it calibrates on seeded inputs (the cell's ``calibration_samples`` of
    them, ``runner.models.inputs.calibration_inputs``). ``family``: the model family it is for (``cnn``,
    ``transformer``; empty: every model); the first entry that matches a model wins. ``derived``: the
    framework's own ``build.py`` makes it, in its own environment, from the fp32 artifact its source built
    (passed as ``from_dir``); otherwise the source's builder makes it directly. ``artifact``: the artifact kind
    a cell at this precision loads, where it differs from the record's ``artifact``. ``unsupported``: why the
    framework cannot run it (its cells become ``unsupported`` rows with this reason; nothing is built).
    """

    name: str
    quantization: str = "none"
    calibrated: bool = False
    family: str = ""
    derived: bool = False
    artifact: str = ""
    unsupported: str = ""

    @property
    def supported(self) -> bool:
        return not self.unsupported


@dataclass(frozen=True)
class Option:
    """An adapter option (``-o name=v1,v2`` or the grid's ``[options]``): each value list is a grid dimension
    for the frameworks that take it. ``values`` are the valid values; a ``number`` option takes any number
    >= 0 instead."""

    name: str
    default: str
    description: str
    values: Tuple[str, ...] = ()
    number: bool = False

    @property
    def valid(self) -> str:
        """The valid values, for messages and ``edgebench list options``."""
        return "a number >= 0" if self.number else ", ".join(self.values)

    def problem(self, value: str) -> Optional[str]:
        """None when ``value`` is valid, else what is wrong with it."""
        if not self.number:
            return None if value in self.values else f"invalid value '{value}' for option {self.name}"
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and number >= 0):
            return f"option {self.name} wants a number >= 0, got '{value}'"
        return None


@dataclass(frozen=True)
class FileFormat:
    """A model-file format (``--model-file``) whose own runtime the declaring framework is: its build module
    describes files of the format (``describe_file``) and its adapter makes their reference output.

    ``suffixes``: the file name endings that select it (empty for a folder format, which ``marker`` selects:
    a file inside the folder); ``file``: the name the copy gets in the artifact cache, so adapters find it
    where they find a built artifact (a folder format: the folder's name); ``companions``: suffixes of files
    that belong beside it (an ``.xml`` graph that keeps its weights in a ``.bin``).
    """

    name: str
    title: str
    file: str
    suffixes: Tuple[str, ...] = ()
    marker: str = ""
    companions: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversion:
    """A model-file conversion the declaring framework's build module makes in its environment
    (``convert_file``): files of format ``source`` into format ``target`` with ``tool``."""

    source: str
    target: str
    tool: str


@dataclass(frozen=True)
class Record:
    """One framework, as data. The fields, in the order a reader needs them:

    ``name`` (command line, grid files, the data), ``title`` (prose), ``description``;
    ``env``: the environment whose interpreter runs its workers (``main``: the orchestrator's own);
    ``packages``: distributions whose installed version is the framework version (the first found wins);
    ``related``: other distributions whose versions each run records (exporters, converters);
    ``imports``: top-level modules only its own folder may import;
    ``locks``: architecture -> lock file under ``envs/`` that pins its environment there;
    ``artifact``: the artifact kind its adapter loads (``none``: it needs none);
    ``sources``: source -> framework whose ``build`` module makes that artifact (the first is the default);
    ``builds``: the artifact kinds its own ``build`` module makes;
    ``per_batch``: its artifact is made for one batch size (static shapes, so the runtime plans its memory
    for the batch that runs, as a deployment would): the cache builds one per batch size (``-b<batch>`` in
    the folder name) and the build gets ``batch_size=``;
    ``reuses``: frameworks whose folders its own may import (their native model definitions: a runtime that
    lowers another framework's models);
    ``precisions``: the precisions it runs and how (:class:`Precision`; a precision it does not list is an
    ``unsupported`` row);
    ``providers``, ``options``, ``studies`` (the published studies that ran it);
    ``reference``: its eager output is the reference of ``output_max_abs_diff``;
    ``harness``: it measures the harness itself, never a runtime (kept out of the findings);
    ``python``: a Python version its environment needs that the host's may not be: that environment is
    made by its own recipe (``mk/<name>.mk``, the image's legacy stage), not as a plain venv;
    ``opt_in``: architectures whose images include it only when asked (``WITH=<name>``);
    ``setup_hint``: what to do when its environment is missing;
    ``gpu_lock_edits``: a sed script turning its lock file into the CUDA build's (images built with GPU=1);
    ``system_packages``: Debian packages its libraries need;
    ``thread_variables``: variables it reads for its thread counts (every worker gets them set from the
    cell's ``threads``); ``worker_variables``: fixed variables every worker gets; ``passthrough``: its
    variables passed through to workers when the parent has them;
    ``tag``: its short name in image tags;
    ``providers_probe``: Python source run in its environment (``edgebench env``, ``edgebench plan``; never in
    the orchestrator's process) that imports the framework and sets ``available`` (the names of ``providers``
    usable here) and ``detail`` (what the runtime itself reports); without one, the CPU is its only provider;
    ``startup_allowance_s``: a rough allowance for a cell's start-up, import and load, used only by ``plan``'s
    duration estimate (stated there as an allowance, never stored as a measurement);
    model files (``--model-file``, :mod:`runner.modelfiles`): ``formats``: the formats whose own runtime it
    is (:class:`FileFormat`); ``reads``: the formats its adapter loads as they are (its own, and others');
    ``converts``: the conversions its build module offers (:class:`Conversion`).
    """

    name: str
    title: str
    description: str
    env: str
    packages: Tuple[str, ...]
    imports: Tuple[str, ...]
    locks: Mapping[str, str]
    artifact: str
    sources: Mapping[str, str]
    builds: Tuple[str, ...] = ()
    per_batch: bool = False
    reuses: Tuple[str, ...] = ()
    precisions: Tuple[Precision, ...] = (Precision(FP32),)
    providers: Tuple[str, ...] = ("cpu",)
    options: Tuple[Option, ...] = ()
    studies: Tuple[str, ...] = ()
    related: Tuple[str, ...] = ()
    reference: bool = False
    harness: bool = False
    python: str = ""
    opt_in: Tuple[str, ...] = ()
    setup_hint: str = "run `make setup`"
    gpu_lock_edits: str = ""
    system_packages: Tuple[str, ...] = ()
    thread_variables: Tuple[str, ...] = ()
    worker_variables: Mapping[str, str] = field(default_factory=dict)
    passthrough: Tuple[str, ...] = ()
    tag: str = ""
    providers_probe: str = ""
    startup_allowance_s: float = 3.0
    formats: Tuple[FileFormat, ...] = ()
    reads: Tuple[str, ...] = ()
    converts: Tuple[Conversion, ...] = ()

    @property
    def needs_artifact(self) -> bool:
        return self.artifact != NO_ARTIFACT

    @property
    def default_source(self) -> str:
        return next(iter(self.sources))

    def precision(self, name: str, family: str) -> Precision:
        """How it runs precision ``name`` on a model of ``family``: the first matching entry of ``precisions``,
        else an unsupported one saying which precisions it has."""
        for entry in self.precisions:
            if entry.name == name and entry.family in ("", family):
                return entry
        have = ", ".join(dict.fromkeys(p.name for p in self.precisions if p.supported and p.family in ("", family)))
        return Precision(name, unsupported=f"{self.title} has no {name} path in edgebench (it runs: {have})")

    def option(self, name: str) -> Option:
        """The option called ``name`` (KeyError when it has none)."""
        for opt in self.options:
            if opt.name == name:
                return opt
        raise KeyError(f"{self.name} has no option {name!r}")

    def settings(self, given: Any) -> Dict[str, str]:
        """Every option's value for a cell: the given ones (``(key, value)`` pairs), else the defaults.
        A value the option does not accept raises ValueError (the grid is validated before it runs; this
        guards a worker started by hand)."""
        values = {o.name: o.default for o in self.options}
        for key, value in given:
            if key in values:
                problem = self.option(key).problem(value)
                if problem:
                    raise ValueError(f"{problem}; valid: {self.option(key).valid}")
                values[key] = value
        return values
