"""Every published finding on hand-built datasets with a known answer: holds, contradicted, not enough data,
ties, and the cells and configurations that must stay out of a verdict."""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

import pytest

from runner.report.findings import CONTRADICTED, HOLDS, MISSING, catalog, evaluate
from runner.report.load import load
from tests.unit.report.conftest import reps, row

Rows = List[Dict]


def _pair(a: Tuple[str, dict], b: Tuple[str, dict], **common) -> Rows:
    """Two configurations sharing ``common``; a framework given in the per-side dict overrides the name."""
    return [row(**{"framework": name, **common, **kw}) for name, kw in (a, b)]


def _correlated(sign: int, across: int = 0) -> Rows:
    """Three groups (models) of three configurations whose net energy rises (sign 1) or falls (-1) with latency
    within each group; ``across`` scales every group by its model so that, pooled, energy tracks latency."""
    out = []
    for g, model in enumerate(("alexnet", "squeezenet1_0", "squeezenet1_1")):
        scale = 10.0 ** (g * across)
        for i, fw in enumerate(("pytorch", "tensorflow", "mxnet")):
            p50 = (5.0 + 5 * i) * scale
            energy = (p50 if sign > 0 else 20 * scale - p50) / 100
            out.append(row(fw, model, p50_ms=p50, energy_j=energy))
    return out


def _three_groups(flip: bool) -> Rows:
    groups = (("resnet50", 1), ("mobilenet_v2", 1), ("resnet50", 64))
    out = []
    for i, (m, b) in enumerate(groups):
        tf_fast = flip and i == 1
        out += [row("pytorch", m, p50_ms=10.0, batch_size=b),
                row("tensorflow", m, p50_ms=5.0 if tf_fast else 20.0, batch_size=b)]
    return out


GPU = dict(provider="cuda", model="resnet50")
ORT = dict(framework="onnxruntime", source="pytorch")  # overrides the "x" placeholder name
QUICK = dict(first_inference_s=1e-4)

