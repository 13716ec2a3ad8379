"""``edgebench list WHAT``: a header line, then one aligned line per item (plain text; imports no framework)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Dict, List, Sequence

from runner import catalog, config, plan
from runner.cli.units import size
from runner.frameworks.record import PRECISIONS, Record
from runner.models.spec import MODEL_FAMILIES, MODELS, InputSpec

WEIGHTS_NOTE = ("weights are seeded (seed {seed}), not trained: every runtime runs the same function on the same "
                "seeded input, so outputs are compared between runtimes, never judged for accuracy")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    """``header`` and ``rows`` as aligned columns, two spaces apart; the last column is not padded."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 1)]
    return ["  ".join([*(f"{str(c):{w}s}" for c, w in zip(r, widths)), str(r[-1])]).rstrip()
            for r in [header, *rows]]


def _input(spec: InputSpec) -> str:
    return f"{spec.name} {spec.dtype}[N,{','.join(map(str, spec.shape))}]"


def models() -> List[str]:
    from runner.artifacts import WEIGHT_SEED

    rows = [(m.name, m.family, "; ".join(map(_input, m.inputs)), m.output, f"{m.params or m.published_params:,.0f}",
             ",".join(map(str, m.batch_sizes)), ",".join(m.studies)) for m in MODELS.values()]
    lines = table(("model", "family", "inputs (N = batch)", "output", "params", "batches", "studies"), rows)
    return lines + ["", WEIGHTS_NOTE.format(seed=WEIGHT_SEED)]


def frameworks() -> List[str]:
    rows = [(f.name, f.env, f.artifact, ",".join(f.providers), ",".join(f.sources), f.description)
            for f in catalog.FRAMEWORKS.values()]
    return table(("framework", "env", "artifact", "providers", "sources", "description"), rows)


def options() -> List[str]:
    """Each framework's adapter options: default, valid values, what it does."""
    rows = [(fw, o.name, o.default, o.valid.replace(", ", "|"), o.description) for fw, o in catalog.options()]
    return table(("framework", "option", "default", "valid", "description"), rows)


def precisions() -> List[str]:
    """Each framework's precisions: the method (per model family where it differs) or why it has none."""
    rows = []
    for fw in catalog.FRAMEWORKS.values():
        for name in PRECISIONS:
            for family in _families(fw, name):
                entry = fw.precision(name, family)
                how = (f"{entry.quantization}{', calibrated' if entry.calibrated else ''}"
                       f"{', derived from the fp32 artifact' if entry.derived else ''}" if entry.supported
                       else f"unsupported: {entry.unsupported}")
                rows.append((fw.name, name, family or "every", how))
    return table(("framework", "precision", "models", "method"), rows)


def _families(fw: Record, name: str) -> List[str]:
    """The model families whose ``name`` entries differ ([''] when one entry serves every model)."""
    families = [p.family for p in fw.precisions if p.name == name and p.family]
    return families + ([""] if not families else [f for f in MODEL_FAMILIES if f not in families][:1])


def presets() -> List[str]:
    rows = []
    for name in config.PRESETS:
        spec = config.preset(name)
        rows.append((name, str(len(plan.expand(spec))), str(spec.repetitions), ",".join(spec.models),
                     ",".join(spec.frameworks)))
    return table(("preset", "cells", "repetitions", "models", "frameworks"), rows)


def providers() -> List[str]:
    rows = [(p, ",".join(f.name for f in catalog.FRAMEWORKS.values() if p in f.providers))
            for p in catalog.PROVIDERS]
    return table(("provider", "frameworks that know it (edgebench env: which work here)"), rows)


def formats() -> List[str]:
    """Model-file formats (``--model-file``): how a file is recognised, its own runtime, what runs it."""
    from runner.catalog.formats import FORMATS, conversions, runtimes

    rows = [(f.name, ", ".join(f.suffixes) or f"folder with {f.marker}", owner.name, ",".join(runtimes(f.name)),
             "; ".join(f"{c.target} by {r.name} ({c.tool})" for r, c in conversions(f.name)) or "-")
            for f, owner in FORMATS.values()]
    return table(("format", "file", "own runtime (reference)", "runs on", "converted to"), rows)


def columns() -> List[str]:
    from runner.results.schema import describe

    return table(("column", "unit", "description"), [(c["name"], c["unit"], c["description"]) for c in describe()])


def artifacts() -> List[str]:
    """The artifact cache's verified-or-not entries: model, kind-from-source-version, size on disk, folder."""
    from runner.artifacts import cache_dir, tree_bytes

    root = cache_dir() / "artifacts"
    rows = []
    made = sorted(root.glob("*/*/artifact.json")) + sorted((cache_dir() / "models").glob("*/*/artifact.json"))
    for meta_file in made:  # built-in models by name, model files by sha256
        folder = meta_file.parent
        try:
            files = json.loads(meta_file.read_text()).get("files")
            shown = size(tree_bytes(folder, files))
        except (OSError, ValueError, TypeError) as exc:
            shown = f"unreadable ({exc.__class__.__name__})"
        rows.append((_model_of(folder), folder.name, shown, str(folder)))
    if not rows:
        return [f"no artifacts in {root} (edgebench plan --prepare builds them)"]
    return table(("model", "artifact", "size", "folder"), rows)


def _model_of(folder: Path) -> str:
    """A built-in model's name; a model file's name as given with its sha256's first 12 hex digits."""
    if folder.parent.parent.name != "models":
        return folder.parent.name
    try:
        given = json.loads((folder.parent / "file" / "artifact.json").read_text()).get("given_as")
    except (OSError, ValueError, AttributeError):
        given = None
    return f"{given or 'model file'} ({folder.parent.name[:12]})"


LISTINGS: Dict[str, Callable[[], List[str]]] = {
    "models": models, "frameworks": frameworks, "options": options, "precisions": precisions,
    "presets": presets, "providers": providers, "columns": columns, "artifacts": artifacts, "formats": formats,
}


def lines(what: str) -> List[str]:
    return LISTINGS[what]()
