"""Reading runs (many at once, missing optional tables, wrong schema versions) and aggregating repetitions."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest

from runner.errors import UsageError
from runner.report import quality
from runner.report.load import load
from runner.report.rules import marks
from runner.report.summarize import aggregate
from tests.unit.report.conftest import reps, row


def test_many_runs_and_a_parent_folder_read_as_one_dataset(make_run):
    a = make_run([row("pytorch"), row("tensorflow")], run_id="a")
    make_run([row("pytorch", device="pi", device_class="rpi")], run_id="b")
    ds = load([a.parent])
    assert ds.run_ids == ["a", "b"] and len(ds.cells) == 3 and set(ds.cells["device"]) == {"host-a", "pi"}
    assert ds.manifests[str(a)]["run_id"] == "a"


def test_missing_latencies_and_power_are_tolerated(make_run):
    run = make_run([row("pytorch"), row("tensorflow")], latencies=False)
    shutil.rmtree(run / "power")
    ds = load([run])
    assert not ds.has_latencies() and len(ds.latencies([(str(run), "nope")])) == 0


@pytest.mark.parametrize("layout", ["missing", "empty", "no-parts"])
def test_a_folder_without_results_is_one_clear_error(tmp_path, layout):
    path = tmp_path / "run"
    if layout != "missing":
        path.mkdir()
    if layout == "no-parts":
        (path / "cells").mkdir()
    with pytest.raises(UsageError) as exc:
        load([path])
    assert str(path) in str(exc.value) and exc.value.hint


def test_another_schema_version_is_refused_with_a_hint(make_run):
    run = make_run([row("pytorch")])
    part = next((run / "cells").glob("part-*.parquet"))
    table = pq.read_table(part)
    pq.write_table(table.replace_schema_metadata({"edgebench_schema_version": "99"}), part)
    with pytest.raises(UsageError, match="schema version 99"):
        load([run])


def test_repetitions_aggregate_through_the_estimator(make_run):
    torch = [row("pytorch", p50_ms=p, repetition=i) for i, p in enumerate((10.0, 12.0, 30.0))]
    ds = load([make_run(torch + reps(row("tensorflow", p50_ms=50, rss_mib=100)))])
    agg = aggregate(ds.cells, ds.cell_latencies)
    r = agg[agg["framework"] == "pytorch"].iloc[0]
    assert r["repetitions"] == 3 and abs(r["p50_s"] - 0.012) < 3e-4
    assert sorted(r["p50_reps_s"]) == pytest.approx([0.010, 0.012, 0.030], rel=0.01)
    assert r["p50_low_s"] < 0.0105 and r["p50_high_s"] > 0.029 and r["between_cv"] > 0.5
    assert "3 repetitions: the CI is approximate" in r["notes"]
    from_columns = aggregate(ds.cells).set_index("framework").loc["pytorch"]
    assert from_columns["p50_s"] == r["p50_s"]  # the same value with or without raw latencies
    best = {i: tuple(v) for i, v in marks(agg).items()}
    tf = agg.index[agg["framework"] == "tensorflow"][0]
    assert best[tf] == ("leanest",)  # 100 MiB vs 300, identical in every repetition
    assert ("fastest (tie)",) in best.values()  # pytorch's 3 spread repetitions do not beat tensorflow


def test_warnings_quote_numbers_and_failures_list_their_status(make_run):
    rows = [row("pytorch", latency_cv=0.4, repetition=0, p50_ms=10), row("pytorch", repetition=1, p50_ms=20),
            row("tensorflow", status="crashed", error_class="SIGSEGV", error_message="worker died",
                log_path="logs/x.log"),
            row("mxnet", status="unsupported", error_class="Unsupported", error_message="no cuda")]
    ds = load([make_run(rows)])
    agg = aggregate(ds.cells)
    fails = quality.failures(ds.cells)
    assert any("crashed" in f and "SIGSEGV" in f and "logs/x.log" in f for f in fails)
    assert any(f.startswith("unsupported") for f in fails)
    warns = quality.all_warnings(ds.cells, agg)
    assert any("CV 0.40" in w for w in warns) and any("varies" in w and "%" in w for w in warns)
    assert "no meter in this test" in quality.energy_note(ds.cells)
