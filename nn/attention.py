"""Attention: ``scaled_dot_product_attention``, ``MultiheadAttention`` and
``TransformerEncoderLayer``, with PyTorch's arguments and parameter names.

Everything is matrix products, a softmax and masks applied with ``where``;
the engine differentiates it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn import init
from nn.functional import dropout as _dropout
from nn.functional import linear as _linear
from nn.functional import relu as _relu
from nn.init import Generatorish, _get_generator
from nn.layers import Dropout, Linear
from nn.module import Module, Parameter
from nn.norm import LayerNorm

__all__ = [
    "MultiheadAttention",
    "TransformerEncoderLayer",
    "scaled_dot_product_attention",
]


def _swap_last(t: Tensor) -> Tensor:
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return t.transpose(tuple(axes))


def _causal(length: int, source: int) -> np.ndarray:
    """True where query ``i`` may attend to key ``j``: ``j <= i``."""
    return np.tril(np.ones((length, source), dtype=bool))


def _attend(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    allowed: np.ndarray | None,
    additive: Tensor | np.ndarray | None,
    dropout_p: float,
    scale: float,
    generator: Generatorish,
) -> tuple[Tensor, Tensor]:
    """``softmax(q k^T * scale + additive, masked where not allowed) @ v``; also the weights."""
    scores = (q @ _swap_last(k)) * scale
    if additive is not None:
        scores = scores + additive
    if allowed is not None:
        scores = autograd.where(allowed, scores, -np.inf)
    weights = scores.softmax(axis=-1)
    if dropout_p > 0.0:
        weights = _dropout(weights, dropout_p, True, generator)
    return weights @ v, weights


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    generator: Generatorish = None,
) -> Tensor:
    """``softmax(query @ key^T / sqrt(E) + mask) @ value`` (PyTorch's semantics).

    Parameters
    ----------
    query : Tensor, shape ``(..., L, E)``
    key : Tensor, shape ``(..., S, E)``
    value : Tensor, shape ``(..., S, Ev)``
    attn_mask : bool or float array/Tensor broadcastable to ``(..., L, S)``, optional
        A boolean mask says which keys each query may attend to (True: may);
        a float mask is added to the scores.
    dropout_p : float
        Dropout applied to the attention weights (always, as in PyTorch: pass
        0 in evaluation).
    is_causal : bool
        Query ``i`` attends only to keys ``j <= i``; not combined with ``attn_mask``.
    scale : float, optional
        Defaults to ``1 / sqrt(E)``.

    Returns
    -------
    Tensor, shape ``(..., L, Ev)``
    """
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2:
            raise ValueError(f"{op}: {name} must be a Tensor of at least 2 dimensions")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"{op}: query {query.shape}, key {key.shape} and value {value.shape} do not fit: "
            "expected (..., L, E), (..., S, E) and (..., S, Ev)"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be between 0 and 1, got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{op}: give either attn_mask or is_causal, not both")
    length, source = query.shape[-2], key.shape[-2]
    allowed = additive = None
    if is_causal:
        allowed = _causal(length, source)
    elif attn_mask is not None:
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if mask.dtype == np.bool_:
            allowed = mask
        else:
            additive = attn_mask if isinstance(attn_mask, Tensor) else mask.astype(query.dtype)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    out, _ = _attend(query, key, value, allowed, additive, dropout_p, scale, generator)
    return out


class MultiheadAttention(Module):
    """Multi-head attention (PyTorch's ``MultiheadAttention``, ``kdim = vdim = embed_dim``).

    Parameters ``in_proj_weight`` ``(3 E, E)`` (Xavier uniform) and
    ``in_proj_bias`` ``(3 E,)`` (zeros) project query, key and value;
    ``out_proj`` is a ``Linear(E, E)`` whose bias starts at zero.
    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)`` returns
    ``(output, weights)``; inputs are ``(L, N, E)``, or ``(N, L, E)`` with
    ``batch_first``, or unbatched ``(L, E)``. Boolean masks mark what is
    *not* attended (True: masked), as in PyTorch; float masks are added.
    ``is_causal=True`` without ``attn_mask`` applies the causal mask.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        super().__init__()
        if num_heads < 1 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim {embed_dim} must be divisible by num_heads "
                f"{num_heads}"
            )
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.head_dim = embed_dim // num_heads
        self.dropout, self.batch_first = float(dropout), batch_first
        dt = np.dtype(autograd.get_default_dtype() if dtype is None else dtype)
        rng = _get_generator(seed)
        self._rng = rng if seed is not None else None
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=dt))
        init.xavier_uniform_(self.in_proj_weight, generator=rng)
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dt, seed=rng)
        if bias:
            self.out_proj.bias.data[...] = 0

    def _project(self, x: Tensor, part: int) -> Tensor:
        e = self.embed_dim
        w = self.in_proj_weight[part * e : (part + 1) * e]
        b = None if self.in_proj_bias is None else self.in_proj_bias[part * e : (part + 1) * e]
        return _linear(x, w, b)

    def _heads(self, x: Tensor) -> Tensor:
        n, length = x.shape[:2]
        return x.reshape(n, length, self.num_heads, self.head_dim).transpose((0, 2, 1, 3))

    def _mask(
        self, attn_mask: Any, key_padding_mask: Any, n: int, length: int, source: int, dtype: Any
    ) -> Any:
        """Both masks as one additive float array of shape ``(N, H, L, S)`` (or None)."""
        total = None
        if attn_mask is not None:
            m = np.asarray(attn_mask.data if isinstance(attn_mask, Tensor) else attn_mask)
            m = np.where(m, -np.inf, 0.0) if m.dtype == np.bool_ else m
            if m.ndim == 3:
                m = m.reshape(n, self.num_heads, length, source)
            elif m.shape != (length, source):
                raise ValueError(
                    f"MultiheadAttention: attn_mask must have shape ({length}, {source}) or "
                    f"({n * self.num_heads}, {length}, {source}), got {m.shape}"
                )
            total = m.astype(dtype)
        if key_padding_mask is not None:
            k = np.asarray(
                key_padding_mask.data if isinstance(key_padding_mask, Tensor) else key_padding_mask
            )
            if k.shape != (n, source):
                raise ValueError(
                    f"MultiheadAttention: key_padding_mask must have shape ({n}, {source}), "
                    f"got {k.shape}"
                )
            k = np.where(k, -np.inf, 0.0) if k.dtype == np.bool_ else k
            k = k.reshape(n, 1, 1, source).astype(dtype)
            total = k if total is None else total + k
        return total

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t.reshape(t.shape[0], 1, t.shape[1]) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(key_padding_mask).reshape(1, -1)
        if not self.batch_first or unbatched:
            query, key, value = (t.transpose((1, 0, 2)) for t in (query, key, value))
        if query.shape[-1] != self.embed_dim:
            raise ValueError(
                f"MultiheadAttention: expected inputs with embed_dim {self.embed_dim} on the "
                f"last axis, got query of shape {query.shape}"
            )
        n, length, source = query.shape[0], query.shape[1], key.shape[1]
        if query is key and key is value and self.in_proj_bias is not None:
            # Self-attention: one product for all three projections, and one
            # reshape and transpose to split them into heads.
            qkv = _linear(query, self.in_proj_weight, self.in_proj_bias)
            qkv = qkv.reshape(n, length, 3, self.num_heads, self.head_dim)
            qkv = qkv.transpose((2, 0, 3, 1, 4))
            q, k, v = qkv[0], qkv[1], qkv[2]
        else:
            q, k, v = self._project(query, 0), self._project(key, 1), self._project(value, 2)
            q, k, v = self._heads(q), self._heads(k), self._heads(v)
        additive = self._mask(attn_mask, key_padding_mask, n, length, source, query.dtype)
        allowed = _causal(length, source) if is_causal and attn_mask is None else None
        p = self.dropout if self.training else 0.0
        out, weights = _attend(
            q, k, v, allowed, additive, p, 1.0 / math.sqrt(self.head_dim), self._rng
        )
        out = out.transpose((0, 2, 1, 3)).reshape(n, length, self.embed_dim)
        out = self.out_proj(out)
        if unbatched:
            out = out.reshape(length, self.embed_dim)
        elif not self.batch_first:
            out = out.transpose((1, 0, 2))
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(axis=1)
        if unbatched:
            weights = weights.reshape(weights.shape[1:])
        return out, weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"


def _activation(activation: Any) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return _relu
    if activation == "gelu":
        from nn.activations import gelu

        return gelu
    if callable(activation):
        return activation
    raise ValueError(
        f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or a callable, "
        f"got {activation!r}"
    )


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and
    layer norm (PyTorch's ``TransformerEncoderLayer``, same submodule names).

    ``norm_first=False`` (post-norm): ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``;
    ``norm_first=True`` (pre-norm): ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``.
    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        super().__init__()
        rng = _get_generator(seed)
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
            dtype=dtype, seed=rng,
        )  # fmt: skip
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype, seed=rng)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype, seed=rng)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def _sa(self, x: Tensor, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        out, _ = self.self_attn(
            x, x, x, attn_mask=mask, key_padding_mask=padding, need_weights=False,
            is_causal=is_causal,
        )  # fmt: skip
        return self.dropout1(out)

    def _ff(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(
        self,
        src: Tensor,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff(self.norm2(x))
        x = self.norm1(x + self._sa(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff(x))
