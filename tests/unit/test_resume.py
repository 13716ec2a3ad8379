"""What a resumed run trusts (a part that reads back) and must match (budget, device, image, version)."""

from __future__ import annotations

import json

import pytest

from runner.cell import Budget
from runner.errors import RunStateError
from runner.results import resume

NOW = resume.settings(Budget(max_time_s=2.0), "box", None, "0.1.0")


def _manifest(budget: Budget, device: str = "box", image=None, version: str = "0.1.0") -> dict:
    return {"device": device, "runner_version": version, "host": {"image_digest": image},
            "invocations": [{"grid": {"budget": json.loads(json.dumps(vars(budget)))}}]}


def test_the_same_settings_resume_and_a_new_run_has_nothing_to_match():
    assert resume.check_run(_manifest(Budget(max_time_s=2.0)), 3, NOW, False, "r") == []
    assert resume.check_run({}, 0, NOW, False, "r") == []


@pytest.mark.parametrize("manifest, line", [
    (_manifest(Budget(max_time_s=10.0)), "budget max_time_s 10.0 → 2.0"),
    (_manifest(Budget(max_time_s=2.0), device="pi"), "device pi → box"),
    (_manifest(Budget(max_time_s=2.0), image="sha256:1"), "image sha256:1 → None"),
    (_manifest(Budget(max_time_s=2.0), version="0.0.9"), "runner_version 0.0.9 → 0.1.0"),
    ({}, "unknown: 3 cells but no manifest.json"),
])
def test_other_settings_are_refused_unless_allowed_and_then_returned(manifest, line):
    with pytest.raises(RunStateError, match="was measured with other settings") as err:
        resume.check_run(manifest, 3, NOW, False, "r")
    assert line in str(err.value) and "--allow-mixed" in err.value.hint
    assert resume.check_run(manifest, 3, NOW, True, "r") == [line]


def test_a_part_reads_back_only_as_the_one_row_of_its_cell(tmp_path):
    part = tmp_path / "part-c1.jsonl"
    good = {"run_id": "r", "cell_id": "c1", "schema_version": "1", "status": "ok"}
    cases = {"": "0 rows", "{": "unreadable", json.dumps(good) + "\n" + json.dumps(good): "2 rows",
             json.dumps(dict(good, cell_id="c2")): "cell_id 'c2'", json.dumps(dict(good, status="great")): "status"}
    for text, problem in cases.items():
        part.write_text(text)
        assert problem in resume.part_problem(part, "r", "c1", "1"), text
    part.write_text(json.dumps(good))
    assert resume.part_problem(part, "r", "c1", "1") is None
