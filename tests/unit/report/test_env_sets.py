"""Version sets in the report: configurations per set with labels that say which, findings judged per set on
that set's cells alone, and ``compare --across env_set`` pairing the same configuration under two sets."""

from __future__ import annotations

import pytest

from runner.errors import UsageError
from runner.report.compare import SAME, across
from runner.report.findings import CONTRADICTED, HOLDS, evaluate, tally
from runner.report.load import load
from runner.report.summarize import aggregate
from tests.unit.report.conftest import reps, row
from tests.unit.report.test_findings import CASES, three

OLD = "greenai-2023"


def _tagged(rows, env_set):
    return [dict(r, env_set=env_set) for r in rows]


def test_a_configuration_per_set_and_labels_that_name_the_set(make_run):
    rows = [*reps(row("pytorch", p50_ms=10)), *reps(row("pytorch", p50_ms=12, env_set=OLD, framework_version="0.9"))]
    agg = aggregate(load([make_run(rows)]).cells)
    assert sorted(agg["label"]) == ["pytorch env current", f"pytorch env {OLD}"]
    assert sorted(agg["repetitions"]) == [3, 3]
    alone = aggregate(load([make_run(reps(row("pytorch")), run_id="one")]).cells)
    assert list(alone["label"]) == ["pytorch"], "a single set is not named"


def test_rows_without_the_column_read_as_the_current_set(make_run):
    ds = load([make_run(reps(row("pytorch")))])
    assert set(ds.cells["env_set"]) == {"current"}


@pytest.mark.parametrize("fid", ["pcamp-tf-most-memory", "greenai-tf-slowest"])
def test_each_finding_is_judged_per_set_on_that_sets_cells_alone(make_run, fid):
    holds, contradicted = CASES[fid]
    rows = _tagged(three(holds), "current") + _tagged(three(contradicted), OLD)
    verdicts = evaluate(load([make_run(rows)]), only=[fid])
    assert [(v.env_set, v.verdict) for v in verdicts] == [("current", HOLDS), (OLD, CONTRADICTED)], \
        [v.detail for v in verdicts]
    assert [v.where for v in verdicts] == ["env current", f"env {OLD}"]
    assert tally(verdicts) == (f"env current: 1 checked: 1 holds, 0 contradicted, 0 not enough data; env {OLD}: "
                               "1 checked: 0 holds, 1 contradicted, 0 not enough data")


def test_one_set_gives_unlabelled_verdicts(make_run):
    holds, _ = CASES["pcamp-tf-most-memory"]
    (v,) = evaluate(load([make_run(three(holds))]), only=["pcamp-tf-most-memory"])
    assert v.verdict == HOLDS and v.env_set == "" and v.where == ""


def _two_sets(torch_old_ms: float = 15.0):
    return [*reps(row("pytorch", p50_ms=10, framework_version="2.0")),
            *reps(row("pytorch", p50_ms=torch_old_ms, env_set=OLD, framework_version="1.0")),
            *reps(row("tensorflow", p50_ms=20)), *reps(row("tensorflow", p50_ms=20, env_set=OLD)),
            *reps(row("tflite", p50_ms=5))]


def test_compare_across_pairs_cells_that_differ_only_in_the_set(make_run):
    (item,) = across(load([make_run(_two_sets())]), "env_set")
    assert (item.baseline, item.value) == ("current", OLD)
    by = {m.name.split()[1]: m for m in item.matches}
    torch = by["pytorch"]
    assert (torch.verdict, torch.direction) == ("slower", 1) and 1.45 < torch.ratio.value < 1.55
    assert (torch.a.version, torch.b.version) == ("2.0", "1.0")
    assert by["tensorflow"].verdict == SAME
    assert item.alone == ["only in env_set current: alexnet tflite b1 t1"]


def test_compare_across_pools_two_runs_and_takes_a_baseline(make_run):
    rows = _two_sets()
    now = make_run([r for r in rows if r.get("env_set") != OLD], run_id="now")
    then = make_run([r for r in rows if r.get("env_set") == OLD], run_id="then")
    (item,) = across(load([now, then]), "env_set", baseline=OLD)
    assert (item.baseline, item.value) == (OLD, "current")
    torch = next(m for m in item.matches if "pytorch" in m.name)
    assert torch.verdict == "faster" and torch.ratio.value < 0.7


def test_compare_across_needs_two_values(make_run):
    ds = load([make_run(reps(row("pytorch")))])
    with pytest.raises(UsageError, match="nothing to compare across"):
        across(ds, "env_set")
    with pytest.raises(UsageError, match="cannot compare across"):
        across(ds, "colour")
