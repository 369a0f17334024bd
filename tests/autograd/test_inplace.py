"""In-place operations and ``x[idx] = v``: PyTorch's rules, values and gradients
(first and second order) against the PyTorch oracle."""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

from autograd import Tensor, grad, no_grad
from autograd.ops.inplace import InplaceMethods

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")

LEAF = "a leaf Variable that requires grad is being used in an in-place operation"


# -- PyTorch's rules ---------------------------------------------------------


def test_leaf_that_requires_grad_is_refused_and_left_unchanged() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    for change in (
        lambda: w.add_(1.0),
        lambda: w.zero_(),
        lambda: w.__setitem__(0, 5.0),
        lambda: w.exp_(),
    ):
        with pytest.raises(RuntimeError, match=LEAF):
            change()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        w[0:1].mul_(2.0)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])
    assert w._version == 0


def test_iadd_on_a_leaf_that_requires_grad_is_refused() -> None:
    w = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF):
        w += 1.0


def test_under_no_grad_a_leaf_is_just_changed() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        w.add_(Tensor([0.5, 0.5]), alpha=-2.0)
        w[1] = 7.0
    np.testing.assert_array_equal(w.data, [0.0, 7.0])
    assert w.is_leaf and w.requires_grad and w._version == 2


def test_tensor_without_grad_is_just_changed() -> None:
    h = Tensor([1.0, -2.0, 3.0])
    data = h.data
    assert h.clamp_(0, 2) is h
    np.testing.assert_array_equal(h.data, [1.0, 0.0, 2.0])
    assert h.data is data and h.grad_fn is None and not h.requires_grad


def test_non_leaf_records_the_change() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    y.mul_(y)  # y * y with the old y on both sides
    assert y.grad_fn is not None and y.grad_fn.name == "Mul"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 18.0 * x.data)


def test_tensor_without_grad_joins_the_graph() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    acc = Tensor(np.zeros(2))
    acc.add_(w * w)
    assert acc.requires_grad and not acc.is_leaf
    acc.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0])


def test_micrograd_style_iadd_matches_torch() -> None:
    def run(make: Any) -> tuple[Any, ...]:
        a = make(-4.0)
        b = make(2.0)
        c = a + b
        c += c + 1
        c += 1 + c + (-a)
        c.backward()
        return c, a, b

    c, a, b = run(lambda v: Tensor(v, requires_grad=True))
    tc, ta, tb = run(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    assert c.item() == tc.item() == -1.0
    assert a.grad.item() == ta.grad.item() == 3.0
    assert b.grad.item() == tb.grad.item() == 4.0


def test_shape_dtype_and_read_only_errors_change_nothing() -> None:
    x = Tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"output with shape \(2,\).*\(2, 2\)"):
        x.add_(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    i = Tensor(np.array([1, 2]))
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.add_(1.5)
    b = Tensor([1.0]).broadcast_to(3)
    with pytest.raises(ValueError, match="read-only"):
        b.zero_()
    with pytest.raises(ValueError, match="read-only"):
        b[0] = 1.0
    np.testing.assert_array_equal(x.data, [1.0, 2.0])
    np.testing.assert_array_equal(i.data, [1, 2])
    assert x._version == i._version == 0


def test_float32_keeps_its_dtype() -> None:
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32))
    x.add_(Tensor(np.array([0.5, 0.5])))  # float64 operand, cast as in PyTorch
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x.data, np.array([1.5, 2.5], dtype=np.float32))


