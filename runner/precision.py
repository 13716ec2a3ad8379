"""A cell's precision, as its framework's record declares it (pure; no framework imported).

A grid's ``precisions`` (fp32 | fp16 | int8) are a dimension of every framework; each framework's record says,
per precision and model family, which method makes that precision (``Record.precisions``, see
:class:`runner.frameworks.record.Precision`) or why it has none. The artifact cache keys each artifact by
:func:`precision_key`, and the row records the method and the calibration count.
"""

from __future__ import annotations

from typing import Optional

from runner.catalog import FRAMEWORKS
from runner.cell import Cell
from runner.frameworks.record import Precision
from runner.models.spec import get as get_spec


def precision_of(cell: Cell) -> Precision:
    """How the cell's framework runs the cell's precision on the cell's model (its record's entry)."""
    return FRAMEWORKS[cell.framework].precision(cell.precision, get_spec(cell.model).family)


def calibration_samples(cell: Cell, entry: Precision) -> Optional[int]:
    """The calibration inputs the cell's artifact is made with: the budget's count if calibrated, else None."""
    return cell.budget.calibration_samples if entry.supported and entry.calibrated else None


def precision_key(entry: Precision, samples: int) -> str:
    """The precision's part of an artifact's folder name: '' for fp32, else e.g. ``-int8-static-qdq-c32``."""
    if entry.quantization == "none":
        return ""
    parts = [entry.name] + [entry.quantization] * (entry.quantization != entry.name) + [f"c{samples}"] * bool(samples)
    return "-" + "-".join(parts)


def artifact_prefix(cell: Cell) -> str:
    """The start of the cell's artifact folder name: its kind, its :func:`precision_key` and, for a ``per_batch``
    framework, its batch size: ``<artifact>``, ``<artifact>-int8-<method>-c32``, ``<artifact>-fp16-b4``."""
    fw, entry = FRAMEWORKS[cell.framework], precision_of(cell)
    batch = f"-b{cell.batch_size}" if fw.per_batch else ""
    return f"{entry.artifact or fw.artifact}{precision_key(entry, calibration_samples(cell, entry) or 0)}{batch}"


def artifact_stem(cell: Cell) -> str:
    """How the cache folder of the cell's artifact begins (``artifacts/<model>/<stem>-<version>...``, as
    :meth:`runner.artifacts.Cache.artifact` names it): ``<prefix>-from-<source>``, or for a derived precision
    ``<prefix>-from-<fp32 artifact>-from-<source>`` (then the fp32 folder's version)."""
    fw, entry = FRAMEWORKS[cell.framework], precision_of(cell)
    return f"{artifact_prefix(cell)}-from-" + (f"{fw.artifact}-from-{cell.source}" if entry.derived else cell.source)
