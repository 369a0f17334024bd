"""Normalization: ``batch_norm``, ``layer_norm``, ``group_norm``, ``rms_norm`` and their layers.

Each is composed of means, a variance (the mean of squared deviations, the
biased estimate used for normalizing, as PyTorch does) and a square root;
the engine differentiates them. Batch norm's running statistics are buffers,
updated in place without recording.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn.module import Module, Parameter

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "GroupNorm",
    "LayerNorm",
    "RMSNorm",
    "batch_norm",
    "group_norm",
    "layer_norm",
    "rms_norm",
]


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _centered_var(x: Tensor, axes: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    """``x - mean(x)`` and the biased variance over ``axes`` (kept as size-1 axes)."""
    centered = x - x.mean(axis=axes, keepdims=True)
    return centered, (centered * centered).mean(axis=axes, keepdims=True)


def _normalize(x: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    centered, var = _centered_var(x, axes)
    return centered / (var + eps).sqrt()


def _affine(out: Tensor, weight: Any, bias: Any, shape: tuple[int, ...]) -> Tensor:
    def fit(t: Any) -> Tensor:
        t = _as_tensor(t)
        return t if tuple(t.shape) == shape else t.reshape(shape)

    if weight is not None:
        out = out * fit(weight)
    if bias is not None:
        out = out + fit(bias)
    return out


def _array_of(x: Any) -> np.ndarray | None:
    return None if x is None else (x.data if isinstance(x, Tensor) else x)


def batch_norm(
    input: Tensor,
    running_mean: Any,
    running_var: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel (axis 1) over the batch and every other axis.

    In training, the batch's mean and biased variance normalize, and the
    running statistics (Tensors or arrays, updated in place when given) move
    by ``momentum`` towards the batch mean and the unbiased variance. In
    evaluation the running statistics normalize.
    """
    x = _as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dimensions, got {x.shape}")
    c = x.shape[1]
    axes = (0, *range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    rm, rv = _array_of(running_mean), _array_of(running_var)
    for name, stat in (("running_mean", rm), ("running_var", rv)):
        if stat is not None and stat.shape != (c,):
            raise ValueError(f"batch_norm: {name} must have shape ({c},), got {stat.shape}")
    if training:
        count = x.size // c
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {x.shape}"
            )
        centered, var = _centered_var(x, axes)
        out = centered / (var + eps).sqrt()
        if rm is not None:
            rm *= 1.0 - momentum
            rm += momentum * x.data.mean(axis=axes)
        if rv is not None:
            unbiased = var.data.reshape(c) * (count / (count - 1))
            rv *= 1.0 - momentum
            rv += momentum * unbiased
    else:
        if rm is None or rv is None:
            raise ValueError("batch_norm: evaluation needs running_mean and running_var")
        # One scale and one shift per channel, x * scale + shift, with the
        # channels moved last (a view) so that weight and bias enter without
        # a reshape: the graph then shows the layer's operations between its
        # parameters, which is how viz finds the module.
        mean = Tensor(rm.astype(x.dtype, copy=False))
        scale: Any = Tensor((1.0 / np.sqrt(rv + eps)).astype(x.dtype, copy=False))
        if weight is not None:
            scale = _as_tensor(weight) * scale
        last = (0, *range(2, x.ndim), 1)
        out = x.transpose(last) * scale - scale * mean
        if bias is not None:
            out = out + _as_tensor(bias)
        return out.transpose(tuple(int(i) for i in np.argsort(last)))
    return _affine(out, weight, bias, shape)


def _trailing(normalized_shape: Any, x: Tensor, op: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[-k:]) != shape:
        raise ValueError(
            f"{op}: normalized_shape {shape} does not match the last axes of the input "
            f"of shape {x.shape}"
        )
    return shape, tuple(range(x.ndim - k, x.ndim))


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` axes of each sample."""
    x = _as_tensor(input)
    shape, axes = _trailing(normalized_shape, x, "layer_norm")
    return _affine(_normalize(x, axes, eps), weight, bias, shape)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each of ``num_groups`` groups of channels of each sample."""
    x = _as_tensor(input)
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ValueError(
            f"group_norm: expected an input (N, C, ...) with C divisible by num_groups="
            f"{num_groups}, got shape {x.shape}"
        )
    n, c = x.shape[:2]
    per_group = int(np.prod(x.shape[1:])) // num_groups
    grouped = x.reshape(n, num_groups, per_group)
    out = _normalize(grouped, (2,), eps).reshape(x.shape)
    return _affine(out, weight, bias, (1, c) + (1,) * (x.ndim - 2))


def rms_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """``x / sqrt(mean(x ** 2) + eps)`` over the trailing axes; ``eps`` defaults to
    the dtype's machine epsilon, as in PyTorch."""
    x = _as_tensor(input)
    shape, axes = _trailing(normalized_shape, x, "rms_norm")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    out = x / ((x * x).mean(axis=axes, keepdims=True) + eps).sqrt()
    return _affine(out, weight, None, shape)


def _dtype(dtype: Any) -> np.dtype:
    return np.dtype(autograd.get_default_dtype() if dtype is None else dtype)


class _BatchNorm(Module):
    """Shared by ``BatchNorm1d`` and ``BatchNorm2d``: PyTorch's parameters and buffers."""

    dims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(
                f"{type(self).__name__}: num_features must be a positive int, got {num_features!r}"
            )
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dt = _dtype(dtype)
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dt))
            self.bias = Parameter(np.zeros(num_features, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dt))
            self.register_buffer("running_var", np.ones(num_features, dtype=dt))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch tracked."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        x = _as_tensor(x)
        if x.ndim not in self.dims:
            raise ValueError(
                f"{type(self).__name__}: expected a {' or '.join(map(str, self.dims))}-D input, "
                f"got shape {x.shape}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            if self.momentum is None:  # a cumulative average over all batches seen
                factor = 1.0 / float(self.num_batches_tracked.data)
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of ``(N, C)`` or ``(N, C, L)`` inputs (PyTorch's ``BatchNorm1d``).

    Parameters ``weight`` (ones) and ``bias`` (zeros) when ``affine``;
    buffers ``running_mean``, ``running_var`` and ``num_batches_tracked``
    when ``track_running_stats``. ``momentum=None`` keeps a cumulative average.
    """

    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of ``(N, C, H, W)`` inputs (PyTorch's ``BatchNorm2d``); see
    :class:`BatchNorm1d`."""

    dims = (4,)


class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` axes (PyTorch's ``LayerNorm``)."""

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps, self.elementwise_affine = float(eps), elementwise_affine
        dt = _dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class GroupNorm(Module):
    """Group normalization (PyTorch's ``GroupNorm``): ``num_channels`` split into groups."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("GroupNorm: num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine = float(eps), affine
        dt = _dtype(dtype)
        if affine:
            self.weight = Parameter(np.ones(num_channels, dtype=dt))
            self.bias = Parameter(np.zeros(num_channels, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class RMSNorm(Module):
    """Root-mean-square normalization (PyTorch's ``RMSNorm``); ``weight`` starts at ones."""

    def __init__(
        self,
        normalized_shape: Any,
        eps: float | None = None,
        elementwise_affine: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=_dtype(dtype)))
        else:
            self.register_parameter("weight", None)

    def forward(self, x: Tensor) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
