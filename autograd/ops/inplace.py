"""In-place operations (``add_``, ``zero_``, ``x[idx] = v``, ...), with PyTorch's rules.

On a tensor outside the graph (no grad needed, or under ``no_grad``) an
in-place op just changes the data. On a leaf that requires grad it is an
error. Otherwise it is recorded: the new value is computed by the ordinary
out-of-place op from a snapshot of the old one, written into the tensor's
memory, and the tensor's ``grad_fn`` is moved onto that op's node, so that
gradients through the tensor see the new value and gradients through its
old uses are unchanged. A view of a recorded tensor (``y[0].mul_(2)``) is
written through its base: the base's history becomes a :class:`CopySlices`
node, as in PyTorch. Every write bumps the memory's version counter (see
:mod:`autograd.versions`).

Where this differs from PyTorch, on purpose: the recorded op works on a copy
of the old value, so a chain PyTorch refuses because an op's saved output was
overwritten (``y.sigmoid_(); y.mul_(2)``, then backward) gives the right
gradient here, at the cost of one copy of the tensor per recorded in-place
op. Sibling views are not regenerated: after ``a = y[0:2]; b = y[1:3];
a.mul_(2)``, ``b``'s own history still reads the old ``y`` (its values are
the new ones; a node that saved ``b`` refuses to use it, by its version).

Adding the in-place form of an elementwise op is one line in
:class:`InplaceMethods`: ``sin_ = _inplace("sin")``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd import versions
from autograd.function import Function, is_grad_enabled
from autograd.ops import dual
from autograd.ops.dual import zero
from autograd.ops.shape import GetItem, IndexAdd, _normalise_index

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__: list[str] = []


class CopySlices(Function):
    """d (a with a[index] = v) = g with g[index] = 0 for a, g[index] for v"""

    formula = "a[index] = v"

    def forward(self, a: Tensor, v: Tensor, index: Any) -> np.ndarray:
        self.index, _ = _normalise_index(index)
        out = a.data.copy()
        out[self.index] = v.data
        self.v_shape = v.data.shape
        self.mask = np.zeros(a.data.shape, dtype=bool)
        self.mask[self.index] = True
        return out

    def backward(self, g: Any) -> tuple[Any, Any]:
        ga = gv = None
        if self.needs_input_grad[0]:
            ga = dual.where(self.mask, zero(g), g)
        if self.needs_input_grad[1]:
            gv = g[self.index]
            extra = len(self.v_shape) - gv.ndim
            if extra > 0:  # NumPy drops a value's leading size-1 dims on assignment
                gv = gv.reshape((1,) * extra + tuple(gv.shape))
        return ga, gv


def _snapshot(t: Tensor) -> Tensor:
    """A new Tensor holding ``t``'s current values and history."""
    return _t._make(t.data.copy(), t.requires_grad, t.grad_fn)


def _leaf_check(t: Tensor, op: str) -> None:
    """PyTorch's errors for an in-place change of a leaf that requires grad."""
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf Variable that requires grad is being used in an in-place "
            "operation. Change it under autograd.no_grad(), or work on a copy."
        )
    base = _base(t)
    while base is not None:
        if base.requires_grad and base.grad_fn is None:
            raise RuntimeError(
                f"{op}: a view of a leaf Variable that requires grad is being used in an "
                "in-place operation. Change it under autograd.no_grad(), or work on a copy."
            )
        base = _base(base)


def _base(t: Tensor) -> Tensor | None:
    """The tensor whose memory ``t`` views, when the view was recorded."""
    fn = t.grad_fn
    return None if fn is None else fn.view_base


