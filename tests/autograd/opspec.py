"""The row type of the op table, its element domains and its strategies.

Each :class:`OpSpec` row says how to call one operation on Tensors, how NumPy
and PyTorch compute the same thing, where its inputs may safely come from,
which points (kinks, ties) the finite differences must keep away from, which
shapes and parameters it accepts, and, for a fused primitive, the composition
of other primitives it replaces. The rows themselves live in ``op_table.py``
and ``rows/``.

:func:`cases` turns a row into a hypothesis strategy of :class:`Case` values:
float64 arrays in the row's domain plus the drawn parameters.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
from hypothesis import assume

from autograd import Tensor

# Kinks and ties are kept this far away: far beyond the finite-difference step
# (1e-6), so that both sides of a central difference lie on the same branch.
MARGIN = 1e-2

# Sizes are kept small: a Jacobian check costs one backward pass per output
# element and two forward passes per input element.
MAX_DIMS = 3
MAX_SIDE = 3


# ---------------------------------------------------------------------------
# Element domains
# ---------------------------------------------------------------------------


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite floats in ``[lo, hi]``."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def away_from(points: tuple[float, ...], lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats in ``[lo, hi]`` at least ``MARGIN`` away from each of ``points``."""
    edges = sorted(points)
    pieces = []
    start = lo
    for p in edges:
        if p - MARGIN > start:
            pieces.append(floats(start, p - MARGIN))
        start = max(start, p + MARGIN)
    if hi > start:
        pieces.append(floats(start, hi))
    return st.one_of(*pieces)


def grid(step: float, lo: int, hi: int, offset: float = 0.0) -> st.SearchStrategy[float]:
    """Multiples of ``step`` (plus ``offset``): exact in float32, and distinct
    values are at least ``step`` apart, so ties can be ruled out by construction."""
    return st.integers(lo, hi).map(lambda k: k * step + offset)


REAL = floats(-3.0, 3.0)
POSITIVE = floats(0.1, 5.0)
NONZERO = away_from((0.0,), -3.0, 3.0)
FAR_FROM_ZERO = st.one_of(floats(-3.0, -0.5), floats(0.5, 3.0))
# Two grids offset by half a step never meet: maximum(a, b) has no ties.
GRID_A = grid(0.25, -12, 12)
GRID_B = grid(0.25, -12, 12, offset=0.125)
# Unique draws from this grid make a reduction's maximum unique.
GRID_UNIQUE = grid(0.125, -24, 24)
CLIP_BOUNDS = (-0.5, 0.75)


