"""Module.to(dtype), float() and double(): parameters, gradients and buffers change dtype."""

import numpy as np
import pytest

import nn
from autograd import Tensor


class WithBuffers(nn.Module):
    """A float buffer that must follow the dtype and an integer one that must not."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 2, seed=0)
        mean = Tensor(np.zeros(2))
        steps = Tensor(np.array(7, dtype=np.int64))
        if hasattr(nn.Module, "register_buffer"):
            self.register_buffer("running_mean", mean)
            self.register_buffer("steps", steps)
        else:
            # The registry that layers with running statistics keep beside _parameters.
            object.__setattr__(self, "_buffers", {"running_mean": mean, "steps": steps})

    def forward(self, x):
        return self.lin(x)


def _dtypes(model):
    return {name: p.dtype for name, p in model.named_parameters()}


def test_float_converts_parameters_keeps_identity_and_returns_self():
    model = nn.MLP([2, 4, 1], seed=0)
    before = list(model.parameters())
    values = [p.data.copy() for p in before]
    assert model.float() is model
    after = list(model.parameters())
    assert all(a is b for a, b in zip(before, after, strict=True))
    assert set(_dtypes(model).values()) == {np.dtype(np.float32)}
    for p, v in zip(after, values, strict=True):
        np.testing.assert_array_equal(p.data, v.astype(np.float32))
        assert p.requires_grad and p.is_leaf
    out = model(Tensor(np.ones((3, 2), dtype=np.float32)))
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_double_and_to_accept_dtype_spellings():
    model = nn.Linear(2, 2, seed=0).float()
    assert model.double() is model
    assert set(_dtypes(model).values()) == {np.dtype(np.float64)}
    for spelling in ("float16", np.float32, np.dtype("float64")):
        model.to(spelling)
        assert set(_dtypes(model).values()) == {np.dtype(spelling)}


def test_existing_gradients_are_converted_too():
    model = nn.Linear(2, 1, seed=0)
    model(Tensor(np.ones((1, 2)))).sum().backward()
    model.float()
    assert model.weight.grad.dtype == np.float32 and model.bias.grad.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(model.weight.grad), [[1.0, 1.0]])


def test_float_buffers_follow_and_integer_buffers_stay():
    model = WithBuffers().float()
    buffers = model.__dict__["_buffers"]
    assert buffers["running_mean"].dtype == np.float32
    assert buffers["steps"].dtype == np.int64 and buffers["steps"].item() == 7
    assert model.lin.weight.dtype == np.float32


def test_a_shared_parameter_is_converted_once():
    shared = nn.Linear(2, 2, seed=0)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    model.float()
    assert shared.weight.dtype == np.float32
    assert model(Tensor(np.ones((1, 2), dtype=np.float32))).dtype == np.float32


@pytest.mark.parametrize("bad", [np.int64, "bool", "cpu", None])
def test_non_float_dtype_is_refused_and_nothing_changes(bad):
    model = nn.Linear(2, 2, seed=0)
    weight = model.weight.data
    with pytest.raises(TypeError, match=r"Module.to"):
        model.to(bad)
    assert model.weight.data is weight and weight.dtype == np.float64


@pytest.mark.parametrize(
    "make_opt",
    [
        lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: nn.optim.Adam(ps, lr=0.01),
        lambda ps: nn.optim.AdamW(ps, lr=0.01),
    ],
)
def test_optimizer_created_after_conversion_trains_in_the_new_dtype(make_opt):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 2)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)

    converted = nn.MLP([2, 8, 1], seed=1).float()
    # The same weights, built in float32 from the start: the reference.
    reference = nn.MLP([2, 8, 1], seed=1)
    for p in reference.parameters():
        p.data = p.data.astype(np.float32)

    losses = {}
    for name, model in (("converted", converted), ("reference", reference)):
        opt = make_opt(model.parameters())
        history = []
        for _ in range(5):
            opt.zero_grad()
            loss = nn.MSELoss()(model(Tensor(X)), Tensor(y))
            loss.backward()
            opt.step()
            history.append(loss.item())
        losses[name] = history
        assert set(_dtypes(model).values()) == {np.dtype(np.float32)}
        for state in opt.state.values():
            for value in state.values():
                if isinstance(value, np.ndarray) and value.ndim > 0:
                    assert value.dtype == np.float32
    assert losses["converted"] == losses["reference"]
    assert losses["converted"][-1] < losses["converted"][0]
