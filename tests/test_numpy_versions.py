"""Where NumPy 1.x and 2.x compute differently, the library gives the same results on both.

The package supports NumPy 1.26 and 2.x; `.ci/lane-oldest` runs the whole
suite on NumPy 1.26. Each test here is a case that suite found: it passes on
either version only when the library does not depend on the difference.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import Tensor, no_grad
from autograd.compiler.builder import dtype_expr
from autograd.compiler.ops import scalar_power_ufunc

# -- 0-d float32 inputs stay float32 (NumPy 1.x casts 0-d operands by value) --

ZERO_D_FLOAT32 = [
    ("hardtanh", lambda x: F.hardtanh(x, min_val=-0.5, max_val=2.0), [-2.0, 0.25, 2.5]),
    ("relu6", F.relu6, [-1.0, 3.0, 7.0]),
    ("hardsigmoid", F.hardsigmoid, [-4.0, 1.0, 3.5]),
    # var below eps: the clamp is taken.
    ("gaussian_nll_loss", lambda x: F.gaussian_nll_loss(x, x * 0.5, x * 0.0), [0.5, 1.5, -2.0]),
]


@pytest.mark.parametrize(
    ("name", "fn", "values"), ZERO_D_FLOAT32, ids=[r[0] for r in ZERO_D_FLOAT32]
)
def test_a_0d_float32_input_gives_the_float32_value_of_the_1d_one(name, fn, values) -> None:
    for v in values:
        x0 = Tensor(np.array(v, dtype=np.float32), requires_grad=True)
        x1 = Tensor(np.array([v], dtype=np.float32), requires_grad=True)
        out0, out1 = fn(x0), fn(x1)
        assert out0.dtype == np.float32, f"{name}({v}): float32 in, {out0.dtype} out"
        assert out0.data.reshape(-1).tobytes() == out1.data.reshape(-1).tobytes()
        out0.sum().backward()
        out1.sum().backward()
        assert x0.grad.dtype == np.float32
        assert x0.grad.data.reshape(-1).tobytes() == x1.grad.data.reshape(-1).tobytes()


# -- generated code names dtypes that both versions have ----------------------


@pytest.mark.parametrize("dtype", [np.bool_, np.float16, np.float32, np.float64, np.int64])
def test_generated_code_names_each_dtype_by_an_attribute_of_numpy(dtype) -> None:
    # np.bool (NumPy 2 only) would be an AttributeError on NumPy 1.x.
    assert eval(dtype_expr(np.dtype(dtype)), {"np": np}) == np.dtype(dtype)


def test_a_compiled_step_that_casts_integer_targets_to_bool_replays() -> None:
    # ignore_index makes the loss cast the targets to a mask: the generated
    # code holds that cast, and runs at every replay.
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    loss_fn = autograd.compile(lambda x, y: F.cross_entropy(x @ w, y, ignore_index=0))
    for _ in range(3):
        x, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
        expected = F.cross_entropy(Tensor(x) @ w, y, ignore_index=0)
        assert np.asarray(loss_fn(Tensor(x), y)).tobytes() == np.asarray(expected).tobytes()
    assert loss_fn.stats["replays"] >= 1


# -- a compiled power is the ufunc that ``array ** p`` calls -------------------

EXPONENTS = [0, 1, -1, 2, 3, 0.0, 1.0, -1.0, 2.0, 0.5, 1.5, -0.5, 1 / 3]
VALUES = [0.0, -0.0, 0.3, 1.7, 2.0, 1e-300, 1e300, -2.5, np.inf, -np.inf, np.nan]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", EXPONENTS, ids=[repr(p) for p in EXPONENTS])
def test_the_compiled_power_is_the_one_array_power_calls(p, dtype) -> None:
    rng = np.random.default_rng(1)
    with np.errstate(all="ignore"):
        x = np.concatenate([np.array(VALUES), rng.uniform(0, 10, 2000)]).astype(dtype)
        expected = x**p
        ufunc = scalar_power_ufunc(p, x.dtype)
        if ufunc == "ones":
            got = np.ones_like(x)
        elif ufunc == "power":
            got = np.power(x, p)
        else:
            got = getattr(np, ufunc)(x)
    assert got.dtype == expected.dtype
    assert got.tobytes() == expected.tobytes()


def _assert_replays_eager_bytes(make, leaves) -> None:
    """``make(leaf)`` run eagerly on one leaf and compiled on the other give the
    same loss and gradient bytes over three calls, the last ones replayed."""
    eager, compiled = make(leaves[0]), autograd.compile(make(leaves[1]))
    for _ in range(3):
        for t in leaves:
            t.grad = None
        a, b = eager(), compiled()
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
        assert leaves[0].grad.data.tobytes() == leaves[1].grad.data.tobytes()
    assert compiled.stats["replays"] >= 1


@pytest.mark.parametrize("p", [0.5, 2, 2.0, -1, -1.0, 1.0, 1.5, 3.0])
def test_a_compiled_power_step_replays_the_eager_bytes(p) -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(0.1, 5.0, 64)
    leaves = [Tensor(x.copy(), requires_grad=True) for _ in range(2)]

    def make(t):
        def step():
            loss = ((t**p) * np.cos(np.arange(64.0))).sum()
            loss.backward()
            return loss

        return step

    _assert_replays_eager_bytes(make, leaves)


# -- gradients of one input are summed by the ufunc in both modes ------------


def test_nan_gradients_summed_at_a_0d_input_match_the_compiled_sum() -> None:
    # softsign(x) = x / (|x| + 1) sends x two gradients; at NaN they are NaNs of
    # opposite signs. Two NumPy scalars (0-d results) added with + keep the
    # second NaN, np.add keeps the first, as the compiled step does.
    w = np.cos(0.25)
    leaves = [Tensor(np.array(np.nan), requires_grad=True) for _ in range(2)]

    def make(t):
        def step():
            loss = (F.softsign(t) * w).sum()
            loss.backward()
            return loss

        return step

    eager, compiled = make(leaves[0]), autograd.compile(make(leaves[1]))
    with np.errstate(all="ignore"):
        for _ in range(3):
            for t in leaves:
                t.grad = None
            eager(), compiled()
            assert leaves[0].grad.data.tobytes() == leaves[1].grad.data.tobytes()
    assert compiled.stats["replays"] >= 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", [-1.5, 0.0, 2.0])
def test_a_compiled_relu_of_a_0d_input_replays(dtype, value) -> None:
    # ReLU's compiled backward subtracts 1 from unsigned bits; with every
    # operand 0-d, NumPy 1.x computes uint64 - int in float64 and refused the
    # write back into the bits.
    leaves = [Tensor(np.array(value, dtype), requires_grad=True) for _ in range(2)]

    def make(t):
        def step():
            loss = t.relu() * np.array(0.75, dtype)
            loss.backward()
            return loss

        return step

    _assert_replays_eager_bytes(make, leaves)


# -- an in-place op on a strided view computes on contiguous values -----------


def test_an_inplace_op_on_a_strided_view_computes_from_contiguous_values(monkeypatch) -> None:
    # NumPy 1.x's exp takes its scalar loop (another last bit) when a new output
    # lands within one stride past a strided input: where the heap puts it.
    seen = []
    exp = np.exp

    def spy(a, *args, **kwargs):
        if isinstance(a, np.ndarray):
            seen.append(a.flags.forc)
        return exp(a, *args, **kwargs)

    x = np.array([1.0, 2.0, -1.9833], dtype=np.float64)
    expected = x.copy()
    expected[::2] = exp(np.ascontiguousarray(x[::2]))
    for mode in ("no_grad", "not requiring grad", "recorded"):
        if mode == "recorded":
            y = Tensor(x.copy(), requires_grad=True) * 1.0
        else:
            y = Tensor(x.copy())
        monkeypatch.setattr(np, "exp", spy)
        if mode == "no_grad":
            with no_grad():
                y[::2].exp_()
        else:
            y[::2].exp_()
        monkeypatch.setattr(np, "exp", exp)
        assert y.data.tobytes() == expected.tobytes(), mode
    assert len(seen) == 3 and all(seen), seen
