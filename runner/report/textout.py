"""Tables that fit the terminal (or a pipe) without cutting a number.

A table is printed whole when it fits the console's width (text columns may wrap, numbers never do).
Otherwise its columns are split into several tables that each repeat the key columns (the runtime), and
when even one column beside the key does not fit, each row is printed as a block of ``header: value``
lines (transposed). Rich's own shrinking (which cuts numbers to ``6.…``) is never relied on: every
numeric column is at least as wide as its widest value. Titles, headers and values are data: they are shown
through :func:`runner.cli.text.safe`, and a column is as wide as its escaped text.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from runner.cli.text import plain, safe

#: A text column (a runtime's name, notes) wraps beyond this many characters.
TEXT_MAX = 40
#: Width of output that goes to a pipe or a file ($COLUMNS overrides): wide enough for a results table.
PIPE_WIDTH = 200


def make_console(stderr: bool = False, width: Optional[int] = None) -> Console:
    """A console for a terminal (its own width) or a pipe (plain text, ``$COLUMNS`` or ``PIPE_WIDTH``)."""
    stream = sys.stderr if stderr else sys.stdout
    if width is None and not stream.isatty():
        width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else PIPE_WIDTH
    return Console(stderr=stderr, width=width, soft_wrap=False)


def _width(headers: Sequence[str], rows: Sequence[Sequence[str]], i: int, numeric: bool) -> int:
    """A column's width: a number column its widest value, a text column at most ``TEXT_MAX`` (its text
    wraps), either at least its header's longest word (headers wrap between words)."""
    widest = max([len(plain(r[i])) for r in rows] + [1])
    words = max([len(w) for w in plain(headers[i]).split()] + [1])
    return max(widest if numeric else min(widest, TEXT_MAX), words)


def _table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
           cols: Sequence[int], styles: Optional[Sequence[Optional[str]]] = None) -> Table:
    table = Table(title=safe(title) if title else None, title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    for i in cols:
        table.add_column(safe(headers[i]), justify="right" if numeric[i] else "left", overflow="fold",
                         width=_width(headers, rows, i, numeric[i]))
    for k, r in enumerate(rows):
        table.add_row(*(safe(r[i]) for i in cols), style=styles[k] if styles else None)
    return table


def _widths(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> List[int]:
    return [_width(headers, rows, i, numeric[i]) for i in range(len(headers))]


def _span(widths: Sequence[int], cols: Sequence[int]) -> int:
    """Characters per line of a table of columns ``cols`` at ``widths``: a space of padding on either side of
    each column but at the outer edges (``pad_edge`` off), a divider between columns and an edge at each side
    (``box.SIMPLE_HEAD``), so 3 per column less 1."""
    return sum(widths[i] for i in cols) + 3 * len(cols) - 1 if cols else 0


def table_width(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
                cols: Sequence[int]) -> int:
    """Characters per line of the table of columns ``cols`` (every column at its full width) as Rich prints it,
    counted rather than rendered (a fleet's report fits hundreds of tables)."""
    return _span(_widths(headers, rows, numeric), list(cols)) if rows else 0


def chunks(console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
           key: int = 1) -> Optional[List[List[int]]]:
    """Column indices per table so that each fits (the first ``key`` columns repeated); None: none fits."""
    widths = _widths(headers, rows, numeric)
    rest = list(range(key, len(headers)))
    out: List[List[int]] = []
    while rest:
        cols = list(range(key)) + [rest[0]]
        if _span(widths, cols) > console.width:
            return None
        for i in rest[1:]:
            if _span(widths, cols + [i]) > console.width:
                break
            cols.append(i)
        out.append(cols)
        rest = rest[len(cols) - key:]
    return out


def print_table(console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
                numeric: Sequence[bool], key: int = 1, styles: Optional[Sequence[Optional[str]]] = None) -> None:
    """``rows`` under ``headers`` fitted to the console's width (see the module docstring)."""
    if table_width(headers, rows, numeric, range(len(headers))) <= console.width:
        console.print(_table(title, headers, rows, numeric, range(len(headers)), styles))
        return
    parts = chunks(console, headers, rows, numeric, key)
    if parts is None:
        transposed(console, title, headers, rows, key)
        return
    for n, cols in enumerate(parts, 1):
        console.print(_table(f"{title} ({n}/{len(parts)})", headers, rows, numeric, cols, styles))


def transposed(console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
               key: int = 1) -> None:
    """One block per row: its key values, then ``header: value`` per other column with a value."""
    if title:
        console.print(safe(title), highlight=False)
    for r in rows:
        console.print(safe(" · ".join(str(v) for v in r[:key])), style="bold", highlight=False)
        for h, v in zip(headers[key:], r[key:]):
            if str(v) not in ("", "-"):
                console.print(f"  {safe(h)}: {safe(v)}", highlight=False)
