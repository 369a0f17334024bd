"""Op-table rows for ``autograd/ops/conv.py`` and ``autograd/ops/pool.py``:
convolution (fused: checked against a sum of shifted products), unfold,
fold and max pooling, through ``nn.functional`` as users call them."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import numpy as np

import autograd as ag
import nn.functional as F
from autograd import Tensor
from tests.autograd.opspec import GRID_UNIQUE, OpSpec
from tests.autograd.torch_refs import torch


def conv_shapes(max_dims: int, max_side: int) -> st.SearchStrategy[tuple]:
    """x (N, C, H, W), weight (O, C / groups, kh, kw), bias (O,) and the settings."""

    @st.composite
    def draw(draw: Any) -> tuple:
        groups = draw(st.sampled_from([1, 2]))
        cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        kh, kw = draw(st.integers(1, 2)), draw(st.integers(1, 3))
        h, w = draw(st.integers(kh + 1, 4)), draw(st.integers(kw + 1, 5))
        n = draw(st.integers(1, 2))
        return (n, cg * groups, h, w), (og * groups, cg, kh, kw), (og * groups,)

    return draw()


def conv_params(shapes: tuple) -> st.SearchStrategy[dict]:
    x, w, _ = shapes
    return st.fixed_dictionaries(
        {
            "stride": st.sampled_from([1, 2]),
            "padding": st.sampled_from([0, 1]),
            "dilation": st.just(1),
            "groups": st.just(x[1] // w[1]),
        }
    )


def np_conv2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    stride: int,
    padding: int,
    dilation: int,
    groups: int,
) -> np.ndarray:
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _c, h, wd = xp.shape
    o, cg, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    per = o // groups
    for oc in range(o):
        g = oc // per
        for i in range(oh):
            for j in range(ow):
                patch = xp[
                    :,
                    g * cg : (g + 1) * cg,
                    i * stride : i * stride + kh,
                    j * stride : j * stride + kw,
                ]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3)) + b[oc]
    return out


def composed_conv2d(
    x: Tensor, w: Tensor, b: Tensor, stride: int, padding: int, dilation: int, groups: int
) -> Tensor:
    """The same convolution as a sum over kernel offsets of shifted products."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    if padding:
        zeros_h = ag.zeros((n, c, padding, wd))
        x = ag.concatenate([zeros_h, x, zeros_h], axis=2)
        zeros_w = ag.zeros((n, c, h + 2 * padding, padding))
        x = ag.concatenate([zeros_w, x, zeros_w], axis=3)
    oh, ow = (x.shape[2] - kh) // stride + 1, (x.shape[3] - kw) // stride + 1
    per = o // groups
    outs = []
    for g in range(groups):
        xg = x[:, g * cg : (g + 1) * cg]
        wg = w[g * per : (g + 1) * per]
        total = None
        for i in range(kh):
            for j in range(kw):
                window = xg[
                    :,
                    :,
                    i : i + stride * (oh - 1) + 1 : stride,
                    j : j + stride * (ow - 1) + 1 : stride,
                ]  # (N, cg, oh, ow)
                term = (
                    window.reshape(n, 1, cg, oh, ow) * wg[:, :, i, j].reshape(1, per, cg, 1, 1)
                ).sum(axis=2)
                total = term if total is None else total + term
        outs.append(total)
    out = ag.concatenate(outs, axis=1) if groups > 1 else outs[0]
    return out + b.reshape(1, o, 1, 1)


def pool_shapes(max_dims: int, max_side: int) -> st.SearchStrategy[tuple]:
    return st.tuples(
        st.integers(1, 2), st.integers(1, 2), st.integers(2, 5), st.integers(2, 5)
    ).map(lambda s: (s,))


def pool_params(shapes: tuple) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {"kernel_size": st.sampled_from([1, 2]), "stride": st.sampled_from([1, 2])}
    )


def np_max_pool2d(x: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    n, c, h, w = x.shape
    oh, ow = (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[
                :, :, i * stride : i * stride + kernel_size, j * stride : j * stride + kernel_size
            ].max(axis=(2, 3))
    return out


def unfold_params(shapes: tuple) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "kernel_size": st.sampled_from([1, 2]),
            "stride": st.sampled_from([1, 2]),
            "padding": st.sampled_from([0, 1]),
        }
    )


def np_unfold(x: np.ndarray, kernel_size: int, stride: int, padding: int) -> np.ndarray:
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, w = xp.shape
    k = kernel_size
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    cols = np.empty((n, c, k, k, oh, ow))
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[
                :, :, i : i + stride * (oh - 1) + 1 : stride, j : j + stride * (ow - 1) + 1 : stride
            ]
    return cols.reshape(n, c * k * k, oh * ow)


def fold_shapes(max_dims: int, max_side: int) -> st.SearchStrategy[tuple]:
    # cols for a 2x2 kernel, stride 1, over a 3x4 image: (N, C * 4, 2 * 3)
    return st.tuples(st.integers(1, 2), st.integers(1, 2)).map(lambda s: ((s[0], s[1] * 4, 6),))


def np_fold(cols: np.ndarray) -> np.ndarray:
    n, ck, _ = cols.shape
    c = ck // 4
    blocks = cols.reshape(n, c, 2, 2, 2, 3)
    out = np.zeros((n, c, 3, 4))
    for i in range(2):
        for j in range(2):
            out[:, :, i : i + 2, j : j + 3] += blocks[:, :, i, j]
    return out


ROWS: list[OpSpec] = [
    OpSpec(
        "conv2d",
        lambda x, w, b, **p: F.conv2d(x, w, b, **p),
        np_conv2d,
        3,
        "custom",
        shapes=conv_shapes,
        params=conv_params,
        api=("conv2d",),
        torch=lambda x, w, b, **p: torch.nn.functional.conv2d(x, w, b, **p),
        composition=composed_conv2d,
    ),
    OpSpec(
        "max_pool2d",
        lambda x, **p: F.max_pool2d(x, **p),
        np_max_pool2d,
        1,
        "custom",
        shapes=pool_shapes,
        params=pool_params,
        domains=(GRID_UNIQUE,),
        unique=True,
        smooth=False,
        api=("max_pool2d",),
        torch=lambda x, **p: torch.nn.functional.max_pool2d(x, **p),
    ),
    OpSpec(
        "nn_unfold",
        lambda x, **p: F.unfold(x, **p),
        np_unfold,
        1,
        "custom",
        shapes=pool_shapes,
        params=unfold_params,
        api=("unfold",),
        torch=lambda x, **p: torch.nn.functional.unfold(x, **p),
    ),
    OpSpec(
        "nn_fold",
        lambda x: F.fold(x, output_size=(3, 4), kernel_size=2),
        np_fold,
        1,
        "custom",
        shapes=fold_shapes,
        api=("fold",),
        torch=lambda x: torch.nn.functional.fold(x, output_size=(3, 4), kernel_size=2),
    ),
]
