"""nn.init: PyTorch's formulas, in place, reproducible."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn import init
from nn.init import _calculate_fan_in_and_fan_out


def test_calculate_gain_table() -> None:
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(1 / 3)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "0.1")


def test_calculate_gain_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    for name, param in [("tanh", None), ("relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


def test_fan_in_and_fan_out() -> None:
    assert _calculate_fan_in_and_fan_out(Tensor(np.zeros((5, 3)))) == (3, 5)
    assert _calculate_fan_in_and_fan_out(np.zeros((4, 2, 3, 3))) == (18, 36)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        _calculate_fan_in_and_fan_out(Tensor(np.zeros(3)))


def test_initialisers_work_in_place_and_keep_dtype() -> None:
    t = nn.Parameter(np.zeros((30, 20), dtype=np.float32))
    arr = t.data
    for fn in (
        lambda x: init.kaiming_uniform_(x, generator=0),
        lambda x: init.xavier_uniform_(x, generator=0),
        lambda x: init.normal_(x, generator=0),
        lambda x: init.uniform_(x, -2, 2, generator=0),
        init.ones_,
        init.zeros_,
    ):
        assert fn(t) is t
        assert t.data is arr and t.dtype == np.float32
        assert t.grad_fn is None and t.requires_grad and t.grad is None
    assert not t.data.any()
    init.ones_(t)
    assert (t.data == 1).all()
    init.constant_(t, 0.25)
    assert (t.data == 0.25).all()


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.normal_, init.xavier_uniform_])
def test_generator_reproducibility(fn) -> None:
    a, b = Tensor(np.zeros((8, 6))), Tensor(np.zeros((8, 6)))
    fn(a, generator=3)
    fn(b, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a.data, b.data)
    autograd.manual_seed(9)
    fn(a)
    autograd.manual_seed(9)
    fn(b)
    np.testing.assert_array_equal(a.data, b.data)
    with pytest.raises(TypeError, match="generator"):
        fn(a, generator="seed")


def test_kaiming_uniform_bounds_and_variance() -> None:
    t = Tensor(np.zeros((300, 200)))
    init.kaiming_uniform_(t, a=0, mode="fan_in", nonlinearity="relu", generator=0)
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(t.data).max() <= bound and np.abs(t.data).max() > 0.99 * bound
    np.testing.assert_allclose(t.data.var(), 2 / 200, rtol=0.03)  # gain**2 / fan
    init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", generator=0)
    np.testing.assert_allclose(t.data.var(), 2 / 300, rtol=0.03)
    with pytest.raises(ValueError, match="Mode"):
        init.kaiming_uniform_(t, mode="fan_avg")


def test_kaiming_uniform_with_sqrt5_is_one_over_sqrt_fan_in() -> None:
    t = Tensor(np.zeros((100, 64)))
    init.kaiming_uniform_(t, a=math.sqrt(5), generator=1)
    assert np.abs(t.data).max() <= 1 / 8
    np.testing.assert_allclose(t.data.var(), (1 / 8) ** 2 / 3, rtol=0.03)


def test_xavier_normal_and_kaiming_normal_std() -> None:
    t = Tensor(np.zeros((400, 100)))
    init.xavier_uniform_(t, gain=2.0, generator=0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(t.data).max() <= bound
    np.testing.assert_allclose(t.data.var(), bound**2 / 3, rtol=0.03)
    init.xavier_normal_(t, generator=0)
    np.testing.assert_allclose(t.data.std(), math.sqrt(2 / 500), rtol=0.02)
    init.kaiming_normal_(t, nonlinearity="relu", generator=0)
    np.testing.assert_allclose(t.data.std(), math.sqrt(2 / 100), rtol=0.02)
    init.normal_(t, mean=3.0, std=0.5, generator=0)
    np.testing.assert_allclose([t.data.mean(), t.data.std()], [3.0, 0.5], rtol=0.01)


def test_errors_and_empty_tensors() -> None:
    with pytest.raises(TypeError, match="floating"):
        init.normal_(Tensor(np.zeros(3, dtype=np.int64)))
    with pytest.raises(TypeError, match="Tensor or numpy array"):
        init.zeros_([1.0, 2.0])
    empty = Tensor(np.zeros((0, 3)))
    assert init.kaiming_uniform_(empty) is empty  # no-op, as in PyTorch
    ints = np.arange(4)
    init.zeros_(ints)  # filling with a constant works for any dtype
    assert not ints.any()
