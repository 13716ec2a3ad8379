"""The process boundary (typed request and result, JSON round trip, validation) and the results schema."""

from __future__ import annotations

import dataclasses
import json

import pyarrow.parquet as pq
import pytest

from runner.cell import Budget, Cell
from runner.errors import OutputError
from runner.results import schema
from runner.results.sink import Sink
from runner.worker import protocol
from runner.worker.protocol import CellRequest, CellResult, Memory, OutputCheck

UNIT_SUFFIXES = {"_s": "s", "_bytes": "bytes", "_j": "J", "_w": "W"}
CELL = Cell("tinycnn", "null", "null", 2, "cpu", 1, 0, Budget(min_time_s=0.5), (("fault", "none"),))


def ok_result(**change) -> CellResult:
    marks = {m: i * 10 for i, m in enumerate(protocol.MARKS)}
    fields = dict(status="ok", marks=marks, latencies_ns=[5, 6], framework_version="1.0", warmup_iterations=2,
                  converged=True, rel_ci=0.01, cpu_utilization=0.9, gpu_mem_peak_bytes=None,
                  memory=Memory(1, 2, 3, 4, 5), output=OutputCheck([2, 10], 1.5, 0.0, 2.0, ""),
                  info={"threads": {"intra": 1, "inter": 1, "source": "", "reason": ""},
                        "providers_active": ["cpu"]})
    fields.update(change)
    return CellResult(**fields)


def encoded(**change) -> bytes:
    """An ok result's JSON with some fields replaced by raw JSON values."""
    data = json.loads(ok_result().to_json())
    data.update(change)
    return json.dumps(data).encode()


def test_a_request_round_trips():
    request = CellRequest(CELL, "/cache/artifact", None)
    back = CellRequest.from_json(request.to_json())
    assert back == request and back.cell.budget.min_time_s == 0.5 and back.cell.option("fault") == "none"


@pytest.mark.parametrize("text, message", [
    ("{", "not JSON"),
    (json.dumps({"protocol": 1, "cell": {}}), "protocol version"),
    (json.dumps({"protocol": protocol.PROTOCOL_VERSION, "cell": {"model": "x"}}), "not a cell"),
    (json.dumps({"protocol": protocol.PROTOCOL_VERSION, "cell": CELL.to_dict(), "artifact_dir": 3}),
     "'artifact_dir'"),
])
def test_a_bad_request_is_a_protocol_error(text, message):
    with pytest.raises(protocol.ProtocolError, match=message):
        CellRequest.from_json(text)


def test_a_result_round_trips_with_its_types():
    result = ok_result()
    back = CellResult.from_json(result.to_json())
    assert back == result
    assert isinstance(back.memory, Memory) and isinstance(back.output, OutputCheck)
    assert back.output.shape == [2, 10] and back.info["providers_active"] == ["cpu"]


def test_a_failure_round_trips_with_one_line():
    err = CellResult.failure("failed", RuntimeError("first line\nsecond\nlast line"), {"start": 1})
    back = CellResult.from_json(err.to_json())
    assert (back.status, back.error_class, back.marks) == ("failed", "RuntimeError", {"start": 1})
    assert "\n" not in back.error_message and "last line" in back.error_message and back.output is None


