"""autograd.gradcheck: numerical_jacobian, gradcheck, gradgradcheck."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.function import Function
from autograd.gradcheck import (
    Float32GradcheckWarning,
    GradcheckError,
    gradcheck,
    gradgradcheck,
    numerical_jacobian,
)
from autograd.tensor import Tensor
from autograd.testing import broadcastable_tensors, tensors
from tests.autograd.planted import FrozenSquare, HalfGradSquare


def _x(*values, dtype=np.float64):
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


# ---------------------------------------------------------------------------
# numerical_jacobian
# ---------------------------------------------------------------------------


def test_numerical_jacobian_layout_and_values():
    a = Tensor([1.0, 2.0])
    b = Tensor([[3.0, 4.0, 5.0]])
    J = numerical_jacobian(lambda a: a * a, a)
    assert isinstance(J, Tensor) and J.dtype == np.float64 and J.shape == (2, 2)
    np.testing.assert_allclose(J.data, np.diag([2.0, 4.0]), atol=1e-8)
    JJ = numerical_jacobian(lambda a, b: (a.sum() * b, (a * a).sum()), (a, b))
    assert [[t.shape for t in row] for row in JJ] == [[(1, 3, 2), (1, 3, 1, 3)], [(2,), (1, 3)]]
    np.testing.assert_allclose(JJ[0][0].data, np.broadcast_to(b.data[..., None], (1, 3, 2)))
    np.testing.assert_allclose(JJ[0][1].data.reshape(3, 3), 3.0 * np.eye(3), atol=1e-8)
    np.testing.assert_allclose(JJ[1][0].data, [2.0, 4.0], atol=1e-8)
    np.testing.assert_allclose(JJ[1][1].data, np.zeros((1, 3)))


def test_numerical_jacobian_runs_in_float64_even_for_float32_inputs():
    x = Tensor(np.array([0.3, 1.7, -2.2], dtype=np.float32))
    J = numerical_jacobian(lambda x: x * x * x, x)
    assert J.dtype == np.float64
    # float32 finite differences with eps=1e-6 would be off by ~10%
    np.testing.assert_allclose(
        J.data, np.diag(3 * x.data.astype(np.float64) ** 2), rtol=1e-8, atol=1e-8
    )
    assert x.data.dtype == np.float32


def test_numerical_jacobian_does_not_mutate_and_handles_views():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    before = x.data.copy()
    # reshape/transpose outputs may be views of the perturbed input
    J = numerical_jacobian(lambda x: x.transpose(), x)
    np.testing.assert_allclose(
        J.data, np.eye(4).reshape(2, 2, 2, 2).transpose(1, 0, 2, 3), atol=1e-8
    )
    np.testing.assert_array_equal(x.data, before)
    assert x.grad is None


def test_numerical_jacobian_errors():
    with pytest.raises(TypeError, match="input 0 has dtype int"):
        numerical_jacobian(lambda x: x, Tensor(np.array([1, 2])))
    with pytest.raises(ValueError, match="eps must be positive"):
        numerical_jacobian(lambda x: x, Tensor([1.0]), eps=0.0)
    with pytest.raises(TypeError, match="outputs of f"):
        numerical_jacobian(lambda x: 1.0, Tensor([1.0]))


# ---------------------------------------------------------------------------
# gradcheck passes on correct gradients
# ---------------------------------------------------------------------------

SMOOTH = {
    "mul_tanh": lambda a, b: (a * b).tanh(),
    "div": lambda a, b: a / (b * b + 1.0),
    "exp_sub": lambda a, b: (a - b).exp() * 0.1,
    "sigmoid_sum": lambda a, b: ((a + b).sigmoid() * a).sum(),
    "two_outputs": lambda a, b: (a * b, (a * a).mean()),
}


@given(
    ab=broadcastable_tensors(2, min_value=-2.0, max_value=2.0), name=st.sampled_from(sorted(SMOOTH))
)
def test_gradcheck_and_gradgradcheck_pass_on_correct_functions(ab, name):
    a, b = ab
    before = (a.data.copy(), b.data.copy())
    assert gradcheck(SMOOTH[name], (a, b)) is True
    assert gradgradcheck(SMOOTH[name], (a, b)) is True
    np.testing.assert_array_equal(a.data, before[0])
    np.testing.assert_array_equal(b.data, before[1])
    assert a.grad is None and b.grad is None


def test_non_differentiable_inputs_are_passed_through():
    x = _x(0.5, -1.0)
    idx = Tensor(np.array([1, 0, 1]))
    const = Tensor([2.0, 3.0])  # does not require grad
    calls = []

    def f(x, idx, const, power):
        calls.append((idx.dtype, const.requires_grad, power))
        return (x * const)[idx.data] ** power

    assert gradcheck(f, (x, idx, const, 3))
    assert gradgradcheck(f, (x, idx, const, 3))
    assert all(c == (idx.dtype, False, 3) for c in calls)


def test_integer_outputs_are_skipped():
    x = _x(0.5, -1.0)
    assert gradcheck(lambda x: (x * 2, x > 0), x)


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda x: x, Tensor([1.0]))
    with pytest.raises(ValueError, match="no input requires grad"):
        gradgradcheck(lambda x: x, (Tensor(np.array([1])),))


# ---------------------------------------------------------------------------
# gradcheck fails on wrong gradients, with a useful report
# ---------------------------------------------------------------------------


def test_detached_factor_is_caught_with_full_report():
    x = _x(0.5, -1.0, 2.0)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x.detach() * x, x)
    msg = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "output 0 (shape (3,)) with respect to input 0 (shape (3,), float64)" in msg
    assert "largest absolute error 2.000e+00" in msg
    assert "output index (2,), input index (2,) (analytic 2, numerical 4)" in msg
    assert "largest relative error 5.000e-01" in msg
    assert "3 of 9 entries exceed" in msg
    # small Jacobians are printed in full
    assert "analytic Jacobian (3 output elements x 3 input elements)" in msg
    assert "numerical Jacobian" in msg
    assert gradcheck(lambda x: x.detach() * x, x, raise_exception=False) is False


def test_report_names_the_right_input_and_output():
    a = _x(1.0, 2.0)
    n = Tensor(np.array([0, 1]))  # passed through, still counts for numbering
    b = _x(0.5, 0.25)

    def f(a, n, b):
        return a * 2, a * HalfGradSquare.apply(b)

    with pytest.raises(GradcheckError, match=r"output 1 \(shape \(2,\)\) with respect to input 2"):
        gradcheck(f, (a, n, b))


def test_large_jacobian_report_lists_worst_entries():
    rng = np.random.default_rng(1)
    x = Tensor(rng.uniform(1.0, 2.0, size=(4, 5)), requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(HalfGradSquare.apply, x)
    msg = str(info.value)
    assert "worst entries of the (4, 5) x (4, 5) Jacobian" in msg
    assert "analytic Jacobian (" not in msg
    entries = re.findall(r"\((\d), (\d)\), \((\d), (\d)\): (\S+) vs (\S+), (\S+)", msg)
    assert len(entries) == 10
    errors = [float(e[-1]) for e in entries]
    assert errors == sorted(errors, reverse=True)
    # the worst entry is the largest x (the error is x), on the diagonal
    r, c = np.unravel_index(np.argmax(x.data), x.shape)
    assert entries[0][:4] == (str(r), str(c), str(r), str(c))
    assert "20 of 400 entries exceed" in msg


def test_nan_gradient_is_a_failure():
    class NanGrad(Function):
        def forward(self, x):
            return 2 * x.data

        def backward(self, g):
            return g * float("nan")

    with pytest.raises(GradcheckError, match="nan"):
        gradcheck(NanGrad.apply, _x(1.0, 2.0))


@given(x=tensors(min_value=0.5, max_value=2.0))
def test_planted_bug_is_always_caught_and_inputs_untouched(x):
    before = x.data.copy()
    assert gradcheck(HalfGradSquare.apply, x, raise_exception=False) is False
    np.testing.assert_array_equal(x.data, before)
    assert x.grad is None


def test_tolerances_are_applied():
    x = _x(1.0, 2.0)
    # relative error of the half gradient is 0.5: passes only with rtol > 0.5
    assert gradcheck(HalfGradSquare.apply, x, rtol=0.6)
    assert not gradcheck(HalfGradSquare.apply, x, rtol=0.4, raise_exception=False)
    assert gradcheck(HalfGradSquare.apply, x, atol=2.1, rtol=0.0)


# ---------------------------------------------------------------------------
# float32
# ---------------------------------------------------------------------------


def test_float32_input_warns_and_still_checks():
    x = _x(0.5, -1.0, dtype=np.float32)
    with pytest.warns(Float32GradcheckWarning, match="only meaningful in float64"):
        assert gradcheck(lambda x: x.tanh(), x)
    with pytest.warns(Float32GradcheckWarning):
        assert not gradcheck(HalfGradSquare.apply, x, raise_exception=False)
    with pytest.warns(Float32GradcheckWarning):
        assert gradgradcheck(lambda x: x.tanh(), x)


def test_float64_input_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda x: x.tanh(), _x(0.5, -1.0))


# ---------------------------------------------------------------------------
# gradgradcheck
# ---------------------------------------------------------------------------


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = _x(0.5, -1.0, 2.0)
    assert gradcheck(FrozenSquare.apply, x)
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(FrozenSquare.apply, x)
    msg = str(info.value)
    assert msg.startswith("gradgradcheck:")
    assert "the gradient with respect to input 0" in msg
    assert "with respect to input 0" in msg


def test_gradgradcheck_catches_a_backward_detached_from_grad_output():
    class DetachedSeed(Function):
        """x * x whose backward drops the graph of the incoming gradient."""

        def forward(self, x):
            self.save_for_backward(x)
            return x.data * x.data

        def backward(self, g):
            (x,) = self.saved
            return Tensor(g.data) * 2 * x

    x = _x(0.5, -1.0)
    assert gradcheck(DetachedSeed.apply, x)
    with pytest.raises(GradcheckError, match=r"with respect to grad_outputs\[0\]"):
        gradgradcheck(DetachedSeed.apply, x)


def test_gradgradcheck_with_given_grad_outputs():
    x = _x(0.5, -1.0)
    v = Tensor([1.0, 2.0])
    assert gradgradcheck(lambda x: (x * x * x, x.sum()), x, grad_outputs=(v, Tensor(1.0)))
    assert not v.requires_grad and v.grad is None
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(3,\)"):
        gradgradcheck(lambda x: x * x, x, grad_outputs=Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="one Tensor per floating-point output"):
        gradgradcheck(lambda x: x * x, x, grad_outputs=(v, v))


def test_gradgradcheck_function_without_second_derivative():
    # linear in x: the second derivative is zero, and must be found to be zero
    assert gradgradcheck(lambda a, b: a * 3.0 + b, (_x(1.0, 2.0), _x(0.5, 0.5)))


# ---------------------------------------------------------------------------
# fast_mode: random projections u^T J v
# ---------------------------------------------------------------------------


@given(
    ab=broadcastable_tensors(2, min_value=-2.0, max_value=2.0),
    name=st.sampled_from(sorted(SMOOTH)),
)
def test_fast_mode_passes_on_correct_functions(ab, name):
    assert gradcheck(SMOOTH[name], ab, fast_mode=True)
    assert gradgradcheck(SMOOTH[name], ab, fast_mode=True)
    assert ab[0].grad is None and ab[1].grad is None


@given(x=tensors(min_value=0.5, max_value=2.0))
def test_fast_mode_catches_planted_bugs(x):
    assert not gradcheck(HalfGradSquare.apply, x, fast_mode=True, raise_exception=False)
    assert not gradcheck(lambda x: x.detach() * x, x, fast_mode=True, raise_exception=False)
    assert gradcheck(FrozenSquare.apply, x, fast_mode=True)
    assert not gradgradcheck(FrozenSquare.apply, x, fast_mode=True, raise_exception=False)


def test_fast_mode_failure_gives_the_full_report():
    x = _x(0.5, -1.0, 2.0)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x.detach() * x, x, fast_mode=True)
    msg = str(info.value)
    assert "output 0 (shape (3,)) with respect to input 0" in msg
    assert "(analytic 2, numerical 4)" in msg
    with pytest.raises(GradcheckError, match="the gradient with respect to input 0"):
        gradgradcheck(FrozenSquare.apply, x, fast_mode=True)


def test_fast_mode_names_the_failing_input():
    a, b = _x(1.0, 2.0), _x(0.5, 0.25)
    with pytest.raises(GradcheckError, match="with respect to input 1"):
        gradcheck(lambda a, b: a * HalfGradSquare.apply(b), (a, b), fast_mode=True)


# ---------------------------------------------------------------------------
# PyTorch oracle: the numerical Jacobian agrees with torch's analytic one
# ---------------------------------------------------------------------------


@given(x=tensors(shape=st.sampled_from([(3,), (2, 3)]), min_value=-2.0, max_value=2.0))
def test_numerical_jacobian_matches_torch(x):
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    J = numerical_jacobian(lambda x: (x * x.sigmoid()).softmax(axis=-1), x)
    TJ = torch.autograd.functional.jacobian(
        lambda t: (t * t.sigmoid()).softmax(-1), torch.from_numpy(x.data.copy())
    )
    np.testing.assert_allclose(J.data, TJ.numpy(), rtol=1e-6, atol=1e-9)
