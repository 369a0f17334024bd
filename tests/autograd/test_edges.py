"""Regression tests for behaviour at the edges that outside tests found wrong.

Each test pins a case that once gave a wrong gradient, an error deep inside
NumPy, or a silent surprise. Where PyTorch is the reference the expected
values are PyTorch's, written out (so the test checks without PyTorch), and
compared with PyTorch itself when it is installed.
"""

from __future__ import annotations

import inspect
import itertools
from typing import Any

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd import Function, Tensor

try:
    import torch
except ImportError:  # the PyTorch comparisons are skipped; the pinned values still run
    torch = None

NAN, INF = float("nan"), float("inf")


def grads(f: Any, *values: float) -> list[float]:
    """Gradients of the scalar ``f(*leaves)`` read with NumPy, as users read them."""
    leaves = [Tensor(v, requires_grad=True) for v in values]
    f(*leaves).backward()
    return [float(np.asarray(x.grad)) for x in leaves]


def torch_grads(f: Any, *values: float) -> list[float]:
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    f(*leaves).backward()
    return [x.grad.item() for x in leaves]


def same(a: list[float], b: list[float]) -> bool:
    return np.allclose(a, b, equal_nan=True, rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------
# Scalar gradients are arrays
# ---------------------------------------------------------------------------


def test_micrograd_scalars_have_array_gradients() -> None:
    a = Tensor(-4.0, requires_grad=True)
    b = Tensor(2.0, requires_grad=True)
    c = a * b + b**3
    c.backward()
    for x in (a, b):
        assert type(x.grad.data) is np.ndarray and x.grad.data.shape == ()
        assert isinstance(np.asarray(x.grad), np.ndarray)
    assert float(np.asarray(a.grad)) == 2.0 and float(np.asarray(b.grad)) == 8.0
    (ga,) = ag.grad(a * b, a)
    assert type(ga.data) is np.ndarray
    # Accumulating into an existing 0-d gradient keeps an array too.
    (a * b).backward()
    assert type(a.grad.data) is np.ndarray and float(np.asarray(a.grad)) == 4.0


# ---------------------------------------------------------------------------
# Permutations with negative axes
# ---------------------------------------------------------------------------


@given(st.data())
def test_permutation_gradients_with_negative_axes(data: st.DataObject) -> None:
    ndim = data.draw(st.integers(1, 4), label="ndim")
    shape = data.draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim), label="shape")
    perm = data.draw(st.permutations(range(ndim)), label="perm")
    signs = data.draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim), label="neg")
    axes = tuple(ax - ndim if neg else ax for ax, neg in zip(perm, signs))
    check_permutation(tuple(shape), axes)


@pytest.mark.parametrize(
    ("shape", "axes"),
    [((3, 3, 3), (0, -1, 1)), ((3, 3, 3), (-1, 0, 1)), ((1, 2, 3, 4), (0, -2, -1, 1))],
)
def test_permutations_that_were_wrong(shape: tuple[int, ...], axes: tuple[int, ...]) -> None:
    check_permutation(shape, axes)


def check_permutation(shape: tuple[int, ...], axes: tuple[int, ...]) -> None:
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    w = np.cos(np.arange(x.size)).reshape(np.transpose(x, axes).shape)
    t = Tensor(x, requires_grad=True)
    out = t.transpose(axes)
    np.testing.assert_array_equal(out.data, np.transpose(x, axes))
    (out * w).sum().backward()
    # d/dx sum(transpose(x) * w) = w transposed back
    np.testing.assert_array_equal(
        t.grad.data, np.transpose(w, np.argsort(np.array(axes) % len(shape)))
    )


def test_a_repeated_axis_is_not_a_permutation() -> None:
    with pytest.raises(ValueError, match=r"not a permutation.*shape \(2, 3\)"):
        Tensor(np.ones((2, 3))).transpose((1, -1))


# ---------------------------------------------------------------------------
# Powers at the edges (PyTorch's values)
# ---------------------------------------------------------------------------

