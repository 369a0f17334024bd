"""Shape ops outside the op table: integer and boolean tensors (no gradient),
empty tensors, argument errors, and the tuple-returning ops against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")


def same(ours: Tensor, theirs: torch.Tensor) -> None:
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


INT = np.arange(24).reshape(2, 3, 4)
CASES = [
    ("squeeze", lambda x: x.unsqueeze(1).squeeze(1)),
    ("expand", lambda x: x[:, :1].expand(2, 3, 4)),
    ("repeat", lambda x: x.repeat(1, 2, 1, 1)),
    ("repeat_interleave", lambda x: x.repeat_interleave(2, dim=2)),
    ("flip", lambda x: x.flip(0, 2)),
    ("roll", lambda x: x.roll((1, -2), (1, 2))),
    ("narrow", lambda x: x.narrow(2, 1, 2)),
    ("movedim", lambda x: x.movedim(0, -1)),
    ("diagonal", lambda x: x.diagonal(1, 1, 2)),
    ("tril", lambda x: x.tril(-1)),
    ("unfold", lambda x: x.unfold(2, 3, 1)),
    ("clone", lambda x: x.clone()),
]


@pytest.mark.parametrize(("name", "fn"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_integer_and_boolean_tensors_keep_their_dtype(name: str, fn: object, dtype: type) -> None:
    data = (INT % 3 == 0) if dtype is np.bool_ else INT
    ours = fn(Tensor(data))
    assert ours.dtype == dtype and not ours.requires_grad
    same(ours, fn(torch.from_numpy(np.array(data))))


def test_split_chunk_unbind_return_tuples_like_torch() -> None:
    x, t = Tensor(INT), torch.from_numpy(INT)
    for ours, theirs in [
        (x.split(2, 2), t.split(2, 2)),
        (x.split([1, 0, 2], 1), t.split([1, 0, 2], 1)),
        (x.chunk(3, 1), t.chunk(3, 1)),
        (x.chunk(5, 2), t.chunk(5, 2)),
        (x.unbind(1), t.unbind(1)),
        (
            ag.meshgrid(Tensor([1, 2]), Tensor([3, 4, 5])),
            torch.meshgrid(torch.tensor([1, 2]), torch.tensor([3, 4, 5]), indexing="ij"),
        ),
        (
            ag.broadcast_tensors(Tensor([[1], [2]]), Tensor([3, 4])),
            torch.broadcast_tensors(torch.tensor([[1], [2]]), torch.tensor([3, 4])),
        ),
        (
            ag.atleast_2d(Tensor(1), Tensor([1, 2])),
            torch.atleast_2d(torch.tensor(1), torch.tensor([1, 2])),
        ),
    ]:
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)


def test_empty_tensors() -> None:
    x, t = Tensor(np.zeros((0, 3))), torch.zeros((0, 3), dtype=torch.float64)
    same(x.flip(0), t.flip(0))
    same(x.roll(1, 0), t.roll(1, 0))
    same(x.repeat(2, 2), t.repeat(2, 2))
    same(x.unsqueeze(0), t.unsqueeze(0))
    same(x.diagonal(), t.diagonal())
    same(x.tril(), t.tril())
    assert [p.shape for p in x.split(2, 0)] == [tuple(p.shape) for p in t.split(2, 0)]
    same(ag.cat([x, x], 0), torch.cat([t, t], 0))


def test_tril_triu_clear_nan_and_inf_outside_the_triangle() -> None:
    data = np.array([[1.0, np.nan], [np.inf, -0.0]])
    same(Tensor(data).tril(), torch.tril(torch.from_numpy(data)))
    same(Tensor(data).triu(1), torch.triu(torch.from_numpy(data), 1))


def test_clone_copies_and_contiguous_copies_only_when_needed() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.contiguous() is x
    assert not np.shares_memory(x.clone().data, x.data)
    t = x.T.contiguous()
    assert t.data.flags.c_contiguous
    t.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: x.expand(3, 5), "must match the existing size"),
        (lambda x: x.expand(4), "must be greater or equal"),
        (lambda x: x.repeat(2), "can not be smaller"),
        (lambda x: x.unsqueeze(4), "dimension out of range"),
        (lambda x: x.split([1, 2], 0), "sum to the size"),
        (lambda x: x.chunk(0), "chunks must be positive"),
        (lambda x: x.narrow(1, 3, 3), "exceeds dimension size"),
        (lambda x: x.select(0, 2), "out of range"),
        (lambda x: x.movedim((0, 1), 0), "distinct dims"),
        (lambda x: x.diagonal(0, 1, 1), "cannot be the same"),
        (lambda x: x.unfold(1, 5, 1), "must be <= size"),
        (lambda x: x.unfold(1, 2, 0), "step must be > 0"),
        (lambda x: x.reshape(-1).trace(), "expected a matrix"),
        (lambda x: x.repeat_interleave(np.array([1, 2, 3])), "one per element"),
        (lambda x: ag.meshgrid(x), "0-d or 1-d"),
        (lambda x: ag.fliplr(x[0]), ">= 2-d"),
    ],
)
def test_errors_name_the_operation(call: object, message: str) -> None:
    x = Tensor(np.ones((2, 4)))
    with pytest.raises((ValueError, IndexError), match=message):
        call(x)


def test_views_of_a_leaf_do_not_change_it() -> None:
    data = np.arange(6.0).reshape(2, 3)
    x = Tensor(data.copy(), requires_grad=True)
    outs = [x.flip(0), x.roll(1), x.expand(2, 2, 3), x.unfold(1, 2, 1), x.diag_embed()]
    for o in outs:
        o.sum().backward()
    np.testing.assert_array_equal(x.data, data)


def test_transpose_of_a_0d_tensor_is_itself() -> None:
    # transpose(0, 0) on a 0-d tensor once indexed past the empty permutation.
    x = Tensor(2.5, requires_grad=True)
    for d0, d1 in ((0, 0), (0, -1), (-1, -1)):
        out = x.transpose(d0, d1)
        assert out.shape == () and out.item() == torch.tensor(2.5).transpose(d0, d1).item()
    with pytest.raises(IndexError):
        x.transpose(0, 1)


def test_narrow_takes_a_0d_integer_tensor_as_start() -> None:
    x = np.arange(12.0).reshape(3, 4)
    out = Tensor(x).narrow(1, Tensor(np.int64(1)), 2)
    expected = torch.from_numpy(x).narrow(1, torch.tensor(1), 2)
    np.testing.assert_array_equal(out.data, expected.numpy())
    with pytest.raises(TypeError, match="narrow: start must be an int"):
        Tensor(x).narrow(1, Tensor(1.0), 2)


def test_repeat_interleave_checks_output_size() -> None:
    x = Tensor([[1.0], [2.0]])
    out = x.repeat_interleave(Tensor(np.array([1, 2])), dim=0, output_size=3)
    np.testing.assert_array_equal(out.data, [[1.0], [2.0], [2.0]])
    assert ag.repeat_interleave(x, 2, output_size=4).shape == (4,)
    with pytest.raises(ValueError, match="output_size=4 but the repeats give 3"):
        x.repeat_interleave(Tensor(np.array([1, 2])), dim=0, output_size=4)
