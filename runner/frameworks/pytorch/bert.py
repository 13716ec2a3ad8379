"""A compact BERT-base encoder in native PyTorch, with HuggingFace ``BertModel``'s ``state_dict`` names.

Inputs ``input_ids`` and ``attention_mask``, both int64 (N, L) with L <= 512; token type ids are all 0.
Output: the pooled output (N, 768) = tanh(``pooler.dense``(hidden state of token 0)).

Keys and layouts (``Linear.weight`` is (out, in), as in HuggingFace checkpoints)::

    embeddings.word_embeddings.weight         (30522, 768)
    embeddings.position_embeddings.weight     (512, 768)
    embeddings.token_type_embeddings.weight   (2, 768)      row 0 is used
    embeddings.LayerNorm.{weight,bias}        (768,)
    encoder.layer.{i}.attention.self.{query,key,value}.{weight (768, 768), bias (768,)}
    encoder.layer.{i}.attention.output.dense.{weight (768, 768), bias}
    encoder.layer.{i}.attention.output.LayerNorm.{weight,bias}
    encoder.layer.{i}.intermediate.dense.{weight (3072, 768), bias (3072,)}
    encoder.layer.{i}.output.dense.{weight (768, 3072), bias (768,)}
    encoder.layer.{i}.output.LayerNorm.{weight,bias}
    pooler.dense.{weight (768, 768), bias}

for i in 0..11. Post-LayerNorm residual blocks, GELU (erf form), LayerNorm eps 1e-12, 12 heads of 64;
attention scores are q·k / 8 plus (1 - mask) * -10000 on masked keys.
"""

from __future__ import annotations

import math

import torch
from torch import nn

VOCAB = 30522
HIDDEN = 768
LAYERS = 12
HEADS = 12
INTERMEDIATE = 3072
MAX_POSITIONS = 512
TYPE_VOCAB = 2
LN_EPS = 1e-12
MASK_VALUE = -10000.0


class BertEmbeddings(nn.Module):
    """Word + position + token-type (0) embeddings, then LayerNorm."""

    def __init__(self) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = nn.Embedding(MAX_POSITIONS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(TYPE_VOCAB, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=LN_EPS)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.size(1), device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions).unsqueeze(0)
        return self.LayerNorm(x + self.token_type_embeddings.weight[0])


class BertSelfAttention(nn.Module):
    """Multi-head scaled dot-product attention; returns the heads' context, concatenated."""

    def __init__(self) -> None:
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.heads = HEADS
        self.head_dim = HIDDEN // HEADS
        self.scale = 1.0 / math.sqrt(self.head_dim)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), x.size(1), self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        q, k, v = self._heads(self.query(x)), self._heads(self.key(x)), self._heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale + mask
        context = torch.matmul(torch.softmax(scores, dim=-1), v)
        return context.transpose(1, 2).reshape(x.size(0), x.size(1), self.heads * self.head_dim)


class BertSelfOutput(nn.Module):
    """``dense`` projection, residual add, LayerNorm (also the FFN's output block, at another width)."""

    def __init__(self, width: int = HIDDEN) -> None:
        super().__init__()
        self.dense = nn.Linear(width, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=LN_EPS)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class BertAttention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.self = BertSelfAttention()
        self.output = BertSelfOutput()

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.dense = nn.Linear(HIDDEN, INTERMEDIATE)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(self.dense(x))


class BertLayer(nn.Module):
    """Attention block, then the feed-forward block (768 → 3072 GELU → 768), both post-LayerNorm."""

    def __init__(self) -> None:
        super().__init__()
        self.attention = BertAttention()
        self.intermediate = BertIntermediate()
        self.output = BertSelfOutput(INTERMEDIATE)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class BertEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer() for _ in range(LAYERS)])

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertPooler(nn.Module):
    """tanh(``dense``(hidden state of the first token, [CLS]))."""

    def __init__(self) -> None:
        super().__init__()
        self.dense = nn.Linear(HIDDEN, HIDDEN)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(x[:, 0]))


class BertModel(nn.Module):
    """BERT-base: (input_ids, attention_mask) int64 (N, L) → pooled output (N, 768)."""

    def __init__(self) -> None:
        super().__init__()
        self.embeddings = BertEmbeddings()
        self.encoder = BertEncoder()
        self.pooler = BertPooler()
        self.mask_value = MASK_VALUE

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.embeddings(input_ids)
        mask = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * self.mask_value  # float16 in a half model
        return self.pooler(self.encoder(hidden, mask))
