"""Indexing by integer tensors (``autograd/ops/index.py``): one_hot, errors on
bad indices, 0-d and empty inputs, and gradients with repeated indices,
against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")


def test_one_hot_matches_torch() -> None:
    idx = np.array([[0, 3], [1, 1]])
    got = ag.one_hot(idx)
    want = torch.nn.functional.one_hot(torch.from_numpy(idx))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got.data, want.numpy())
    np.testing.assert_array_equal(ag.one_hot(Tensor(np.array(2)), 4).data, [0, 0, 1, 0])
    assert ag.one_hot(np.zeros(0, dtype=np.int64), 3).shape == (0, 3)


@pytest.mark.parametrize(
    "idx, classes, match",
    [
        (np.array([0, 3]), 3, "one_hot: classes must lie in"),
        (np.array([-1]), 3, "one_hot: classes must lie in"),
        (np.zeros(0, dtype=np.int64), -1, "one_hot: cannot infer"),
    ],
)
def test_one_hot_refuses_bad_classes(idx: np.ndarray, classes: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ag.one_hot(idx, classes)
    with pytest.raises(TypeError, match="one_hot: the classes must be integers"):
        ag.one_hot(np.array([0.0]))


def test_bad_indices_are_clear_errors_and_leave_data_untouched() -> None:
    data = np.arange(6.0).reshape(2, 3)
    x = Tensor(data)
    with pytest.raises(IndexError, match=r"gather: index 3 is out of range for a dim of size 3"):
        x.gather(1, np.array([[0, 3]]))
    with pytest.raises(ValueError, match="gather: the index must have as many dims"):
        x.gather(1, np.array([0, 1]))
    with pytest.raises(TypeError, match="index_select: the index must hold integers"):
        x.index_select(0, np.array([0.5]))
    with pytest.raises(IndexError, match="take: index 6 is out of range"):
        x.take(np.array([6]))
    with pytest.raises(TypeError, match="masked_fill: the mask must be boolean"):
        x.masked_fill(np.array([1, 0, 1]), 0.0)
    with pytest.raises(ValueError, match="scatter_reduce: reduce must be"):
        x.scatter_reduce(0, np.array([[0]]), x, "max")
    with pytest.raises(ValueError, match="scatter: the source"):
        x.scatter(1, np.array([[0, 1, 2]]), Tensor(np.ones((1, 2))))
    np.testing.assert_array_equal(x.data, data)


def test_repeated_indices_accumulate_gradients_as_torch() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    t = torch.tensor(x.data, requires_grad=True)
    idx = np.array([[0, 0, 2, 2]])
    seed = np.array([[1.0, 2.0, 3.0, 4.0]])
    x.gather(1, idx).backward(seed)
    t.gather(1, torch.from_numpy(idx)).backward(torch.from_numpy(seed))
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    x.grad = None
    t.grad = None
    x.index_select(1, np.array([2, 2, 0])).sum().backward()
    t.index_select(1, torch.tensor([2, 2, 0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_scatter_reduce_amax_ties_share_the_gradient_as_torch() -> None:
    for include_self in (True, False):
        x = Tensor(np.array([1.0, 3.0, 0.0]), requires_grad=True)
        s = Tensor(np.array([3.0, 3.0, -1.0]), requires_grad=True)
        tx = torch.tensor(x.data, requires_grad=True)
        ts = torch.tensor(s.data, requires_grad=True)
        idx = np.array([1, 1, 2])
        out = x.scatter_reduce(0, idx, s, "amax", include_self=include_self)
        want = tx.scatter_reduce(0, torch.from_numpy(idx), ts, "amax", include_self=include_self)
        np.testing.assert_array_equal(out.data, want.detach().numpy())
        seed = np.array([1.0, 2.0, 3.0])
        out.backward(seed)
        want.backward(torch.from_numpy(seed))
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy())
        np.testing.assert_allclose(s.grad.data, ts.grad.numpy())


def test_scatter_reduce_prod_with_zeros_matches_torch() -> None:
    x = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    s = Tensor(np.array([0.0, 5.0, 0.0, 4.0]), requires_grad=True)
    tx = torch.tensor(x.data, requires_grad=True)
    ts = torch.tensor(s.data, requires_grad=True)
    idx = np.array([0, 0, 2, 1])
    out = x.scatter_reduce(0, idx, s, "prod")
    want = tx.scatter_reduce(0, torch.from_numpy(idx), ts, "prod")
    np.testing.assert_array_equal(out.data, want.detach().numpy())
    out.backward(np.array([1.0, 2.0, 3.0]))
    want.backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())
    np.testing.assert_allclose(s.grad.data, ts.grad.numpy())
    assert ag.gradgradcheck(lambda a, b: a.scatter_reduce(0, idx, b, "prod"), (x, s))


def test_masked_fill_value_tensor_gets_the_gradient() -> None:
    x = Tensor(np.arange(4.0), requires_grad=True)
    v = Tensor(2.0, requires_grad=True)
    out = ag.masked_fill(x, np.array([True, False, True, False]), v)
    np.testing.assert_array_equal(out.data, [2.0, 1.0, 2.0, 3.0])
    out.sum().backward()
    assert float(v.grad.data) == 2.0
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0, 1.0])


def test_zero_d_and_empty_inputs_match_torch() -> None:
    s = np.array(1.5)
    ts = torch.tensor(1.5, dtype=torch.float64)
    assert Tensor(s).take(np.array(0)).shape == tuple(torch.take(ts, torch.tensor(0)).shape)
    got = Tensor(s).index_select(0, np.array([0]))
    assert got.shape == tuple(torch.index_select(ts, 0, torch.tensor([0])).shape)
    e = np.zeros((0, 3))
    te = torch.from_numpy(e)
    idx = np.zeros((0, 3), dtype=np.int64)
    assert Tensor(e).gather(0, idx).shape == tuple(te.gather(0, torch.from_numpy(idx)).shape)
    assert Tensor(e).index_select(1, np.array([2])).shape == (0, 1)
    assert Tensor(e).masked_fill(np.zeros(3, dtype=bool), 1.0).shape == (0, 3)


def test_put_and_index_copy_match_torch() -> None:
    x = np.arange(6.0).reshape(2, 3)
    t = torch.from_numpy(x)
    src = np.array([10.0, 20.0])
    np.testing.assert_array_equal(
        ag.put(x, np.array([0, -1]), src, accumulate=True).data,
        t.put(torch.tensor([0, -1]), torch.from_numpy(src), accumulate=True).numpy(),
    )
    np.testing.assert_array_equal(
        ag.index_copy(x, 1, np.array([2, 0]), np.ones((2, 2))).data,
        t.index_copy(1, torch.tensor([2, 0]), torch.ones(2, 2, dtype=torch.float64)).numpy(),
    )
    np.testing.assert_array_equal(
        ag.index_fill(x, 0, np.array([1]), -1.0).data,
        t.index_fill(0, torch.tensor([1]), -1.0).numpy(),
    )


@pytest.mark.parametrize("name", ["gather", "scatter", "scatter_add", "scatter_reduce"])
def test_gather_and_scatter_of_a_0d_tensor_with_a_0d_index(name: str) -> None:
    # A 0-d tensor flattens to one element; its 0-d index was once refused as too few dims.
    extra = {"gather": (), "scatter": (3.0,), "scatter_add": (3.0,), "scatter_reduce": (3.0,)}
    post = ("sum",) if name == "scatter_reduce" else ()
    x = Tensor(2.0, requires_grad=True)
    args = tuple(Tensor(a) for a in extra[name])
    out = getattr(x, name)(0, Tensor(np.int64(0)), *args, *post)
    targs = tuple(torch.tensor(a, dtype=torch.float64) for a in extra[name])
    tx = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tout = getattr(tx, name)(0, torch.tensor(0), *targs, *post)
    assert out.shape == tuple(tout.shape) == ()
    assert out.item() == tout.item()
    out.backward()
    tout.backward()
    assert x.grad.item() == tx.grad.item()


def test_masked_fill_broadcasts_the_tensor_to_the_mask_like_torch() -> None:
    # A mask larger than the tensor was refused; PyTorch's out-of-place form broadcasts.
    x = Tensor(np.arange(3.0), requires_grad=True)
    mask = np.eye(3, dtype=bool)
    out = x.masked_fill(Tensor(mask), -1.0)
    tx = torch.arange(3.0, dtype=torch.float64, requires_grad=True)
    tout = tx.masked_fill(torch.from_numpy(mask), -1.0)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    with pytest.raises(ValueError, match="does not broadcast"):
        x.masked_fill(Tensor(np.ones(4, dtype=bool)), 0.0)
