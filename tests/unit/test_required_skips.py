"""Where a kind of test is required (CI), a skipped test of that kind fails; elsewhere it stays a skip."""

from __future__ import annotations

import pytest

from tests.conftest import REPO

pytest_plugins = ["pytester"]

TESTS = '''
import pytest

@pytest.mark.frameworks
def test_missing_environment():
    pytest.skip("no interpreter")

@pytest.mark.images
def test_missing_engine():
    pytest.skip("no Docker engine")

@pytest.mark.frameworks
def test_cuda_only_check():
    pytest.skip("not applicable here: this machine has CUDA")

def test_unmarked():
    pytest.skip("anything")
'''


@pytest.fixture
def suite(pytester):
    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text())
    pytester.makeini("[pytest]\nmarkers =\n    frameworks: f\n    images: i\n    caffe2: c\n")
    pytester.makepyfile(test_suite=TESTS)
    return pytester


@pytest.mark.parametrize("required, failed", [({}, 0), ({"EDGEBENCH_REQUIRE_FRAMEWORKS": "1"}, 1),
                                              ({"EDGEBENCH_REQUIRE_DOCKER": "1", "EDGEBENCH_REQUIRE_FRAMEWORKS": "1"},
                                               2)])
def test_skips_of_required_kinds_fail(suite, monkeypatch, tmp_path, required, failed):
    for var in ("CI", "EDGEBENCH_REQUIRE_FRAMEWORKS", "EDGEBENCH_REQUIRE_DOCKER", "EDGEBENCH_REQUIRE_CAFFE2"):
        monkeypatch.delenv(var, raising=False)
    for var, value in required.items():
        monkeypatch.setenv(var, value)
    status = tmp_path / "status"
    monkeypatch.setenv("EDGEBENCH_PYTEST_STATUS", str(status))
    result = suite.runpytest_subprocess("-ra")
    result.assert_outcomes(failed=failed, skipped=4 - failed)
    if failed:
        result.stdout.fnmatch_lines(["*requires this test to run, but it was skipped*"])
    assert status.read_text().strip() == ("1" if failed else "0")
