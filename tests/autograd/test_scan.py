"""Reductions of ``autograd/ops/scan.py`` without a gradient (argmax, argmin,
all, any, count_nonzero), the indices of cummax/cummin, and the edges of the
differentiable ones, against NumPy and PyTorch."""

from __future__ import annotations

import warnings
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")

HOSTILE = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.5, 1.0])


def hostile_arrays(min_dims: int = 0) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=3),
        elements=HOSTILE,
    )


def dim_for(x: np.ndarray) -> st.SearchStrategy[int]:
    n = max(x.ndim, 1)
    return st.integers(-n, n - 1)


@settings(max_examples=30)
@given(x=hostile_arrays(), data=st.data())
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_reductions_match_torch_with_nan(name: str, x: np.ndarray, data: st.DataObject) -> None:
    t = torch.from_numpy(x)
    ours = getattr(Tensor(x), name)()
    assert ours.dtype == np.int64 and ours.shape == ()
    assert int(ours.data) == int(getattr(t, name)())
    assert int(getattr(ag, name)(x).data) == int(getattr(np, name)(x))
    dim = data.draw(dim_for(x))
    keep = data.draw(st.booleans())
    got = getattr(Tensor(x), name)(dim, keepdim=keep)
    want = getattr(t, name)(dim, keepdim=keep).numpy()
    np.testing.assert_array_equal(got.data, want)
    np.testing.assert_array_equal(getattr(Tensor(x), name)(axis=dim, keepdims=keep).data, want)


def test_argmax_keepdim_without_dim_and_empty() -> None:
    x = np.arange(6.0).reshape(2, 3)
    assert Tensor(x).argmax(keepdim=True).shape == torch.argmax(torch.tensor(x), keepdim=True).shape
    with pytest.raises(ValueError, match=r"argmax.*empty"):
        Tensor(np.zeros((0, 2))).argmax()
    assert Tensor(np.zeros((0, 2))).argmax(1).shape == (0,)


@settings(max_examples=30)
@given(x=hostile_arrays(), data=st.data())
@pytest.mark.parametrize("name", ["all", "any", "count_nonzero"])
def test_boolean_reductions_match_torch(name: str, x: np.ndarray, data: st.DataObject) -> None:
    t = torch.from_numpy(x)
    np.testing.assert_array_equal(getattr(Tensor(x), name)().data, getattr(t, name)().numpy())
    if x.ndim:
        dims = data.draw(hnp.valid_tuple_axes(x.ndim, min_size=1))
        got = getattr(Tensor(x), name)(dims)
        want = getattr(t, name)(dims).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.data, want)


def test_all_and_any_of_empty_tensors() -> None:
    e = Tensor(np.zeros((0, 3)))
    assert bool(e.all().data) and not bool(e.any().data)
    np.testing.assert_array_equal(e.all(0).data, np.ones(3, dtype=bool))
    assert int(e.count_nonzero().data) == 0


@settings(max_examples=30)
@given(x=hostile_arrays(), data=st.data())
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_indices_match_torch_with_ties_and_nan(
    name: str, x: np.ndarray, data: st.DataObject
) -> None:
    dim = data.draw(dim_for(x))
    got = getattr(Tensor(x), name)(dim)
    want = getattr(torch.from_numpy(x), name)(dim)
    np.testing.assert_array_equal(got.values.data, want.values.numpy())
    np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
    assert got.indices.dtype == np.int64


@settings(max_examples=30)
@given(x=hostile_arrays(), data=st.data())
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
def test_scans_match_torch_on_hostile_values(name: str, x: np.ndarray, data: st.DataObject) -> None:
    dim = data.draw(dim_for(x))
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    with np.errstate(all="ignore"):
        out = getattr(ours, name)(dim)
        expected = getattr(torch, name)(theirs, dim)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, equal_nan=True)
        if np.isfinite(x).all() or name == "cumsum":
            seed = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
            (g,) = ag.grad(out, [ours], seed)
            (w,) = torch.autograd.grad(expected, [theirs], torch.from_numpy(seed))
            np.testing.assert_allclose(g.data, w.numpy(), rtol=1e-10, atol=1e-12, equal_nan=True)


