"""Op-table rows for ``autograd.linalg`` (primitives in ``autograd/ops/decomp.py``).

Finite differences need well-conditioned inputs, so each row maps its drawn
matrices (small entries) to a well-posed one: a shifted identity makes a
matrix invertible, ``X X^T + I`` positive definite, ``(X + X^T) / 2`` plus
spread diagonal symmetric with distinct eigenvalues, and a rectangular
"diagonal" of 5, 3, 1 keeps singular values distinct and clear of zero.
The NumPy reference and PyTorch get the same map. Decompositions whose
factors are fixed only up to signs (eigenvectors, singular vectors) are
checked through sign-free functions of them (``V * V``, ``U @ Vh``).
Rows that draw a rare near-tie reject it with ``avoid``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

import autograd as ag
from autograd import linalg as LA
from tests.autograd.opspec import FAR_FROM_ZERO, OpSpec, floats, ties_within
from tests.autograd.torch_refs import torch

SMALL = floats(-0.3, 0.3)
UNIT = floats(-1.0, 1.0)
# A column that is exactly zero below the diagonal is where LAPACK's QR flips
# the signs of a row of R and a column of Q (no Householder reflection is
# needed there): a jump that finite differences must not straddle.
SMALL_NONZERO = st.one_of(floats(-0.3, -0.05), floats(0.05, 0.3))


def square(k: int = 1, rhs: str | None = None) -> Callable:
    """``shapes=``: ``k`` square stacks ``(*batch, n, n)``, then optionally a right
    side ``(*batch, n, c)`` (``rhs="matrix"``) or ``(*batch, n)`` (``"vector"``)."""

    def shapes(max_dims: int, max_side: int) -> st.SearchStrategy[tuple]:
        batch = hnp.array_shapes(min_dims=0, max_dims=max(0, max_dims - 2), max_side=2)
        return st.tuples(batch, st.integers(1, max_side), st.integers(1, max_side)).map(
            lambda t: tuple(
                [(*t[0], t[1], t[1])] * k
                + ([(*t[0], t[1], t[2])] if rhs == "matrix" else [])
                + ([(*t[0], t[1])] if rhs == "vector" else [])
            )
        )

    return shapes


def rect(tall: bool | None = None, k: int = 1) -> Callable:
    """``shapes=``: ``(*batch, m, n)`` (``m >= n`` when ``tall``), then ``k - 1``
    right sides ``(*batch, m, c)``."""

    def shapes(max_dims: int, max_side: int) -> st.SearchStrategy[tuple]:
        batch = hnp.array_shapes(min_dims=0, max_dims=max(0, max_dims - 2), max_side=2)
        sides = st.tuples(st.integers(1, max_side + 1), st.integers(1, max_side + 1))
        if tall is not None:
            sides = sides.map(lambda s: tuple(sorted(s, reverse=tall)))
        return st.tuples(batch, sides, st.integers(1, max_side)).map(
            lambda t: ((*t[0], *t[1]),) + ((*t[0], t[1][0], t[2]),) * (k - 1)
        )

    return shapes


def spread(shape: tuple[int, ...]) -> np.ndarray:
    """A rectangular diagonal of 5, 3, 1, ...: distinct singular values."""
    m, n = shape[-2:]
    d = np.zeros((m, n))
    k = min(m, n)
    d[np.arange(k), np.arange(k)] = 5.0 - 2.0 * np.arange(k)
    return d


def plus(x: Any, c: np.ndarray) -> Any:
    """``x + c`` for an ndarray, a Tensor or a torch tensor ``x``."""
    if torch is not None and isinstance(x, torch.Tensor):
        return x + torch.from_numpy(c)
    # In the input's dtype: a float64 constant would promote float32 inputs.
    return x + c.astype(x.dtype)


def shift(x: Any, s: float = 4.0) -> Any:
    return plus(x, s * np.eye(x.shape[-1]))


def wide(x: Any) -> Any:
    return plus(x, spread(x.shape))


def spd(x: Any) -> Any:
    return plus(x @ _mt(x), np.eye(x.shape[-1]))


def sym(x: Any) -> Any:
    """Symmetric with eigenvalues about 0, 2, 4, ... apart."""
    return plus((x + _mt(x)) * 0.5, np.diag(2.0 * np.arange(x.shape[-1])))


def _mt(x: Any) -> Any:
    return np.swapaxes(x, -1, -2) if isinstance(x, np.ndarray) else x.mT


def join(parts: list[Any], lib: Any, lead: tuple[int, ...]) -> Any:
    cat = lib.concatenate if lib is np else (lib.cat if lib is torch else ag.concatenate)
    return cat([p.reshape(*lead, -1) for p in parts], -1)


def close_values(values: np.ndarray, gap: float) -> bool:
    s = np.sort(values, axis=-1)
    return bool(np.any(np.diff(s, axis=-1) < gap))


def _eigh_np(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(sym(a))
    return join([w, v * v], np, a.shape[:-2])


def _eigh_ag(a: Any, UPLO: str = "L") -> Any:
    w, v = LA.eigh(sym(a), UPLO=UPLO)
    return join([w, v * v], ag, a.shape[:-2])


def _eigh_t(a: Any, UPLO: str = "L") -> Any:
    w, v = torch.linalg.eigh(sym(a), UPLO=UPLO)
    return join([w, v * v], torch, a.shape[:-2])


def _svd_parts(u: Any, s: Any, vh: Any, lib: Any, lead: tuple[int, ...]) -> Any:
    return join([s, u * u, u @ vh], lib, lead)


def _qr_parts(q: Any, r: Any, lib: Any, lead: tuple[int, ...]) -> Any:
    return join([q, r], lib, lead)


def _uplo(shapes: tuple) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"UPLO": st.sampled_from(["L", "U"])})


def _sv_close(a: np.ndarray, **p: Any) -> bool:
    s = np.linalg.svd(wide(a), compute_uv=False)
    return close_values(s, 0.3) or bool(np.any(s < 0.3))


QR_MODES = ["reduced", "complete"]

NAN_MAX = (
    "the 1, -1, inf and -inf matrix norms are the max (or min) of sums of |A|: a NaN sum is "
    "the maximum and its gradient goes through abs at NaN (0), where PyTorch gives NaN"
)

# linalg.norm's arguments by the number of input dims.
NORM_ARGS = {
    0: [{"ord": None, "dim": None}],
    1: [{"ord": None, "dim": None}, {"ord": 3, "dim": None}, {"ord": 0.5, "dim": 0}],
    # (nuc, through the SVD, is in linalg_matrix_norm: LAPACK refuses NaN, as in PyTorch.)
    2: [{"ord": None, "dim": None}, {"ord": "fro", "dim": None}, {"ord": 2, "dim": 1}],
}


def _tensor_names(x: Any) -> Any:
    s = spd(x)
    scalars = s.det() + s.logdet() + s.slogdet()[1]
    return s.inverse() + s.pinverse() * 2.0 + s.matrix_power(2) + scalars[..., None, None]


def _np_names(x: np.ndarray) -> np.ndarray:
    s = spd(x)
    det = np.linalg.det(s)
    scalars = det + 2.0 * np.log(det)
    inv = np.linalg.inv(s)
    return 3.0 * inv + s @ s + scalars[..., None, None]


ROWS: list[OpSpec] = [
    OpSpec(
        "linalg_inv",
        lambda a: LA.inv(shift(a)),
        lambda a: np.linalg.inv(shift(a)),
        1,
        "custom",
        (UNIT,),
        shapes=square(),
        api=("linalg.inv",),
        torch=lambda a: torch.linalg.inv(shift(a)),
    ),
    OpSpec(
        "linalg_det",
        lambda a: LA.det(shift(a, -4.0)),
        lambda a: np.linalg.det(shift(a, -4.0)),
        1,
        "custom",
        (UNIT,),
        shapes=square(),
        api=("linalg.det",),
        torch=lambda a: torch.linalg.det(shift(a, -4.0)),
    ),
    OpSpec(
        "linalg_slogdet",
        lambda a: _slog(LA.slogdet(shift(a, -4.0))),
        lambda a: _slog(np.linalg.slogdet(shift(a, -4.0))),
        1,
        "custom",
        (UNIT,),
        shapes=square(),
        api=("linalg.slogdet",),
        torch=lambda a: _slog(torch.linalg.slogdet(shift(a, -4.0))),
    ),
    OpSpec(
        "linalg_solve",
        lambda a, b: LA.solve(shift(a), b),
        lambda a, b: np.linalg.solve(shift(a), b),
        2,
        "custom",
        (UNIT,),
        shapes=square(1, "matrix"),
        api=("linalg.solve",),
        torch=lambda a, b: torch.linalg.solve(shift(a), b),
    ),
    OpSpec(
        "linalg_solve_vector_right",
        lambda a, b: (
            LA.solve(shift(a), b) + LA.solve(shift(a), b[..., None, :], left=False)[..., 0, :]
        ),
        lambda a, b: (
            np.linalg.solve(shift(a), b[..., None])[..., 0]
            + (b[..., None, :] @ np.linalg.inv(shift(a)))[..., 0, :]
        ),
        2,
        "custom",
        (UNIT,),
        shapes=square(1, "vector"),
        api=("linalg.solve",),
        torch=lambda a, b: (
            torch.linalg.solve(shift(a), b)
            + torch.linalg.solve(shift(a), b[..., None, :], left=False)[..., 0, :]
        ),
    ),
    OpSpec(
        "linalg_cholesky",
        lambda a, upper: LA.cholesky(spd(a), upper=upper),
        lambda a, upper: _np_chol(spd(a), upper),
        1,
        "custom",
        (UNIT,),
        shapes=square(),
        params=lambda s: st.fixed_dictionaries({"upper": st.booleans()}),
        api=("linalg.cholesky",),
        torch=lambda a, upper: torch.linalg.cholesky(spd(a), upper=upper),
    ),
    OpSpec(
        "linalg_qr",
        lambda a, mode: _qr_parts(*LA.qr(wide(a), mode), ag, a.shape[:-2]),
        lambda a, mode: _qr_parts(*np.linalg.qr(wide(a), mode), np, a.shape[:-2]),
        1,
        "custom",
        (SMALL_NONZERO,),
        shapes=rect(),
        # "complete" has a derivative only for wide and square matrices; both
        # modes give the same factors there.
        params=lambda s: st.fixed_dictionaries(
            {
                "mode": st.sampled_from(
                    ["reduced", "complete"] if s[0][-2] <= s[0][-1] else ["reduced"]
                )
            }
        ),
        api=("linalg.qr",),
        torch=lambda a, mode: _qr_parts(*torch.linalg.qr(wide(a), mode), torch, a.shape[:-2]),
    ),
    OpSpec(
        "linalg_eigh",
        _eigh_ag,
        lambda a, UPLO: _eigh_np(a),
        1,
        "custom",
        (UNIT,),
        shapes=square(),
        params=_uplo,
        avoid=lambda a, **p: close_values(np.linalg.eigvalsh(sym(a)), 0.3),
        api=("linalg.eigh",),
        torch=_eigh_t,
    ),
    OpSpec(
        "linalg_eigvalsh",
        lambda a: LA.eigvalsh(sym(a)),
        lambda a: np.linalg.eigvalsh(sym(a)),
        1,
        "custom",
        (UNIT,),
        shapes=square(),
        avoid=lambda a, **p: close_values(np.linalg.eigvalsh(sym(a)), 0.3),
        api=("linalg.eigvalsh",),
        torch=lambda a: torch.linalg.eigvalsh(sym(a)),
    ),
    OpSpec(
        "linalg_svd",
        lambda a: _svd_parts(*LA.svd(wide(a), False), ag, a.shape[:-2]),
        lambda a: _svd_parts(*np.linalg.svd(wide(a), False), np, a.shape[:-2]),
        1,
        "custom",
        (SMALL,),
        shapes=rect(),
        avoid=_sv_close,
        api=("linalg.svd",),
        torch=lambda a: _svd_parts(
            *torch.linalg.svd(wide(a), full_matrices=False),
            torch,
            a.shape[:-2],
        ),
    ),
    OpSpec(
        "linalg_svd_full_square",
        lambda a: _svd_parts(*LA.svd(wide(a)), ag, a.shape[:-2]),
        lambda a: _svd_parts(*np.linalg.svd(wide(a)), np, a.shape[:-2]),
        1,
        "custom",
        (SMALL,),
        shapes=square(),
        avoid=_sv_close,
        api=("linalg.svd",),
        torch=lambda a: _svd_parts(*torch.linalg.svd(wide(a)), torch, a.shape[:-2]),
    ),
    OpSpec(
        "linalg_svdvals",
        lambda a: LA.svdvals(wide(a)),
        lambda a: np.linalg.svd(wide(a), compute_uv=False),
        1,
        "custom",
        (SMALL,),
        shapes=rect(),
        avoid=_sv_close,
        api=("linalg.svdvals",),
        torch=lambda a: torch.linalg.svdvals(wide(a)),
    ),
    OpSpec(
        "linalg_pinv",
        lambda a: LA.pinv(wide(a)),
        lambda a: np.linalg.pinv(wide(a)),
        1,
        "custom",
        (SMALL,),
        shapes=rect(),
        api=("linalg.pinv",),
        torch=lambda a: torch.linalg.pinv(wide(a)),
    ),
    OpSpec(
        "linalg_lstsq",
        lambda a, b: LA.lstsq(wide(a), b).solution,
        lambda a, b: np.linalg.pinv(wide(a)) @ b,
        2,
        "custom",
        (SMALL, UNIT),
        shapes=rect(tall=True, k=2),
        api=("linalg.lstsq",),
        torch=lambda a, b: torch.linalg.lstsq(wide(a), b).solution,
    ),
    OpSpec(
        "linalg_matrix_power",
        lambda a, n: LA.matrix_power(shift(a, 2.0), n),
        lambda a, n: np.linalg.matrix_power(shift(a, 2.0), n),
        1,
        "custom",
        (floats(-0.5, 0.5),),
        shapes=square(),
        params=lambda s: st.fixed_dictionaries({"n": st.sampled_from([-2, -1, 1, 2, 3])}),
        api=("linalg.matrix_power",),
        torch=lambda a, n: torch.linalg.matrix_power(shift(a, 2.0), n),
    ),
    OpSpec(
        "linalg_multi_dot",
        lambda a, b, c: LA.multi_dot([a[0], b, c[:, 0]]),
        lambda a, b, c: a[0] @ b @ c[:, 0],
        3,
        "custom",
        shapes=lambda md, ms: st.tuples(*[st.integers(1, ms)] * 3).map(
            lambda t: ((1, t[0]), (t[0], t[1]), (t[1], 1))
        ),
        api=("linalg.multi_dot",),
        torch=lambda a, b, c: torch.linalg.multi_dot([a[0], b, c[:, 0]]),
    ),
    OpSpec(
        "linalg_cross_vecdot",
        lambda a, b: LA.cross(a, b) + LA.vecdot(a, b)[..., None],
        lambda a, b: np.cross(a, b) + (a * b).sum(-1)[..., None],
        2,
        "custom",
        shapes=lambda md, ms: hnp.array_shapes(min_dims=0, max_dims=2, max_side=ms).map(
            lambda s: ((*s, 3), (*s, 3))
        ),
        api=("linalg.cross", "linalg.vecdot"),
        torch=lambda a, b: torch.linalg.cross(a, b) + torch.linalg.vecdot(a, b)[..., None],
    ),
    OpSpec(
        "linalg_vector_norm",
        lambda x, **p: LA.vector_norm(x, **p),
        lambda x, ord, dim, keepdim: _np_vnorm(x, ord, dim, keepdim),
        1,
        "single",
        (FAR_FROM_ZERO,),
        params=lambda s: st.fixed_dictionaries(
            {
                "ord": st.sampled_from([2, 3, 0.5, -1]),
                "dim": _some_dims(len(s[0])),
                "keepdim": st.booleans(),
            }
        ),
        api=("linalg.vector_norm",),
        torch=lambda x, **p: torch.linalg.vector_norm(x, **p),
    ),
    OpSpec(
        "linalg_vector_norm_l1_inf",
        lambda x, ord, dim: LA.vector_norm(x, ord, dim),
        lambda x, ord, dim: _np_vnorm(x, ord, dim, False),
        1,
        "single",
        params=lambda s: st.fixed_dictionaries(
            {
                "ord": st.sampled_from([1, np.inf, -np.inf]),
                "dim": _some_dims(len(s[0])),
            }
        ),
        avoid=lambda x, **p: ties_within(np.abs(x)) or bool(np.any(np.abs(x) < 0.01)),
        smooth=False,
        api=("linalg.vector_norm",),
        torch=lambda x, ord, dim: torch.linalg.vector_norm(x, ord, dim),
    ),
    OpSpec(
        "linalg_matrix_norm",
        lambda a, ord: LA.matrix_norm(wide(a), ord),
        lambda a, ord: np.linalg.norm(wide(a), ord, axis=(-2, -1)),
        1,
        "custom",
        (SMALL,),
        shapes=rect(),
        params=lambda s: st.fixed_dictionaries({"ord": st.sampled_from(["fro", "nuc", 2, -2])}),
        avoid=_sv_close,
        api=("linalg.matrix_norm",),
        torch=lambda a, ord: torch.linalg.matrix_norm(wide(a), ord),
    ),
    OpSpec(
        "linalg_matrix_norm_sums",
        lambda a, ord, keepdim: LA.matrix_norm(a, ord, (0, -1), keepdim),
        lambda a, ord, keepdim: np.linalg.norm(a, ord, axis=(0, -1), keepdims=keepdim),
        1,
        "single",
        (FAR_FROM_ZERO,),
        params=lambda s: st.fixed_dictionaries(
            {"ord": st.sampled_from([1, -1, np.inf, -np.inf]), "keepdim": st.booleans()}
        ),
        min_dims=2,
        avoid=lambda a, ord, keepdim: _sums_tie(a, ord),
        smooth=False,
        torch_differs=NAN_MAX,
        api=("linalg.matrix_norm",),
        torch=lambda a, ord, keepdim: torch.linalg.matrix_norm(a, ord, (0, -1), keepdim),
    ),
    OpSpec(
        "linalg_norm",
        lambda x, **p: LA.norm(x, **p),
        lambda x, ord, dim: np.linalg.norm(x, ord, dim),
        1,
        "single",
        (FAR_FROM_ZERO,),
        params=lambda s: st.sampled_from(NORM_ARGS.get(len(s[0]), NORM_ARGS[0])),
        api=("linalg.norm",),
        torch=lambda x, **p: torch.linalg.norm(x, **p),
    ),
]


def _some_dims(ndim: int) -> st.SearchStrategy:
    if not ndim:
        return st.none()
    return st.none() | hnp.valid_tuple_axes(ndim, min_size=1)


def _sv_close_raw(a: np.ndarray) -> bool:
    s = np.linalg.svd(a, compute_uv=False)
    return close_values(s, 0.2) or bool(np.any(s < 0.2))


def _sums_tie(a: np.ndarray, ord: Any) -> bool:
    m = np.moveaxis(np.abs(a), (0, -1), (-2, -1))
    sums = m.sum(axis=-2 if ord in (1, -1) else -1)
    return close_values(sums, 0.01)


def _np_vnorm(x: np.ndarray, ord: float, dim: Any, keepdim: bool) -> np.ndarray:
    axes = tuple(range(x.ndim)) if dim is None else dim
    a = np.abs(x)
    if ord == np.inf:
        return np.max(a, axis=axes, keepdims=keepdim)
    if ord == -np.inf:
        return np.min(a, axis=axes, keepdims=keepdim)
    if ord == 0:
        return np.sum(x != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
    return np.sum(a**ord, axis=axes, keepdims=keepdim) ** (1.0 / ord)


def _np_chol(a: np.ndarray, upper: bool) -> np.ndarray:
    low = np.linalg.cholesky(a)
    return np.swapaxes(low, -1, -2) if upper else low


def _slog(result: Any) -> Any:
    sign, logabs = result
    return sign * logabs


ROWS.append(
    OpSpec(
        "tensor_linalg_methods",
        _tensor_names,
        _np_names,
        1,
        "custom",
        (UNIT,),
        shapes=square(),
        api=("inverse", "det", "logdet", "slogdet", "pinverse", "matrix_power"),
        torch=_tensor_names,
    )
)
