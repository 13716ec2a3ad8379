"""The published findings (``data/findings.json``) as predicates over a dataset, each giving a verdict.

    holds            the measurements agree (the detail quotes them)
    contradicted     the measurements disagree (the detail quotes the numbers that disagree)
    not enough data  the detail says exactly what is missing (framework, model, device class, energy, ...)

Predicates are small functions registered by finding id (``findings_pcamp``, ``findings_greenai``); they
share the helpers of ``evidence`` and the verdict rules below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import pandas as pd

from runner.report.evidence import METRICS, Context, best_config, fmt, where
from runner.report.load import Dataset

HOLDS, CONTRADICTED, MISSING = "holds", "contradicted", "not enough data"
Result = Tuple[str, str]
Predicate = Callable[[Context, "Finding"], Result]
PREDICATES: Dict[str, Predicate] = {}


@dataclass(frozen=True)
class Finding:
    """One published finding, as shipped in ``data/findings.json``."""

    id: str
    study: str
    statement: str
    scope: str
    evidence: str
    source: str
    parameters: Dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    finding: Finding
    verdict: str
    detail: str


def predicate(finding_id: str) -> Callable[[Predicate], Predicate]:
    """Register ``fn`` as the predicate of ``finding_id``."""
    def register(fn: Predicate) -> Predicate:
        PREDICATES[finding_id] = fn
        return fn
    return register


def _data() -> Dict:
    return json.loads(resources.files("runner.report").joinpath("data/findings.json").read_text("utf-8"))


def catalog() -> List[Finding]:
    """The shipped findings, in their published order."""
    data = _data()
    return [Finding(f["id"], f["study"], f["statement"], f["scope"], f["evidence"], data["studies"][f["study"]],
                    f.get("parameters", {})) for f in data["findings"]]


def evaluate(ds: Dataset, laptops: Iterable[str] = (), only: Optional[Iterable[str]] = None) -> List[Verdict]:
    """A verdict for every shipped finding (or the ids in ``only``)."""
    from runner.report import findings_greenai, findings_pcamp  # noqa: F401 (registers the predicates)

    ctx = Context(ds, laptops)
    wanted = set(only) if only is not None else None
    return [Verdict(f, *PREDICATES[f.id](ctx, f)) for f in catalog() if wanted is None or f.id in wanted]


def standing(ctx: Context, group: pd.DataFrame, who: str, metric: str, largest: bool = False) -> Tuple[int, str]:
    """+1 ``who`` is best in the group on ``metric``, 0 tied with the best, -1 beaten; with the numbers."""
    col = METRICS[metric]
    group = group.dropna(subset=[col])
    mine = best_config(group, who, col, largest)
    result, lines = 1, []
    for _, other in group[group["framework"] != who].iterrows():
        r = ctx.ratio(mine, other, metric)
        sign = r.sign() if r else 0
        beaten = sign == 1 if largest else sign == -1
        if beaten or (sign == 0 and result == 1):
            result = -1 if beaten else 0
        lines.append(f"{other['label']} {fmt(metric, other[col])} (×{r.text() if r else '?'})")
    head = f"{where(mine)}: {who} {fmt(metric, mine[col])} vs " + ", ".join(lines)
    return result, head


def tally(results: List[Tuple[int, str]], claim: str) -> Result:
    """Verdict for "``claim`` in every group": any -1 contradicts, all +1 (or ties) hold."""
    if not results:
        return MISSING, "no comparable groups"
    bad = [t for s, t in results if s < 0]
    if bad:
        return CONTRADICTED, f"{len(bad)} of {len(results)} groups disagree: " + "; ".join(bad[:3])
    ties = sum(1 for s, _ in results if s == 0)
    tie_note = f" ({ties} within measurement uncertainty of the best)" if ties else ""
    return HOLDS, f"{claim} in {len(results)} of {len(results)} groups{tie_note}: " + "; ".join(
        t for _, t in results[:3])


def pairwise(results: List[Tuple[int, str]], claim: str) -> Result:
    """Verdict for "always better": any +1 contradicts, all -1 hold, ties leave it open."""
    if not results:
        return MISSING, "no comparable pairs"
    worse = [t for s, t in results if s > 0]
    ties = [t for s, t in results if s == 0]
    if worse:
        return CONTRADICTED, f"{len(worse)} of {len(results)} pairs disagree: " + "; ".join(worse[:3])
    if ties:
        return MISSING, (f"{len(ties)} of {len(results)} pairs are within measurement uncertainty "
                         "(more iterations or repetitions needed): " + "; ".join(ties[:3]))
    return HOLDS, f"{claim} in {len(results)} of {len(results)} pairs: " + "; ".join(t for _, t in results[:3])


def combine(*parts: Tuple[str, Result]) -> Result:
    """Join per-metric verdicts: contradicted wins, then not enough data, else holds; every detail kept."""
    verdicts = [v for _, (v, _) in parts]
    verdict = next((v for v in (CONTRADICTED, MISSING, HOLDS) if v in verdicts), MISSING)
    order = sorted(parts, key=lambda p: p[1][0] != verdict)
    return verdict, " | ".join(f"{name} {v}: {detail}" for name, (v, detail) in order)
