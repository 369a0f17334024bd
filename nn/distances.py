"""Norms, distances and padding: ``normalize``, ``cosine_similarity``,
``pairwise_distance``, ``pad``, and the modules ``CosineSimilarity`` and
``PairwiseDistance``, as in PyTorch.

Composed from the engine's primitives. A p-norm here has the gradient 0 at
the zero vector (PyTorch's choice; the root's derivative is infinite there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn.functional import _same_dtype, _scalar, _tensor
from nn.module import Module

__all__ = [
    "CosineSimilarity",
    "PairwiseDistance",
    "cosine_similarity",
    "normalize",
    "pad",
    "pairwise_distance",
]


def _other(x: Any, like: Tensor, op: str, what: str) -> Tensor:
    """A second operand by nn's dtype rule: arrays are cast to ``like``'s dtype,
    a Tensor of another dtype is an error."""
    if isinstance(x, Tensor):
        return _same_dtype(x, like.dtype, op, what, "the first input")
    return Tensor(np.asarray(x, dtype=like.dtype))


def _axis(dim: int, ndim: int, op: str) -> int:
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"{op}: dim {dim} is out of range for a tensor of {ndim} dimensions "
            f"(expected {-max(ndim, 1)}..{max(ndim, 1) - 1})"
        )
    return dim % max(ndim, 1)


def _safe_root(s: Tensor, p: float) -> Tensor:
    """``s ** (1/p)`` for ``s >= 0`` with gradient 0 where ``s == 0``."""
    zero = s.data == 0
    root = autograd.where(zero, 1.0, s) ** (1.0 / p)
    return autograd.where(zero, 0.0, root)


def vector_norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """The p-norm along ``dim`` (p = inf: the largest magnitude)."""
    if p == math.inf:
        return x.abs().amax(axis=dim, keepdims=keepdim)
    if p == 1:
        return x.abs().sum(axis=dim, keepdims=keepdim)
    if p == 2:
        return _safe_root((x * x).sum(axis=dim, keepdims=keepdim), 2.0)
    if p <= 0:
        raise ValueError(f"norm: p must be positive (or inf), got {p}")
    return _safe_root((x.abs() ** p).sum(axis=dim, keepdims=keepdim), p)


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``."""
    x = _tensor(input)
    axis = _axis(dim, x.ndim, "normalize")
    if x.ndim == 0:
        x = x.reshape(1)
    norm = vector_norm(x, p, axis, keepdim=True)
    out = x / autograd.maximum(norm, np.array(eps, dtype=x.dtype))
    return out.reshape(()) if _tensor(input).ndim == 0 else out


def _clamp_min_value(t: Tensor, eps: float) -> Tensor:
    """``max(t, eps)`` in value with the gradient of ``t`` (PyTorch clamps the norms of
    cosine_similarity in place, outside the graph)."""
    return t + (np.maximum(t.data, _scalar(eps, t)) - t.data)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))`` along ``dim`` (broadcasting)."""
    a = _tensor(x1)
    b = _other(x2, a, "cosine_similarity", "x2")
    ndim = max(a.ndim, b.ndim)
    axis = _axis(dim, ndim, "cosine_similarity")
    shape = np.broadcast_shapes(a.shape, b.shape)
    if a.shape != shape:
        a = a.broadcast_to(shape)
    if b.shape != shape:
        b = b.broadcast_to(shape)
    na = _clamp_min_value(vector_norm(a, 2, axis, keepdim=True), eps)
    nb = _clamp_min_value(vector_norm(b, 2, axis, keepdim=True), eps)
    return ((a / na) * (b / nb)).sum(axis=axis)


def pairwise_distance(
    x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last axis (broadcasting)."""
    a = _tensor(x1)
    b = _other(x2, a, "pairwise_distance", "x2")
    diff = a - b + eps
    if diff.ndim == 0:
        return vector_norm(diff.reshape(1), p, 0, keepdim=False)
    return vector_norm(diff, p, diff.ndim - 1, keepdim)


# ------------------------------------------------------------------ pad
def _pad_index(n: int, left: int, right: int, mode: str) -> np.ndarray:
    """Source positions of a padded axis of size ``n``."""
    j = np.arange(-left, n + right)
    if mode == "reflect":
        period = 2 * (n - 1)
        j = np.abs(j) % period if period else np.zeros_like(j)
        return np.where(j >= n, period - j, j)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    return j % n  # circular


def pad(
    input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad the last ``len(pad) // 2`` axes: ``pad = (left_last, right_last, left_prev, ...)``.

    ``mode`` is ``'constant'`` (with ``value``, default 0; negative amounts
    crop), ``'reflect'`` (mirror without the edge; each amount below the
    axis's size), ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap
    around; amounts up to the axis's size). Unlike PyTorch, the non-constant
    modes pad any number of trailing axes of an input of any rank.
    """
    x = _tensor(input)
    amounts = [int(v) for v in pad]
    if len(amounts) % 2 or len(amounts) // 2 > x.ndim:
        raise ValueError(
            f"pad: the padding must have an even length of at most 2 * ndim = {2 * x.ndim}, "
            f"got {tuple(pad)}"
        )
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(
            f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"pad: padding mode {mode!r} does not take a value, got {value}")
    fill = 0.0 if value is None else value
    for k in range(len(amounts) // 2):
        left, right = amounts[2 * k], amounts[2 * k + 1]
        axis = x.ndim - 1 - k
        n = x.shape[axis]
        head = (slice(None),) * axis
        if mode == "constant":
            # Negative amounts crop first; positive ones add constant blocks.
            x = x[(*head, slice(max(-left, 0), n - max(-right, 0)))]
            pieces = []
            for amount in (left, right):
                shape = list(x.shape)
                shape[axis] = max(amount, 0)
                pieces.append(np.full(shape, fill, dtype=x.dtype))
            x = autograd.concatenate([Tensor(pieces[0]), x, Tensor(pieces[1])], axis=axis)
            continue
        if min(left, right) < 0:
            raise ValueError(f"pad: {mode} padding takes no negative amounts, got {tuple(pad)}")
        limit = {"reflect": n - 1, "circular": n}.get(mode, math.inf)
        if max(left, right) > limit or n == 0:
            raise ValueError(
                f"pad: {mode} padding of ({left}, {right}) along axis {axis} needs each "
                f"amount at most {limit} for that axis's size {n}"
            )
        x = x[(*head, _pad_index(n, left, right, mode))]
    return x


# ------------------------------------------------------------------ modules
class CosineSimilarity(Module):
    """:func:`cosine_similarity` as a module."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """:func:`pairwise_distance` as a module."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
