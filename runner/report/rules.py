"""One rule for every verdict and every "best" mark: *holds* when the 95% CI supports the claim,
*contradicted* when the CI excludes it, *not enough data* otherwise.

Two configurations compare by the estimator's ratio (``runner.estimate.ratio``): latency from the
repetitions' p50s (raw latencies when stored), memory, energy and load time from per-repetition values. A
difference counts only when the CI excludes 1; otherwise the two are tied, and a tie is the same outcome
in every helper: it neither supports nor excludes a claim. "X is best" needs X significantly better than
the best configuration of any other framework (the runner-up); equivalence claims ("indistinguishable",
"about 10% more") hold only when the whole CI lies inside the band and are contradicted when it lies
wholly outside (two one-sided tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import pandas as pd

from runner.estimate import Ratio, Repetition, ratio, values

HOLDS, CONTRADICTED, MISSING = "holds", "contradicted", "not enough data"
Result = Tuple[str, str]
#: metric -> (column of the configuration's value, column of its per-repetition data)
METRICS: Dict[str, Tuple[str, str]] = {
    "latency": ("p50_s", "reps"), "memory": ("rss_peak_bytes", "rss_values"), "energy": ("energy_j", "energy_values"),
    "energy_net": ("energy_net_j", "energy_net_values"), "load": ("load_first_s", "load_first_values"),
    "cold_start": ("cold_s", "cold_values"), "energy_trusted": ("energy_trusted_j", "energy_trusted_values"),
}
RatioFn = Callable[[pd.Series, pd.Series, str], Optional[Ratio]]


def repetitions(row: pd.Series, metric: str) -> List[Repetition]:
    """A configuration's per-repetition data for ``metric``, as the estimator takes it."""
    data = row[METRICS[metric][1]]
    return list(data) if metric == "latency" else values(data)


def row_ratio(a: pd.Series, b: pd.Series, metric: str) -> Optional[Ratio]:
    """b/a on ``metric`` with its 95% CI (None when either side has no data)."""
    return ratio(repetitions(a, metric), repetitions(b, metric))


def better(r: Optional[Ratio], largest: bool = False) -> int:
    """For r = B/A: +1 A is significantly better (lower, or higher with ``largest``), -1 worse, 0 tied."""
    if r is None:
        return 0
    return -r.direction() if largest else r.direction()


def where(row: pd.Series) -> str:
    """'device/model/b1/cpu' for a configuration."""
    return f"{row['device']}/{row['model']}/b{row['batch_size']}/{row['provider']}"


def fmt(metric: str, value: float) -> str:
    """A metric value with its unit, readable."""
    if metric in ("latency", "mean", "load", "cold_start"):
        return f"{value * 1e3:.3g} ms" if value < 1 else f"{value:.3g} s"
    if metric == "memory":
        return f"{value / 2**20:.0f} MiB"
    return f"{value:.3g} J"


def best_row(rows: pd.DataFrame, metric: str, largest: bool = False) -> pd.Series:
    """The configuration with the best point value of ``metric``."""
    col = rows[METRICS[metric][0]]
    return rows.loc[col.idxmax() if largest else col.idxmin()]


@dataclass(frozen=True)
class Standing:
    """How one unit (a group, a pair) bears on a claim: +1 supports, -1 excludes, 0 undecided; with numbers.
    ``ci`` is False when the comparison has no interval (a side with one repetition)."""

    sign: int
    text: str
    ci: bool = True


def has_ci(*ratios: Optional[Ratio]) -> bool:
    """Every ratio exists and has a 95% CI."""
    return all(r is not None and r.has_ci for r in ratios)


def standing(rows: pd.DataFrame, who: str, metric: str, ratio_fn: RatioFn = row_ratio, largest: bool = False,
             by: str = "framework") -> Standing:
    """Is ``who`` (a value of column ``by``) significantly best in ``rows`` against the runner-up?"""
    rows = rows.dropna(subset=[METRICS[metric][0]])
    mine, others = rows[rows[by] == who], rows[rows[by] != who]
    if mine.empty or others.empty:
        return Standing(0, f"no {who} or no other configuration with {metric}")
    a, b = best_row(mine, metric, largest), best_row(others, metric, largest)
    r = ratio_fn(a, b, metric)
    col = METRICS[metric][0]
    return Standing(better(r, largest), f"{where(a)}: {a['label']} {fmt(metric, a[col])} vs runner-up "
                                        f"{b['label']} {fmt(metric, b[col])} (×{r.text() if r else '?'})", has_ci(r))