@pytest.mark.parametrize("data, message", [
    (b"", "no result"),
    (b"\x00garbage", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (b"[1, 2]", "not an object"),
    (json.dumps({"protocol": 99, "status": "ok"}).encode(), "protocol version"),
    (json.dumps({"protocol": protocol.PROTOCOL_VERSION, "status": "great"}).encode(), "unknown status"),
    (encoded(latencies_ns=[]), "non-empty list"),
    (encoded(latencies_ns=[1, -1]), "non-negative integer"),
    (encoded(latencies_ns=[1, 2.5]), "non-negative integer"),
    (encoded(latencies_ns=[1, True]), "non-negative integer"),
    (encoded(marks={"start": 1}), "lacks phase marks"),
    (encoded(marks={m: -i for i, m in enumerate(protocol.MARKS)}), "out of order"),
    (encoded(rel_ci="small"), "'rel_ci'"),
    (encoded(converged=1), "'converged'"),
    (encoded(warmup_iterations=True), "'warmup_iterations'"),
    (encoded(memory={"rss_peak_bytes": "big"}), "'rss_peak_bytes'"),
    (encoded(memory=[1]), "'memory' of the worker's result is a list"),
    (encoded(output={"shape": [1], "checksum": 0.0, "colour": "red"}), "unknown field 'colour'"),
    (encoded(surprise=1), "unknown field 'surprise'"),
])
def test_garbage_is_a_protocol_error(data, message):
    with pytest.raises(protocol.ProtocolError, match=message):
        CellResult.from_json(data)


def test_a_failure_needs_no_marks_or_latencies_and_integers_stand_for_floats():
    assert CellResult.from_json(json.dumps({"protocol": protocol.PROTOCOL_VERSION, "status": "oom"}).encode()
                                ).status == "oom"
    assert CellResult.from_json(encoded(rel_ci=0, cpu_utilization=1)).rel_ci == 0


def test_the_result_fields_are_what_the_worker_writes():
    """Every CellResult field has a JSON type check (a new field needs one, or it never gets through)."""
    assert {f.name for f in dataclasses.fields(CellResult)} == set(protocol._RESULT_TYPES)
    assert {f.name for f in dataclasses.fields(OutputCheck)} == set(protocol._OUTPUT_TYPES)


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_every_field_has_unit_and_description(table):
    sch = schema.TABLES[table]
    assert sch.metadata[b"edgebench_schema_version"] == schema.SCHEMA_VERSION.encode()
    for field in sch:
        assert field.metadata[b"description"], field.name
        for suffix, unit in UNIT_SUFFIXES.items():
            if field.name.endswith(suffix) and not field.name.endswith("_per_s"):
                assert field.metadata[b"unit"].decode() == unit, field.name


def test_design_columns_exist():
    for name in ("startup_s", "import_s", "load_s", "first_inference_s", "latency_p50_s", "latency_p99_s",
                 "latency_p50_ci95_low_s", "converged", "throughput_items_per_s", "rss_peak_bytes",
                 "gpu_mem_peak_bytes", "energy_steady_j", "energy_per_inference_net_j", "power_idle_w",
                 "output_max_abs_diff", "reference_framework", "status", "error_class", "log_path",
                 "artifact_bytes"):
        assert name in schema.CELL_COLUMNS


def test_sink_writes_parts_atomically_and_knows_finished_cells(tmp_path):
    with Sink(tmp_path, "r1").opened() as sink:
        sink.write_cell("c1", {"run_id": "r1", "cell_id": "c1", "schema_version": schema.SCHEMA_VERSION,
                               "status": "ok", "latency_p50_s": 0.5, "warnings": ["a", "b"]}, [0.5, 0.25, 0.75])
        assert sink.finished() == {"c1"}
    table = pq.read_table(tmp_path / "r1" / "cells" / "part-c1.parquet")
    assert table.schema.field("latency_p50_s").metadata[b"unit"] == b"s"
    assert table.column("status").to_pylist() == ["ok"]
    assert table.column("warnings").to_pylist() == ["a" + schema.WARNING_SEP + "b"]
    latencies = pq.read_table(tmp_path / "r1" / "latencies" / "part-c1.parquet")
    assert latencies.schema.equals(schema.LATENCIES, check_metadata=False)
    assert latencies.to_pydict() == {"run_id": ["r1"] * 3, "cell_id": ["c1"] * 3, "iteration": [0, 1, 2],
                                     "latency_s": [0.5, 0.25, 0.75]}
    assert not list((tmp_path / "r1" / "cells").glob(".*"))  # no temporary files left


def test_a_cell_without_latencies_writes_no_latencies_part_and_no_warnings(tmp_path):
    sink = Sink(tmp_path, "r1")
    sink.open()
    sink.write_cell("c2", {"cell_id": "c2", "status": "crashed", "warnings": []}, [])
    assert not list((tmp_path / "r1" / "latencies").glob("*"))
    assert pq.read_table(tmp_path / "r1" / "cells" / "part-c2.parquet").column("warnings").to_pylist() == [None]


def test_sink_fails_early_on_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="cannot write results"):
        Sink(blocker, "r1").open()
