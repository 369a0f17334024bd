"""Linear algebra with PyTorch's ``torch.linalg`` names and semantics.

Every function takes a matrix or a stack of matrices ``(..., m, n)`` and is
differentiable, to any order where the maths is smooth. The derivative
rules live with the primitives in :mod:`autograd.ops.decomp`; the
functions here check arguments, unpack results and compose.

Where the derivative is not defined the rule says so as PyTorch's does:
``svd``/``eigh`` at repeated singular values or eigenvalues (the result is
inf or NaN), ``det``/``inv``/``solve`` at singular matrices, ``pinv`` and
``lstsq`` where the rank changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from autograd import tensor as _t
from autograd.ops import decomp
from autograd.ops.decomp import (
    QR,
    SVD,
    Cholesky,
    Det,
    Eigh,
    EigvalsH,
    Inv,
    LogAbsDet,
    Pinv,
    Solve,
    SvdVals,
    VectorNorm,
)
from autograd.ops.linalg import matmul
from autograd.ops.products import cross as _cross
from autograd.ops.reduction import _axes
from autograd.ops.views import diagonal as _diagonal
from autograd.ops.views import movedim

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__ = [
    "EighResult",
    "LstsqResult",
    "QRResult",
    "SVDResult",
    "SlogdetResult",
    "cholesky",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "vecdot",
    "vector_norm",
]


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)``: ``det = sign * exp(logabsdet)``."""

    sign: Tensor
    logabsdet: Tensor


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, _t.Tensor) else _t.Tensor(x)


def inv(A: Any) -> Tensor:
    """The inverse of each square matrix; a singular matrix is a ``ValueError``."""
    return Inv.apply(_tensor(A))


def det(A: Any) -> Tensor:
    """The determinant of each square matrix."""
    return Det.apply(_tensor(A))