def test_cumsum_without_dim_flattens_as_numpy() -> None:
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(Tensor(x).cumsum().data, np.cumsum(x))
    np.testing.assert_array_equal(ag.cumprod(x, axis=1).data, np.cumprod(x, axis=1))
    with pytest.raises(TypeError, match="logcumsumexp: missing the dim"):
        Tensor(x).logcumsumexp()


def test_logcumsumexp_is_stable_where_the_composition_overflows() -> None:
    x = Tensor(np.array([1000.0, 1000.0, -1000.0]), requires_grad=True)
    out = x.logcumsumexp(0)
    np.testing.assert_allclose(out.data, [1000.0, 1000.0 + np.log(2), 1000.0 + np.log(2)])
    out.sum().backward()
    t = torch.tensor(x.data, requires_grad=True)
    torch.logcumsumexp(t, 0).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "x",
    [[0.0, 2.0, 3.0], [0.0, 0.0, 3.0], [2.0, -1.0, 0.0], [[0.0, 1.0], [2.0, 0.0]]],
)
def test_prod_and_cumprod_gradients_with_zeros_match_torch(x: Any) -> None:
    for dim in (None, 0, -1):
        ours = Tensor(np.array(x), requires_grad=True)
        theirs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        out = ours.prod() if dim is None else ours.prod(dim)
        expected = theirs.prod() if dim is None else theirs.prod(dim)
        seed = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
        (g,) = ag.grad(out, [ours], seed)
        (w,) = torch.autograd.grad(expected, [theirs], torch.from_numpy(seed))
        np.testing.assert_allclose(g.data, w.numpy(), rtol=1e-12)
        if dim is not None:
            ours.grad = None
            c = ours.cumprod(dim)
            (g,) = ag.grad(c, [ours], np.ones(c.shape))
            (w,) = torch.autograd.grad(
                theirs.cumprod(dim), [theirs], torch.ones(c.shape, dtype=torch.float64)
            )
            np.testing.assert_allclose(g.data, w.numpy(), rtol=1e-12)


def test_var_std_defaults_and_keywords_follow_pytorch() -> None:
    x = np.array([[1.0, 2.0, 4.0], [0.5, 0.5, 3.0]])
    t = torch.from_numpy(x)
    np.testing.assert_allclose(Tensor(x).var().data, t.var().numpy())  # unbiased by default
    np.testing.assert_allclose(Tensor(x).var(ddof=0).data, np.var(x))
    np.testing.assert_allclose(Tensor(x).std(1, False).data, t.std(1, unbiased=False).numpy())
    np.testing.assert_allclose(Tensor(x).std(False).data, t.std(unbiased=False).numpy())
    np.testing.assert_allclose(
        Tensor(x).var(axis=0, keepdims=True, ddof=1).data, np.var(x, axis=0, ddof=1, keepdims=True)
    )
    v, m = ag.var_mean(x, 1, correction=0)
    tv, tm = torch.var_mean(t, 1, correction=0)
    np.testing.assert_allclose(v.data, tv.numpy())
    np.testing.assert_allclose(m.data, tm.numpy())
    sd, m = Tensor(x).std_mean(dim=0, keepdim=True)
    tsd, tm = torch.std_mean(t, dim=0, keepdim=True)
    np.testing.assert_allclose(sd.data, tsd.numpy())
    np.testing.assert_allclose(m.data, tm.numpy())
    with pytest.raises(TypeError, match="var: pass one of"):
        Tensor(x).var(ddof=0, correction=1)


def test_std_of_constant_slices_has_zero_gradient_as_torch() -> None:
    x = np.array([[2.0, 2.0], [1.0, 3.0]])
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    ours.std(1).sum().backward()
    theirs.std(1).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy())
    # One element with the default correction: 0/0, NaN as in PyTorch.
    assert np.isnan(Tensor([1.0]).var().data)
    assert np.isnan(torch.tensor([1.0]).var().numpy())


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf"), -float("inf"), 0, "fro"])
def test_norm_at_zero_and_ties_matches_torch(p: Any) -> None:
    x = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5]])
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out = ours.norm(p, dim=1)
    expected = torch.norm(theirs, p=p, dim=1)
    np.testing.assert_allclose(out.data, expected.detach().numpy())
    out.backward(np.array([1.0, 2.0]))
    expected.backward(torch.tensor([1.0, 2.0], dtype=torch.float64))
    # p = 0 counts non-zeros: PyTorch leaves no gradient, this library a zero one.
    want = np.zeros(x.shape) if theirs.grad is None else theirs.grad.numpy()
    np.testing.assert_allclose(ours.grad.data, want, equal_nan=True)