# ---------------------------------------------------------------------------
# The row type
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OpSpec:
    """One operation under test.

    Attributes
    ----------
    name : str
        Test id.
    op : callable
        ``op(*tensors, **params) -> Tensor``.
    ref : callable
        ``ref(*arrays, **params) -> ndarray``: the same computation in NumPy.
    arity : int
        Number of array inputs.
    kind : str
        How input shapes are drawn: ``"elementwise"`` (mutually broadcastable),
        ``"single"`` (one array; reductions, shape ops and indexing draw their
        parameters from its shape), ``"matmul"``, ``"concatenate"``, ``"stack"``,
        ``"linear"`` (x, weight, bias of a fully connected layer), or
        ``"custom"`` (the row's ``shapes`` draws them).
    domains : tuple of strategies
        The elements of each input (one strategy is reused for every input).
    avoid : callable, optional
        ``avoid(*arrays, **params) -> bool``: True when the drawn point is too
        close to a kink or a tie; such draws are rejected. The domains are
        chosen so that this rarely happens; it is the statement of intent.
    smooth : bool
        Twice differentiable on its domain: second derivatives are checked.
    params : callable, optional
        ``params(shapes) -> strategy of dict``: extra arguments (axis, keepdims,
        index, exponent, ...) drawn to suit the input shapes.
    wrt : tuple of bool, optional
        Which inputs are differentiated; the others are constants (e.g. the
        NumPy array on the left of a reflected operator). Default: all.
    unique : bool
        Draw each input with distinct elements (no ties in max/min).
    min_dims : int
        Fewest dimensions of a ``"single"`` input (softmax needs an axis).
    api : tuple of str
        The public API items this row covers (checked against ``API_ITEMS``).
    torch : str or callable, optional
        The same computation in PyTorch: the name of a ``torch`` function
        (``"exp"``, ``"special.erf"``) or a callable on torch tensors with the
        row's signature. Every row has one unless ``torch_missing`` says why.
    torch_missing : str
        Why the row has no PyTorch counterpart.
    torch_differs : str
        Where this library differs from PyTorch on purpose, on hostile inputs:
        the hostile-value comparison of gradients is skipped for the row where
        an input holds NaN (or any non-finite value, with
        ``torch_differs_at="nonfinite"``), and the reason is listed in the README.
    torch_differs_at : str
        ``"nan"`` (the default) or ``"nonfinite"``: which inputs ``torch_differs`` covers.
    shapes : callable, optional
        For ``kind="custom"``: ``shapes(max_dims, max_side) -> strategy of a
        tuple of input shapes`` (``params`` then draws the rest from them).
    composition : callable, optional
        For a fused primitive: the same function written with other
        primitives (``op(*tensors, **params)``'s signature), which the fused
        row must match in value, first and second derivatives.
    """

    name: str
    op: Callable[..., Tensor]
    ref: Callable[..., np.ndarray]
    arity: int
    kind: str
    domains: tuple[st.SearchStrategy[float], ...] = (REAL,)
    avoid: Callable[..., bool] | None = None
    smooth: bool = True
    params: Callable[[tuple[tuple[int, ...], ...]], st.SearchStrategy[dict]] | None = None
    wrt: tuple[bool, ...] | None = None
    unique: bool = False
    min_dims: int = 0
    api: tuple[str, ...] = ()
    torch: str | Callable[..., Any] | None = None
    torch_missing: str = ""
    torch_differs: str = ""
    torch_differs_at: str = "nan"
    composition: Callable[..., Tensor] | None = None
    shapes: Callable[[int, int], st.SearchStrategy[tuple]] | None = None

    def domain(self, i: int) -> st.SearchStrategy[float]:
        return self.domains[i] if i < len(self.domains) else self.domains[-1]

    @property
    def differentiated(self) -> tuple[bool, ...]:
        return self.wrt if self.wrt is not None else (True,) * self.arity

    def __repr__(self) -> str:  # shown by pytest ids and hypothesis reports
        return f"OpSpec({self.name})"


@dataclass
class Case:
    """One drawn example: float64 input arrays and the op's parameters."""

    arrays: tuple[np.ndarray, ...]
    params: dict = field(default_factory=dict)

    def tensors(self, spec: OpSpec, dtype: Any, requires_grad: Any = True) -> list[Tensor]:
        """Fresh Tensors of ``dtype``; ``requires_grad`` is a bool or one per input."""
        flags = (
            requires_grad
            if isinstance(requires_grad, (tuple, list))
            else [requires_grad] * spec.arity
        )
        return [
            Tensor(a.astype(dtype), requires_grad=bool(r and w))
            for a, r, w in zip(self.arrays, flags, spec.differentiated)
        ]


# ---------------------------------------------------------------------------
# Shapes and parameters
# ---------------------------------------------------------------------------


def _single(min_dims: int, max_dims: int, max_side: int) -> st.SearchStrategy:
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max(min_dims, max_dims), min_side=1, max_side=max_side
    ).map(lambda s: (s,))


@st.composite
def _join_shapes(draw: Any, n: int, max_dims: int, max_side: int) -> tuple:
    """Shapes equal except along a drawn axis, and that axis (for concatenate)."""
    base = draw(hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=1, max_side=max_side))
    axis = draw(st.integers(-len(base), len(base) - 1))
    sizes = draw(st.lists(st.integers(1, max_side), min_size=n, max_size=n))
    shapes = []
    for size in sizes:
        s = list(base)
        s[axis] = size
        shapes.append(tuple(s))
    return tuple(shapes), {"axis": axis}


@st.composite
def _stack_shapes(draw: Any, n: int, max_dims: int, max_side: int) -> tuple:
    """Equal shapes and an axis in ``[-(ndim + 1), ndim]`` (for stack)."""
    base = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims - 1, min_side=1, max_side=max_side))
    axis = draw(st.integers(-len(base) - 1, len(base)))
    return (base,) * n, {"axis": axis}


def shapes_for(
    spec: OpSpec, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE
) -> st.SearchStrategy:
    """Strategy of ``(input shapes, params implied by the shapes)`` for a row."""
    if spec.kind == "custom":
        assert spec.shapes is not None, f"{spec.name}: a custom row needs shapes="
        return spec.shapes(max_dims, max_side).map(lambda shapes: (tuple(shapes), {}))
    return _shapes(spec.kind, spec.arity, spec.min_dims, max_dims, max_side)


