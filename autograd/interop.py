"""NumPy functions called on Tensors: recorded where a Tensor counterpart exists.

``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.concatenate([t, u])`` and
``ndarray + t`` reach :class:`~autograd.Tensor` through NumPy's dispatch
protocols (``__array_ufunc__`` for ufuncs, ``__array_function__`` for the
rest) and run the operation of the same name (``autograd.exp``,
``Tensor.sum``, ``autograd.concatenate``), so the result is a Tensor in the
graph. A NumPy function with no counterpart computes on the data; on a Tensor
that requires grad it is a ``TypeError`` when its result holds floats (the
graph would be cut silently), while results such as ``np.shape(t)`` pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import tensor as _t

__all__ = ["array_function", "array_ufunc"]

# NumPy's names for operations that autograd spells as PyTorch does.
_ALIASES = {
    "true_divide": "div",
    "divide": "div",
    "subtract": "sub",
    "multiply": "mul",
    "power": "pow",
    "negative": "neg",
    "absolute": "abs",
    "fabs": "abs",
    "concat": "concatenate",
    "round_": "round",
    "around": "round",
    "equal": "eq",  # NumPy's is elementwise; torch.equal compares whole tensors
    "left_shift": "bitwise_left_shift",
    "right_shift": "bitwise_right_shift",
    "invert": "bitwise_not",
}


def _resolve(name: str, first: Any) -> Any:
    """The autograd function (or the first Tensor's method) called ``name``."""
    import autograd

    name = _ALIASES.get(name, name)
    fn = getattr(autograd, name, None)
    if callable(fn) and not isinstance(fn, type):
        return fn
    if isinstance(first, _t.Tensor):
        method = getattr(type(first), name, None)
        if callable(method):
            return method
    return None


def _tensors(values: Any) -> list[Any]:
    """The Tensors in ``values`` (nested lists and tuples searched)."""
    found = []
    stack = [values]
    while stack:
        v = stack.pop()
        if isinstance(v, _t.Tensor):
            found.append(v)
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return found


def _unwrap(values: Any) -> Any:
    if isinstance(values, _t.Tensor):
        return values.data
    if isinstance(values, list):
        return [_unwrap(v) for v in values]
    if isinstance(values, tuple):
        return tuple(_unwrap(v) for v in values)
    return values


def _cuts_the_graph(result: Any) -> bool:
    """Whether ``result`` holds float arrays, which would leave the graph unseen."""
    if isinstance(result, np.ndarray):
        return result.dtype.kind in "fc"
    if isinstance(result, (list, tuple)):
        return any(_cuts_the_graph(r) for r in result)
    return isinstance(result, np.floating)


def _untracked(name: str, call: Any, args: Any, kwargs: dict) -> Any:
    """Run a NumPy function without a counterpart on the data, unless that
    would silently cut the graph of a Tensor that requires grad."""
    result = call(*_unwrap(args), **_unwrap(kwargs))
    if any(t.requires_grad for t in _tensors((args, list(kwargs.values())))):
        if _cuts_the_graph(result):
            raise TypeError(
                f"numpy.{name} was called on a Tensor that requires grad, but autograd has "
                f"no operation called {name!r}: its result would not be recorded. Use the "
                "Tensor methods and autograd functions (x.sum(), autograd.where(...), "
                "x.exp(), ...), or call it on x.detach().numpy() to leave the graph on purpose"
            )
    return result


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_ufunc__``: a ufunc call as the autograd operation of its name."""
    name = ufunc.__name__
    if kwargs.get("out") is not None:
        return NotImplemented  # NumPy then refuses: a Tensor cannot be written into an array
    if method == "__call__" and not {k for k, v in kwargs.items() if v is not None} - {"out"}:
        first = next(t for t in inputs if isinstance(t, _t.Tensor))
        fn = _resolve(name, first)
        if fn is not None:
            operands = [x if isinstance(x, _t.Tensor) else _t._operand(x, first) for x in inputs]
            return fn(*operands)
    call = getattr(ufunc, method)
    return _untracked(f"{name}.{method}" if method != "__call__" else name, call, inputs, kwargs)


# NumPy functions whose second positional argument is ``axis``: passed on by
# name, so that np.max(t, 0) keeps NumPy's meaning (values, not PyTorch's
# (values, indices) of t.max(0)).
_AXIS_SECOND = {
    "sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var", "argmax", "argmin",
    "cumsum", "cumprod", "sort", "argsort", "all", "any", "median", "nansum", "nanmean",
    "count_nonzero", "squeeze", "flip", "logsumexp",
}  # fmt: skip


def array_function(func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__``: ``np.sum(t)`` as ``t.sum()``, and so on."""
    name = func.__name__
    if name in _AXIS_SECOND and len(args) >= 2:
        args, kwargs = args[:1], {**kwargs, "axis": args[1]}
    if name == "sort" and args and isinstance(args[0], _t.Tensor):
        return args[0].sort(axis=kwargs.get("axis", -1)).values  # NumPy's sort: the values
    first = args[0] if args else None
    # np.concatenate([t, u]) and np.where(c, t, u) find autograd's function of
    # the same name; np.sum(t, axis=0) finds the method Tensor.sum.
    fn = _resolve(name, first if isinstance(first, _t.Tensor) else None)
    if fn is not None:
        try:
            return fn(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(
                f"numpy.{name} on a Tensor runs autograd's {name}, which does not take "
                f"these arguments ({exc}); call the Tensor method or autograd function "
                "with the arguments it documents"
            ) from None
    return _untracked(name, func, args, kwargs)
