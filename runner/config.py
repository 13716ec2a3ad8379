"""Grid specs: presets, TOML grid files and command-line overrides, merged in that order.

A grid file is TOML with the keys of :class:`GridSpec` (lists), a ``[budget]`` table with the keys of
:class:`runner.cell.Budget`, and an optional ``[options]`` table of adapter knobs, each a value or a list
of values that becomes a grid dimension for the frameworks that take it (``edgebench list options``)::

    models = ["tinycnn", "alexnet"]
    frameworks = ["<framework>", ...]  # edgebench list frameworks
    sources = ["<framework>"]      # runtimes fed by several sources: which framework exported the graph
    precisions = ["fp32", "int8"]  # fp32 | fp16 | int8 (edgebench list precisions)
    batch_sizes = [1]
    providers = ["cpu"]
    threads = [1]                  # 0 = the framework's default; "all" = the CPUs this process may use
    env_sets = ["current"]         # version sets (envs/sets/<set>/; default $EDGEBENCH_ENV_SETS, else current)
    repetitions = 3                # fresh processes per configuration
    order = "interleaved"          # interleaved | shuffled | sequential (see runner.plan)
    seed = 7                       # for order = "shuffled" (drawn and recorded when omitted)
    [budget]
    min_time_s = 1.0
    calibration_samples = 32       # seeded inputs a calibrated quantization sees
    [options]
    fault = ["none", "segfault"]   # an option of one framework: a dimension of its cells only

Model files (``edgebench run --model-file``; README "Your own model") are grid models too::

    model_files = ["my.onnx", "saved/"]   # relative to the grid file's folder
    [input_shapes]                 # dynamic dimensions; the first value stands for the batch dimension
    input_ids = "1x128"
    [input_ranges]                 # seeded integer inputs: low:high, high excluded
    input_ids = "0:30522"

Without ``models`` (in the grid file or on the command line), a grid with model files runs only them; without
``frameworks``, it runs every framework that reads their formats or converts them (:mod:`runner.modelfiles`).
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from runner.catalog import DEFAULT_FRAMEWORKS, REFERENCE_FRAMEWORK
from runner.catalog.sets import CURRENT
from runner.cell import Budget
from runner.errors import UsageError, did_you_mean
from runner.frameworks.record import FP32
from runner.system import cpus

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

LIST_KEYS = ("models", "frameworks", "sources", "precisions", "batch_sizes", "providers", "threads", "env_sets",
             "model_files")
#: Tables of input name -> value, parsed by these functions of runner.modelfiles.inputs.
INPUT_KEYS = {"input_shapes": "parse_shape", "input_ranges": "parse_range"}
PRESETS = ("quick", "pcamp", "greenai", "smoke")


@dataclass(frozen=True)
class GridSpec:
    models: Tuple[str, ...] = ("tinycnn",)
    frameworks: Tuple[str, ...] = DEFAULT_FRAMEWORKS
    sources: Tuple[str, ...] = (REFERENCE_FRAMEWORK,)
    precisions: Tuple[str, ...] = (FP32,)
    batch_sizes: Tuple[int, ...] = (1,)
    providers: Tuple[str, ...] = ("cpu",)
    threads: Tuple[int, ...] = (1,)
    env_sets: Tuple[str, ...] = (CURRENT,)
    repetitions: int = 1
    budget: Budget = field(default_factory=Budget)
    options: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    name: str = "custom"
    order: str = "interleaved"
    seed: Optional[int] = None
    model_files: Tuple[str, ...] = ()
    input_shapes: Tuple[Tuple[str, Tuple[int, ...]], ...] = ()
    input_ranges: Tuple[Tuple[str, Tuple[int, int]], ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        d = dataclasses.asdict(self)
        d["options"] = {k: list(v) for k, v in self.options}
        d["input_shapes"] = {k: list(v) for k, v in self.input_shapes}
        d["input_ranges"] = {k: list(v) for k, v in self.input_ranges}
        return d


def _coerce(key: str, value: Any) -> Any:
    if key in LIST_KEYS:
        if isinstance(value, (str, int)):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise UsageError(f"grid key '{key}' must be a list, got {value!r}", "e.g. models = [\"tinycnn\"]")
        if key in ("batch_sizes", "threads"):
            return tuple(_int(key, v) for v in value)
        return tuple(str(v) for v in value)
    if key in ("repetitions", "seed"):
        return _int(key, value)
    if key == "order":
        return str(value)
    return value


def _option_values(value: Any) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        value = [value]
    return tuple(str(v).strip() for v in value)


def _int(key: str, v: Any) -> int:
    if isinstance(v, str) and v == "all" and key == "threads":
        return cpus.read().count  # the CPUs this process may use (affinity, cgroup quota), not the machine's
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str) and re.fullmatch(r"\s*[+-]?[0-9]{1,18}\s*", v):  # command-line values arrive as text
        return int(v)
    raise UsageError(f"grid key '{key}' wants integers, got {v!r}", "e.g. batch_sizes = [1, 64]")


def merge(base: GridSpec, data: Mapping[str, Any], origin: str) -> GridSpec:
    """Return ``base`` updated with the keys of ``data`` (a parsed grid file or CLI options)."""
    changes: Dict[str, Any] = {}
    valid = {f.name for f in dataclasses.fields(GridSpec)}
    for key, value in data.items():
        if value is None:
            continue
        if key not in valid:
            raise UsageError(f"unknown key '{key}' in {origin}", did_you_mean(key, valid))
        if key in ("budget", "options") and not isinstance(value, Mapping):
            raise UsageError(f"'{key}' in {origin} must be a table, got {value!r}",
                             f"e.g. [{key}] on its own line, then key = value lines")
        if key == "budget":
            changes["budget"] = _budget(base.budget, value, origin)
        elif key == "options":
            merged = dict(base.options)
            merged.update({str(k): _option_values(v) for k, v in value.items()})
            changes["options"] = tuple(sorted(merged.items()))
        elif key in INPUT_KEYS:
            changes[key] = _input_table(key, value, dict(getattr(base, key)), origin)
        else:
            changes[key] = _coerce(key, value)
    return dataclasses.replace(base, **changes)


def _input_table(key: str, value: Any, merged: Dict[str, Any], origin: str) -> Tuple[Tuple[str, Any], ...]:
    """``input_shapes`` / ``input_ranges``: a table of input name -> "1x3x224x224" / "0:30522" (or a list of
    integers), merged over ``merged``."""
    from runner.modelfiles import inputs

    if not isinstance(value, Mapping):
        raise UsageError(f"grid key '{key}' in {origin} must be a table of input name -> value",
                         f'e.g. [{key}] input_ids = "{"1x128" if key == "input_shapes" else "0:30522"}"')
    parse = getattr(inputs, INPUT_KEYS[key])
    sep = "x" if key == "input_shapes" else ":"
    for name, text in value.items():
        merged[str(name)] = parse(str(name), sep.join(map(str, text)) if isinstance(text, list) else str(text))
    return tuple(merged.items())


def _budget(base: Budget, values: Mapping[str, Any], origin: str) -> Budget:
    names = {f.name for f in dataclasses.fields(Budget)}
    unknown = set(values) - names
    if unknown:
        key = sorted(unknown)[0]
        raise UsageError(f"unknown budget key '{key}' in {origin}", did_you_mean(key, names))
    budget = dataclasses.replace(base, **{k: v for k, v in values.items() if v is not None})
    problem = budget.validate()
    if problem:
        raise UsageError(f"invalid budget in {origin}: {problem}", "see `edgebench run --help`")
    return budget


def _with_model_files(spec: GridSpec, given: set) -> GridSpec:
    """Model files as absolute paths; without ``models`` given, only them; without ``frameworks``, every
    framework that runs their formats."""
    if not spec.model_files:
        return spec
    from runner.modelfiles import default_frameworks

    files = tuple(str(Path(p).absolute()) for p in spec.model_files)
    return dataclasses.replace(spec, model_files=files, models=spec.models if "models" in given else (),
                               frameworks=spec.frameworks if "frameworks" in given else default_frameworks(files))


def read_toml(path: Path) -> Dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"grid file not found: {path}", "pass an existing TOML file to --grid") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"grid file {path} is not valid TOML: {exc}", "check the line it names") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"grid file {path} is not UTF-8 text (byte {exc.start})", "save it as UTF-8") from None
    except OSError as exc:
        raise UsageError(f"cannot read grid file {path}: {exc.strerror or exc}", "pass a readable TOML file") from None


def preset(name: str) -> GridSpec:
    if name not in PRESETS:
        raise UsageError(f"unknown preset '{name}'", did_you_mean(name, PRESETS))
    text = resources.files("runner").joinpath("presets", f"{name}.toml").read_text()
    return merge(GridSpec(name=name), tomllib.loads(text), f"preset {name}")


def load(preset_name: Optional[str], grid_file: Optional[Path], overrides: Mapping[str, Any]) -> GridSpec:
    """Preset (default ``quick`` unless a grid file is given), ``$EDGEBENCH_ENV_SETS``, then the grid file,
    then CLI overrides."""
    spec = preset(preset_name or "quick") if preset_name or not grid_file else GridSpec()
    if os.environ.get("EDGEBENCH_ENV_SETS"):  # an image of one version set names it here
        spec = merge(spec, {"env_sets": os.environ["EDGEBENCH_ENV_SETS"].split(",")}, "$EDGEBENCH_ENV_SETS")
    data: Dict[str, Any] = {}
    if grid_file:
        data = read_toml(grid_file)
        if isinstance(data.get("model_files"), list):  # relative to the grid file's folder
            data["model_files"] = [str(Path(grid_file).parent / p) for p in data["model_files"]]
        spec = merge(spec, data, str(grid_file))
        spec = dataclasses.replace(spec, name=preset_name or Path(grid_file).stem)
    spec = merge(spec, overrides, "command-line options")
    spec = _with_model_files(spec, {k for k in ("models", "frameworks") if
                                    data.get(k) is not None or overrides.get(k) is not None})
    if spec.order == "shuffled" and spec.seed is None:  # drawn here, recorded with the grid in the manifest
        spec = dataclasses.replace(spec, seed=secrets.randbelow(2**31))
    return spec
