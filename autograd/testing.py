"""Helpers for property-based gradient tests of your own code.

``tensors`` and ``broadcastable_shapes`` are `hypothesis`_ strategies;
``check_gradients`` turns "the gradient of this function matches finite
differences" into one line inside a ``@given`` test::

    from hypothesis import given
    from autograd.testing import check_gradients, tensors

    @given(tensors(shape=(3, 4)), tensors(shape=(4,)))
    def test_my_layer_gradients(x, w):
        check_gradients(lambda x, w: (x @ w).tanh(), x, w)

Functions with kinks (``relu`` and ``abs`` at 0, ``clip`` at its bounds) have
no derivative there, and finite differences straddling the kink disagree with
any subgradient: ``tensors(avoid=[0.0])`` keeps every value at least
``margin`` away from the listed points.

The strategies need hypothesis (``pip install hypothesis``; from a checkout,
``pip install ".[test]"``); it is
imported when a strategy is built, so ``import autograd`` never needs it.
``check_gradients`` does not need hypothesis and also works in plain tests.

.. _hypothesis: https://hypothesis.readthedocs.io
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike

from autograd.gradcheck import (
    Float32GradcheckWarning,
    GradcheckError,
    gradcheck,
    gradgradcheck,
)
from autograd.tensor import Tensor

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "broadcastable_shapes",
    "broadcastable_tensors",
    "check_gradients",
    "tensors",
]


def _hypothesis() -> tuple[Any, Any]:
    try:
        import hypothesis.extra.numpy as hnp
        import hypothesis.strategies as st
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "autograd.testing strategies need hypothesis: pip install hypothesis "
            "(from a checkout of scratchgrad: pip install '.[test]')"
        ) from exc
    return st, hnp


def _float_bounds(dtype: np.dtype, lo: float, hi: float) -> tuple[float, float]:
    """``[lo, hi]`` shrunk to the nearest values the dtype represents exactly.

    hypothesis refuses bounds such as ``0.1`` for float32 ("cannot be exactly
    represented"); rounding inwards keeps every drawn value inside the range
    the user asked for.
    """
    kind = dtype.type
    info = np.finfo(dtype)
    with np.errstate(over="ignore"):
        lo_d = kind(np.clip(lo, info.min, info.max))
        hi_d = kind(np.clip(hi, info.min, info.max))
    if float(lo_d) < lo:
        lo_d = np.nextafter(lo_d, kind(np.inf))
    if float(hi_d) > hi:
        hi_d = np.nextafter(hi_d, kind(-np.inf))
    if lo_d > hi_d:
        raise ValueError(f"tensors: no {dtype} value lies in [min_value={lo!r}, max_value={hi!r}]")
    return float(lo_d), float(hi_d)


def _default_elements(st: Any, dtype: np.dtype, min_value: float, max_value: float) -> Any:
    if np.issubdtype(dtype, np.floating):
        lo, hi = _float_bounds(dtype, min_value, max_value)
        return st.floats(
            lo,
            hi,
            allow_nan=False,
            allow_infinity=False,
            allow_subnormal=False,
            width=8 * dtype.itemsize,
        )
    if np.issubdtype(dtype, np.integer):
        return st.integers(int(np.ceil(min_value)), int(np.floor(max_value)))
    if dtype == np.bool_:
        return st.booleans()
    raise TypeError(f"tensors: unsupported dtype {dtype}")


def _avoiding(elements: Any, avoid: Sequence[float], margin: float) -> Any:
    if not avoid:
        return elements
    points = tuple(float(p) for p in avoid)

    def far_enough(value: Any) -> bool:
        return all(abs(float(value) - p) >= margin for p in points)

    return elements.filter(far_enough)


def _check_avoid(avoid: Iterable[float], margin: float) -> tuple[float, ...]:
    points = tuple(float(p) for p in avoid)
    if not (np.isfinite(margin) and margin > 0):
        raise ValueError(f"tensors: margin must be a positive finite number, got {margin!r}")
    if any(not np.isfinite(p) for p in points):
        raise ValueError(f"tensors: avoid must hold finite numbers, got {points!r}")
    return points


def tensors(
    shape: tuple[int, ...] | SearchStrategy[tuple[int, ...]] | None = None,
    dtype: DTypeLike | SearchStrategy[Any] = np.float64,
    elements: SearchStrategy[Any] | None = None,
    requires_grad: bool = True,
    *,
    min_value: float = -10.0,
    max_value: float = 10.0,
    avoid: Iterable[float] = (),
    margin: float = 1e-3,
) -> SearchStrategy[Tensor]:
    """A hypothesis strategy for Tensors.

    Parameters
    ----------
    shape : tuple of int or strategy, optional
        The shape, or a strategy for it. Default: 0 to 3 dimensions of 1 to 4 elements.
    dtype : dtype or strategy, default float64
        A NumPy dtype (``np.float32``, ``"float64"``, ``np.int64``, ...) or a
        strategy for one, e.g. ``st.sampled_from([np.float32, np.float64])``.
    elements : strategy, optional
        Strategy for the values. Default: finite floats in
        ``[min_value, max_value]`` (no NaN, infinity or subnormals) representable
        in the dtype, or integers in that range for integer dtypes.
    requires_grad : bool, default True
        Whether floating-point tensors require grad. Integer and boolean
        tensors never do (they cannot).
    min_value, max_value : float, default -10 and 10
        Range of the default elements. Bounds that the dtype cannot represent
        exactly (``0.1`` in float32) are rounded inwards, so every value stays
        inside the range.
    avoid : iterable of float, optional
        Points to keep away from, such as the kinks of the function under test
        (``avoid=[0.0]`` for ``relu`` and ``abs``). Applies to ``elements`` too.
    margin : float, default 1e-3
        Every value is at least this far from each point in ``avoid``. The
        default is a thousand times :func:`check_gradients`' step, so central
        differences never straddle the kink.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[Tensor]
        Each drawn Tensor owns a fresh array of the given shape and dtype.

    Examples
    --------
    >>> from hypothesis import given
    >>> from autograd.testing import check_gradients, tensors
    >>> @given(tensors(shape=(3,), avoid=[0.0]))
    ... def test_relu(x):
    ...     check_gradients(lambda x: x.relu(), x)
    >>> test_relu()
    """
    st, hnp = _hypothesis()
    points = _check_avoid(avoid, margin)
    shapes = _as_strategy(
        st,
        shape,
        default=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    )
    dtypes = _as_strategy(st, np.float64 if dtype is None else dtype, default=None).map(np.dtype)

    @st.composite
    def draw_tensor(draw: Callable[[Any], Any]) -> Tensor:
        dt = draw(dtypes)
        sh = tuple(draw(shapes))
        elems = (
            elements if elements is not None else _default_elements(st, dt, min_value, max_value)
        )
        arr = draw(hnp.arrays(dt, sh, elements=_avoiding(elems, points, margin)))
        return Tensor(arr, requires_grad=requires_grad and bool(np.issubdtype(dt, np.floating)))

    return draw_tensor()  # type: ignore[no-any-return]


def _as_strategy(st: Any, value: Any, default: Any) -> Any:
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(value)


def broadcastable_shapes(
    num_shapes: int = 2,
    *,
    min_dims: int = 0,
    max_dims: int = 3,
    min_side: int = 1,
    max_side: int = 4,
    base_shape: tuple[int, ...] = (),
) -> SearchStrategy[tuple[tuple[int, ...], ...]]:
    """A hypothesis strategy for ``num_shapes`` shapes that broadcast together.

    Parameters
    ----------
    num_shapes : int, default 2
        How many shapes to draw.
    min_dims, max_dims, min_side, max_side : int
        Bounds on the number of dimensions and on each dimension's size.
    base_shape : tuple of int, default ()
        A shape every drawn shape must broadcast with (as in
        ``hypothesis.extra.numpy.mutually_broadcastable_shapes``).

    Returns
    -------
    hypothesis.strategies.SearchStrategy[tuple[tuple[int, ...], ...]]
        Tuples of ``num_shapes`` shapes; ``np.broadcast_shapes(*shapes)`` is their
        broadcast result.
    """
    _, hnp = _hypothesis()
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes,
        base_shape=base_shape,
        min_dims=min_dims,
        max_dims=max_dims,
        min_side=min_side,
        max_side=max_side,
    ).map(lambda b: tuple(b.input_shapes))  # type: ignore[no-any-return]


def broadcastable_tensors(
    num_tensors: int = 2,
    dtype: DTypeLike | SearchStrategy[Any] = np.float64,
    elements: SearchStrategy[Any] | None = None,
    requires_grad: bool = True,
    *,
    min_value: float = -10.0,
    max_value: float = 10.0,
    avoid: Iterable[float] = (),
    margin: float = 1e-3,
    **shape_options: Any,
) -> SearchStrategy[tuple[Tensor, ...]]:
    """A hypothesis strategy for tuples of Tensors whose shapes broadcast together.

    Parameters
    ----------
    num_tensors : int, default 2
        How many Tensors to draw.
    dtype, elements, requires_grad, min_value, max_value, avoid, margin
        As in :func:`tensors`; one dtype is drawn for the whole tuple.
    **shape_options
        Passed to :func:`broadcastable_shapes` (``min_dims``, ``max_side``, ...).

    Returns
    -------
    hypothesis.strategies.SearchStrategy[tuple[Tensor, ...]]
    """
    st, _ = _hypothesis()
    points = _check_avoid(avoid, margin)
    shapes = broadcastable_shapes(num_tensors, **shape_options)
    dtypes = _as_strategy(st, dtype, default=None)

    @st.composite
    def draw_tuple(draw: Callable[[Any], Any]) -> tuple[Tensor, ...]:
        dt = draw(dtypes)
        return tuple(
            draw(
                tensors(
                    shape=sh,
                    dtype=dt,
                    elements=elements,
                    requires_grad=requires_grad,
                    min_value=min_value,
                    max_value=max_value,
                    avoid=points,
                    margin=margin,
                )
            )
            for sh in draw(shapes)
        )

    return draw_tuple()  # type: ignore[no-any-return]


def _describe(value: Any) -> str:
    if not isinstance(value, Tensor):
        return f"{value!r} ({type(value).__name__}, passed to f unchanged)"
    arr = value.data
    shape = "a scalar" if arr.ndim == 0 else f"shape {arr.shape}"
    grad = "requires grad" if value.requires_grad else "no grad, passed to f unchanged"
    values = np.array2string(arr, threshold=24, edgeitems=3, separator=", ", precision=8)
    values = values.replace("\n", "\n      ")
    return f"Tensor, {shape}, {arr.dtype}, {grad}:\n      {values}"


def check_gradients(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    second_order: bool = False,
    fast_mode: bool = False,
) -> None:
    """Assert that ``f``'s gradients at ``inputs`` match finite differences.

    Runs :func:`autograd.gradcheck` (and :func:`autograd.gradgradcheck` when
    ``second_order=True``) and turns a mismatch into an ``AssertionError``
    whose message starts with the mismatch (where the Jacobians differ most,
    then both Jacobians) and ends with each input's shape, dtype and values.
    pytest shows the message without listing this function's source, and
    hypothesis shrinks to the smallest failing input.

    Parameters
    ----------
    f : callable
        Called as ``f(*inputs)``; returns a Tensor or a tuple of Tensors.
    *inputs
        The arguments. Floating-point Tensors that require grad are checked; the
        rest are passed through.
    eps, atol, rtol : float
        As in :func:`autograd.gradcheck`.
    second_order : bool, default False
        Also check second derivatives.
    fast_mode : bool, default False
        Check random projections instead of full Jacobians (much faster on
        large inputs, less strict); see :func:`autograd.gradcheck`.

    Raises
    ------
    AssertionError
        If a Jacobian (or, with ``second_order``, a second derivative) differs
        from its finite-difference estimate.

    Notes
    -----
    float32 inputs are accepted without the :class:`~autograd.Float32GradcheckWarning`
    that ``gradcheck`` gives: here they are taken to be deliberate (testing a
    float32 code path). The finite differences still run in float64.

    Examples
    --------
    >>> from autograd import Tensor
    >>> from autograd.testing import check_gradients
    >>> check_gradients(lambda a, b: (a * b).sum(), Tensor([1.0, 2.0], requires_grad=True),
    ...                 Tensor([3.0, 4.0], requires_grad=True), second_order=True)
    """
    # pytest then reports the failure from the caller's line, without this
    # function's source.
    __tracebackhide__ = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Float32GradcheckWarning)
        try:
            gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode)
            if second_order:
                gradgradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode)
        except GradcheckError as exc:
            described = "\n".join(f"  input {k}: {_describe(x)}" for k, x in enumerate(inputs))
            raise AssertionError(f"{exc}\ninputs of f:\n{described}") from None
