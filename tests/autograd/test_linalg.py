"""autograd.linalg outside the op table: results without gradient (sign,
rank, lstsq fields, matrix_rank), where derivatives are refused or undefined,
errors, and special values against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd import linalg as LA

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")

RNG = np.random.default_rng(7)


def t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(x, dtype=np.float64))


def test_slogdet_sign_and_value_match_torch() -> None:
    a = RNG.standard_normal((4, 3, 3))
    sign, logabs = LA.slogdet(a)
    tsign, tlog = torch.linalg.slogdet(t(a))
    np.testing.assert_array_equal(sign.data, tsign.numpy())
    np.testing.assert_allclose(logabs.data, tlog.numpy(), rtol=1e-12)
    assert not sign.requires_grad
    np.testing.assert_allclose(LA.det(a).data, torch.linalg.det(t(a)).numpy(), rtol=1e-10)


def test_lstsq_fields() -> None:
    a, b = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2))
    res = LA.lstsq(a, b)
    x, residuals, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    np.testing.assert_allclose(res.solution.data, x, rtol=1e-10)
    np.testing.assert_allclose(res.residuals.data, residuals, rtol=1e-10)
    assert res.rank.dtype == np.int64 and int(res.rank.data) == rank == 3
    np.testing.assert_allclose(res.singular_values.data, sv, rtol=1e-12)
    # A wide system has no residuals; the solution is the minimum-norm one.
    wide = LA.lstsq(a.T, b[:3])
    assert wide.residuals.shape == (0,)
    np.testing.assert_allclose(wide.solution.data, np.linalg.pinv(a.T) @ b[:3], rtol=1e-10)
    vec = LA.lstsq(a, b[:, 0])
    np.testing.assert_allclose(vec.solution.data, x[:, 0], rtol=1e-10)


def test_matrix_rank_matches_torch() -> None:
    a = RNG.standard_normal((2, 4, 3))
    a[1, :, 2] = a[1, :, 0] + a[1, :, 1]
    same = torch.linalg.matrix_rank(t(a)).numpy()
    np.testing.assert_array_equal(LA.matrix_rank(a).data, same)
    assert LA.matrix_rank(np.zeros((2, 2))).data == 0


def test_vector_norm_ord_zero_counts_and_has_zero_gradient() -> None:
    x = Tensor([0.0, -2.0, np.nan, 0.0, np.inf], requires_grad=True)
    out = LA.vector_norm(x, 0)
    np.testing.assert_array_equal(out.data, torch.linalg.vector_norm(t(x.data), 0).numpy())
    out.backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(5))


def test_norm_defaults_match_torch() -> None:
    a = RNG.standard_normal((2, 3, 4))
    cases = [
        (LA.norm(a), torch.linalg.norm(t(a))),
        (LA.norm(a, dim=1), torch.linalg.norm(t(a), dim=1)),
        (LA.norm(a, 2, (0, 2)), torch.linalg.norm(t(a), 2, (0, 2))),
        (LA.norm(a[0], np.inf), torch.linalg.norm(t(a[0]), np.inf)),
        (LA.matrix_norm(a, keepdim=True), torch.linalg.matrix_norm(t(a), keepdim=True)),
        (LA.vector_norm(a, 3, (0, -1), True), torch.linalg.vector_norm(t(a), 3, (0, -1), True)),
        (LA.vector_norm(np.zeros((2, 0))), torch.linalg.vector_norm(torch.zeros(2, 0))),
    ]
    for ours, theirs in cases:
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


def test_vector_norm_does_not_overflow() -> None:
    x = Tensor([1e300, 1e300], requires_grad=True)
    out = LA.vector_norm(x, 3)
    np.testing.assert_allclose(out.data, 2 ** (1 / 3) * 1e300, rtol=1e-12)


def test_undefined_derivatives_are_refused_like_torch() -> None:
    a = Tensor(RNG.standard_normal((4, 2)), requires_grad=True)
    q, _ = LA.qr(a, mode="complete")
    with pytest.raises(RuntimeError, match="mode='complete'"):
        q.sum().backward()
    u, _, vh = LA.svd(a)  # full_matrices=True, PyTorch's default
    with pytest.raises(RuntimeError, match="full_matrices=True"):
        u.sum().backward()
    # The singular values alone are differentiable either way.
    LA.svd(a).S.sum().backward()
    np.testing.assert_allclose(a.grad.data, (u.data[:, :2] @ vh.data), rtol=1e-10)


def test_repeated_eigenvalues_give_non_finite_eigenvector_gradients() -> None:
    """Documented: F = 1 / (w_j - w_i) is undefined at repeated eigenvalues."""
    a = Tensor(np.eye(3), requires_grad=True)
    _, v = LA.eigh(a)
    with np.errstate(all="ignore"):
        (v * Tensor(RNG.standard_normal((3, 3)))).sum().backward()
    assert not np.isfinite(a.grad.data).all()
    b = Tensor(np.eye(3), requires_grad=True)
    LA.eigvalsh(b).sum().backward()  # the eigenvalues alone are fine
    np.testing.assert_allclose(b.grad.data, np.eye(3), atol=1e-12)


def test_qr_mode_r_and_wide_matrices() -> None:
    a = RNG.standard_normal((2, 4))
    q, r = LA.qr(a, mode="r")
    assert q.shape == (0,)
    np.testing.assert_allclose(r.data, np.linalg.qr(a, mode="r"), rtol=1e-10)
    q, r = LA.qr(a)
    tq, tr = torch.linalg.qr(t(a))
    np.testing.assert_allclose(q.data, tq.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.data, tr.numpy(), rtol=1e-10, atol=1e-12)


def test_matrix_power_zero_and_errors() -> None:
    a = Tensor(RNG.standard_normal((2, 3, 3)), requires_grad=True)
    np.testing.assert_array_equal(LA.matrix_power(a, 0).data, np.broadcast_to(np.eye(3), (2, 3, 3)))
    with pytest.raises(ValueError, match="square"):
        LA.matrix_power(np.ones((2, 3)), 2)
    with pytest.raises(TypeError, match="integer"):
        LA.matrix_power(a, 1.5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: LA.inv(np.zeros((2, 2))), "linalg.inv: Singular matrix"),
        (lambda: LA.inv(np.ones((2, 3))), "expected square matrices"),
        (lambda: LA.det(np.ones(3)), "expected a matrix"),
        (lambda: LA.cholesky(-np.eye(2)), "linalg.cholesky"),
        (lambda: LA.solve(np.eye(2), np.ones((3, 1))), "does not fit"),
        (lambda: LA.eigh(np.eye(2), UPLO="X"), "UPLO"),
        (lambda: LA.qr(np.eye(2), mode="economic"), "mode must be"),
        (lambda: LA.matrix_norm(np.eye(2), 3), "ord must be one of"),
        (lambda: LA.norm(np.ones((2, 2, 2)), 2), "1-D or 2-D"),
        (lambda: LA.multi_dot([np.eye(2)]), "at least 2"),
        (lambda: LA.svdvals(np.array([[np.nan, 1.0], [1.0, 1.0]])), "NaN or inf"),
        (lambda: LA.inv(np.eye(2, dtype=np.int64)), "floating-point"),
    ],
)
def test_errors(call: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_nan_propagates_like_torch_where_lapack_accepts_it() -> None:
    a = np.array([[np.nan, 1.0], [2.0, 3.0]])
    with np.errstate(invalid="ignore"):
        det = LA.det(a)
    for ours, theirs in [
        (det, torch.linalg.det(t(a))),
        (LA.eigvalsh(a), torch.linalg.eigvalsh(t(a))),  # only the lower triangle is read
    ]:
        np.testing.assert_allclose(ours.data, theirs.numpy(), equal_nan=True)


def test_float32_stays_float32() -> None:
    a = Tensor(RNG.standard_normal((3, 3)).astype(np.float32) + 3 * np.eye(3, dtype=np.float32))
    for out in [LA.inv(a), LA.det(a), LA.svdvals(a), LA.eigh(a + a.mT)[1], LA.pinv(a), *LA.qr(a)]:
        assert out.dtype == np.float32
    assert ag.linalg is LA


@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 0)])
def test_decompositions_of_an_empty_stack(shape: tuple[int, ...]) -> None:
    # Packing the results reshaped with -1, which an empty batch cannot infer.
    a = Tensor(np.zeros(shape), requires_grad=True)
    w, v = LA.eigh(a)
    q, r = LA.qr(a)
    tw, tv = torch.linalg.eigh(torch.zeros(shape, dtype=torch.float64))
    tq, tr = torch.linalg.qr(torch.zeros(shape, dtype=torch.float64))
    assert (w.shape, v.shape, q.shape, r.shape) == (tw.shape, tv.shape, tq.shape, tr.shape)
    (w.sum() + v.sum() + q.sum() + r.sum()).backward()
    assert a.grad.shape == shape


def test_matrix_rank_hermitian_and_tolerances_per_matrix() -> None:
    # hermitian= was refused; tensor atol/rtol (one per matrix) did not broadcast.
    b = RNG.standard_normal((2, 4, 2))
    a = b @ np.swapaxes(b, -1, -2)  # rank 2, symmetric
    a[1] *= 1e-3
    ta = torch.from_numpy(a)
    for kw, tkw in [
        ({"hermitian": True}, {"hermitian": True}),
        ({"atol": Tensor([0.0, 0.1])}, {"atol": torch.tensor([0.0, 0.1])}),
        ({"rtol": Tensor([0.0, 2.0])}, {"rtol": torch.tensor([0.0, 2.0])}),
        ({"atol": 0.5, "rtol": 0.1}, {"atol": 0.5, "rtol": 0.1}),
    ]:
        ours = LA.matrix_rank(Tensor(a), **kw)
        np.testing.assert_array_equal(ours.data, torch.linalg.matrix_rank(ta, **tkw).numpy())
        assert ours.dtype == np.int64


def test_svd_full_matrices_derivative_through_the_first_columns() -> None:
    # A gradient on U[:, :k] and Vh[:k] of a non-square matrix was refused with
    # full_matrices=True; it is the thin factorisation's (as PyTorch computes it).
    x = RNG.standard_normal((3, 5))
    a, ta = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    u, tu = LA.svd(a).U, torch.linalg.svd(ta)[0]
    # abs() makes the loss independent of the signs of the singular vectors.
    (abs(u) * Tensor(x[:, :3])).sum().backward()
    (tu.abs() * torch.from_numpy(x[:, :3])).sum().backward()
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=1e-9, atol=1e-12)
    a.grad, ta.grad = None, None
    (abs(LA.svd(a).Vh[:3]) * Tensor(x)).sum().backward()
    (torch.linalg.svd(ta)[2][:3].abs() * torch.from_numpy(x)).sum().backward()
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(RuntimeError, match="beyond min\\(m, n\\)"):
        LA.svd(a).Vh.sum().backward()


@pytest.mark.parametrize("shape", [(0, 0), (3, 0), (0, 3), (2, 0, 4)])
@pytest.mark.parametrize("ord_", [1, 2, np.inf])
def test_positive_order_norms_of_an_empty_matrix_are_zero(shape, ord_) -> None:
    # An empty max reduction (or an empty list of singular values) once raised.
    a = Tensor(np.zeros(shape), requires_grad=True)
    out = LA.matrix_norm(a, ord_)
    expected = torch.linalg.matrix_norm(torch.zeros(shape, dtype=torch.float64), ord_)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_array_equal(out.data, expected.numpy())
    out.sum().backward()
    assert a.grad.shape == shape
    np.testing.assert_array_equal(LA.norm(Tensor(np.zeros((0, 0))), ord_).data, 0.0)
    try:  # a negative order: 0, or an error where it is a minimum over nothing
        expected = torch.linalg.matrix_norm(torch.zeros(shape, dtype=torch.float64), -ord_)
    except (RuntimeError, IndexError):  # PyTorch raises either
        with pytest.raises(ValueError, match="minimum over nothing"):
            LA.matrix_norm(Tensor(np.zeros(shape)), -ord_)
    else:
        out = LA.matrix_norm(Tensor(np.zeros(shape)), -ord_)
        np.testing.assert_array_equal(out.data, expected.numpy())