# Strategies are built once per distinct argument tuple: building one inside
# every draw (validation, lazy wrapping) costs as much as drawing from it.
@functools.cache
def _shapes(kind: str, arity: int, min_dims: int, max_dims: int, max_side: int) -> Any:
    if kind == "linear":
        # x (*batch, in), weight (out, in), bias (out,)
        return st.tuples(
            hnp.array_shapes(min_dims=0, max_dims=max(0, max_dims - 2), max_side=max_side),
            st.integers(1, max_side),
            st.integers(1, max_side),
        ).map(lambda b: (((*b[0], b[1]), (b[2], b[1]), (b[2],))[:arity], {}))
    if kind == "single":
        return _single(min_dims, max_dims, max_side).map(lambda s: (s, {}))
    if kind == "elementwise":
        if arity == 1:
            return _single(0, max_dims, max_side).map(lambda s: (s, {}))
        return hnp.mutually_broadcastable_shapes(
            num_shapes=arity, min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side
        ).map(lambda b: (tuple(b.input_shapes), {}))
    if kind == "matmul":
        # NumPy's gufunc signature for matmul: optional m and p cover 1-D operands.
        return hnp.mutually_broadcastable_shapes(
            signature="(m?,n),(n,p?)->(m?,p?)", max_dims=max_dims - 2, max_side=max_side
        ).map(lambda b: (tuple(b.input_shapes), {}))
    if kind == "concatenate":
        return _join_shapes(arity, max_dims, max_side)
    if kind == "stack":
        return _stack_shapes(arity, max_dims, max_side)
    raise ValueError(f"unknown shape kind {kind!r}")


@functools.cache
def _params(make: Callable, shapes: tuple) -> Any:
    return make(shapes)


@functools.cache
def _array(shape: tuple[int, ...], elements: Any, unique: bool) -> Any:
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique)


def reduce_params(shapes: tuple) -> st.SearchStrategy[dict]:
    """``axis`` as absent, None, an int or a tuple (possibly empty), and ``keepdims``."""
    ndim = len(shapes[0])
    axes = [st.none(), hnp.valid_tuple_axes(ndim)]
    if ndim:
        axes.append(st.integers(-ndim, ndim - 1))
    return st.fixed_dictionaries({}, optional={"axis": st.one_of(*axes), "keepdims": st.booleans()})


def one_axis_params(shapes: tuple) -> st.SearchStrategy[dict]:
    """A single ``axis`` (or none given, meaning the default -1)."""
    ndim = len(shapes[0])
    return st.fixed_dictionaries({}, optional={"axis": st.integers(-ndim, ndim - 1)})


def _prime_factors(n: int) -> list[int]:
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


@st.composite
def reshape_params(draw: Any, shapes: tuple) -> dict:
    """A target shape with the same size (maybe with one -1), as a tuple or varargs."""
    size = math.prod(shapes[0])
    ndim = draw(st.integers(0 if size == 1 else 1, 3))
    dims = [1] * ndim
    for f in _prime_factors(size):
        dims[draw(st.integers(0, ndim - 1))] *= f
    if ndim and draw(st.booleans()):
        dims[draw(st.integers(0, ndim - 1))] = -1
    return {"shape": tuple(dims), "varargs": bool(ndim) and draw(st.booleans())}


def transpose_params(shapes: tuple) -> st.SearchStrategy[dict]:
    ndim = len(shapes[0])
    return st.fixed_dictionaries(
        {"axes": st.permutations(range(ndim)).map(tuple), "varargs": st.booleans()}
    )


def swap_params(shapes: tuple) -> st.SearchStrategy[dict]:
    ndim = len(shapes[0])
    dim = st.integers(-ndim, ndim - 1)
    return st.fixed_dictionaries({"d0": dim, "d1": dim})


def basic_index_params(shapes: tuple) -> st.SearchStrategy[dict]:
    """Integers, slices (any step), Ellipsis and None."""
    return st.fixed_dictionaries(
        {"index": hnp.basic_indices(shapes[0], min_dims=0, allow_newaxis=True)}
    )


def int_array_index_params(shapes: tuple) -> st.SearchStrategy[dict]:
    """One integer array per axis; repeated entries are common (they must accumulate)."""
    return st.fixed_dictionaries(
        {
            "index": hnp.integer_array_indices(
                shapes[0], result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)
            )
        }
    )


