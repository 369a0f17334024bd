"""Op-table rows for the nn losses, norms, distances and padding (compositions
of primitives): values against NumPy, gradients against finite differences
and PyTorch."""

from __future__ import annotations

import math
import warnings
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

import nn.functional as F
from tests.autograd.opspec import (
    FAR_FROM_ZERO,
    GRID_A,
    GRID_B,
    MARGIN,
    POSITIVE,
    REAL,
    OpSpec,
    floats,
    grid,
    ties_between,
)
from tests.autograd.rows.nn_functional import away_from
from tests.autograd.torch_refs import torch

SIGNS = st.sampled_from([-1.0, 1.0])
PROBABILITY = floats(0.02, 0.98)
# Inputs and targets on two grids that never meet: |input - target| is never
# 0 and never a multiple of 0.25 (beta, delta, the margins), so no kink is hit.
APART = (GRID_A, GRID_B)
TRIPLET = (grid(0.25, -12, 12), grid(0.25, -12, 12, 0.08), grid(0.25, -12, 12, 0.16))


def tf() -> Any:
    return torch.nn.functional


def torch_kl_div(x: Any, t: Any, **p: Any) -> Any:
    # PyTorch warns that 'mean' is not the KL divergence; the rows test it anyway.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return tf().kl_div(x, t, **p)


def torch_bce(x: Any, t: Any, reduction: str = "mean") -> Any:
    """Binary cross-entropy by its definition in torch operations. torch's own
    second derivative carries its rule's 1e-12 guard (3e-11 off at x = 0.5);
    tests/nn compares values and gradients with torch's own function."""
    loss = -(t * torch.log(x).clamp(min=-100) + (1 - t) * torch.log(1 - x).clamp(min=-100))
    return {"mean": loss.mean, "sum": loss.sum}.get(reduction, lambda: loss)()


def reduce(loss: np.ndarray, reduction: str = "mean") -> np.ndarray:
    if reduction == "mean":
        return np.asarray(loss.mean())
    if reduction == "sum":
        return np.asarray(loss.sum())
    return loss


def reductions(extra: dict | None = None) -> Any:
    base = {"reduction": st.sampled_from(["mean", "sum", "none"])}
    return lambda shapes: st.fixed_dictionaries({**base, **(extra or {})})


@st.composite
def same_shapes(draw: Any, max_dims: int, max_side: int, n: int = 2, min_dims: int = 0) -> tuple:
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side))
    return (shape,) * n


def n_same(n: int, min_dims: int = 0) -> Any:
    return lambda max_dims, max_side: same_shapes(max_dims, max_side, n, min_dims)


@st.composite
def batch_shapes(draw: Any, max_dims: int, max_side: int, n: int, target: bool) -> tuple:
    """``n`` inputs of shape (N, D) and, with ``target``, labels of shape (N,)."""
    rows, cols = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return ((rows, cols),) * n + (((rows,),) if target else ())


def kink(value: Any) -> Any:
    """An ``avoid`` rule: the loss's hinge argument ``value(*arrays, **params)`` near 0."""
    return lambda *a, **p: bool(np.any(np.abs(value(*a, **p)) < MARGIN))


def np_safe_log(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.log(x), -100.0)


def np_pairwise(a: np.ndarray, b: np.ndarray, p: float = 2.0, eps: float = 1e-6) -> np.ndarray:
    return np.sum(np.abs(a - b + eps) ** p, axis=-1) ** (1.0 / p)


def np_cos(a: np.ndarray, b: np.ndarray, axis: int, eps: float = 1e-8) -> np.ndarray:
    na = np.maximum(np.sqrt((a * a).sum(axis=axis, keepdims=True)), eps)
    nb = np.maximum(np.sqrt((b * b).sum(axis=axis, keepdims=True)), eps)
    return ((a / na) * (b / nb)).sum(axis=axis)


def np_cos_embedding(a: np.ndarray, b: np.ndarray, y: np.ndarray, margin: float = 0.0) -> Any:
    cos = (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))
    return np.where(y == 1, 1.0 - cos, np.maximum(cos - margin, 0.0)), cos


def triplet_kinks(
    a: Any, pos: Any, neg: Any, margin: float, p: float, swap: bool, **k: Any
) -> bool:
    """The hinge at 0 (with the negative distance that ``swap`` picks), the
    swap's tie, and |x| at 0 for p = 1."""
    d_pos, d_neg, d_swap = np_pairwise(a, pos, p), np_pairwise(a, neg, p), np_pairwise(pos, neg, p)
    hinge = d_pos - (np.minimum(d_neg, d_swap) if swap else d_neg) + margin
    return bool(
        np.any(np.abs(hinge) < MARGIN)
        or np.any(np.abs(d_neg - d_swap) < MARGIN)
        or np.any(np.abs(np.concatenate([a - pos, a - neg, pos - neg])) < MARGIN)
    )


