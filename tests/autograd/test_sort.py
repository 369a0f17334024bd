"""Sorting and selection (``autograd/ops/sort.py``): the indices, NaN order,
ties, medians, nonzero and unique, against PyTorch and NumPy."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")

HOSTILE = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.5, 1.0])


def arrays(elements: st.SearchStrategy = HOSTILE, min_dims: int = 0) -> st.SearchStrategy:
    return hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4),
        elements=elements,
    )


def dim_for(x: np.ndarray) -> st.SearchStrategy[int]:
    n = max(x.ndim, 1)
    return st.integers(-n, n - 1)


@settings(max_examples=40)
@given(x=arrays(), data=st.data())
def test_sort_is_stable_and_puts_nan_last_as_torch(x: np.ndarray, data: st.DataObject) -> None:
    dim = data.draw(dim_for(x))
    descending = data.draw(st.booleans())
    got = Tensor(x).sort(dim, descending=descending)
    want = torch.sort(torch.from_numpy(x), dim=dim, descending=descending, stable=True)
    np.testing.assert_array_equal(got.values.data, want.values.numpy())
    np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
    assert got.indices.dtype == np.int64
    np.testing.assert_array_equal(
        ag.argsort(x, dim, descending=descending).data,
        torch.argsort(torch.from_numpy(x), dim=dim, descending=descending, stable=True).numpy(),
    )


def test_sort_gradient_goes_to_the_named_elements() -> None:
    x = Tensor(np.array([3.0, np.nan, 1.0, 1.0]), requires_grad=True)
    t = torch.tensor(x.data, requires_grad=True)
    seed = np.array([1.0, 2.0, 3.0, 4.0])
    x.sort(descending=True).values.backward(seed)
    torch.sort(t, descending=True, stable=True).values.backward(torch.from_numpy(seed))
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


@settings(max_examples=40)
@given(x=arrays(st.sampled_from([-np.inf, -1.0, 0.0, -0.0, 2.0, np.inf])), data=st.data())
def test_topk_and_kthvalue_values_match_torch_with_ties(x: np.ndarray, data: st.DataObject) -> None:
    dim = data.draw(dim_for(x))
    n = x.shape[dim] if x.ndim else 1
    k = data.draw(st.integers(1, n))
    largest = data.draw(st.booleans())
    got = Tensor(x).topk(k, dim, largest=largest)
    want = torch.topk(torch.from_numpy(x), k, dim=dim, largest=largest)
    np.testing.assert_array_equal(got.values.data, want.values.numpy())
    # Indices of tied values may come in another order; they name equal values.
    ax = dim % max(x.ndim, 1)
    idx = got.indices.data.reshape(got.values.shape or (1,))
    picked = np.take_along_axis(x.reshape(x.shape or (1,)), idx, ax)
    np.testing.assert_array_equal(picked.reshape(got.values.shape), got.values.data)
    kth = Tensor(x).kthvalue(k, dim, keepdim=True)
    twant = torch.kthvalue(torch.from_numpy(x), k, dim, keepdim=True)
    np.testing.assert_array_equal(kth.values.data, twant.values.numpy())


def test_topk_nan_is_largest() -> None:
    x = np.array([1.0, np.nan, 3.0])
    np.testing.assert_array_equal(Tensor(x).topk(2).indices.data, [1, 2])
    np.testing.assert_array_equal(Tensor(x).topk(2, largest=False).indices.data, [0, 2])
    with pytest.raises(ValueError, match="topk: k=4"):
        Tensor(x).topk(4)
    with pytest.raises(ValueError, match="kthvalue: k=0"):
        Tensor(x).kthvalue(0)


@settings(max_examples=40)
@given(x=arrays(), data=st.data())
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_medians_match_torch_with_nan(name: str, x: np.ndarray, data: st.DataObject) -> None:
    t = torch.from_numpy(x)
    np.testing.assert_array_equal(getattr(Tensor(x), name)().data, getattr(torch, name)(t).numpy())
    dim = data.draw(dim_for(x))
    got = getattr(Tensor(x), name)(dim)
    want = getattr(torch, name)(t, dim)
    np.testing.assert_array_equal(got.values.data, want.values.numpy())
    # The index names an element equal to the median (NaN for NaN).
    ax = dim % max(x.ndim, 1)
    idx = np.expand_dims(got.indices.data, ax)
    picked = np.take_along_axis(x.reshape(x.shape or (1,)), idx, ax).reshape(got.values.shape)
    np.testing.assert_array_equal(picked, got.values.data)


def test_median_is_the_lower_one_and_ties_share_the_gradient() -> None:
    x = Tensor(np.array([1.0, 2.0, 2.0, 5.0]), requires_grad=True)
    t = torch.tensor(x.data, requires_grad=True)
    assert float(x.median().data) == 2.0 and float(np.median(x.data)) == 2.0
    assert float(Tensor([1.0, 4.0]).median().data) == 1.0  # NumPy: 2.5
    x.median().backward()
    torch.median(t).backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_quantile_matches_torch() -> None:
    x = np.array([[1.0, 5.0, 2.0, 8.0], [0.0, -1.0, 3.0, np.nan]])
    t = torch.from_numpy(x)
    q = [0.1, 0.5, 1.0]
    np.testing.assert_allclose(
        Tensor(x).quantile(q, dim=1, keepdim=True).data,
        torch.quantile(t, torch.tensor(q, dtype=t.dtype), dim=1, keepdim=True).numpy(),
    )
    assert np.isnan(Tensor(x).quantile(0.5).data)
    with pytest.raises(ValueError, match="quantile: q must"):
        Tensor(x).quantile(1.5)


@settings(max_examples=30)
@given(x=arrays(st.sampled_from([0.0, -0.0, 1.0, np.nan])))
def test_nonzero_matches_torch(x: np.ndarray) -> None:
    t = torch.from_numpy(x)
    got = Tensor(x).nonzero()
    want = torch.nonzero(t)
    assert got.dtype == np.int64 and got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.data, want.numpy())
    for a, b in zip(ag.nonzero(x, as_tuple=True), torch.nonzero(t, as_tuple=True)):
        np.testing.assert_array_equal(a.data, b.numpy())


def test_nonzero_of_zero_d_and_empty() -> None:
    assert Tensor(5.0).nonzero().shape == tuple(torch.nonzero(torch.tensor(5.0)).shape)
    assert len(Tensor(5.0).nonzero(as_tuple=True)) == 1
    assert Tensor(np.zeros((0, 3))).nonzero().shape == (0, 2)


def test_masked_select_broadcasts_and_refuses_non_boolean_masks() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    mask = np.array([True, False, True])
    out = x.masked_select(mask)
    np.testing.assert_array_equal(out.data, [0.0, 2.0, 3.0, 5.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(mask, (2, 3)).astype(float))
    with pytest.raises(TypeError, match="masked_select: the mask must be boolean"):
        x.masked_select(np.array([1, 0, 1]))


def test_unique_keeps_every_nan_as_torch() -> None:
    x = np.array([2.0, np.nan, 1.0, 2.0, np.nan])
    values, inverse, counts = Tensor(x).unique(return_inverse=True, return_counts=True)
    tv, ti, tc = torch.unique(torch.from_numpy(x), return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.data, tv.numpy())
    np.testing.assert_array_equal(inverse.data, ti.numpy())
    np.testing.assert_array_equal(counts.data, tc.numpy())


def test_quantile_differentiates_a_tensor_q() -> None:
    # A q that requires grad got no gradient (silently 0); PyTorch's is (b - a) * (n - 1).
    x = np.random.default_rng(4).standard_normal((3, 5))
    q = np.array([0.1, 0.5, 0.93])
    a, tq = Tensor(x, requires_grad=True), Tensor(q, requires_grad=True)
    ta, ttq = torch.tensor(x, requires_grad=True), torch.tensor(q, requires_grad=True)
    out, tout = a.quantile(tq, dim=1), torch.quantile(ta, ttq, dim=1)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    c = np.random.default_rng(5).standard_normal(out.shape)
    grads = ag.grad((out * Tensor(c)).sum(), [a, tq])
    tgrads = torch.autograd.grad((tout * torch.from_numpy(c)).sum(), [ta, ttq])
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g.data, tg.numpy(), rtol=1e-10)