POW_CASES = [
    # (base, exponent, d/d base, d/d exponent), as PyTorch 2.13 gives them
    (-5.5, 2.5, NAN, NAN),
    (-2.0, 3.0, 12.0, NAN),
    (0.0, -1.0, -INF, -INF),
    (0.0, 0.0, 0.0, 0.0),
    (0.0, 2.0, 0.0, 0.0),
    (0.0, 0.5, INF, 0.0),
    (3.0, 0.0, 0.0, np.log(3.0)),
    (2.0, 3.0, 12.0, 8 * np.log(2.0)),
]


@pytest.mark.parametrize(("a", "b", "da", "db"), POW_CASES)
def test_pow_edges_follow_pytorch(a: float, b: float, da: float, db: float) -> None:
    with np.errstate(all="ignore"):
        got = grads(lambda x, y: x**y, a, b)
    assert same(got, [da, db]), got
    if torch is not None:
        assert same(got, torch_grads(lambda x, y: x**y, a, b))


@pytest.mark.parametrize(
    ("base", "b", "db"), [(-2.0, 3.0, NAN), (0.0, -1.0, -INF), (0.0, 2.0, 0.0)]
)
def test_scalar_base_to_a_tensor_power(base: float, b: float, db: float) -> None:
    with np.errstate(all="ignore"):
        (got,) = grads(lambda y: base**y, b)
    assert same([got], [db])


def test_constant_zero_exponent_gives_an_exact_zero() -> None:
    x = Tensor([0.0, INF, NAN, 2.0], requires_grad=True)
    with np.errstate(all="ignore"):
        (x**0).backward(np.array([INF, 1.0, 1.0, NAN]))
    np.testing.assert_array_equal(x.grad.data, np.zeros(4))


def test_pow_second_derivative_at_exponent_zero() -> None:
    # d/db (b a ** (b - 1)) at b = 0 is 1 / a: masking 0 ** 0 must not hide it.
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(0.0, requires_grad=True)
    (ga,) = ag.grad(a**b, a, create_graph=True)
    (gab,) = ag.grad(ga, b)
    assert float(np.asarray(gab)) == pytest.approx(0.5)


# ---------------------------------------------------------------------------
# NaN conventions
# ---------------------------------------------------------------------------


def test_abs_and_relu_at_nan_follow_pytorch() -> None:
    assert grads(lambda x: x.abs(), NAN) == [0.0]
    assert grads(lambda x: x.relu(), NAN) == [1.0]
    assert grads(lambda x: x.abs(), 0.0) == [0.0] and grads(lambda x: x.abs(), -0.0) == [0.0]
    assert grads(lambda x: x.relu(), 0.0) == [0.0] and grads(lambda x: x.relu(), -0.0) == [0.0]
    if torch is not None:
        assert torch_grads(lambda x: x.abs(), NAN) == [0.0]
        assert torch_grads(lambda x: x.relu(), NAN) == [1.0]


def test_maximum_and_minimum_send_the_gradient_to_the_nan_side() -> None:
    # NumPy's maximum and minimum return the NaN operand: the gradient goes
    # where the result came from. (PyTorch gives both operands the full
    # gradient: a documented difference.)
    assert grads(ag.maximum, NAN, 1.0) == [1.0, 0.0]
    assert grads(ag.maximum, 1.0, NAN) == [0.0, 1.0]
    assert grads(ag.minimum, NAN, 1.0) == [1.0, 0.0]
    assert grads(ag.minimum, 1.0, NAN) == [0.0, 1.0]
    assert grads(ag.maximum, NAN, NAN) == [0.5, 0.5]
    assert grads(ag.maximum, 1.0, 1.0) == [0.5, 0.5]  # a tie, as in PyTorch


# ---------------------------------------------------------------------------
# Reductions at the edges
# ---------------------------------------------------------------------------

REDUCTIONS = ["sum", "mean", "max", "min", "softmax", "log_softmax", "logsumexp"]


