"""One timed region for every adapter: the declarations follow the rule, and README and docs show them.

The rule (DESIGN §5): on the CPU host inputs in and the framework's output object out; on a GPU provider
device-resident inputs in, the output left on the device, a sync that waits for the device, no copies.
"""

from __future__ import annotations

import pytest

from runner.catalog import FRAMEWORKS
from runner.cell import Cell
from runner.frameworks import adapter
from runner.frameworks.timed import DEVICE, HOST, RETURNS_DONE, markdown_table, on_device, on_host, placement
from tests.conftest import REPO

GPU_PROVIDERS = ("cuda", "tensorrt")


def declared(framework: str, provider: str, options=()):
    a = adapter(framework)
    if options:  # configure() of an ONNX runtime only reads its options
        a.configure(Cell("tinycnn", framework, framework, 1, provider, 1, 0, options=tuple(options)))
    return a.timed_call(provider)


def table_rows():
    """README's rows: every runtime on the CPU and on each GPU provider it knows, then the host-copy path."""
    rows = []
    for name, record in FRAMEWORKS.items():
        if record.harness:
            continue
        rows += [(name, p, declared(name, p)) for p in ("cpu", *GPU_PROVIDERS) if p in record.providers or p == "cpu"]
    rows.append(("onnxruntime `-o iobinding=off`", "cuda", declared("onnxruntime", "cuda", [("iobinding", "off")])))
    return rows


@pytest.mark.parametrize("name", list(FRAMEWORKS))
def test_every_adapter_declares_a_host_call_on_the_cpu(name):
    call = declared(name, "cpu")
    assert call is not None, f"{name}'s adapter declares no timed_call for the CPU"
    assert (call.inputs, call.outputs) == (HOST, HOST)


@pytest.mark.parametrize("name, provider", [(n, p) for n, r in FRAMEWORKS.items() for p in r.providers
                                            if p in GPU_PROVIDERS])
def test_every_gpu_provider_gets_device_resident_inputs_and_outputs(name, provider):
    call = declared(name, provider)
    assert call is not None and (call.inputs, call.outputs) == (DEVICE, DEVICE), call
    assert call.sync != RETURNS_DONE and call.copies == (), call


def test_onnxruntime_iobinding_off_declares_the_copies_and_on_binds_on_the_cpu_too():
    off = declared("onnxruntime", "cuda", [("iobinding", "off")])
    assert (off.inputs, off.outputs) == (HOST, HOST) and len(off.copies) == 2
    assert declared("onnxruntime", "cpu", [("iobinding", "off")]).copies == ()
    on_cpu = declared("onnxruntime", "cpu", [("iobinding", "on")])
    assert (on_cpu.inputs, on_cpu.outputs) == (HOST, HOST) and "run_with_iobinding" in on_cpu.call
    assert "run_with_iobinding" not in declared("onnxruntime", "cpu").call  # auto: session.run on the CPU


def test_a_record_compares_the_declaration_with_where_things_were_seen():
    gpu = on_device("f(x)", "wait")
    assert gpu.record("cuda:0", "/job:localhost/replica:0/task:0/device:GPU:0")["seen_agrees"] is True
    assert gpu.record("cpu", "cuda:0")["seen_agrees"] is False
    assert gpu.record(None, None)["seen_agrees"] is True  # nothing seen, nothing contradicted
    host = on_host("f(x)", ["a copy"]).record("cpu", "cpu(0)")
    assert host["seen_agrees"] is True and host["copies"] == ["a copy"] and host["seen"]["outputs"] == "cpu(0)"
    assert [placement(w) for w in ("gpu(0)", "cuda", "CPU:0", "cpu(0)")] == [DEVICE, DEVICE, HOST, HOST]


@pytest.mark.parametrize("doc", ["README.md", "docs/timed-call.md"])
def test_the_docs_show_the_declared_timed_calls(doc):
    """README's and the docs' table is the code's declarations, rendered (regenerate it from here)."""
    table = markdown_table(table_rows())
    assert table in (REPO / doc).read_text(), f"{doc} lacks the current table of timed calls:\n{table}"
