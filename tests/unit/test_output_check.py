"""The worker's output check: non-finite outputs fail, non-finite references warn, the diff is never NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest

from runner.worker.output import NonFiniteOutput, check_output, max_abs_diff
from runner.worker.protocol import OutputCheck


@pytest.fixture
def ref(tmp_path):
    def save(values) -> str:
        path = tmp_path / "ref.npy"
        np.save(path, np.asarray(values, dtype=np.float32))
        return str(path)

    return save


def test_a_finite_output_gets_its_checksum_and_diff(ref):
    check = check_output(np.array([1.0, 2.0], np.float32), ref([1.0, 2.5]))
    assert check == OutputCheck([2], 3.0, 0.5, 2.5)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_output_fails_with_or_without_a_reference(ref, bad):
    y = np.array([1.0, bad], np.float32)
    with pytest.raises(NonFiniteOutput, match="1 NaN/inf values of 2"):
        check_output(y, None)
    with pytest.raises(NonFiniteOutput, match="the reference has none"):
        check_output(y, ref([1.0, 2.0]))


def test_a_non_finite_reference_is_a_warning_and_the_diff_is_not_nan(ref):
    check = check_output(np.array([math.nan, 2.0, 3.0], np.float32), ref([math.nan, 2.0, 3.5]))
    assert check.max_abs_diff == 0.5 and check.checksum is None and check.reference_scale == 3.5
    assert "reference output holds 1 NaN/inf values" in check.problem
    check = check_output(np.array([1.0, 2.0], np.float32), ref([math.nan, 2.0]))
    assert check.max_abs_diff == math.inf and check.problem


def test_max_abs_diff_never_nan():
    cases = [([math.nan], [math.nan], 0.0), ([math.inf], [math.inf], 0.0), ([math.inf], [-math.inf], math.inf),
             ([math.nan], [1.0], math.inf), ([], [], 0.0), ([1, 2], [1, 4], 2.0)]
    for y, r, expected in cases:
        got = max_abs_diff(np.asarray(y, np.float64), np.asarray(r, np.float64))
        assert got == expected and not math.isnan(got), (y, r)
    assert max_abs_diff(np.array([1, 2], np.int64), np.array([1, 5], np.int64)) == 3.0
