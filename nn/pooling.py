"""Pooling, sliding windows, resizing and channel dropout, with their layers.

``max_pool2d`` is the engine's :class:`autograd.ops.pool.MaxPool2d`. The rest
are compositions: average pooling is the mean of ``unfold``'s columns;
adaptive average pooling and bilinear interpolation are linear maps along each
axis, so they are two matrix products ``A_h @ x @ A_w^T`` with constant
matrices; nearest interpolation is one gather.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.ops.conv import Fold as _Fold
from autograd.ops.conv import Unfold as _Unfold
from autograd.ops.pool import MaxPool2d as _MaxPoolOp
from autograd.ops.pool import argmax_windows
from nn.conv import _batched, _tuple
from nn.init import Generatorish, _get_generator
from nn.module import Module

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "Dropout2d",
    "MaxPool2d",
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "dropout2d",
    "fold",
    "interpolate",
    "max_pool2d",
    "unfold",
]


def _pool_args(
    kernel_size: Any, stride: Any, padding: Any, dilation: Any, op: str
) -> tuple[tuple[int, ...], ...]:
    kernel = _tuple(kernel_size, 2, "kernel_size", op)
    empty = isinstance(stride, (list, tuple)) and len(stride) == 0  # PyTorch: the default
    stride_ = kernel if stride is None or empty else _tuple(stride, 2, "stride", op)
    if isinstance(padding, (list, tuple)) and len(padding) == 1:  # PyTorch: both sides
        padding = padding[0]
    pad = _tuple(padding, 2, "padding", op, minimum=0)
    dil = _tuple(dilation, 2, "dilation", op)
    if any(p > k / 2 for p, k in zip(pad, kernel)):
        raise ValueError(f"{op}: padding {pad} should be at most half of the kernel size {kernel}")
    return kernel, stride_, pad, dil


def _ceil_extra(size: int, k: int, s: int, p: int, d: int) -> int:
    """Extra padding at the high end so that ``ceil_mode`` keeps the last partial window
    (but never a window that starts in the padding, as PyTorch)."""
    span = size + 2 * p - d * (k - 1) - 1
    n = -(-span // s) + 1
    if (n - 1) * s >= size + p:
        n -= 1
    return max(0, (n - 1) * s + d * (k - 1) + 1 - (size + 2 * p))


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Maximum over each window of ``(N, C, H, W)`` (or ``(C, H, W)``) inputs.

    ``stride`` defaults to ``kernel_size``; ``padding`` (at most half the
    kernel) pads with ``-inf``. With ``return_indices`` also returns the flat
    position of each maximum in its ``H * W`` plane (an int64 array in a
    Tensor), as PyTorch does. A tie goes to the first maximum in the window.
    """
    op = "max_pool2d"
    x, unbatched = _batched(input, 4, op)
    kernel, stride_, pad, dil = _pool_args(kernel_size, stride, padding, dilation, op)
    extra = (0, 0)
    if ceil_mode:
        extra = tuple(
            _ceil_extra(n, k, s, p, d)
            for n, k, s, p, d in zip(x.shape[2:], kernel, stride_, pad, dil)
        )
    pads = (pad[0], pad[0] + extra[0], pad[1], pad[1] + extra[1])
    params = {"kernel": kernel, "dilation": dil, "padding": pads, "stride": stride_}
    out = _MaxPoolOp.apply(x, **params)
    if unbatched:
        out = out.reshape(out.shape[1:])
    if not return_indices:
        return out
    _, indices = argmax_windows(x.data, **params)
    return out, Tensor(indices[0] if unbatched else indices)


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each window of ``(N, C, H, W)`` (or ``(C, H, W)``) inputs.

    Zero padding counts in the mean when ``count_include_pad`` (PyTorch's
    default); ``divisor_override`` replaces the divisor.
    """
    op = "avg_pool2d"
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not supported")
    if divisor_override is not None and (
        not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0
    ):
        raise ValueError(f"{op}: divisor_override must be a non-zero int, got {divisor_override!r}")
    x, unbatched = _batched(input, 4, op)
    kernel, stride_, pad, _ = _pool_args(kernel_size, stride, padding, 1, op)
    n, c, h, w = x.shape
    params = {
        "kernel": kernel,
        "dilation": (1, 1),
        "padding": (pad[0], pad[0], pad[1], pad[1]),
        "stride": stride_,
    }
    sums = _Unfold.apply(x.reshape(n * c, 1, h, w), **params).sum(axis=1)
    if divisor_override is not None:
        out = sums / float(divisor_override)
    elif count_include_pad or not any(pad):
        out = sums / float(kernel[0] * kernel[1])
    else:
        ones = np.ones((1, 1, h, w), dtype=x.dtype)
        counts = _Unfold.apply(Tensor(ones), **params).data.sum(axis=1)
        out = sums / counts
    oh = (h + 2 * pad[0] - kernel[0]) // stride_[0] + 1
    ow = (w + 2 * pad[1] - kernel[1]) // stride_[1] + 1
    out = out.reshape(n, c, oh, ow)
    return out.reshape(out.shape[1:]) if unbatched else out


def _adaptive_matrix(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """Row i averages ``[floor(i * size / out), ceil((i + 1) * size / out))``."""
    m = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        lo, hi = (i * size) // out, -(-((i + 1) * size) // out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed ``output_size`` (int, pair, ``None`` keeps an axis).

    Window ``i`` along an axis of size ``n`` covers
    ``[floor(i n / out), ceil((i + 1) n / out))``, as in PyTorch.
    """
    op = "adaptive_avg_pool2d"
    x, unbatched = _batched(input, 4, op)
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(sizes) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    sizes = tuple(n if s is None else s for s, n in zip(sizes, x.shape[2:]))
    oh, ow = _tuple(sizes, 2, "output_size", op)
    a_h = _adaptive_matrix(x.shape[2], oh, x.dtype)
    a_w = _adaptive_matrix(x.shape[3], ow, x.dtype)
    out = Tensor(a_h) @ x @ Tensor(np.ascontiguousarray(a_w.T))
    return out.reshape(out.shape[1:]) if unbatched else out


