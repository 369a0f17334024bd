"""NumPy functions called on Tensors record the operation of the same name."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


def leaf() -> Tensor:
    return Tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], requires_grad=True)


@pytest.mark.parametrize(
    ("call", "same"),
    [
        (lambda t: np.exp(t), lambda t: t.exp()),
        (lambda t: np.sum(t, axis=0), lambda t: t.sum(axis=0)),
        (lambda t: np.mean(t), lambda t: t.mean()),
        (lambda t: np.max(t, 1), lambda t: t.amax(1)),
        (lambda t: np.concatenate([t, t], axis=1), lambda t: ag.concatenate([t, t], axis=1)),
        (lambda t: np.where(t.data > 0, t, 0.0), lambda t: ag.where(t.data > 0, t, 0.0)),
        (lambda t: np.ones(3) + t, lambda t: t + np.ones(3)),
        (lambda t: np.ones(3) * t, lambda t: t * np.ones(3)),
        (lambda t: np.maximum(t, 0.5), lambda t: ag.maximum(t, 0.5)),
        (lambda t: np.sort(t, 1), lambda t: t.sort(1).values),
        (lambda t: np.true_divide(t, 2.0), lambda t: t / 2.0),
    ],
)
def test_numpy_calls_are_recorded(call, same) -> None:
    a, b = leaf(), leaf()
    out, ref = call(a), same(b)
    assert isinstance(out, Tensor) and out.grad_fn is not None
    np.testing.assert_array_equal(np.asarray(out), np.asarray(ref))
    seed = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
    out.backward(seed)
    ref.backward(seed)
    np.testing.assert_array_equal(np.asarray(a.grad), np.asarray(b.grad))


def test_a_numpy_function_without_counterpart_is_refused_on_a_tensor_that_requires_grad() -> None:
    with pytest.raises(TypeError, match=r"numpy.fft.*requires grad"):
        np.fft.fft(leaf())
    with pytest.raises(TypeError, match="requires grad"):
        np.add.reduce(leaf())


def test_harmless_numpy_functions_and_tensors_without_grad_pass() -> None:
    t = leaf()
    assert np.shape(t) == (2, 3) and np.ndim(t) == 2
    plain = Tensor([1.0, 2.0])
    assert isinstance(np.fft.fft(plain), np.ndarray)  # no graph to cut
    assert isinstance(np.exp(plain), Tensor)


def test_writing_into_an_array_is_refused() -> None:
    arr = np.zeros((2, 3))
    with pytest.raises(TypeError):
        np.add(arr, leaf(), out=arr)
    np.testing.assert_array_equal(arr, 0.0)
