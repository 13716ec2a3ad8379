"""Help pages: the examples at the end of every command's ``--help``, made from the catalog (so they name only
frameworks that exist, and generic code names none), and arguments shown by their names alone.

Each examples block starts with click's ``\\b`` marker, so its lines are printed as written, not re-wrapped.
"""

from __future__ import annotations

from typing import Dict, List

import typer
import typer.core

from runner import catalog

_RECORDS = [r for r in catalog.FRAMEWORKS.values() if not r.harness]
REF = catalog.REFERENCE_FRAMEWORK
#: A runtime fed by several sources, its sources, and a provider besides the CPU.
MULTI = next((r for r in _RECORDS if len(r.sources) > 1), catalog.FRAMEWORKS[REF])
SOURCES = ",".join(list(MULTI.sources)[:2])
GPU = next((p for p in MULTI.providers if p != "cpu"), "cpu")
#: An adapter option with a list of valid values, and its framework.
OPT_FW, OPT = next(((f, o) for f, o in catalog.options(r.name for r in _RECORDS) if o.values),
                   (REF, None))
OPT_ARG = f"-o {OPT.name}={','.join(OPT.values[:2])}" if OPT else f"-o fault=segfault,none --frameworks {REF}"
HARNESS = catalog.HARNESS[0] if catalog.HARNESS else REF

EXAMPLES: Dict[str, List[str]] = {
    "": [
        "edgebench run                       # the quick preset on every framework here",
        "edgebench plan --preset pcamp       # its cells, what cannot run here, how long it takes",
        "edgebench env                       # environments, providers, meters and why not",
        "edgebench report results/<run id>   # recommendation, tables, verdicts and figures",
        "edgebench recommend results/<run id>   # which runtime to use, and how sure",
        "edgebench <command> --help          # options and examples of each command",
    ],
    "run": [
        "edgebench run                                    # the quick preset; results/<date-time>/",
        "edgebench run --preset pcamp --repetitions 5 --order shuffled --seed 7",
        f"edgebench run --models tinycnn,alexnet --frameworks {REF},{MULTI.name} --batch-sizes 1,8 --threads 1,all",
        f"edgebench run --frameworks {MULTI.name} --sources {SOURCES} --providers cpu,{GPU}",
        f"edgebench run --frameworks {OPT_FW} {OPT_ARG}     # an adapter option as a grid dimension",
        "edgebench run --grid my-grid.toml --run-id lab-1  # the same --run-id again resumes",
        "edgebench run --model-file my.onnx --input-shape input=1x3x224x224   # your own model, every runtime "
        "that reads it",
        "edgebench run --meters rapl,nvml --idle-s 60 --active-idle-s 2",
        "edgebench run --export csv                       # also results/<run id>/summary.csv",
        f"edgebench run --frameworks {HARNESS} -o fault=segfault,none   # the harness, with an injected fault",
    ],
    "plan": [
        "edgebench plan                                   # the quick preset: cells, budget, duration",
        "edgebench plan --preset greenai --order shuffled --seed 7",
        f"edgebench plan --frameworks {MULTI.name} --providers cpu,{GPU}   # marks what this host cannot run",
        "edgebench plan --preset pcamp --json             # one JSON object per cell",
        f"edgebench plan --models tinycnn --frameworks {OPT_FW} --prepare   # build artifacts for another host",
    ],
    "list": [
        "edgebench list models        # inputs, shapes, dtypes, parameters",
        "edgebench list options       # each framework's adapter options and valid values",
        "edgebench list columns       # every stored column with its unit",
        "edgebench list formats       # model-file formats, their runtimes and conversions",
        "edgebench list artifacts     # the artifact cache",
    ],
    "env": [
        "edgebench env                  # also asks each runtime for its execution providers",
        "edgebench env --no-providers   # quicker: imports no framework",
        "edgebench env --json > env.json",
    ],
    "version": ["edgebench version", "edgebench --version"],
    "report": [
        "edgebench report results/lab-1                          # recommendation, tables, warnings, findings",
        "edgebench report results/lab-1 --format html            # report-lab-1/report.html, self-contained",
        "edgebench report results/ --out report/ --format html   # every run under results/, with figures",
        "edgebench report results/x86 results/jetson --out rep --laptop mbp-2018",
        "edgebench report results/lab-1 --findings full --export csv   # results.csv, recommendation.csv",
    ],
    "recommend": [
        "edgebench recommend results/lab-1                   # steady state, cold start, memory, energy",
        "edgebench recommend results/lab-1 --by cold-start   # one criterion",
        "edgebench recommend results/ --export json          # recommendation-<run id>.json",
    ],
    "compare": [
        "edgebench compare results/a results/b                   # p50 B/A per configuration with a 95% CI",
        "edgebench compare results/a results/b --metric energy",
        "edgebench compare results/main results/pr --fail-on slower   # exit 1 on a significant slowdown",
        "edgebench compare results/t1 results/t2 --ignore threads",
        "edgebench compare results/a results/b --export csv      # compare-a-vs-b.csv",
    ],
    "compact": [
        "edgebench compact results/rpi-lab-1          # one run: every part-*.jsonl -> part-*.parquet",
        "edgebench compact results/                   # every run below results/",
        "edgebench compact results/rpi-lab-1 --keep   # keep the .jsonl parts",
    ],
}


def epilog(command: str) -> str:
    """The examples block of ``command`` ('' for the app itself); empty when it has none."""
    lines = EXAMPLES.get(command)
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines) if lines else ""


class Command(typer.core.TyperCommand):
    """A command whose arguments with a metavar are listed by it alone (not followed by ``<list[Path]>``)."""

    def format_options(self, ctx, formatter) -> None:  # noqa: ANN001 - click's signature
        for param in self.params:
            if isinstance(param, typer.core.TyperArgument) and param.metavar:
                param.display_type_rich = lambda ctx=None: None  # type: ignore[method-assign]
        super().format_options(ctx, formatter)


def dress(app: typer.Typer) -> None:
    """Give every command of ``app`` its examples and this help formatting."""
    for info in app.registered_commands:
        info.epilog = info.epilog or epilog(info.name or info.callback.__name__)
        if info.cls in (None, typer.core.TyperCommand):
            info.cls = Command
