"""Constructors against PyTorch: values, shapes, dtypes, requires_grad."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")

TORCH_DTYPES = {torch.float64: np.float64, torch.float32: np.float32, torch.int64: np.int64}


def same(ours: ag.Tensor, theirs: torch.Tensor) -> None:
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == TORCH_DTYPES.get(theirs.dtype, theirs.dtype), (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "args", [(5,), (2, 7), (0, 1, 0.25), (3, -2, -1), (1.5,), (0, 0), (-1.0, 1.0, 0.5)]
)
def test_arange_matches_torch(args: tuple) -> None:
    torch.set_default_dtype(torch.float64)
    try:
        same(ag.arange(*args), torch.arange(*args))
    finally:
        torch.set_default_dtype(torch.float32)


def test_arange_dtype_and_errors() -> None:
    assert ag.arange(3, dtype="float32").dtype == np.float32
    assert ag.arange(3, requires_grad=False).dtype == np.int64
    t = ag.arange(3.0, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    with pytest.raises(ValueError, match="step must be nonzero"):
        ag.arange(0, 3, 0)


@pytest.mark.parametrize("steps", [0, 1, 2, 5])
def test_linspace_and_logspace_match_torch(steps: int) -> None:
    same(ag.linspace(-1, 2, steps), torch.linspace(-1, 2, steps, dtype=torch.float64))
    same(ag.logspace(-1, 2, steps), torch.logspace(-1, 2, steps, dtype=torch.float64))
    same(
        ag.logspace(0, 3, steps, base=2.0, dtype=np.float32),
        torch.logspace(0, 3, steps, base=2.0, dtype=torch.float32),
    )
    with pytest.raises(ValueError, match="non-negative"):
        ag.linspace(0, 1, -1)


@pytest.mark.parametrize("fill", [1.5, 3, True, float("nan"), -0.0])
def test_full_and_full_like_infer_dtypes_as_torch(fill: object) -> None:
    ours, theirs = ag.full((2, 3), fill), torch.full((2, 3), fill, dtype=None)
    assert ours.shape == (2, 3)
    expected = {torch.float32: np.float64, torch.int64: np.int64, torch.bool: np.bool_}
    # The library's default float dtype is float64 where PyTorch's is float32.
    assert ours.dtype == expected[theirs.dtype]
    np.testing.assert_array_equal(ours.data, theirs.numpy().astype(ours.dtype))
    if fill == 0.0:
        assert np.signbit(ours.data).all()
    like = ag.full_like(ag.zeros(2, dtype=np.float32), fill)
    assert like.dtype == np.float32 and like.shape == (2,)
    assert ag.full([2], 1, dtype="float32", requires_grad=True).requires_grad


@pytest.mark.parametrize(("n", "m"), [(3, None), (2, 4), (0, 2), (3, 1)])
def test_eye_matches_torch(n: int, m: int | None) -> None:
    theirs = (
        torch.eye(n, dtype=torch.float64) if m is None else torch.eye(n, m, dtype=torch.float64)
    )
    same(ag.eye(n, m), theirs)
    with pytest.raises(ValueError, match="non-negative"):
        ag.eye(-1)


def test_empty_and_empty_like_have_shape_and_dtype() -> None:
    e = ag.empty(2, 3, dtype=np.float32, requires_grad=True)
    assert e.shape == (2, 3) and e.dtype == np.float32 and e.requires_grad
    assert ag.empty((0, 4)).shape == (0, 4)
    like = ag.empty_like(ag.ones(4, dtype=np.int32))
    assert like.shape == (4,) and like.dtype == np.int32


def test_randint_bounds_shapes_and_seed() -> None:
    ag.manual_seed(0)
    a = ag.randint(3, 7, (200,))
    assert a.dtype == np.int64 and a.shape == (200,)
    assert a.data.min() >= 3 and a.data.max() <= 6 and len(np.unique(a.data)) == 4
    ag.manual_seed(0)
    np.testing.assert_array_equal(ag.randint(3, 7, (200,)).data, a.data)
    b = ag.randint(5, size=(2, 2), dtype="int32")
    assert b.dtype == np.int32 and (b.data < 5).all() and (b.data >= 0).all()
    with pytest.raises(ValueError, match="low < high"):
        ag.randint(3, 3, (1,))


def test_rand_like_and_randn_like() -> None:
    x = ag.zeros(500, 2, dtype=np.float32)
    u, n = ag.rand_like(x), ag.randn_like(x, requires_grad=True)
    assert u.shape == n.shape == (500, 2) and u.dtype == n.dtype == np.float32
    assert 0.0 <= u.data.min() and u.data.max() < 1.0
    assert n.requires_grad and abs(float(n.data.mean())) < 0.2
    with pytest.raises(TypeError, match="floating point"):
        ag.randn_like(ag.zeros(2, dtype=np.int64))
