"""BERT-base as MXNet Gluon HybridBlocks, computing the reference definition's function.

Inputs ``input_ids`` and ``attention_mask`` (N, L) int; output the pooled output (N, 768). Post-LayerNorm
blocks, exact (erf) GELU (``LeakyReLU(act_type="gelu")``), LayerNorm epsilon 1e-12, 12 heads of 64, masked
keys get (1 - mask) * -10000, token type ids all 0. Parameters are registered under HuggingFace
``BertModel`` names; Gluon's Dense weight is (out, in) like the canonical weights', so nothing is transposed.
Imported only from the MXNet adapter (it imports MXNet at the top).
"""

from __future__ import annotations

from typing import Any, List, Tuple

from mxnet.gluon import HybridBlock, nn

from runner.frameworks.mxnet.defs import Registry

HIDDEN = 768
LAYERS = 12
HEADS = 12
INTERMEDIATE = 3072
LN_EPS = 1e-12
MASK_VALUE = -10000.0


def _layernorm(reg: Registry, prefix: str) -> Any:
    return reg.add(prefix, nn.LayerNorm(epsilon=LN_EPS, in_channels=HIDDEN), "layernorm")


def _dense(reg: Registry, prefix: str, units: int, act: Any = None) -> Any:
    return reg.add(prefix, nn.Dense(units, activation=act, flatten=False), "dense")


class Embeddings(HybridBlock):
    """Word + position + token-type (0) embeddings, then LayerNorm."""

    def __init__(self, reg: Registry) -> None:
        super().__init__()
        self.word = reg.add("embeddings.word_embeddings", nn.Embedding(30522, HIDDEN), "embedding")
        self.position = reg.add("embeddings.position_embeddings", nn.Embedding(512, HIDDEN), "embedding")
        self.type = reg.add("embeddings.token_type_embeddings", nn.Embedding(2, HIDDEN), "embedding")
        self.norm = _layernorm(reg, "embeddings.LayerNorm")

    def hybrid_forward(self, F: Any, ids: Any) -> Any:
        positions = self.position(F.contrib.arange_like(ids, axis=1))  # (L, 768)
        x = F.broadcast_add(self.word(ids), F.expand_dims(positions, axis=0))
        return self.norm(x + self.type(F.zeros_like(ids)))


class Layer(HybridBlock):
    """Self-attention block and feed-forward block (768 -> 3072 GELU -> 768), both post-LayerNorm."""

    def __init__(self, reg: Registry, p: str) -> None:
        super().__init__()
        self.query = _dense(reg, p + ".attention.self.query", HIDDEN)
        self.key = _dense(reg, p + ".attention.self.key", HIDDEN)
        self.value = _dense(reg, p + ".attention.self.value", HIDDEN)
        self.proj = _dense(reg, p + ".attention.output.dense", HIDDEN)
        self.norm1 = _layernorm(reg, p + ".attention.output.LayerNorm")
        self.inner = _dense(reg, p + ".intermediate.dense", INTERMEDIATE)
        self.outer = _dense(reg, p + ".output.dense", HIDDEN)
        self.norm2 = _layernorm(reg, p + ".output.LayerNorm")

    def _attention(self, F: Any, x: Any, bias: Any) -> Any:
        """4-D batch_dot and only the reshape codes 0 and -1, which ONNX's Reshape also has."""
        def heads(t: Any) -> Any:  # (N, L, 768) -> (N, heads, L, 64)
            return F.transpose(F.reshape(t, shape=(0, 0, HEADS, -1)), axes=(0, 2, 1, 3))

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        scores = F.batch_dot(q, k, transpose_b=True) * (1.0 / (HIDDEN // HEADS) ** 0.5)
        probs = F.softmax(F.broadcast_add(scores, bias), axis=-1)
        context = F.transpose(F.batch_dot(probs, v), axes=(0, 2, 1, 3))
        return F.reshape(context, shape=(0, 0, -1))

    def hybrid_forward(self, F: Any, x: Any, bias: Any) -> Any:
        x = self.norm1(self.proj(self._attention(F, x, bias)) + x)
        h = F.LeakyReLU(self.inner(x), act_type="gelu")
        return self.norm2(self.outer(h) + x)


class Bert(HybridBlock):
    """BERT-base: (input_ids, attention_mask) -> tanh(``pooler.dense``(hidden state of token 0))."""

    def __init__(self, reg: Registry) -> None:
        super().__init__()
        self.embeddings = Embeddings(reg)
        self.layers = [Layer(reg, f"encoder.layer.{i}") for i in range(LAYERS)]
        for i, layer in enumerate(self.layers):
            self.register_child(layer, f"layer{i}")
        self.pooler = _dense(reg, "pooler.dense", HIDDEN, "tanh")

    def hybrid_forward(self, F: Any, ids: Any, mask: Any) -> Any:
        bias = F.reshape((1.0 - F.cast(mask, "float32")) * MASK_VALUE, shape=(0, 1, 1, -1))
        x = self.embeddings(ids)
        for layer in self.layers:
            x = layer(x, bias)
        first = F.reshape(F.slice_axis(x, axis=1, begin=0, end=1), shape=(0, -1))
        return self.pooler(first)


def build() -> Tuple[Any, List[Tuple[str, Any, str]]]:
    """The uninitialised network and its weight slots."""
    reg = Registry()
    return Bert(reg), reg.slots


def input_names() -> List[str]:
    return ["input_ids", "attention_mask"]
