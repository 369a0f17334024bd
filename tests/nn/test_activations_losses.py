"""The activation, loss and distance modules against ``torch.nn``'s, nn's
dtype rule for them, their errors, and the losses on hostile values.

The functions themselves are rows of the op table
(tests/autograd/rows/nn_functional.py and nn_losses.py).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
tnn = torch.nn

RNG = np.random.default_rng(3)
X = RNG.normal(size=(4, 6)) * 2.0
T = RNG.normal(size=(4, 6))
P = RNG.uniform(0.05, 0.95, size=(4, 6))
Y = RNG.choice([-1.0, 1.0], size=4)
Y_FULL = RNG.choice([-1.0, 1.0], size=(4, 6))
POS = RNG.uniform(0.2, 3.0, size=(4, 6))

ACTIVATIONS = [
    ("GELU", {}),
    ("GELU", {"approximate": "tanh"}),
    ("SiLU", {}),
    ("ELU", {"alpha": 0.7}),
    ("SELU", {}),
    ("CELU", {"alpha": 1.5}),
    ("Softplus", {"beta": 2.0, "threshold": 3.0}),
    ("Softsign", {}),
    ("Mish", {}),
    ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("ReLU6", {}),
    ("Hardswish", {}),
    ("Hardsigmoid", {}),
    ("LogSigmoid", {}),
    ("GLU", {"dim": 1}),
    ("Softmin", {"dim": 0}),
    ("Threshold", {"threshold": 0.1, "value": -3.0}),
]


def compare(ours: Any, theirs: Any, arrays: list[np.ndarray], wrt: int, rtol: float) -> None:
    """Values and the gradients of the first ``wrt`` inputs, ours against torch's."""
    xs = [Tensor(a.copy(), requires_grad=k < wrt) for k, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=k < wrt) for k, a in enumerate(arrays)]
    out, want = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=rtol, atol=1e-12)
    seed = np.cos(np.arange(out.size)).reshape(out.shape)
    out.backward(seed)
    want.backward(torch.from_numpy(seed))
    for x, t in zip(xs[:wrt], ts[:wrt]):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=rtol, atol=1e-10)


@pytest.mark.parametrize(("name", "kw"), ACTIVATIONS, ids=[f"{n}{kw}" for n, kw in ACTIVATIONS])
def test_activation_modules_match_torch(name: str, kw: dict) -> None:
    ours, theirs = getattr(nn, name)(**kw), getattr(tnn, name)(**kw)
    # Hardsigmoid's torch backward multiplies by 1/6 in single precision.
    compare(ours, theirs, [X], 1, 1e-7 if name == "Hardsigmoid" else 1e-10)
    assert isinstance(ours, nn.Module)
    assert list(ours.parameters()) == []


LOSSES = [
    ("L1Loss", {"reduction": "sum"}, [X, T], 2),
    ("SmoothL1Loss", {"beta": 0.5}, [X, T], 2),
    ("HuberLoss", {"delta": 1.5, "reduction": "none"}, [X, T], 2),
    ("BCELoss", {}, [P, P[::-1].copy()], 2),
    ("BCELoss", {"weight": np.linspace(0.5, 2, 6)}, [P, P[::-1].copy()], 2),
    ("KLDivLoss", {"reduction": "batchmean"}, [X, POS], 2),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}, [X, T], 2),
    ("MarginRankingLoss", {"margin": 0.3}, [X[:, 0].copy(), T[:, 0].copy(), Y], 2),
    ("SoftMarginLoss", {}, [X, Y_FULL], 1),
    ("CosineEmbeddingLoss", {"margin": 0.2}, [X, T, Y], 2),
    ("TripletMarginLoss", {"margin": 2.0, "p": 1.0, "swap": True}, [X, T, POS], 3),
    ("TripletMarginLoss", {}, [X, T, POS], 3),
    ("PoissonNLLLoss", {}, [X, POS], 2),
    ("PoissonNLLLoss", {"log_input": False, "full": True}, [POS, POS * 2], 2),
    ("GaussianNLLLoss", {}, [X, T, POS], 3),
    ("GaussianNLLLoss", {"full": True, "reduction": "sum"}, [X, T, POS[:, :1].copy()], 3),
]


