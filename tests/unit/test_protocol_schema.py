"""The process-boundary codec and the results schema."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from runner.errors import OutputError
from runner.results import schema
from runner.results.sink import Sink
from runner.worker import protocol

UNIT_SUFFIXES = {"_s": "s", "_bytes": "bytes", "_j": "J", "_w": "W"}


def ok_result(**change):
    marks = {m: i * 10 for i, m in enumerate(protocol.MARKS)}
    result = {"protocol": protocol.PROTOCOL_VERSION, "status": "ok", "marks": marks, "latencies_ns": [5, 6]}
    result.update(change)
    return json.dumps(result).encode()


def test_a_valid_result_decodes():
    assert protocol.decode_result(ok_result())["latencies_ns"] == [5, 6]


@pytest.mark.parametrize("data, message", [
    (b"", "no result"),
    (b"\x00garbage", "not JSON"),
    (b"[1, 2]", "not an object"),
    (json.dumps({"protocol": 99, "status": "ok"}).encode(), "protocol version"),
    (json.dumps({"protocol": 1, "status": "great"}).encode(), "unknown status"),
    (ok_result(latencies_ns=[]), "non-empty list"),
    (ok_result(latencies_ns=[1, -1]), "non-negative"),
    (ok_result(marks={"start": 1}), "lacks phase marks"),
    (ok_result(marks={m: -i for i, m in enumerate(protocol.MARKS)}), "out of order"),
])
def test_garbage_is_a_protocol_error(data, message):
    with pytest.raises(protocol.ProtocolError, match=message):
        protocol.decode_result(data)


def test_error_results_carry_one_line():
    err = protocol.error_result("failed", RuntimeError("first line\nsecond\nlast line"))
    assert err["error_class"] == "RuntimeError"
    assert "\n" not in err["error_message"] and "last line" in err["error_message"]


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
                 "output_max_abs_diff", "reference_framework", "status", "error_class", "log_path"):
        assert name in schema.CELL_COLUMNS


def test_sink_writes_parts_atomically_and_knows_finished_cells(tmp_path):
    sink = Sink(tmp_path, "r1")
    sink.open()
    sink.write_cell("c1", {"cell_id": "c1", "status": "ok", "latency_p50_s": 0.5},
                    [{"run_id": "r1", "cell_id": "c1", "iteration": 0, "latency_s": 0.5}])
    assert sink.finished() == {"c1"}
    table = pq.read_table(tmp_path / "r1" / "cells" / "part-c1.parquet")
    assert table.schema.field("latency_p50_s").metadata[b"unit"] == b"s"
    assert table.column("status").to_pylist() == ["ok"]
    assert not list((tmp_path / "r1" / "cells").glob(".*"))  # no temporary files left


def test_sink_fails_early_on_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="cannot write results"):
        Sink(blocker, "r1").open()