def np_poisson(x: np.ndarray, t: np.ndarray, log_input: bool, full: bool, reduction: str) -> Any:
    loss = np.exp(x) - t * x if log_input else x - t * np.log(x + 1e-8)
    if full:
        safe = np.where(t > 1, t, 1.0)
        stirling = safe * np.log(safe) - safe + 0.5 * np.log(2 * math.pi * safe)
        loss = loss + np.where(t > 1, stirling, 0.0)
    return reduce(loss, reduction)


LOSSES: list[OpSpec] = [
    OpSpec(
        "l1_loss",
        lambda x, t, **p: F.l1_loss(x, t, **p),
        lambda x, t, **p: reduce(np.abs(x - t), **p),
        2,
        "custom",
        APART,
        shapes=n_same(2),
        avoid=ties_between,
        smooth=False,
        params=reductions(),
        api=("nn.functional.l1_loss",),
        torch=lambda x, t, **p: tf().l1_loss(x, t, **p),
    ),
    OpSpec(
        "smooth_l1_loss",
        lambda x, t, **p: F.smooth_l1_loss(x, t, **p),
        lambda x, t, reduction, beta: reduce(
            np.where(np.abs(x - t) < beta, 0.5 * (x - t) ** 2 / beta, np.abs(x - t) - 0.5 * beta),
            reduction,
        ),
        2,
        "custom",
        APART,
        shapes=n_same(2),
        avoid=lambda x, t, beta, **p: (
            ties_between(x, t) or ties_between(np.abs(x - t), np.full_like(x, beta))
        ),
        smooth=False,
        params=reductions({"beta": st.sampled_from([1.0, 0.5])}),
        api=("nn.functional.smooth_l1_loss",),
        torch=lambda x, t, **p: tf().smooth_l1_loss(x, t, **p),
    ),
    OpSpec(
        "huber_loss",
        lambda x, t, **p: F.huber_loss(x, t, **p),
        lambda x, t, reduction, delta: reduce(
            np.where(
                np.abs(x - t) < delta, 0.5 * (x - t) ** 2, delta * (np.abs(x - t) - 0.5 * delta)
            ),
            reduction,
        ),
        2,
        "custom",
        APART,
        shapes=n_same(2),
        avoid=lambda x, t, delta, **p: (
            ties_between(x, t) or ties_between(np.abs(x - t), np.full_like(x, delta))
        ),
        smooth=False,
        params=reductions({"delta": st.sampled_from([1.0, 2.0])}),
        api=("nn.functional.huber_loss",),
        torch=lambda x, t, **p: tf().huber_loss(x, t, **p),
    ),
    OpSpec(
        "binary_cross_entropy",
        lambda x, t, **p: F.binary_cross_entropy(x, t, **p),
        lambda x, t, **p: reduce(-(t * np_safe_log(x) + (1 - t) * np_safe_log(1 - x)), **p),
        2,
        "custom",
        (PROBABILITY, floats(0.0, 1.0)),
        shapes=n_same(2),
        params=reductions(),
        api=("nn.functional.binary_cross_entropy",),
        torch=torch_bce,
    ),
    OpSpec(
        "kl_div",
        lambda x, t, **p: F.kl_div(x, t, **p),
        lambda x, t, reduction: (
            np.asarray((t * (np.log(t) - x)).sum() / (x.shape[0] if x.ndim else 1))
            if reduction == "batchmean"
            else reduce(t * (np.log(t) - x), reduction)
        ),
        2,
        "custom",
        (REAL, floats(0.05, 2.0)),
        shapes=n_same(2),
        params=lambda s: st.fixed_dictionaries(
            {"reduction": st.sampled_from(["mean", "sum", "none", "batchmean"])}
        ),
        api=("nn.functional.kl_div",),
        torch=torch_kl_div,
    ),
    OpSpec(
        "kl_div_log_target",
        lambda x, t, **p: F.kl_div(x, t, log_target=True, **p),
        lambda x, t, **p: reduce(np.exp(t) * (t - x), **p),
        2,
        "custom",
        shapes=n_same(2),
        params=reductions(),
        api=("nn.functional.kl_div",),
        torch=lambda x, t, **p: torch_kl_div(x, t, log_target=True, **p),
    ),
    OpSpec(
        "margin_ranking_loss",
        lambda a, b, y, **p: F.margin_ranking_loss(a, b, y.data, **p),
        lambda a, b, y, margin, **p: reduce(np.maximum(-y * (a - b) + margin, 0.0), **p),
        3,
        "custom",
        (GRID_A, GRID_B, SIGNS),
        shapes=n_same(3),
        wrt=(True, True, False),
        avoid=kink(lambda a, b, y, margin, **p: -y * (a - b) + margin),
        smooth=False,
        params=reductions({"margin": st.sampled_from([0.0, 0.5])}),
        api=("nn.functional.margin_ranking_loss",),
        torch=lambda a, b, y, **p: tf().margin_ranking_loss(a, b, y, **p),
    ),
    OpSpec(
        "soft_margin_loss",
        lambda x, y, **p: F.soft_margin_loss(x, y.data, **p),
        lambda x, y, **p: reduce(np.logaddexp(0.0, -y * x), **p),
        2,
        "custom",
        (REAL, SIGNS),
        shapes=n_same(2),
        wrt=(True, False),
        params=reductions(),
        api=("nn.functional.soft_margin_loss",),
        torch=lambda x, y, **p: tf().soft_margin_loss(x, y, **p),
    ),
    OpSpec(
        "cosine_embedding_loss",
        lambda a, b, y, **p: F.cosine_embedding_loss(a, b, y.data, **p),
        lambda a, b, y, margin, **p: reduce(np_cos_embedding(a, b, y, margin)[0], **p),
        3,
        "custom",
        # Away from the zero vector, where the gradient is of the order 1e6.
        (FAR_FROM_ZERO, FAR_FROM_ZERO, SIGNS),
        shapes=lambda d, s: batch_shapes(d, s, 2, True),
        wrt=(True, True, False),
        avoid=kink(
            lambda a, b, y, margin, **p: np.where(
                y == -1, np_cos_embedding(a, b, y)[1] - margin, 1.0
            )
        ),
        params=reductions({"margin": st.sampled_from([0.0, 0.3])}),
        api=("nn.functional.cosine_embedding_loss",),
        torch=lambda a, b, y, **p: tf().cosine_embedding_loss(a, b, y, **p),
    ),
    OpSpec(
        "triplet_margin_loss",
        lambda a, pos, neg, **p: F.triplet_margin_loss(a, pos, neg, **p),
        lambda a, pos, neg, margin, p, swap, reduction: reduce(
            np.maximum(
                np_pairwise(a, pos, p)
                - (
                    np.minimum(np_pairwise(a, neg, p), np_pairwise(pos, neg, p))
                    if swap
                    else np_pairwise(a, neg, p)
                )
                + margin,
                0.0,
            ),
            reduction,
        ),
        3,
        "custom",
        TRIPLET,
        shapes=lambda d, s: batch_shapes(d, s, 3, False),
        avoid=triplet_kinks,
        smooth=False,
        params=reductions(
            {
                "margin": st.sampled_from([1.0, 0.2]),
                "p": st.sampled_from([2.0, 1.0, 3.0]),
                "swap": st.booleans(),
            }
        ),
        api=("nn.functional.triplet_margin_loss",),
        torch=lambda a, pos, neg, **p: tf().triplet_margin_loss(a, pos, neg, **p),
    ),
    OpSpec(
        "poisson_nll_loss",
        lambda x, t, **p: F.poisson_nll_loss(x, t, **p),
        lambda x, t, **p: np_poisson(x, t, **p),
        2,
        "custom",
        # Targets above 0: with full=True PyTorch's gradient with respect to a zero
        # target is NaN (0 log 0 inside its masked Stirling term); here it is 0.
        (POSITIVE, away_from((1.0,), 0.05, 4.0)),
        shapes=n_same(2),
        avoid=lambda x, t, full, **p: full and bool(np.any(np.abs(t - 1.0) < MARGIN)),
        params=reductions({"log_input": st.booleans(), "full": st.booleans()}),
        api=("nn.functional.poisson_nll_loss",),
        torch=lambda x, t, **p: tf().poisson_nll_loss(x, t, **p),
    ),
    OpSpec(
        "gaussian_nll_loss",
        lambda x, t, v, **p: F.gaussian_nll_loss(x, t, v, **p),
        lambda x, t, v, full, reduction: reduce(
            0.5 * (np.log(v) + (x - t) ** 2 / v) + (0.5 * math.log(2 * math.pi) if full else 0.0),
            reduction,
        ),
        3,
        "custom",
        (REAL, REAL, floats(0.1, 3.0)),
        shapes=n_same(3),
        params=reductions({"full": st.booleans()}),
        api=("nn.functional.gaussian_nll_loss",),
        torch=lambda x, t, v, **p: tf().gaussian_nll_loss(x, t, v, **p),
    ),
]