@st.composite
def axis0_index_params(draw: Any, shapes: tuple) -> dict:
    """An integer array (with repeats, negative entries) along the first axis."""
    n = shapes[0][0]
    idx = draw(hnp.arrays(np.intp, st.integers(1, 5), elements=st.integers(-n, n - 1)))
    return {"index": idx}


@st.composite
def mask_index_params(draw: Any, shapes: tuple) -> dict:
    """A boolean mask over the leading ``k`` axes (``k`` may be 0 or all)."""
    shape = shapes[0]
    k = draw(st.integers(0, len(shape)))
    return {"index": draw(hnp.arrays(np.bool_, shape[:k]))}


@st.composite
def mixed_index_params(draw: Any, shapes: tuple) -> dict:
    """A slice on the first axis and an integer array on the second."""
    n0, n1 = shapes[0][:2]
    start = draw(st.none() | st.integers(-n0, n0))
    step = draw(st.sampled_from([None, 1, 2, -1]))
    idx = draw(hnp.arrays(np.intp, st.integers(1, 4), elements=st.integers(-n1, n1 - 1)))
    return {"index": (slice(start, None, step), idx)}


def clip_params(shapes: tuple) -> st.SearchStrategy[dict]:
    lo, hi = CLIP_BOUNDS
    return st.sampled_from([{"lo": lo, "hi": hi}, {"lo": lo, "hi": None}, {"lo": None, "hi": hi}])


def exponent_params(exponents: list[float]) -> Callable[[tuple], st.SearchStrategy[dict]]:
    return lambda shapes: st.fixed_dictionaries({"p": st.sampled_from(exponents)})


# ---------------------------------------------------------------------------
# Case strategy
# ---------------------------------------------------------------------------


@st.composite
def cases(draw: Any, spec: OpSpec, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE) -> Case:
    """Draw input arrays (float64, in the row's domains) and parameters for ``spec``."""
    shapes, params = draw(shapes_for(spec, max_dims, max_side))
    if spec.params is not None:
        params = {**params, **draw(_params(spec.params, shapes))}
    arrays = tuple(
        draw(_array(shape, spec.domain(i), spec.unique)) for i, shape in enumerate(shapes)
    )
    if spec.avoid is not None:
        assume(not spec.avoid(*arrays, **params))
    return Case(arrays, params)


# ---------------------------------------------------------------------------
# Kinks and ties
# ---------------------------------------------------------------------------


def near(points: tuple[float, ...]) -> Callable[..., bool]:
    """An ``avoid`` rule: some element of the first input is near one of ``points``."""

    def avoid(x: np.ndarray, *rest: Any, **params: Any) -> bool:
        return any(bool(np.any(np.abs(x - p) < MARGIN)) for p in points)

    return avoid


def ties_between(a: np.ndarray, b: np.ndarray, **params: Any) -> bool:
    return bool(np.any(np.abs(a - b) < MARGIN))


def ties_within(x: np.ndarray, **params: Any) -> bool:
    flat = np.sort(x.reshape(-1))
    return bool(np.any(np.diff(flat) < MARGIN))


# ---------------------------------------------------------------------------
# NumPy references
# ---------------------------------------------------------------------------


def axis_kw(params: dict) -> dict:
    return {k: params[k] for k in ("axis", "keepdims") if k in params}


def np_logsumexp(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def np_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def np_log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def reshape_call(x: Any, shape: tuple, varargs: bool) -> Any:
    return x.reshape(*shape) if varargs else x.reshape(shape)


def transpose_call(x: Any, axes: tuple, varargs: bool) -> Any:
    """A permutation spelled ``permute(*axes)`` or NumPy's ``transpose(axes)``."""
    return x.permute(*axes) if varargs else x.transpose(axes)


def unary_row(name: str, op: Callable, ref: Callable, domain: Any = REAL, **kw: Any) -> OpSpec:
    return OpSpec(name, op, ref, 1, "elementwise", (domain,), **kw)


def binary_row(name: str, op: Callable, ref: Callable, *domains: Any, **kw: Any) -> OpSpec:
    return OpSpec(name, op, ref, 2, "elementwise", domains or (REAL,), **kw)


def reduction_row(name: str, method: str, ref: Callable, **kw: Any) -> OpSpec:
    return OpSpec(
        name,
        lambda x, **p: getattr(x, method)(**p),
        lambda x, **p: ref(x, **axis_kw(p)),
        1,
        "single",
        params=reduce_params,
        **kw,
    )
