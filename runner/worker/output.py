"""The output check of a cell (worker side, numpy only): shape, checksum, and agreement with the reference.

A NaN or inf in the output is a failed cell (:class:`NonFiniteOutput`), unless the reference has non-finite
values too: then the cell is measured and the check carries a ``problem`` (a warning on the row).
``max_abs_diff`` is never NaN: positions where output and reference are the same non-finite value count
as equal, any other non-finite position as an infinite difference.
"""

from __future__ import annotations

from typing import Any, Optional

from runner.worker.protocol import OutputCheck


class NonFiniteOutput(Exception):
    """The model's output holds NaN or inf values where the reference's does not."""


def _non_finite(a: Any) -> Any:
    import numpy as np

    return ~np.isfinite(a) if a.dtype.kind in "fc" else np.zeros(a.shape, dtype=bool)


def max_abs_diff(y: Any, ref: Any) -> float:
    """max |y - ref| over positions, same-valued non-finite positions counting 0, other non-finite inf."""
    import numpy as np

    y64, ref64 = y.astype(np.float64), ref.astype(np.float64)
    bad = _non_finite(y64) | _non_finite(ref64)
    if not y64.size:
        return 0.0
    same = bad & ((y64 == ref64) | (np.isnan(y64) & np.isnan(ref64)))
    diff = np.abs(np.where(bad, 0.0, y64) - np.where(bad, 0.0, ref64))
    diff[bad] = np.where(same[bad], 0.0, np.inf)
    return float(np.max(diff))


def check_output(y: Any, reference: Optional[str]) -> OutputCheck:
    """Shape, checksum (null when non-finite), and with a reference ``max_abs_diff``, ``reference_scale``
    and any ``problem``; raises :class:`NonFiniteOutput` (see the module docstring)."""
    import numpy as np

    y = np.asarray(y)
    shape = [int(n) for n in y.shape]
    bad = int(np.count_nonzero(_non_finite(y)))
    ref = np.load(reference) if reference else None
    ref_bad = int(np.count_nonzero(_non_finite(ref))) if ref is not None else 0
    if bad and not ref_bad:
        where = "; the reference has none" if ref is not None else ""
        raise NonFiniteOutput(f"the output holds {bad} NaN/inf values of {y.size}{where}")
    checksum = None if bad else float(np.sum(y, dtype=np.float64))
    if ref is None:
        return OutputCheck(shape, checksum)
    if ref.shape != y.shape:
        return OutputCheck(shape, checksum, problem=f"output shape {shape} differs from the reference's "
                                                    f"{list(ref.shape)}")
    finite_ref = np.abs(ref[~_non_finite(ref)].astype(np.float64))
    problem = (f"the reference output holds {ref_bad} NaN/inf values (the output {bad}); max |diff| counts "
               "equal non-finite values as equal") if ref_bad else ""
    return OutputCheck(shape, checksum, max_abs_diff(y, ref), float(np.max(finite_ref)) if finite_ref.size else None,
                       problem)
