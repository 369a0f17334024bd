"""Products on hostile values (NaN, inf, signed zeros) and broadcast einsum
operands, against PyTorch: the op-table rows draw finite values only."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")

HOSTILE = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.5, 0.5])


def hostile(shape: tuple[int, ...], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(HOSTILE, size=shape)


def compare(ours_fn: Callable, torch_fn: Callable, *arrays: np.ndarray) -> None:
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):
        out = ours_fn(*ours)
        expected = torch_fn(*theirs)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), equal_nan=True)
        seed = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
        got = ag.grad(out, ours, seed)
    want = torch.autograd.grad(expected, theirs, torch.from_numpy(seed))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.data, w.numpy(), equal_nan=True)


CASES = [
    ("mm", lambda a, b: a.mm(b), lambda a, b: a.mm(b), (2, 3), (3, 2)),
    ("bmm", ag.bmm, torch.bmm, (2, 2, 3), (2, 3, 1)),
    ("mv", lambda a, v: a.mv(v), lambda a, v: a.mv(v), (3, 2), (2,)),
    ("outer", ag.outer, torch.outer, (3,), (2,)),
    ("kron", ag.kron, torch.kron, (2, 2), (2, 1)),
    ("cross", lambda a, b: a.cross(b, 1), lambda a, b: torch.cross(a, b, 1), (2, 3), (2, 3)),
    (
        "einsum",
        lambda a, b: ag.einsum("ij,ij->i", a, b),
        lambda a, b: torch.einsum("ij,ij->i", a, b),
        (2, 3),
        (2, 3),
    ),
]


@pytest.mark.parametrize(("name", "ours", "theirs", "sa", "sb"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", range(4))
def test_products_on_hostile_values_match_torch(
    name: str, ours: Callable, theirs: Callable, sa: tuple, sb: tuple, seed: int
) -> None:
    compare(ours, theirs, hostile(sa, seed), hostile(sb, seed + 10))


def test_addmm_with_beta_zero_ignores_nan_in_the_input() -> None:
    x = np.full((2, 2), np.nan)
    a, b = np.eye(2), np.arange(4.0).reshape(2, 2)
    compare(
        lambda x, a, b: ag.addmm(x, a, b, beta=0.0, alpha=2.0),
        lambda x, a, b: torch.addmm(x, a, b, beta=0.0, alpha=2.0),
        x,
        a,
        b,
    )


def test_einsum_broadcasts_ellipsis_dims_like_torch() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((1, 2, 3)), rng.standard_normal((4, 3, 2))
    compare(
        lambda a, b: ag.einsum("...ij,...jk", a, b),
        lambda a, b: torch.einsum("...ij,...jk", a, b),
        a,
        b,
    )
    compare(lambda a: ag.einsum("i...->...", a), lambda a: torch.einsum("i...->...", a), a[0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ag.einsum("ij,jk", np.ones((2, 3))), "names 2 operands"),
        (lambda: ag.einsum("ij->k", np.ones((2, 3))), "appears in no operand"),
        (lambda: ag.einsum("ijk", np.ones((2, 3))), "name 3 dims"),
        (lambda: ag.einsum("i1", np.ones((2, 3))), "invalid subscript"),
        (lambda: ag.mm(np.ones(3), np.ones((3, 2))), "mm: self must be 2-D"),
        (lambda: ag.dot(np.ones(3), np.ones(2)), "same length"),
        (lambda: ag.bmm(np.ones((2, 1, 3)), np.ones((3, 3, 1))), "batch sizes differ"),
        (lambda: ag.tensordot(np.ones((2, 3)), np.ones((2, 3)), ([1], [0])), "need to match"),
        (lambda: ag.cross(np.ones((2, 2)), np.ones((2, 2))), "no dimension of size 3"),
    ],
)
def test_errors(call: Callable, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
