"""Embeddings and one-hot encoding.

``embedding`` is a row gather from the weight (``weight[indices]``); the
engine's gather rule adds the gradients of repeated indices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn import init
from nn.init import Generatorish, _get_generator
from nn.module import Module, Parameter

__all__ = ["Embedding", "embedding", "one_hot"]


def _indices(input: Any, op: str) -> np.ndarray:
    idx = input.data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {idx.dtype}")
    return idx


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (shape ``(num_embeddings, dim)``) at the integer ``input``.

    Rows at ``padding_idx`` are returned as they are but receive no gradient,
    as in PyTorch.
    """
    idx = _indices(input, "embedding")
    n = weight.shape[0]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for {n} embeddings")
    out = weight[idx]
    if padding_idx is None:
        return out
    pad = padding_idx % n
    hit = (idx % n == pad)[..., None]
    if not hit.any():
        return out
    # The padding row's value without a gradient path back to the weight.
    return autograd.where(hit, Tensor(weight.data[pad]), out)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """``(..., num_classes)`` int64 Tensor with a 1 at each index (``-1``: max index + 1)."""
    idx = _indices(tensor, "one_hot")
    if idx.size and idx.min() < 0:
        raise ValueError("one_hot: class values must be non-negative")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and idx.max() >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes={num_classes}")
    return Tensor((idx[..., None] == np.arange(num_classes)).astype(np.int64))


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``.

    ``weight`` is drawn from N(0, 1) as in PyTorch, with the ``padding_idx``
    row (if any) set to zeros; that row gets no gradient.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError("Embedding: padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = padding_idx
        dt = np.dtype(autograd.get_default_dtype() if dtype is None else dtype)
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dt))
        init.normal_(self.weight, generator=_get_generator(seed))
        if padding_idx is not None:
            self.weight.data[padding_idx] = 0

    def forward(self, input: Any) -> Tensor:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"