CASES: Dict[str, Tuple[Rows, Rows]] = {
    "pcamp-load-dominates": (
        _pair(("pytorch", dict(load_s=0.5)), ("tensorflow", dict(load_s=1.0))),
        _pair(("pytorch", dict(load_s=1e-4, **QUICK)), ("tensorflow", dict(load_s=1e-4, **QUICK)))),
    "pcamp-tf-most-memory": (
        _pair(("tensorflow", dict(rss_mib=800)), ("pytorch", dict(rss_mib=300))),
        _pair(("tensorflow", dict(rss_mib=200)), ("pytorch", dict(rss_mib=300)))),
    "pcamp-pytorch-least-memory": (
        _pair(("pytorch", dict(rss_mib=300)), ("tensorflow", dict(rss_mib=800))),
        _pair(("pytorch", dict(rss_mib=900)), ("tensorflow", dict(rss_mib=800)))),
    "pcamp-mxnet-memory-for-time": (
        _pair(("mxnet", dict(rss_mib=800, p50_ms=10)), ("pytorch", dict(rss_mib=300, p50_ms=20))),
        _pair(("mxnet", dict(rss_mib=200, p50_ms=30)), ("pytorch", dict(rss_mib=300, p50_ms=20)))),
    "pcamp-energy-tracks-latency": (_correlated(1), _correlated(-1)),
    "pcamp-no-single-winner": (
        _pair(("pytorch", dict(p50_ms=10, rss_mib=800)), ("tensorflow", dict(p50_ms=20, rss_mib=300))),
        _pair(("pytorch", dict(p50_ms=10, rss_mib=300)), ("tensorflow", dict(p50_ms=20, rss_mib=800)))),
    "pcamp-x86-tf-large": (
        _pair(("tensorflow", dict(p50_ms=10)), ("pytorch", dict(p50_ms=20))),
        _pair(("tensorflow", dict(p50_ms=30)), ("pytorch", dict(p50_ms=20)))),
    "pcamp-x86-caffe2-small": (
        _pair(("caffe2", dict(p50_ms=10)), ("pytorch", dict(p50_ms=20)), model="squeezenet1_0"),
        _pair(("caffe2", dict(p50_ms=30)), ("pytorch", dict(p50_ms=20)), model="squeezenet1_0")),
    "pcamp-mxnet-fastest-tx2": (
        _pair(("mxnet", dict(p50_ms=10)), ("pytorch", dict(p50_ms=20)), device="tx2", device_class="jetson"),
        _pair(("mxnet", dict(p50_ms=30)), ("pytorch", dict(p50_ms=20)), device="tx2", device_class="jetson")),
    "pcamp-mxnet-energy-x86-jetson": (
        _pair(("mxnet", dict(energy_j=0.1)), ("pytorch", dict(energy_j=0.2))),
        _pair(("mxnet", dict(energy_j=0.3)), ("pytorch", dict(energy_j=0.2)))),
    "pcamp-caffe2-energy-macbook": (
        _pair(("caffe2", dict(energy_j=0.1)), ("pytorch", dict(energy_j=0.2)), device="macbook-pro"),
        _pair(("caffe2", dict(energy_j=0.3)), ("pytorch", dict(energy_j=0.2)), device="macbook-pro")),
    "greenai-hard-to-predict": (_three_groups(flip=True), _three_groups(flip=False)),
    "greenai-mxnet-best-cv-b1": (
        _pair(("mxnet", dict(p50_ms=10, energy_j=0.1)), ("pytorch", dict(p50_ms=20, energy_j=0.2)), **GPU),
        _pair(("mxnet", dict(p50_ms=30, energy_j=0.3)), ("pytorch", dict(p50_ms=20, energy_j=0.2)), **GPU)),
    "greenai-b64-pytorch-mxnet-tie": (
        _pair(("pytorch", dict(p50_ms=100)), ("mxnet", dict(p50_ms=101)), batch_size=64, **GPU),
        _pair(("pytorch", dict(p50_ms=100)), ("mxnet", dict(p50_ms=150)), batch_size=64, **GPU)),
    "greenai-tf-slowest": (
        _pair(("tensorflow", dict(p50_ms=30)), ("pytorch", dict(p50_ms=10)), model="resnet50"),
        _pair(("tensorflow", dict(p50_ms=5)), ("pytorch", dict(p50_ms=10)), model="resnet50")),
    "greenai-pytorch-best-bert": (
        _pair(("pytorch", dict(p50_ms=10)), ("tensorflow", dict(p50_ms=20)), model="bert_base"),
        _pair(("pytorch", dict(p50_ms=30)), ("tensorflow", dict(p50_ms=20)), model="bert_base")),
    "greenai-onnx-usually-better": (
        _pair(("pytorch", dict(p50_ms=10)), ("x", dict(p50_ms=8, **ORT)), model="mobilenet_v2"),
        _pair(("pytorch", dict(p50_ms=10)), ("x", dict(p50_ms=12, **ORT)), model="mobilenet_v2")),
    "greenai-onnx-resnet-b64-worse": (
        _pair(("pytorch", dict(p50_ms=100, energy_j=1.0)), ("x", dict(p50_ms=110, energy_j=1.1, **ORT)),
              model="resnet50", batch_size=64),
        _pair(("pytorch", dict(p50_ms=100, energy_j=1.0)), ("x", dict(p50_ms=80, energy_j=0.8, **ORT)),
              model="resnet50", batch_size=64)),
    "greenai-tensorrt-beats-cuda": (
        _pair(("x", dict(p50_ms=10, provider="cuda", **ORT)), ("x", dict(p50_ms=7, provider="tensorrt", **ORT)),
              model="bert_base"),
        _pair(("x", dict(p50_ms=10, provider="cuda", **ORT)), ("x", dict(p50_ms=12, provider="tensorrt", **ORT)),
              model="bert_base")),
    "greenai-energy-tracks-time": (_correlated(1), _correlated(-1)),
}
#: Frameworks on the test model only, and no energy: nothing can be judged.
SPARSE = [row("pytorch", "tinycnn"), row("tensorflow", "tinycnn"), row("null", "tinycnn")]
#: Claims of the form "X is fastest": a near-tie between X and the runner-up must stay undecided.
TIES = {
    "pcamp-x86-tf-large": _pair(("tensorflow", dict(p50_ms=10.0)), ("pytorch", dict(p50_ms=10.05))),
    "pcamp-mxnet-fastest-tx2": _pair(("mxnet", dict(p50_ms=10.0)), ("pytorch", dict(p50_ms=10.05)), device="tx2",
                                     device_class="jetson"),
    "greenai-pytorch-best-bert": _pair(("pytorch", dict(p50_ms=10.0)), ("tensorflow", dict(p50_ms=10.05)),
                                       model="bert_base"),
    "greenai-tf-slowest": _pair(("tensorflow", dict(p50_ms=10.05)), ("pytorch", dict(p50_ms=10.0)),
                                model="resnet50"),
    "pcamp-no-single-winner": _pair(("pytorch", dict(p50_ms=10, rss_mib=300)),
                                    ("tensorflow", dict(p50_ms=10.05, rss_mib=301))),
}


