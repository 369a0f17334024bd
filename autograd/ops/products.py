"""Products beyond matmul: mm, bmm, mv, dot, outer, inner, addmm, einsum,
tensordot, kron, cross.

``Einsum`` is the one primitive: its derivative with respect to each operand
is another einsum (of the output's gradient and the other operands), so it
is differentiable to any order. The other products are compositions of it,
of ``MatMul`` and of the shape primitives.
"""

from __future__ import annotations

import string
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import tensor as _t
from autograd.function import Function
from autograd.ops.linalg import matmul

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__: list[str] = [
    "addbmm",
    "addmm",
    "addmv",
    "baddbmm",
    "bmm",
    "chain_matmul",
    "cross",
    "det",
    "dot",
    "einsum",
    "inner",
    "inverse",
    "kron",
    "logdet",
    "matmul",
    "matrix_power",
    "mm",
    "mv",
    "outer",
    "pinverse",
    "slogdet",
    "tensordot",
    "vdot",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, _t.Tensor) else _t.Tensor(x)


# -- einsum -------------------------------------------------------------------------------


def _parse(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """Explicit subscripts: the ellipsis replaced by letters, the implicit output
    (letters used once, in alphabetical order, after the ellipsis) written out."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise ValueError(
            f"einsum: the equation {equation!r} names {len(ins)} operands but {len(ndims)} "
            "were given"
        )
    used = set(eq) - set(".,->")
    for c in used:
        if c not in string.ascii_letters:
            raise ValueError(f"einsum: invalid subscript {c!r} in {equation!r}; use letters")
    spare = iter(c for c in string.ascii_letters if c not in used)
    ell_len = 0
    for sub, nd in zip(ins, ndims):
        if "..." in sub:
            ell_len = max(ell_len, nd - (len(sub) - 3))
    ell = "".join(next(spare) for _ in range(ell_len))
    explicit = []
    for sub, nd in zip(ins, ndims):
        if "..." in sub:
            k = nd - (len(sub) - 3)
            if k < 0:
                raise ValueError(f"einsum: operand of {nd} dims does not fit {sub!r}")
            sub = sub.replace("...", ell[ell_len - k :])
        if len(sub) != nd:
            raise ValueError(
                f"einsum: subscripts {sub!r} name {len(sub)} dims but the operand has {nd}"
            )
        explicit.append(sub)
    if arrow:
        out = out.replace("...", ell)
    else:
        counts = Counter("".join(explicit))
        out = ell + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    for c in out:
        if c not in "".join(explicit):
            raise ValueError(f"einsum: output subscript {c!r} appears in no operand")
    return explicit, out


class Einsum(Function):
    """d einsum(s, a_1, ..., a_n) = einsum(g and the other operands -> the subscripts of a_k)

    A letter that only operand ``k`` sums over is broadcast back; a repeated
    letter (a diagonal, ``"ii->i"``) is placed back on the diagonal by an
    identity matrix.
    """

    formula = "einsum(eq, a, ...)"

    def forward(self, *ops: Tensor, inputs: tuple[str, ...], output: str) -> np.ndarray:
        self.inputs, self.output_subs = inputs, output
        self.save_for_backward(*ops)
        eq = ",".join(inputs) + "->" + output
        return np.asarray(np.einsum(eq, *[o.data for o in ops], optimize=len(ops) > 2))

    def backward(self, g: Any) -> tuple[Any, ...]:
        ops = self.saved
        grads = []
        for k, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            grads.append(self._grad(k, g, ops))
        return tuple(grads)

    def _grad(self, k: int, g: Any, ops: tuple[Any, ...]) -> Any:
        target = self.inputs[k]
        shape = ops[k].shape
        others = [(self.inputs[j], ops[j]) for j in range(len(ops)) if j != k]
        present = set(self.output_subs).union(*[set(s) for s, _ in others])
        unique = "".join(dict.fromkeys(target))
        kept = "".join(c for c in unique if c in present)
        subs = [self.output_subs] + [s for s, _ in others]
        r = _einsum_call(subs, kept, [g] + [o for _, o in others])
        # Letters summed by this operand alone: the gradient is constant along them.
        if kept != unique:
            size = {c: shape[target.index(c)] for c in unique}
            r = r.reshape(tuple(size[c] if c in kept else 1 for c in unique))
            r = _broadcast(r, tuple(size[c] for c in unique))
        if unique == target:
            return r
        # A letter repeated in the operand: only its diagonal received the values.
        spare = iter(c for c in string.ascii_letters if c not in target + self.output_subs)
        full, eyes = [], []
        seen: set[str] = set()
        for i, c in enumerate(target):
            if c in seen:
                d = next(spare)
                full.append(d)
                eyes.append((c + d, np.eye(shape[i], dtype=ops[k].dtype)))
            else:
                full.append(c)
                seen.add(c)
        return _einsum_call(
            [unique] + [s for s, _ in eyes], "".join(full), [r] + [e for _, e in eyes]
        )


def _broadcast(x: Any, shape: tuple[int, ...]) -> Any:
    from autograd.ops.dual import broadcast_to

    return broadcast_to(x, shape)


def _einsum_call(subs: list[str], out: str, operands: list[Any]) -> Any:
    if any(isinstance(o, _t.Tensor) for o in operands):
        ts = [o if isinstance(o, _t.Tensor) else _t._make(np.asarray(o)) for o in operands]
        return Einsum.apply(*ts, inputs=tuple(subs), output=out)
    return np.asarray(np.einsum(",".join(subs) + "->" + out, *operands))


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation: ``einsum("ij,jk->ik", a, b)``; ``...`` broadcasts, and
    without ``->`` the output is the letters used once, in alphabetical order.

    Operands may also be passed as one list: ``einsum("ij,jk", [a, b])``.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [_tensor(o) for o in operands]
    inputs, output = _parse(equation, [t.data.ndim for t in ts])
    return Einsum.apply(*ts, inputs=tuple(inputs), output=output)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Sum the products over the last ``dims`` dims of ``a`` and the first of ``b``,
    or over the listed pairs ``dims=([a dims], [b dims])``."""
    a, b = _tensor(a), _tensor(b)
    na, nb = a.data.ndim, b.data.ndim
    if isinstance(dims, (int, np.integer)):
        if dims < 0 or dims > min(na, nb):
            raise ValueError(f"tensordot: dims must be in [0, {min(na, nb)}], got {dims}")
        da, db = list(range(na - int(dims), na)), list(range(int(dims)))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        da, db = [d % na for d in da], [d % nb for d in db]
    if len(da) != len(db):
        raise ValueError(f"tensordot: both sides need the same number of dims, got {dims}")
    for i, j in zip(da, db):
        if a.data.shape[i] != b.data.shape[j]:
            raise ValueError(
                f"tensordot: contracted dimensions need to match, but first has size "
                f"{a.data.shape[i]} in dim {i} and second has size {b.data.shape[j]} in dim {j}"
            )
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + [
        c for j, c in enumerate(sb) if j not in db
    ]
    return Einsum.apply(a, b, inputs=("".join(sa), "".join(sb)), output="".join(out))


# -- named matrix products ----------------------------------------------------------------


def _need(x: Tensor, ndim: int, op: str, what: str) -> None:
    if x.data.ndim != ndim:
        raise ValueError(f"{op}: {what} must be {ndim}-D, got shape {x.data.shape}")


def mm(a: Any, b: Any) -> Tensor:
    """The product of two matrices."""
    a, b = _tensor(a), _tensor(b)
    _need(a, 2, "mm", "self")
    _need(b, 2, "mm", "mat2")
    return matmul(a, b)


def bmm(a: Any, b: Any) -> Tensor:
    """Products of two equal-length batches of matrices ``(b, n, m) @ (b, m, p)``."""
    a, b = _tensor(a), _tensor(b)
    _need(a, 3, "bmm", "self")
    _need(b, 3, "bmm", "mat2")
    if a.data.shape[0] != b.data.shape[0]:
        raise ValueError(f"bmm: batch sizes differ: {a.data.shape} and {b.data.shape}")
    return matmul(a, b)


def mv(a: Any, v: Any) -> Tensor:
    """A matrix times a vector."""
    a, v = _tensor(a), _tensor(v)
    _need(a, 2, "mv", "self")
    _need(v, 1, "mv", "vec")
    return matmul(a, v)


def dot(a: Any, b: Any) -> Tensor:
    """The inner product of two vectors of the same length."""
    a, b = _tensor(a), _tensor(b)
    _need(a, 1, "dot", "self")
    _need(b, 1, "dot", "other")
    if a.data.shape != b.data.shape:
        raise ValueError(
            f"dot: the vectors must have the same length, got {a.data.shape} and {b.data.shape}"
        )
    return matmul(a, b)


vdot = dot


def outer(a: Any, b: Any) -> Tensor:
    """The outer product ``a[i] * b[j]`` of two vectors."""
    a, b = _tensor(a), _tensor(b)
    _need(a, 1, "outer", "self")
    _need(b, 1, "outer", "vec2")
    return a.reshape(-1, 1) * b.reshape(1, -1)


def inner(a: Any, b: Any) -> Tensor:
    """Sum of products over the last dims (the scalar product for 0-d operands)."""
    a, b = _tensor(a), _tensor(b)
    if a.data.ndim == 0 or b.data.ndim == 0:
        return a * b
    return tensordot(a, b, ([-1], [-1]))


def _scaled_sum(x: Any, product: Tensor, beta: float, alpha: float) -> Tensor:
    out = product if alpha == 1 else product * alpha
    x = _t._operand(x, product)
    if beta == 0:
        # PyTorch ignores the input (NaN in it included) but keeps it in the
        # graph with a zero gradient: a where that never selects it.
        from autograd.ops.selection import where

        return out + where(np.zeros((), dtype=bool), x, np.zeros((), dtype=x.data.dtype))
    return out + (x if beta == 1 else x * beta)


def addmm(x: Any, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * x + alpha * (mat1 @ mat2)``; with ``beta=0`` the input is ignored."""
    return _scaled_sum(x, mm(mat1, mat2), beta, alpha)


def addmv(x: Any, mat: Any, vec: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * x + alpha * (mat @ vec)``."""
    return _scaled_sum(x, mv(mat, vec), beta, alpha)


def baddbmm(x: Any, b1: Any, b2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * x + alpha * bmm(b1, b2)``."""
    return _scaled_sum(x, bmm(b1, b2), beta, alpha)


def addbmm(x: Any, b1: Any, b2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * x + alpha * sum_i b1[i] @ b2[i]``."""
    return _scaled_sum(x, bmm(b1, b2).sum(axis=0), beta, alpha)


def chain_matmul(*matrices: Any) -> Tensor:
    """The product of matrices from left to right."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    ts = [_tensor(m) for m in matrices]
    if not ts:
        raise ValueError("chain_matmul: expected at least one matrix")
    out = ts[0]
    for m in ts[1:]:
        out = mm(out, m)
    return out


def kron(a: Any, b: Any) -> Tensor:
    """The Kronecker product: block ``(i, j, ...)`` is ``a[i, j, ...] * b``."""
    a, b = _tensor(a), _tensor(b)
    n = max(a.data.ndim, b.data.ndim)
    sa = (1,) * (n - a.data.ndim) + a.data.shape
    sb = (1,) * (n - b.data.ndim) + b.data.shape
    wide = a.reshape(tuple(v for s in sa for v in (s, 1))) * b.reshape(
        tuple(v for s in sb for v in (1, s))
    )
    return wide.reshape(tuple(p * q for p, q in zip(sa, sb)))


def cross(a: Any, b: Any, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (by default the first dim of
    size 3, as ``torch.cross``; ``autograd.linalg.cross`` defaults to -1)."""
    a, b = _tensor(a), _tensor(b)
    a, b = (t.broadcast_to(np.broadcast_shapes(a.data.shape, b.data.shape)) for t in (a, b))
    shape = a.data.shape
    if dim is None:
        dims = [i for i, n in enumerate(shape) if n == 3]
        if not dims:
            raise ValueError(f"cross: no dimension of size 3 in input of shape {shape}")
        dim = dims[0]
    d = _t._dim(dim, len(shape), "cross")
    if not shape or shape[d] != 3:
        raise ValueError(f"cross: dimension {dim} does not have size 3 (shape {shape})")
    from autograd.ops.shape import stack
    from autograd.ops.views import unbind

    a0, a1, a2 = unbind(a, d)
    b0, b1, b2 = unbind(b, d)
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=d)


# -- torch's top-level names for autograd.linalg functions --------------------------------


def inverse(a: Any) -> Tensor:
    """The inverse of each square matrix (``linalg.inv``)."""
    from autograd import linalg

    return linalg.inv(a)


def det(a: Any) -> Tensor:
    """The determinant of each square matrix (``linalg.det``)."""
    from autograd import linalg

    return linalg.det(a)


def slogdet(a: Any) -> Any:
    """``(sign, logabsdet)`` of each square matrix (``linalg.slogdet``)."""
    from autograd import linalg

    return linalg.slogdet(a)


def logdet(a: Any) -> Tensor:
    """``log(det(a))``: NaN where the determinant is negative, -inf where it is 0."""
    from autograd import linalg
    from autograd.ops.selection import where

    sign, logabs = linalg.slogdet(a)
    nan = np.full((), np.nan, dtype=logabs.data.dtype)
    out = where(sign.data < 0, nan, logabs)
    return where(sign.data == 0, np.full((), -np.inf, dtype=logabs.data.dtype), out)


def pinverse(a: Any, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below ``rcond`` times the largest dropped."""
    from autograd import linalg

    return linalg.pinv(a, rtol=rcond)


def matrix_power(a: Any, n: int) -> Tensor:
    """``a`` multiplied by itself ``n`` times (``linalg.matrix_power``)."""
    from autograd import linalg

    return linalg.matrix_power(a, n)


class ProductMethods:
    """Methods of :class:`~autograd.Tensor` defined with this module's functions."""

    __slots__ = ()

    def mm(self: Tensor, other: Any) -> Tensor:
        """Matrix product of two matrices."""
        return mm(self, other)

    def bmm(self: Tensor, other: Any) -> Tensor:
        """Batched matrix product."""
        return bmm(self, other)

    def mv(self: Tensor, vec: Any) -> Tensor:
        """Matrix-vector product."""
        return mv(self, vec)

    def dot(self: Tensor, other: Any) -> Tensor:
        """Inner product of two vectors."""
        return dot(self, other)

    def vdot(self: Tensor, other: Any) -> Tensor:
        """Inner product of two (real) vectors."""
        return dot(self, other)

    def outer(self: Tensor, other: Any) -> Tensor:
        """Outer product of two vectors."""
        return outer(self, other)

    def inner(self: Tensor, other: Any) -> Tensor:
        """Sum of products over the last dims."""
        return inner(self, other)

    def addmm(self: Tensor, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``beta * self + alpha * mat1 @ mat2``."""
        return addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self: Tensor, mat: Any, vec: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``beta * self + alpha * mat @ vec``."""
        return addmv(self, mat, vec, beta=beta, alpha=alpha)

    def baddbmm(self: Tensor, b1: Any, b2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``beta * self + alpha * bmm(b1, b2)``."""
        return baddbmm(self, b1, b2, beta=beta, alpha=alpha)

    def addbmm(self: Tensor, b1: Any, b2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """``beta * self + alpha * bmm(b1, b2).sum(0)``."""
        return addbmm(self, b1, b2, beta=beta, alpha=alpha)

    def kron(self: Tensor, other: Any) -> Tensor:
        """Kronecker product."""
        return kron(self, other)

    def cross(self: Tensor, other: Any, dim: int | None = None) -> Tensor:
        """Cross product of 3-vectors along ``dim``."""
        return cross(self, other, dim)

    def tensordot(self: Tensor, other: Any, dims: Any = 2) -> Tensor:
        """Contraction over ``dims``."""
        return tensordot(self, other, dims)

    def inverse(self: Tensor) -> Tensor:
        """The inverse of each square matrix."""
        return inverse(self)

    def det(self: Tensor) -> Tensor:
        """The determinant of each square matrix."""
        return det(self)

    def slogdet(self: Tensor) -> Any:
        """``(sign, logabsdet)`` of each square matrix."""
        return slogdet(self)

    def logdet(self: Tensor) -> Tensor:
        """``log(det)``: NaN for a negative determinant."""
        return logdet(self)

    def pinverse(self: Tensor, rcond: float = 1e-15) -> Tensor:
        """The pseudo-inverse."""
        return pinverse(self, rcond)

    def matrix_power(self: Tensor, n: int) -> Tensor:
        """The ``n``-th matrix power."""
        return matrix_power(self, n)
