"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose2d`` and their layers.

``conv2d`` is the engine's :class:`autograd.ops.conv.Conv2d` primitive (one
matrix product over a sliding-window view). ``conv1d`` is ``conv2d`` on a
height-1 image, and ``conv_transpose2d`` is composed of a matrix product and
``fold``: it is the adjoint of a convolution, so its columns are
``weight^T @ input`` summed back onto the output's pixels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.conv import Conv2d as _Conv2dOp
from autograd.ops.conv import Fold as _Fold
from nn import init
from nn.init import Generatorish, _get_generator
from nn.module import Module, Parameter

__all__ = [
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
]

_PAD_MODES = {"zeros": None, "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _tuple(value: Any, n: int, name: str, op: str, minimum: int = 1) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints) as an ``n``-tuple, each ``>= minimum``."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(items) != n or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items
    ):
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in items):
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in items)


def _padding(
    padding: Any,
    kernel: tuple[int, ...],
    dilation: tuple[int, ...],
    stride: tuple[int, ...],
    op: str,
) -> tuple[int, ...]:
    """Padding as ``(lo, hi)`` per spatial axis, flattened; ``"same"`` pads the high side more."""
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * n)
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
            out: list[int] = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return tuple(out)
        raise ValueError(
            f"{op}: padding must be 'valid', 'same', an int or a tuple, got {padding!r}"
        )
    pads = _tuple(padding, n, "padding", op, minimum=0)
    return tuple(p for p in pads for _ in range(2))