def unfold(
    input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """im2col: ``(N, C, H, W)`` to ``(N, C * kh * kw, L)``, one column per window."""
    op = "unfold"
    x, unbatched = _batched(input, 4, op)
    pad = _tuple(padding, 2, "padding", op, minimum=0)
    out = _Unfold.apply(
        x,
        kernel=_tuple(kernel_size, 2, "kernel_size", op),
        dilation=_tuple(dilation, 2, "dilation", op),
        padding=(pad[0], pad[0], pad[1], pad[1]),
        stride=_tuple(stride, 2, "stride", op),
    )
    return out.reshape(out.shape[1:]) if unbatched else out


def fold(
    input: Tensor,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """col2im, the adjoint of :func:`unfold`: columns summed onto ``(N, C, *output_size)``."""
    op = "fold"
    x, unbatched = _batched(input, 3, op)
    pad = _tuple(padding, 2, "padding", op, minimum=0)
    out = _Fold.apply(
        x,
        size=_tuple(output_size, 2, "output_size", op),
        kernel=_tuple(kernel_size, 2, "kernel_size", op),
        dilation=_tuple(dilation, 2, "dilation", op),
        padding=(pad[0], pad[0], pad[1], pad[1]),
        stride=_tuple(stride, 2, "stride", op),
    )
    return out.reshape(out.shape[1:]) if unbatched else out


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, generator: Generatorish = None
) -> Tensor:
    """Zero whole channels (axis 1 of ``(N, C, ...)``) with probability ``p``.

    The kept channels are scaled by ``1 / (1 - p)``; the identity when not training.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d probability has to be between 0 and 1, but got {p}")
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim < 3:
        raise ValueError(f"dropout2d: expected an input of at least 3 dimensions, got {x.shape}")
    if not training or p == 0.0:
        return x
    shape = x.shape[:2] + (1,) * (x.ndim - 2)
    if p == 1.0:
        return x * np.zeros(shape, dtype=x.dtype)
    keep = _get_generator(generator).random(shape) >= p
    return x * (keep / (1.0 - p)).astype(x.dtype)


def _source(out: int, size: int, scale: float | None, align_corners: bool) -> np.ndarray:
    """Fractional source coordinate of each output position (PyTorch's convention)."""
    dst = np.arange(out, dtype=np.float64)
    if align_corners:
        return dst * ((size - 1) / (out - 1) if out > 1 else 0.0)
    ratio = 1.0 / scale if scale is not None else size / out
    return np.maximum((dst + 0.5) * ratio - 0.5, 0.0)


def _linear_matrix(
    out: int, size: int, scale: float | None, align_corners: bool, dtype: np.dtype
) -> np.ndarray:
    src = _source(out, size, scale, align_corners)
    lo = np.minimum(np.floor(src).astype(np.int64), size - 1)
    hi = np.minimum(lo + 1, size - 1)
    frac = src - lo
    m = np.zeros((out, size), dtype=np.float64)
    rows = np.arange(out)
    np.add.at(m, (rows, lo), 1.0 - frac)
    np.add.at(m, (rows, hi), frac)
    return m.astype(dtype)


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Resize ``(N, C, L)`` or ``(N, C, H, W)`` inputs (nearest, linear or bilinear).

    Exactly one of ``size`` and ``scale_factor`` is given. ``align_corners``
    (linear modes only, default False) maps the corner pixels onto each other.
    """
    op = "interpolate"
    x = input if isinstance(input, Tensor) else Tensor(input)
    modes = {"nearest": (3, 4), "linear": (3,), "bilinear": (4,)}
    if mode not in modes:
        raise ValueError(f"{op}: mode must be one of {sorted(modes)}, got {mode!r}")
    if x.ndim not in modes[mode]:
        raise ValueError(f"{op}: mode {mode!r} expects a {modes[mode]}-D input, got {x.shape}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError(f"{op}: align_corners only has an effect with a linear mode")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    n_sp = x.ndim - 2
    in_sizes = x.shape[2:]
    scales: tuple[float | None, ...]
    if size is not None:
        out_sizes = _tuple(size, n_sp, "size", op)
        scales = (None,) * n_sp
    else:
        factors = scale_factor
        if not isinstance(scale_factor, (tuple, list)):
            factors = (scale_factor,) * n_sp
        if len(factors) != n_sp or any(f <= 0 for f in factors):
            raise ValueError(f"{op}: scale_factor must be positive, one per spatial axis")
        scales = tuple(float(f) for f in factors)
        out_sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, scales))
    if mode == "nearest":
        index = []
        for n, o, s in zip(in_sizes, out_sizes, scales):
            ratio = 1.0 / s if s is not None else n / o
            index.append(np.minimum(np.floor(np.arange(o) * ratio).astype(np.int64), n - 1))
        if n_sp == 1:
            return x[:, :, index[0]]
        return x[:, :, index[0][:, None], index[1][None, :]]
    corners = bool(align_corners)
    mats = [
        _linear_matrix(o, n, s, corners, x.dtype) for n, o, s in zip(in_sizes, out_sizes, scales)
    ]
    if n_sp == 1:
        return x @ Tensor(np.ascontiguousarray(mats[0].T))
    return Tensor(mats[0]) @ x @ Tensor(np.ascontiguousarray(mats[1].T))


class MaxPool2d(Module):
    """Max pooling layer (PyTorch's ``MaxPool2d``); see :func:`max_pool2d`."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        _pool_args(kernel_size, stride, padding, dilation, "MaxPool2d")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Any:
        return max_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.dilation,
            self.ceil_mode, self.return_indices,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Average pooling layer (PyTorch's ``AvgPool2d``); see :func:`avg_pool2d`."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        _pool_args(kernel_size, stride, padding, 1, "AvgPool2d")
        if ceil_mode:
            raise NotImplementedError("AvgPool2d: ceil_mode=True is not supported")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad, self.divisor_override,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (PyTorch's ``AdaptiveAvgPool2d``)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Dropout2d(Module):
    """Zero whole channels in training (PyTorch's ``Dropout2d``); see :func:`dropout2d`."""

    def __init__(self, p: float = 0.5, seed: Generatorish = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = float(p)
        self._rng = _get_generator(seed) if seed is not None else None

    def forward(self, x: Tensor) -> Tensor:
        return dropout2d(x, self.p, self.training, self._rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"