def _positions(view: np.ndarray, base: np.ndarray) -> Any:
    """An integer index ``idx`` with ``base[idx]`` the elements of ``view``
    (which shares ``base``'s memory), element for element."""

    def offsets(a: np.ndarray) -> np.ndarray:
        off = np.full(a.shape, a.__array_interface__["data"][0], dtype=np.int64)
        for axis, (n, stride) in enumerate(zip(a.shape, a.strides)):
            shape = [1] * a.ndim
            shape[axis] = n
            off = off + (np.arange(n, dtype=np.int64) * stride).reshape(shape)
        return off.reshape(-1)

    b, v = offsets(base), offsets(view)
    order = np.argsort(b, kind="stable")
    ordered = b[order]
    found = np.searchsorted(ordered, v)
    if (
        len(np.unique(ordered)) != len(ordered)
        or (found >= len(ordered)).any()
        or (ordered[np.minimum(found, len(ordered) - 1)] != v).any()
    ):
        raise RuntimeError(
            "in-place operation on a view whose elements cannot be matched to its "
            f"base's (view shape {view.shape}, base shape {base.shape}); work on a copy"
        )
    flat = order[found].reshape(view.shape)
    if base.ndim == 0:
        return ()
    return np.unravel_index(flat, base.shape)


def _commit(t: Tensor, new: Tensor, op: str) -> None:
    """Make ``new`` (out-of-place result) the value and the history of ``t``."""
    # A compiled step replays recorded operations into its own buffers; a
    # write into an existing array is not one of them: such a step runs eagerly.
    # (Imported here: the compiler imports the op modules.)
    from autograd.compiler import trace as compile_trace

    compile_trace.unsupported(f"the in-place operation {op} is not compiled")
    if new.data.shape != t.data.shape:
        raise RuntimeError(
            f"{op}: output with shape {t.data.shape} doesn't match the broadcast shape "
            f"{new.data.shape}"
        )
    if new.data.dtype != t.data.dtype:
        if not np.can_cast(new.data.dtype, t.data.dtype, "same_kind"):
            raise RuntimeError(
                f"{op}: result type {new.data.dtype} can't be cast to the desired output "
                f"type {t.data.dtype}"
            )
        new = new.astype(t.data.dtype)
    if not t.data.flags.writeable:
        raise ValueError(
            f"{op}: the tensor's data (shape {t.data.shape}) is read-only (a broadcast view "
            "or a read-only array); nothing was changed"
        )
    base = _base(t) if new.requires_grad else None
    if base is not None:
        # Write through the base, whose history becomes a CopySlices node; the
        # view's history is then the same elements of the new base.
        index = _positions(t.data, base.data)
        value = new if base.data.ndim or not new.data.ndim else new.reshape(())
        old = _t._make(base.data, base.requires_grad, base.grad_fn)
        _commit(base, CopySlices.apply(old, value, index=index), op)
        t.grad_fn = GetItem.apply(base, index=index).grad_fn
        t.grad_fn.view_base = base  # type: ignore[union-attr]
        t.requires_grad = True
        return
    np.copyto(t.data, new.data)
    versions.bump(t.data)
    if new.requires_grad:
        t.grad_fn = new.grad_fn
        t.requires_grad = True


def _apply(t: Tensor, compute: Callable[..., Tensor], op: str, *operands: Any) -> Tensor:
    """Run an in-place op: ``compute(old, *operands)`` gives the new value out of place.

    An operand that is ``t`` itself (``y.mul_(y)``) stands for its old value.
    """
    if not is_grad_enabled():
        _commit(t, _compute_unrecorded(t, compute, operands), op)
        return t
    _leaf_check(t, op)
    if not t.requires_grad:
        # The old value needs no snapshot unless the result ends up in the
        # graph (``x.mul_(w)`` with w requiring grad): then a node saved x.
        new = _compute_unrecorded(t, compute, operands)
        if not new.requires_grad:
            _commit(t, new, op)
            return t
    old = _snapshot(t)
    _commit(t, compute(old, *[old if o is t else o for o in operands]), op)
    return t


