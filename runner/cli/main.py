"""``edgebench``: run, plan, list, env, version, report, compare, compact.

Thin commands over the library; each help page ends with examples (:mod:`runner.cli.help_pages`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import List, Optional

import typer

from runner import __version__, interrupts, plan
from runner.cli import compact_cmd, help_pages, report_cmd
from runner.cli import options as o
from runner.cli.errors import handled
from runner.cli.text import plain, safe
from runner.errors import UsageError, did_you_mean
from runner.report.textout import make_console

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Benchmark deep-learning inference runtimes on edge devices.\n\n" + help_pages.epilog(""))


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _main(version: Optional[bool] = typer.Option(None, "--version", callback=_print_version, is_eager=True,
                                                 help="Print the edgebench version and exit.")) -> None:
    """Benchmark deep-learning inference runtimes on edge devices."""


console = make_console(stderr=True)
FAILED = ("failed", "timeout", "oom", "crashed")


@app.command()
@handled
def run(
    preset: Optional[str] = o.Preset, grid: Optional[Path] = o.Grid, models: Optional[str] = o.Models,
    frameworks: Optional[str] = o.Frameworks, sources: Optional[str] = o.Sources,
    batch_sizes: Optional[str] = o.BatchSizes, providers: Optional[str] = o.Providers,
    threads: Optional[str] = o.Threads, repetitions: Optional[int] = o.Repetitions,
    warmup_s: Optional[float] = o.WarmupS, min_time_s: Optional[float] = o.MinTimeS,
    max_time_s: Optional[float] = o.MaxTimeS, timeout_s: Optional[float] = o.TimeoutS,
    min_iterations: Optional[int] = o.MinIterations, target_rel_ci: Optional[float] = o.TargetCI,
    option: Optional[List[str]] = o.Option,
    warmup_iterations: Optional[int] = o.WarmupIterations, memory_limit: Optional[str] = o.MemoryLimit,
    order: Optional[str] = o.Order, seed: Optional[int] = o.Seed,
    env_sets: Optional[str] = o.EnvSets,
    model_file: Optional[List[Path]] = o.ModelFiles, input_shape: Optional[List[str]] = o.InputShapes,
    input_range: Optional[List[str]] = o.InputRanges,
    precisions: Optional[str] = o.Precisions, calibration_samples: Optional[int] = o.CalibrationSamples,
    quality_samples: Optional[int] = o.QualitySamples,
    out: Path = typer.Option(Path("results"), "--out", metavar="FOLDER",
                             help="Results folder (a run folder is made inside)."),
    run_id: Optional[str] = typer.Option(None, "--run-id", metavar="ID",
                                         help="Run id (default: the date and time); an existing one is resumed."),
    device: Optional[str] = typer.Option(None, "--device", metavar="NAME",
                                         help="Device name recorded with every row (default: machine-hostname)."),
    meters: str = o.Meters,
    idle_s: float = o.IdleS,
    idle_between_s: float = typer.Option(0.0, "--idle-between-s", metavar="SECONDS",
                                         help="Idle-power baseline before every cell (s)."),
    active_idle_s: float = o.ActiveIdleS, cooldown_to_c: Optional[float] = o.CooldownToC,
    cooldown_s: float = o.CooldownS, cooldown_max_s: float = o.CooldownMaxS, max_temp_rise_c: float = o.MaxTempRiseC,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 also when cells are unsupported/unavailable."),
    export: Optional[str] = typer.Option(None, "--export", metavar="FORMAT", help="Also write the summary as csv "
                                         "or json into the run folder (summary.csv / summary.json)."),
    allow_mixed: bool = typer.Option(False, "--allow-mixed", help="Resume a run measured with another budget, "
                                     "device, image or edgebench version (recorded in the manifest)."),
) -> None:
    """Run a grid: each cell in a fresh process, results as Parquet under OUT/RUN_ID.

    The progress line names each cell's phase (artifact, import, load, warm-up, measuring with its iterations);
    the summary pools the repetitions of each configuration (import, cold start, p50 with its 95% CI, memory,
    energy) and ends with the recommendation per device × model × batch × precision. Exit status: 0 when every
    cell is ok (or unsupported/unavailable, unless --strict), 1 when some failed, 2 for bad usage, 3 when the
    results folder cannot be written, 130 when interrupted (re-run with the same --run-id to resume).
    """
    from runner.cli.progress import ProgressObserver
    from runner.orchestrator import Orchestrator, Settings
    from runner.system.probe import device_name
    from runner.thermal import ThermalSettings

    spec = o.build_spec(preset, grid, models, frameworks, sources, batch_sizes, providers, threads, repetitions,
                        warmup_s, min_time_s, max_time_s, timeout_s, min_iterations, target_rel_ci, option,
                        warmup_iterations, memory_limit, order, seed, precisions, calibration_samples, quality_samples,
                        env_sets=env_sets, model_files=model_file, input_shapes=input_shape, input_ranges=input_range)
    cells = o.expand(spec)
    if export is not None:
        from runner.report.export import check

        check(export)
    rid = run_id or dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if not math.isfinite(active_idle_s) or active_idle_s < 0:
        raise UsageError(f"--active-idle-s must be >= 0 and finite, got {active_idle_s:g}", "seconds; 0 turns it off")
    heat = ThermalSettings(cooldown_to_c, cooldown_s, cooldown_max_s, max_temp_rise_c)
    settings = Settings(out=out, run_id=rid, spec=spec, meters=meters, idle_s=o.seconds("--idle-s", idle_s),
                        idle_between_cells_s=o.seconds("--idle-between-s", idle_between_s),
                        active_idle_s=active_idle_s, device=device or device_name(), thermal=heat,
                        allow_mixed=allow_mixed)
    with interrupts.handled(), ProgressObserver(console, len(cells)) as observer:
        rows = Orchestrator(cells, settings, observer).run()
    _summary(out / rid, export)
    console.print(f"results: {safe(out / rid)}  ({len(rows)} cells run, {observer.skipped_count} resumed)")
    bad = [r for r in rows if r["status"] in FAILED or (strict and r["status"] != "ok")]
    if bad:
        console.print(f"[red]{len(bad)} of {len(rows)} cells did not succeed[/red]; see the log_path of each row")
        raise typer.Exit(1)


def _summary(run_dir: Path, export: Optional[str]) -> None:
    """The run summary; a spooled run (JSON Lines, where pyarrow is missing) has none until it is compacted."""
    from runner.results.spool import spooled_parts

    if spooled_parts(run_dir):
        console.print(f"results spooled as JSON Lines: `edgebench compact {safe(run_dir)}` (where pyarrow is "
                      "installed) turns them into Parquet, then `edgebench report` shows them"
                      + ("; --export wrote nothing" if export else ""), highlight=False)
        return
    from runner.cli.summary import run_summary

    run_summary(run_dir, console, export)


@app.command("plan")
@handled
def plan_cmd(
    preset: Optional[str] = o.Preset, grid: Optional[Path] = o.Grid, models: Optional[str] = o.Models,
    frameworks: Optional[str] = o.Frameworks, sources: Optional[str] = o.Sources,
    batch_sizes: Optional[str] = o.BatchSizes, providers: Optional[str] = o.Providers,
    threads: Optional[str] = o.Threads, repetitions: Optional[int] = o.Repetitions,
    warmup_s: Optional[float] = o.WarmupS, min_time_s: Optional[float] = o.MinTimeS,
    max_time_s: Optional[float] = o.MaxTimeS, timeout_s: Optional[float] = o.TimeoutS,
    min_iterations: Optional[int] = o.MinIterations, target_rel_ci: Optional[float] = o.TargetCI,
    option: Optional[List[str]] = o.Option,
    warmup_iterations: Optional[int] = o.WarmupIterations, memory_limit: Optional[str] = o.MemoryLimit,
    order: Optional[str] = o.Order, seed: Optional[int] = o.Seed,
    model_file: Optional[List[Path]] = o.ModelFiles, input_shape: Optional[List[str]] = o.InputShapes,
    input_range: Optional[List[str]] = o.InputRanges,
    meters: str = o.Meters,
    env_sets: Optional[str] = o.EnvSets,
    precisions: Optional[str] = o.Precisions, calibration_samples: Optional[int] = o.CalibrationSamples,
    quality_samples: Optional[int] = o.QualitySamples,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per cell (with what this host lacks)."),
    prepare: bool = typer.Option(False, "--prepare", help="Also build (or verify) every artifact the cells need "
                                 "into the cache ($EDGEBENCH_CACHE), e.g. to copy it to a host without the "
                                 "source framework."),
) -> None:
    """Show the expanded grid, cell by cell, in run order, without running it: the budget, the order and its
    seed, what this host cannot run (a missing environment, provider or meter) and an estimated duration."""
    from runner.cli import planning
    from runner.meters import select as select_meters

    spec = o.build_spec(preset, grid, models, frameworks, sources, batch_sizes, providers, threads, repetitions,
                        warmup_s, min_time_s, max_time_s, timeout_s, min_iterations, target_rel_ci, option,
                        warmup_iterations, memory_limit, order, seed, precisions, calibration_samples, quality_samples,
                        env_sets=env_sets, model_files=model_file, input_shapes=input_shape, input_ranges=input_range)
    cells = o.expand(spec)
    marks = planning.host_marks(cells)
    used, probes = select_meters(meters)
    width = max(len(c.cell_id) for c in cells)
    for i, cell in enumerate(cells):
        lacks = marks[cell.cell_id]
        if as_json:
            lacks_here = [{"kind": m.kind, "reason": m.reason} for m in lacks]
            typer.echo(json.dumps(dict(cell.to_dict(), cell_id=cell.cell_id, cannot_run_here=lacks_here)))
        else:
            typer.echo(f"{i:4d}  {cell.cell_id:{width}s}  {plain(planning.cell_mark(lacks))}".rstrip())
    typer.echo(f"{len(cells)} cells; {plain(plan.describe_order(spec))}", err=True)
    typer.echo(f"budget per cell: {planning.budget_text(spec.budget)}", err=True)
    if meters.strip().lower() != "none":
        typer.echo(f"energy: {plain(planning.energy_text(used, probes))}", err=True)
    for line in planning.summary(cells, marks, used):
        typer.echo(plain(line), err=True)
    if prepare:
        from runner.cli.progress import prepare_artifacts

        prepare_artifacts(cells, console)


@app.command("list")
@handled
def list_cmd(what: str = typer.Argument(..., metavar="WHAT", help="models | frameworks | options | precisions | "
                                                                  "presets | providers | formats | columns | "
                                                                  "artifacts")) -> None:
    """List WHAT: models, frameworks, options, precisions, presets, providers, model-file formats, columns or
    artifacts.

    A header, then one aligned line per item; imports no framework.
    """
    from runner.cli.listing import LISTINGS

    if what not in LISTINGS:
        raise UsageError(f"cannot list '{what}'", did_you_mean(what, LISTINGS))
    for line in LISTINGS[what]():
        typer.echo(plain(line))


@app.command()
@handled
def env(as_json: bool = typer.Option(False, "--json", help="Machine-readable output (raw SI values)."),
        with_providers: bool = typer.Option(True, "--providers/--no-providers",
                                            help="Ask each runtime's environment which execution providers it "
                                                 "can use here (imports each framework there: seconds each).")
        ) -> None:
    """Which framework environments, execution providers and energy meters exist here (and why not), and host
    facts."""
    from runner.cli.doctor import collect, render

    facts = collect(with_providers)
    if as_json:
        typer.echo(json.dumps(facts, indent=2, default=str))
    else:
        render(facts, make_console())


@app.command()
def version() -> None:
    """Print the edgebench version (as --version does)."""
    typer.echo(__version__)


report_cmd.register(app)
compact_cmd.register(app)
help_pages.dress(app)  # every help page ends with its examples


def main() -> None:
    app(prog_name="edgebench")


if __name__ == "__main__":
    sys.exit(main())
