"""Losses: values against NumPy references, gradients by gradcheck, edge cases,
errors, and (when installed) PyTorch as an oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Tensor
from autograd.gradcheck import gradcheck
from nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


# ------------------------------------------------------- NumPy references
def np_log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def np_reduce(loss: np.ndarray, reduction: str, denom: float | None = None) -> np.ndarray:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (loss.size if denom is None else denom)


def ref_cross_entropy(x, y, weight=None, ignore_index=-100, reduction="mean", smoothing=0.0):
    """Class-index cross-entropy of (N, C) logits, written out per sample."""
    n, c = x.shape
    logp = np_log_softmax(x)
    w = np.ones(c) if weight is None else weight
    loss = np.zeros(n)
    denom = 0.0
    for i in range(n):
        if y[i] == ignore_index:
            continue
        nll = -w[y[i]] * logp[i, y[i]]
        smooth = -(w * logp[i]).sum()
        loss[i] = (1 - smoothing) * nll + smoothing / c * smooth
        denom += w[y[i]]
    return np_reduce(loss, reduction, denom)


def ref_cross_entropy_probs(x, p, weight=None, reduction="mean", smoothing=0.0):
    c = x.shape[1]
    q = p * (1 - smoothing) + smoothing / c
    w = np.ones(c) if weight is None else weight
    return np_reduce(-(np_log_softmax(x) * q * w).sum(axis=1), reduction)


def ref_bce(x, y, weight=None, pos_weight=None, reduction="mean"):
    log_sig = -np.logaddexp(0.0, -x)  # log sigmoid(x), exact for any x
    log_one_minus = -np.logaddexp(0.0, x)  # log (1 - sigmoid(x))
    pw = 1.0 if pos_weight is None else pos_weight
    loss = -(pw * y * log_sig + (1 - y) * log_one_minus)
    if weight is not None:
        loss = loss * weight
    return np_reduce(loss, reduction)


def ref_hinge(s, y, reduction="mean"):
    return np_reduce(np.maximum(0.0, 1.0 - y * s.reshape(-1)), reduction)


# ------------------------------------------------------------- strategies
@st.composite
def classification(draw, with_ignored: bool = True):
    n = draw(st.integers(1, 6))
    c = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(scale=3.0, size=(n, c))
    y = rng.integers(0, c, size=n)
    if with_ignored and draw(st.booleans()):
        y[rng.random(n) < 0.3] = -100
    return x, y, rng


def leaf(a: np.ndarray) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------ cross-entropy
@given(
    classification(),
    st.sampled_from(REDUCTIONS),
    st.sampled_from([0.0, 0.1, 1.0]),
    st.booleans(),
)
def test_cross_entropy_index_targets(data, reduction, smoothing, weighted) -> None:
    x, y, rng = data
    weight = rng.uniform(0.5, 2.0, size=x.shape[1]) if weighted else None
    if reduction == "mean" and (y == -100).all():
        y[0] = 0  # all-ignored gives NaN: tested on its own below
    loss = F.cross_entropy(
        leaf(x), y, weight=weight, reduction=reduction, label_smoothing=smoothing
    )
    expected = ref_cross_entropy(x, y, weight, -100, reduction, smoothing)
    np.testing.assert_allclose(loss.data, expected, rtol=1e-12, atol=1e-12)
    gradcheck(
        lambda t: F.cross_entropy(
            t, y, weight=weight, reduction=reduction, label_smoothing=smoothing
        ),
        leaf(x),
    )


@given(classification(with_ignored=False), st.sampled_from(REDUCTIONS), st.booleans())
def test_cross_entropy_probability_targets(data, reduction, smoothed) -> None:
    x, _, rng = data
    p = rng.dirichlet(np.ones(x.shape[1]), size=x.shape[0])
    smoothing = 0.2 if smoothed else 0.0
    loss = F.cross_entropy(leaf(x), p, reduction=reduction, label_smoothing=smoothing)
    expected = ref_cross_entropy_probs(x, p, None, reduction, smoothing)
    np.testing.assert_allclose(loss.data, expected, rtol=1e-12, atol=1e-12)
    # Gradients reach both the logits and the (soft) targets, as in PyTorch.
    gradcheck(
        lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
        (leaf(x), leaf(p)),
    )


def test_cross_entropy_equals_one_hot_probabilities() -> None:
    x = np.random.default_rng(0).normal(size=(4, 3))
    y = np.array([2, 0, 1, 1])
    a = F.cross_entropy(Tensor(x), y, label_smoothing=0.3)
    b = F.cross_entropy(Tensor(x), np.eye(3)[y], label_smoothing=0.3)
    np.testing.assert_allclose(a.data, b.data, rtol=1e-14)


def test_cross_entropy_batch_of_one_and_unbatched() -> None:
    x = np.array([[0.5, -1.0, 2.0]])
    loss = F.cross_entropy(Tensor(x), np.array([2]))
    np.testing.assert_allclose(loss.data, -np_log_softmax(x)[0, 2])
    single = F.cross_entropy(Tensor(x[0]), np.array(2), reduction="none")
    assert single.shape == ()
    np.testing.assert_allclose(single.data, loss.data)


def test_cross_entropy_huge_logits_stay_finite() -> None:
    x = leaf([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    y = np.array([1, 0])
    loss = F.cross_entropy(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [2e4, 2e4 + np.log(2)], rtol=1e-12)
    loss.sum().backward()
    # d/dx = softmax(x) - onehot(y): exact zeros and ones here.
    np.testing.assert_allclose(x.grad.data, [[1, -1, 0], [-1, 0.5, 0.5]], atol=1e-12)


def test_cross_entropy_all_equal_logits() -> None:
    c = 5
    x = leaf(np.full((3, c), 7.0))
    loss = F.cross_entropy(x, np.array([0, 4, 2]))
    np.testing.assert_allclose(loss.data, np.log(c), rtol=1e-14)
    loss.backward()
    expected = (np.full((3, c), 1 / c) - np.eye(c)[[0, 4, 2]]) / 3
    np.testing.assert_allclose(x.grad.data, expected, atol=1e-15)


def test_cross_entropy_minus_inf_logit_of_a_wrong_class_is_harmless() -> None:
    x = leaf([[2.0, -np.inf, 0.0], [1.0, 1.0, -np.inf]])
    loss = F.cross_entropy(x, np.array([0, 1]))
    assert np.isfinite(loss.data)
    loss.backward()
    assert np.isfinite(x.grad.data).all()


def test_ignore_index_mean_divides_by_the_kept_targets() -> None:
    x = np.random.default_rng(1).normal(size=(4, 3))
    y = np.array([2, 7, 0, 7])
    loss = F.cross_entropy(Tensor(x), y, ignore_index=7)
    logp = np_log_softmax(x)
    np.testing.assert_allclose(loss.data, -(logp[0, 2] + logp[2, 0]) / 2, rtol=1e-14)
    none = F.cross_entropy(Tensor(x), y, ignore_index=7, reduction="none")
    np.testing.assert_array_equal(none.data[[1, 3]], 0.0)
    weighted = F.cross_entropy(Tensor(x), y, weight=[1.0, 2.0, 3.0], ignore_index=7)
    np.testing.assert_allclose(weighted.data, -(3 * logp[0, 2] + logp[2, 0]) / 4, rtol=1e-14)


def test_all_targets_ignored_gives_nan_mean_and_zero_sum() -> None:
    x = leaf(np.ones((2, 3)))
    y = np.array([-100, -100])
    mean = F.cross_entropy(x, y, label_smoothing=0.1)
    assert np.isnan(mean.data)  # 0 / 0, as in PyTorch
    mean.backward()
    np.testing.assert_array_equal(x.grad.data, 0.0)  # PyTorch's gradient here is 0 too
    x.grad = None
    total = F.cross_entropy(x, y, reduction="sum")
    assert total.data == 0.0
    total.backward()
    np.testing.assert_array_equal(x.grad.data, 0.0)


def test_label_smoothing_against_the_formula() -> None:
    x = np.array([[1.0, 2.0, 3.0]])
    s = 0.3
    loss = F.cross_entropy(Tensor(x), np.array([0]), label_smoothing=s)
    logp = np_log_softmax(x)[0]
    np.testing.assert_allclose(loss.data, -(1 - s) * logp[0] - s / 3 * logp.sum(), rtol=1e-14)


def test_cross_entropy_with_extra_axes() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4))  # (N, C, d1)
    y = rng.integers(0, 3, size=(2, 4))
    loss = F.cross_entropy(leaf(x), y, reduction="none")
    assert loss.shape == (2, 4)
    flat = ref_cross_entropy(x.transpose(0, 2, 1).reshape(-1, 3), y.reshape(-1), reduction="none")
    np.testing.assert_allclose(loss.data, flat.reshape(2, 4), rtol=1e-12)
    gradcheck(lambda t: F.cross_entropy(t, y), leaf(x))


def test_float32_stays_float32() -> None:
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    for loss in (
        F.cross_entropy(x, np.array([0, 1]), label_smoothing=0.1),
        F.cross_entropy(x, np.full((2, 3), 1 / 3)),
        F.binary_cross_entropy_with_logits(x, np.zeros((2, 3))),
        F.mse_loss(x, np.zeros((2, 3))),
        F.nll_loss(x, np.array([2, 2])),
    ):
        assert loss.dtype == np.float32
        x.grad = None
        loss.backward()
        assert x.grad.dtype == np.float32


# ---------------------------------------------------------------------- NLL
@given(classification(), st.sampled_from(REDUCTIONS))
def test_nll_is_cross_entropy_of_log_probabilities(data, reduction) -> None:
    x, y, _ = data
    if reduction == "mean" and (y == -100).all():
        y[0] = 0
    logp = Tensor(x).log_softmax(axis=1)
    a = F.nll_loss(logp, y, reduction=reduction)
    b = F.cross_entropy(Tensor(x), y, reduction=reduction)
    np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)
    gradcheck(lambda t: F.nll_loss(t, y, reduction=reduction), leaf(np_log_softmax(x)))


# ---------------------------------------------------------------------- BCE
@given(
    st.integers(1, 5),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
    st.sampled_from(REDUCTIONS),
    st.booleans(),
)
def test_bce_with_logits(n, c, seed, reduction, weighted) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=4.0, size=(n, c))
    y = rng.uniform(size=(n, c))
    pos_weight = rng.uniform(0.2, 3.0, size=c) if weighted else None
    weight = rng.uniform(size=(n, c)) if weighted else None
    loss = F.binary_cross_entropy_with_logits(
        leaf(x), y, weight=weight, reduction=reduction, pos_weight=pos_weight
    )
    np.testing.assert_allclose(
        loss.data, ref_bce(x, y, weight, pos_weight, reduction), rtol=1e-12, atol=1e-14
    )
    gradcheck(
        lambda a, b: F.binary_cross_entropy_with_logits(
            a, b, weight=weight, reduction=reduction, pos_weight=pos_weight
        ),
        (leaf(x), leaf(y)),
    )


def test_bce_huge_logits_and_exact_zero() -> None:
    x = leaf([1e4, -1e4, 800.0, -800.0, 0.0, 0.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [1e4, 1e4, 0.0, 0.0, np.log(2), np.log(2)], atol=1e-300)
    loss.sum().backward()
    # d/dx = sigmoid(x) - y; at x = 0 that is 0.5 - y (a max(x,0)/|x| form would give -y).
    np.testing.assert_allclose(x.grad.data, [1.0, -1.0, 0.0, 0.0, -0.5, 0.5], atol=1e-15)


# ---------------------------------------------------------------------- MSE
@given(
    st.lists(st.integers(1, 4), min_size=0, max_size=3),
    st.integers(0, 2**32 - 1),
    st.sampled_from(REDUCTIONS),
)
def test_mse(shape, seed, reduction) -> None:
    rng = np.random.default_rng(seed)
    x, t = rng.normal(size=shape), rng.normal(size=shape)
    loss = F.mse_loss(leaf(x), t, reduction=reduction)
    np.testing.assert_allclose(loss.data, np_reduce((x - t) ** 2, reduction), rtol=1e-13)
    gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), (leaf(x), leaf(t)))


# -------------------------------------------------------------------- Hinge
@given(st.integers(1, 8), st.integers(0, 2**32 - 1), st.sampled_from(REDUCTIONS), st.booleans())
def test_hinge(n, seed, reduction, column) -> None:
    rng = np.random.default_rng(seed)
    s = rng.normal(scale=2.0, size=(n, 1) if column else n)
    y = rng.choice([-1, 1], size=n)
    # Keep away from the kink y * s = 1, where the loss is not differentiable.
    s = np.where(np.abs(1 - y * s.reshape(-1)) < 1e-3, s.reshape(-1) + 0.1, s.reshape(-1))
    s = s.reshape((n, 1) if column else n)
    loss = F.hinge_loss(leaf(s), y, reduction=reduction)
    assert loss.shape == ((n,) if reduction == "none" else ())
    np.testing.assert_allclose(loss.data, ref_hinge(s, y, reduction), rtol=1e-13)
    gradcheck(lambda t: F.hinge_loss(t, y, reduction=reduction), leaf(s))


def test_hinge_gradient_is_minus_y_inside_the_margin_and_zero_at_it() -> None:
    s = leaf([0.5, 2.0, -0.2, 1.0, -3.0])
    y = np.array([1, 1, -1, 1, -1])
    F.hinge_loss(s, y, reduction="sum").backward()
    # inside the margin (y*s < 1): -y; beyond it: 0; exactly at it: 0, relu's choice.
    np.testing.assert_array_equal(s.grad.data, [-1.0, 0.0, 1.0, 0.0, 0.0])


# ------------------------------------------------------------- the classes
def test_loss_classes_call_the_functions() -> None:
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(size=(4, 3)))
    y = np.array([0, 2, 1, -1])
    w = np.array([1.0, 2.0, 0.5])
    pairs = [
        (
            nn.CrossEntropyLoss(w, ignore_index=-1, label_smoothing=0.1, reduction="sum"),
            F.cross_entropy(x, y, w, ignore_index=-1, label_smoothing=0.1, reduction="sum"),
        ),
        (nn.NLLLoss(w, ignore_index=-1), F.nll_loss(x, y, w, ignore_index=-1)),
        (nn.MSELoss(reduction="none"), F.mse_loss(x, np.ones((4, 3)), reduction="none")),
        (
            nn.BCEWithLogitsLoss(pos_weight=w),
            F.binary_cross_entropy_with_logits(x, np.ones((4, 3)), pos_weight=w),
        ),
    ]
    targets = [y, y, np.ones((4, 3)), np.ones((4, 3))]
    for (module, expected), target in zip(pairs, targets, strict=True):
        np.testing.assert_array_equal(module(x, target).data, expected.data)
    hinge = nn.HingeLoss()(Tensor([0.5, -2.0]), np.array([1, 1]))
    np.testing.assert_allclose(hinge.data, (0.5 + 3.0) / 2)
    assert repr(nn.CrossEntropyLoss(label_smoothing=0.1)) == "CrossEntropyLoss(label_smoothing=0.1)"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    assert list(nn.MSELoss().parameters()) == []


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: F.cross_entropy(x, np.array([0, 3])), IndexError, "target 3 at position 1"),
        (lambda x: F.cross_entropy(x, np.array([-2, 0])), IndexError, "out of bounds for 3"),
        (lambda x: F.nll_loss(x, np.array([0, 5])), IndexError, "target 5"),
        (lambda x: F.cross_entropy(x, np.array([0.0, 1.0])), TypeError, "integer dtype"),
        (lambda x: F.cross_entropy(x, np.array([True, False])), TypeError, "integer dtype"),
        (lambda x: F.cross_entropy(x, np.array([0, 1, 2])), ValueError, r"shape \(2,\)"),
        (lambda x: F.cross_entropy(x, np.zeros((2, 3), int)), TypeError, "must be float"),
        (lambda x: F.cross_entropy(x, np.array([0, 1]), reduction="avg"), ValueError, "'avg'"),
        (lambda x: F.cross_entropy(x, np.array([0, 1]), label_smoothing=1.5), ValueError, "1.5"),
        (lambda x: F.cross_entropy(x, np.array([0, 1]), weight=[1.0]), ValueError, r"\(3,\)"),
        (lambda x: F.mse_loss(x, np.zeros((2, 1))), ValueError, "must match input shape"),
        (
            lambda x: F.binary_cross_entropy_with_logits(x, np.zeros((2, 3), int)),
            TypeError,
            "float",
        ),
        (lambda x: F.binary_cross_entropy_with_logits(x, np.zeros(3)), ValueError, "match"),
        (lambda x: F.hinge_loss(x, np.ones(2)), ValueError, r"scores must have shape"),
        (lambda x: F.hinge_loss(x[:, 0], np.array([0, 1])), ValueError, "2 \\* y - 1"),
        (lambda x: F.hinge_loss(x[:, 0], np.ones(3)), ValueError, r"shape \(2,\)"),
        (lambda x: nn.MSELoss(reduction="avg"), ValueError, "reduction"),
    ],
)
def test_clear_errors(call, error, message) -> None:
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(error, match=message):
        call(x)


# --------------------------------------------------------- PyTorch oracle
def _torch_case(torch, name, x, target, kwargs):
    tf = torch.nn.functional
    fn = {
        "ce": tf.cross_entropy,
        "nll": tf.nll_loss,
        "bce": tf.binary_cross_entropy_with_logits,
        "mse": tf.mse_loss,
    }[name]
    kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    tx = torch.tensor(x, requires_grad=True)
    loss = fn(tx, torch.tensor(target), **kw)
    loss.sum().backward()
    return loss.detach().numpy(), tx.grad.numpy()


ORACLE_CASES = [
    ("ce", {}),
    ("ce", {"label_smoothing": 0.25}),
    ("ce", {"weight": "w", "label_smoothing": 0.1, "ignore_index": 1}),
    ("ce-probs", {"label_smoothing": 0.2, "weight": "w"}),
    ("nll", {"weight": "w", "ignore_index": 0}),
    ("bce", {"pos_weight": "w"}),
    ("mse", {}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "kwargs"), ORACLE_CASES)
def test_losses_match_pytorch(name, kwargs, reduction) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    rng = np.random.default_rng(4)
    x = rng.normal(scale=5.0, size=(6, 4))
    w = rng.uniform(0.5, 2.0, size=4)
    kwargs = {k: (w if v == "w" else v) for k, v in kwargs.items()}
    kwargs["reduction"] = reduction
    if name == "ce-probs":
        name, target = "ce", rng.dirichlet(np.ones(4), size=6)
    elif name in ("ce", "nll"):
        target = rng.integers(0, 4, size=6)
    elif name == "bce":
        target = rng.integers(0, 2, size=(6, 4)).astype(np.float64)
    else:
        target = rng.normal(size=(6, 4))
    if name == "nll":
        x = np_log_softmax(x)
    ours_fn = {
        "ce": F.cross_entropy,
        "nll": F.nll_loss,
        "bce": F.binary_cross_entropy_with_logits,
        "mse": F.mse_loss,
    }[name]
    xt = leaf(x)
    loss = ours_fn(xt, target, **kwargs)
    loss.sum().backward()
    value, grad = _torch_case(torch, name, x, target, kwargs)
    np.testing.assert_allclose(loss.data, value, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(xt.grad.data, grad, rtol=1e-12, atol=1e-13)


def test_hinge_matches_pytorch_formula() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    s = np.array([0.3, -1.5, 2.5, 0.9, -0.1])
    y = np.array([1, -1, -1, 1, 1])
    ts = torch.tensor(s, requires_grad=True)
    expected = torch.relu(1 - torch.tensor(y, dtype=torch.float64) * ts).mean()
    expected.backward()
    ours = leaf(s)
    loss = nn.HingeLoss()(ours, y)
    loss.backward()
    np.testing.assert_allclose(loss.data, expected.item(), rtol=1e-14)
    np.testing.assert_allclose(ours.grad.data, ts.grad.numpy(), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_cross_entropy_common_call_matches_the_composition_and_checks_its_targets(dtype):
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((6, 5))
    y = np.array([0, 4, 2, 2, 1, 3], dtype=dtype)
    x = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, y)
    loss.backward()
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(loss.data, -logp[np.arange(6), y.astype(np.int64)].mean())
    onehot = np.eye(5)[y.astype(np.int64)]
    np.testing.assert_allclose(x.grad.data, (np.exp(logp) - onehot) / 6, atol=1e-15)
    assert F.cross_entropy(x, y, reduction="none").shape == (6,)
    for bad in (5, 200):  # past the classes (200 also as uint8)
        with pytest.raises(IndexError):
            F.cross_entropy(x, np.array([0, 1, 2, 3, 4, bad], dtype=dtype))
    if np.dtype(dtype).kind == "i":
        with pytest.raises(IndexError):
            F.cross_entropy(x, np.array([0, 1, 2, 3, 4, -1], dtype=dtype))
    # an ignored index takes the general path: the mean is over the others
    kept = F.cross_entropy(x, y, ignore_index=2)
    np.testing.assert_allclose(kept.data, -logp[[0, 1, 4, 5], y[[0, 1, 4, 5]]].mean())
