"""What a finding lacks, in words that are true of the data ("not enough data" verdicts).

The scope is narrowed one dimension at a time (frameworks, models, batch sizes, providers, device
classes); the first dimension that empties it is the gap, named with what the rows narrowed so far have
instead. A dimension in ``need_all`` needs every listed value (e.g. both the cuda and the tensorrt
provider), others any one of them. Then, inside the scope: each framework of ``needs`` must be there,
``at_least`` frameworks in all, ``pair`` must share a device/model/batch/provider/threads group with
another framework, and with ``energy`` some row must have trusted energy. When nothing is lacking but the
rows in scope were all left out (output differs, not converged, unstable), it says so.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import pandas as pd

from runner.report.evidence import COMPARE_KEYS, SCOPE, Context
from runner.report.rules import where

NAMES = {"framework": "framework", "model": "model", "batch_size": "batch size", "provider": "provider"}


def _values(rows: pd.DataFrame, col: str) -> str:
    got = sorted(map(str, set(rows[col]))) if not rows.empty else []
    return ", ".join(got) or "nothing"


def _among(applied: Sequence[str]) -> str:
    return f" among the rows with {'; '.join(applied)}" if applied else ""


def _classes(ctx: Context, rows: pd.DataFrame, classes: Sequence[str], applied: Sequence[str]) -> str:
    if "laptop" in classes and not ctx.laptops:
        return ("no device is labelled a laptop: laptop-class x86 cannot be told from x86 automatically "
                "(pass --laptop DEVICE to the report)")
    have = ", ".join(sorted(f"{d} ({c or '?'})" for d, c in set(zip(rows["device"], rows["device_class"]))))
    return f"no device of class {', '.join(classes)}{_among(applied)} (have: {have or 'nothing'})"


def _narrow(ctx: Context, seen: pd.DataFrame, scope: dict, need_all: Sequence[str]):
    """(rows in scope, what was applied, the first gap or None)."""
    rows, applied = seen, []
    for arg, col in SCOPE.items():
        wanted = scope.get(arg)
        if wanted is None:
            continue
        inside = rows[rows[col].isin(wanted)]
        absent = [str(w) for w in wanted if w not in set(inside[col])]
        if inside.empty or (arg in need_all and absent):
            shown = absent if arg in need_all else [str(w) for w in wanted]
            return inside, applied, (f"no ok rows for {NAMES[col]} {', '.join(shown)}{_among(applied)} "
                                     f"(have: {_values(rows, col)})")
        if len(inside) < len(rows):  # only what narrowed the rows is worth naming
            applied.append(f"{NAMES[col]} {', '.join(map(str, wanted))}")
        rows = inside
    classes = scope.get("classes")
    if classes:
        inside = ctx.select(rows, classes=classes)
        if inside.empty:
            return inside, applied, _classes(ctx, rows, classes, applied)
        if len(inside) < len(rows):
            applied.append(f"device class {', '.join(classes)}")
        rows = inside
    return rows, applied, None


def _paired(rows: pd.DataFrame, who: str) -> bool:
    """``who`` and another framework in one device/model/batch/provider/threads group (``*``: any two)."""
    return any(g["framework"].nunique() >= 2 if who == "*" else
               (g["framework"] == who).any() and (g["framework"] != who).any()
               for _, g in rows.groupby(COMPARE_KEYS, sort=False, dropna=False))


def _inside(seen: pd.DataFrame, rows: pd.DataFrame, applied: List[str], needs: Sequence[str], at_least: int,
            pair: Optional[str]) -> Optional[str]:
    """The first gap inside the scope: a needed framework, too few frameworks, or no shared group."""
    for who in needs:
        if who not in set(seen["framework"]):
            return f"no ok rows for framework {who} (have: {_values(seen, 'framework')})"
        if who not in set(rows["framework"]):
            ran = "; ".join(sorted({where(r) for _, r in seen[seen["framework"] == who].iterrows()})[:4])
            return f"framework {who} has no ok rows{_among(applied)} (it ran on: {ran})"
    if at_least and rows["framework"].nunique() < at_least:
        return f"only {_values(rows, 'framework')} has ok rows{_among(applied)}: {at_least}+ frameworks needed"
    if pair == "*" and not _paired(rows, pair):
        return f"no two frameworks{_among(applied)} ran on the same device/model/batch/provider/threads"
    if pair and not _paired(rows, pair):
        mine = "; ".join(sorted({where(r) for _, r in rows[rows["framework"] == pair].iterrows()})[:3])
        others = _values(rows[rows["framework"] != pair], "framework")
        return (f"no other framework{_among(applied)} ran on the same device/model/batch/provider/threads as "
                f"{pair} ({pair} ran on: {mine}; the others: {others})")
    return None


def missing(ctx: Context, need: str, needs: Sequence[str] = (), need_all: Sequence[str] = (), at_least: int = 0,
            pair: Optional[str] = None, energy: bool = False, **scope) -> str:
    """'needs …; <the first thing the data lacks>' for a finding whose comparison could not be made."""
    seen = pd.concat([ctx.all, ctx.excluded], ignore_index=True)
    if seen.empty:
        return (f"needs {need}; the dataset has no framework rows (null-adapter rows measure the harness "
                "and are not evidence)")
    rows, applied, gap = _narrow(ctx, seen, scope, need_all)
    gap = gap or _inside(seen, rows, applied, needs, at_least, pair)
    if gap is None and energy and not ctx.select(ctx.agg, **scope)["energy_j"].notna().any():
        gap = f"no trusted energy per inference{_among(applied)} ({ctx.energy_gap()})"
    if gap is None:
        gap = ("every row in scope was left out (see 'left out')" if ctx.select(ctx.agg, **scope).empty
               else "the rows in scope do not form such a comparison")
    return f"needs {need}; {gap}"