@pytest.mark.parametrize(("name", "axis"), list(itertools.product(REDUCTIONS, [0, -1, (0,)])))
def test_zero_d_reductions_accept_axis_0_and_minus_1(name: str, axis: Any) -> None:
    if name in ("softmax", "log_softmax") and isinstance(axis, tuple):
        return
    x = Tensor(3.0, requires_grad=True)
    out = getattr(x, name)(axis=axis)
    expected = {"softmax": 1.0, "log_softmax": 0.0}.get(name, 3.0)
    assert out.shape == () and float(np.asarray(out)) == expected
    out.backward()
    assert type(x.grad.data) is np.ndarray
    assert float(np.asarray(x.grad)) == (0.0 if name in ("softmax", "log_softmax") else 1.0)
    if torch is not None:
        t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
        fn = {"max": "amax", "min": "amin"}.get(name, name)
        getattr(torch, fn)(t, axis).backward()
        assert float(np.asarray(x.grad)) == t.grad.item()


def test_zero_d_rejects_other_axes() -> None:
    with pytest.raises(np.exceptions.AxisError, match=r"\[-1, 0\]"):
        Tensor(3.0).sum(axis=1)
    with pytest.raises(ValueError, match="duplicate"):
        Tensor(3.0).sum(axis=(0, -1))


@pytest.mark.parametrize(
    ("shape", "name", "axis", "expected_shape"),
    [
        ((0,), "softmax", -1, (0,)),
        ((0,), "log_softmax", -1, (0,)),
        ((3, 0), "softmax", 1, (3, 0)),
        ((3, 0), "log_softmax", 1, (3, 0)),
        ((0,), "logsumexp", 0, ()),
        ((3, 0), "logsumexp", 1, (3,)),
        ((0, 3), "max", -1, (0,)),
        ((0, 3), "min", 1, (0,)),
        ((0, 3), "logsumexp", 1, (0,)),
    ],
)
def test_empty_reductions(
    shape: tuple[int, ...], name: str, axis: int, expected_shape: tuple[int, ...]
) -> None:
    x = Tensor(np.zeros(shape), requires_grad=True)
    out = getattr(x, name)(axis=axis)
    assert out.shape == expected_shape
    if name == "logsumexp" and out.size:
        assert np.all(np.asarray(out) == -np.inf)  # the log of an empty sum
    out.sum().backward()
    assert x.grad.shape == shape


def test_max_over_an_empty_axis_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"empty axis.*\(0, 3\)"):
        Tensor(np.zeros((0, 3))).max(axis=0)
    with pytest.raises(ValueError, match="empty axis"):
        Tensor(np.zeros(0)).max()


# ---------------------------------------------------------------------------
# User-defined Functions that return the wrong gradients
# ---------------------------------------------------------------------------


class ProductForgetsB(Function):
    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        return a.data * b.data

    def backward(self, g: Any) -> Any:
        return g  # one gradient for two inputs


class ProductWithThree(ProductForgetsB):
    def backward(self, g: Any) -> Any:
        return g, g, g


class WrongShape(Function):
    def forward(self, a: Tensor) -> np.ndarray:
        return a.data * 2

    def backward(self, g: Any) -> Any:
        return np.ones(1)


def test_wrong_number_of_gradients_is_an_error() -> None:
    a, b = Tensor(np.ones(4), requires_grad=True), Tensor(np.ones(4), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"ProductForgetsB.*expected 2.*got 1"):
        ProductForgetsB.apply(a, b).sum().backward()
    with pytest.raises(RuntimeError, match=r"ProductWithThree.*expected 2.*got 3"):
        ProductWithThree.apply(a, b).sum().backward()


def test_wrong_gradient_shape_is_an_error_naming_the_function() -> None:
    a = Tensor(np.ones(4), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"WrongShape.*input 0.*\(1,\).*\(4,\)"):
        WrongShape.apply(a).sum().backward()


