"""Grid specs: presets, TOML grid files and command-line overrides, merged in that order.

A grid file is TOML with the keys of :class:`GridSpec` (lists), a ``[budget]`` table with the keys of
:class:`runner.cell.Budget`, and an optional ``[options]`` table of adapter knobs, each a value or a list
of values that becomes a grid dimension for the frameworks that take it (``edgebench list options``)::

    models = ["tinycnn", "alexnet"]
    frameworks = ["<framework>", ...]  # edgebench list frameworks
    sources = ["<framework>"]      # runtimes fed by several sources: which framework exported the graph
    batch_sizes = [1]
    providers = ["cpu"]
    threads = [1]                  # 0 = the framework's default; "all" = the CPUs this process may use
    env_sets = ["current"]         # version sets (envs/sets/<set>/; default $EDGEBENCH_ENV_SETS, else current)
    repetitions = 3                # fresh processes per configuration
    order = "interleaved"          # interleaved | shuffled | sequential (see runner.plan)
    seed = 7                       # for order = "shuffled" (drawn and recorded when omitted)
    [budget]
    min_time_s = 1.0
    [options]
    fault = ["none", "segfault"]   # an option of one framework: a dimension of its cells only
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
from runner.system import cpus

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

LIST_KEYS = ("models", "frameworks", "sources", "batch_sizes", "providers", "threads", "env_sets")
PRESETS = ("quick", "pcamp", "greenai", "smoke")


@dataclass(frozen=True)
class GridSpec:
    models: Tuple[str, ...] = ("tinycnn",)
    frameworks: Tuple[str, ...] = DEFAULT_FRAMEWORKS
    sources: Tuple[str, ...] = (REFERENCE_FRAMEWORK,)
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

    def to_dict(self) -> Dict[str, Any]:
        d = dataclasses.asdict(self)
        d["options"] = {k: list(v) for k, v in self.options}
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
    valid = {f.name for f in dataclasses.fields(GridSpec)} - {"budget", "options"} | {"budget", "options"}
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
        else:
            changes[key] = _coerce(key, value)
    return dataclasses.replace(base, **changes)


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
    if grid_file:
        spec = merge(spec, read_toml(grid_file), str(grid_file))
        spec = dataclasses.replace(spec, name=preset_name or Path(grid_file).stem)
    spec = merge(spec, overrides, "command-line options")
    if spec.order == "shuffled" and spec.seed is None:  # drawn here, recorded with the grid in the manifest
        spec = dataclasses.replace(spec, seed=secrets.randbelow(2**31))
    return spec
