"""The fused losses where the op table does not reach: hostile values, empty
inputs, which path a call takes, and the errors of the direct entry points."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor
from autograd.ops import fused
from tests.autograd.rows.fused import composed_cross_entropy, reduce_t

HOSTILE = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.5, 1e308])
REDUCTIONS = ("mean", "sum", "none")


def _grads(out: Tensor, xs: list[Tensor]) -> list[np.ndarray]:
    seed = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
    return [np.asarray(g) for g in ag.grad(out, xs, seed)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_is_the_composition_to_the_bit(reduction: str, dtype: type) -> None:
    """Values and gradients, NaN, inf and overflow included."""
    big = np.finfo(dtype).max  # (big - 0) * 2 overflows in the rule
    a, b = np.meshgrid(*[np.where(HOSTILE == 1e308, big, HOSTILE).astype(dtype)] * 2)
    rng = np.random.default_rng(2)
    a = np.concatenate([a, rng.normal(size=(40, 8)).astype(dtype)])
    b = np.concatenate([b, rng.normal(size=(40, 8)).astype(dtype)])
    with np.errstate(all="ignore"):
        x, t = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
        x2, t2 = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
        out = F.mse_loss(x, t, reduction=reduction)
        ref = reduce_t((x2 - t2) ** 2, reduction)
        assert out.grad_fn.name == "MseLoss"
        np.testing.assert_array_equal(out.data, ref.data)
        assert out.dtype == dtype
        for g, h in zip(_grads(out, [x, t]), _grads(ref, [x2, t2])):
            assert g.dtype == dtype
            np.testing.assert_array_equal(g, h)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_on_hostile_logits_is_the_composition(reduction: str) -> None:
    """A row holding +inf or NaN is NaN throughout, a row of -inf too, as in
    PyTorch; finite rows are unaffected by large logits (the shift by the maximum)."""
    rows = np.array(
        [[0.0, 1.0, 2.0], [1e308, -1e308, 0.0], [np.inf, 1.0, 0.0], [np.nan, 0.0, 0.0],
         [-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, 1.0], [-0.0, 0.0, 0.0], [800.0, 0.0, -800.0]]
    )  # fmt: skip
    target = np.array([2, 0, 1, 1, 0, 2, 1, 0])
    with np.errstate(all="ignore"):
        x, x2 = Tensor(rows, requires_grad=True), Tensor(rows, requires_grad=True)
        out = F.cross_entropy(x, target, reduction=reduction)
        ref = composed_cross_entropy(x2, target, reduction)
        assert out.grad_fn.name == "SoftmaxCrossEntropy"
        np.testing.assert_array_equal(out.data, ref.data)
        (g,), (h,) = _grads(out, [x]), _grads(ref, [x2])
    np.testing.assert_allclose(g, h, rtol=1e-14, atol=1e-300, equal_nan=True)
    if reduction == "none":
        assert np.isfinite(out.data[[0, 1, 5, 6, 7]]).all()
        assert np.isnan(out.data[[2, 3, 4]]).all()


def test_cross_entropy_on_hostile_logits_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle for NaN and inf")
    rng = np.random.default_rng(3)
    logits = rng.choice(HOSTILE[:-1], size=(6, 4))
    target = rng.integers(0, 4, 6)
    with np.errstate(all="ignore"):
        for reduction in REDUCTIONS:
            x = Tensor(logits, requires_grad=True)
            out = F.cross_entropy(x, target, reduction=reduction)
            (g,) = _grads(out, [x])
            tx = torch.tensor(logits, requires_grad=True)
            tout = torch.nn.functional.cross_entropy(
                tx, torch.as_tensor(target), reduction=reduction
            )
            seed = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
            (tg,) = torch.autograd.grad(tout, [tx], torch.as_tensor(seed))
            np.testing.assert_allclose(out.data, tout.detach().numpy(), equal_nan=True)
            np.testing.assert_allclose(g, tg.numpy(), rtol=1e-12, equal_nan=True)


def test_mse_of_empty_inputs() -> None:
    """The mean of nothing is NaN, without a warning (PyTorch's value); the sum is 0."""
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean = F.mse_loss(x, np.zeros((0, 3)))
        assert np.isnan(mean.data) and mean.shape == ()
        mean.backward()
    assert x.grad.shape == (0, 3)
    assert F.mse_loss(x, np.zeros((0, 3)), reduction="sum").item() == 0.0
    assert F.mse_loss(x, np.zeros((0, 3)), reduction="none").shape == (0, 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_losses_keep_the_dtype_and_give_0d_arrays(dtype: type) -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(4, 3)).astype(dtype), requires_grad=True)
    for loss in (
        F.mse_loss(x, rng.normal(size=(4, 3))),  # float64 targets are cast to the input's
        F.cross_entropy(x, rng.integers(0, 3, 4)),
    ):
        assert loss.dtype == dtype and type(loss.data) is np.ndarray and loss.shape == ()
        (g,) = ag.grad(loss, [x], create_graph=True)
        assert g.dtype == dtype and type(g.data) is np.ndarray
    s = Tensor(np.asarray(2.0, dtype), requires_grad=True)
    loss = F.mse_loss(s, 0.5)
    loss.backward()
    assert loss.dtype == dtype and type(loss.data) is np.ndarray
    assert s.grad.dtype == dtype and type(s.grad.data) is np.ndarray and s.grad.item() == 3.0


