"""Values, gradients and some second derivatives against PyTorch.

Every row of the op table is run on hypothesis-drawn inputs through the
PyTorch counterpart the row names (its ``torch`` field), and the outputs and
the vector-Jacobian products are compared; smooth rows also compare
Hessian-vector products, and every elementwise or single-input row is
compared on hostile values (NaN, infinities, signed zeros, empty and 0-d
arrays, non-contiguous and read-only inputs). Kinks and ties (relu and abs at 0,
max ties, maximum ties, clip at its bounds) are compared on fixed inputs.
Skipped when PyTorch is not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import assume, given, settings

import autograd as ag
from autograd import Tensor
from tests.autograd.op_table import OPS
from tests.autograd.opspec import Case, OpSpec, cases, floats
from tests.autograd.torch_refs import _reduce, resolve

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")


SPECS = {spec.name: spec for spec in OPS}

# The op table is already checked in depth against NumPy and finite
# differences (test_ops); here a third of the profile's examples per row is
# enough to catch a semantic difference and keeps the oracle fast.
oracle_settings = settings(max_examples=max(5, settings.default.max_examples // 3))


TORCH_OPS = [spec for spec in OPS if spec.torch is not None]
SECOND_ORDER = [spec for spec in TORCH_OPS if spec.smooth]


def test_every_row_has_a_torch_counterpart() -> None:
    missing = [s.name for s in OPS if s.torch is None and not s.torch_missing]
    assert not missing, f"rows with no torch counterpart and no reason: {missing}"


def run_both(spec: OpSpec, case: Case) -> tuple[list[Tensor], Tensor, list[Any], Any]:
    ours = case.tensors(spec, np.float64)
    theirs = [
        torch.tensor(a, dtype=torch.float64, requires_grad=bool(w))
        for a, w in zip(case.arrays, spec.differentiated)
    ]
    return ours, spec.op(*ours, **case.params), theirs, resolve(spec.torch)(*theirs, **case.params)


@pytest.mark.parametrize("spec", TORCH_OPS, ids=[s.name for s in TORCH_OPS])
@oracle_settings
@given(data=st.data())
def test_values_and_gradients_match_torch(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec), label="case")
    ours, out, theirs, expected = run_both(spec, case)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = data.draw(hnp.arrays(np.float64, out.shape, elements=floats(-2.0, 2.0)), label="seed")
    diff = [k for k, w in enumerate(spec.differentiated) if w]
    got = ag.grad(out, [ours[k] for k in diff], grad_outputs=seed)
    want = torch.autograd.grad(
        expected, [theirs[k] for k in diff], grad_outputs=torch.from_numpy(seed), allow_unused=True
    )
    for k, g, w in zip(diff, got, want):
        w = np.zeros(ours[k].shape) if w is None else w.numpy()
        np.testing.assert_allclose(g.data, w, rtol=1e-10, atol=1e-12, err_msg=f"input {k}")


@pytest.mark.parametrize("spec", SECOND_ORDER, ids=[s.name for s in SECOND_ORDER])
@settings(max_examples=max(3, settings.default.max_examples // 8))
@given(data=st.data())
def test_second_derivatives_match_torch(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec, max_dims=2, max_side=3), label="case")
    if spec.name == "pow_tensor_tensor":
        # PyTorch's rule for d(a**b)/da is where(b == 0, 0, b * a**(b - 1)): the
        # constant branch makes its second derivative in b vanish at b = 0,
        # where the true value is a**(b - 1) (which the finite-difference
        # checks in test_ops confirm for this engine). Compare elsewhere.
        assume(np.all(case.arrays[1] != 0.0))

    ours, out, theirs, expected = run_both(spec, case)
    seed = data.draw(hnp.arrays(np.float64, out.shape, elements=floats(-2.0, 2.0)), label="seed")
    diff = [k for k, w in enumerate(spec.differentiated) if w]
    # Differentiate <grad, v> once more: a Hessian-vector product per input.
    first = ag.grad(out, [ours[k] for k in diff], grad_outputs=seed, create_graph=True)
    tfirst = torch.autograd.grad(
        expected, [theirs[k] for k in diff], grad_outputs=torch.from_numpy(seed), create_graph=True
    )
    vs = [np.cos(np.arange(ours[k].size)).reshape(ours[k].shape) for k in diff]
    inner = sum(((g * v).sum() for g, v in zip(first, vs)), Tensor(0.0))
    tinner = sum((g * torch.from_numpy(v)).sum() for g, v in zip(tfirst, vs))
    # A first derivative that does not depend on the inputs (x**0, a 0-d
    # logsumexp) has no graph to differentiate: its derivative is zero.
    got = (
        ag.grad(inner, [ours[k] for k in diff], allow_unused=True)
        if inner.requires_grad
        else [None] * len(diff)
    )
    want = (
        torch.autograd.grad(tinner, [theirs[k] for k in diff], allow_unused=True)
        if tinner.requires_grad
        else [None] * len(diff)
    )
    for k, g, w in zip(diff, got, want):
        g = np.zeros(ours[k].shape) if g is None else g.data
        w = np.zeros(ours[k].shape) if w is None else w.numpy()
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11, err_msg=f"input {k}")


# ---------------------------------------------------------------------------
# Hostile values: NaN, infinities, signed zeros, empty arrays
# ---------------------------------------------------------------------------

HOSTILE = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.5, 0.5]
HOSTILE_OPS = [s for s in TORCH_OPS if s.kind in ("elementwise", "single")]


def _same(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    """Equal values, NaN where PyTorch has NaN, and the same sign of zero."""
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("spec", HOSTILE_OPS, ids=[s.name for s in HOSTILE_OPS])
@oracle_settings
@given(data=st.data())
def test_hostile_values_match_torch(spec: OpSpec, data: st.DataObject) -> None:
    """Values and gradients where inputs hold NaN, inf and signed zeros."""
    shaped = data.draw(cases(spec, max_dims=2), label="case")
    arrays = tuple(
        data.draw(hnp.arrays(np.float64, a.shape, elements=st.sampled_from(HOSTILE)), label="x")
        for a in shaped.arrays
    )
    case = Case(arrays, shaped.params)
    with np.errstate(all="ignore"):
        ours, out, theirs, expected = run_both(spec, case)
        _same(out.data, expected.detach().numpy(), "forward")
        special = np.isnan if spec.torch_differs_at == "nan" else (lambda a: ~np.isfinite(a))
        if spec.torch_differs and any(special(a).any() for a in arrays):
            return  # gradients there differ on purpose: see the row and the README
        seed = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
        diff = [k for k, w in enumerate(spec.differentiated) if w]
        got = ag.grad(out, [ours[k] for k in diff], grad_outputs=seed, allow_unused=True)
    want = torch.autograd.grad(
        expected, [theirs[k] for k in diff], grad_outputs=torch.from_numpy(seed), allow_unused=True
    )
    for k, g, w in zip(diff, got, want):
        g = np.zeros(ours[k].shape) if g is None else g.data
        w = np.zeros(ours[k].shape) if w is None else w.numpy()
        _same(g, w, f"gradient of input {k}")


EMPTY_OPS = [s for s in TORCH_OPS if s.kind == "elementwise"]


@pytest.mark.parametrize("spec", EMPTY_OPS, ids=[s.name for s in EMPTY_OPS])
@pytest.mark.parametrize("shape", [(0,), (2, 0)])
def test_empty_inputs_match_torch(spec: OpSpec, shape: tuple[int, ...]) -> None:
    params = {}
    if spec.params is not None:
        from hypothesis import find

        params = find(spec.params(tuple([shape] * spec.arity)), lambda _: True)
    case = Case(tuple(np.zeros(shape) for _ in range(spec.arity)), params)
    ours, out, _theirs, expected = run_both(spec, case)
    assert out.shape == tuple(expected.shape)
    diff = [k for k, w in enumerate(spec.differentiated) if w]
    got = ag.grad(out, [ours[k] for k in diff], grad_outputs=np.zeros(out.shape), allow_unused=True)
    for _k, g in zip(diff, got):
        assert g is None or g.shape == shape


# ---------------------------------------------------------------------------
# Kinks and ties, on fixed inputs
# ---------------------------------------------------------------------------


def grads_of(fn_ours: Callable, fn_torch: Callable, *arrays: Any) -> None:
    """Compare values and gradients (weighted by a fixed upstream gradient)."""
    ours = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, expected = fn_ours(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(out.data, expected.detach().numpy())
    seed = np.linspace(0.5, 2.0, out.size).reshape(out.shape)
    out.backward(seed)
    expected.backward(torch.from_numpy(seed))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-12, atol=1e-14)


KINKS = [-1.0, 0.0, 0.0, 2.0]


def test_relu_at_zero_matches_torch() -> None:
    grads_of(lambda x: x.relu(), torch.relu, KINKS)


def test_abs_at_zero_matches_torch() -> None:
    grads_of(lambda x: x.abs(), torch.abs, KINKS)


def test_clip_at_its_bounds_matches_torch() -> None:
    x = [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]
    grads_of(lambda t: t.clip(-0.5, 1.0), lambda t: torch.clamp(t, -0.5, 1.0), x)
    grads_of(lambda t: t.clip(None, 0.5), lambda t: torch.clamp(t, max=0.5), x)


@pytest.mark.parametrize(
    ("axis", "keepdims"), [(None, False), (0, False), (1, True), ((0, 1), False)]
)
def test_max_and_min_ties_match_torch_amax_amin(axis: Any, keepdims: bool) -> None:
    x = [[3.0, 1.0, 3.0], [3.0, 2.0, 2.0]]
    grads_of(lambda t: t.amax(axis, keepdims), lambda t: _reduce("amax")(t, axis, keepdims), x)
    grads_of(lambda t: t.amin(axis, keepdims), lambda t: _reduce("amin")(t, axis, keepdims), x)
    grads_of(
        lambda t: t.max(axis=axis, keepdims=keepdims),
        lambda t: _reduce("amax")(t, axis, keepdims),
        x,
    )


def test_maximum_and_minimum_ties_match_torch() -> None:
    a, b = [1.0, 2.0, 3.0, 0.0], [1.0, 1.0, 4.0, 0.0]
    grads_of(ag.maximum, torch.maximum, a, b)
    grads_of(ag.minimum, torch.minimum, a, b)


def test_maximum_with_broadcast_ties_matches_torch() -> None:
    grads_of(ag.maximum, torch.maximum, [[1.0, 2.0], [2.0, 0.0]], [2.0, 2.0])


def test_where_matches_torch() -> None:
    cond = np.array([True, False, True])
    grads_of(
        lambda a, b: ag.where(cond, a, b),
        lambda a, b: torch.where(torch.from_numpy(cond), a, b),
        [1.0, 2.0, 3.0],
        [4.0, 5.0, 6.0],
    )


def test_softmax_family_with_extreme_inputs_matches_torch() -> None:
    x = [[1e4, 0.0, -1e4], [5.0, 5.0, 5.0]]
    for ours, theirs in [
        (lambda t: t.log_softmax(axis=1), lambda t: torch.log_softmax(t, dim=1)),
        (lambda t: t.softmax(axis=0), lambda t: torch.softmax(t, dim=0)),
        (lambda t: t.logsumexp(axis=1), lambda t: torch.logsumexp(t, dim=1)),
    ]:
        grads_of(ours, theirs, x)
