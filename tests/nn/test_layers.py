"""Layers: Linear, activations, Dropout, Sequential and MLP."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Tensor
from autograd.gradcheck import gradcheck


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------------- Linear
def test_linear_shapes_dtype_and_names() -> None:
    lin = nn.Linear(3, 5)
    assert lin.weight.shape == (5, 3) and lin.bias.shape == (5,)
    assert lin.weight.dtype == autograd.get_default_dtype() == np.float64
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert all(p.requires_grad for p in lin.parameters())
    lin32 = nn.Linear(3, 5, dtype=np.float32)
    assert lin32.weight.dtype == lin32.bias.dtype == np.float32
    out = lin32(Tensor(np.ones((2, 3), dtype=np.float32)))
    assert out.dtype == np.float32


def test_linear_follows_the_default_dtype() -> None:
    autograd.set_default_dtype(np.float32)
    try:
        assert nn.Linear(2, 2).weight.dtype == np.float32
    finally:
        autograd.set_default_dtype(np.float64)


def test_linear_init_is_pytorch_default_uniform() -> None:
    fan_in = 50
    lin = nn.Linear(fan_in, 400, seed=0)
    bound = 1 / math.sqrt(fan_in)
    w = lin.weight.data
    assert np.abs(w).max() <= bound and np.abs(lin.bias.data).max() <= bound
    # 20000 uniform draws: the extremes reach the bound and the variance is bound**2 / 3.
    assert np.abs(w).max() > 0.99 * bound
    np.testing.assert_allclose(w.var(), bound**2 / 3, rtol=0.05)
    assert abs(w.mean()) < 0.02 * bound
    assert np.abs(lin.bias.data).max() > 0.5 * bound


def test_linear_seed_and_generator_are_reproducible() -> None:
    a, b = nn.Linear(4, 3, seed=7), nn.Linear(4, 3, seed=7)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, nn.Linear(4, 3, seed=8).weight.data)
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    np.testing.assert_array_equal(
        nn.Linear(4, 3, seed=g1).weight.data, nn.Linear(4, 3, seed=g2).weight.data
    )
    autograd.manual_seed(3)
    c = nn.Linear(4, 3)
    autograd.manual_seed(3)
    np.testing.assert_array_equal(c.weight.data, nn.Linear(4, 3).weight.data)


@given(
    st.lists(st.integers(1, 3), min_size=0, max_size=2),
    st.integers(1, 4),
    st.integers(1, 4),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_linear_forward_and_gradients(batch, n_in, n_out, bias, seed) -> None:
    rng = np.random.default_rng(seed)
    lin = nn.Linear(n_in, n_out, bias=bias, seed=rng)
    x = rng.normal(size=(*batch, n_in))
    expected = x @ lin.weight.data.T + (lin.bias.data if bias else 0.0)
    out = lin(Tensor(x))
    assert out.shape == (*batch, n_out)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=1e-14)
    params = [lin.weight] + ([lin.bias] if bias else [])
    gradcheck(
        lambda xx, w, *b: nn.functional.linear(xx, w, b[0] if b else None),
        (leaf(x), *params),
    )


def test_linear_batch_of_one_and_bad_input() -> None:
    lin = nn.Linear(3, 2, seed=0)
    one = lin(Tensor(np.ones((1, 3))))
    assert one.shape == (1, 2)
    with pytest.raises(ValueError, match=r"last axis of input must be 3"):
        lin(Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 2)
    with pytest.raises(TypeError, match="floating"):
        nn.Linear(2, 2, dtype=np.int32)


def test_linear_without_bias() -> None:
    lin = nn.Linear(3, 2, bias=False, seed=0)
    assert lin.bias is None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(lin(Tensor(x)).data, x @ lin.weight.data.T)


def test_zero_in_features_gives_zero_bias_bound() -> None:
    lin = nn.Linear(0, 3, seed=0)
    np.testing.assert_array_equal(lin.bias.data, np.zeros(3))
    np.testing.assert_array_equal(lin(Tensor(np.ones((2, 0)))).data, np.zeros((2, 3)))


# -------------------------------------------------------------- activations
ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.Tanh(), np.tanh),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Identity(54, unused=True), lambda x: x),
]


@pytest.mark.parametrize(
    ("module", "reference"),
    ACTIVATIONS,
    ids=["relu", "tanh", "sigmoid", "leaky_relu", "leaky_relu_0.2", "identity"],
)
@given(shape=st.lists(st.integers(1, 4), max_size=3), seed=st.integers(0, 2**32 - 1))
def test_activation_forward_and_gradients(module, reference, shape, seed) -> None:
    x = np.random.default_rng(seed).normal(scale=3.0, size=shape)
    x = np.where(np.abs(x) < 1e-3, 0.5, x)  # away from the kink at 0
    np.testing.assert_allclose(module(Tensor(x)).data, reference(x), rtol=1e-14, atol=1e-300)
    if not isinstance(module, nn.Identity):
        gradcheck(module, leaf(x))


def test_kink_gradients_follow_pytorch() -> None:
    x = leaf([0.0, 0.0])
    nn.ReLU()(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    x = leaf([0.0, -2.0])
    nn.LeakyReLU(0.1)(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.1, 0.1])


def test_activations_match_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    x = np.linspace(-30, 30, 41)
    pairs = [
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.Tanh(), torch.nn.Tanh()),
        (nn.Sigmoid(), torch.nn.Sigmoid()),
        (nn.LeakyReLU(0.3), torch.nn.LeakyReLU(0.3)),
    ]
    for ours, theirs in pairs:
        t = torch.tensor(x, requires_grad=True)
        theirs(t).sum().backward()
        o = leaf(x)
        out = ours(o)
        out.sum().backward()
        np.testing.assert_allclose(out.data, theirs(torch.tensor(x)).numpy(), rtol=1e-14)
        # 1 - tanh(x)**2 cancels for large |x|: compare the tiny tails absolutely.
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ Dropout
def test_dropout_training_scales_and_zeroes() -> None:
    p = 0.3
    drop = nn.Dropout(p, seed=0)
    x = leaf(np.ones(20000))
    out = drop(x)
    kept = out.data != 0
    np.testing.assert_allclose(out.data[kept], 1 / (1 - p))
    # the kept fraction is Binomial(20000, 0.7)/20000: std 0.0032, so 0.015 is > 4 sigma
    assert abs(kept.mean() - (1 - p)) < 0.015
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, kept / (1 - p))


def test_dropout_eval_and_edge_probabilities() -> None:
    x = Tensor(np.arange(1.0, 7.0))
    drop = nn.Dropout(0.5, seed=1)
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).data, np.zeros(6))
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(p)


def test_dropout_is_reproducible() -> None:
    x = Tensor(np.ones(50))
    a, b = nn.Dropout(0.5, seed=3), nn.Dropout(0.5, seed=3)
    first = a(x).data
    np.testing.assert_array_equal(first, b(x).data)
    assert not np.array_equal(first, a(x).data)  # the mask changes from call to call
    autograd.manual_seed(11)
    c = nn.Dropout(0.5)(x).data
    autograd.manual_seed(11)
    np.testing.assert_array_equal(c, nn.Dropout(0.5)(x).data)


def test_dropout_scaling_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    # The random streams differ, so compare what each does given its own mask:
    # kept entries become x / (1 - p), and the gradient is the scaled mask.
    p = 0.25
    x = np.linspace(1.0, 2.0, 400)
    t = torch.tensor(x, requires_grad=True)
    t_out = torch.nn.functional.dropout(t, p, training=True)
    t_out.sum().backward()
    ours_in = leaf(x)
    ours = nn.Dropout(p, seed=0)(ours_in)
    ours.sum().backward()
    for out, grad in ((t_out.detach().numpy(), t.grad.numpy()), (ours.data, ours_in.grad.data)):
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-15)
        np.testing.assert_allclose(grad, kept / (1 - p), rtol=1e-15)


def test_dropout_float32() -> None:
    x = Tensor(np.ones(10, dtype=np.float32), requires_grad=True)
    out = nn.Dropout(0.5, seed=0)(x)
    assert out.dtype == np.float32


# --------------------------------------------------------------- Sequential
def test_sequential_container_behaviour() -> None:
    a, b, c = nn.Linear(2, 3, seed=0), nn.ReLU(), nn.Linear(3, 1, seed=1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert [n for n, _ in sub.named_parameters()] == ["2.weight", "2.bias"]  # names kept
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    x = Tensor(np.array([[1.0, -2.0]]))
    np.testing.assert_array_equal(seq(x).data, c(b(a(x))).data)
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(a, "relu")


def test_sequential_from_ordered_dict() -> None:
    from collections import OrderedDict

    seq = nn.Sequential(OrderedDict(hidden=nn.Linear(2, 2), act=nn.ReLU()))
    assert [n for n, _ in seq.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert isinstance(seq.act, nn.ReLU)


# ---------------------------------------------------------------------- MLP
def test_mlp_structure_and_names() -> None:
    mlp = nn.MLP([2, 16, 16, 1], seed=0)
    assert [type(m).__name__ for m in mlp] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [n for n, _ in mlp.named_parameters()] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
        "4.weight",
        "4.bias",
    ]
    assert mlp(Tensor(np.zeros((5, 2)))).shape == (5, 1)
    tanh = nn.MLP([3, 4, 2], activation=nn.Tanh)
    assert isinstance(tanh[1], nn.Tanh) and len(tanh) == 3
    leaky = nn.MLP([3, 4, 4, 2], activation=lambda: nn.LeakyReLU(0.2))
    assert leaky[1] is not leaky[3] and leaky[3].negative_slope == 0.2
    assert len(nn.MLP([3, 2])) == 1
    assert len(nn.MLP([3, 4, 2], activation=None)) == 2


def test_mlp_seed_reproducible_and_layers_differ() -> None:
    a, b = nn.MLP([4, 4, 4], seed=5), nn.MLP([4, 4, 4], seed=5)
    for (_, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data)
    assert not np.array_equal(a[0].weight.data, a[2].weight.data)


def test_mlp_errors() -> None:
    with pytest.raises(ValueError, match="at least"):
        nn.MLP([3])
    with pytest.raises(TypeError, match="not an instance"):
        nn.MLP([2, 2, 2], activation=nn.ReLU())
    with pytest.raises(TypeError, match="expected a Module"):
        nn.MLP([2, 2, 2], activation=lambda: "relu")


def test_mlp_matches_torch_with_the_same_weights() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    ours = nn.MLP([3, 5, 4, 2], activation=nn.Tanh, seed=0)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 4),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 2),
    ).double()
    # Same names on both sides: a PyTorch state dict loads straight in.
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(6, 3))
    out = ours(Tensor(x))
    (out * out).sum().backward()
    t_out = theirs(torch.tensor(x))
    (t_out * t_out).sum().backward()
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-13)
    for name, p in theirs.named_parameters():
        ours_p = dict(ours.named_parameters())[name]
        np.testing.assert_allclose(ours_p.grad.data, p.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_mlp_repr() -> None:
    assert repr(nn.MLP([2, 3, 1])) == (
        "MLP(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=3, out_features=1, bias=True)\n"
        ")"
    )


def test_linear_forward_reads_a_weight_defined_by_a_subclass() -> None:
    # Linear.forward reads its registry first; a weight that is not a
    # registered parameter (computed, as in weight normalisation) still works.
    class Scaled(nn.Linear):
        def __init__(self) -> None:
            super().__init__(3, 2, seed=0)
            self.v = nn.Parameter(self._parameters.pop("weight").data.copy())

        @property
        def weight(self) -> Tensor:
            return self.v * 2.0

    layer = Scaled()
    x = np.arange(12.0).reshape(4, 3)
    out = layer(Tensor(x))
    expected = x @ (2.0 * layer.v.data).T + layer.bias.data
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    out.sum().backward()
    assert layer.v.grad is not None and layer.v.grad.shape == (2, 3)

    plain = nn.Linear(3, 2, seed=0)
    del plain.bias
    with pytest.raises(AttributeError, match="bias"):
        plain(Tensor(x))
