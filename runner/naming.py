"""One naming style for a runtime and a configuration, wherever a person reads them.

A runtime is its framework, the framework that exported its artifact where that differs, and its execution
provider where it is not the CPU, then its adapter options::

    <framework>    <framework>(<source>)    <framework>(<source>)/<provider>    <framework> [<key>=<value>]

A configuration adds the model, the precision unless fp32, the batch size, the threads, (for one process)
the repetition and the version set unless current::

    <model> <framework>(<source>)/<provider> b1 t4 r0    <model> <framework>(<source>) int8 b1 t4 r0 env <set>

Cell ids stay as they are (``<model>-<framework>[-<source>][-<precision>]-b1-<provider>-t4-r0[-<set>]``):
they name files. Standard library only (the progress line, the run summary and ``plan`` use it; the report's
labels follow the same style).
"""

from __future__ import annotations

from typing import Dict, Iterable, Mapping, Sequence, Tuple, Union

from runner.catalog.sets import CURRENT

Options = Union[str, Iterable[Tuple[str, str]]]


def options_text(options: Options) -> str:
    """``"k=v,k2=v2"`` from the row's text or a cell's ``(key, value)`` pairs ('' when none)."""
    if isinstance(options, str):
        return options
    return ",".join(f"{k}={v}" for k, v in options)


def runtime_label(framework: str, source: str = "", provider: str = "cpu", options: Options = "") -> str:
    """``framework(source)/provider [options]``: the source only where it differs, the provider unless CPU."""
    text = framework
    if source and source != framework:
        text += f"({source})"
    if provider and provider != "cpu":
        text += f"/{provider}"
    opts = options_text(options or "")
    return text + (f" [{opts}]" if opts else "")


def config_label(model: str, framework: str, source: str, batch_size: int, provider: str, threads: int,
                 options: Options = "", repetition: Union[int, None] = None, precision: str = "") -> str:
    """``model runtime[ precision] b<batch> t<threads>[ r<repetition>][ [options]]`` (the precision unless fp32)."""
    shown = f" {precision}" if precision and precision != "fp32" else ""
    text = f"{model} {runtime_label(framework, source, provider)}{shown} b{batch_size} t{threads}"
    if repetition is not None:
        text += f" r{repetition}"
    opts = options_text(options or "")
    return text + (f" [{opts}]" if opts else "")


def cell_label(cell) -> str:
    """The label of one process (a :class:`runner.cell.Cell`), its repetition included (and its version set
    where it is not the current one)."""
    text = config_label(cell.model, cell.framework, cell.source, cell.batch_size, cell.provider, cell.threads,
                        cell.options, cell.repetition, cell.precision)
    env_set = getattr(cell, "env_set", CURRENT)
    return text if env_set == CURRENT else f"{text} env {env_set}"


#: Identity dimensions beyond the runtime that a label names when they vary: (column, how it is written).
VARYING: Tuple[Tuple[str, str], ...] = (
    ("threads", "t{}"), ("precision", "{}"), ("framework_version", "v{}"), ("env_set", "env {}"),
    ("device", "on {}"),
)


def varying(rows: Iterable[Mapping], columns: Sequence[str] = tuple(c for c, _ in VARYING)) -> Tuple[str, ...]:
    """The columns of ``columns`` that take more than one value for the same runtime (framework, source,
    provider, options) over ``rows``: what a label must add so that no two rows read the same."""
    seen: Dict[Tuple[str, str], set] = {}
    for r in rows:
        who = runtime_label(r["framework"], r.get("source") or "", r.get("provider") or "", r.get("options") or "")
        for c in columns:
            if c in r and r[c] is not None and r[c] == r[c]:  # r[c] == r[c]: not NaN
                seen.setdefault((c, who), set()).add(str(r[c]))
    return tuple(c for c in columns if any(len(v) > 1 for (col, _), v in seen.items() if col == c))


def display_name(row: Mapping, dims: Sequence[str] = ()) -> str:
    """``runtime_label`` of ``row`` followed by its value of each dimension in ``dims`` (those that vary):
    ``<framework> t2``, ``<framework> int8``."""
    text = runtime_label(row["framework"], row.get("source") or "", row.get("provider") or "",
                         row.get("options") or "")
    extra = [fmt.format(row[c]) for c, fmt in VARYING if c in dims and row.get(c) not in (None, "")]
    return " ".join([text, *extra])
