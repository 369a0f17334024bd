"""Activation functions and their modules, as in ``torch.nn.functional`` and ``torch.nn``.

Each is composed from the engine's primitives (no derivative code). Where a
branch not taken could overflow (``exp`` of a large input in ELU, say), its
input is itself routed through ``where``, so that the zero gradient it
receives is not multiplied by an infinity into NaN. The gradients at the
kinks and at NaN are PyTorch's: hardtanh, relu6 and hardsigmoid pass no
gradient at their bounds (nor at NaN), hardswish takes its middle branch's
slope at -3 and 3, ELU-like functions their negative branch's at 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn.functional import _scalar, _tensor
from nn.module import Module

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "SELU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LogSigmoid",
    "Mish",
    "ReLU6",
    "SiLU",
    "Softmin",
    "Softplus",
    "Softsign",
    "Threshold",
    "celu",
    "elu",
    "gelu",
    "glu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "log_softmax",
    "logsigmoid",
    "mish",
    "relu6",
    "selu",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "threshold",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _log1p_exp(z: Tensor) -> Tensor:
    """``log(1 + exp(z))`` without overflow, smooth at 0 and exact in the tails:
    ``z + log(1 + exp(-z))`` for ``z > 0``, ``log(1 + exp(z))`` otherwise, each
    as a logsumexp of ``[0, .]`` and fed only its own side's values."""
    pos = z.data > 0
    zero = autograd.zeros_like(z)
    up = autograd.where(pos, z, 0.0)
    down = autograd.where(pos, 0.0, z)
    # keepdims=True, then the axis dropped by indexing: logsumexp's second
    # derivative fails with keepdims=False (its saved output has the kept shape).
    upper = z + autograd.stack([zero, -up], axis=-1).logsumexp(axis=-1, keepdims=True)[..., 0]
    lower = autograd.stack([zero, down], axis=-1).logsumexp(axis=-1, keepdims=True)[..., 0]
    return autograd.where(pos, upper, lower)


def _negative_branch(x: Tensor, f: Any) -> Tensor:
    """``f(x)`` where ``x <= 0``, ``x`` elsewhere (NaN included, as PyTorch); ``f`` sees
    only non-positive values, so ``exp`` in it cannot overflow."""
    neg = x.data <= 0
    return autograd.where(neg, f(autograd.where(neg, x, 0.0)), x)


