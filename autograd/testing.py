"""Helpers for property-based gradient tests of your own code.

``tensors`` and ``broadcastable_shapes`` are `hypothesis`_ strategies;
``check_gradients`` turns "the gradient of this function matches finite
differences" into one line inside a ``@given`` test::

    from hypothesis import given
    from autograd.testing import check_gradients, tensors

    @given(tensors(shape=(3, 4)), tensors(shape=(4,)))
    def test_my_layer_gradients(x, w):
        check_gradients(lambda x, w: (x @ w).tanh(), x, w)

The strategies need hypothesis (``pip install scratchgrad[test]``); it is
imported when a strategy is built, so ``import autograd`` never needs it.
``check_gradients`` does not need hypothesis and also works in plain tests.

.. _hypothesis: https://hypothesis.readthedocs.io
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.gradcheck import (
    Float32GradcheckWarning,
    GradcheckError,
    gradcheck,
    gradgradcheck,
)
from autograd.tensor import Tensor

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
            "autograd.testing strategies need hypothesis: pip install 'scratchgrad[test]' "
            "(or pip install hypothesis)"
        ) from exc
    return st, hnp


def _default_elements(st: Any, dtype: np.dtype, min_value: float, max_value: float) -> Any:
    if np.issubdtype(dtype, np.floating):
        return st.floats(
            min_value,
            max_value,
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


def tensors(
    shape: Any = None,
    dtype: Any = np.float64,
    elements: Any = None,
    requires_grad: bool = True,
    *,
    min_value: float = -10.0,
    max_value: float = 10.0,
) -> Any:
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
        Range of the default elements.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[Tensor]
        Each drawn Tensor owns a fresh array of the given shape and dtype.
    """
    st, hnp = _hypothesis()
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
        arr = draw(hnp.arrays(dt, sh, elements=elems))
        return Tensor(arr, requires_grad=requires_grad and bool(np.issubdtype(dt, np.floating)))

    return draw_tensor()


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
) -> Any:
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
    ).map(lambda b: tuple(b.input_shapes))


def broadcastable_tensors(
    num_tensors: int = 2,
    dtype: Any = np.float64,
    elements: Any = None,
    requires_grad: bool = True,
    *,
    min_value: float = -10.0,
    max_value: float = 10.0,
    **shape_options: Any,
) -> Any:
    """A hypothesis strategy for tuples of Tensors whose shapes broadcast together.

    Parameters
    ----------
    num_tensors : int, default 2
        How many Tensors to draw.
    dtype, elements, requires_grad, min_value, max_value
        As in :func:`tensors`; one dtype is drawn for the whole tuple.
    **shape_options
        Passed to :func:`broadcastable_shapes` (``min_dims``, ``max_side``, ...).

    Returns
    -------
    hypothesis.strategies.SearchStrategy[tuple[Tensor, ...]]
    """
    st, _ = _hypothesis()
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
                )
            )
            for sh in draw(shapes)
        )

    return draw_tuple()


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
    carrying the full report, so that pytest and hypothesis show it and
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

    Notes
    -----
    float32 inputs are accepted without the :class:`Float32GradcheckWarning`
    that ``gradcheck`` gives: here they are taken to be deliberate (testing a
    float32 code path). The finite differences still run in float64.

    Examples
    --------
    >>> from autograd import Tensor
    >>> from autograd.testing import check_gradients
    >>> check_gradients(lambda a, b: (a * b).sum(), Tensor([1.0, 2.0], requires_grad=True),
    ...                 Tensor([3.0, 4.0], requires_grad=True), second_order=True)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Float32GradcheckWarning)
        try:
            gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode)
            if second_order:
                gradgradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode)
        except GradcheckError as exc:
            shapes = ", ".join(
                f"{tuple(x.shape)} {x.dtype}" if isinstance(x, Tensor) else repr(x) for x in inputs
            )
            raise AssertionError(f"{exc}\ninputs: {shapes}") from None
