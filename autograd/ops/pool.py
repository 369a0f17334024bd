"""Max pooling with the indices of the maxima (average pooling is a composite)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.ops.conv import Pad4, Pair, _windows
from autograd.ops.dual import index_add
from autograd.tensor import Tensor

__all__ = [
    "MaxPool2d",
    "argmax_windows",
]


def argmax_windows(
    x: np.ndarray, kernel: Pair, dilation: Pair, padding: Pad4, stride: Pair
) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of each window and its flat position in the ``H * W`` plane.

    The first maximum of a window wins a tie, and a NaN wins over numbers, as
    in PyTorch (``argmax`` picks the first NaN).
    """
    if x.ndim != 4:
        raise ValueError(f"max_pool2d: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    n, c, _, w = x.shape
    pt, pb, pl, pr = padding
    padded = x
    if any(padding):
        fill = np.array(-np.inf, dtype=x.dtype)
        padded = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=fill)
    view = _windows(padded, kernel, dilation, (0, 0, 0, 0), stride)
    _, _, kh, kw, oh, ow = view.shape
    flat = view.transpose(0, 1, 4, 5, 2, 3).reshape(n, c, oh, ow, kh * kw)
    pick = np.argmax(flat, axis=-1)
    out = np.take_along_axis(flat, pick[..., None], axis=-1)[..., 0]
    (dh, dw), (sh, sw) = dilation, stride
    rows = np.arange(oh)[:, None] * sh + (pick // kw) * dh - pt
    cols = np.arange(ow)[None, :] * sw + (pick % kw) * dw - pl
    return out, rows * w + cols


class MaxPool2d(Function):
    """d maxpool(x) = g added at the position of each window's maximum

    Windows that overlap add their gradients.
    """

    formula = "max over windows"

    def forward(
        self, x: Tensor, kernel: Pair, dilation: Pair, padding: Pad4, stride: Pair
    ) -> np.ndarray:
        out, self.indices = argmax_windows(x.data, kernel, dilation, padding, stride)
        self.in_shape = x.data.shape
        return out

    def backward(self, g: Any) -> Any:
        n, c, h, w = self.in_shape
        plane = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
        where = (self.indices + plane).reshape(-1)
        size = n * c * h * w
        if isinstance(g, Tensor):
            return index_add(g.reshape(-1), where, (size,), True).reshape(self.in_shape)
        # bincount sums repeated positions in one pass (np.add.at is ~10x slower).
        summed = np.bincount(where, weights=g.reshape(-1), minlength=size)
        return summed.astype(g.dtype, copy=False).reshape(self.in_shape)
