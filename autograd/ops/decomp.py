"""Primitives of ``autograd.linalg``: inverse, determinant, solve, the
Cholesky, QR, SVD and symmetric eigen decompositions, pseudo-inverse, norms.

NumPy computes every forward pass, on stacks of matrices ``(..., m, n)``.
The rules are the standard matrix-calculus results, written with matrix
products, transposes and the functions of this module, which take Tensors
and arrays alike, so that each rule is differentiable again.

A primitive with several results (Q and R, U S Vh, eigenvalues and
eigenvectors) returns them packed side by side in one array whose last
axis holds each result flattened; :func:`unpack` splits it again with
indexing, so the gradient of the packed array holds zeros for the results
that were not used.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops import dual
from autograd.ops.linalg import _swap

if TYPE_CHECKING:
    from autograd.tensor import Tensor


# -- helpers for Tensors and arrays alike -----------------------------------------------


def _eye(n: int, like: Any) -> np.ndarray:
    return np.eye(n, dtype=like.dtype)


def diag_embed(v: Any) -> Any:
    """Diagonal matrices with ``v`` (..., n) on the diagonal."""
    return v[..., None, :] * _eye(v.shape[-1], v)


def diag_part(m: Any) -> Any:
    """The main diagonals ``(..., n)`` of square matrices ``(..., n, n)``."""
    return (m * _eye(m.shape[-1], m)).sum(axis=-1)


def tril(x: Any, k: int = 0) -> Any:
    mask = np.tri(x.shape[-2], x.shape[-1], k, dtype=bool)
    return dual.where(mask, x, dual.zero(x))


def triu(x: Any, k: int = 0) -> Any:
    mask = ~np.tri(x.shape[-2], x.shape[-1], k - 1, dtype=bool)
    return dual.where(mask, x, dual.zero(x))


def inv(a: Any) -> Any:
    return Inv.apply(a) if isinstance(a, _t.Tensor) else np.linalg.inv(a)


def solve(a: Any, b: Any) -> Any:
    """``a^{-1} b`` for stacks of matrices ``b``."""
    if isinstance(a, _t.Tensor) or isinstance(b, _t.Tensor):
        ta = a if isinstance(a, _t.Tensor) else _t._make(np.asarray(a))
        tb = b if isinstance(b, _t.Tensor) else _t._make(np.asarray(b))
        return Solve.apply(ta, tb)
    return np.linalg.solve(a, b)


def pack(parts: list[np.ndarray], lead: tuple[int, ...]) -> np.ndarray:
    """Results flattened over their own dims and joined along one last axis."""
    # Sizes spelled out: reshape cannot infer -1 when a batch dim is empty.
    return np.concatenate(
        [p.reshape(*lead, math.prod(p.shape[len(lead) :])) for p in parts], axis=-1
    )


def unpack(packed: Any, shapes: list[tuple[int, ...]]) -> list[Any]:
    """The results of :func:`pack` (each of trailing shape ``shapes[i]``)."""
    lead = packed.shape[:-1]
    out, start = [], 0
    for s in shapes:
        size = math.prod(s)
        out.append(packed[..., start : start + size].reshape((*lead, *s)))
        start += size
    return out


def _lead(a: Tensor, op: str, square: bool) -> tuple[int, ...]:
    shape = a.data.shape
    if a.data.ndim < 2:
        raise ValueError(f"{op}: expected a matrix or a stack of matrices, got shape {shape}")
    if square and shape[-1] != shape[-2]:
        raise ValueError(f"{op}: expected square matrices (..., n, n), got shape {shape}")
    if a.data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got dtype {a.data.dtype}")
    return shape[:-2]


def _checked(op: str, compute: Any, a: np.ndarray, *args: Any, **kw: Any) -> Any:
    try:
        return compute(a, *args, **kw)
    except np.linalg.LinAlgError as exc:
        why = "; the input contains NaN or inf" if not np.isfinite(a).all() else ""
        raise ValueError(f"{op}: {exc}{why}") from None


# -- inverse, determinant, solve ----------------------------------------------------------


class Inv(Function):
    """d inv(A) = -inv(A) dA inv(A), so dA = -inv(A)^T g inv(A)^T"""

    formula = "inv(A)"

    def forward(self, a: Tensor) -> np.ndarray:
        _lead(a, "linalg.inv", True)
        out = _checked("linalg.inv", np.linalg.inv, a.data)
        self.save_output(out)
        return out

    def backward(self, g: Any) -> Any:
        t = _swap(self.output())
        return -(t @ g @ t)


class Det(Function):
    """d det(A) = det(A) tr(inv(A) dA), so dA = g det(A) inv(A)^T

    Defined for invertible matrices: at a singular matrix the rule divides by
    zero (PyTorch switches to an SVD there).
    """

    formula = "det(A)"

    def forward(self, a: Tensor) -> np.ndarray:
        _lead(a, "linalg.det", True)
        self.save_for_backward(a)
        out = np.asarray(np.linalg.det(a.data))
        self.save_output(out)
        return out

    def backward(self, g: Any) -> Any:
        (a,) = self.saved
        return (g * self.output())[..., None, None] * _swap(inv(a))


class LogAbsDet(Function):
    """d log|det(A)| = tr(inv(A) dA), so dA = g inv(A)^T"""

    formula = "log|det(A)|"

    def forward(self, a: Tensor) -> np.ndarray:
        _lead(a, "linalg.slogdet", True)
        self.save_for_backward(a)
        return np.asarray(np.linalg.slogdet(a.data)[1])

    def backward(self, g: Any) -> Any:
        (a,) = self.saved
        return g[..., None, None] * _swap(inv(a))


class Solve(Function):
    """X = inv(A) B: dB = solve(A^T, g), dA = -dB X^T"""

    formula = "solve(A, B)"

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        _lead(a, "linalg.solve", True)
        if b.data.ndim < 2 or b.data.shape[-2] != a.data.shape[-1]:
            raise ValueError(
                f"linalg.solve: B of shape {b.data.shape} does not fit A of shape "
                f"{a.data.shape}: expected (..., {a.data.shape[-1]}, k)"
            )
        self.save_for_backward(a)
        out = _checked("linalg.solve", np.linalg.solve, a.data, b.data)
        self.save_output(out)
        return out

    def backward(self, g: Any) -> tuple[Any, Any]:
        (a,) = self.saved
        gb = solve(_swap(a), g)
        ga = -(gb @ _swap(self.output())) if self.needs_input_grad[0] else None
        return ga, gb


# -- Cholesky and QR ----------------------------------------------------------------------


class Cholesky(Function):
    """A = L L^T: dA = inv(L)^T Phi(L^T g) inv(L), Phi taking the symmetric part
    built from the lower triangle (its diagonal halved)

    Only the lower triangle of A is read; the gradient is the symmetric matrix
    that PyTorch gives.
    """

    formula = "cholesky(A)"

    def forward(self, a: Tensor) -> np.ndarray:
        _lead(a, "linalg.cholesky", True)
        out = _checked("linalg.cholesky", np.linalg.cholesky, a.data)
        self.save_output(out)
        return out

    def backward(self, g: Any) -> Any:
        low = self.output()
        m = tril(_swap(low) @ g)
        m = 0.5 * (m + _swap(tril(m, -1)))
        li = inv(low)
        return _swap(li) @ m @ li


class QR(Function):
    """A = Q R (m >= n): dA = [gQ + Q sym(triu(gR R^T - Q^T gQ))] inv(R)^T,
    sym(X) = X + X^T with the diagonal counted once

    ``mode="complete"`` with more rows than columns has no derivative (Q's last
    columns are not determined by A), as in PyTorch.
    """

    formula = "qr(A)"

    def forward(self, a: Tensor, mode: str) -> np.ndarray:
        lead = _lead(a, "linalg.qr", False)
        q, r = np.linalg.qr(a.data, mode=mode)
        self.shapes = [q.shape[-2:], r.shape[-2:]]
        self.mode = mode
        self.save_output(pack([q, r], lead))
        return self._output

    def backward(self, g: Any) -> Any:
        m, n = self.shapes[0][0], self.shapes[1][1]
        if m > n and self.mode == "complete":
            raise RuntimeError(
                "linalg.qr: the derivative of mode='complete' is not defined when the matrix "
                "has more rows than columns; use mode='reduced'"
            )
        q, r = unpack(self.output(), self.shapes)
        gq, gr = unpack(g, self.shapes)
        m = gr @ _swap(r) - _swap(q) @ gq
        m = triu(m)
        sym = m + _swap(m) - diag_embed(diag_part(m))
        return (gq + q @ sym) @ _swap(inv(r))


# -- symmetric eigen decomposition and SVD ------------------------------------------------


def _gaps(w: Any) -> Any:
    """E[i, j] = w_j - w_i off the diagonal, 1 on it."""
    n = w.shape[-1]
    return w[..., None, :] - w[..., :, None] + _eye(n, w)


def _off_diag(x: Any) -> Any:
    return x * (1.0 - _eye(x.shape[-1], x))


class Eigh(Function):
    """A = V diag(w) V^T: dA = V (diag(gw) + F o skew(V^T gV) / 2) V^T,
    F_ij = 1 / (w_j - w_i)

    Undefined for repeated eigenvalues (F divides by zero), as in PyTorch.
    Only the triangle named by ``UPLO`` is read.
    """

    formula = "eigh(A)"

    def forward(self, a: Tensor, uplo: str) -> np.ndarray:
        lead = _lead(a, "linalg.eigh", True)
        w, v = _checked("linalg.eigh", np.linalg.eigh, a.data, uplo)
        n = a.data.shape[-1]
        self.shapes = [(n,), (n, n)]
        self.save_output(pack([w, v], lead))
        return self._output

    def backward(self, g: Any) -> Any:
        w, v = unpack(self.output(), self.shapes)
        gw, gv = unpack(g, self.shapes)
        inner = diag_embed(gw)
        if dual.array(gv).any():
            m = _swap(v) @ gv
            inner = inner + _off_diag(0.5 * (m - _swap(m)) / _gaps(w))
        return v @ inner @ _swap(v)


class EigvalsH(Function):
    """d w = diag(V^T dA V), so dA = V diag(gw) V^T"""

    formula = "eigvalsh(A)"

    def forward(self, a: Tensor, uplo: str) -> np.ndarray:
        _lead(a, "linalg.eigvalsh", True)
        self.save_for_backward(a)
        self.uplo = uplo
        w, v = _checked("linalg.eigvalsh", np.linalg.eigh, a.data, uplo)
        self.vectors = v
        return w

    def backward(self, g: Any) -> Any:
        (a,) = self.saved
        if isinstance(g, _t.Tensor):
            # Recorded: the eigenvectors as a differentiable function of A.
            packed = Eigh.apply(a, uplo=self.uplo)
            n = a.shape[-1]
            v = unpack(packed, [(n,), (n, n)])[1]
        else:
            v = self.vectors
        return v @ diag_embed(g) @ _swap(v)


class SVD(Function):
    """A = U diag(S) Vh: dA = U [F o skew(U^T gU) S + S F o skew(V^T gV) + diag(gS)] Vh
    + (I - U U^T) gU S^-1 Vh + U S^-1 gVh (I - V V^T), F_ij = 1 / (s_j^2 - s_i^2)

    Undefined for repeated (or, with gU or gVh of a non-square matrix, zero)
    singular values, as in PyTorch; ``full_matrices=True`` on a non-square
    matrix has no derivative through the columns of U (rows of Vh) beyond
    ``min(m, n)``, an arbitrary basis (PyTorch ignores a gradient there; it is refused).
    """

    formula = "svd(A)"

    def forward(self, a: Tensor, full_matrices: bool) -> np.ndarray:
        lead = _lead(a, "linalg.svd", False)
        u, s, vh = _checked("linalg.svd", np.linalg.svd, a.data, full_matrices)
        self.shapes = [u.shape[-2:], s.shape[-1:], vh.shape[-2:]]
        self.full = full_matrices
        self.save_output(pack([u, s, vh], lead))
        return self._output

    def backward(self, g: Any) -> Any:
        u, s, vh = unpack(self.output(), self.shapes)
        gu, gs, gvh = unpack(g, self.shapes)
        use_u, use_v = bool(dual.array(gu).any()), bool(dual.array(gvh).any())
        m, n = self.shapes[0][0], self.shapes[2][1]
        k = self.shapes[1][0]
        if (use_u or use_v) and self.full and m != n:
            # Columns of U (rows of Vh) beyond k are an arbitrary basis: a gradient that
            # reaches them has no meaning (PyTorch ignores it; it is refused here). One
            # that does not is the thin factorisation's.
            if dual.array(gu)[..., :, k:].any() or dual.array(gvh)[..., k:, :].any():
                raise RuntimeError(
                    "linalg.svd: the derivative through the columns of U (rows of Vh) beyond "
                    "min(m, n) with full_matrices=True is not defined for a non-square "
                    "matrix; use full_matrices=False"
                )
            u, gu, vh, gvh = u[..., :, :k], gu[..., :, :k], vh[..., :k, :], gvh[..., :k, :]
        inner = diag_embed(gs)
        if not (use_u or use_v):
            # Only the first k columns of U and rows of Vh meet S.
            return u[..., :, :k] @ inner @ vh[..., :k, :]
        v, gv = _swap(vh), _swap(gvh)
        s2 = s * s
        e = s2[..., None, :] - s2[..., :, None] + _eye(k, s)
        if use_u:
            m_u = _swap(u) @ gu
            inner = inner + _off_diag((m_u - _swap(m_u)) / e) * s[..., None, :]
        if use_v:
            m_v = _swap(v) @ gv
            inner = inner + s[..., :, None] * _off_diag((m_v - _swap(m_v)) / e)
        out = u @ inner @ vh
        if use_u and m > k:
            out = out + ((gu - u @ (_swap(u) @ gu)) / s[..., None, :]) @ vh
        if use_v and n > k:
            out = out + u @ ((gvh - (gvh @ v) @ vh) / s[..., :, None])
        return out


class SvdVals(Function):
    """d S = diag(U^T dA V), so dA = U diag(gS) Vh"""

    formula = "svdvals(A)"

    def forward(self, a: Tensor) -> np.ndarray:
        _lead(a, "linalg.svdvals", False)
        self.save_for_backward(a)
        u, s, vh = _checked("linalg.svdvals", np.linalg.svd, a.data, False)
        self.uv = (u, vh)
        return s

    def backward(self, g: Any) -> Any:
        (a,) = self.saved
        if isinstance(g, _t.Tensor):
            packed = SVD.apply(a, full_matrices=False)
            m, n = a.shape[-2:]
            k = min(m, n)
            u, _, vh = unpack(packed, [(m, k), (k,), (k, n)])
        else:
            u, vh = self.uv
        return u @ diag_embed(g) @ vh


# -- pseudo-inverse and norms -------------------------------------------------------------


class Pinv(Function):
    """P = pinv(A) of constant rank: dA = -P^T g P^T + (I - A P) g^T P P^T
    + P^T P g^T (I - P A)

    The rule holds where the rank does not change (full-rank inputs, or
    singular values clear of ``rtol``), as PyTorch's.
    """

    formula = "pinv(A)"

    def forward(self, a: Tensor, rtol: float | None, hermitian: bool) -> np.ndarray:
        _lead(a, "linalg.pinv", False)
        self.save_for_backward(a)
        m, n = a.data.shape[-2:]
        # rcond, the relative cutoff both NumPy 1.26 and 2.x take (rtol is 2.x only),
        # with NumPy 2's and PyTorch's default max(m, n) * eps.
        cut = rtol if rtol is not None else max(m, n) * np.finfo(a.data.dtype).eps
        out = _checked("linalg.pinv", np.linalg.pinv, a.data, rcond=cut, hermitian=hermitian)
        self.save_output(out)
        return out

    def backward(self, g: Any) -> Any:
        (a,) = self.saved
        p = self.output()
        pt, gt = _swap(p), _swap(g)
        out = -(pt @ g @ pt)
        out = out + (gt @ p - a @ (p @ (gt @ p))) @ pt
        out = out + pt @ (p @ gt) - pt @ ((p @ gt) @ (p @ a))
        return out


class VectorNorm(Function):
    """d ||x||_p = sign(x) |x|^(p-1) / ||x||^(p-1) dx (0 where ||x|| = 0)"""

    formula = "||x||_p"

    def forward(self, x: Tensor, ord: float, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
        self.save_for_backward(x)
        self.ord = ord
        a = np.abs(x.data)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if ord == 2:
                out = np.sqrt(np.sum(a * a, axis=axis, keepdims=True))
            elif ord == 1:
                out = np.sum(a, axis=axis, keepdims=True)
            elif ord < 0:
                out = np.sum(a**ord, axis=axis, keepdims=True) ** (1.0 / ord)
            else:
                # Scaled by the largest element: |x|^p neither overflows nor underflows.
                top = np.max(a, axis=axis, keepdims=True, initial=0.0)
                safe = np.where((top == 0) | np.isinf(top), 1, top)
                out = safe * np.sum((a / safe) ** ord, axis=axis, keepdims=True) ** (1.0 / ord)
                out = np.where(top == 0, 0, np.where(np.isinf(top), top, out))
        self.kept_shape = out.shape
        self.save_output(out if keepdims else out.reshape(_drop(out.shape, axis)))
        return self._output

    def backward(self, g: Any) -> Any:
        (x,) = self.saved
        p = self.ord
        g = g.reshape(self.kept_shape)
        if p == 1:
            # sign(NaN) counts as 0, as PyTorch's sgn does.
            return g * np.nan_to_num(np.sign(dual.array(x)), nan=0.0)
        n = self.output().reshape(self.kept_shape)
        zero_norm = dual.array(n) == 0
        one = np.ones((), dtype=x.dtype)
        n_safe = dual.where(zero_norm, one, n)
        scale = g / n_safe if p == 2 else g / n_safe ** (p - 1.0)
        # A zero norm gives a zero gradient (PyTorch's choice of subgradient).
        scale = dual.where(zero_norm, dual.zero(scale), scale)
        if p == 2:
            return x * scale
        # sign(x) |x|^(p-1) with the sign as a constant (its derivative is 0
        # almost everywhere): finite at x = inf for p < 0, where x |x|^(p-2) is not.
        xa = dual.array(x)
        ax = dual.where(xa == 0, one, abs(x))
        return (np.sign(xa) * ax ** (p - 1.0)) * scale


def _drop(shape: tuple[int, ...], axis: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for i, n in enumerate(shape) if i not in axis)
