"""Values, gradients and some second derivatives against PyTorch.

Every row of the op table is run on hypothesis-drawn inputs through the
PyTorch function listed in ``TORCH`` below, and the outputs and the
vector-Jacobian products are compared. Kinks and ties (relu and abs at 0,
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
from tests.autograd.op_table import OPS, Case, OpSpec, cases, floats

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")


def _dims(x: Any, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(x.dim()))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _reduce(fn: Callable) -> Callable:
    """A NumPy-style reduction (axis None/int/tuple, keepdims) from a torch one."""

    def reduce(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        dims = _dims(x, axis)
        if not dims:  # NumPy reduces over no axis: the input itself
            return x * 1.0
        return fn(x, dim=dims, keepdim=keepdims)

    return reduce


def _index(x: Any, index: Any) -> Any:
    """NumPy indexing through torch's gather-style indexing of the flat tensor.

    torch has no negative-step slices, so the index is first applied to the
    flat positions ``0 .. size-1`` with NumPy, and the resulting integer
    array gathers from the flattened tensor: the same values, and the
    gradient scatters back with repeats accumulated.
    """
    flat = np.arange(x.numel()).reshape(tuple(x.shape))[index]
    # A fresh copy: torch refuses arrays with negative strides.
    return x.reshape(-1)[torch.from_numpy(np.array(flat, dtype=np.int64, copy=True))]


def _t(x: Any) -> Any:
    return x.permute(*reversed(range(x.dim()))) if x.dim() >= 2 else x * 1.0


# The same computation as each op-table row, in PyTorch (``c`` is a constant
# input: the NumPy array on one side of an operator).
TORCH: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow_tensor_tensor": lambda a, b: a**b,
    "add_scalar": lambda x: x + 1.5,
    "radd_scalar": lambda x: 1.5 + x,
    "sub_scalar": lambda x: x - 0.5,
    "rsub_scalar": lambda x: 2.0 - x,
    "mul_scalar": lambda x: x * -2.5,
    "rmul_int_scalar": lambda x: 3 * x,
    "div_scalar": lambda x: x / 2.0,
    "rdiv_scalar": lambda x: 10.0 / x,
    "pow_scalar": lambda x, p: x**p,
    "pow_int_scalar_signed_base": lambda x, p: x**p,
    "rpow_scalar": lambda x: 2.0**x,
    "radd_ndarray": lambda c, x: c + x,
    "rsub_ndarray": lambda c, x: c - x,
    "rmul_ndarray": lambda c, x: c * x,
    "rdiv_ndarray": lambda c, x: c / x,
    "rpow_ndarray": lambda c, x: c**x,
    "add_ndarray": lambda x, c: x + c,
    "mul_ndarray": lambda x, c: x * c,
    "neg": lambda x: -x,
    "abs": torch.abs,
    "abs_builtin": torch.abs,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "clip": lambda x, lo, hi: torch.clamp(x, lo, hi),
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "maximum_scalar": lambda x: torch.maximum(x, torch.tensor(0.5, dtype=x.dtype)),
    "where": lambda c, a, b: torch.where(c > 0, a, b),
    "where_ndarray_cond_scalar_branch": lambda c, a: torch.where(c < 0, 0.0, a),
    "sum": _reduce(torch.sum),
    "mean": _reduce(torch.mean),
    "max": _reduce(torch.amax),
    "min": _reduce(torch.amin),
    "logsumexp": _reduce(torch.logsumexp),
    "softmax": lambda x, axis=-1: torch.softmax(x, dim=axis),
    "log_softmax": lambda x, axis=-1: torch.log_softmax(x, dim=axis),
    "reshape": lambda x, shape, varargs: x.reshape(shape),
    "transpose_reverse": _t,
    "transpose_permutation": lambda x, axes, varargs: x.permute(tuple(axes)) * 1.0,
    "T": _t,
    "flatten": lambda x: x.reshape(-1),
    "getitem_basic": _index,
    "getitem_int_arrays": _index,
    "getitem_int_list_axis0": _index,
    "getitem_int_tensor_axis0": _index,
    "getitem_bool_mask": _index,
    "getitem_bool_tensor_mask": lambda x: x[x > 0],
    "getitem_slice_and_int_array": _index,
    "concatenate2": lambda a, b, axis: torch.cat([a, b], dim=axis),
    "concatenate3": lambda a, b, c, axis: torch.cat([a, b, c], dim=axis),
    "stack2": lambda a, b, axis: torch.stack([a, b], dim=axis),
    "stack3": lambda a, b, c, axis: torch.stack([a, b, c], dim=axis),
    "matmul": lambda a, b: a @ b,
    "rmatmul_ndarray": lambda c, x: c @ x,
}

# Rows whose second derivatives are also compared.
SECOND_ORDER = [
    "mul",
    "div",
    "pow_tensor_tensor",
    "pow_scalar",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "logsumexp",
    "softmax",
    "log_softmax",
    "matmul",
]

SPECS = {spec.name: spec for spec in OPS}

# The op table is already checked in depth against NumPy and finite
# differences (test_ops); here a third of the profile's examples per row is
# enough to catch a semantic difference and keeps the oracle fast.
oracle_settings = settings(max_examples=max(5, settings.default.max_examples // 3))


def test_every_row_has_a_torch_counterpart() -> None:
    assert set(TORCH) == set(SPECS)


def run_both(spec: OpSpec, case: Case) -> tuple[list[Tensor], Tensor, list[Any], Any]:
    ours = case.tensors(spec, np.float64)
    theirs = [
        torch.tensor(a, dtype=torch.float64, requires_grad=bool(w))
        for a, w in zip(case.arrays, spec.differentiated)
    ]
    return ours, spec.op(*ours, **case.params), theirs, TORCH[spec.name](*theirs, **case.params)


@pytest.mark.parametrize("spec", OPS, ids=[s.name for s in OPS])
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


@pytest.mark.parametrize("name", SECOND_ORDER)
@oracle_settings
@given(data=st.data())
def test_second_derivatives_match_torch(name: str, data: st.DataObject) -> None:
    spec = SPECS[name]
    case = data.draw(cases(spec, max_dims=2, max_side=3), label="case")
    if name == "pow_tensor_tensor":
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
    grads_of(lambda t: t.max(axis, keepdims), lambda t: _reduce(torch.amax)(t, axis, keepdims), x)
    grads_of(lambda t: t.min(axis, keepdims), lambda t: _reduce(torch.amin)(t, axis, keepdims), x)


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
