"""The answer a user came for: per device × model × batch × precision, which runtime to use, and how sure.

Four criteria (``BY``), each over the aggregated configurations (``summarize.aggregate``):

    latency     fastest steady state: the estimator's p50 (median of the repetitions' p50s)
    cold-start  fastest cold start: start-up + import + load + first inference, per repetition (summarize)
    memory      least memory: the worker's peak RSS
    energy      least energy per inference, trusted energy only (no fake meter, no estimate, windows long
                enough: ``summarize.trusted_energy_mask``)

Runtimes compete (``framework(source)/provider``, ``runner.naming``); each runtime is represented by its
best configuration (threads, options, version), named where they vary in the group. The best runtime is
the one with the best value; it is the winner only when the 95% CI of the ratio runner-up / best, from the
repetitions through the shared estimator (``rules.row_ratio``), lies wholly above 1 and the ratio is at
least 1 + ``compare.THRESHOLD`` (a smaller significant difference is "no clear winner", as in ``compare``).
Otherwise there is no clear winner among the runtimes whose CI against the best includes 1. With fewer
than ``MIN_REPETITIONS`` values on either side nothing is picked: between-process variance is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import pandas as pd

from runner.estimate import MIN_REPETITIONS, Ratio
from runner.naming import display_name, varying
from runner.report.compare import THRESHOLD
from runner.report.rules import METRICS, fmt, repetitions, row_ratio
from runner.report.summarize import GROUP_KEYS, groups

WINNER, TIE, FEW, MISSING, ALONE = "winner", "no clear winner", "not enough repetitions", "not measured", "alone"


@dataclass(frozen=True)
class Criterion:
    metric: str  # key of rules.METRICS
    title: str  # "steady state"
    better: str  # "faster", "less memory"
    what: str  # what the values are, for the reader


BY: Dict[str, Criterion] = {
    "latency": Criterion("latency", "steady state", "faster", "p50"),
    "cold-start": Criterion("cold_start", "cold start", "faster cold start", "start-up + import + load + first"),
    "memory": Criterion("memory", "memory", "less peak memory", "peak RSS"),
    "energy": Criterion("energy_trusted", "energy", "less energy per inference", "J per inference"),
}


@dataclass(frozen=True)
class Pick:
    """The outcome of one criterion in one group, with the numbers behind it."""

    group: Tuple  # device, model, batch size, precision
    by: str
    outcome: str  # WINNER, TIE, FEW, MISSING or ALONE
    best: str = ""
    runner_up: str = ""
    ratio: Optional[Ratio] = None  # runner-up / best
    best_value: Optional[float] = None
    runner_value: Optional[float] = None
    tied: Tuple[str, ...] = ()
    reason: str = ""
    below: bool = False  # a tie because the difference, though significant, is under the practical threshold

    @property
    def where(self) -> str:
        device, model, batch, precision = self.group
        return f"{device} · {model} · batch {batch} · {precision}"

    def text(self) -> str:
        """One line: the pick and its ratio with the 95% CI, or why there is none."""
        c = BY[self.by]
        if self.outcome == WINNER:
            return f"{self.best}: {ratio_text(self.ratio)} {c.better} than {self.runner_up} ({self._values()})"
        if self.outcome == TIE and self.below:
            return (f"no clear winner between {self.best} and {self.runner_up}: {self.runner_up} / {self.best} = "
                    f"{ratio_text(self.ratio)}, under the {THRESHOLD:.0%} practical threshold ({self._values()})")
        if self.outcome == TIE:
            names = _join(self.tied)
            return (f"no clear winner {'between' if len(self.tied) == 2 else 'among'} {names}: {self.runner_up} / "
                    f"{self.best} = {ratio_text(self.ratio)}, the 95% CI includes 1 ({self._values()})")
        return self.reason

    def _values(self) -> str:
        m = BY[self.by].metric
        return f"{BY[self.by].what} {fmt(m, self.best_value)} vs {fmt(m, self.runner_value)}"


def ratio_text(r: Optional[Ratio]) -> str:
    """'1.93× [1.71–2.12]' (the 95% CI in brackets), or the point value with 'no CI'."""
    if r is None:
        return "?"
    if not r.has_ci:
        return f"{_x(r.value)}× (no CI)"
    return f"{_x(r.value)}× [{_x(r.low)}–{_x(r.high)}]"


def _x(v: float) -> str:
    return f"{v:.2f}" if v < 10 else f"{v:.3g}" if v < 100 else f"{v:.0f}"


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _best_per_runtime(rows: pd.DataFrame, col: str) -> pd.DataFrame:
    """Each runtime's best configuration on ``col``, best first."""
    ordered = rows.sort_values(col, kind="mergesort")
    return ordered.drop_duplicates("runtime", keep="first")


