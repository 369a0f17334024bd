"""autograd.testing: hypothesis strategies and check_gradients."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

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

ROOT = Path(__file__).resolve().parents[2]


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
    assert "input 0: Tensor, shape (2,), float64, requires grad:\n      [0.5, 1.5]" in msg


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
    with pytest.raises(AssertionError) as info:
        check_gradients(lambda x, k: HalfGradSquare.apply(x) * k, x, 3.0)
    assert "input 0: Tensor, shape (2,), float32, requires grad:" in str(info.value)
    assert "input 1: 3.0 (float, passed to f unchanged)" in str(info.value)


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


# -- keeping away from kinks ----------------------------------------------------


@given(x=tensors(avoid=[0.0]))
def test_avoid_zero_makes_relu_and_abs_checkable(x):
    assert np.all(np.abs(x.data) >= 1e-3)
    check_gradients(lambda x: x.relu(), x)
    check_gradients(lambda x: x.abs(), x)


def test_without_avoid_relu_at_zero_fails_the_check():
    # The reason for ``avoid``: at a kink the finite differences see the
    # average of both slopes, which matches no subgradient.
    with pytest.raises(AssertionError, match=r"analytic 0, numerical 0\.5"):
        check_gradients(lambda x: x.relu(), Tensor([0.0], requires_grad=True))


@given(
    x=tensors(
        shape=(6,),
        dtype=np.float32,
        min_value=-2,
        max_value=2,
        avoid=[-1.0, 1.0],
        margin=0.05,
    )
)
def test_avoid_several_points_with_a_margin(x):
    assert np.all(np.abs(np.abs(x.data.astype(np.float64)) - 1.0) >= 0.05)
    check_gradients(lambda x: x.clip(-1.0, 1.0), x)


@given(t=tensors(shape=(4,), elements=st.sampled_from([0.0, 0.5, 2.0]), avoid=[0.0]))
def test_avoid_applies_to_custom_elements(t):
    assert set(t.data.tolist()) <= {0.5, 2.0}


@given(ts=broadcastable_tensors(2, avoid=[0.0], margin=0.5, max_side=3))
def test_broadcastable_tensors_avoid(ts):
    for t in ts:
        assert np.all(np.abs(t.data) >= 0.5)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"avoid": [0.0], "margin": 0.0}, "margin must be a positive finite number"),
        ({"avoid": [0.0], "margin": float("nan")}, "margin must be a positive finite number"),
        ({"avoid": [float("inf")]}, "avoid must hold finite numbers"),
    ],
)
def test_bad_avoid_options_are_clear_errors(options, message):
    with pytest.raises(ValueError, match=message):
        tensors(**options)


# -- float32 bounds ---------------------------------------------------------------


@given(
    t=tensors(
        shape=(5,),
        dtype=st.sampled_from([np.float32, np.float64, np.float16]),
        min_value=0.1,
        max_value=0.7,
    )
)
def test_bounds_not_representable_in_the_dtype_are_rounded_inwards(t):
    values = t.data.astype(np.float64)
    assert np.all(values >= 0.1) and np.all(values <= 0.7)


@given(t=tensors(shape=(3,), dtype=np.float32, min_value=-1e300, max_value=1e300))
def test_bounds_beyond_the_dtype_range_are_clamped(t):
    assert t.dtype == np.float32 and np.all(np.isfinite(t.data))


def test_a_range_with_no_representable_value_is_a_clear_error():
    @given(t=tensors(shape=(1,), dtype=np.float32, min_value=0.1, max_value=0.1))
    def draw(t):
        raise AssertionError("unreachable: nothing can be drawn")

    with pytest.raises(
        ValueError, match=r"no float32 value lies in \[min_value=0.1, max_value=0.1\]"
    ):
        draw()


# -- the failure report -----------------------------------------------------------


def test_report_of_a_scalar_input():
    with pytest.raises(AssertionError) as info:
        check_gradients(HalfGradSquare.apply, Tensor(0.5, requires_grad=True))
    msg = str(info.value)
    assert msg.startswith("gradcheck: Jacobian mismatch for output 0")
    assert "input 0: Tensor, a scalar, float64, requires grad:\n      0.5" in msg


def test_pytest_report_starts_with_the_mismatch_and_omits_the_source(tmp_path):
    test_file = tmp_path / "test_user_gradients.py"
    test_file.write_text(
        "from autograd import Tensor\n"
        "from autograd.testing import check_gradients\n"
        "\n"
        "def test_detached():\n"
        "    x = Tensor([1.0, 2.0], requires_grad=True)\n"
        "    check_gradients(lambda x: x.detach() * x, x)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "def check_gradients" not in out and "catch_warnings" not in out
    error_lines = [line for line in out.splitlines() if line.startswith("E ")]
    assert error_lines[0].startswith("E       AssertionError: gradcheck: Jacobian mismatch")
    assert ">       check_gradients(lambda x: x.detach() * x, x)" in out
