"""Table-driven tests of every operation in ``op_table.OPS``.

For each row, on hypothesis-drawn broadcastable shapes (0-d and size-1 axes
included) and values in the row's safe domain:

- ``test_op_contract``: forward values against the NumPy reference in
  float64 and float32; first derivatives against central finite differences
  (``autograd.gradcheck``) in float64; float32 in gives float32 out and
  float32 gradients; inputs, parameters, the seed gradient and existing
  ``.grad`` values are not mutated; ``requires_grad`` propagates and
  ``no_grad`` records nothing. The checks share one drawn example because
  drawing it costs more than all of them (each is a ``check_*`` helper, so a
  failure's traceback names the property).
- ``test_second_derivatives_match_finite_differences``:
  ``autograd.gradgradcheck`` for smooth rows, on smaller shapes.
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import Phase, given, settings

import autograd as ag
from autograd import Tensor
from autograd.function import PRIMITIVES, add_record_hook, remove_record_hook
from autograd.gradcheck import gradcheck, gradgradcheck
from tests.autograd.op_table import API_ITEMS, OPS, SMOOTH_OPS
from tests.autograd.opspec import Case, OpSpec, cases

# Forward tolerances: float64 results come from the same formulas as NumPy up
# to summation order; float32 results are compared with a float64 evaluation
# of the float32-rounded inputs, so only float32 rounding separates them.
TOL = {np.float64: {"rtol": 1e-10, "atol": 1e-12}, np.float32: {"rtol": 2e-5, "atol": 2e-5}}

# Second derivatives cost (inputs + outputs) graph evaluations per finite
# difference, each with a recorded backward: keep those cases smaller.
SMALL = {"max_dims": 2, "max_side": 2}


def ids(specs: list[OpSpec]) -> list[str]:
    return [s.name for s in specs]


def call(spec: OpSpec, case: Case, xs: list[Tensor]) -> Tensor:
    return spec.op(*xs, **case.params)


def reference(spec: OpSpec, case: Case, dtype: Any) -> np.ndarray:
    """The NumPy result, in float64, on inputs rounded to ``dtype``."""
    arrays = [a.astype(dtype).astype(np.float64) for a in case.arrays]
    return np.asarray(spec.ref(*arrays, **case.params))


def upstream(shape: tuple[int, ...]) -> np.ndarray:
    """A gradient for the output with varied signs and sizes: not all ones, so
    that a rule that ignores its incoming gradient, or mixes up its elements,
    is caught. Fixed rather than drawn: drawing it was a quarter of the cost
    of each example."""
    size = int(np.prod(shape))
    return (1.5 * np.cos(1.7 * np.arange(size) + 0.3)).reshape(shape)


def ndarrays_in(value: Any) -> list[np.ndarray]:
    """The arrays inside a parameter value (an index may be a tuple of arrays)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in ndarrays_in(v)]
    return []


def test_table_covers_every_api_operation() -> None:
    covered = {item for spec in OPS for item in spec.api}
    assert covered >= API_ITEMS, f"no row covers {sorted(API_ITEMS - covered)}"
    assert len({s.name for s in OPS}) == len(OPS), "row names must be unique"


def check_forward(spec: OpSpec, case: Case, dtype: Any) -> Tensor:
    """Values and dtype against NumPy, with no input requiring grad."""
    out = call(spec, case, case.tensors(spec, dtype, requires_grad=False))
    expected = reference(spec, case, dtype)
    assert isinstance(out, Tensor)
    assert isinstance(out.data, np.ndarray)
    assert out.shape == expected.shape
    assert out.dtype == dtype, f"{spec.name}: {np.dtype(dtype)} in, {out.dtype} out"
    np.testing.assert_allclose(out.data, expected, **TOL[dtype])
    assert not out.requires_grad and out.grad_fn is None
    return out


def check_float32_backward(spec: OpSpec, case: Case, g: np.ndarray) -> None:
    """float32 gradients of float32 inputs, close to the float64 ones."""
    x32 = case.tensors(spec, np.float32)
    # The float64 run starts from the same float32-rounded values.
    x64 = [Tensor(x.data.astype(np.float64), requires_grad=x.requires_grad) for x in x32]
    out32, out64 = call(spec, case, x32), call(spec, case, x64)
    assert out32.dtype == np.float32
    out32.backward(g.astype(np.float32))
    out64.backward(g)
    for k, (a, b) in enumerate(zip(x32, x64)):
        if not a.requires_grad:
            assert a.grad is None
            continue
        assert a.grad is not None, f"input {k} got no gradient"
        assert a.grad.dtype == np.float32, f"input {k}: grad dtype {a.grad.dtype}"
        assert a.grad.shape == a.shape
        np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-4, atol=1e-4)