def three(rows: Rows, spread: float = 0.002) -> Rows:
    return [r for cfg in rows for r in reps(cfg, 3, spread)]


def _verdict(make_run, rows: Rows, fid: str, name: str, **kw):
    (v,) = evaluate(load([make_run(rows, run_id=name)]), only=[fid], **kw)
    return v


def test_every_shipped_finding_has_cases_and_a_label():
    found = catalog()
    assert len(found) == 20 and {f.id for f in found} == set(CASES)
    assert all(f.evidence in ("A", "S") and f.source and f.scope for f in found)


@pytest.mark.parametrize("fid", sorted(CASES))
def test_finding_holds_is_contradicted_and_says_what_is_missing(make_run, fid):
    holds, contradicted = CASES[fid]
    v = _verdict(make_run, three(holds), fid, "holds")
    assert v.verdict == HOLDS, v.detail
    v = _verdict(make_run, three(contradicted), fid, "contra")
    assert v.verdict == CONTRADICTED, v.detail
    assert re.search(r"\d", v.detail), "a contradiction quotes its numbers"
    v = _verdict(make_run, three(SPARSE), fid, "sparse")
    assert v.verdict == MISSING and ("needs" in v.detail or "energy" in v.detail), v.detail


@pytest.mark.parametrize("fid", sorted(CASES))
def test_one_repetition_per_configuration_decides_nothing(make_run, fid):
    v = _verdict(make_run, CASES[fid][0], fid, "single")
    assert v.verdict == MISSING, v.detail


@pytest.mark.parametrize("fid", sorted(TIES))
def test_a_tie_with_the_runner_up_is_not_enough_data(make_run, fid):
    v = _verdict(make_run, three(TIES[fid], spread=0.02), fid, "tie")
    assert v.verdict == MISSING and "tie" in v.detail, v.detail


def test_equivalence_needs_the_whole_ci_inside_the_band(make_run):
    # 1.04 ± a wide CI straddles the 5% band: neither holds nor contradicted
    rows = _pair(("pytorch", dict(p50_ms=100)), ("mxnet", dict(p50_ms=104)), batch_size=64, **GPU)
    v = _verdict(make_run, three(rows, spread=0.05), "greenai-b64-pytorch-mxnet-tie", "wide")
    assert v.verdict == MISSING, v.detail


def test_correlation_is_within_groups_not_across_model_sizes(make_run):
    # pooled over all nine configurations energy tracks latency (model size), within each group it falls
    v = _verdict(make_run, three(_correlated(-1, across=1)), "pcamp-energy-tracks-latency", "bycon")
    assert v.verdict == CONTRADICTED and "median Spearman ρ" in v.detail and "3 device" in v.detail, v.detail


