"""BERT-base in native Keras 3 (TensorFlow backend), computing ``runner.frameworks.pytorch.bert``'s function.

Inputs ``input_ids`` and ``attention_mask`` (N, L) int; output the pooled output (N, 768). Post-LayerNorm
blocks, exact (erf) GELU, LayerNorm epsilon 1e-12, 12 heads of 64, masked keys get (1 - mask) * -10000,
token type ids all 0. Weights come from the canonical ``.npz`` with HuggingFace ``BertModel`` names; Linear
weights (out, in) are transposed to Keras' (in, out). Imports Keras only inside functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List

from runner.frameworks.tensorflow.defs import Net, load

HIDDEN = 768
LAYERS = 12
HEADS = 12
INTERMEDIATE = 3072
LN_EPS = 1e-12
MASK_VALUE = -10000.0


def _layernorm(net: Net, x: Any, prefix: str) -> Any:
    layer = net.k.layers.LayerNormalization(epsilon=LN_EPS, name=net._name(prefix, "layernorm"))
    return layer(x)


def _embedding(net: Net, x: Any, prefix: str, rows: int) -> Any:
    return net.k.layers.Embedding(rows, HIDDEN, name=net._name(prefix, "embedding"))(x)


def _heads(ops: Any, x: Any, length: int) -> Any:
    """(N, L, 768) -> (N, heads, L, 64)."""
    return ops.transpose(ops.reshape(x, (-1, length, HEADS, HIDDEN // HEADS)), (0, 2, 1, 3))


def _attention(net: Net, x: Any, bias: Any, prefix: str, length: int) -> Any:
    ops = net.k.ops
    q, k, v = (_heads(ops, net.dense(x, f"{prefix}.self.{n}", HIDDEN), length)
               for n in ("query", "key", "value"))
    scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) * (1.0 / (HIDDEN // HEADS) ** 0.5) + bias
    context = ops.matmul(ops.softmax(scores, axis=-1), v)
    context = ops.reshape(ops.transpose(context, (0, 2, 1, 3)), (-1, length, HIDDEN))
    y = net.dense(context, f"{prefix}.output.dense", HIDDEN)
    return _layernorm(net, y + x, f"{prefix}.output.LayerNorm")


def _layer(net: Net, x: Any, bias: Any, prefix: str, length: int) -> Any:
    x = _attention(net, x, bias, prefix + ".attention", length)
    h = net.dense(x, prefix + ".intermediate.dense", INTERMEDIATE)
    h = net.k.activations.gelu(h, approximate=False)
    y = net.dense(h, prefix + ".output.dense", HIDDEN)
    return _layernorm(net, y + x, prefix + ".output.LayerNorm")


def _embeddings(net: Net, ids: Any, length: int) -> Any:
    ops = net.k.ops
    types = ops.zeros_like(ids)  # derived from ids so the embedding layers stay in the functional graph
    # arange first: ``types + arange`` would become an int64 BiasAdd, which TFLite has no kernel for
    positions = ops.expand_dims(ops.arange(length, dtype=ids.dtype), 0) + types
    x = _embedding(net, ids, "embeddings.word_embeddings", 30522)
    x = x + _embedding(net, positions, "embeddings.position_embeddings", 512)
    x = x + _embedding(net, types, "embeddings.token_type_embeddings", 2)
    return _layernorm(net, x, "embeddings.LayerNorm")


def _graph(net: Net, ids: Any, mask: Any, length: int) -> Any:
    ops = net.k.ops
    bias = (1.0 - ops.cast(mask, "float32"))[:, None, None, :] * MASK_VALUE
    x = _embeddings(net, ids, length)
    for i in range(LAYERS):
        x = _layer(net, x, bias, f"encoder.layer.{i}", length)
    return net.dense(x[:, 0], "pooler.dense", HIDDEN, "tanh")


def build(weights: Path, length: int = 0) -> Any:
    """The Keras BERT-base model with canonical weights; ``length`` defaults to the spec's sequence length."""
    import keras

    from runner.models.spec import get

    length = length or get("bert_base").inputs[0].shape[0]
    net = Net()
    ids = keras.Input(shape=(length,), name="input_ids", dtype="int64")
    mask = keras.Input(shape=(length,), name="attention_mask", dtype="int64")
    model = keras.Model([ids, mask], _graph(net, ids, mask, length), name="bert_base")
    load(model, net.slots, weights)
    return model


def input_names() -> List[str]:
    return ["input_ids", "attention_mask"]