def test_norm_rejects_unknown_p() -> None:
    with pytest.raises(ValueError, match="norm: p='nuc'"):
        Tensor(np.ones((2, 2))).norm("nuc")


def test_nan_reductions_skip_nan_and_give_it_no_gradient() -> None:
    x = np.array([[np.nan, 1.0, 2.0], [np.nan, np.nan, np.nan]])
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out = ours.nanmean(1)
    expected = torch.nanmean(theirs, 1)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), equal_nan=True)
    out.backward(np.ones(2))
    expected.backward(torch.ones(2, dtype=torch.float64))
    # A NaN gets no gradient, even in a slice of NaN only (PyTorch: NaN there).
    np.testing.assert_allclose(ours.grad.data[0], theirs.grad.numpy()[0])
    np.testing.assert_array_equal(ours.grad.data[1], 0.0)
    assert np.isnan(theirs.grad.numpy()[1]).all()
    np.testing.assert_allclose(ag.nansum(x).data, torch.nansum(torch.from_numpy(x)).numpy())


def test_aminmax_is_a_named_pair() -> None:
    x = np.array([[3.0, -1.0], [2.0, 5.0]])
    got = ag.aminmax(x, dim=0)
    want = torch.aminmax(torch.from_numpy(x), dim=0)
    np.testing.assert_array_equal(got.min.data, want.min.numpy())
    np.testing.assert_array_equal(got.max.data, want.max.numpy())
    lo, hi = Tensor(x).aminmax()
    assert float(lo.data) == -1.0 and float(hi.data) == 5.0


def test_zero_d_and_empty_edges() -> None:
    s = Tensor(2.5, requires_grad=True)
    scans = [(s.prod(), 2.5), (s.cumsum(0), 2.5), (s.cumprod(0), 2.5), (s.norm(), 2.5)]
    for out, want in [*scans, (s.logcumsumexp(0), 2.5)]:
        assert out.shape == () and float(out.data) == want
    assert s.cummax(0).indices.shape == ()
    # A one-element scan is the identity: gradient 1 even at NaN, as PyTorch's.
    nan = Tensor(np.nan, requires_grad=True)
    nan.logcumsumexp(0).backward()
    tnan = torch.tensor(np.nan, dtype=torch.float64, requires_grad=True)
    torch.logcumsumexp(tnan, 0).backward()
    assert float(nan.grad.data) == float(tnan.grad) == 1.0
    np.testing.assert_array_equal(Tensor(np.zeros((0, 2))).prod(0).data, np.ones(2))
    assert Tensor(np.zeros((2, 0))).cumsum(1).shape == (2, 0)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "prod", "softmax", "log_softmax"])
def test_dtype_casts_the_input_first_like_torch(name: str) -> None:
    # dtype= was refused by these methods (PyTorch takes it; softmax's is positional too).
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    t = Tensor(x, requires_grad=True)
    out = getattr(t, name)(1, dtype=np.float64)
    expected = getattr(torch.from_numpy(x), name)(1, dtype=torch.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-12)
    out.sum().backward()
    assert t.grad.dtype == np.float32  # the gradient is cast back
    if name in ("softmax", "log_softmax"):
        assert getattr(t, name)(1, np.float64).dtype == np.float64


def test_logcumsumexp_second_derivative_overflows_silently() -> None:
    # The log-space rule's stand-in for log 0 doubled to -inf in a second derivative,
    # with a RuntimeWarning; the result (exp(-inf) = 0) was right.
    x = Tensor(np.zeros(2), requires_grad=True)
    (g,) = ag.grad((x.logcumsumexp(0) * Tensor([0.3, -0.7])).sum(), [x], create_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (h,) = ag.grad((g * Tensor([1.0, 2.0])).sum(), [x])
    tx = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    tl = (torch.logcumsumexp(tx, 0) * torch.tensor([0.3, -0.7], dtype=torch.float64)).sum()
    (tg,) = torch.autograd.grad(tl, [tx], create_graph=True)
    (th,) = torch.autograd.grad((tg * torch.tensor([1.0, 2.0], dtype=torch.float64)).sum(), [tx])
    np.testing.assert_allclose(h.data, th.numpy(), rtol=1e-12)
