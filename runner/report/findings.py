"""The published findings (``data/findings.json``) as predicates over a dataset, each giving a verdict.

    holds            the 95% CI supports the claim (the detail quotes the numbers)
    contradicted     the 95% CI excludes the claim (the detail quotes the numbers that disagree)
    not enough data  neither; the detail says what is missing (framework, model, device class, energy,
                     repetitions) or which comparisons are ties

Predicates are small functions registered by finding id (``findings_pcamp``, ``findings_greenai``); they
share the helpers of ``evidence`` and the one verdict rule of ``rules``. Cells and configurations left out
of a verdict (output disagrees with the reference, not converged, repetitions too spread) are named in it.
A dataset holding several version sets (``env_set``) gets each finding judged once per set, on that set's
cells alone: a verdict never compares one set's runtime with another set's.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable, Dict, Iterable, List, Optional

from runner.catalog.sets import CURRENT
from runner.report.evidence import Context
from runner.report.load import Dataset
from runner.report.rules import CONTRADICTED, HOLDS, MISSING, Result  # noqa: F401 (the verdicts, re-exported)

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
    env_set: str = ""  # the version set judged, where the dataset holds several ('' otherwise)

    @property
    def where(self) -> str:
        """'env <set>' when the verdict is one set's, else ''."""
        return f"env {self.env_set}" if self.env_set else ""


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
    """A verdict for every shipped finding (or the ids in ``only``); with several version sets in the data,
    one per finding and set, each judged on that set's cells alone (sets side by side, current first)."""
    from runner.report import findings_greenai, findings_pcamp  # noqa: F401 (registers the predicates)

    wanted = set(only) if only is not None else None
    chosen = [f for f in catalog() if wanted is None or f.id in wanted]
    env_sets = sorted(set(ds.cells["env_set"]), key=lambda s: (s != CURRENT, s)) if len(ds.cells) else []
    if len(env_sets) <= 1:
        ctx = Context(ds, laptops)
        return [_judge(ctx, f) for f in chosen]
    contexts = [(s, Context(ds.subset(ds.cells["env_set"] == s), laptops)) for s in env_sets]
    return [dataclasses.replace(_judge(ctx, f), env_set=s) for f in chosen for s, ctx in contexts]


def _judge(ctx: Context, f: Finding) -> Verdict:
    ctx.begin()
    verdict, detail = PREDICATES[f.id](ctx, f)
    left = ctx.left_out()
    return Verdict(f, verdict, f"{detail} | {left}" if left else detail)


#: How a report shows the findings: every verdict with its numbers, one line of counts, or nothing.
MODES = ("full", "summary", "off")
#: Grids that reproduce a study: their reports show the findings in full by default.
STUDY_GRIDS = ("pcamp", "greenai")
LEGEND = ("Evidence: [A] the paper's own abstract; [S] a published summary of the paper (its full text was "
          "not read). Verdicts: holds (the 95% CI supports the claim), contradicted (the CI excludes it), "
          "not enough data (neither; what is missing or undecided is said).")


def grid_names(manifests: Dict[str, Dict]) -> List[str]:
    """The grid (preset or grid file) names the runs were made with, from their manifests."""
    return sorted({str((inv.get("grid") or {}).get("name")) for m in manifests.values()
                   for inv in m.get("invocations") or [] if (inv.get("grid") or {}).get("name")})


def default_mode(manifests: Dict[str, Dict]) -> str:
    """'full' when a run reproduces a study (pcamp or greenai grid), else 'summary'."""
    return "full" if set(grid_names(manifests)) & set(STUDY_GRIDS) else "summary"


def tally(verdicts: List[Verdict]) -> str:
    """'20 checked: 1 holds, 0 contradicted, 19 not enough data'; per version set where verdicts are a set's
    ('env current: 20 checked: ...; env greenai-2023: 20 checked: ...')."""
    by_set: Dict[str, List[Verdict]] = {}
    for v in verdicts:
        by_set.setdefault(v.where, []).append(v)
    out = []
    for where, items in by_set.items():
        counts = {v: sum(1 for x in items if x.verdict == v) for v in (HOLDS, CONTRADICTED, MISSING)}
        text = f"{len(items)} checked: " + ", ".join(f"{n} {v}" for v, n in counts.items())
        out.append(f"{where}: {text}" if where else text)
    return "; ".join(out)


def parts(v: Verdict) -> List[str]:
    """The verdict's detail, one labelled part per line (numbers, supporting, disagreeing, left out)."""
    return [p.strip() for p in v.detail.split(" | ") if p.strip()]