def test_every_elementwise_method_has_an_inplace_form() -> None:
    for name in ("abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "clamp", "clip"):
        assert hasattr(Tensor, name) and hasattr(Tensor, name + "_"), name
    # Adding one is one line with the helper the mixin uses.
    assert InplaceMethods.exp_.__name__ == "exp_"


# -- against PyTorch: each op, values and gradients ------------------------

# (name, our call, torch call): applied to y = x * 1.0, with b a second input.
OPS = [
    ("add_", lambda y, b: y.add_(b), None),
    ("add_alpha", lambda y, b: y.add_(b, alpha=0.5), None),
    ("sub_", lambda y, b: y.sub_(b, alpha=2.0), None),
    ("mul_", lambda y, b: y.mul_(b), None),
    ("div_", lambda y, b: y.div_(b + 3.0), None),
    ("pow_", lambda y, b: y.pow_(2.0), None),
    ("neg_", lambda y, b: y.neg_(), None),
    ("abs_", lambda y, b: y.abs_(), None),
    ("exp_", lambda y, b: y.exp_(), None),
    ("log_", lambda y, b: (y.abs_() + 1.0).log_(), None),
    ("sqrt_", lambda y, b: (y.abs_() + 1.0).sqrt_(), None),
    ("tanh_", lambda y, b: y.tanh_(), None),
    ("sigmoid_", lambda y, b: y.sigmoid_(), None),
    ("relu_", lambda y, b: y.relu_(), None),
    ("clamp_", lambda y, b: y.clamp_(-0.5, 0.5), None),
    ("zero_", lambda y, b: y.zero_().add_(b), None),
    ("fill_", lambda y, b: y.fill_(2.0).mul_(b), None),
    ("copy_", lambda y, b: y.copy_(b * 2.0), None),
    ("iadd", lambda y, b: y.__iadd__(b), None),
    ("imul", lambda y, b: y.__imul__(b), None),
    ("isub", lambda y, b: y.__isub__(b), None),
    ("itruediv", lambda y, b: y.__itruediv__(b + 3.0), None),
    (
        "masked_fill_",
        lambda y, b: y.masked_fill_(np.array([True, False, True]), 7.0),
        lambda y, b: y.masked_fill_(torch.tensor([True, False, True]), 7.0),
    ),
    (
        "index_add_",
        lambda y, b: y.index_add_(0, np.array([0, 2, 0]), b * 2.0),
        lambda y, b: y.index_add_(0, torch.tensor([0, 2, 0]), b * 2.0),
    ),
    (
        "scatter_src",
        lambda y, b: y.scatter_(0, np.array([2, 0]), b[:2]),
        lambda y, b: y.scatter_(0, torch.tensor([2, 0]), b[:2]),
    ),
    (
        "scatter_value",
        lambda y, b: y.scatter_(0, np.array([1]), value=4.0),
        lambda y, b: y.scatter_(0, torch.tensor([1]), value=4.0),
    ),
]


@pytest.mark.parametrize("name, ours, theirs", OPS, ids=[o[0] for o in OPS])
def test_op_matches_torch_with_second_derivatives(name: str, ours: Any, theirs: Any) -> None:
    theirs = theirs or ours
    x0 = np.array([0.3, -1.2, 0.8])
    b0 = np.array([1.5, -0.4, 0.9])

    def loss_ours() -> tuple[Any, ...]:
        x = Tensor(x0, requires_grad=True)
        b = Tensor(b0, requires_grad=True)
        y = x * 1.0
        out = ours(y, b)
        assert out is y or name in ("log_", "sqrt_", "zero_", "fill_")
        value = (y * y * x).sum()
        gx, gb = grad(value, [x, b], create_graph=True, allow_unused=True)
        second = (gx * gx).sum() + (0.0 if gb is None else (gb * gb).sum())
        hx, hb = grad(second, [x, b], allow_unused=True)
        return value, gx, gb, hx, hb

    def loss_theirs() -> tuple[Any, ...]:
        x = torch.tensor(x0, requires_grad=True)
        b = torch.tensor(b0, requires_grad=True)
        y = x * 1.0
        theirs(y, b)
        value = (y * y * x).sum()
        gx, gb = torch.autograd.grad(value, [x, b], create_graph=True, allow_unused=True)
        second = (gx * gx).sum() + (0.0 if gb is None else (gb * gb).sum())
        hx, hb = torch.autograd.grad(second, [x, b], allow_unused=True)
        return value, gx, gb, hx, hb

    for a, t in zip(loss_ours(), loss_theirs()):
        if t is None:
            assert a is None or np.all(np.asarray(a.data) == 0)
            continue
        np.testing.assert_allclose(np.asarray(a.data), t.detach().numpy(), rtol=1e-12, atol=1e-12)


# -- __setitem__ with every index form, against PyTorch --------------------


def _flat_index(shape: tuple[int, ...], index: Any) -> Any:
    flat = np.arange(int(np.prod(shape))).reshape(shape)[index]
    return torch.from_numpy(np.array(flat, dtype=np.int64, copy=True))


@st.composite
def shapes_and_indices(draw: Any) -> tuple[tuple[int, ...], Any, str]:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    kind = draw(st.sampled_from(["basic", "ints", "mask", "list", "tensor"]))
    if kind == "basic":
        index = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True))
    elif kind == "mask":
        index = draw(hnp.arrays(np.bool_, shape[:1]))
    elif kind in ("list", "tensor"):
        n = shape[0]
        picks = draw(
            st.lists(st.integers(-n, n - 1), min_size=1, max_size=n, unique_by=lambda i: i % n)
        )
        index = picks if kind == "list" else Tensor(np.array(picks))
    else:
        size = int(np.prod(shape))
        flat = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=size, unique=True))
        index = np.unravel_index(np.array(flat), shape)
    return shape, index, kind


