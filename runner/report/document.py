"""A report as a list of blocks (headings, paragraphs, lists, tables, figures), rendered to Markdown or HTML.

The HTML page is self-contained: figures are inlined as SVG, the style sheet is in the page. Table cells
may be ``Mark``s (a verdict or an outcome: colour-coded in HTML, bold in Markdown) and may hold line
breaks; numeric columns are right-aligned, text left-aligned.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Union


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    kind: str = ""  # "summary": set apart (the recommendation's paragraph)


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Mark:
    """A cell whose meaning has a colour: ``good`` (holds, a winner), ``bad`` (contradicted), ``open``."""

    text: str
    kind: str = "open"

    def __str__(self) -> str:
        return self.text


Cell = Union[str, Mark]


@dataclass(frozen=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    numeric: Optional[Sequence[bool]] = None  # per column; None: guessed from the cells


@dataclass(frozen=True)
class Image:
    """A figure: the PNG's relative path (Markdown) and the SVG markup (inlined in HTML)."""

    path: str
    alt: str
    svg: str = ""


Block = Union[Heading, Para, Bullets, Table, Image]
NUMBER = re.compile(r"^[-+]?[\d.,]+(e[-+]?\d+)?%?( ?[–-] ?[\d.,]+(e[-+]?\d+)?)?( ≈)?$|^-$|^none \(1 rep\)$")


def _md_text(text: str) -> str:
    """Text for Markdown: HTML escaped (Markdown renders raw HTML), one line."""
    return html.escape(str(text), quote=False).replace("\r", " ").replace("\n", " ")


def _md_cell(text: Cell) -> str:
    """A table cell or list item: HTML escaped, ``|`` escaped, line breaks as ``<br>``, a Mark in bold."""
    body = html.escape(str(text), quote=False).replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")
    return f"**{body}**" if isinstance(text, Mark) and text.kind != "open" and body else body


def numeric_columns(t: Table) -> List[bool]:
    """Which columns hold numbers only (right-aligned)."""
    if t.numeric is not None:
        return list(t.numeric)
    return [bool(t.rows) and all(NUMBER.match(str(r[i]).strip()) for r in t.rows) for i in range(len(t.headers))]


def to_markdown(blocks: List[Block]) -> str:
    """GitHub-flavoured Markdown; every text is HTML-escaped, so data cannot inject markup into a viewer."""
    out: List[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"{'#' * b.level} {_md_text(b.text)}")
        elif isinstance(b, Para):
            out.append(_md_text(b.text))
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {_md_cell(i)}" for i in b.items))
        elif isinstance(b, Table):
            lines = ["| " + " | ".join(map(_md_cell, b.headers)) + " |", "|" + "---|" * len(b.headers)]
            lines += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in b.rows]
            out.append("\n".join(lines))
        elif isinstance(b, Image):
            out.append(f"![{_md_text(b.alt)}]({b.path})")
    return "\n\n".join(out) + "\n"


COLOURS = {"good": "#1a7f37", "bad": "#cf222e", "open": "#9a6700"}


STYLE = ("body{font-family:system-ui,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;text-align:left;"
         "line-height:1.4}.wide{overflow-x:auto}table{border-collapse:collapse;font-size:0.8em;margin:0.5em 0}"
         "td,th{border:1px solid #ccc;padding:2px 5px;text-align:left;vertical-align:top}"
         "th{background:#f3f4f6;font-weight:600}td.num,th.num{text-align:right}td.num{white-space:nowrap}"
         "figure{margin:1em 0}figure svg{max-width:100%;height:auto}"
         ".summary{border-left:4px solid #1a7f37;background:#f6f8fa;padding:0.5em 1em}"
         + "".join(f".m-{k}{{color:{c};font-weight:600}}" for k, c in COLOURS.items()))


def _html_cell(c: Cell, tag: str, num: bool) -> str:
    text = html.escape(str(c)).replace("\n", "<br>")
    if isinstance(c, Mark):
        text = f'<span class="m-{c.kind}">{text}</span>'
    return f"<{tag}{' class=num' if num else ''}>{text}</{tag}>"


def _html_table(b: Table) -> str:
    num = numeric_columns(b)
    head = "".join(_html_cell(h, "th", n) for h, n in zip(b.headers, num))
    rows = "".join("<tr>" + "".join(_html_cell(c, "td", n) for c, n in zip(r, num)) + "</tr>" for r in b.rows)
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def _svg(markup: str) -> str:
    """SVG markup without its XML prologue, ready to inline."""
    start = markup.find("<svg")
    return markup[start:] if start >= 0 else markup


def to_html(blocks: List[Block], title: str) -> str:
    """A self-contained HTML page: figures inline (SVG), no file beside it needed."""
    e = html.escape
    body: List[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            cls = f' class="{b.kind}"' if b.kind else ""
            body.append(f"<p{cls}>{e(b.text)}</p>")
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            body.append(_html_table(b))
        elif isinstance(b, Image):
            inner = _svg(b.svg) if b.svg else f'<img src="{e(b.path)}" alt="{e(b.alt)}">'
            body.append(f'<figure aria-label="{e(b.alt)}">{inner}</figure>')
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