def check_no_mutation(spec: OpSpec, case: Case, seed: np.ndarray) -> None:
    """Backward adds to existing gradients and writes into nothing it was given."""
    xs = case.tensors(spec, np.float64)
    diff = [x for x in xs if x.requires_grad]
    data_before = [x.data.copy() for x in xs]
    param_arrays = ndarrays_in(list(case.params.values()))
    params_before = [a.copy() for a in param_arrays]
    prior = [Tensor(np.full(x.shape, 0.5)) for x in diff]
    for x, p in zip(diff, prior):
        x.grad = p

    out = call(spec, case, xs)
    out_before = out.data.copy()
    seed_before = seed.copy()
    out.backward(seed)

    for x, before in zip(xs, data_before):
        np.testing.assert_array_equal(x.data, before)
    for a, before in zip(param_arrays, params_before):
        np.testing.assert_array_equal(a, before)
    np.testing.assert_array_equal(seed, seed_before)
    np.testing.assert_array_equal(out.data, out_before)
    for p in prior:
        np.testing.assert_array_equal(p.data, 0.5)

    fresh = case.tensors(spec, np.float64)
    expected = ag.grad(call(spec, case, fresh), [x for x in fresh if x.requires_grad], seed)
    for x, e in zip(diff, expected):
        np.testing.assert_allclose(x.grad.data, 0.5 + e.data, rtol=1e-12, atol=1e-12)

    # A second backward into fresh leaves (no prior grad): each gradient handed
    # out is its own array, so writing into one (gradient clipping, optimizers)
    # cannot change another, an input, or the seed.
    xs = case.tensors(spec, np.float64)
    call(spec, case, xs).backward(seed)
    diff = [x for x in xs if x.requires_grad]
    for i, x in enumerate(diff):
        assert not np.shares_memory(x.grad.data, seed)
        for y in xs:
            assert not np.shares_memory(x.grad.data, y.data)
        for z in diff[i + 1 :]:
            assert not np.shares_memory(x.grad.data, z.grad.data), (
                f"{spec.name}: two inputs' .grad share memory"
            )


def check_requires_grad(spec: OpSpec, case: Case, flags: list[bool]) -> None:
    """The output requires grad iff some input does; nothing is recorded under no_grad."""
    xs = case.tensors(spec, np.float64, requires_grad=flags)
    any_grad = any(x.requires_grad for x in xs)
    out = call(spec, case, xs)
    assert out.requires_grad == any_grad
    if any_grad:
        assert not out.is_leaf
        assert isinstance(out.grad_fn.name, str) and out.grad_fn.name
    else:
        assert out.grad_fn is None
    with ag.no_grad():
        quiet = call(spec, case, xs)
    assert not quiet.requires_grad, f"{spec.name} recorded a graph under no_grad"
    assert quiet.grad_fn is None
    np.testing.assert_array_equal(quiet.data, out.data)


def check_arrays(spec: OpSpec, case: Case, dtype: Any, create_graph: bool) -> None:
    """The output's and every gradient's ``.data`` is an ``ndarray`` of the
    input dtype (arithmetic on 0-d arrays gives NumPy scalars, which are not)."""
    xs = case.tensors(spec, dtype)
    out = call(spec, case, xs)
    assert type(out.data) is np.ndarray, f"{spec.name}: output data is {type(out.data)}"
    out.backward(upstream(out.shape).astype(dtype), create_graph=create_graph)
    for k, x in enumerate(xs):
        if x.requires_grad:
            assert type(x.grad.data) is np.ndarray, f"input {k}: grad is {type(x.grad.data)}"
            assert x.grad.dtype == dtype, f"input {k}: grad dtype {x.grad.dtype}"
            assert isinstance(np.asarray(x.grad), np.ndarray)


def check_first_derivatives(spec: OpSpec, case: Case) -> None:
    """Reverse-mode Jacobians against central finite differences, in float64."""
    xs = case.tensors(spec, np.float64)
    assert gradcheck(lambda *ts: spec.op(*ts, **case.params), tuple(xs))


@pytest.mark.parametrize("spec", OPS, ids=ids(OPS))
@given(data=st.data())
def test_op_contract(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec), label="case")
    out = check_forward(spec, case, np.float64)
    check_forward(spec, case, np.float32)
    check_first_derivatives(spec, case)
    seed = upstream(out.shape)
    check_float32_backward(spec, case, seed)
    check_no_mutation(spec, case, seed)
    flags = data.draw(st.lists(st.booleans(), min_size=spec.arity, max_size=spec.arity))
    check_requires_grad(spec, case, flags)
    check_arrays(spec, case, np.float64, create_graph=False)
    check_arrays(spec, case, np.float32, create_graph=True)


ZERO_D_OPS = [s for s in OPS if s.kind in ("elementwise", "single") and s.min_dims == 0]


