"""nn.functional: the stateless forms behind layers and losses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Tensor
from autograd.gradcheck import gradcheck
from nn import functional as F


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.integers(0, 2**32 - 1),
    st.data(),
)
def test_softmax_and_log_softmax(shape, seed, data) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(seed).normal(scale=4.0, size=shape)
    sm = F.softmax(Tensor(x), axis=axis)
    np.testing.assert_allclose(sm.data, np_softmax(x, axis), rtol=1e-13)
    np.testing.assert_allclose(
        F.log_softmax(Tensor(x), axis=axis).data,
        np.log(np_softmax(x, axis)),
        rtol=1e-12,
        atol=1e-14,  # x - logsumexp(x) rounds near 0 (log(1 + tiny)), as in PyTorch
    )
    gradcheck(lambda t: F.log_softmax(t, axis=axis), leaf(x))


def test_log_softmax_of_huge_logits_is_finite() -> None:
    out = F.log_softmax(Tensor([1e4, -1e4, 0.0]))
    np.testing.assert_allclose(out.data, [0.0, -2e4, -1e4])


def test_linear_matches_numpy_with_and_without_bias() -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)
    np.testing.assert_allclose(F.linear(Tensor(x), Tensor(w)).data, x @ w.T, rtol=1e-14)
    np.testing.assert_allclose(
        F.linear(Tensor(x), Tensor(w), Tensor(b)).data, x @ w.T + b, rtol=1e-14
    )
    gradcheck(F.linear, (leaf(x), leaf(w), leaf(b)))
    with pytest.raises(ValueError, match="in_features"):
        F.linear(Tensor(x), Tensor(w.T))


def test_elementwise_functions_accept_arrays_and_match_numpy() -> None:
    x = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(F.relu(x).data, np.maximum(x, 0))
    np.testing.assert_allclose(F.sigmoid(x).data, 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(F.tanh(x).data, np.tanh(x), rtol=1e-15)
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).data, np.where(x > 0, x, 0.1 * x))


def test_functional_dropout() -> None:
    x = Tensor(np.ones((100, 10)))
    assert F.dropout(x, 0.4, training=False) is x
    a = F.dropout(x, 0.4, generator=5).data
    np.testing.assert_array_equal(a, F.dropout(x, 0.4, generator=5).data)
    assert set(np.unique(a)) == {0.0, 1 / 0.6}
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 2.0)


def test_layers_and_functions_agree() -> None:
    x = Tensor(np.linspace(-2, 2, 9).reshape(3, 3))
    lin = nn.Linear(3, 2, seed=0)
    np.testing.assert_array_equal(lin(x).data, F.linear(x, lin.weight, lin.bias).data)
    np.testing.assert_array_equal(nn.Sigmoid()(x).data, F.sigmoid(x).data)
    np.testing.assert_array_equal(nn.LeakyReLU(0.3)(x).data, F.leaky_relu(x, 0.3).data)


def test_functions_match_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    tf = torch.nn.functional
    x = np.random.default_rng(1).normal(scale=3.0, size=(4, 5))
    cases = [
        (lambda t: F.softmax(t, axis=0), lambda t: tf.softmax(t, dim=0)),
        (lambda t: F.log_softmax(t, axis=1), lambda t: tf.log_softmax(t, dim=1)),
        (F.relu, tf.relu),
        (F.sigmoid, torch.sigmoid),
        (F.tanh, torch.tanh),
        (lambda t: F.leaky_relu(t, 0.05), lambda t: tf.leaky_relu(t, 0.05)),
    ]
    weights = np.random.default_rng(2).normal(size=(4, 5))  # a non-trivial output gradient
    for ours, theirs in cases:
        o = leaf(x)
        out = ours(o)
        (out * weights).sum().backward()
        t = torch.tensor(x, requires_grad=True)
        t_out = theirs(t)
        (t_out * torch.tensor(weights)).sum().backward()
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-13)
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-11, atol=1e-15)
