"""``edgebench list WHAT``: one line per item (imports no framework)."""

from __future__ import annotations

import json
from typing import Callable, Dict, List

from runner import catalog, config, plan
from runner.models.spec import MODELS


def models() -> List[str]:
    return [f"{m.name:14s} {m.output:26s} params {m.params or m.published_params:>12,.0f}  "
            f"batch {list(m.batch_sizes)}  {','.join(m.studies)}" for m in MODELS.values()]


def frameworks() -> List[str]:
    return [f"{f.name:12s} env={f.env:12s} artifact={f.artifact:13s} providers={','.join(f.providers):28s} "
            f"sources={','.join(f.sources):28s} {f.description}" for f in catalog.FRAMEWORKS.values()]


def options() -> List[str]:
    """Each framework's adapter options: default, valid values, what it does."""
    return [f"{fw:12s} {o.name:12s} default {o.default:6s} valid {o.valid.replace(', ', '|'):28s} {o.description}"
            for fw, o in catalog.options()]


def presets() -> List[str]:
    return [f"{p:8s} {len(plan.expand(config.preset(p))):4d} cells  models={','.join(config.preset(p).models)}"
            for p in config.PRESETS]


def columns() -> List[str]:
    from runner.results.schema import describe

    return [f"{c['name']:28s} {c['unit']:8s} {c['description']}" for c in describe()]


def artifacts() -> List[str]:
    """The artifact cache's verified-or-not entries: model, kind-from-source-version, size on disk, folder."""
    from runner.artifacts import cache_dir, tree_bytes

    root = cache_dir() / "artifacts"
    lines = []
    for meta_file in sorted(root.glob("*/*/artifact.json")):
        folder = meta_file.parent
        try:
            files = json.loads(meta_file.read_text()).get("files")
            size = f"{tree_bytes(folder, files):>14,d} bytes"
        except (OSError, ValueError, TypeError) as exc:
            size = f"unreadable ({exc.__class__.__name__})"
        lines.append(f"{folder.parent.name:14s} {folder.name:48s} {size}  {folder}")
    return lines or [f"no artifacts in {root} (edgebench plan --prepare builds them)"]


LISTINGS: Dict[str, Callable[[], List[str]]] = {
    "models": models, "frameworks": frameworks, "options": options, "presets": presets,
    "providers": lambda: list(catalog.PROVIDERS), "columns": columns, "artifacts": artifacts,
}


def lines(what: str) -> List[str]:
    return LISTINGS[what]()