@pytest.mark.parametrize(
    ("name", "kw", "arrays", "wrt"), LOSSES, ids=[f"{n}{sorted(kw)}" for n, kw, _, _ in LOSSES]
)
def test_loss_modules_match_torch(name: str, kw: dict, arrays: list, wrt: int) -> None:
    theirs_kw = {
        k: (torch.from_numpy(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()
    }
    ours, theirs = getattr(nn, name)(**kw), getattr(tnn, name)(**theirs_kw)
    compare(ours, theirs, arrays, wrt, 1e-10)


@pytest.mark.parametrize(
    ("name", "kw"),
    [("CosineSimilarity", {}), ("CosineSimilarity", {"dim": 0}), ("PairwiseDistance", {"p": 3.0})],
)
def test_distance_modules_match_torch(name: str, kw: dict) -> None:
    compare(getattr(nn, name)(**kw), getattr(tnn, name)(**kw), [X, T], 2, 1e-10)


def test_module_reprs_show_their_settings() -> None:
    assert repr(nn.Softplus(beta=2.0)) == "Softplus(beta=2.0, threshold=20.0)"
    assert repr(nn.HuberLoss(reduction="sum")) == "HuberLoss(reduction='sum')"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"


# ------------------------------------------------------------------ dtype rule
def test_float32_stays_float32_and_arrays_are_cast() -> None:
    x = Tensor(X.astype(np.float32), requires_grad=True)
    for fn in (F.gelu, F.mish, F.logsigmoid, F.softplus, F.hardswish, F.selu):
        assert fn(x).dtype == np.float32
    # float64 arrays as targets are cast to the input's float32.
    assert F.l1_loss(x, T).dtype == np.float32
    assert F.gaussian_nll_loss(x, T, POS).dtype == np.float32
    assert F.cosine_similarity(x, T).dtype == np.float32
    loss = F.triplet_margin_loss(x, T, POS)
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize(
    "call",
    [
        lambda x, t: F.l1_loss(x, t),
        lambda x, t: F.kl_div(x, t),
        lambda x, t: F.cosine_similarity(x, t),
        lambda x, t: F.pairwise_distance(x, t),
        lambda x, t: F.margin_ranking_loss(x, t, np.ones(6)),
    ],
)
def test_a_tensor_of_another_dtype_is_a_type_error(call: Any) -> None:
    x = Tensor(X.astype(np.float32))
    with pytest.raises(TypeError, match="dtype float32"):
        call(x, Tensor(T))


def test_softmax_family_dtype_and_dim() -> None:
    x = Tensor(X.astype(np.float32))
    for fn in (F.softmax, F.log_softmax, F.softmin):
        out = fn(x, 0, dtype=np.float64)
        assert out.dtype == np.float64
        np.testing.assert_allclose(out.data, fn(Tensor(X), dim=0).data, rtol=1e-6)
        np.testing.assert_array_equal(fn(x, axis=1).data, fn(x, dim=1).data)
        np.testing.assert_array_equal(fn(x).data, fn(x, -1).data)
        with pytest.raises(TypeError, match="give one of them"):
            fn(x, dim=0, axis=1)
    want = torch.softmax(torch.from_numpy(X.astype(np.float32)), 0, dtype=torch.float64)
    np.testing.assert_allclose(F.softmax(x, 0, dtype=np.float64).data, want.numpy(), rtol=1e-12)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: F.gelu(Tensor(X), approximate="erf"), ValueError, "'none' or 'tanh'"),
        (lambda: nn.GELU("fast"), ValueError, "'none' or 'tanh'"),
        (lambda: F.glu(Tensor(np.ones((2, 3)))), ValueError, "must be even"),
        (lambda: F.hardtanh(Tensor(X), 1.0, -1.0), ValueError, "cannot be greater"),
        (lambda: F.binary_cross_entropy(Tensor(X), P), ValueError, "between 0 and 1"),
        (lambda: F.l1_loss(Tensor(X), T[:, :1]), ValueError, "must match input shape"),
        (lambda: F.kl_div(Tensor(X), POS, reduction="avg"), ValueError, "batchmean"),
        (lambda: F.gaussian_nll_loss(Tensor(X), T, -POS), ValueError, "negative"),
        (lambda: F.gaussian_nll_loss(Tensor(X), T, POS[:2]), ValueError, "var of shape"),
        (lambda: F.pad(Tensor(X), (1,)), ValueError, "even length"),
        (lambda: F.pad(Tensor(X), (6, 0), mode="reflect"), ValueError, "at most 5"),
        (lambda: F.pad(Tensor(X), (1, 1), mode="wrap"), ValueError, "mode must be"),
        (lambda: F.normalize(Tensor(X), dim=2), IndexError, "out of range"),
        (lambda: nn.L1Loss(reduction="avg"), ValueError, "reduction must be"),
    ],
)
def test_bad_arguments_are_clear_errors(call: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_bad_input_is_left_untouched() -> None:
    x = P.copy()
    x[0, 0] = 1.5
    before = x.copy()
    with pytest.raises(ValueError, match=r"1\.5 at index"):
        F.binary_cross_entropy(Tensor(x), P)
    np.testing.assert_array_equal(x, before)


# ------------------------------------------------------------------ hostile values
HOSTILE = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.5, 0.5])


