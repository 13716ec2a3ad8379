"""The model registry: frozen specs, no framework imports (worker side, Python >= 3.9).

The built-in models are :data:`MODELS`. A model file (``--model-file``) gets its spec from its signature
(:mod:`runner.models.files`); each process that handles one registers it (:func:`register`: the orchestrator's
plan, the worker and the build jobs, from the cell or request that carries it), so :func:`get` answers for
both by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Tuple

#: Model families; a framework's precision methods may differ by family (``Record.precisions``).
MODEL_FAMILIES = ("cnn", "transformer")


@dataclass(frozen=True)
class InputSpec:
    """One model input; ``shape`` excludes the batch dimension.

    ``kind`` says how its seeded values are drawn (:mod:`runner.models.inputs`) and how runtimes lay it out:
    ``image`` (float, NCHW; runtimes with NHWC models transpose it), ``tokens`` (int ids in
    ``[1000, vocab_size)`` between [CLS] and [SEP]), ``mask`` (ones); a model file's inputs are ``tensor``
    (float, standard normal, in the file's own layout) or ``ids`` (integers in ``[low, high)``).
    """

    name: str
    shape: Tuple[int, ...]
    dtype: str  # numpy dtype name
    kind: str = "image"  # image | tokens | mask | tensor | ids
    vocab_size: int = 0  # for kind == "tokens"
    low: int = 0  # for kind == "ids": the seeded integers are drawn from [low, high)
    high: int = 0


@dataclass(frozen=True)
class ModelSpec:
    name: str
    family: str  # one of MODEL_FAMILIES
    inputs: Tuple[InputSpec, ...]
    output: str  # what the output is, e.g. "logits (N, 1000)"
    params: int  # parameter count of our definition (checked in tests)
    published_params: float  # the published architecture's parameter count
    flops_per_item: float  # multiply-accumulates x 2, one item, from the definition's shapes
    batch_sizes: Tuple[int, ...]
    studies: Tuple[str, ...] = ()
    options: Dict[str, int] = field(default_factory=dict)


def _image(size: int, channels: int = 3) -> Tuple[InputSpec, ...]:
    return (InputSpec("input", (channels, size, size), "float32", "image"),)


BERT_SEQ_LEN = 128
BERT_VOCAB = 30522

MODELS: Dict[str, ModelSpec] = {
    m.name: m
    for m in (
        ModelSpec("tinycnn", "cnn", _image(32), "logits (N, 10)",
                  1_562, 1562.0, 1_032_512.0, (1, 4), ("tests",)),
        ModelSpec("alexnet", "cnn", _image(224), "logits (N, 1000)",
                  61_100_840, 61.1e6, 1_428_376_960.0, (1,), ("pcamp",)),
        ModelSpec("squeezenet1_0", "cnn", _image(224), "logits (N, 1000)",
                  1_248_424, 1.25e6, 1_637_849_152.0, (1,), ("pcamp",)),
        ModelSpec("squeezenet1_1", "cnn", _image(224), "logits (N, 1000)",
                  1_235_496, 1.24e6, 698_303_872.0, (1,), ("pcamp",)),
        ModelSpec("resnet50", "cnn", _image(224), "logits (N, 1000)",
                  25_557_032, 25.6e6, 8_178_368_512.0, (1, 64), ("greenai",)),
        ModelSpec("mobilenet_v2", "cnn", _image(224), "logits (N, 1000)",
                  3_504_872, 3.5e6, 601_548_544.0, (1, 64), ("greenai",)),
        ModelSpec(
            "bert_base",
            "transformer",
            (
                InputSpec("input_ids", (BERT_SEQ_LEN,), "int64", "tokens", BERT_VOCAB),
                InputSpec("attention_mask", (BERT_SEQ_LEN,), "int64", "mask"),
            ),
            "pooled output (N, 768)",
            109_482_240,
            109.5e6,
            22_348_431_360.0,
            (1, 64),
            ("greenai",),
            {"seq_len": BERT_SEQ_LEN},
        ),
    )
}


_FILES: Dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> None:
    """Make a model file's spec known to :func:`get` in this process (a later one of the same name replaces
    it). A built-in model's name cannot be taken."""
    if spec.name in MODELS:
        raise ValueError(f"a model file cannot take the built-in model name {spec.name!r}")
    _FILES[spec.name] = spec


def get(name: str) -> ModelSpec:
    """The spec of a built-in model, or of a model file registered in this process."""
    found = MODELS.get(name) or _FILES.get(name)
    if found is None:
        raise KeyError(f"unknown model {name!r} (neither built in nor a registered model file)")
    return found
