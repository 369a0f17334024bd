"""dtype conversions: float, double, half, int, long, bool and to(dtype).

A cast to another floating-point dtype is recorded (the ``Cast`` primitive:
the gradient is cast back); a cast to an integer or boolean dtype gives a
tensor without gradient, as in PyTorch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__: list[str] = []


# PyTorch's dtype names (as strings) and NumPy's.
_NAMES = {
    "float": np.float32,
    "double": np.float64,
    "half": np.float16,
    "long": np.int64,
    "int": np.int32,
    "short": np.int16,
    "char": np.int8,
    "byte": np.uint8,
    "bool": np.bool_,
    "cfloat": None,
}


def as_dtype(dtype: Any) -> np.dtype:
    """A NumPy dtype from a NumPy dtype, a Python type, a name (``"float32"``,
    ``"torch.float32"``, ``"long"``) or a PyTorch dtype."""
    if isinstance(dtype, str) or type(dtype).__module__ == "torch":
        name = str(dtype).removeprefix("torch.")
        if name in _NAMES and _NAMES[name] is not None:
            return np.dtype(_NAMES[name])
        dtype = name
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"to: cannot interpret {dtype!r} as a dtype") from None
    if dt.kind not in "biuf":
        raise TypeError(f"to: unsupported dtype {dt}; expected a boolean, integer or float dtype")
    return dt


def cast(x: Tensor, dtype: Any) -> Tensor:
    """``x`` as ``dtype``: itself if it already is; recorded for float targets."""
    from autograd.ops.elementwise import Cast

    dt = as_dtype(dtype)
    if dt == x.data.dtype:
        return x
    if dt.kind != "f":
        return _t._make(x.data.astype(dt))
    return Cast.apply(x, dtype=dt)


class ConvertMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's functions."""

    __slots__ = ()
    data: np.ndarray

    def float(self: Tensor) -> Tensor:
        """As float32."""
        return cast(self, np.float32)

    def double(self: Tensor) -> Tensor:
        """As float64."""
        return cast(self, np.float64)

    def half(self: Tensor) -> Tensor:
        """As float16."""
        return cast(self, np.float16)

    def int(self: Tensor) -> Tensor:
        """As int32 (no gradient); floats are truncated toward zero."""
        return cast(self, np.int32)

    def long(self: Tensor) -> Tensor:
        """As int64 (no gradient)."""
        return cast(self, np.int64)

    def short(self: Tensor) -> Tensor:
        """As int16 (no gradient)."""
        return cast(self, np.int16)

    def char(self: Tensor) -> Tensor:
        """As int8 (no gradient)."""
        return cast(self, np.int8)

    def byte(self: Tensor) -> Tensor:
        """As uint8 (no gradient)."""
        return cast(self, np.uint8)

    def bool(self: Tensor) -> Tensor:
        """As bool: nonzero elements (NaN included) are True."""
        return cast(self, np.bool_)

    def to(self: Tensor, *args: Any, dtype: Any = None, device: Any = None, **kw: Any) -> Tensor:
        """Convert to a dtype: ``to(dtype)``, ``to(other)`` (its dtype), ``to("cpu")``,
        ``to("cpu", dtype)``, ``to(device=..., dtype=...)``; ``copy=True`` always copies."""
        copy = bool(kw.pop("copy", False))
        kw.pop("non_blocking", None)
        if kw:
            raise TypeError(f"to: unexpected keyword arguments {sorted(kw)}")
        for arg in args:
            if isinstance(arg, _t.Tensor):
                dtype = arg.data.dtype
            elif _is_device(arg):
                device = arg
            else:
                dtype = arg
        if device is not None and str(device) not in ("cpu", "cpu:0"):
            raise ValueError(f"to: only the 'cpu' device exists, got {device!r}")
        out = self if dtype is None else cast(self, dtype)
        if copy and out is self:
            from autograd.ops.views import _clone

            out = _clone(self) if self.data.dtype.kind == "f" else _t._make(self.data.copy())
        return out

    def type(self: Tensor, dtype: Any = None) -> Any:
        """The dtype's name with no argument, else the tensor cast to ``dtype``."""
        if dtype is None:
            return str(self.data.dtype)
        return cast(self, dtype)

    def type_as(self: Tensor, other: Tensor) -> Tensor:
        """Cast to the dtype of ``other``."""
        return cast(self, other.data.dtype)


def _is_device(arg: Any) -> bool:
    if type(arg).__name__ == "device":
        return True
    return isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda", "mps", "meta")