def _compute_unrecorded(t: Tensor, compute: Callable[..., Tensor], operands: tuple) -> Tensor:
    """``compute(t, *operands)``, from a contiguous copy when ``t`` is a strided view,
    as the recorded path computes from its snapshot.

    NumPy 1.x chooses between the vector and the scalar loop of ``exp``, ``log``
    and others by testing whether the output may overlap the input, and for a
    strided input that test spans one stride past its last element: a new
    output allocated just there takes the scalar loop, which can differ in the
    last bit. On contiguous values the result does not depend on where the
    output lands.
    """
    if t.data.flags.forc:
        return compute(t, *operands)
    old = _snapshot(t)
    return compute(old, *[old if o is t else o for o in operands])


def _inplace(name: str) -> Callable[..., Tensor]:
    """The in-place form ``name_`` of the method ``name`` (same arguments)."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        def compute(t: Tensor, *xs: Any) -> Tensor:
            return getattr(t, name)(*xs, **kwargs)

        return _apply(self, compute, name + "_", *args)

    method.__name__ = name + "_"
    method.__doc__ = f"In-place :meth:`{name}`: the result is written into this tensor."
    return method


def _operand(value: Any, like: Tensor) -> Tensor:
    return _t._operand(value, like)


def _everywhere(t: Tensor) -> np.ndarray:
    return np.ones(t.data.shape, dtype=bool)


def _replace(t: Tensor, value: Any) -> Tensor:
    """``value`` broadcast to ``t``'s shape, with a zero gradient to ``t``'s old value."""
    if not (isinstance(value, _t.Tensor) and value.requires_grad) and not t.requires_grad:
        data = np.empty(t.data.shape, dtype=t.data.dtype)
        data[...] = value.data if isinstance(value, _t.Tensor) else value
        return _t._make(data)
    from autograd.ops.selection import where

    return where(_everywhere(t), _operand(value, t), t)


def _dim_index(t: Tensor, dim: int, index: Any, op: str) -> tuple[Any, ...]:
    idx = np.asarray(index.data if isinstance(index, _t.Tensor) else index)
    if idx.dtype.kind not in "iu" or idx.ndim > 1:
        raise IndexError(f"{op}: index must be a 1-d integer tensor, got {idx.dtype} {idx.shape}")
    d = _t._dim(dim, t.data.ndim, op)
    return (slice(None),) * d + (idx,)


def _scatter_index(t: Tensor, dim: int, index: Any, op: str) -> tuple[Any, ...]:
    idx = np.asarray(index.data if isinstance(index, _t.Tensor) else index)
    if idx.dtype.kind not in "iu" or idx.ndim != t.data.ndim:
        raise IndexError(
            f"{op}: index must be an integer tensor with as many dims as self "
            f"({t.data.ndim}), got {idx.dtype} of shape {idx.shape}"
        )
    d = _t._dim(dim, t.data.ndim, op)
    grid = list(np.indices(idx.shape, sparse=True))
    grid[d] = idx
    return tuple(grid)


class InplaceMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's primitives."""

    __slots__ = ()
    data: np.ndarray

    # Elementwise ops: one line each.
    neg_ = _inplace("__neg__")
    abs_ = _inplace("abs")
    exp_ = _inplace("exp")
    log_ = _inplace("log")
    sqrt_ = _inplace("sqrt")
    tanh_ = _inplace("tanh")
    sigmoid_ = _inplace("sigmoid")
    relu_ = _inplace("relu")
    clamp_ = _inplace("clamp")
    clip_ = _inplace("clip")
    pow_ = _inplace("__pow__")
    mul_ = _inplace("__mul__")
    div_ = _inplace("__truediv__")

    def add_(self: Tensor, other: Any, alpha: float = 1) -> Tensor:
        """In-place ``self + alpha * other``."""
        if alpha == 1:
            return _apply(self, lambda t, o: t + o, "add_", other)
        return _apply(self, lambda t, o: t + _operand(o, t) * alpha, "add_", other)

    def sub_(self: Tensor, other: Any, alpha: float = 1) -> Tensor:
        """In-place ``self - alpha * other``."""
        if alpha == 1:
            return _apply(self, lambda t, o: t - o, "sub_", other)
        return _apply(self, lambda t, o: t - _operand(o, t) * alpha, "sub_", other)

    def __iadd__(self: Tensor, other: Any) -> Tensor:
        return _apply(self, lambda t, o: t + o, "add_", other)

    def __isub__(self: Tensor, other: Any) -> Tensor:
        return _apply(self, lambda t, o: t - o, "sub_", other)

    def __imul__(self: Tensor, other: Any) -> Tensor:
        return _apply(self, lambda t, o: t * o, "mul_", other)

    def __itruediv__(self: Tensor, other: Any) -> Tensor:
        return _apply(self, lambda t, o: t / o, "div_", other)

    def __ipow__(self: Tensor, other: Any) -> Tensor:
        return _apply(self, lambda t, o: t**o, "pow_", other)

    def zero_(self: Tensor) -> Tensor:
        """Fill with zeros."""
        return _apply(self, _replace, "zero_", 0)

    def fill_(self: Tensor, value: Any) -> Tensor:
        """Fill with ``value`` (a number or a one-element tensor)."""
        return _apply(self, _replace, "fill_", value)

    def copy_(self: Tensor, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
        return _apply(self, _replace, "copy_", src)

    def masked_fill_(self: Tensor, mask: Any, value: Any) -> Tensor:
        """Set the elements where the boolean ``mask`` holds to ``value``."""
        from autograd.ops.selection import where

        m = np.asarray(mask.data if isinstance(mask, _t.Tensor) else mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill_: mask must be boolean, got dtype {m.dtype}")
        return _apply(self, lambda t, v: where(m, _operand(v, t), t), "masked_fill_", value)

    def index_add_(self: Tensor, dim: int, index: Any, source: Any, alpha: float = 1) -> Tensor:
        """Add ``alpha * source`` to the slices ``index`` along ``dim`` (repeats add up)."""
        idx = _dim_index(self, dim, index, "index_add_")

        def compute(t: Tensor, source: Any) -> Tensor:
            src = _operand(source, t)
            if alpha != 1:
                src = src * alpha
            return t + IndexAdd.apply(src, index=idx, shape=t.data.shape, accumulate=True)

        return _apply(self, compute, "index_add_", source)

    def scatter_(self: Tensor, dim: int, index: Any, src: Any = None, value: Any = None) -> Tensor:
        """``self[..., index[i, j], ...] = src[i, j]`` along ``dim`` (PyTorch's ``scatter_``)."""
        if (src is None) == (value is None):
            raise TypeError("scatter_: give exactly one of src and value")
        idx = _scatter_index(self, dim, index, "scatter_")
        shape = np.broadcast_shapes(*[np.shape(i) for i in idx])

        def compute(t: Tensor, src: Any) -> Tensor:
            v = _operand(src, t)
            if value is None:
                v = v[tuple(slice(0, n) for n in shape)]
            return CopySlices.apply(t, v, index=idx)

        return _apply(self, compute, "scatter_", value if src is None else src)

    def __setitem__(self: Tensor, index: Any, value: Any) -> None:
        if not is_grad_enabled() or not (
            self.requires_grad or (isinstance(value, _t.Tensor) and value.requires_grad)
        ):
            if is_grad_enabled():
                _leaf_check(self, "__setitem__")
            if not self.data.flags.writeable:
                raise ValueError(
                    f"__setitem__: the tensor's data (shape {self.data.shape}) is read-only; "
                    "nothing was changed"
                )
            idx, _ = _normalise_index(index)
            self.data[idx] = value.data if isinstance(value, _t.Tensor) else value
            versions.bump(self.data)
            return
        _apply(
            self,
            lambda t, v: CopySlices.apply(t, _operand(v, t), index=index),
            "__setitem__",
            value,
        )
