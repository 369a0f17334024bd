"""nn's one dtype rule: raw arrays are cast to the dtype of the layer (or of
the loss's input) they meet; a Tensor of another dtype is a clear error."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor


def test_a_float32_model_fed_float64_arrays_computes_in_float32() -> None:
    model = nn.MLP([3, 4, 2], dtype=np.float32, seed=0)
    out = model(np.random.default_rng(0).normal(size=(5, 3)))  # float64 data
    assert out.dtype == np.float32
    loss = nn.MSELoss()(out, np.zeros((5, 2)))  # a float64 target array is cast too
    assert loss.dtype == np.float32
    loss.backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_a_float64_layer_fed_float32_arrays_computes_in_float64() -> None:
    layer = nn.Linear(3, 2, dtype=np.float64, seed=0)
    assert layer(np.ones((4, 3), dtype=np.float32)).dtype == np.float64
    assert layer([[1.0, 2.0, 3.0]]).dtype == np.float64


def test_a_tensor_of_another_dtype_is_an_error_naming_both() -> None:
    layer = nn.Linear(3, 2, dtype=np.float32, seed=0)
    x = Tensor(np.ones((4, 3)))  # float64
    with pytest.raises(TypeError, match=r"linear: expected input of dtype float32.*float64"):
        layer(x)
    with pytest.raises(TypeError, match=r"float32.*float64"):
        nn.MLP([3, 2], dtype=np.float32, seed=0)(x)


def test_loss_targets_follow_the_same_rule() -> None:
    pred = Tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match=r"mse_loss: expected target of dtype float32.*float64"):
        nn.MSELoss()(pred, Tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match="cross_entropy"):
        nn.CrossEntropyLoss()(pred, Tensor(np.full((2, 3), 1 / 3)))
    assert nn.MSELoss()(pred, np.ones((2, 3))).dtype == np.float32


def test_bias_of_another_dtype_is_an_error() -> None:
    with pytest.raises(TypeError, match="bias"):
        nn.functional.linear(
            Tensor(np.ones((1, 3))), Tensor(np.ones((2, 3))), Tensor(np.ones(2, dtype=np.float32))
        )


def test_a_bias_of_another_dtype_is_an_error_for_tensor_and_array_inputs() -> None:
    w = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)  # float64
    for x in (Tensor(np.ones((4, 3), dtype=np.float32)), np.ones((4, 3))):
        with pytest.raises(TypeError, match=r"linear: expected bias of dtype float32.*float64"):
            nn.functional.linear(x, w, b)