# ------------------------------------------------------------------ functions
def gelu(input: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x Φ(x)``.

    ``approximate='none'`` is exact, computed as ``x/2 erfc(-x/sqrt(2))``
    (accurate also far in the negative tail, where ``1 + erf`` cancels);
    ``'tanh'`` is ``x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``.
    """
    x = _tensor(input)
    if approximate == "none":
        return x * 0.5 * (x * (-1.0 / math.sqrt(2.0))).erfc()
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return x * 0.5 * (inner.tanh() + 1.0)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Any, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish). ``inplace`` is accepted and ignored: the result is new."""
    x = _tensor(input)
    return x * x.sigmoid()


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, else ``alpha (exp(x) - 1)``."""
    return _negative_branch(_tensor(input), lambda n: (n.exp() - 1.0) * alpha)


def selu(input: Any, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    x = _tensor(input)
    neg = x.data <= 0
    n = autograd.where(neg, x, 0.0)
    return autograd.where(neg, (n.exp() - 1.0) * (_SELU_ALPHA * _SELU_SCALE), x * _SELU_SCALE)


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, else ``alpha (exp(x / alpha) - 1)``."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides the input)")
    return _negative_branch(_tensor(input), lambda n: ((n * (1.0 / alpha)).exp() - 1.0) * alpha)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, and ``x`` where ``beta x > threshold`` (PyTorch's
    switch to the linear function); computed without overflow for any input."""
    x = _tensor(input)
    big = x.data * beta > threshold
    z = autograd.where(big, 0.0, x) * beta
    return autograd.where(big, x, _log1p_exp(z) * (1.0 / beta))


def softsign(input: Any) -> Tensor:
    """``x / (1 + |x|)``."""
    x = _tensor(input)
    return x / (x.abs() + 1.0)


def mish(input: Any, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    x = _tensor(input)
    return x * _log1p_exp(x).tanh()


def _clamped(x: Tensor, lo: float, hi: float) -> Tensor:
    """``clip(x, lo, hi)`` with PyTorch's hardtanh gradient: 1 strictly inside, 0 at the
    bounds, beyond them and at NaN."""
    lo, hi = _scalar(lo, x), _scalar(hi, x)
    inside = (x.data > lo) & (x.data < hi)
    return autograd.where(inside, x, np.clip(x.data, lo, hi))


def hardtanh(
    input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``clip(x, min_val, max_val)``; no gradient at the bounds (PyTorch's)."""
    if min_val > max_val:
        raise ValueError(
            f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})"
        )
    return _clamped(_tensor(input), min_val, max_val)


def relu6(input: Any, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``; no gradient at 0 and 6."""
    return _clamped(_tensor(input), 0.0, 6.0)


def hardswish(input: Any, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``; at -3 and 3 the gradient is the middle piece's, and at -inf
    the value is NaN (``-inf * 0``), as in PyTorch."""
    x = _tensor(input)
    d = x.data
    mid = (d >= -3.0) & (d <= 3.0)
    # The middle piece sees only its own values: at NaN its derivative would
    # turn the zero gradient it receives into NaN.
    xm = autograd.where(mid, x, 0.0)
    middle = autograd.where(mid, xm * (xm + 3.0) * (1.0 / 6.0), x)
    return autograd.where(d < -3.0, x * 0.0, middle)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``; gradient ``1/6`` strictly between -3 and 3, else 0."""
    x = _tensor(input)
    inside = (x.data > -3.0) & (x.data < 3.0)
    three, six = _scalar(3.0, x), _scalar(6.0, x)
    outside = np.clip(x.data + three, _scalar(0.0, x), six) / six
    return autograd.where(inside, x * (1.0 / 6.0) + 0.5, outside)


def logsigmoid(input: Any) -> Tensor:
    """``log(sigmoid(x)) = -log(1 + exp(-x))``, finite for every finite input."""
    return -_log1p_exp(-_tensor(input))


def glu(input: Any, dim: int = -1) -> Tensor:
    """Gated linear unit: the first half of ``dim`` times the sigmoid of the second."""
    x = _tensor(input)
    if x.ndim == 0:
        raise ValueError("glu: does not support scalars (0-d tensors)")
    axis = dim % x.ndim if -x.ndim <= dim < x.ndim else None
    if axis is None:
        raise IndexError(f"glu: dim {dim} is out of range for a tensor of {x.ndim} dimensions")
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {dim} is size {n}")
    head = (slice(None),) * axis
    return x[(*head, slice(0, n // 2))] * x[(*head, slice(n // 2, n))].sigmoid()


def _softmax_dim(dim: int | None, axis: int | None, ndim: int, op: str) -> int:
    if dim is not None and axis is not None and dim != axis:
        raise TypeError(f"{op}: got dim={dim} and axis={axis}; give one of them")
    chosen = dim if dim is not None else axis
    return -1 if chosen is None else chosen


def _cast(x: Tensor, dtype: Any) -> Tensor:
    return x if dtype is None else x.astype(dtype)


def softmax(
    input: Any, dim: int | None = None, dtype: Any = None, *, axis: int | None = None
) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (or NumPy's ``axis``; the last one if neither).

    ``dtype`` casts the input first, as in PyTorch (``dtype=np.float64`` for a
    float32 model's logits). PyTorch's implicit choice of ``dim`` when none is
    given (deprecated there) is not followed: the last axis is used.
    """
    x = _cast(_tensor(input), dtype)
    return x.softmax(axis=_softmax_dim(dim, axis, x.ndim, "softmax"))


def log_softmax(
    input: Any, dim: int | None = None, dtype: Any = None, *, axis: int | None = None
) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` (or ``axis``; the last one if neither); ``dtype``
    casts the input first."""
    x = _cast(_tensor(input), dtype)
    return x.log_softmax(axis=_softmax_dim(dim, axis, x.ndim, "log_softmax"))


def softmin(
    input: Any, dim: int | None = None, dtype: Any = None, *, axis: int | None = None
) -> Tensor:
    """``softmax(-x)`` along ``dim`` (or ``axis``; the last one if neither)."""
    x = _cast(_tensor(input), dtype)
    return (-x).softmax(axis=_softmax_dim(dim, axis, x.ndim, "softmin"))


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value`` (NaN stays NaN)."""
    x = _tensor(input)
    return autograd.where(x.data <= threshold, value, x)


# ------------------------------------------------------------------ modules
class _Elementwise(Module):
    fn: Any = None
    args: tuple[str, ...] = ()

    def forward(self, x: Tensor) -> Tensor:
        return type(self).fn(x, **{a: getattr(self, a) for a in self.args})

    def extra_repr(self) -> str:
        return ", ".join(f"{a}={getattr(self, a)!r}" for a in self.args)


class GELU(_Elementwise):
    """:func:`gelu` as a module."""

    fn = staticmethod(gelu)
    args = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        gelu(Tensor(0.0), approximate)  # validate now, not at the first call
        self.approximate = approximate


class SiLU(_Elementwise):
    """:func:`silu` as a module."""

    fn = staticmethod(silu)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()


class Mish(SiLU):
    """:func:`mish` as a module."""

    fn = staticmethod(mish)


class SELU(SiLU):
    """:func:`selu` as a module."""

    fn = staticmethod(selu)


class ELU(_Elementwise):
    """:func:`elu` as a module."""

    fn = staticmethod(elu)
    args = ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha


class CELU(ELU):
    """:func:`celu` as a module."""

    fn = staticmethod(celu)


class Softplus(_Elementwise):
    """:func:`softplus` as a module."""

    fn = staticmethod(softplus)
    args = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold


class Softsign(_Elementwise):
    """:func:`softsign` as a module."""

    fn = staticmethod(softsign)


class LogSigmoid(_Elementwise):
    """:func:`logsigmoid` as a module."""

    fn = staticmethod(logsigmoid)


class Hardtanh(_Elementwise):
    """:func:`hardtanh` as a module."""

    fn = staticmethod(hardtanh)
    args = ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(
                f"Hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})"
            )
        self.min_val, self.max_val = min_val, max_val


class ReLU6(SiLU):
    """:func:`relu6` as a module."""

    fn = staticmethod(relu6)


class Hardswish(SiLU):
    """:func:`hardswish` as a module."""

    fn = staticmethod(hardswish)


class Hardsigmoid(SiLU):
    """:func:`hardsigmoid` as a module."""

    fn = staticmethod(hardsigmoid)


class GLU(_Elementwise):
    """:func:`glu` as a module."""

    fn = staticmethod(glu)
    args = ("dim",)

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim


class Softmin(_Elementwise):
    """:func:`softmin` as a module (the last axis when ``dim`` is None)."""

    fn = staticmethod(softmin)
    args = ("dim",)

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim


class Threshold(_Elementwise):
    """:func:`threshold` as a module."""

    fn = staticmethod(threshold)
    args = ("threshold", "value")

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value = threshold, value