def test_the_common_cross_entropy_is_one_node_and_the_general_case_is_unchanged() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(5, 4))
    target = np.array([0, 3, 1, 1, 2])
    x = Tensor(logits, requires_grad=True)
    common = [
        nn.CrossEntropyLoss()(x, target),
        nn.CrossEntropyLoss(reduction="sum")(x, target),
        nn.CrossEntropyLoss(ignore_index=-1)(x, target),
        nn.CrossEntropyLoss(ignore_index=2)(x, np.array([0, 3, 1, 1, 0])),  # 2 does not occur
        F.cross_entropy(x, target.astype(np.int32)),
    ]
    for loss in common:
        assert loss.grad_fn.name == "SoftmaxCrossEntropy"
        assert loss.grad_fn.next_functions[0] is x
    general = [
        nn.CrossEntropyLoss(ignore_index=2)(x, target),
        nn.CrossEntropyLoss(weight=np.ones(4))(x, target),
        nn.CrossEntropyLoss(label_smoothing=0.1)(x, target),
        F.cross_entropy(x, np.full((5, 4), 0.25)),  # probabilities
    ]
    for loss in general:
        assert loss.grad_fn.name != "SoftmaxCrossEntropy"
    # The general path with nothing to weigh, ignore or smooth gives the fused value.
    np.testing.assert_allclose(general[1].data, common[0].data, rtol=1e-15)
    np.testing.assert_allclose(
        nn.CrossEntropyLoss(label_smoothing=0.0, ignore_index=4)(x, target).data,
        common[0].data,
        rtol=0,
    )


def test_errors_of_cross_entropy_are_unchanged() -> None:
    x = Tensor(np.zeros((3, 4)), requires_grad=True)
    with pytest.raises(IndexError, match="target 4 at position 1 is out of bounds for 4 classes"):
        F.cross_entropy(x, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"needs targets of shape \(3,\), got \(2,\)"):
        F.cross_entropy(x, np.array([0, 1]))
    with pytest.raises(TypeError, match="must be float, got dtype int64"):
        F.cross_entropy(x, np.zeros((3, 4), np.int64))
    with pytest.raises(ValueError, match="target shape"):
        F.mse_loss(x, np.zeros((4, 3)))


def test_direct_entry_points_check_their_arguments() -> None:
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="reduction must be"):
        fused.mse_loss(x, Tensor(np.zeros((2, 3))), reduction="avg")
    with pytest.raises(ValueError, match=r"target shape \(3,\) must match input shape \(2, 3\)"):
        fused.mse_loss(x, Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match=r"integer class indices of shape \(N,\)"):
        fused.softmax_cross_entropy(x, np.zeros(2))
    with pytest.raises(IndexError, match=r"class indices must be in 0..2, got -1..1"):
        fused.softmax_cross_entropy(x, np.array([-1, 1]))
    loss = fused.softmax_cross_entropy(x, np.array([0, 2]), reduction="sum")
    np.testing.assert_allclose(loss.data, 2 * np.log(3.0))
    np.testing.assert_allclose(fused.mse_loss(x, Tensor(np.ones((2, 3)))).data, 1.0)
    empty = fused.softmax_cross_entropy(Tensor(np.zeros((0, 3))), np.zeros(0, np.int64))
    assert np.isnan(empty.data)