def winner(rows: pd.DataFrame, metric: str, ratio_fn: RatioFn = row_ratio, largest: bool = False,
           by: str = "framework") -> Tuple[Optional[str], Standing]:
    """The value of ``by`` that is significantly best in ``rows`` (None for a tie), with the numbers."""
    rows = rows.dropna(subset=[METRICS[metric][0]])
    top = best_row(rows, metric, largest)[by]
    s = standing(rows, top, metric, ratio_fn, largest, by)
    return (top if s.sign > 0 else None), s


#: Labels of the parts of a verdict's detail (joined by " | "; a report shows one part per line).
SUPPORTING, DISAGREEING, UNDECIDED = "supporting", "disagreeing", "undecided"


def _undecided(items: Sequence[Standing], n: int, unit: str) -> str:
    """'undecided: 2 of 5 groups (…): a; b' for the ties, saying whether they lack a CI or the CI includes 1."""
    tied = [s for s in items if s.sign == 0]
    no_ci = sum(1 for s in tied if not s.ci)
    why = [f"{len(tied) - no_ci} tied: the 95% CI includes 1"] if len(tied) > no_ci else []
    why += [f"{no_ci} without a CI: a side has 1 repetition, run --repetitions 3 or more"] if no_ci else []
    return f"{UNDECIDED}: {len(tied)} of {n} {unit} ({'; '.join(why)}): " + "; ".join(s.text for s in tied[:3])


def _parts(items: Sequence[Standing], n: int, unit: str, claim: str) -> List[str]:
    """The labelled parts: disagreeing, undecided, supporting (those that have members)."""
    against = [s.text for s in items if s.sign < 0]
    sup = [s.text for s in items if s.sign > 0]
    parts = [f"{DISAGREEING} (the CI excludes the claim): {len(against)} of {n} {unit}: " + "; ".join(against[:3])
             ] if against else []
    parts += [_undecided(items, n, unit)] if any(s.sign == 0 for s in items) else []
    parts += [f"{SUPPORTING} ({claim}): {len(sup)} of {n} {unit}: " + "; ".join(sup[:3])] if sup else []
    return parts


def every(items: Sequence[Standing], claim: str, unit: str = "groups") -> Result:
    """"``claim`` in every unit": holds when all support it, contradicted when any excludes it."""
    if not items:
        return MISSING, f"no comparable {unit}"
    n = len(items)
    verdict = CONTRADICTED if any(s.sign < 0 for s in items) else MISSING if any(s.sign == 0 for s in items) \
        else HOLDS
    return verdict, " | ".join(_parts(items, n, unit, claim))


def majority(items: Sequence[Standing], claim: str, unit: str = "pairs") -> Result:
    """"``claim`` usually": holds when supported units are already a majority, contradicted when they cannot
    become one even if every tie turned its way."""
    if not items:
        return MISSING, f"no comparable {unit}"
    n = len(items)
    sup = sum(1 for s in items if s.sign > 0)
    tied = sum(1 for s in items if s.sign == 0)
    verdict = HOLDS if sup > n / 2 else CONTRADICTED if sup + tied <= n / 2 else MISSING
    head = f"{claim} in {sup} of {n} {unit}, a majority needs {n // 2 + 1}"
    return verdict, " | ".join([head, *_parts(items, n, unit, claim)])


def equivalence(r: Optional[Ratio], low: float, high: float) -> int:
    """+1 the whole CI lies in [low, high], -1 it lies wholly outside, 0 otherwise (or no CI)."""
    if r is None or not r.has_ci:
        return 0
    if low <= r.low and r.high <= high:
        return 1
    return -1 if r.high < low or r.low > high else 0


def combine(*parts: Tuple[str, Result]) -> Result:
    """Join per-metric verdicts: contradicted wins, then not enough data, else holds; every detail kept."""
    verdicts = [v for _, (v, _) in parts]
    verdict = next((v for v in (CONTRADICTED, MISSING, HOLDS) if v in verdicts), MISSING)
    order = sorted(parts, key=lambda p: p[1][0] != verdict)
    lines = [f"{name} {v}: {part}" if i == 0 else f"{name} {part}"
             for name, (v, detail) in order for i, part in enumerate(detail.split(" | "))]
    return verdict, " | ".join(lines)


MARKS = (("fastest", "latency"), ("leanest", "memory"), ("most frugal", "energy"))


def marks(rows: pd.DataFrame) -> Dict[int, List[str]]:
    """Index → ['fastest', 'leanest', 'most frugal'] for the configuration that is significantly best on each
    metric; '(tie)' appended when its CI against the runner-up includes 1. Only where 2+ rows have the metric."""
    out: Dict[int, List[str]] = {}
    for name, metric in MARKS:
        have = rows.dropna(subset=[METRICS[metric][0]])
        if len(have) >= 2:
            top, _ = winner(have.assign(_row=have.index), metric, by="_row")
            idx = best_row(have, metric).name
            out.setdefault(idx, []).append(name if top is not None else f"{name} (tie)")
    return out