def slogdet(A: Any) -> SlogdetResult:
    """``(sign, logabsdet)`` of each square matrix; ``sign`` carries no gradient."""
    A = _tensor(A)
    sign = np.linalg.slogdet(A.data)[0] if A.data.ndim >= 2 else None
    logabs = LogAbsDet.apply(A)
    return SlogdetResult(_t._make(np.asarray(sign, dtype=A.data.dtype)), logabs)


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``). ``B`` of shape
    ``(..., n)`` matching ``A.shape[:-1]``, or 1-D, is a vector (PyTorch's rule)."""
    A, B = _tensor(A), _tensor(B)
    if not left:
        return solve(A.mT, B.mT).mT
    vector = B.data.ndim == 1 or (
        B.data.ndim == A.data.ndim - 1 and B.data.shape == A.data.shape[:-1]
    )
    if vector:
        return Solve.apply(A, B.unsqueeze(-1)).squeeze(-1)
    return Solve.apply(A, B)


def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """The lower factor ``L`` of ``A = L L^T`` (``U = L^T`` with ``upper=True``) of
    symmetric positive-definite matrices; only the lower triangle is read."""
    low = Cholesky.apply(_tensor(A))
    return low.mT if upper else low


def qr(A: Any, mode: str = "reduced") -> QRResult:
    """``A = Q R``: ``mode`` ``"reduced"`` (Q ``(m, k)``), ``"complete"`` (Q ``(m, m)``)
    or ``"r"`` (R only; Q is empty)."""
    A = _tensor(A)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    if A.data.ndim < 2:
        raise ValueError(f"linalg.qr: expected a matrix or a stack of matrices, got {A.shape}")
    m, n = A.data.shape[-2:]
    if m < n:
        # A = [X | Y] with X square: Q comes from X alone, and R = [R_X | Q^T Y].
        q, rx = qr(A[..., :m])
        r = _t_cat([rx, q.mT @ A[..., m:]])
    else:
        packed = QR.apply(A, mode="complete" if mode == "complete" else "reduced")
        k = m if mode == "complete" else n
        q, r = decomp.unpack(packed, [(m, k), (k, n)])
    if mode == "r":
        q = _t._make(np.zeros((0,), dtype=A.data.dtype))
    return QRResult(q, r)


def _t_cat(parts: list[Tensor]) -> Tensor:
    from autograd.ops.shape import concatenate

    return concatenate(parts, axis=-1)


def svd(A: Any, full_matrices: bool = True) -> SVDResult:
    """``A = U diag(S) Vh`` with ``S`` descending. As in PyTorch, ``full_matrices``
    defaults to True; then, for a non-square matrix, the columns of U (rows of Vh)
    beyond ``min(m, n)`` have no derivative (a gradient reaching them is an error)."""
    A = _tensor(A)
    packed = SVD.apply(A, full_matrices=bool(full_matrices))
    m, n = A.data.shape[-2:]
    k = min(m, n)
    cols, rows = (m, n) if full_matrices else (k, k)
    u, s, vh = decomp.unpack(packed, [(m, cols), (k,), (rows, n)])
    return SVDResult(u, s, vh)


def svdvals(A: Any) -> Tensor:
    """The singular values, descending."""
    return SvdVals.apply(_tensor(A))


def _uplo(UPLO: str, op: str) -> str:
    if UPLO not in ("L", "U"):
        raise ValueError(f"{op}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO


def eigh(A: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices;
    only the triangle ``UPLO`` is read."""
    A = _tensor(A)
    packed = Eigh.apply(A, uplo=_uplo(UPLO, "linalg.eigh"))
    n = A.data.shape[-1]
    w, v = decomp.unpack(packed, [(n,), (n, n)])
    return EighResult(w, v)


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues (ascending) of symmetric matrices."""
    return EigvalsH.apply(_tensor(A), uplo=_uplo(UPLO, "linalg.eigvalsh"))


def pinv(A: Any, *, rtol: float | None = None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse; singular values below ``rtol`` times the
    largest are treated as zero."""
    return Pinv.apply(_tensor(A), rtol=rtol, hermitian=hermitian)


def lstsq(A: Any, B: Any, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares solution of ``A X = B`` (the minimum-norm one when
    ``A`` is rank-deficient), computed as ``pinv(A) @ B``.

    ``residuals`` holds the squared residual norms when ``A`` has more rows
    than columns and full rank (else it is empty); ``rank`` and
    ``singular_values`` are always given. ``driver`` is accepted and ignored.
    """
    A, B = _tensor(A), _tensor(B)
    vector = B.data.ndim == 1
    Bm = B.unsqueeze(-1) if vector else B
    if Bm.data.shape[-2] != A.data.shape[-2]:
        raise ValueError(
            f"linalg.lstsq: B of shape {B.shape} does not fit A of shape {A.shape}: both "
            "need the same number of rows"
        )
    x = pinv(A, rtol=rcond) @ Bm
    m, n = A.data.shape[-2:]
    # The rank as NumPy 2's matrix_rank(rtol=) counts it, written out: NumPy 1.26
    # takes only an absolute tol.
    s = np.linalg.svd(A.data, compute_uv=False)
    rel = rcond if rcond is not None else max(m, n) * np.finfo(A.data.dtype).eps
    rank = np.count_nonzero(s > rel * s.max(axis=-1, keepdims=True, initial=0.0), axis=-1)
    if m > n and np.all(rank == n):
        r = A @ x - Bm
        residuals = (r * r).sum(axis=-2)
    else:
        residuals = _t._make(np.zeros((0,), dtype=A.data.dtype))
    if vector:
        x = x.squeeze(-1)
        if residuals.size:
            residuals = residuals.squeeze(-1)
    sv = np.linalg.svd(A.data, compute_uv=False)
    return LstsqResult(x, residuals, _t._make(np.asarray(rank, dtype=np.int64)), _t._make(sv))


def matrix_rank(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The number of singular values above ``max(atol, rtol * largest)`` (int64, no gradient).

    ``atol`` and ``rtol`` may be tensors, one value per matrix of a stack (broadcast);
    ``rtol`` defaults to ``eps * max(m, n)``, or 0 where ``atol`` is positive, as in
    PyTorch. ``hermitian=True`` takes the singular values from ``eigvalsh`` (only the
    lower triangle is read).
    """
    A = _tensor(A)
    if hermitian:
        s = np.abs(np.linalg.eigvalsh(A.data))
    else:
        s = np.linalg.svd(A.data, compute_uv=False)
    m, n = A.data.shape[-2:]
    given = np.asarray(0.0 if atol is None else np.asarray(atol), dtype=np.float64)
    default = max(m, n) * np.finfo(A.data.dtype).eps
    if rtol is None:
        rel = np.where(given > 0, 0.0, default) if atol is not None else np.asarray(default)
    else:
        rel = np.asarray(np.asarray(rtol), dtype=np.float64)
    largest = s.max(axis=-1, initial=0.0)
    tol = np.maximum(given, rel * largest)[..., None]
    return _t._make(np.asarray((s > tol).sum(axis=-1), dtype=np.int64))


def matrix_power(A: Any, n: int) -> Tensor:
    """``A`` multiplied by itself ``n`` times (by squaring); ``n < 0`` powers the
    inverse; ``n = 0`` gives identities (constants, without gradient)."""
    A = _tensor(A)
    if A.data.ndim < 2 or A.data.shape[-1] != A.data.shape[-2]:
        raise ValueError(f"linalg.matrix_power: expected square matrices, got shape {A.shape}")
    if int(n) != n:
        raise TypeError(f"linalg.matrix_power: n must be an integer, got {n!r}")
    n = int(n)
    if n == 0:
        eye = np.broadcast_to(np.eye(A.data.shape[-1], dtype=A.data.dtype), A.data.shape)
        return _t._make(eye.copy())
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    assert result is not None
    return result


def multi_dot(tensors: Any) -> Tensor:
    """The product of two or more matrices, left to right; the first may be a row
    vector and the last a column vector (1-D)."""
    ts = [_tensor(t) for t in tensors]
    if len(ts) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(ts)}")
    for i, t in enumerate(ts):
        ok = t.data.ndim == 2 or (t.data.ndim == 1 and i in (0, len(ts) - 1))
        if not ok:
            raise ValueError(
                f"linalg.multi_dot: tensor {i} must be 2-D (the first and last may be 1-D), "
                f"got shape {t.shape}"
            )
    out = ts[0]
    for t in ts[1:]:
        out = matmul(out, t)
    return out


def cross(a: Any, b: Any, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (default the last)."""
    return _cross(a, b, dim)


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along ``dim`` (broadcasting the others)."""
    x, y = _tensor(x), _tensor(y)
    return (x * y).sum(axis=dim)


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal ``offset`` of the matrices in dims ``dim1``, ``dim2`` (the last two)."""
    return _diagonal(A, offset, dim1, dim2)


# -- norms --------------------------------------------------------------------------------


def vector_norm(
    x: Any, ord: float = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (all dims by default); ``ord`` inf and
    -inf give the largest and smallest ``|x|``, 0 the count of nonzeros."""
    x = _tensor(x)
    if dtype is not None:
        x = x.to(dtype)
    if x.data.dtype.kind != "f":
        raise TypeError(f"linalg.vector_norm: expected a floating-point tensor, got {x.dtype}")
    if isinstance(dim, list):
        dim = tuple(dim)
    axes = _axes(dim, x.data.ndim)
    ord = float(ord)
    if ord == np.inf:
        return abs(x).amax(axes, keepdim)
    if ord == -np.inf:
        return abs(x).amin(axes, keepdim)
    if ord == 0:
        from autograd.ops.selection import where

        # Each element counts 1 or 0; the zero branch (x * 0 where x == 0) keeps
        # the result in the graph with the zero gradient that PyTorch gives.
        one = np.ones((), dtype=x.data.dtype)
        nonzero = x.data != 0
        zeros = where(nonzero, np.zeros((), dtype=x.data.dtype), x) * 0.0
        return where(nonzero, one, zeros).sum(axes, keepdim)
    return VectorNorm.apply(x, ord=ord, axis=axes, keepdims=bool(keepdim))


_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


def matrix_norm(A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False) -> Tensor:
    """A norm of the matrices in dims ``dim``: ``"fro"``, ``"nuc"`` (sum of singular
    values), 2 / -2 (largest / smallest singular value), 1 / -1 (largest / smallest
    column sum of ``|A|``), inf / -inf (the same over rows). An empty matrix has norm 0,
    except where a negative order takes a minimum over nothing (an error, as in PyTorch)."""
    A = _tensor(A)
    if ord not in _MATRIX_ORDS:
        raise ValueError(f"linalg.matrix_norm: ord must be one of {_MATRIX_ORDS}, got {ord!r}")
    if A.data.ndim < 2:
        raise ValueError(f"linalg.matrix_norm: expected at least 2 dims, got shape {A.shape}")
    d0, d1 = (_t._dim(int(d), A.data.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise ValueError(f"linalg.matrix_norm: dims must be different, got {dim}")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    m = movedim(A, (d0, d1), (-2, -1))
    rows, cols = m.data.shape[-2:]
    if {-1: cols, -2: rows * cols, -np.inf: rows}.get(ord, 1) == 0:
        raise ValueError(
            f"linalg.matrix_norm: ord={ord} of an empty matrix (shape {A.shape}) is a "
            "minimum over nothing (the positive orders give 0)"
        )
    if 0 in m.data.shape[-2:] and ord in (1, 2, np.inf):
        # The largest of no sums (singular values) is 0, as in PyTorch.
        out = abs(m).sum(axis=(-2, -1))
    elif ord in ("nuc", 2, -2):
        s = svdvals(m)
        out = s.sum(axis=-1) if ord == "nuc" else s[..., 0] if ord == 2 else s[..., -1]
    else:
        # 1: columns (sum over rows, dim -2); inf: rows (sum over columns).
        sums = abs(m).sum(axis=-2 if ord in (1, -1) else -1)
        out = sums.amax(-1) if ord in (1, np.inf) else sums.amin(-1)
    if keepdim:
        for d in sorted((d0, d1)):
            out = out.unsqueeze(d)
    return out


def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False) -> Tensor:
    """A vector norm (``dim`` an int, or a 1-D input) or a matrix norm (``dim`` a
    pair, or a 2-D input with ``ord`` given); with neither, the 2-norm of all
    elements."""
    A = _tensor(A)
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim)
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim)
    if ord is None:
        return vector_norm(A, 2, None, keepdim)
    if A.data.ndim == 1:
        return vector_norm(A, ord, None, keepdim)
    if A.data.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim)
    raise ValueError(
        f"linalg.norm: with ord={ord!r} and dim=None the input must be 1-D or 2-D, got shape "
        f"{A.shape}"
    )
