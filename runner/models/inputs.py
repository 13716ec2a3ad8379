"""Seeded inputs (worker side, numpy only). Item ``i`` of a batch is the same for every batch size."""

from __future__ import annotations

from typing import Dict, List

import numpy as np

from runner.models.spec import InputSpec, ModelSpec

INPUT_SEED = 20180710  # HotEdge '18
#: Post-training quantization calibrates on seeded inputs of their own (not the measured ones), this many.
CALIBRATION_SEED = INPUT_SEED + 1
CALIBRATION_INPUTS = 32


def _item(spec: InputSpec, seed: int, index: int) -> np.ndarray:
    rng = np.random.default_rng([seed, index, sum(map(ord, spec.name))])
    if spec.kind == "image":
        return rng.standard_normal(spec.shape, dtype=np.float32)
    if spec.kind == "tokens":
        ids = rng.integers(1000, spec.vocab_size, size=spec.shape, dtype=np.int64)
        ids[0] = 101  # [CLS]
        ids[-1] = 102  # [SEP]
        return ids.astype(spec.dtype)
    if spec.kind == "mask":
        return np.ones(spec.shape, dtype=spec.dtype)
    if spec.kind == "tensor":
        return rng.standard_normal(spec.shape, dtype=np.float32).astype(spec.dtype)
    if spec.kind == "ids":
        return rng.integers(spec.low, spec.high, size=spec.shape, dtype=np.int64).astype(spec.dtype)
    raise ValueError(f"unknown input kind {spec.kind!r}")


def make_inputs(model: ModelSpec, batch_size: int, seed: int = INPUT_SEED) -> Dict[str, np.ndarray]:
    """``{input name: array of shape (batch_size, *spec.shape)}`` in NCHW / (N, L) layout."""
    return {
        spec.name: np.stack([_item(spec, seed, i) for i in range(batch_size)])
        for spec in model.inputs
    }


def calibration_inputs(model: ModelSpec, count: int = CALIBRATION_INPUTS) -> List[Dict[str, np.ndarray]]:
    """``count`` single-item batches for post-training quantization, drawn with :data:`CALIBRATION_SEED`."""
    items = make_inputs(model, count, seed=CALIBRATION_SEED)
    return [{name: array[i:i + 1] for name, array in items.items()} for i in range(count)]
