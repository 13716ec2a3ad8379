"""One naming style: the CLI's labels and the report's agree, for every catalog runtime."""

from __future__ import annotations

import pytest

from runner import catalog
from runner.cell import Cell
from runner.naming import cell_label, config_label, runtime_label
from runner.report.summarize import label as report_label

RUNTIMES = [(r.name, source, provider) for r in catalog.FRAMEWORKS.values() for source in r.sources
            for provider in r.providers]


@pytest.mark.parametrize("framework, source, provider", RUNTIMES)
@pytest.mark.parametrize("options", ["", "k=v", "a=1,b=2"])
def test_the_cli_and_the_report_name_a_runtime_alike(framework, source, provider, options):
    assert runtime_label(framework, source, provider, options) == report_label(framework, source, provider, options)


def test_the_source_shows_only_where_it_differs_and_the_provider_unless_cpu():
    exporter = next(r for r in catalog.FRAMEWORKS.values() if len(r.sources) > 1)
    other = next(s for s in exporter.sources if s != exporter.name)
    assert runtime_label(exporter.name, other, "cuda") == f"{exporter.name}({other})/cuda"
    assert runtime_label("null", "null", "cpu", (("sleep_s", "0.1"),)) == "null [sleep_s=0.1]"


def test_a_process_label_carries_the_configuration_and_its_repetition():
    cell = Cell("tinycnn", "null", "null", 4, "cpu", 2, 1, options=(("sleep_s", "0.1"),))
    assert cell_label(cell) == "tinycnn null b4 t2 r1 [sleep_s=0.1]"
    assert config_label("tinycnn", "null", "null", 4, "cpu", 2) == "tinycnn null b4 t2"


def test_a_process_label_names_its_precision_unless_fp32():
    cell = Cell("tinycnn", "pytorch", "pytorch", 1, "cpu", 2, 0, precision="int8")
    assert cell_label(cell) == "tinycnn pytorch int8 b1 t2 r0"
    assert config_label("tinycnn", "pytorch", "pytorch", 1, "cpu", 2, precision="fp32") == "tinycnn pytorch b1 t2"
