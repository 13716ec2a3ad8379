"""Run ids and option values become paths only after validation: nothing is written outside --out."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner import names
from runner.errors import GridError, OutputError
from tests.conftest import FAST, read_cells


def _files(root: Path) -> set:
    return {p.relative_to(root) for p in root.rglob("*")}


@pytest.mark.parametrize("run_id", ["../x", "/tmp/edgebench-abs-run", ".", "..", ".hidden", "a/b", "a b",
                                    "x" * 65, "lab\x1b[31m", "-rf", "é"])
def test_a_run_id_that_is_not_a_plain_name_is_refused_and_nothing_is_written(edgebench, tmp_path, run_id):
    before = _files(tmp_path)
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "--out", "res", "--run-id", run_id, *FAST)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: invalid run id") and lines[1].startswith("hint:")
    assert "\x1b" not in proc.stderr  # a control character in the name is shown escaped
    assert _files(tmp_path) == before and not Path("/tmp/edgebench-abs-run").exists()


@pytest.mark.parametrize("value", ["/../../../x", "../x", "a/b", ".", "x" * 65, "[/x]", ""])
def test_an_option_value_that_is_not_a_plain_name_is_refused_before_anything_runs(edgebench, tmp_path, value):
    before = _files(tmp_path)
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "-o", f"fault={value}", "--out", "res",
                     "--run-id", "o", *FAST)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and "invalid value" in lines[0] and "option fault" in lines[0], proc.stderr
    assert _files(tmp_path) == before


def test_option_values_from_a_grid_file_are_checked_too(edgebench, tmp_path):
    (tmp_path / "g.toml").write_text('frameworks = ["null"]\n[options]\nfault = ["none", "../../x"]\n')
    proc = edgebench("plan", "--grid", "g.toml")
    assert proc.returncode == 2 and "invalid value '../../x' for option fault" in proc.stderr


def test_a_number_option_takes_only_names_too(edgebench, tmp_path):
    """sleep_s is any number >= 0 for its record; as part of a file name it must also be a plain name."""
    proc = edgebench("plan", "--frameworks", "null", "-o", "sleep_s=+1")
    assert proc.returncode == 2 and "invalid value of option sleep_s '+1'" in proc.stderr, proc.stderr


def test_a_cell_id_too_long_for_a_file_name_is_refused():
    names.check_cell_ids(["tinycnn-null-b1-cpu-t1-r0-sleep_s=" + "1" * 64])
    with pytest.raises(GridError, match="too long"):
        names.check_cell_ids(["tinycnn-null-b1-cpu-t1-r0" + "-k=" + "v" * 64 * 3])


def test_a_valid_run_stays_inside_its_run_folder(edgebench, tmp_path):
    proc = edgebench("run", "--preset", "smoke", "--frameworks", "null", "-o", "fault=none,exception", "--out",
                     "res", "--run-id", "lab-1.a_b", *FAST)
    assert proc.returncode == 1, proc.stderr  # the exception cell failed
    outside = {p for p in _files(tmp_path) if p.parts[:2] != ("res", "lab-1.a_b") and p != Path("res")}
    assert outside == set()
    assert len(read_cells(tmp_path / "res" / "lab-1.a_b")) == 2


def test_the_sink_refuses_a_path_outside_the_run_folder(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "cells").symlink_to(tmp_path)  # a link out of the run folder
    with pytest.raises(OutputError, match="outside the run folder"):
        names.inside(tmp_path / "run", tmp_path / "run" / "cells" / "part-x.parquet")
    with pytest.raises(OutputError, match="not a valid cell id"):
        names.check_part_name("../x")