# ------------------------------------------------------------------ distances and padding
def np_norm(x: np.ndarray, p: float, axis: int) -> np.ndarray:
    return np.sum(np.abs(x) ** p, axis=axis, keepdims=True) ** (1.0 / p)


def normalize_params(shapes: tuple) -> Any:
    ndim = len(shapes[0])
    return st.fixed_dictionaries(
        {"p": st.sampled_from([2.0, 1.0, 3.0]), "dim": st.integers(-ndim, ndim - 1)}
    )


def cos_params(shapes: tuple) -> Any:
    ndim = len(shapes[0])
    return st.fixed_dictionaries({"dim": st.integers(-ndim, ndim - 1)})


PAD_MODES = ("constant", "reflect", "replicate", "circular")


@st.composite
def pad_params(draw: Any, shapes: tuple) -> dict:
    shape = shapes[0]
    mode = draw(st.sampled_from(PAD_MODES))
    k = draw(st.integers(1, min(2, len(shape))))
    amounts: list[int] = []
    for axis in range(len(shape) - 1, len(shape) - 1 - k, -1):
        n = shape[axis]
        side = {
            "constant": st.integers(-(n // 2), 2),
            "reflect": st.integers(0, n - 1),
            "replicate": st.integers(0, 2),
            "circular": st.integers(0, n),
        }[mode]
        amounts += [draw(side), draw(side)]
    params: dict = {"pad": tuple(amounts), "mode": mode}
    if mode == "constant":
        params["value"] = draw(st.sampled_from([None, 1.5]))
    return params


def np_pad(x: np.ndarray, pad: tuple, mode: str, value: float | None = None) -> np.ndarray:
    k = len(pad) // 2
    widths = [(0, 0)] * (x.ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    if mode == "constant":
        crop = tuple(
            slice(max(-lo, 0), x.shape[a] - max(-hi, 0)) for a, (lo, hi) in enumerate(widths)
        )
        x = x[crop]
        widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        return np.pad(x, widths, constant_values=0.0 if value is None else value)
    return np.pad(
        x, widths, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    )


def torch_pad(x: Any, pad: tuple, mode: str, value: float | None = None) -> Any:
    """torch's pad; its non-constant modes want k + 1 or k + 2 dims for k padded axes."""
    k = len(pad) // 2
    if mode == "constant":
        return tf().pad(x, pad, mode=mode, value=value)
    shape = tuple(x.shape)
    lead = shape[: x.dim() - k]
    y = x.reshape((int(np.prod(lead, dtype=int)), *shape[x.dim() - k :]))
    out = tf().pad(y, pad, mode=mode)
    return out.reshape((*lead, *out.shape[1:]))


DISTANCES: list[OpSpec] = [
    OpSpec(
        "normalize",
        lambda x, **p: F.normalize(x, **p),
        lambda x, p, dim: x / np.maximum(np_norm(x, p, dim), 1e-12),
        1,
        "single",
        (FAR_FROM_ZERO,),
        min_dims=1,
        params=normalize_params,
        api=("nn.functional.normalize",),
        torch=lambda x, **p: tf().normalize(x, **p),
    ),
    OpSpec(
        "cosine_similarity",
        lambda a, b, **p: F.cosine_similarity(a, b, **p),
        lambda a, b, dim: np_cos(a, b, dim),
        2,
        "custom",
        (FAR_FROM_ZERO,),
        shapes=n_same(2, min_dims=1),
        params=cos_params,
        api=("nn.functional.cosine_similarity",),
        torch=lambda a, b, **p: tf().cosine_similarity(a, b, **p),
    ),
    OpSpec(
        "pairwise_distance",
        lambda a, b, **p: F.pairwise_distance(a, b, **p),
        lambda a, b, p, keepdim: (
            np_pairwise(a, b, p)[..., None] if keepdim else np_pairwise(a, b, p)
        ),
        2,
        "custom",
        APART,
        shapes=lambda d, s: batch_shapes(d, s, 2, False),
        avoid=ties_between,
        params=lambda s: st.fixed_dictionaries(
            {"p": st.sampled_from([2.0, 1.0, 3.0]), "keepdim": st.booleans()}
        ),
        smooth=False,  # p = 1: |x| at a tie
        api=("nn.functional.pairwise_distance",),
        torch=lambda a, b, **p: tf().pairwise_distance(a, b, **p),
    ),
    OpSpec(
        "pad",
        lambda x, **p: F.pad(x, **p),
        np_pad,
        1,
        "single",
        min_dims=1,
        params=pad_params,
        api=("nn.functional.pad",),
        torch=torch_pad,
    ),
]

ROWS: list[OpSpec] = LOSSES + DISTANCES
