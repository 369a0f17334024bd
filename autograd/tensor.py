"""``Tensor``: a NumPy array that records the operations applied to it.

Every operator and method here is a one-line call of a primitive from
:mod:`autograd.ops` or a composite of them; the derivative rules live with the
primitives, and the backward pass lives in :mod:`autograd.engine`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

# Each group of operations gives Tensor its methods from the module that
# defines the primitives, so an op's class and its method sit side by side.
# Those modules look Tensor up only when they run (this module is still
# being imported while they load).
from autograd.ops.convert import ConvertMethods
from autograd.ops.elementwise import ElementwiseMethods
from autograd.ops.index import IndexMethods
from autograd.ops.inplace import InplaceMethods
from autograd.ops.linalg import LinalgMethods
from autograd.ops.pointwise import PointwiseMethods
from autograd.ops.products import ProductMethods
from autograd.ops.reduction import ReductionMethods
from autograd.ops.scan import ScanMethods
from autograd.ops.shape import ShapeMethods
from autograd.ops.sort import SortMethods
from autograd.ops.special import SpecialMethods
from autograd.ops.views import ViewMethods

if TYPE_CHECKING:
    from autograd.function import Function

__all__ = ["Tensor", "get_default_dtype", "set_default_dtype", "tensor"]

ArrayLike = Union["Tensor", np.ndarray, float, int, bool, Sequence[Any]]
Axis = int | tuple[int, ...] | None

_default_dtype = np.dtype(np.float64)


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype that Python floats and lists become (float64 at start)."""
    global _default_dtype
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes are allowed, got {dt}")
    _default_dtype = dt


def get_default_dtype() -> np.dtype:
    """Return the dtype that Python floats and lists become."""
    return _default_dtype


# Boolean, integer and floating-point data: what NumPy computes with and the
# engine can differentiate (floats) or carry along (masks, indices).
_KINDS = "biuf"


def _checked_dtype(arr: np.ndarray, data: Any) -> np.ndarray:
    if arr.dtype.kind not in _KINDS:
        what = type(data).__name__ if arr.dtype.kind == "O" else f"dtype {arr.dtype}"
        raise TypeError(
            f"Tensor: cannot make a tensor from {what} ({str(data)[:60]!r}); expected "
            "numbers: a bool, int or float scalar, a (nested) list of them, or a NumPy "
            "array of a boolean, integer or floating-point dtype"
            + ("; complex numbers are not supported" if arr.dtype.kind == "c" else "")
        )
    return arr


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert user data to an array: NumPy data keeps its dtype, Python floats
    take the default float dtype. Strings, objects and complex numbers are
    refused here, at the point of entry, rather than failing later in an op."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        try:
            arr = np.array(data, dtype=dtype)
        except (ValueError, TypeError) as exc:
            raise TypeError(
                f"Tensor: cannot convert {str(data)[:60]!r} to dtype {dtype}: {exc}"
            ) from None
        return _checked_dtype(arr, data)
    if isinstance(data, (np.ndarray, np.generic)):
        return _checked_dtype(np.array(data), data)
    try:
        arr = np.array(data)
    except ValueError as exc:  # ragged nested lists
        raise TypeError(f"Tensor: cannot make a tensor from {str(data)[:60]!r}: {exc}") from None
    _checked_dtype(arr, data)
    if arr.dtype == np.float64 and _default_dtype != np.float64:
        arr = arr.astype(_default_dtype)
    return arr


def _make(data: np.ndarray, requires_grad: bool = False, grad_fn: Function | None = None) -> Tensor:
    """Wrap an array without copying or checking: the engine's fast constructor."""
    t = _new_tensor(Tensor)
    t.data = data
    t._grad = None
    t.requires_grad = requires_grad
    t.grad_fn = grad_fn
    return t


_new_tensor = object.__new__


def _operand(value: Any, like: Tensor) -> Tensor:
    """Turn the other operand of a binary op into a Tensor.

    Python scalars are weakly typed as in NumPy 2: ``float32 * 2.0`` stays
    float32 on NumPy 1.26 and 2.x alike.
    """
    if isinstance(value, Tensor):
        return value
    if type(value) is float:  # the common constant, before the ABC checks below
        dt = like.data.dtype
        if dt.kind == "f":
            return _make(np.array(value, dtype=dt))
    if isinstance(value, np.ndarray):
        # A copy: the user may change the array after the forward pass, and
        # the gradient must follow the values the forward pass used.
        return _make(_checked_dtype(value, value).copy())
    if isinstance(value, numbers.Number) and not isinstance(value, np.generic):
        if isinstance(value, complex):
            _checked_dtype(np.array(value), value)
        dt = like.data.dtype
        if dt.kind == "f":
            return _make(np.array(value, dtype=dt))
        return _make(np.array(value, dtype=np.result_type(dt, value)))
    return _make(_to_array(value))


