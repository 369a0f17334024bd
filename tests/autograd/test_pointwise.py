"""Pointwise ops outside the op table: tests, comparisons, logic and bit
operations (boolean or integer results, no gradient), integer semantics of
the rounded divisions, and the aliases (NumPy's spellings, module-level
functions), each compared with PyTorch on hostile values: NaN, infinities,
signed zeros, empty and 0-d arrays.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")

HOSTILE = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.5, 0.5, 3.0])
OTHER = np.array([np.nan, np.inf, np.inf, -0.0, 0.0, 1.0 + 1e-9, -1.5, -0.5, np.nan])

# Hostile floats in the shapes that break code: 0-d, empty, 1-d, 2-d.
FLOAT_INPUTS = [
    np.array(np.nan),
    np.array(-0.0),
    np.array(np.inf),
    np.zeros((0,)),
    np.zeros((2, 0)),
    HOSTILE,
    HOSTILE.reshape(3, 3),
]
INTS = np.array([-7, -2, -1, 0, 1, 3, 8], dtype=np.int64)
INT_DIVISORS = np.array([3, -2, 5, 7, -1, 2, -3], dtype=np.int64)


def check(ours: Tensor, theirs: Any) -> None:
    """Same values (NaN where torch has NaN), shape and dtype kind as PyTorch."""
    expected = theirs.numpy() if hasattr(theirs, "numpy") else np.asarray(theirs)
    assert isinstance(ours, Tensor)
    assert ours.shape == expected.shape
    assert ours.dtype.kind == expected.dtype.kind, (ours.dtype, expected.dtype)
    np.testing.assert_array_equal(ours.data, expected)


# ---------------------------------------------------------------------------
# Tests of values: isnan, isinf, ...
# ---------------------------------------------------------------------------

PREDICATES = ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit"]


@pytest.mark.parametrize("name", PREDICATES)
@pytest.mark.parametrize("x", FLOAT_INPUTS, ids=lambda a: f"shape{a.shape}")
def test_predicates_match_torch(name: str, x: np.ndarray) -> None:
    for dtype in (np.float64, np.float32):
        t = Tensor(x.astype(dtype), requires_grad=True)
        out = getattr(t, name)()
        check(out, getattr(torch, name)(torch.from_numpy(x.astype(dtype))))
        assert out.dtype == np.bool_ and not out.requires_grad
        check(getattr(ag, name)(x.astype(dtype)), getattr(torch, name)(torch.from_numpy(x)))


@pytest.mark.parametrize("name", PREDICATES)
def test_predicates_on_integers_match_torch(name: str) -> None:
    check(getattr(Tensor(INTS), name)(), getattr(torch, name)(torch.from_numpy(INTS)))


def test_signbit_sees_negative_zero() -> None:
    np.testing.assert_array_equal(Tensor([-0.0, 0.0]).signbit().data, [True, False])


# ---------------------------------------------------------------------------
# Comparisons as methods, isclose, allclose, equal
# ---------------------------------------------------------------------------

COMPARISONS = {
    "eq": "eq",
    "ne": "ne",
    "lt": "lt",
    "le": "le",
    "gt": "gt",
    "ge": "ge",
    "not_equal": "ne",
    "less": "lt",
    "less_equal": "le",
    "greater": "gt",
    "greater_equal": "ge",
}


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparison_methods_match_torch(name: str) -> None:
    a, b = Tensor(HOSTILE), Tensor(OTHER)
    expected = getattr(torch, COMPARISONS[name])(torch.from_numpy(HOSTILE), torch.from_numpy(OTHER))
    check(getattr(a, name)(b), expected)
    check(getattr(ag, name)(HOSTILE, b), expected)
    # A scalar operand and a broadcast row.
    check(getattr(a, name)(0.5), getattr(torch, COMPARISONS[name])(torch.from_numpy(HOSTILE), 0.5))
    grid = HOSTILE.reshape(3, 3)
    check(
        getattr(Tensor(grid), name)(Tensor(grid[0])),
        getattr(torch, COMPARISONS[name])(torch.from_numpy(grid), torch.from_numpy(grid[0])),
    )


@pytest.mark.parametrize(
    "kw",
    [{}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 1e-3, "atol": 1e-1}],
    ids=repr,
)
def test_isclose_and_allclose_match_torch(kw: dict) -> None:
    a, b = torch.from_numpy(HOSTILE), torch.from_numpy(OTHER)
    check(Tensor(HOSTILE).isclose(OTHER, **kw), torch.isclose(a, b, **kw))
    check(ag.isclose(HOSTILE, Tensor(OTHER), **kw), torch.isclose(a, b, **kw))
    finite = np.isfinite(HOSTILE) & np.isfinite(OTHER)
    assert Tensor(HOSTILE[finite]).allclose(OTHER[finite], **kw) == torch.allclose(
        a[finite], b[finite], **kw
    )
    assert Tensor(HOSTILE).allclose(Tensor(OTHER), **kw) == torch.allclose(a, b, **kw)
    same = torch.allclose(a, a, **kw)
    assert ag.allclose(HOSTILE, Tensor(HOSTILE), **kw) is same


def test_isclose_of_empty_and_0d_match_torch() -> None:
    for x in (np.zeros((0,)), np.zeros((2, 0)), np.array(1.0), np.array(np.nan)):
        check(Tensor(x).isclose(Tensor(x)), torch.isclose(torch.from_numpy(x), torch.from_numpy(x)))
        assert Tensor(x).allclose(x) == torch.allclose(torch.from_numpy(x), torch.from_numpy(x))


def test_equal_matches_torch() -> None:
    x = torch.from_numpy(HOSTILE)
    for a, b in [(HOSTILE, HOSTILE), (HOSTILE[1:], HOSTILE[1:]), (HOSTILE[:3], HOSTILE[:2])]:
        assert Tensor(a).equal(Tensor(b)) == torch.equal(torch.from_numpy(a), torch.from_numpy(b))
    assert Tensor([1.0, 2.0]).equal([1.0, 2.0]) is True
    assert ag.equal(np.zeros((0,)), Tensor(np.zeros((0,)))) == torch.equal(x[:0], x[:0])


# ---------------------------------------------------------------------------
# Logic
# ---------------------------------------------------------------------------

LOGIC = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", LOGIC)
def test_logical_ops_match_torch(name: str) -> None:
    fn = getattr(torch, name)
    a, b = torch.from_numpy(HOSTILE), torch.from_numpy(OTHER)
    check(getattr(Tensor(HOSTILE), name)(Tensor(OTHER)), fn(a, b))
    check(getattr(ag, name)(HOSTILE, OTHER), fn(a, b))
    ints = torch.from_numpy(INTS)
    check(getattr(Tensor(INTS), name)(Tensor(HOSTILE[:7])), fn(ints, a[:7]))
    check(getattr(Tensor(np.zeros((2, 0))), name)(np.zeros((0,))), fn(a[:0].reshape(2, 0), a[:0]))
    check(getattr(Tensor(np.array(np.nan)), name)(0.0), fn(torch.tensor(np.nan), torch.tensor(0.0)))


def test_logical_not_matches_torch() -> None:
    for x in [*FLOAT_INPUTS, INTS, np.array([True, False])]:
        check(Tensor(x).logical_not(), torch.logical_not(torch.from_numpy(x)))
        check(ag.logical_not(x), torch.logical_not(torch.from_numpy(x)))


# ---------------------------------------------------------------------------
# Bit operations
# ---------------------------------------------------------------------------

BITWISE = {
    "bitwise_and": ("__and__", "__rand__"),
    "bitwise_or": ("__or__", "__ror__"),
    "bitwise_xor": ("__xor__", "__rxor__"),
    "bitwise_left_shift": ("__lshift__", "__rlshift__"),
    "bitwise_right_shift": ("__rshift__", "__rrshift__"),
}
SHIFTS = np.array([0, 1, 2, 3, 1, 0, 4], dtype=np.int64)


@pytest.mark.parametrize("name", sorted(BITWISE))
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_bitwise_ops_match_torch(name: str, dtype: Any) -> None:
    a = (np.abs(INTS) if dtype == np.uint8 else INTS).astype(dtype)
    b = (SHIFTS if "shift" in name else INT_DIVISORS % 7).astype(dtype)
    fn = getattr(torch, name)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    op, rop = BITWISE[name]
    check(getattr(Tensor(a), name)(Tensor(b)), fn(ta, tb))
    check(getattr(Tensor(a), op)(Tensor(b)), fn(ta, tb))
    check(getattr(ag, name)(a, Tensor(b)), fn(ta, tb))
    # A Python int on either side, and an array on the left of the operator.
    check(getattr(Tensor(a), op)(2), fn(ta, 2))
    check(getattr(Tensor(b), rop)(3), fn(torch.tensor(3, dtype=tb.dtype), tb))
    check(
        getattr(operator, op.strip("_") + ("_" if op in ("__and__", "__or__") else ""))(
            a, Tensor(b)
        ),
        fn(ta, tb),
    )
    assert getattr(Tensor(a[:0]), op)(Tensor(b[:0])).shape == (0,)
    check(getattr(Tensor(a[3]), op)(Tensor(b[3])), fn(ta[3], tb[3]))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
def test_bitwise_ops_on_booleans_match_torch(name: str) -> None:
    a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    check(
        getattr(Tensor(a), name)(b), getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
    )
    op = BITWISE[name][0]
    check(getattr(Tensor(a), op)(True), getattr(torch, name)(torch.from_numpy(a), True))


def test_bitwise_not_and_invert_match_torch() -> None:
    for x in (INTS, INTS.astype(np.int8), np.array([True, False]), np.array(5), INTS[:0]):
        expected = torch.bitwise_not(torch.from_numpy(x))
        check(Tensor(x).bitwise_not(), expected)
        check(~Tensor(x), expected)
        check(ag.bitwise_not(x), expected)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t & t,
        lambda t: t | 1,
        lambda t: 1 ^ t,
        lambda t: ~t,
        lambda t: t << 1,
        lambda t: t.bitwise_right_shift(1),
    ],
)
def test_bitwise_ops_refuse_floats(call: Any) -> None:
    t = Tensor([1.0, 2.0])
    with pytest.raises(
        TypeError, match=r"bitwise_\w+: expected integer or boolean tensors.*float64"
    ):
        call(t)
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


# ---------------------------------------------------------------------------
# Rounded divisions and remainders on integers; division by zero
# ---------------------------------------------------------------------------

INT_DIVISIONS = {
    "floor_divide": lambda a, b: a.floor_divide(b),
    "//": lambda a, b: a // b,
    "remainder": lambda a, b: a.remainder(b),
    "%": lambda a, b: a % b,
    "fmod": lambda a, b: a.fmod(b),
    "div_trunc": lambda a, b: a.div(b, rounding_mode="trunc"),
    "div_floor": lambda a, b: a.div(b, rounding_mode="floor"),
    "div": lambda a, b: a.div(b),
    "true_divide": lambda a, b: a.true_divide(b),
}


@pytest.mark.parametrize("name", sorted(INT_DIVISIONS))
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_divisions_match_torch(name: str, dtype: Any) -> None:
    call = INT_DIVISIONS[name]
    a, b = INTS.astype(dtype), INT_DIVISORS.astype(dtype)
    ours = call(Tensor(a), Tensor(b))
    theirs = call(torch.from_numpy(a), torch.from_numpy(b))
    assert ours.dtype.kind == theirs.numpy().dtype.kind
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-7)
    if ours.dtype.kind == "i":
        assert ours.dtype == dtype
    # A Python int divisor, and (for the operators) a dividend on the left.
    np.testing.assert_allclose(call(Tensor(a), 3).data, call(torch.from_numpy(a), 3).numpy())
    if name in ("//", "%"):
        np.testing.assert_array_equal(call(7, Tensor(b)).data, call(7, torch.from_numpy(b)).numpy())
        np.testing.assert_array_equal(call(a, Tensor(b)).data, theirs.numpy())


@pytest.mark.parametrize(
    "name", ["floor_divide", "//", "remainder", "%", "fmod", "div_trunc", "div_floor"]
)
def test_integer_division_by_zero_is_an_error_as_in_torch(name: str) -> None:
    call = INT_DIVISIONS[name]
    a, b = Tensor(INTS), Tensor(np.array([1, 0, 2, 0, 1, 1, 1]))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        call(torch.from_numpy(a.data), torch.from_numpy(b.data))
    with pytest.raises(ZeroDivisionError, match=r"integer division by zero \(2 zero elements"):
        call(a, b)
    np.testing.assert_array_equal(a.data, INTS)
    with pytest.raises(ZeroDivisionError):
        call(a, 0)


FLOAT_DIVISIONS = ["floor_divide", "//", "remainder", "%", "fmod", "div_trunc", "div_floor"]


@pytest.mark.parametrize("name", FLOAT_DIVISIONS)
def test_float_divisions_by_zero_and_inf_match_torch(name: str) -> None:
    call = INT_DIVISIONS[name]
    a = np.repeat(HOSTILE, HOSTILE.size)
    b = np.tile(HOSTILE, HOSTILE.size)
    with np.errstate(all="ignore"):
        ours = call(Tensor(a), Tensor(b))
    theirs = call(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    np.testing.assert_array_equal(ours.data, theirs)
    # Signed zeros too: remainder(-0.0, 1.0) is -0.0 in PyTorch (NumPy: 0.0).
    zeros = theirs == 0
    np.testing.assert_array_equal(np.signbit(ours.data[zeros]), np.signbit(theirs[zeros]))


def test_div_refuses_an_unknown_rounding_mode() -> None:
    with pytest.raises(ValueError, match="rounding_mode to be one of None, 'trunc', or 'floor'"):
        Tensor([1.0]).div(2.0, rounding_mode="round")


# ---------------------------------------------------------------------------
# dtypes: integers through rounding and floating functions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "sign"])
def test_rounding_keeps_integer_dtypes_as_torch(name: str) -> None:
    for dtype in (np.int64, np.int32):
        x = INTS.astype(dtype)
        ours = getattr(Tensor(x), name)()
        check(ours, getattr(torch, name)(torch.from_numpy(x)))
        assert ours.dtype == dtype


FLOATING = ["sin", "cos", "tan", "atan", "sinh", "expm1", "log1p", "exp2", "reciprocal", "rsqrt"]


@pytest.mark.parametrize("name", FLOATING)
def test_floating_functions_promote_integers_to_the_default_dtype(name: str) -> None:
    x = np.array([1, 2, 3])
    out = getattr(Tensor(x), name)()
    assert out.dtype == ag.get_default_dtype()
    np.testing.assert_allclose(
        out.data, getattr(torch, name)(torch.from_numpy(x).double()).numpy(), rtol=1e-12
    )


def test_sign_of_nan_is_zero_as_in_torch() -> None:
    x = np.array([np.nan, -0.0, 0.0, -np.inf, 2.0])
    check(Tensor(x).sign(), torch.sign(torch.from_numpy(x)))
    check(Tensor(x).sgn(), torch.sgn(torch.from_numpy(x)))


def test_round_halves_to_even_as_torch() -> None:
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.25, 1.125, np.nan, np.inf])
    for decimals in (0, 1, 2, -1):
        np.testing.assert_array_equal(
            Tensor(x).round(decimals).data, torch.round(torch.from_numpy(x), decimals=decimals)
        )


# ---------------------------------------------------------------------------
# Aliases and module-level functions: the same values and gradients
# ---------------------------------------------------------------------------

ALIASES = [
    ("arcsin", "asin"),
    ("arccos", "acos"),
    ("arctan", "atan"),
    ("arcsinh", "asinh"),
    ("arccosh", "acosh"),
    ("arctanh", "atanh"),
    ("negative", "neg"),
    ("absolute", "abs"),
    ("fabs", "abs"),
    ("fix", "trunc"),
    ("sgn", "sign"),
    ("rad2deg", None),
    ("positive", None),
]


@pytest.mark.parametrize(("alias", "name"), ALIASES)
def test_unary_aliases_and_functions_match_torch(alias: str, name: str | None) -> None:
    x = np.array([0.5, -0.25, 1.5, 2.0, -3.0])
    if alias in ("arccosh",):
        x = np.abs(x) + 1.0
    elif alias in ("arcsin", "arccos", "arctanh"):
        x = x / 4.0
    ours = Tensor(x, requires_grad=True)
    out = getattr(ours, alias)()
    theirs = torch.tensor(x, requires_grad=True)
    # fabs is NumPy's alone: PyTorch's abs is its counterpart.
    expected = getattr(torch, alias if hasattr(torch, alias) else name)(theirs)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(getattr(ag, alias)(x).data, out.data)
    if name is not None:
        np.testing.assert_array_equal(getattr(Tensor(x), name)().data, out.data)
    seed = np.linspace(0.5, 1.5, x.size)
    (g,) = ag.grad(out, [ours], seed, allow_unused=True)
    (w,) = torch.autograd.grad(expected, [theirs], torch.from_numpy(seed), allow_unused=True)
    np.testing.assert_allclose(g.data, w.numpy(force=True), rtol=1e-12)


BINARY_ALIASES = [
    ("arctan2", "atan2"),
    ("subtract", "sub"),
    ("multiply", "mul"),
    ("divide", "div"),
    ("true_divide", "div"),
    ("mod", "remainder"),
    ("power", "pow"),
]


@pytest.mark.parametrize(("alias", "name"), BINARY_ALIASES)
def test_binary_aliases_and_functions(alias: str, name: str) -> None:
    a = np.array([0.5, -1.25, 1.5, 2.0])
    b = np.array([1.5, 0.75, -2.0, 3.0])
    if name == "pow":
        a = np.abs(a)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = getattr(x, alias)(y)
    expected = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    np.testing.assert_allclose(getattr(ag, alias)(a, y).data, expected, rtol=1e-12)
    got = ag.grad(out, [x, y], np.linspace(0.5, 1.5, a.size))
    want = ag.grad(getattr(x, name)(y), [x, y], np.linspace(0.5, 1.5, a.size))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.data, w.data)


def test_module_functions_take_arrays_and_scalars_and_keep_float32() -> None:
    x = Tensor(np.array([0.5, 2.0], dtype=np.float32), requires_grad=True)
    assert ag.atan2(1.0, x).dtype == np.float32
    assert ag.pow(2.0, x).dtype == np.float32
    assert ag.hypot(x, 1.0).dtype == np.float32
    assert ag.sin(np.array([1.0, 2.0])).dtype == np.float64
    np.testing.assert_allclose(ag.sin(0.5).data, np.sin(0.5))
    assert ag.sin(0.5).shape == ()
    np.testing.assert_allclose(ag.lerp(0.0, x, 0.5).data, x.data / 2)
    assert {"sin", "atan2", "floor_divide", "bitwise_xor", "isclose", "pow"} <= set(ag.__all__)


def test_pow_method_with_scalar_and_tensor_exponents() -> None:
    x = Tensor([0.5, 2.0], requires_grad=True)
    np.testing.assert_allclose(x.pow(3).data, x.data**3)
    assert x.pow(3).grad_fn.name == "PowScalar"
    assert x.pow(Tensor([2.0, 1.0])).grad_fn.name == "Pow"
    (g,) = ag.grad(x.pow(3).sum(), [x])
    np.testing.assert_allclose(g.data, 3 * x.data**2)


def test_add_and_sub_with_alpha_match_torch() -> None:
    a, b = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    for alpha in (2, -0.5):
        np.testing.assert_allclose(
            Tensor(a).add(b, alpha=alpha).data,
            torch.add(torch.tensor(a), torch.tensor(b), alpha=alpha),
        )
        np.testing.assert_allclose(
            ag.sub(a, Tensor(b), alpha=alpha).data,
            torch.sub(torch.tensor(a), torch.tensor(b), alpha=alpha),
        )


# ---------------------------------------------------------------------------
# Regressions
# ---------------------------------------------------------------------------


def test_atan2_gradient_at_the_origin_is_zero_as_in_torch() -> None:
    # a**2 + b**2 = 0 (the origin, or an underflow): 0 rather than 0 * inf = NaN.
    y = Tensor([0.0, 1e-200, 1.0], requires_grad=True)
    x = Tensor([0.0, 1e-200, 0.0], requires_grad=True)
    gy, gx = ag.grad(ag.atan2(y, x).sum(), [y, x])
    np.testing.assert_array_equal(gy.data, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(gx.data, [0.0, 0.0, -1.0])
    # ... and differentiating the gradient again leaks no NaN from the masked branch.
    gy, _ = ag.grad(ag.atan2(y, x).sum(), [y, x], create_graph=True)
    (h,) = ag.grad(gy.sum(), [x])
    assert np.isfinite(h.data[:2]).all()


def test_lerp_with_weight_one_gives_the_end_exactly() -> None:
    a, b = np.array([1.0, 0.1, -2.0]), np.array([np.inf, 0.7, 3.0])
    expected = torch.lerp(torch.from_numpy(a), torch.from_numpy(b), 1.0)
    np.testing.assert_array_equal(Tensor(a).lerp(b, 1.0).data, expected.numpy())
    np.testing.assert_array_equal(Tensor(a).lerp(b, 1.0).data[1:], b[1:])


def test_heaviside_matches_torch_on_hostile_values() -> None:
    x = np.repeat(HOSTILE, 3)
    v = np.tile([0.5, np.nan, -2.0], HOSTILE.size)
    check(Tensor(x).heaviside(v), torch.heaviside(torch.from_numpy(x), torch.from_numpy(v)))
    check(
        ag.heaviside(x[:0], Tensor(v[:0])),
        torch.heaviside(torch.from_numpy(x[:0]), torch.from_numpy(v[:0])),
    )
    check(
        Tensor(np.array(0.0)).heaviside(0.25),
        torch.heaviside(
            torch.tensor(0.0, dtype=torch.float64), torch.tensor(0.25, dtype=torch.float64)
        ),
    )
    t = Tensor(x, requires_grad=True)
    (g,) = ag.grad(t.heaviside(0.5), [t], np.ones(x.size))
    np.testing.assert_array_equal(g.data, np.zeros(x.size))


def test_inputs_that_are_read_only_or_not_contiguous_give_the_same_results() -> None:
    base = np.linspace(-0.9, 0.9, 12).reshape(3, 4)
    strided = base.T[::2]
    frozen = base.copy()
    frozen.flags.writeable = False
    for x in (strided, frozen):
        for name in ("sin", "atanh", "floor", "expm1", "logit", "sign", "isnan", "logical_not"):
            ours = getattr(Tensor(x), name)()
            np.testing.assert_array_equal(ours.data, getattr(Tensor(x.copy()), name)().data)
        t = Tensor(x, requires_grad=True)
        (g,) = ag.grad(ag.atan2(t, 0.5).sum() + t.fmod(0.3).sum(), [t])
        want = torch.autograd.grad(
            (
                torch.atan2(
                    u := torch.tensor(x.copy(), requires_grad=True),
                    torch.tensor(0.5, dtype=torch.float64),
                ).sum()
                + torch.fmod(u, 0.3).sum()
            ),
            [u],
        )[0]
        np.testing.assert_allclose(g.data, want.numpy(), rtol=1e-12)


def test_logit_edges_match_torch() -> None:
    x = np.array([0.0, -0.0, 1.0, -0.5, 1.5, np.nan, 0.5, 0.05, 0.99])
    for eps in (None, 0.1):
        ours = Tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        with np.errstate(all="ignore"):
            out = ours.logit(eps)
            (g,) = ag.grad(out, [ours], np.linspace(0.5, 1.5, x.size))
        expected = torch.logit(theirs, eps=eps)
        (w,) = torch.autograd.grad(
            expected, [theirs], torch.linspace(0.5, 1.5, x.size, dtype=torch.float64)
        )
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(g.data, w.numpy(), rtol=1e-12)


def test_float_power_computes_in_float64_as_torch() -> None:
    a = np.array([0.5, 2.0, 3.0], dtype=np.float32)
    x = Tensor(a, requires_grad=True)
    out = x.float_power(Tensor(np.array([2.0, -1.0, 0.5], dtype=np.float32)))
    tx = torch.tensor(a, requires_grad=True)
    expected = tx.float_power(torch.tensor([2.0, -1.0, 0.5]))
    assert out.dtype == np.float64 and expected.dtype == torch.float64
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ag.float_power(2, x).data, torch.float_power(2, tx).detach().numpy())


def test_ldexp_matches_torch() -> None:
    a = np.concatenate([HOSTILE, [1.5, -2.0]])
    e = np.array([1, 2, 3, -1, 0, 4, 2, -3, 1, 60, -60])
    for dtype in (np.float64, np.float32):
        x = Tensor(a.astype(dtype), requires_grad=True)
        tx = torch.tensor(a.astype(dtype), requires_grad=True)
        out, expected = x.ldexp(e), torch.ldexp(tx, torch.from_numpy(e))
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-6)
        (g,) = ag.grad(out.sum(), [x])
        # PyTorch's rule for an integer exponent gives 0 where it is negative
        # (2 ** -1 in integers); with a float exponent it gives 2 ** other.
        (w,) = torch.autograd.grad(torch.ldexp(tx, torch.from_numpy(e).to(tx.dtype)).sum(), [tx])
        np.testing.assert_allclose(g.data, w.numpy(), rtol=1e-6)
        np.testing.assert_allclose(g.data, 2.0 ** e.astype(dtype), rtol=1e-6)


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_and_lcm_match_torch(name: str) -> None:
    a, b = INTS, INT_DIVISORS * 2
    check(
        getattr(Tensor(a), name)(b), getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
    )
    check(
        getattr(ag, name)(a[:0], Tensor(b[:0])),
        getattr(torch, name)(torch.from_numpy(a[:0]), torch.from_numpy(b[:0])),
    )
    with pytest.raises(TypeError, match=f"{name}: expected integer"):
        getattr(Tensor([1.0]), name)(Tensor([2.0]))


def test_isreal_matches_torch() -> None:
    for x in FLOAT_INPUTS:
        check(Tensor(x).isreal(), torch.isreal(torch.from_numpy(x)))


def _grads_match_torch(fn: Any, tfn: Any, *arrays: np.ndarray) -> None:
    """Values and the gradients of every input against torch, on one cotangent."""
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(*ours), tfn(*theirs)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    assert out.dtype == np.float64
    c = np.random.default_rng(3).standard_normal(out.shape)
    grads = ag.grad((out * Tensor(c)).sum(), ours)
    tgrads = torch.autograd.grad((tout * torch.from_numpy(c)).sum(), theirs)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g.data, tg.numpy(), rtol=1e-12)


def test_clamp_takes_tensor_bounds_like_torch() -> None:
    # Tensor bounds once went to np.clip, which refused a Tensor that requires grad.
    rng = np.random.default_rng(5)
    x, lo, hi = rng.standard_normal((4, 3)), rng.standard_normal(3) - 0.5, rng.standard_normal(3)
    _grads_match_torch(lambda a, b, c: a.clamp(b, c), torch.clamp, x, lo, hi)  # lo > hi in places
    _grads_match_torch(lambda a, b: a.clamp(min=b), lambda a, b: a.clamp(min=b), x, lo)
    _grads_match_torch(lambda a, b: a.clamp_min(b), torch.clamp_min, x, lo)
    _grads_match_torch(lambda a, b: a.clamp_max(b), torch.clamp_max, x, hi)
    # A NaN bound gives NaN; an integer bound keeps the float tensor's dtype.
    out = Tensor([1.0, 2.0]).clamp(Tensor([np.nan, 0.0]))
    np.testing.assert_array_equal(out.data, [np.nan, 2.0])
    x32 = Tensor(np.array([0.5, 3.0], dtype=np.float32))
    assert x32.clamp(Tensor(np.array([1, 1], dtype=np.int32)), None).dtype == np.float32


def test_max_and_min_with_a_tensor_are_the_elementwise_forms() -> None:
    # x.max(other) once read the tensor as a dim.
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((3, 1)), rng.standard_normal(4)
    _grads_match_torch(lambda x, y: x.max(y), torch.max, a, b)
    _grads_match_torch(lambda x, y: x.min(y), torch.min, a, b)
    _grads_match_torch(lambda x, y: x.max(y), torch.max, b, np.array(0.25))  # a 0-d other
