"""Options defined once and shared by ``run`` and ``plan``; the grid spec they build."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Dict, List, Optional

import typer

from runner import config, plan
from runner.catalog import FRAMEWORK_NAMES, FRAMEWORKS, PROVIDERS
from runner.cell import MAX_MEMORY_LIMIT, Cell
from runner.config import GridSpec
from runner.errors import UsageError
from runner.frameworks.record import PRECISIONS
from runner.meters.baseline import DEFAULT_ACTIVE_IDLE_S, DEFAULT_IDLE_S
from runner.modelfiles.store import kinds
from runner.names import printable
from runner.thermal.columns import DEFAULT_MAX_RISE_C
from runner.thermal.cooldown import DEFAULT_MAX_S


def _csv(value: Optional[str]) -> Optional[List[str]]:
    return [v.strip() for v in value.split(",") if v.strip()] if value is not None else None


Preset = typer.Option(None, "--preset", "-p", metavar="NAME",
                      help=f"Start from a preset: {', '.join(config.PRESETS)} (edgebench list presets).")
Grid = typer.Option(None, "--grid", "-g", metavar="FILE", dir_okay=False,
                    help="A TOML grid file, applied over the preset (see README.md).")
Models = typer.Option(None, metavar="LIST",
                      help="Comma-separated models, e.g. tinycnn,alexnet (edgebench list models).")
_CHOOSERS = [f for f in FRAMEWORKS.values() if len(f.sources) > 1]
Frameworks = typer.Option(None, metavar="LIST", help=f"Comma-separated frameworks: {','.join(FRAMEWORK_NAMES)}.")
Sources = typer.Option(None, metavar="LIST", help="Comma-separated frameworks that build the artifact, for "
                       + "; ".join(f"{f.name}: {','.join(f.sources)}" for f in _CHOOSERS) + ".")
Precisions = typer.Option(None, metavar="LIST",
                          help=f"Comma-separated precisions: {','.join(PRECISIONS)} (fp32 by default); "
                               "`edgebench list precisions` shows each framework's method or why it has none.")
CalibrationSamples = typer.Option(None, "--calibration-samples", metavar="N",
                                  help="Seeded inputs a calibrated quantization (int8) sees; default 32.")
QualitySamples = typer.Option(None, "--quality-samples", metavar="N",
                              help="Seeded inputs the output SQNR and top-1 agreement with the fp32 reference are "
                                   "computed over, untimed; default 32, 0 skips them.")
BatchSizes = typer.Option(None, "--batch-sizes", metavar="LIST", help="Comma-separated batch sizes, e.g. 1,64.")
Providers = typer.Option(None, metavar="LIST", help=f"Comma-separated execution providers: {','.join(PROVIDERS)}.")
Threads = typer.Option(None, metavar="LIST",
                       help="Comma-separated intra-op thread counts; 0 = the framework's default, 'all' = the CPUs "
                            "this process may use (affinity mask, cgroup CPU quota).")
EnvSets = typer.Option(None, "--env-sets", metavar="LIST",
                       help="Comma-separated version sets: current (today's pins, the default) or a folder of "
                            "envs/sets/, e.g. current,greenai-2023 (the Green AI study's versions); "
                            "`make setup ENV_SETS=...` makes their environments.")
Repetitions = typer.Option(None, metavar="N",
                           help="Fresh-process repetitions per configuration (the unit of inference).")
Order = typer.Option(None, "--order", metavar="ORDER",
                     help="interleaved (round r runs every configuration once; default), shuffled (permuted within "
                          "each round, with --seed) or sequential.")
Seed = typer.Option(None, "--seed", metavar="N",
                    help="Seed of --order shuffled (drawn and recorded in the manifest if omitted).")
WarmupS = typer.Option(None, "--warmup-s", metavar="SECONDS", help="Minimum warm-up time per cell (s).")
MinTimeS = typer.Option(None, "--min-time-s", metavar="SECONDS", help="Minimum steady-state time per cell (s).")
MaxTimeS = typer.Option(None, "--max-time-s", metavar="SECONDS",
                        help="Maximum steady-state time per cell, a hard cap (s).")
TimeoutS = typer.Option(None, "--timeout-s", metavar="SECONDS",
                        help="Kill a cell's process group after this long (s).")
MinIterations = typer.Option(None, "--min-iterations", metavar="N", help="Minimum steady-state iterations per cell.")
TargetCI = typer.Option(None, "--target-rel-ci", metavar="FRACTION",
                        help="Stop when the p50's 95% CI is within ± this fraction of it, e.g. 0.01.")
WarmupIterations = typer.Option(None, "--warmup-iterations", metavar="N", help="Minimum warm-up iterations per cell.")
MemoryLimit = typer.Option(None, "--memory-limit", metavar="SIZE",
                           help="Address-space limit per worker, e.g. 4G (a MemoryError is an oom row).")
Meters = typer.Option("auto", "--meters", metavar="LIST", help="Energy meters: auto, none, or a list (rapl,nvml,...).")
# energy baselines and thermal state (run only)
IdleS = typer.Option(DEFAULT_IDLE_S, "--idle-s", metavar="SECONDS",
                     help="Idle-power baseline before the grid (s); 0 skips it.")
ActiveIdleS = typer.Option(
    DEFAULT_ACTIVE_IDLE_S, "--active-idle-s", metavar="SECONDS",
    help="With a meter: idle this long in each worker after the steady phase (model loaded, no calls); the net "
         "energy subtracts that power (s); 0 turns it off.")
CooldownToC = typer.Option(None, "--cooldown-to-c", metavar="CELSIUS",
                           help="Before each cell wait until the temperature is at or below this (°C), at most "
                                "--cooldown-max-s.")
CooldownS = typer.Option(0.0, "--cooldown-s", metavar="SECONDS",
                         help="Before each cell pause this long (s), then apply --cooldown-to-c.")
CooldownMaxS = typer.Option(DEFAULT_MAX_S, "--cooldown-max-s", metavar="SECONDS",
                            help="Longest wait before a cell (s); the cell then runs, with a warning.")
MaxTempRiseC = typer.Option(DEFAULT_MAX_RISE_C, "--max-temp-rise-c", metavar="CELSIUS",
                            help="Warn when the temperature rises more than this during a cell (°C).")
ModelFiles = typer.Option(None, "--model-file", metavar="PATH",
                          help=f"Your own model, repeatable: {kinds()}. It runs on every runtime that reads its "
                               "format or a conversion of it; without --models only the files run, without "
                               "--frameworks every such runtime (`edgebench list formats`).")
InputShapes = typer.Option(None, "--input-shape", metavar="NAME=1x3x224x224",
                           help="Shape of a model file's input where the file leaves it open, repeatable; the first "
                                "value stands for the batch dimension, which --batch-sizes sets.")
InputRanges = typer.Option(None, "--input-range", metavar="NAME=LOW:HIGH",
                           help="Seeded values of a model file's integer input, from LOW to HIGH (excluded), "
                                "repeatable, e.g. input_ids=0:30522.")
Option = typer.Option(None, "--option", "-o", metavar="KEY=V1,V2",
                      help="Adapter option key=v1,v2 (a grid dimension), repeatable; `edgebench list options` shows "
                           "each framework's options and values.")


def build_spec(preset: Optional[str], grid: Optional[Path], models, frameworks, sources, batch_sizes, providers,
               threads, repetitions, warmup_s, min_time_s, max_time_s, timeout_s, min_iterations,
               target_rel_ci, option: Optional[List[str]], warmup_iterations: Optional[int] = None,
               memory_limit: Optional[str] = None, order: Optional[str] = None,
               seed: Optional[int] = None, precisions: Optional[str] = None,
               calibration_samples: Optional[int] = None, quality_samples: Optional[int] = None, *,
               env_sets: Optional[str] = None, model_files: Optional[List[Path]] = None,
               input_shapes: Optional[List[str]] = None, input_ranges: Optional[List[str]] = None) -> GridSpec:
    overrides: Dict[str, Any] = {
        "models": _csv(models), "frameworks": _csv(frameworks), "sources": _csv(sources),
        "precisions": _csv(precisions),
        "batch_sizes": _csv(batch_sizes), "providers": _csv(providers), "threads": _csv(threads),
        "repetitions": repetitions, "order": order, "seed": seed, "env_sets": _csv(env_sets),
        "model_files": [str(p) for p in model_files] if model_files else None,
        "input_shapes": dict(_key_value(t, "--input-shape") for t in input_shapes) if input_shapes else None,
        "input_ranges": dict(_key_value(t, "--input-range") for t in input_ranges) if input_ranges else None,
    }
    budget = {"warmup_s": warmup_s, "min_time_s": min_time_s, "max_time_s": max_time_s, "timeout_s": timeout_s,
              "min_iterations": min_iterations, "target_rel_ci": target_rel_ci,
              "warmup_iterations": warmup_iterations,
              "memory_limit_bytes": parse_bytes(memory_limit) if memory_limit else None,
              "calibration_samples": calibration_samples, "quality_samples": quality_samples}
    if any(v is not None for v in budget.values()):
        overrides["budget"] = budget
    if option:
        overrides["options"] = dict(_key_value(o) for o in option)
    return config.load(preset, grid, overrides)


def expand(spec: GridSpec) -> List[Cell]:
    """The grid's cells, in run order: the grid checked first, then its model files (each described in its
    format's own environment, :func:`runner.modelfiles.resolve`), so every problem is one line before any cell."""
    plan.validate(spec)
    if not spec.model_files:
        return plan.expand(spec)
    import tempfile

    from runner.artifacts import Cache, cache_dir
    from runner.modelfiles import resolve
    from runner.orchestrator import pythonpath_shim

    with tempfile.TemporaryDirectory(prefix="edgebench-describe-") as tmp:
        files = resolve(spec, Cache(cache_dir(), pythonpath_shim(Path(tmp)), cache_dir() / "logs"))
    return plan.expand(spec, files)


_HINTS = {"--option": "e.g. --option key=v1,v2; see `edgebench list options`",
          "--input-shape": "e.g. --input-shape input=1x3x224x224",
          "--input-range": "e.g. --input-range input_ids=0:30522"}


def _key_value(text: str, flag: str = "--option"):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"{flag} wants key=value, got '{text}'", _HINTS[flag])
    return key.strip(), value


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_bytes(text: str) -> int:
    """``"4G"`` → 4 GiB; plain numbers are bytes. Positive and finite, at most 1 EiB."""
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = t[-1] if t and t[-1] in _UNITS else ""
    try:
        value = float(t[: len(t) - len(unit)]) * _UNITS[unit]
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 1 <= value <= MAX_MEMORY_LIMIT:
        raise UsageError(f"--memory-limit wants a positive size like 4G or 512M (at most 1 EiB), got {printable(text)}",
                         "units: K, M, G, T; leave it out for the default (see `edgebench run --help`)")
    return int(value)


def seconds(option: str, value: float) -> float:
    """A duration option: finite and >= 0."""
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{option} wants a finite number of seconds >= 0, got {value}", f"e.g. {option} 5")
    return value
