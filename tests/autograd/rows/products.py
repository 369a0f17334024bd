"""Op-table rows for ``autograd/ops/products.py``.

Input shapes come from index patterns (``"ij,jk"``): each letter gets one
drawn size, so the operands always fit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
import numpy as np

import autograd as ag
from tests.autograd.opspec import OpSpec
from tests.autograd.torch_refs import torch


def pattern(spec: str, fixed: dict[str, int] | None = None) -> Callable:
    """``shapes=`` for operands named by letters, e.g. ``"bij,bjk"``; a letter in
    ``fixed`` has that size."""
    fixed = fixed or {}
    letters = sorted(set(spec) - {","})

    def shapes(max_dims: int, max_side: int) -> st.SearchStrategy[tuple]:
        sizes = st.fixed_dictionaries(
            {c: st.just(fixed[c]) if c in fixed else st.integers(1, max_side) for c in letters}
        )
        return sizes.map(lambda s: tuple(tuple(s[c] for c in op) for op in spec.split(",")))

    return shapes


def row(name: str, spec: str, op: Callable, ref: Callable, torch_ref: Any, **kw: Any) -> OpSpec:
    return OpSpec(
        name,
        op,
        ref,
        spec.count(",") + 1,
        "custom",
        shapes=pattern(spec, kw.pop("fixed", None)),
        torch=torch_ref,
        **kw,
    )


def einsum_row(name: str, spec: str, eq: str, **kw: Any) -> OpSpec:
    return row(
        name,
        spec,
        lambda *xs: ag.einsum(eq, *xs),
        lambda *xs: np.einsum(eq, *xs),
        lambda *xs: torch.einsum(eq, *xs),
        api=("einsum",),
        **kw,
    )


def _scalars(shapes: tuple) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {"beta": st.sampled_from([0.0, 1.0, -0.5]), "alpha": st.sampled_from([1.0, 2.0])}
    )


ROWS: list[OpSpec] = [
    einsum_row("einsum_matmul", "ij,jk", "ij,jk->ik"),
    einsum_row("einsum_ellipsis_batched", "bij,jk", "...ij,...jk->...ik"),
    einsum_row("einsum_implicit", "ij,kj", "ij,kj"),
    einsum_row("einsum_diagonal", "ii", "ii->i"),
    einsum_row("einsum_trace_implicit", "jii", "jii"),
    einsum_row("einsum_three_summed", "bij,jk,b", "bij,jk,b->ik"),
    einsum_row("einsum_outer_and_sum", "ij,k", "ij,k->ki"),
    row(
        "tensordot_int",
        "ijk,jkl",
        lambda a, b: ag.tensordot(a, b, 2),
        lambda a, b: np.tensordot(a, b, 2),
        lambda a, b: torch.tensordot(a, b, 2),
        api=("tensordot",),
    ),
    row(
        "tensordot_lists",
        "ijk,kli",
        lambda a, b: a.tensordot(b, ([0, 2], [2, 0])),
        lambda a, b: np.tensordot(a, b, ([0, 2], [2, 0])),
        lambda a, b: torch.tensordot(a, b, ([0, 2], [2, 0])),
        api=("tensordot",),
    ),
    row(
        "mm",
        "ij,jk",
        lambda a, b: a.mm(b),
        np.matmul,
        lambda a, b: a.mm(b),
        api=("mm",),
    ),
    row(
        "bmm",
        "bij,bjk",
        ag.bmm,
        np.matmul,
        torch.bmm if torch else None,
        api=("bmm",),
    ),
    row(
        "mv",
        "ij,j",
        lambda a, v: a.mv(v),
        np.matmul,
        lambda a, v: a.mv(v),
        api=("mv",),
    ),
    row(
        "dot_vdot",
        "i,i",
        lambda a, b: a.dot(b) + ag.vdot(a, b) * 2.0,
        lambda a, b: np.dot(a, b) * 3.0,
        lambda a, b: a.dot(b) + torch.vdot(a, b) * 2.0,
        api=("dot", "vdot"),
    ),
    row(
        "outer",
        "i,j",
        lambda a, b: a.outer(b),
        np.outer,
        torch.outer if torch else None,
        api=("outer",),
    ),
    row(
        "inner",
        "ij,kj",
        lambda a, b: a.inner(b),
        np.inner,
        torch.inner if torch else None,
        api=("inner",),
    ),
    row(
        "addmm",
        "ik,ij,jk",
        lambda x, a, b, **p: x.addmm(a, b, **p),
        lambda x, a, b, beta, alpha: beta * x + alpha * (a @ b),
        lambda x, a, b, **p: torch.addmm(x, a, b, **p),
        params=_scalars,
        api=("addmm",),
    ),
    row(
        "addmv",
        "i,ij,j",
        lambda x, a, v, **p: ag.addmv(x, a, v, **p),
        lambda x, a, v, beta, alpha: beta * x + alpha * (a @ v),
        lambda x, a, v, **p: torch.addmv(x, a, v, **p),
        params=_scalars,
        api=("addmv",),
    ),
    row(
        "baddbmm",
        "bik,bij,bjk",
        lambda x, a, b, **p: x.baddbmm(a, b, **p),
        lambda x, a, b, beta, alpha: beta * x + alpha * (a @ b),
        lambda x, a, b, **p: torch.baddbmm(x, a, b, **p),
        params=_scalars,
        api=("baddbmm",),
    ),
    row(
        "addbmm",
        "ik,bij,bjk",
        lambda x, a, b, **p: ag.addbmm(x, a, b, **p),
        lambda x, a, b, beta, alpha: beta * x + alpha * (a @ b).sum(0),
        lambda x, a, b, **p: torch.addbmm(x, a, b, **p),
        params=_scalars,
        api=("addbmm",),
    ),
    row(
        "chain_matmul",
        "ij,jk,kl",
        lambda a, b, c: ag.chain_matmul(a, b, c),
        lambda a, b, c: a @ b @ c,
        lambda a, b, c: torch.linalg.multi_dot([a, b, c]),
        api=("chain_matmul",),
    ),
    row(
        "kron",
        "ij,kl",
        lambda a, b: a.kron(b),
        np.kron,
        torch.kron if torch else None,
        api=("kron",),
    ),
    row(
        "kron_mixed_dims",
        "i,klm",
        ag.kron,
        np.kron,
        torch.kron if torch else None,
        api=("kron",),
    ),
    row(
        "cross",
        "ci,ci",
        lambda a, b: a.cross(b),
        lambda a, b: np.cross(a, b, axis=0),
        lambda a, b: torch.cross(a, b, dim=0),
        fixed={"c": 3},
        api=("cross",),
    ),
]
