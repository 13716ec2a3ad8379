"""The "what is missing" text of a finding is true of the data: from a run where the finding can be judged,
runs that each lack exactly one thing (a framework, a model, a batch size, a provider, a device class,
another package to compare with, repetitions, trusted energy, trusted output) are built, and the text must
name that one thing and nothing else. Supporting and disagreeing evidence is labelled, and a runtime
outside the study's set is named as not compared."""

from __future__ import annotations

from typing import Dict, List

import pytest

from runner.report.findings import CONTRADICTED, HOLDS, MISSING, evaluate
from runner.report.load import load
from tests.unit.report.conftest import reps, row

GAPS = ("no ok rows for framework", "no ok rows for model", "no ok rows for batch size", "no ok rows for provider",
        "no device of class", "no other framework", "without a CI", "no trusted energy", "left out")


def _three(rows: List[Dict], n: int = 3) -> List[Dict]:
    return [r for base in rows for r in reps(base, n)]


def _verdict(make_run, rows, fid, run_id="t"):
    (v,) = evaluate(load([make_run(rows, run_id=run_id)]), only=[fid])
    return v


def _only(text: str, expected: str) -> None:
    assert expected in text, text
    others = [g for g in GAPS if g != expected and g in text and g not in expected]
    assert not others, f"{others} in: {text}"


TF_LARGE = [row("tensorflow", "alexnet", p50_ms=5), row("pytorch", "alexnet", p50_ms=10)]
CASES = {
    "no tensorflow": ([row("caffe2", "alexnet", p50_ms=5), row("pytorch", "alexnet", p50_ms=10)],
                      "no ok rows for framework tensorflow"),
    "no alexnet": ([dict(r, model="squeezenet1_1") for r in TF_LARGE], "no ok rows for model alexnet"),
    "no x86 device": ([dict(r, device_class="jetson") for r in TF_LARGE], "no device of class x86-server"),
    "no cpu rows": ([dict(r, provider="cuda") for r in TF_LARGE], "no ok rows for provider cpu"),
    "nothing to compare with": ([TF_LARGE[0], dict(TF_LARGE[1], model="squeezenet1_1")], "no other framework"),
}


def test_the_complete_run_is_judged(make_run):
    v = _verdict(make_run, _three(TF_LARGE), "pcamp-x86-tf-large")
    assert v.verdict == HOLDS and v.detail.startswith("supporting (tensorflow is fastest on alexnet): 1 of 1")


@pytest.mark.parametrize("case", list(CASES))
def test_a_run_lacking_one_thing_says_exactly_that(make_run, case):
    rows, expected = CASES[case]
    v = _verdict(make_run, _three(rows), "pcamp-x86-tf-large")
    assert v.verdict == MISSING
    _only(v.detail, expected)


def test_one_repetition_is_not_called_a_tie(make_run):
    v = _verdict(make_run, _three(TF_LARGE, 1), "pcamp-x86-tf-large")
    assert v.verdict == MISSING and "1 without a CI: a side has 1 repetition" in v.detail
    assert "the 95% CI includes 1" not in v.detail


def test_disagreeing_output_is_left_out_and_named(make_run):
    bad = dict(TF_LARGE[0], warnings="output differs from the reference by 0.5")
    v = _verdict(make_run, _three([bad, TF_LARGE[1]]), "pcamp-x86-tf-large")
    assert v.verdict == MISSING and "left out: 1 configuration(s)" in v.detail
    assert "its output differs from the reference" in v.detail and "no ok rows" not in v.detail


ENERGY = [row("mxnet", "alexnet", p50_ms=5, energy_j=0.1), row("pytorch", "alexnet", p50_ms=10, energy_j=0.3)]


@pytest.mark.parametrize("change,expected", [
    (dict(energy_per_inference_j=None, energy_per_inference_net_j=None, energy_source="none"), "no energy meter"),
    (dict(energy_source="fake"), "synthetic, estimated or over windows shorter"),
    (dict(energy_window_ok=False), "synthetic, estimated or over windows shorter"),
])
def test_a_run_lacking_trusted_energy_says_so(make_run, change, expected):
    assert _verdict(make_run, _three(ENERGY), "pcamp-mxnet-energy-x86-jetson", "full").verdict == HOLDS
    v = _verdict(make_run, _three([dict(r, **change) for r in ENERGY]), "pcamp-mxnet-energy-x86-jetson", "less")
    assert v.verdict == MISSING and "no trusted energy" in v.detail and expected in v.detail, v.detail
    _only(v.detail, "no trusted energy")


def test_greenai_lacking_a_provider_or_a_batch_size(make_run):
    cuda = dict(framework="onnxruntime", source="pytorch", model="resnet50", provider="cuda")
    v = _verdict(make_run, _three([row(**cuda, p50_ms=5)]), "greenai-tensorrt-beats-cuda")
    assert v.verdict == MISSING
    _only(v.detail, "no ok rows for provider")
    assert "provider tensorrt (have: cuda)" in v.detail
    b1 = [row("pytorch", "resnet50", provider="cuda"), row("mxnet", "resnet50", provider="cuda")]
    v = _verdict(make_run, _three(b1), "greenai-b64-pytorch-mxnet-tie", run_id="b1")
    assert v.verdict == MISSING and "no ok rows for batch size 64 (have: 1)" in v.detail
    _only(v.detail, "no ok rows for batch size")


def test_evidence_is_labelled_supporting_and_disagreeing(make_run):
    rows = []
    for model, mx_p50 in (("alexnet", 5), ("squeezenet1_0", 5), ("squeezenet1_1", 20)):
        rows += [row("mxnet", model, p50_ms=mx_p50, rss_mib=600), row("pytorch", model, p50_ms=10, rss_mib=300)]
    v = _verdict(make_run, _three(rows), "pcamp-mxnet-memory-for-time")
    assert v.verdict == HOLDS
    assert "supporting (mxnet uses 10%+ more memory and significantly less time): 2 of 3 pairs" in v.detail
    assert "disagreeing (the CI excludes the claim): 1 of 3 pairs: host-a/squeezenet1_1" in v.detail


def test_a_runtime_outside_the_study_is_named_not_compared(make_run):
    rows = [row("onnxruntime", "alexnet", source="pytorch", p50_ms=2, rss_mib=100),
            row("mxnet", "alexnet", p50_ms=5, rss_mib=400), row("pytorch", "alexnet", p50_ms=10, rss_mib=300)]
    v = _verdict(make_run, _three(rows), "pcamp-no-single-winner")
    assert v.verdict in (HOLDS, CONTRADICTED, MISSING)
    assert "fastest pCAMP package: mxnet" in v.detail
    assert "not compared (outside the study's set): onnxruntime(pytorch) (not a pCAMP package)" in v.detail
    assert "fastest pCAMP package: onnxruntime" not in v.detail