def _batched(x: Any, ndim: int, op: str) -> tuple[Tensor, bool]:
    """``x`` with a batch axis (added if the input is unbatched), and whether one was added."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim == ndim - 1:
        return x.reshape((1, *x.shape)), True
    if x.ndim != ndim:
        raise ValueError(
            f"{op}: expected a {ndim - 1}-D (unbatched) or {ndim}-D (batched) input, "
            f"got shape {x.shape}"
        )
    return x, False


def _pad_by_mode(x: Tensor, pads: tuple[int, ...], mode: str) -> Tensor:
    """Reflect, replicate or wrap the border of a 4-D input: one gather with index arrays."""
    np_mode = _PAD_MODES[mode]
    pt, pb, pl, pr = pads
    rows = np.pad(np.arange(x.shape[2]), (pt, pb), mode=np_mode)
    cols = np.pad(np.arange(x.shape[3]), (pl, pr), mode=np_mode)
    return x[:, :, rows[:, None], cols[None, :]]


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of ``(N, C, H, W)`` inputs.

    Parameters
    ----------
    input : Tensor
        Shape ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
    weight : Tensor
        Shape ``(C_out, C_in / groups, kh, kw)``.
    bias : Tensor, optional
        Shape ``(C_out,)``.
    stride, dilation : int or pair of ints
    padding : int, pair of ints, 'valid' or 'same'
        Zeros added on both sides; ``'same'`` keeps the spatial size (stride 1
        only) and, for an even dilated kernel, pads the bottom/right one more.
    groups : int
        Input and output channels are split into this many independent groups.

    Returns
    -------
    Tensor
        Shape ``(N, C_out, H_out, W_out)``.
    """
    op = "conv2d"
    x, unbatched = _batched(input, 4, op)
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ValueError(f"{op}: weight must be a 4-D Tensor (C_out, C_in / groups, kh, kw)")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    stride_ = _tuple(stride, 2, "stride", op)
    dilation_ = _tuple(dilation, 2, "dilation", op)
    pads = _padding(padding, weight.shape[2:], dilation_, stride_, op)
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(
            f"{op}: bias of shape {bias.shape} does not fit weight of shape {weight.shape}: "
            f"expected ({weight.shape[0]},)"
        )
    args = (x, weight) if bias is None else (x, weight, bias)
    out = _Conv2dOp.apply(
        *args, stride=stride_, padding=pads, dilation=dilation_, groups=int(groups)
    )
    return out.reshape(out.shape[1:]) if unbatched else out


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution of ``(N, C_in, L)`` inputs with a ``(C_out, C_in / groups, k)`` weight.

    Computed as :func:`conv2d` on images of height 1; arguments as there, one
    int each.
    """
    op = "conv1d"
    x, unbatched = _batched(input, 3, op)
    if not isinstance(weight, Tensor) or weight.ndim != 3:
        raise ValueError(f"{op}: weight must be a 3-D Tensor (C_out, C_in / groups, k)")
    (s,) = _tuple(stride, 1, "stride", op)
    (d,) = _tuple(dilation, 1, "dilation", op)
    lo, hi = _padding(padding, weight.shape[2:], (d,), (s,), op)
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"{op}: bias of shape {bias.shape} must be ({weight.shape[0]},)")
    x4 = x.reshape(x.shape[0], x.shape[1], 1, x.shape[2])
    w4 = weight.reshape(weight.shape[0], weight.shape[1], 1, weight.shape[2])
    args = (x4, w4) if bias is None else (x4, w4, bias)
    out = _Conv2dOp.apply(
        *args, stride=(1, s), padding=(0, 0, lo, hi), dilation=(1, d), groups=int(groups)
    )
    out = out.reshape(out.shape[0], out.shape[1], out.shape[3])
    return out.reshape(out.shape[1:]) if unbatched else out


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Transposed 2-D convolution: the gradient of :func:`conv2d` with respect to its input.

    ``weight`` has shape ``(C_in, C_out / groups, kh, kw)`` (PyTorch's layout);
    the output has ``H_out = (H - 1) * stride - 2 * padding + dilation * (kh - 1)
    + output_padding + 1``, and likewise for the width.
    """
    op = "conv_transpose2d"
    x, unbatched = _batched(input, 4, op)
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ValueError(f"{op}: weight must be a 4-D Tensor (C_in, C_out / groups, kh, kw)")
    stride_ = _tuple(stride, 2, "stride", op)
    dilation_ = _tuple(dilation, 2, "dilation", op)
    pad = _tuple(padding, 2, "padding", op, minimum=0)
    out_pad = _tuple(output_padding, 2, "output_padding", op, minimum=0)
    if any(o >= max(s, d) for o, s, d in zip(out_pad, stride_, dilation_)):
        raise ValueError(
            f"{op}: output_padding {out_pad} must be smaller than either stride {stride_} "
            f"or dilation {dilation_}"
        )
    n, c_in, h, w = x.shape
    wc_in, c_out_g, kh, kw = weight.shape
    if c_in != wc_in or c_in % groups:
        raise ValueError(
            f"{op}: input with {c_in} channels does not fit weight of shape {weight.shape} "
            f"with groups={groups}: expected {wc_in} channels, divisible by groups"
        )
    size = tuple(
        (i - 1) * s - 2 * p + d * (k - 1) + o + 1
        for i, s, p, d, k, o in zip((h, w), stride_, pad, dilation_, (kh, kw), out_pad)
    )
    if min(size) < 1:
        raise ValueError(f"{op}: the output size {size} is too small")
    # Columns of the adjoint: weight^T @ input, one product per group.
    xg = x.reshape(n, groups, c_in // groups, h * w)
    wg = weight.reshape(groups, c_in // groups, c_out_g * kh * kw).transpose((0, 2, 1))
    cols = (wg @ xg).reshape(n, groups * c_out_g * kh * kw, h * w)
    # output_padding extends the far side: into the cropped padding first, then with
    # zeros beyond the last block (which folding to the full size would miscount
    # when output_padding >= stride, allowed when it is below the dilation).
    far = [max(p - o, 0) for p, o in zip(pad, out_pad)]
    extra = [max(o - p, 0) for p, o in zip(pad, out_pad)]
    out = _Fold.apply(
        cols,
        size=tuple(sz - e for sz, e in zip(size, extra)),
        kernel=(kh, kw),
        dilation=dilation_,
        padding=(pad[0], far[0], pad[1], far[1]),
        stride=stride_,
    )
    for axis, e in ((2, extra[0]), (3, extra[1])):
        if e:
            zeros_shape = list(out.shape)
            zeros_shape[axis] = e
            zeros = autograd.zeros(*zeros_shape, dtype=out.dtype)
            out = autograd.concatenate([out, zeros], axis=axis)
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1)
    return out.reshape(out.shape[1:]) if unbatched else out


class _ConvNd(Module):
    """Shared construction: PyTorch's parameters, names and default initialisation."""

    n_spatial = 2
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        output_padding: Any = 0,
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        super().__init__()
        op = type(self).__name__
        n = self.n_spatial
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{op}: {name} must be a positive int, got {v!r}")
        if not isinstance(groups, (int, np.integer)) or groups < 1:
            raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{op}: in_channels and out_channels must be divisible by groups")
        if padding_mode not in _PAD_MODES:
            raise ValueError(
                f"{op}: padding_mode must be one of {sorted(_PAD_MODES)}, got {padding_mode!r}"
            )
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f"{op}: only padding_mode='zeros' is supported")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", op)
        self.stride = _tuple(stride, n, "stride", op)
        self.dilation = _tuple(dilation, n, "dilation", op)
        if isinstance(padding, str):
            _padding(padding, self.kernel_size, self.dilation, self.stride, op)
            self.padding: Any = padding
        else:
            self.padding = _tuple(padding, n, "padding", op, minimum=0)
        self.output_padding = _tuple(output_padding, n, "output_padding", op, minimum=0)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        dtype = np.dtype(autograd.get_default_dtype() if dtype is None else dtype)
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        rng = _get_generator(seed)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if bias:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            self.bias = Parameter(np.empty((self.out_channels,), dtype=dtype))
            init.uniform_(self.bias, -bound, bound, generator=rng)
        else:
            self.register_parameter("bias", None)

    def _mode_padded(self, x: Tensor) -> tuple[Tensor, Any]:
        """For a non-zero padding mode: the input padded by gathering, and padding 0."""
        if self.padding_mode == "zeros":
            return x, self.padding
        pads = _padding(self.padding, self.kernel_size, self.dilation, self.stride, "conv")
        if self.n_spatial == 1:
            x4 = x.reshape(x.shape[0], x.shape[1], 1, x.shape[2])
            out = _pad_by_mode(x4, (0, 0, *pads), self.padding_mode)
            return out.reshape(out.shape[0], out.shape[1], out.shape[3]), 0
        return _pad_by_mode(x, pads, self.padding_mode), 0

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.n_spatial:
            s += f", padding={self.padding!r}"
        if self.dilation != (1,) * self.n_spatial:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.n_spatial:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s


