"""autograd.testing: hypothesis strategies and check_gradients."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.tensor import Tensor
from autograd.testing import (
    broadcastable_shapes,
    broadcastable_tensors,
    check_gradients,
    tensors,
)
from tests.autograd.planted import FrozenSquare, HalfGradSquare


@given(t=tensors(shape=(2, 3)))
def test_tensors_fixed_shape_defaults(t):
    assert isinstance(t, Tensor)
    assert t.shape == (2, 3) and t.dtype == np.float64
    assert t.requires_grad and t.is_leaf and t.grad is None
    assert np.all(np.isfinite(t.data)) and np.all(np.abs(t.data) <= 10.0)


@given(t=tensors())
def test_tensors_default_shapes_are_small(t):
    assert 0 <= t.ndim <= 3 and all(1 <= s <= 4 for s in t.shape)


@given(
    t=tensors(
        shape=st.tuples(st.integers(1, 3), st.integers(1, 3)),
        dtype=st.sampled_from([np.float32, "float64"]),
        min_value=-1.0,
        max_value=0.5,
    )
)
def test_tensors_shape_and_dtype_strategies_and_range(t):
    assert t.ndim == 2 and 1 <= t.shape[0] <= 3 and 1 <= t.shape[1] <= 3
    assert t.dtype in (np.float32, np.float64)
    assert np.all(t.data >= -1.0) and np.all(t.data <= 0.5)


@given(t=tensors(shape=(4,), dtype=np.float32))
def test_float32_values_are_exact_float32(t):
    assert t.dtype == np.float32 and t.requires_grad


@given(t=tensors(shape=(3,), dtype=np.int64, min_value=-5, max_value=5))
def test_integer_tensors_never_require_grad(t):
    assert t.dtype == np.int64 and not t.requires_grad
    assert np.all(np.abs(t.data) <= 5)


@given(t=tensors(shape=(5,), elements=st.sampled_from([1.5, -2.5]), requires_grad=False))
def test_tensors_custom_elements_and_no_grad(t):
    assert not t.requires_grad
    assert set(t.data.tolist()) <= {1.5, -2.5}


@given(a=tensors(shape=(2,)), b=tensors(shape=(2,)))
def test_drawn_tensors_do_not_share_memory(a, b):
    assert not np.shares_memory(a.data, b.data)


@given(shapes=broadcastable_shapes(3, min_dims=1, max_dims=4, max_side=3))
def test_broadcastable_shapes(shapes):
    assert isinstance(shapes, tuple) and len(shapes) == 3
    result = np.broadcast_shapes(*shapes)  # raises if they do not broadcast
    for s in shapes:
        assert 1 <= len(s) <= 4 and all(1 <= d <= 3 for d in s)
    assert len(result) == max(len(s) for s in shapes)


@given(shapes=broadcastable_shapes(2, base_shape=(3, 1)))
def test_broadcastable_shapes_base_shape(shapes):
    np.broadcast_shapes((3, 1), *shapes)


@given(ts=broadcastable_tensors(3, dtype=st.sampled_from([np.float32, np.float64])))
def test_broadcastable_tensors(ts):
    assert len(ts) == 3 and all(isinstance(t, Tensor) for t in ts)
    assert len({t.dtype for t in ts}) == 1
    np.broadcast_shapes(*(t.shape for t in ts))
    assert all(t.requires_grad for t in ts)


# ---------------------------------------------------------------------------
# check_gradients
# ---------------------------------------------------------------------------


@given(
    x=tensors(shape=(3, 4), min_value=-2, max_value=2),
    w=tensors(shape=(4,), min_value=-2, max_value=2),
)
def test_check_gradients_in_a_given_test(x, w):
    check_gradients(lambda x, w: (x @ w).tanh(), x, w, second_order=True)


def test_check_gradients_raises_assertion_with_report():
    x = Tensor([0.5, 1.5], requires_grad=True)
    with pytest.raises(AssertionError) as info:
        check_gradients(HalfGradSquare.apply, x)
    msg = str(info.value)
    assert "gradcheck: Jacobian mismatch for output 0" in msg
    assert "largest absolute error" in msg
    assert "inputs: (2,) float64" in msg


def test_check_gradients_second_order():
    x = Tensor([0.5, 1.5], requires_grad=True)
    check_gradients(FrozenSquare.apply, x)  # first order is right
    with pytest.raises(AssertionError, match="gradgradcheck"):
        check_gradients(FrozenSquare.apply, x, second_order=True)


def test_check_gradients_float32_without_warning_and_pass_through_args():
    x = Tensor(np.array([0.5, -1.5], dtype=np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_gradients(lambda x, k: x.tanh() * k, x, 3.0, second_order=True)
    with pytest.raises(AssertionError, match=r"inputs: \(2,\) float32, 3.0"):
        check_gradients(lambda x, k: HalfGradSquare.apply(x) * k, x, 3.0)


def test_import_autograd_testing_does_not_need_hypothesis():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import autograd, autograd.testing as t\n"
        "from autograd.tensor import Tensor\n"
        "t.check_gradients(lambda x: x * x, Tensor([1.0], requires_grad=True))\n"
        "try:\n"
        "    t.tensors()\n"
        "except ImportError as e:\n"
        "    print('ImportError:', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "ImportError: autograd.testing strategies need hypothesis" in out