@settings(max_examples=40, deadline=None)
@given(case=shapes_and_indices(), seed=st.integers(0, 2**16))
def test_setitem_matches_torch_with_second_derivatives(case: Any, seed: int) -> None:
    shape, index, _kind = case
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal(shape)
    np_index = index.data if isinstance(index, Tensor) else index
    target = x0[np_index]
    v_shape = target.shape[-1:] if target.ndim and rng.random() < 0.5 else target.shape
    v0 = rng.standard_normal(v_shape)

    x = Tensor(x0, requires_grad=True)
    v = Tensor(v0, requires_grad=True)
    y = x * 1.0
    y[index] = v * x[index]
    value = (y * y * y).sum()
    gx, gv = grad(value, [x, v], create_graph=True)
    hx, hv = grad((gx * gx).sum() + (gv * gv).sum(), [x, v])

    tx = torch.tensor(x0, requires_grad=True)
    tv = torch.tensor(v0, requires_grad=True)
    pos = _flat_index(shape, np_index).reshape(-1)
    ty = (tx * 1.0).reshape(-1)
    ty[pos] = (tv * tx.reshape(-1)[pos].reshape(target.shape)).reshape(-1)
    tvalue = (ty * ty * ty).sum()
    tgx, tgv = torch.autograd.grad(tvalue, [tx, tv], create_graph=True)
    thx, thv = torch.autograd.grad((tgx * tgx).sum() + (tgv * tgv).sum(), [tx, tv])

    np.testing.assert_allclose(y.data.reshape(-1), ty.detach().numpy(), rtol=1e-12)
    for a, t in ((gx, tgx), (gv, tgv), (hx, thx), (hv, thv)):
        np.testing.assert_allclose(a.data, t.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_setitem_without_grad_writes_every_index_form() -> None:
    x = Tensor(np.zeros((3, 4)))
    x[0] = 1.0
    x[1, ::-2] = Tensor([2.0, 3.0])
    x[x.data == 0] = 9.0
    x[[2], [0]] = -1.0
    x[..., None, 3] = np.array([[4.0]])
    expected = np.zeros((3, 4))
    expected[0] = 1.0
    expected[1, ::-2] = [2.0, 3.0]
    expected[expected == 0] = 9.0
    expected[[2], [0]] = -1.0
    expected[..., None, 3] = [[4.0]]
    np.testing.assert_array_equal(x.data, expected)
    assert x._version == 5


def test_view_changed_in_place_rewrites_its_base_history() -> None:
    def run(make: Any) -> tuple[Any, Any]:
        x = make([1.0, 2.0, 3.0, 4.0])
        y = x * 2.0
        row = y.reshape(2, 2)[1]
        row.mul_(x[:2])
        (y * y).sum().backward()
        return y, x.grad

    y, g = run(lambda v: Tensor(v, requires_grad=True))
    ty, tg = run(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    np.testing.assert_allclose(y.data, ty.detach().numpy())
    np.testing.assert_allclose(g.data, tg.numpy())
    assert y.grad_fn.name == "CopySlices"