def test_unconverged_and_disagreeing_cells_and_unstable_configurations_are_left_out_and_named(make_run):
    base = three(CASES["pcamp-x86-tf-large"][0])
    base[1]["converged"] = False  # one tensorflow repetition
    v = _verdict(make_run, base, "pcamp-x86-tf-large", "unconv")
    assert v.verdict == HOLDS and "left out: 1 configuration(s): tensorflow on host-a/alexnet/b1/cpu " \
                                  "(it did not converge)" in v.detail, v.detail
    wrong = [dict(r, warnings="output differs from the reference: max |diff| 0.3 vs output scale 1")
             if r["framework"] == "tensorflow" else r for r in three(CASES["pcamp-x86-tf-large"][0])]
    v = _verdict(make_run, wrong, "pcamp-x86-tf-large", "wrong")
    assert v.verdict == MISSING and "output differs from the reference" in v.detail, v.detail
    noisy = three(CASES["pcamp-x86-tf-large"][0][:1], spread=0.3) + three(CASES["pcamp-x86-tf-large"][0][1:])
    v = _verdict(make_run, noisy, "pcamp-x86-tf-large", "noisy")
    assert v.verdict == MISSING and re.search(r"CV \d+% > 10%", v.detail), v.detail


def test_gpu_claims_use_gpu_rows_and_the_missing_text_is_true(make_run):
    rows = three(_pair(("mxnet", dict(p50_ms=10)), ("tensorflow", dict(p50_ms=20)), model="resnet50"))  # cpu
    v = _verdict(make_run, rows, "greenai-mxnet-best-cv-b1", "cpu")
    assert v.verdict == MISSING and "no ok rows for provider cuda (have: cpu)" in v.detail, v.detail
    assert "framework tensorflow" not in v.detail and "framework mxnet" not in v.detail, v.detail
    assert "model mobilenet_v2" not in v.detail  # resnet50 rows are there: either model will do


def test_laptop_findings_need_a_label_and_accept_one(make_run):
    rows = three(_pair(("caffe2", dict(energy_j=0.1)), ("pytorch", dict(energy_j=0.2)), device="lab-x86"))
    run = make_run(rows, run_id="lab")
    (v,) = evaluate(load([run]), only=["pcamp-caffe2-energy-macbook"])
    assert v.verdict == MISSING and "laptop" in v.detail
    (v,) = evaluate(load([run]), laptops=["lab-x86"], only=["pcamp-caffe2-energy-macbook"])
    assert v.verdict == HOLDS


def test_time_holds_but_energy_absent_is_not_enough_data(make_run):
    rows = _pair(("pytorch", dict(p50_ms=100)), ("x", dict(p50_ms=110, **ORT)), model="resnet50", batch_size=64)
    v = _verdict(make_run, three(rows), "greenai-onnx-resnet-b64-worse", "noenergy")
    assert v.verdict == MISSING and "energy" in v.detail and "1.1" in v.detail


def test_fake_meter_energy_is_not_evidence(make_run):
    rows = [dict(r, energy_source="fake") for r in three(_correlated(1))]
    v = _verdict(make_run, rows, "greenai-energy-tracks-time", "fake")
    assert v.verdict == MISSING


def test_a_run_where_nothing_converged_is_judged_on_nothing_and_says_so(make_run):
    rows = [dict(r, converged=False) for r in three(CASES["pcamp-x86-tf-large"][0])]
    verdicts = evaluate(load([make_run(rows, run_id="noconv")]))
    assert all(v.verdict == MISSING for v in verdicts)
    (v,) = [v for v in verdicts if v.finding.id == "pcamp-x86-tf-large"]
    assert "left out" in v.detail and "it did not converge" in v.detail, v.detail
