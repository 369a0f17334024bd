"""autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.engine import grad
from autograd.function import no_grad
from autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp
from autograd.gradcheck import numerical_jacobian
from autograd.tensor import Tensor
from autograd.testing import broadcastable_tensors, tensors

# Smooth building blocks for generated functions. Each maps [-2, 2] into about
# [-2, 2] with derivatives of order 1, so that chains of them stay in the regime
# where central differences with eps=1e-6 are accurate to ~1e-9.
UNARY = {
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "exp": lambda x: (x * 0.5).exp() - 1.0,
    "square": lambda x: x * x * 0.5,
    "cubic": lambda x: x * x * x * 0.25 - x,
    "softmax": lambda x: x.softmax(axis=-1) if x.ndim else x.tanh(),
    "affine": lambda x: 0.8 * x - 0.3,
}
REDUCE = {
    "none": lambda x: x,
    "sum": lambda x: x.sum(),
    "sum_last": lambda x: x.sum(axis=-1) if x.ndim else x,
    "mean_first": lambda x: x.mean(axis=0) if x.ndim else x,
    "square_norm": lambda x: (x * x).sum(),
}

small = tensors(min_value=-2.0, max_value=2.0)


def compose(names: list[str], reduce: str):
    def f(x):
        for n in names:
            x = UNARY[n](x)
        return REDUCE[reduce](x)

    return f


unary_chains = st.lists(st.sampled_from(sorted(UNARY)), min_size=1, max_size=3)


def as_np(t) -> np.ndarray:
    return np.asarray(t.data if isinstance(t, Tensor) else t)


# ---------------------------------------------------------------------------
# jacobian against finite differences
# ---------------------------------------------------------------------------


@given(x=small, names=unary_chains, reduce=st.sampled_from(sorted(REDUCE)))
def test_jacobian_matches_numerical_on_generated_functions(x, names, reduce):
    f = compose(names, reduce)
    J = jacobian(f, x)
    out = f(x)
    assert J.shape == out.shape + x.shape
    assert J.dtype == x.dtype
    np.testing.assert_allclose(as_np(J), as_np(numerical_jacobian(f, x)), rtol=1e-5, atol=1e-7)


@given(ab=broadcastable_tensors(2, min_value=-2.0, max_value=2.0))
def test_jacobian_several_inputs_and_outputs(ab):
    a, b = ab

    def f(a, b):
        return (a * b + a.tanh(), (a - b).sigmoid().sum())

    J = jacobian(f, (a, b))
    N = numerical_jacobian(f, (a, b))
    outs = f(a, b)
    assert isinstance(J, tuple) and len(J) == 2
    for i in range(2):
        assert isinstance(J[i], tuple) and len(J[i]) == 2
        for j, x in enumerate((a, b)):
            assert J[i][j].shape == outs[i].shape + x.shape
            np.testing.assert_allclose(as_np(J[i][j]), as_np(N[i][j]), rtol=1e-5, atol=1e-7)


def test_jacobian_known_values_and_layout():
    x = Tensor([1.0, 2.0, 3.0])
    W = Tensor(np.arange(6.0).reshape(2, 3))
    # f(x) = W x has Jacobian W; with respect to W it is x on the "diagonal".
    J = jacobian(lambda x: W @ x, x)
    np.testing.assert_array_equal(as_np(J), as_np(W))
    JW = jacobian(lambda W: W @ x, W)
    assert JW.shape == (2, 2, 3)
    np.testing.assert_array_equal(as_np(JW)[0, 0], [1, 2, 3])
    np.testing.assert_array_equal(as_np(JW)[0, 1], [0, 0, 0])
    # one input, two outputs -> tuple over outputs
    J2 = jacobian(lambda x: (x.sum(), 2 * x), x)
    assert isinstance(J2, tuple) and J2[0].shape == (3,) and J2[1].shape == (3, 3)
    np.testing.assert_array_equal(as_np(J2[1]), 2 * np.eye(3))
    # two inputs, one output -> tuple over inputs
    J3 = jacobian(lambda a, b: (a * b).sum(), (x, x * 2))
    assert isinstance(J3, tuple) and len(J3) == 2
    np.testing.assert_array_equal(as_np(J3[0]), [2, 4, 6])
    np.testing.assert_array_equal(as_np(J3[1]), [1, 2, 3])
    # a list of inputs is treated as a tuple
    assert isinstance(jacobian(lambda a: a * 2, [x]), tuple)


def test_jacobian_scalar_input_and_output():
    x = Tensor(3.0)
    J = jacobian(lambda x: x * x, x)
    assert J.shape == ()
    assert J.item() == pytest.approx(6.0)


def test_same_tensor_twice_gets_separate_jacobians():
    x = Tensor([1.0, 2.0], requires_grad=True)
    for cg in (False, True):
        ja, jb = jacobian(lambda a, b: a * b * b, (x, x), create_graph=cg)
        np.testing.assert_allclose(as_np(ja), np.diag([1.0, 4.0]))
        np.testing.assert_allclose(as_np(jb), np.diag([2.0, 8.0]))


def test_unused_input_and_constant_output_give_zeros():
    x = Tensor([1.0, 2.0])
    y = Tensor([3.0, 4.0, 5.0])
    J = jacobian(lambda x, y: (x * 2, Tensor([1.0])), (x, y))
    np.testing.assert_array_equal(as_np(J[0][1]), np.zeros((2, 3)))
    np.testing.assert_array_equal(as_np(J[1][0]), np.zeros((1, 2)))
    with pytest.raises(RuntimeError, match="input 1"):
        jacobian(lambda x, y: x * 2, (x, y), strict=True)
    with pytest.raises(RuntimeError, match="output 0 does not depend"):
        jacobian(lambda x: Tensor([1.0]), x, strict=True)


def test_strict_mode_of_products_and_hessian():
    x, y = Tensor([1.0, 2.0]), Tensor([3.0])
    with pytest.raises(RuntimeError, match=r"vjp .*input 1"):
        vjp(lambda x, y: x * 2, (x, y), Tensor([1.0, 1.0]), strict=True)
    with pytest.raises(RuntimeError, match=r"jvp .*output 1"):
        jvp(lambda x: (x * 2, Tensor([1.0])), x, Tensor([1.0, 1.0]), strict=True)
    with pytest.raises(RuntimeError, match=r"hessian .*input 1"):
        hessian(lambda x, y: (x * x).sum(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match=r"hvp .*input 1"):
        hvp(lambda x, y: (x * x).sum(), (x, y), (Tensor([1.0, 1.0]), Tensor([1.0])), strict=True)
    # without strict the same calls give zeros
    _, (gx, gy) = vjp(lambda x, y: x * 2, (x, y), Tensor([1.0, 1.0]))
    np.testing.assert_array_equal(as_np(gx), [2.0, 2.0])
    np.testing.assert_array_equal(as_np(gy), [0.0])
    _, (hx, hy) = hvp(lambda x, y: (x * x).sum(), (x, y), (Tensor([1.0, 1.0]), Tensor([1.0])))
    np.testing.assert_array_equal(as_np(hx), [2.0, 2.0])
    np.testing.assert_array_equal(as_np(hy), [0.0])


def test_jacobian_leaves_user_tensors_alone_and_works_under_no_grad():
    x = Tensor([0.5, -1.0], requires_grad=True)
    before = x.data.copy()
    with no_grad():
        J = jacobian(lambda x: x.exp(), x)
    np.testing.assert_allclose(as_np(J), np.diag(np.exp(before)))
    assert x.grad is None
    np.testing.assert_array_equal(x.data, before)
    assert not J.requires_grad


def test_float32_stays_float32():
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32))
    J = jacobian(lambda x: x.tanh(), x)
    H = hessian(lambda x: (x * x * x).sum(), x)
    assert J.dtype == np.float32 and H.dtype == np.float32
    np.testing.assert_allclose(as_np(H), np.diag(6 * as_np(x)), rtol=1e-6)


def test_argument_errors():
    x = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="input 0 has dtype int"):
        jacobian(lambda x: x, Tensor(np.array([1, 2])))
    with pytest.raises(TypeError, match="inputs must be a Tensor"):
        jacobian(lambda x: x, np.ones(2))
    with pytest.raises(TypeError, match="outputs of f must be a Tensor or a tuple"):
        jacobian(lambda x: x.data, x)
    with pytest.raises(TypeError, match="entry 1 is a float"):
        jacobian(lambda x: (x, 1.0), x)
    with pytest.raises(ValueError, match="exactly one element"):
        hessian(lambda x: x * 2, x)
    with pytest.raises(TypeError, match="single Tensor"):
        hessian(lambda x: (x.sum(), x.sum()), x)
    with pytest.raises(ValueError, match=r"v\[0\] has shape \(3,\)"):
        vjp(lambda x: x * 2, x, Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="v can be omitted"):
        vjp(lambda x: x * 2, x)
    with pytest.raises(ValueError, match="v can be omitted"):
        jvp(lambda x: x * 2, x)
    with pytest.raises(ValueError, match="one entry per input"):
        jvp(lambda a, b: a * b, (x, x), Tensor([1.0, 1.0]))


# ---------------------------------------------------------------------------
# hessian
# ---------------------------------------------------------------------------

SCALAR = {
    "sum_cube": lambda x: (x * x * x).sum(),
    "logsumexp": lambda x: x.logsumexp(),
    "tanh_square": lambda x: (x.tanh() * x).sum(),
    "softmax_entropy": lambda x: (
        -(x.reshape(-1).softmax(axis=-1) * x.reshape(-1).log_softmax(axis=-1)).sum()
    ),
    "sigmoid_prod": lambda x: (x.sigmoid() * x.exp()).mean(),
}


def _gradient(f):
    def g(x):
        x = x if x.requires_grad else x.detach().requires_grad_(True)
        return grad(f(x), x)[0]

    return g


@given(x=small, name=st.sampled_from(sorted(SCALAR)))
def test_hessian_symmetric_and_matches_finite_differences_of_gradient(x, name):
    f = SCALAR[name]
    H = hessian(f, x)
    assert H.shape == x.shape + x.shape
    n = x.size
    Hm = as_np(H).reshape(n, n)
    np.testing.assert_allclose(Hm, Hm.T, rtol=1e-10, atol=1e-12)
    N = as_np(numerical_jacobian(_gradient(f), x)).reshape(n, n)
    np.testing.assert_allclose(Hm, N, rtol=1e-5, atol=1e-7)


@given(ab=broadcastable_tensors(2, min_value=-2.0, max_value=2.0))
def test_hessian_several_inputs_blocks(ab):
    a, b = ab

    def f(a, b):
        return ((a * b).tanh() + a * a * b).sum()

    H = hessian(f, (a, b))
    xs = (a, b)
    for i in range(2):
        for j in range(2):
            assert H[i][j].shape == xs[i].shape + xs[j].shape
            # d2f/dx_i dx_j == (d2f/dx_j dx_i)^T
            Hij = as_np(H[i][j]).reshape(xs[i].size, xs[j].size)
            Hji = as_np(H[j][i]).reshape(xs[j].size, xs[i].size)
            np.testing.assert_allclose(Hij, Hji.T, rtol=1e-10, atol=1e-12)

    def gradients(a, b):
        a = a.detach().requires_grad_(True)
        b = b.detach().requires_grad_(True)
        return grad(f(a, b), [a, b])

    N = numerical_jacobian(gradients, (a, b))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(as_np(H[i][j]), as_np(N[i][j]), rtol=1e-5, atol=1e-7)


def test_hessian_of_linear_function_is_zero():
    x = Tensor([1.0, 2.0])
    np.testing.assert_array_equal(as_np(hessian(lambda x: (3 * x).sum(), x)), np.zeros((2, 2)))


# ---------------------------------------------------------------------------
# products with vectors against the full Jacobian
# ---------------------------------------------------------------------------


@given(x=small, names=unary_chains, reduce=st.sampled_from(sorted(REDUCE)), seed=st.integers(0, 9))
def test_vjp_and_jvp_agree_with_full_jacobian(x, names, reduce, seed):
    f = compose(names, reduce)
    rng = np.random.default_rng(seed)
    out_shape = f(x).shape
    J = as_np(jacobian(f, x)).reshape(int(np.prod(out_shape)), x.size)
    u = rng.standard_normal(out_shape)
    v = rng.standard_normal(x.shape)
    out, vJ = vjp(f, x, Tensor(u))
    np.testing.assert_allclose(as_np(out), as_np(f(x)))
    np.testing.assert_allclose(as_np(vJ).reshape(-1), u.reshape(-1) @ J, rtol=1e-10, atol=1e-12)
    _, Jv = jvp(f, x, Tensor(v))
    assert Jv.shape == out_shape
    np.testing.assert_allclose(as_np(Jv).reshape(-1), J @ v.reshape(-1), rtol=1e-10, atol=1e-12)


@given(x=small, name=st.sampled_from(sorted(SCALAR)), seed=st.integers(0, 9))
def test_hvp_and_vhp_agree_with_hessian(x, name, seed):
    f = SCALAR[name]
    v = np.random.default_rng(seed).standard_normal(x.shape)
    Hm = as_np(hessian(f, x)).reshape(x.size, x.size)
    out, Hv = hvp(f, x, Tensor(v))
    assert out.shape == () and out.item() == pytest.approx(f(x).item())
    np.testing.assert_allclose(as_np(Hv).reshape(-1), Hm @ v.reshape(-1), rtol=1e-9, atol=1e-11)
    _, vH = vhp(f, x, Tensor(v))
    np.testing.assert_allclose(as_np(vH).reshape(-1), v.reshape(-1) @ Hm, rtol=1e-9, atol=1e-11)


def test_products_with_several_inputs_and_outputs():
    a = Tensor([0.3, -0.7])
    b = Tensor([[1.0, 2.0], [0.5, -1.0]])

    def f(a, b):
        return (b @ a).tanh(), (a * a).sum()

    J = jacobian(f, (a, b))
    va, vb = Tensor([1.0, -2.0]), Tensor([[0.5, 0.1], [0.2, 0.3]])
    _, (y0, y1) = jvp(f, (a, b), (va, vb))
    expect0 = as_np(J[0][0]) @ as_np(va) + np.einsum("oij,ij->o", as_np(J[0][1]), as_np(vb))
    np.testing.assert_allclose(as_np(y0), expect0, rtol=1e-12)
    np.testing.assert_allclose(as_np(y1), as_np(J[1][0]) @ as_np(va), rtol=1e-12)
    u0, u1 = Tensor([2.0, 3.0]), Tensor(0.5)
    _, (ga, gb) = vjp(f, (a, b), (u0, u1))
    np.testing.assert_allclose(as_np(ga), as_np(u0) @ as_np(J[0][0]) + 0.5 * as_np(J[1][0]))
    np.testing.assert_allclose(as_np(gb), np.einsum("o,oij->ij", as_np(u0), as_np(J[0][1])))


def test_vjp_default_v_for_scalar_output_and_jvp_for_scalar_input():
    x = Tensor([1.0, 2.0])
    _, g = vjp(lambda x: (x * x).sum(), x)
    np.testing.assert_allclose(as_np(g), [2.0, 4.0])
    _, d = jvp(lambda t: Tensor([1.0, 2.0]) * t * t, Tensor(3.0))
    np.testing.assert_allclose(as_np(d), [6.0, 12.0])


def test_integer_output_gets_zero_product():
    x = Tensor([1.0, -2.0])
    _, (d, dm) = jvp(lambda x: (x * 2, x > 0), x, Tensor([1.0, 1.0]))
    np.testing.assert_array_equal(as_np(d), [2.0, 2.0])
    np.testing.assert_array_equal(as_np(dm), [0.0, 0.0])


# ---------------------------------------------------------------------------
# create_graph: results can be differentiated again
# ---------------------------------------------------------------------------


def test_create_graph_results_are_differentiable():
    x = Tensor([0.4, -0.3, 1.1], requires_grad=True)
    f = SCALAR["tanh_square"]
    H = as_np(hessian(f, x))
    # d/dx sum(J) where J = diag(2x) for x*x: the third derivative is 2.
    J = jacobian(lambda x: x * x, x, create_graph=True)
    assert J.requires_grad
    (g,) = grad(J.sum(), x)
    np.testing.assert_allclose(as_np(g), [2.0, 2.0, 2.0])
    # vjp of the gradient equals the Hessian times v
    v = np.array([1.0, 0.5, -1.0])
    _, gx = vjp(f, x, create_graph=True)
    (hv,) = grad(gx, x, grad_outputs=Tensor(v))
    np.testing.assert_allclose(as_np(hv), H @ v, rtol=1e-12)
    # jvp, hvp, vhp and hessian with create_graph stay connected to x
    for fn in (
        lambda: jvp(lambda x: x.exp(), x, Tensor(v), create_graph=True)[1].sum(),
        lambda: hvp(f, x, Tensor(v), create_graph=True)[1].sum(),
        lambda: vhp(f, x, Tensor(v), create_graph=True)[1].sum(),
        lambda: hessian(f, x, create_graph=True).sum(),
    ):
        out = fn()
        assert out.requires_grad
        (gg,) = grad(out, x)
        assert gg.shape == x.shape
    # d/dx sum(J v) for exp: exp(x) * v
    (g2,) = grad(jvp(lambda x: x.exp(), x, Tensor(v), create_graph=True)[1].sum(), x)
    np.testing.assert_allclose(as_np(g2), np.exp(as_np(x)) * v, rtol=1e-12)
    assert x.grad is None


def test_without_create_graph_results_are_detached():
    x = Tensor([0.4, -0.3], requires_grad=True)
    v = Tensor([1.0, 2.0])
    for result in (
        jacobian(lambda x: x.exp(), x),
        hessian(lambda x: x.exp().sum(), x),
        vjp(lambda x: x.exp(), x, v)[1],
        vjp(lambda x: x.exp(), x, v)[0],
        jvp(lambda x: x.exp(), x, v)[1],
        hvp(lambda x: x.exp().sum(), x, v)[1],
        vhp(lambda x: x.exp().sum(), x, v)[0],
    ):
        assert not result.requires_grad and result.grad_fn is None


# ---------------------------------------------------------------------------
# PyTorch oracle
# ---------------------------------------------------------------------------

TORCH_FUNCS = {
    "tanh_mul": (lambda x, y: (x * y).tanh(), lambda x, y: (x * y).tanh()),
    "softmax": (lambda x, y: (x + y).softmax(axis=-1), lambda x, y: (x + y).softmax(-1)),
    "matmul_exp": (lambda x, y: (x @ y.T).exp(), lambda x, y: (x @ y.T).exp()),
}


@given(
    x=tensors(shape=(2, 3), min_value=-1.0, max_value=1.0),
    y=tensors(shape=(2, 3), min_value=-1.0, max_value=1.0),
    name=st.sampled_from(sorted(TORCH_FUNCS)),
)
def test_jacobian_and_hessian_match_torch(x, y, name):
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    ours, theirs = TORCH_FUNCS[name]
    tx, ty = torch.from_numpy(x.data.copy()), torch.from_numpy(y.data.copy())
    J = jacobian(ours, (x, y))
    TJ = torch.autograd.functional.jacobian(theirs, (tx, ty))
    for k in range(2):
        np.testing.assert_allclose(as_np(J[k]), TJ[k].numpy(), rtol=1e-10, atol=1e-12)
    H = hessian(lambda x, y: ours(x, y).sum(), (x, y))
    TH = torch.autograd.functional.hessian(lambda x, y: theirs(x, y).sum(), (tx, ty))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(as_np(H[i][j]), TH[i][j].numpy(), rtol=1e-9, atol=1e-11)
    v = torch.ones(2, 3, dtype=torch.float64)
    _, Thv = torch.autograd.functional.hvp(lambda x: theirs(x, ty).sum(), tx, v)
    _, hv = hvp(lambda x: ours(x, y).sum(), x, Tensor(v.numpy()))
    np.testing.assert_allclose(as_np(hv), Thv.numpy(), rtol=1e-9, atol=1e-11)