@pytest.mark.parametrize("spec", ZERO_D_OPS, ids=ids(ZERO_D_OPS))
@given(data=st.data())
@settings(max_examples=3)
def test_zero_d_outputs_and_gradients_are_arrays(spec: OpSpec, data: st.DataObject) -> None:
    """Every input 0-d: the micrograd-style scalar use."""
    case = data.draw(cases(spec, max_dims=0), label="case")
    assert all(a.shape == () for a in case.arrays)
    for dtype in (np.float64, np.float32):
        for create_graph in (False, True):
            check_arrays(spec, case, dtype, create_graph)


@pytest.mark.parametrize("spec", SMOOTH_OPS, ids=ids(SMOOTH_OPS))
@given(data=st.data())
def test_second_derivatives_match_finite_differences(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec, **SMALL), label="case")
    xs = case.tensors(spec, np.float64)
    assert gradgradcheck(lambda *ts: spec.op(*ts, **case.params), tuple(xs))


# ---------------------------------------------------------------------------
# Every primitive has a row; every fused primitive matches its composition
# ---------------------------------------------------------------------------


REACHED: set[str] = set()


@pytest.mark.parametrize("spec", OPS, ids=ids(OPS))
@settings(max_examples=1, database=None, phases=[Phase.generate])  # one draw, no shrinking
@given(data=st.data())
def test_each_row_records_the_primitives_it_reaches(spec: OpSpec, data: st.DataObject) -> None:
    """Runs the row forward, and a backward recorded to second order with a
    seed that requires grad (IndexAdd, GetItem's adjoint, appears only
    there); the test below checks what was reached."""

    def hook(node: Any, out: Any, inputs: Any) -> None:
        REACHED.add(type(node).__name__)

    case = data.draw(cases(spec, max_dims=2, max_side=2), label="case")
    add_record_hook(hook)
    try:
        xs = case.tensors(spec, np.float64)
        out = call(spec, case, xs)
        diff = [x for x in xs if x.requires_grad]
        if out.requires_grad and diff:
            seed = Tensor(upstream(out.shape), requires_grad=True)
            ag.grad(out, diff, seed, create_graph=True, allow_unused=True)
    finally:
        remove_record_hook(hook)


def test_every_registered_primitive_is_reached_by_a_row() -> None:
    """A primitive (a Function subclass in the autograd package) that no row
    runs, forward or backward to second order, is untested: add its row."""
    if not REACHED:
        pytest.skip("needs test_each_row_records_the_primitives_it_reaches to run first")
    missing = sorted(set(PRIMITIVES) - REACHED)
    assert not missing, f"registered primitives that no op-table row reaches: {missing}"


FUSED_OPS = [s for s in OPS if s.composition is not None]


@pytest.mark.parametrize("spec", FUSED_OPS, ids=ids(FUSED_OPS))
@given(data=st.data())
def test_fused_ops_match_their_composition(spec: OpSpec, data: st.DataObject) -> None:
    """A fused primitive is a shortcut: the same values, first and second
    derivatives as the primitives it replaces."""
    case = data.draw(cases(spec, **SMALL), label="case")
    fused, composed = case.tensors(spec, np.float64), case.tensors(spec, np.float64)
    out = call(spec, case, fused)
    ref = spec.composition(*composed, **case.params)
    np.testing.assert_allclose(out.data, ref.data, rtol=1e-10, atol=1e-12)
    diff = [k for k, x in enumerate(fused) if x.requires_grad]
    seed = upstream(out.shape)
    g1 = ag.grad(out, [fused[k] for k in diff], seed, create_graph=True, allow_unused=True)
    g2 = ag.grad(ref, [composed[k] for k in diff], seed, create_graph=True, allow_unused=True)
    for k, a, b in zip(diff, g1, g2):
        a = np.zeros(fused[k].shape) if a is None else a
        b = np.zeros(fused[k].shape) if b is None else b
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-11)
    if not spec.smooth:
        return
    v = [np.cos(np.arange(fused[k].size) + 0.5).reshape(fused[k].shape) for k in diff]
    h1 = _hvp(g1, v, [fused[k] for k in diff])
    h2 = _hvp(g2, v, [composed[k] for k in diff])
    for a, b in zip(h1, h2):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


def _hvp(grads: Any, v: list[np.ndarray], inputs: list[Tensor]) -> list[np.ndarray]:
    """d <grads, v> / d inputs; zeros where a gradient has no graph (a constant)."""
    inner = [(g * w).sum() for g, w in zip(grads, v) if g is not None and g.requires_grad]
    if not inner:
        return [np.zeros(x.shape) for x in inputs]
    got = ag.grad(sum(inner[1:], inner[0]), inputs, allow_unused=True)
    return [np.zeros(x.shape) if g is None else np.asarray(g) for x, g in zip(inputs, got)]