def _hostile(ours: Any, theirs: Any, arrays: list[np.ndarray], wrt: int) -> None:
    xs = [Tensor(a.copy(), requires_grad=k < wrt) for k, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=k < wrt) for k, a in enumerate(arrays)]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, want = ours(*xs), theirs(*ts)
        np.testing.assert_allclose(out.data, want.detach().numpy(), equal_nan=True)
        out.backward(np.ones(out.shape))
    want.backward(torch.ones(want.shape, dtype=torch.float64))
    for x, t in zip(xs[:wrt], ts[:wrt]):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), equal_nan=True)


GRID_A, GRID_B = np.meshgrid(HOSTILE, HOSTILE)


@pytest.mark.parametrize("name", ["l1_loss", "smooth_l1_loss", "huber_loss", "poisson_nll_loss"])
def test_elementwise_losses_on_hostile_values_match_torch(name: str) -> None:
    _hostile(
        lambda a, b: getattr(F, name)(a, b, reduction="none"),
        lambda a, b: getattr(tnn.functional, name)(a, b, reduction="none"),
        [GRID_A, GRID_B],
        1,
    )


def test_soft_margin_loss_at_infinite_scores_has_the_limit_gradient() -> None:
    # PyTorch gives NaN here (exp(inf) / (1 + exp(inf))); the limit is -y or 0.
    x = Tensor([-np.inf, np.inf, -np.inf, np.inf, np.nan], requires_grad=True)
    y = np.array([1.0, 1.0, -1.0, -1.0, 1.0])
    loss = F.soft_margin_loss(x, y, reduction="none")
    np.testing.assert_array_equal(loss.data, [np.inf, 0.0, 0.0, np.inf, np.nan])
    loss.backward(np.ones(5))
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 0.0, 1.0, np.nan])
    finite = np.array([0.0, -0.0, 1.0, -1.5])
    _hostile(
        lambda a, b: F.soft_margin_loss(a, b, reduction="none"),
        lambda a, b: tnn.functional.soft_margin_loss(a, b, reduction="none"),
        [finite, np.array([1.0, -1.0, -1.0, 1.0])],
        1,
    )


def test_binary_cross_entropy_at_zero_and_one_is_finite_as_in_torch() -> None:
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    out = F.binary_cross_entropy(Tensor(x), y, reduction="none")
    want = tnn.functional.binary_cross_entropy(
        torch.from_numpy(x), torch.from_numpy(y), reduction="none"
    )
    np.testing.assert_allclose(out.data, want.numpy())
    assert np.isfinite(out.data).all()


def test_pad_modes_match_torch_on_a_batch_of_images() -> None:
    img = RNG.normal(size=(2, 3, 4, 5))
    for mode in ("constant", "reflect", "replicate", "circular"):
        compare(
            lambda t, m=mode: F.pad(t, (1, 2, 3, 0), mode=m),
            lambda t, m=mode: tnn.functional.pad(t, (1, 2, 3, 0), mode=m),
            [img],
            1,
            1e-12,
        )
    compare(
        lambda t: F.pad(t, (-1, 2), value=0.5),
        lambda t: tnn.functional.pad(t, (-1, 2), value=0.5),
        [img],
        1,
        1e-12,
    )
