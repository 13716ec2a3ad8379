"""Model-file formats and the routes a file takes to each framework (pure data, from the records).

Each format is declared once, by the framework whose runtime is its own (``Record.formats``): that framework
describes files of the format and makes their reference output. A framework *reads* some formats as they are
(``Record.reads``) and may *convert* some into others in its environment (``Record.converts``). A file of
format F reaches framework X by the first of:

1. X reads F: the file itself (the cell's ``source`` is ``file``);
2. a conversion F -> G offered by some framework C, where X reads G: C's build converts it (``source`` = C);
3. none: the cell is an ``unsupported`` row whose reason names the missing conversion.

A framework that loads no artifact (the harness) takes any file's inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from runner.catalog import FRAMEWORKS
from runner.frameworks.record import Conversion, FileFormat, Record
from runner.models.files import FILE_SOURCE

#: Every format, in catalog order: name -> (format, the framework whose runtime is its own).
FORMATS: Dict[str, Tuple[FileFormat, Record]] = {
    f.name: (f, r) for r in FRAMEWORKS.values() for f in r.formats
}


@dataclass(frozen=True)
class Route:
    """How a framework gets a model file: as it is (``conversion`` None), through ``conversion`` made by the
    framework ``source``, or not at all (``reason`` says why)."""

    source: str
    conversion: Optional[Conversion] = None
    reason: str = ""

    @property
    def supported(self) -> bool:
        return not self.reason


def title(fmt: str) -> str:
    return FORMATS[fmt][0].title if fmt in FORMATS else fmt


def owner(fmt: str) -> Record:
    """The framework whose runtime is the format's own (it describes the file and makes its reference)."""
    return FORMATS[fmt][1]


def conversions(fmt: str) -> Tuple[Tuple[Record, Conversion], ...]:
    """Every ``(converter, conversion)`` from format ``fmt``, in catalog order."""
    return tuple((r, c) for r in FRAMEWORKS.values() for c in r.converts if c.source == fmt)


def route(fmt: str, framework: str) -> Route:
    """How ``framework`` gets a model file of format ``fmt`` (see the module's docstring)."""
    record = FRAMEWORKS[framework]
    if fmt in record.reads or not record.needs_artifact:
        return Route(FILE_SOURCE)
    for converter, conversion in conversions(fmt):
        if conversion.target in record.reads:
            return Route(converter.name, conversion)
    reads = ", ".join(map(title, record.reads)) or "no model files"
    made = ", ".join(dict.fromkeys(title(c.target) for _, c in conversions(fmt)))
    converts = f"edgebench converts {title(fmt)} to {made}" if made else f"edgebench converts no {title(fmt)} file"
    return Route(FILE_SOURCE, reason=f"no conversion from {title(fmt)} to a format {record.title} reads "
                                     f"({record.title} reads {reads}; {converts})")


def runtimes(fmt: str) -> Tuple[str, ...]:
    """The frameworks (not the harness) that run a file of format ``fmt``, natively or converted."""
    return tuple(n for n, r in FRAMEWORKS.items() if not r.harness and route(fmt, n).supported)
