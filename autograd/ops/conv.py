"""Sliding-window primitives: unfold (im2col), fold (col2im) and 2-D convolution.

A convolution is one matrix product over a sliding-window view of the padded
input: ``numpy.lib.stride_tricks.sliding_window_view`` gives every window
without copying, one reshape lays the windows out as the columns of a matrix
(im2col), and ``weight @ columns`` is the whole layer. Its derivative is two
more products: ``g @ columns^T`` for the weight and ``weight^T @ g`` folded
back onto the input's pixels (col2im, the adjoint of im2col) for the input.

Unfold and fold are linear and each other's adjoint, so every rule here is
made of unfold, fold, reshape, transpose and matmul: the backward pass is
itself differentiable, to any order.

Spatial parameters are normalised by the callers (``nn.conv``): ``kernel``,
``dilation`` and ``stride`` are pairs, ``padding`` is ``(top, bottom, left,
right)`` so that ``padding="same"`` with an even kernel can pad one side more.
"""

from __future__ import annotations

__all__ = [
    "Conv2d",
    "Fold",
    "Unfold",
    "fold",
    "fold_array",
    "out_size",
    "unfold",
    "unfold_array",
]

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograd.function import Function
from autograd.tensor import Tensor

Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]


def out_size(size: int, k: int, d: int, s: int, lo: int, hi: int) -> int:
    """Number of window positions along one axis."""
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def _windows(x: np.ndarray, kernel: Pair, dilation: Pair, padding: Pad4, stride: Pair) -> Any:
    """A view of shape ``(N, C, kh, kw, oh, ow)``: pixel ``(i, j)`` of window ``(p, q)``."""
    (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
    pt, pb, pl, pr = padding
    if any(padding):
        x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if x.shape[2] < eh or x.shape[3] < ew:
        raise ValueError(
            f"the padded input of spatial size {x.shape[2:]} is smaller than the "
            f"(dilated) kernel of size {(eh, ew)}"
        )
    view = sliding_window_view(x, (eh, ew), axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    return view.transpose(0, 1, 4, 5, 2, 3)


def unfold_array(
    x: np.ndarray, kernel: Pair, dilation: Pair, padding: Pad4, stride: Pair
) -> np.ndarray:
    """im2col: ``(N, C, H, W)`` to ``(N, C * kh * kw, L)``, L the number of windows."""
    view = _windows(x, kernel, dilation, padding, stride)
    n, c, kh, kw, oh, ow = view.shape
    return view.reshape(n, c * kh * kw, oh * ow)


def fold_array(
    cols: np.ndarray,
    size: Pair,
    kernel: Pair,
    dilation: Pair,
    padding: Pad4,
    stride: Pair,
) -> np.ndarray:
    """col2im: ``(N, C * kh * kw, L)`` summed back onto ``(N, C, H, W)``.

    One vectorised slice-add per kernel offset (``kh * kw`` of them), each
    covering every window and channel at once; no loop over pixels.
    """
    (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
    pt, pb, pl, pr = padding
    h, w = size
    oh = out_size(h, kh, dh, sh, pt, pb)
    ow = out_size(w, kw, dw, sw, pl, pr)
    n, k, length = cols.shape
    if k % (kh * kw) or length != oh * ow:
        raise ValueError(
            f"input of shape {cols.shape} does not fit output_size {size}: expected "
            f"a multiple of {kh * kw} (the kernel size) on axis 1 and {oh * ow} blocks "
            f"({oh} x {ow}) on axis 2"
        )
    c = k // (kh * kw)
    blocks = cols.reshape(n, c, kh, kw, oh, ow)
    out = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            out[:, :, rows, j * dw : j * dw + sw * (ow - 1) + 1 : sw] += blocks[:, :, i, j]
    return out[:, :, pt : pt + h, pl : pl + w]


def unfold(x: Any, **p: Any) -> Any:
    """:class:`Unfold` of a Tensor, or :func:`unfold_array` of an array."""
    return Unfold.apply(x, **p) if isinstance(x, Tensor) else unfold_array(x, **p)


def fold(cols: Any, **p: Any) -> Any:
    """:class:`Fold` of a Tensor, or :func:`fold_array` of an array."""
    return Fold.apply(cols, **p) if isinstance(cols, Tensor) else fold_array(cols, **p)


class Unfold(Function):
    """d unfold(x) = fold(g): each pixel gets the sum of its copies' gradients"""

    formula = "unfold(x)"

    def forward(
        self, x: Tensor, kernel: Pair, dilation: Pair, padding: Pad4, stride: Pair
    ) -> np.ndarray:
        if x.data.ndim != 4:
            raise ValueError(f"unfold: expected a 4-D input (N, C, H, W), got shape {x.shape}")
        self.p = {"kernel": kernel, "dilation": dilation, "padding": padding, "stride": stride}
        self.size = x.data.shape[2:]
        return unfold_array(x.data, **self.p)

    def backward(self, g: Any) -> Any:
        return fold(g, size=self.size, **self.p)


class Fold(Function):
    """d fold(cols) = unfold(g): each copy gets its pixel's gradient"""

    formula = "fold(cols)"

    def forward(
        self,
        cols: Tensor,
        size: Pair,
        kernel: Pair,
        dilation: Pair,
        padding: Pad4,
        stride: Pair,
    ) -> np.ndarray:
        if cols.data.ndim != 3:
            raise ValueError(
                f"fold: expected a 3-D input (N, C * kh * kw, L), got shape {cols.shape}"
            )
        self.p = {"kernel": kernel, "dilation": dilation, "padding": padding, "stride": stride}
        return fold_array(cols.data, size, **self.p)

    def backward(self, g: Any) -> Any:
        return unfold(g, **self.p)


def _swap_last(t: Any) -> Any:
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return t.transpose(tuple(axes))


class Conv2d(Function):
    """d conv(x, w) = fold(w^T @ g) for x, sum_n g @ unfold(x)^T for w, sum(g) for b

    Forward: ``w @ unfold(x)`` per group, one batched matrix product. The
    columns are kept for the weight's gradient (recomputed from the input
    Tensor when the backward pass is recorded, so that it stays in the graph).
    """

    formula = "conv2d(x, w) + b"

    def forward(
        self,
        x: Tensor,
        w: Tensor,
        b: Tensor | None = None,
        *,
        stride: Pair,
        padding: Pad4,
        dilation: Pair,
        groups: int,
    ) -> np.ndarray:
        xd, wd = x.data, w.data
        if xd.ndim != 4 or wd.ndim != 4:
            raise ValueError(
                f"conv2d: expected input (N, C, H, W) and weight (O, C / groups, kh, kw), "
                f"got shapes {xd.shape} and {wd.shape}"
            )
        n, c = xd.shape[:2]
        o, cg, kh, kw = wd.shape
        if c != cg * groups or o % groups:
            raise ValueError(
                f"conv2d: input with {c} channels does not fit weight of shape {wd.shape} "
                f"with groups={groups}: expected {cg * groups} input channels and "
                f"out_channels divisible by {groups}"
            )
        self.p = {"kernel": (kh, kw), "dilation": dilation, "padding": padding, "stride": stride}
        self.groups = groups
        self.size = xd.shape[2:]
        cols = unfold_array(xd, **self.p)  # (N, C*kh*kw, L)
        oh = out_size(xd.shape[2], kh, dilation[0], stride[0], padding[0], padding[1])
        ow = out_size(xd.shape[3], kw, dilation[1], stride[1], padding[2], padding[3])
        if groups == 1:
            out = np.matmul(wd.reshape(o, -1), cols)
        else:
            cols = cols.reshape(n, groups, cg * kh * kw, oh * ow)
            out = np.matmul(wd.reshape(groups, o // groups, -1), cols)
        out = out.reshape(n, o, oh, ow)
        if b is not None:
            out += b.data.reshape(o, 1, 1)
        self.save_for_backward(x, w, cols)
        return out

    def backward(self, g: Any) -> tuple[Any, ...]:
        x, w, cols = self.saved
        need = self.needs_input_grad
        n, o, oh, ow = g.shape
        groups = self.groups
        k = w.shape[1] * w.shape[2] * w.shape[3]  # a group's column height
        if isinstance(x, Tensor):  # recorded: the columns must be in the graph
            cols = unfold(x, **self.p)
            if groups > 1:
                cols = cols.reshape(n, groups, k, oh * ow)
        gx = gw = gb = None
        if groups == 1:
            g2 = g.reshape(n, o, oh * ow)
            if need[1]:
                # N products summed: faster than tensordot's one big product,
                # which first copies both operands into (O, N L) and (N L, K).
                gw = (g2 @ _swap_last(cols)).sum(axis=0).reshape(w.shape)
            if need[0]:
                gx = fold(w.reshape(o, k).T @ g2, size=self.size, **self.p)
        else:
            g2 = g.reshape(n, groups, o // groups, oh * ow)
            wg = w.reshape(groups, o // groups, k)
            if need[1]:
                gw = (g2 @ _swap_last(cols)).sum(axis=0).reshape(w.shape)
            if need[0]:
                gcols = (_swap_last(wg) @ g2).reshape(n, groups * k, oh * ow)
                gx = fold(gcols, size=self.size, **self.p)
        if len(need) == 3 and need[2]:
            gb = g.sum(axis=(0, 2, 3))
        return (gx, gw) if len(need) == 2 else (gx, gw, gb)