# ---------------------------------------------------------------------------
# What a Tensor can be made of
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", ["abc", None, {"a": 1}, [1, "a"], 1j, np.array([1j]), [[1.0, 2.0], [3.0]], object()]
)
def test_non_numeric_data_is_refused_at_construction(data: Any) -> None:
    with pytest.raises(TypeError, match="Tensor: cannot"):
        Tensor(data)


def test_complex_constants_are_refused_in_ops() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="complex"):
        x * 1j
    with pytest.raises(TypeError, match="complex"):
        x * np.array([1j, 2j])


def test_numbers_of_every_supported_kind_are_accepted() -> None:
    assert Tensor(True).dtype == np.bool_
    assert Tensor([1, 2]).dtype == np.int64
    assert Tensor(np.uint8(3)).dtype == np.uint8
    assert Tensor(np.float16(1)).dtype == np.float16
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32


# ---------------------------------------------------------------------------
# detect_anomaly names the user's line and the op that made the NaN
# ---------------------------------------------------------------------------


def test_anomaly_names_the_forward_op_that_made_the_nan() -> None:
    x = Tensor([-1.0, 4.0], requires_grad=True)
    w = Tensor([2.0, 3.0], requires_grad=True)
    with ag.detect_anomaly(), np.errstate(invalid="ignore"):
        y = x.sqrt()
        line = inspect.currentframe().f_lineno - 1
        z = (y * w).sum()
        with pytest.raises(RuntimeError, match=r"the forward of Sqrt") as info:
            z.backward()
    assert f"{__file__}:{line}" in str(info.value)
    assert "Mul" in str(info.value)  # the rule that met it is named too


def test_anomaly_inside_nn_names_the_users_line() -> None:
    import nn

    p = Tensor([[1.0]], requires_grad=True)
    with ag.detect_anomaly(), np.errstate(all="ignore"):
        loss = nn.MSELoss()(p.log() * 0.0 + p.sqrt() * np.inf, np.ones((1, 1)))
        line = inspect.currentframe().f_lineno - 1
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    assert f"{__file__}:{line}" in str(info.value)
    assert "nn/functional.py" not in str(info.value)


def test_anomaly_does_not_skip_user_folders_named_like_the_package(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "autograd_experiments"
    folder.mkdir()
    script = folder / "anomaly_user_script.py"
    script.write_text(
        "import numpy as np\n"
        "import autograd as ag\n"
        "from autograd import Tensor\n"
        "def run():\n"
        "    x = Tensor([0.0], requires_grad=True)\n"
        "    with ag.detect_anomaly(), np.errstate(divide='ignore'):\n"
        "        y = x.sqrt()\n"
        "        y.sum().backward()\n"
    )
    monkeypatch.syspath_prepend(str(folder))
    import anomaly_user_script  # type: ignore[import-not-found]

    with pytest.raises(RuntimeError) as info:
        anomaly_user_script.run()
    assert f"{script}:7" in str(info.value)


# ---------------------------------------------------------------------------
# Second derivatives through a reduced output that the rule reuses
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_second_derivative_through_a_nonlinear_consumer(keepdims: bool) -> None:
    # The rule reuses the node's output; saved in the kept shape, its gradient
    # once broadcast against the consumers' into a (2, 2) array.
    x = Tensor(np.array([[0.1, 0.7], [-0.4, 0.3]]), requires_grad=True)
    assert ag.gradgradcheck(lambda t: t.logsumexp(axis=-1, keepdims=keepdims).tanh(), (x,))
    if torch is not None:
        t = torch.tensor(x.data, requires_grad=True)
        (gt,) = torch.autograd.grad(
            torch.logsumexp(t, -1, keepdims).tanh().sum(), t, create_graph=True
        )
        (ht,) = torch.autograd.grad(gt.sum(), t)
        (g,) = ag.grad(x.logsumexp(axis=-1, keepdims=keepdims).tanh().sum(), x, create_graph=True)
        (h,) = ag.grad(g.sum(), x)
        np.testing.assert_allclose(np.asarray(h), ht.numpy(), rtol=1e-12)