def pick(rows: pd.DataFrame, by: str, why_missing: str = "") -> Pick:
    """The pick of criterion ``by`` among the configurations ``rows`` of one group."""
    c = BY[by]
    col = METRICS[c.metric][0]
    key = tuple(rows.iloc[0][k] for k in GROUP_KEYS)
    have = rows[rows[col].notna()]
    if have.empty:
        return Pick(key, by, MISSING, reason=f"not measured: {why_missing or 'no ' + c.what + ' in these rows'}")
    dims = varying(have.to_dict("records"), ("threads", "framework_version", "env_set", "options"))
    names = {i: display_name(r, dims) for i, r in have.iterrows()}
    top = _best_per_runtime(have, col)
    best = top.iloc[0]
    if len(top) == 1:
        return Pick(key, by, ALONE, names[best.name], best_value=best[col],
                    reason=f"only {names[best.name]} has {c.what} here: nothing to compare with")
    second = top.iloc[1]
    counts = {names[r.name]: len(repetitions(r, c.metric)) for r in (best, second)}
    base = dict(best=names[best.name], runner_up=names[second.name], best_value=best[col],
                runner_value=second[col])
    if min(counts.values()) < MIN_REPETITIONS:
        have_n = ", ".join(f"{n} {k}" for n, k in counts.items())
        return Pick(key, by, FEW, **base, reason=f"not enough repetitions to pick: {MIN_REPETITIONS} per runtime "
                    f"are needed to tell processes apart (have: {have_n}); run --repetitions {MIN_REPETITIONS} "
                    "or more")
    r = row_ratio(best, second, c.metric)
    if r is not None and r.direction() > 0:
        if r.value - 1 < THRESHOLD:
            return Pick(key, by, TIE, **base, ratio=r, tied=(base["best"], base["runner_up"]), below=True)
        return Pick(key, by, WINNER, **base, ratio=r)
    tied = [names[best.name]] + [names[o.name] for _, o in top.iloc[1:].iterrows()
                                 if (row_ratio(best, o, c.metric) or r).direction() <= 0]
    return Pick(key, by, TIE, **base, ratio=r, tied=tuple(tied))


def recommend(agg: pd.DataFrame, by: Sequence[str] = tuple(BY), why_missing: Optional[Dict[str, str]] = None
              ) -> List[Pick]:
    """Every criterion of ``by`` in every device × model × batch × precision group, in sorted group order."""
    why_missing = why_missing or {}
    return [pick(rows, b, why_missing.get(b, "")) for _, rows in groups(agg) for b in by]


def missing_reasons(cells: pd.DataFrame) -> Dict[str, str]:
    """Why a criterion may have no values at all in a group."""
    from runner.report.quality import energy_gap

    return {"energy": energy_gap(cells), "memory": "no peak RSS was recorded",
            "cold-start": "a phase time (start-up, import, load or first inference) is missing"}


#: How a winner reads in the summary paragraph, per criterion.
PURPOSE = {"latency": "the fastest steady state", "cold-start": "the fastest cold start",
           "memory": "the least memory", "energy": "the least energy per inference"}


def paragraph(picks: Sequence[Pick]) -> str:
    """One paragraph a user can act on, for the picks of one group: what to use for what, what is open."""
    device, model, batch, precision = picks[0].group
    winners: Dict[str, List[str]] = {}
    for p in picks:
        if p.outcome == WINNER:
            runner = p.runner_up.split(" ")[0]
            winners.setdefault(p.best, []).append(f"{PURPOSE[p.by]} ({ratio_text(p.ratio)} {_short(p.by)} than "
                                                  f"{runner})")
    said = [f"Use {best} for {_join(parts)}." for best, parts in winners.items()]
    for p in picks:
        if p.outcome == TIE and p.below:
            said.append(f"For {PURPOSE[p.by]} there is no clear winner between {_join(p.tied)} ({ratio_text(p.ratio)}"
                        f" is under the {THRESHOLD:.0%} practical threshold).")
        elif p.outcome == TIE:
            said.append(f"For {PURPOSE[p.by]} there is no clear winner {'between' if len(p.tied) == 2 else 'among'} "
                        f"{_join(p.tied)} (95% CI of {ratio_text(p.ratio)} includes 1).")
        elif p.outcome == FEW:
            said.append(f"For {PURPOSE[p.by]}, not enough repetitions to pick (run --repetitions "
                        f"{MIN_REPETITIONS} or more).")
        elif p.outcome == MISSING:
            said.append(f"{BY[p.by].title.capitalize()}: {p.reason}.")
        elif p.outcome == ALONE:
            said.append(f"{BY[p.by].title.capitalize()}: {p.reason}.")
    head = f"On {device}, {model} at batch {batch} ({precision}): "
    return head + " ".join(said) + (" Ratios are runner-up / best with their 95% CI over the repetitions."
                                    if winners else "")


def _short(by: str) -> str:
    return {"latency": "faster", "cold-start": "faster", "memory": "less", "energy": "less"}[by]


def paragraphs(picks: Sequence[Pick]) -> List[str]:
    """``paragraph`` per group, in the order of ``picks``."""
    by_group: Dict[Tuple, List[Pick]] = {}
    for p in picks:
        by_group.setdefault(p.group, []).append(p)
    return [paragraph(ps) for ps in by_group.values()]
