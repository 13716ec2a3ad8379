"""Output quality against the fp32 reference (worker side, numpy only): the measure of a precision.

The canonical weights are seeded, not trained, so there is no task accuracy to measure; what a reduced
precision costs is measured as agreement with the reference framework's eager fp32 output on the same seeded
inputs (the first ``quality_samples`` items of :func:`runner.models.inputs.make_inputs`, the same for every
batch size; not the calibration inputs):

- ``sqnr_db`` = 10·log10(Σ ref² / Σ (ref − out)²) over every element of every item: the signal-to-
  quantization-noise ratio (+inf where the output is identical to the reference; an fp32 cell's value is
  the conversion's own error);
- ``top1_agreement``: the share of arg-max positions that match. The arg-max is over the last axis of each
  item's output; an item with several positions (e.g. per token) counts each. For the CNNs that is the
  predicted class of each image; for ``bert_base``, whose output is the pooled vector (N, 768), it is the
  index of the largest pooled feature: a strict proxy, not a task metric.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List

import numpy as np

from runner.models import inputs
from runner.models.spec import ModelSpec
from runner.worker.protocol import Quality


def sqnr_db(reference: np.ndarray, output: np.ndarray) -> float:
    """10·log10(Σ ref² / Σ (ref − out)²) in float64; +inf when they are equal, -inf for a zero reference."""
    ref = np.asarray(reference, dtype=np.float64)
    noise = float(np.sum((ref - np.asarray(output, dtype=np.float64)) ** 2))
    signal = float(np.sum(ref ** 2))
    if noise == 0.0:
        return math.inf
    return 10.0 * math.log10(signal / noise) if signal > 0 else -math.inf


def top1_agreement(reference: np.ndarray, output: np.ndarray) -> float:
    """The share of positions whose arg-max over the last axis is the same in both."""
    ref, out = np.asarray(reference), np.asarray(output)
    if ref.ndim < 2:
        raise ValueError(f"an arg-max needs an item axis and a class axis, got shape {list(ref.shape)}")
    return float(np.mean(np.argmax(ref, axis=-1) == np.argmax(out, axis=-1)))


def outputs(run: Callable[[Dict[str, np.ndarray]], Any], spec: ModelSpec, batch_size: int, samples: int
            ) -> np.ndarray:
    """The first ``samples`` seeded items' outputs, run ``batch_size`` at a time (the last batch filled up
    with the items that follow, whose outputs are dropped)."""
    calls = -(-samples // batch_size)
    items = inputs.make_inputs(spec, calls * batch_size)
    parts: List[np.ndarray] = []
    for k in range(calls):
        parts.append(np.asarray(run({n: a[k * batch_size:(k + 1) * batch_size] for n, a in items.items()})))
    return np.concatenate(parts)[:samples]


def assess(run: Callable[[Dict[str, np.ndarray]], Any], spec: ModelSpec, batch_size: int, samples: int,
           reference_path: str) -> Quality:
    """SQNR and top-1 agreement of ``run`` (numpy inputs -> numpy output) against the saved reference."""
    ref = np.load(reference_path)
    out = outputs(run, spec, batch_size, samples)
    if ref.shape != out.shape:
        return Quality(samples, problem=f"quality outputs {list(out.shape)} differ in shape from the reference's "
                                        f"{list(ref.shape)}")
    if not np.all(np.isfinite(out)):
        return Quality(samples, problem="non-finite values in the quality outputs")
    return Quality(samples, sqnr_db(ref, out), top1_agreement(ref, out))