class _Conv(_ConvNd):
    """A convolution that is not transposed: the constructor without
    ``output_padding``, and the forward pass over a batch or one sample."""

    _conv: Any  # conv1d or conv2d, set by each layer

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, dtype=dtype, seed=seed,
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        x, unbatched = _batched(x, self.n_spatial + 2, type(self).__name__)
        x, padding = self._mode_padded(x)
        w, b = self.weight, self.bias
        out = self._conv(x, w, b, self.stride, padding, self.dilation, self.groups)
        return out.reshape(out.shape[1:]) if unbatched else out


class Conv2d(_Conv):
    """2-D convolution layer over ``(N, C_in, H, W)`` inputs (PyTorch's ``Conv2d``).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or pair of ints
    padding : int, pair of ints, 'valid' or 'same'
    groups : int, default 1
    bias : bool, default True
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}
    dtype : numpy dtype, optional
    seed : int or numpy.random.Generator, optional
        Source of the initial values (the engine's global generator if None).

    Notes
    -----
    ``weight`` has shape ``(out_channels, in_channels / groups, kh, kw)`` and
    ``bias`` ``(out_channels,)``, initialised as PyTorch does:
    ``kaiming_uniform_(a=sqrt(5))``, then the bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """

    _conv = staticmethod(conv2d)


class Conv1d(_Conv):
    """1-D convolution layer over ``(N, C_in, L)`` inputs (PyTorch's ``Conv1d``).

    Arguments as :class:`Conv2d`, one int each; ``weight`` has shape
    ``(out_channels, in_channels / groups, kernel_size)``.
    """

    n_spatial = 1

    _conv = staticmethod(conv1d)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution layer (PyTorch's ``ConvTranspose2d``).

    ``weight`` has shape ``(in_channels, out_channels / groups, kh, kw)``; see
    :func:`conv_transpose2d` for the output size.
    """

    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        if isinstance(padding, str):
            raise ValueError("ConvTranspose2d: padding must be an int or a pair of ints")
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, output_padding, dtype=dtype, seed=seed,
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return conv_transpose2d(
            x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
            self.groups, self.dilation,
        )  # fmt: skip