def _dim(d: int, ndim: int, op: str) -> int:
    """A dim in ``[-ndim, ndim)`` as a non-negative index (0-d tensors accept 0 and -1)."""
    span = max(ndim, 1)
    if not -span <= d < span:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-span}, {span - 1}], "
            f"but got {d})"
        )
    return d % span


class Tensor(
    ElementwiseMethods,
    PointwiseMethods,
    SpecialMethods,
    ReductionMethods,
    ScanMethods,
    SortMethods,
    ShapeMethods,
    ViewMethods,
    IndexMethods,
    LinalgMethods,
    ProductMethods,
    ConvertMethods,
    InplaceMethods,
):
    """An n-dimensional array with reverse-mode automatic differentiation.

    Parameters
    ----------
    data : array_like
        Copied into a NumPy array. NumPy arrays keep their dtype; Python
        floats and lists of floats take the default dtype (float64 unless
        :func:`autograd.set_default_dtype` changed it).
    requires_grad : bool
        Record operations on this tensor so that gradients flow back to it.
        Only floating-point tensors can require gradients.
    dtype : dtype, optional
        Cast the data to this dtype.

    Examples
    --------
    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    Tensor([2., 4., 6.])
    """

    __slots__ = ("__weakref__", "_grad", "data", "grad_fn", "requires_grad")

    # A leaf is a terminal node of the graph: the backward walk reads this
    # instead of testing types.
    next_functions = ()

    # NumPy functions on Tensors run autograd's operation of the same name
    # (np.exp(t), np.sum(t), ndarray + t), so the graph records them; see
    # autograd.interop.
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``np.exp(t)``, ``ndarray + t``: the autograd operation of the ufunc's name."""
        return _interop.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """``np.sum(t)``, ``np.concatenate([t, u])``: autograd's function or method."""
        return _interop.array_function(func, types, args, kwargs)

    __array_priority__ = 1000

    data: np.ndarray
    _grad: Tensor | None
    grad_fn: Function | None
    requires_grad: bool

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = _to_array(data, dtype)
        self._grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # -- attributes --------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension, as NumPy's ``shape``."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the data."""
        return self.data.dtype

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward passes (``None`` before the first).

        Assigning checks the value as PyTorch does: ``None`` or a Tensor of
        this tensor's shape and dtype; a wrong shape is refused here rather
        than broadcast by a later accumulation or optimizer step.
        """
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value.data.shape != self.data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: the tensor has shape "
                    f"{self.data.shape}, the gradient {value.data.shape}"
                )
            if value.data.dtype != self.data.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: the tensor is "
                    f"{self.data.dtype}, the gradient {value.data.dtype}"
                )
        self._grad = value

    @property
    def _version(self) -> int:
        """How many times the library has changed this tensor's memory in place
        (shared with its views; see :mod:`autograd.versions`)."""
        return _versions.version(self.data)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by a recorded op."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """The axes reversed (the transpose of a matrix)."""
        return self.transpose()

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self) -> float:
        """The value of a one-element tensor as a Python number (an int or a
        bool for integer and boolean tensors)."""
        return self.data.item()  # type: ignore[no-any-return]

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def tolist(self) -> Any:
        """The data as nested Python lists (a Python number for a 0-d tensor)."""
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use .any() or .all() on the data"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = []
        if self.data.dtype not in (np.float64, np.int64, np.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    # -- autograd ----------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf in place and return it."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients; got dtype {self.data.dtype}"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor; use detach() instead")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph."""
        return _make(self.data)

    def retain_grad(self) -> None:
        """Make this non-leaf tensor keep its ``grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self.grad_fn is not None:
            self.grad_fn.retains_grad = True
            self.grad_fn.track_output(self)

    def backward(
        self,
        grad: ArrayLike | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate the gradient of this tensor into the leaves' ``grad``.

        Parameters
        ----------
        grad : array_like, optional
            The gradient of some scalar with respect to this tensor; may be
            omitted only when this tensor has one element.
        retain_graph : bool, optional
            Keep the saved values so that backward can run through the graph
            again. Defaults to ``create_graph``.
        create_graph : bool
            Record the backward pass so that the gradients can be
            differentiated again.
        """
        _engine.backward_one(self, grad, retain_graph, create_graph)


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Create a Tensor; the same as ``Tensor(data, requires_grad, dtype)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# The engine works on finished Tensors: imported once Tensor exists.
from autograd import engine as _engine  # noqa: E402
from autograd import interop as _interop  # noqa: E402
from autograd import versions as _versions  # noqa: E402
