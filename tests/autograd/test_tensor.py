"""The Tensor API surface: constructors, attributes, conversions, operators
with NumPy and Python operands, comparisons, boolean masks and repr."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

# ---------------------------------------------------------------------------
# Constructors
# ---------------------------------------------------------------------------


def test_tensor_constructor_and_function() -> None:
    src = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = Tensor(src)
    assert isinstance(t.data, np.ndarray) and t.shape == (2, 2)
    src[0, 0] = 100.0
    assert t.data[0, 0] == 1.0, "the data is copied from the caller's array"
    u = ag.tensor([1, 2, 3], dtype=np.float32, requires_grad=True)
    assert u.dtype == np.float32 and u.requires_grad and u.is_leaf
    s = Tensor(2.5)
    assert s.shape == () and s.ndim == 0 and isinstance(s.data, np.ndarray)
    assert Tensor(True).dtype == np.bool_
    assert Tensor([1, 2]).dtype.kind == "i"
    assert Tensor(t).shape == (2, 2) and Tensor(t).data is not t.data


@pytest.mark.parametrize("make", [ag.zeros, ag.ones, ag.randn, ag.rand])
def test_shape_as_tuple_or_varargs(make) -> None:
    assert make((2, 3)).shape == (2, 3)
    assert make(2, 3).shape == (2, 3)
    assert make([4]).shape == (4,)
    assert make(()).shape == ()
    t = make(2, dtype=np.float32, requires_grad=True)
    assert t.dtype == np.float32 and t.requires_grad and t.is_leaf and t.grad is None


def test_zeros_ones_and_likes() -> None:
    np.testing.assert_array_equal(ag.zeros(2, 2).data, np.zeros((2, 2)))
    np.testing.assert_array_equal(ag.ones(3).data, np.ones(3))
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    z, o = ag.zeros_like(x), ag.ones_like(x)
    assert z.shape == o.shape == (2, 3) and z.dtype == o.dtype == np.float32
    np.testing.assert_array_equal(z.data, 0.0)
    np.testing.assert_array_equal(o.data, 1.0)
    assert ag.zeros_like(x, dtype=np.float64).dtype == np.float64
    assert ag.ones_like(x, requires_grad=True).requires_grad


def test_random_constructors() -> None:
    ag.manual_seed(0)
    r = ag.rand(1000)
    assert r.data.min() >= 0.0 and r.data.max() < 1.0
    n = ag.randn(1000)
    assert abs(float(n.data.mean())) < 0.2 and 0.8 < float(n.data.std()) < 1.2
    with pytest.raises(TypeError):
        ag.randn(2, dtype=np.int64)


# ---------------------------------------------------------------------------
# Attributes and conversions
# ---------------------------------------------------------------------------


def test_attributes() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.dtype == np.float64
    assert len(x) == 2
    np.testing.assert_array_equal(x.T.data, x.data.T)
    assert x.T.shape == (3, 2)
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert isinstance(x.numpy(), np.ndarray)
    np.testing.assert_array_equal(x.numpy(), x.data)
    assert Tensor([[7.5]]).item() == 7.5 and isinstance(Tensor(3.0).item(), float)
    with pytest.raises(TypeError):
        len(Tensor(1.0))
    with pytest.raises(ValueError):
        Tensor([1.0, 2.0]).item()


def test_scalar_conversions_and_truth() -> None:
    assert float(Tensor(2.5)) == 2.5 and int(Tensor(3.0)) == 3
    assert bool(Tensor(1.0)) and not bool(Tensor([0.0]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_requires_grad_leaf_and_grad_fn() -> None:
    x = Tensor([1.0, 2.0])
    assert not x.requires_grad and x.is_leaf and x.grad_fn is None and x.grad is None
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad
    x.requires_grad_()
    y = x * 2.0
    assert not y.is_leaf and y.requires_grad
    assert y.grad_fn.name == "Mul"
    assert (x + x).grad_fn.name == "Add"
    assert x.sum().grad_fn.name == "Sum"
    assert x.exp().grad_fn.name == "Exp"
    with pytest.raises(RuntimeError):
        y.requires_grad_(False)


def test_detach_shares_data_and_cuts_the_graph() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.data, y.data)
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 6.0])


def test_data_is_assignable() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.data = np.array([5.0, 6.0])
    np.testing.assert_array_equal((x * 2.0).data, [10.0, 12.0])
    x.data -= 1.0  # optimizers update parameters in place
    np.testing.assert_array_equal(x.data, [4.0, 5.0])


def test_np_asarray_gives_the_data() -> None:
    x = Tensor([[1.0, 2.0]])
    a = np.asarray(x)
    assert isinstance(a, np.ndarray) and a.shape == (1, 2)
    assert np.shares_memory(a, x.data)
    assert np.asarray(x, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(np.array(x), [[1.0, 2.0]])


def test_tensors_hash_by_identity() -> None:
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2
    assert {a: 1}[a] == 1


# ---------------------------------------------------------------------------
# Operators with Python scalars and NumPy arrays
# ---------------------------------------------------------------------------


def test_reflected_operators_with_python_scalars_give_tensors() -> None:
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    cases = {
        "2 + x": (2 + x, 2 + x.data),
        "2 - x": (2 - x, 2 - x.data),
        "2 * x": (2 * x, 2 * x.data),
        "2 / x": (2 / x, 2 / x.data),
        "2 ** x": (2**x, 2**x.data),
        "2.5 * x": (2.5 * x, 2.5 * x.data),
        "-x": (-x, -x.data),
        "abs(-x)": (abs(-x), x.data),
    }
    for name, (got, expected) in cases.items():
        assert isinstance(got, Tensor), name
        assert got.requires_grad, name
        np.testing.assert_allclose(got.data, expected, err_msg=name)


def test_reflected_operators_with_numpy_arrays_give_tensors() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    a = np.array([[0.5, -1.0], [2.0, 3.0]])
    for name, got, expected in [
        ("a + x", a + x, a + x.data),
        ("a - x", a - x, a - x.data),
        ("a * x", a * x, a * x.data),
        ("a / x", a / x, a / x.data),
        ("a ** x", np.abs(a) ** x, np.abs(a) ** x.data),
        ("a @ x", a @ x, a @ x.data),
        ("float64 scalar * x", np.float64(3.0) * x, 3.0 * x.data),
    ]:
        assert isinstance(got, Tensor), f"{name} gave {type(got).__name__}"
        assert got.requires_grad, name
        np.testing.assert_allclose(got.data, expected, err_msg=name)
    (a @ x).sum().backward()
    np.testing.assert_allclose(x.grad.data, a.T @ np.ones((2, 2)))


def test_augmented_assignment_is_in_place_as_in_pytorch() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x += 1.0
    np.testing.assert_array_equal(x.data, [1.0, 2.0])
    y = x * 1.0
    alias = y
    y += 1.0
    assert y is alias  # changed in place, its history rebased onto the add
    y *= 3.0
    np.testing.assert_array_equal(alias.data, [6.0, 9.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


# ---------------------------------------------------------------------------
# Comparisons and boolean tensors
# ---------------------------------------------------------------------------


def test_comparisons_give_boolean_tensors_without_grad() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    other = Tensor([3.0, 2.0, 1.0])
    for name, got, expected in [
        ("<", x < 2.0, [True, False, False]),
        ("<=", x <= 2.0, [True, True, False]),
        (">", x > other, [False, False, True]),
        (">=", x >= other, [False, True, True]),
        ("==", x == other, [False, True, False]),
        ("!=", x != 2.0, [True, False, True]),
        ("ndarray <", np.array([2.0, 2.0, 2.0]) < x, [False, False, True]),
    ]:
        assert isinstance(got, Tensor), name
        assert got.dtype == np.bool_, name
        assert not got.requires_grad and got.grad_fn is None, name
        assert got.tolist() == expected, name


def test_boolean_tensors_as_masks_and_where_conditions() -> None:
    x = Tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    mask = x > 0
    np.testing.assert_array_equal(x[mask].data, [2.0, 3.0])
    y = ag.where(mask, x, 0.0)
    np.testing.assert_array_equal(y.data, [[0.0, 2.0], [3.0, 0.0]])
    (x[mask].sum() + y.sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 2.0], [2.0, 0.0]])
    with pytest.raises(TypeError, match="boolean"):
        ag.where(Tensor([1.0, 0.0]), Tensor([1.0, 2.0]), 0.0)


# ---------------------------------------------------------------------------
# repr
# ---------------------------------------------------------------------------


def test_repr() -> None:
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(Tensor(1.5)) == "Tensor(1.5)"
    assert repr(Tensor([1.0], requires_grad=True)) == "Tensor([1.], requires_grad=True)"
    assert "dtype=float32" in repr(Tensor(np.ones(2, dtype=np.float32)))
    y = Tensor([1.0, 2.0], requires_grad=True) * 2.0
    assert repr(y) == "Tensor([2., 4.], grad_fn=<Mul>)"
    assert repr(Tensor(np.ones((2, 2)))) == "Tensor([[1., 1.],\n        [1., 1.]])"
