"""Module buffers (register_buffer, state_dict, save/load) and the containers."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor


class Counter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(np.ones(2))
        self.register_buffer("total", np.zeros(2))
        self.register_buffer("scratch", np.zeros(1), persistent=False)
        self.register_buffer("unused", None)

    def forward(self, x: Tensor) -> Tensor:
        self.total.data[...] += x.data.sum(axis=0)
        return x * self.scale


def test_buffers_are_state_but_not_parameters(tmp_path):
    m = nn.Sequential(Counter(), nn.BatchNorm1d(2))
    assert [n for n, _ in m.named_parameters()] == ["0.scale", "1.weight", "1.bias"]
    assert [n for n, _ in m.named_buffers()] == [
        "0.total", "0.scratch", "1.running_mean", "1.running_var", "1.num_batches_tracked",
    ]  # fmt: skip
    m(Tensor(np.arange(6.0).reshape(3, 2)))
    state = m.state_dict()
    assert "0.scratch" not in state and "0.unused" not in state  # non-persistent, None
    np.testing.assert_array_equal(state["0.total"], [6.0, 9.0])
    assert state["1.num_batches_tracked"] == 1
    state["0.total"][...] = -1  # a copy: the module is untouched
    assert m[0].total.data[0] == 6.0
    fresh = nn.Sequential(Counter(), nn.BatchNorm1d(2))
    fresh.load_state_dict(nn.load(nn.save(m, tmp_path / "m")))
    np.testing.assert_array_equal(fresh[0].total.data, [6.0, 9.0])
    np.testing.assert_array_equal(fresh[1].running_mean.data, m[1].running_mean.data)
    assert fresh[1].num_batches_tracked.dtype == np.int64


def test_buffer_load_is_checked_before_anything_changes():
    m = Counter()
    bad = m.state_dict()
    bad["total"] = np.zeros(3)
    bad["scale"] = np.full(2, 5.0)
    with pytest.raises(RuntimeError, match="size mismatch for total"):
        m.load_state_dict(bad)
    np.testing.assert_array_equal(m.scale.data, [1.0, 1.0])
    missing = {"scale": np.ones(2)}
    with pytest.raises(RuntimeError, match=r'Missing key.*"total"'):
        m.load_state_dict(missing)
    assert m.load_state_dict(missing, strict=False).missing_keys == ["total"]


def test_buffer_assignment_and_errors():
    m = Counter()
    m.total = np.full(2, 3.0)
    assert isinstance(m.total, Tensor) and m.total.data[0] == 3.0
    assert "total" in dir(m)
    with pytest.raises(TypeError, match="cannot assign 'str' as buffer 'total'"):
        m.total = "x"
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("scale", np.zeros(1))
    with pytest.raises(KeyError, match="without '\\.'"):
        m.register_buffer("a.b", np.zeros(1))
    del m.total
    assert "total" not in m.state_dict()


def test_batchnorm_eval_uses_running_statistics_and_untracked_uses_batch():
    bn = nn.BatchNorm1d(2)
    x = Tensor(np.array([[1.0, 10.0], [3.0, 30.0]]))
    bn.eval()
    np.testing.assert_allclose(bn(x).data, x.data / np.sqrt(1 + 1e-5))
    assert int(bn.num_batches_tracked.data) == 0  # evaluation tracks nothing
    free = nn.BatchNorm1d(2, track_running_stats=False).eval()
    np.testing.assert_allclose(free(x).data, [[-1, -1], [1, 1]], atol=1e-4)
    assert free.state_dict().keys() == {"weight", "bias"}
    with pytest.raises(ValueError, match="expected a 2 or 3-D input"):
        bn(Tensor(np.ones((2, 2, 2, 2))))


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    layers.append(nn.Linear(2, 1))
    layers.insert(0, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Identity", "Linear", "ReLU", "Linear"]
    assert len(layers) == 4 and isinstance(layers[-1], nn.Linear)
    assert [n for n, _ in layers.named_parameters()] == ["1.weight", "1.bias", "3.weight", "3.bias"]
    assert len(layers[1:3]) == 2
    with pytest.raises(IndexError, match="out of range for ModuleList of length 4"):
        layers[4]
    heads = nn.ModuleDict({"a": nn.Linear(2, 3)})
    heads["b"] = nn.Linear(2, 1)
    assert list(heads) == ["a", "b"] and "b" in heads and len(heads) == 2
    assert sorted(n for n, _ in heads.named_parameters()) == ["a.bias", "a.weight", "b.bias",
                                                               "b.weight"]  # fmt: skip
    assert heads.pop("a") is not None and heads.keys() == ["b"]


def test_flatten_and_unflatten():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Unflatten(1, (2, 6))(nn.Flatten()(x)).shape == (2, 2, 6)
    assert nn.Flatten()(Tensor(np.ones((0, 3, 2)))).shape == (0, 6)
    with pytest.raises(ValueError, match="start_dim 2 comes after end_dim 1"):
        nn.Flatten(2, 1)(x)
    with pytest.raises(IndexError, match=r"dimension 1 is out of range for .* shape \(3,\)"):
        nn.Flatten()(Tensor(np.ones(3)))
    nn.Flatten()(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3, 4)))


def test_reprs_name_the_settings():
    assert repr(nn.Conv2d(1, 2, 3, stride=2, bias=False)) == (
        "Conv2d(1, 2, kernel_size=(3, 3), stride=(2, 2), bias=False)"
    )
    assert "num_layers=2" in repr(nn.GRU(3, 4, 2))
    assert repr(nn.BatchNorm2d(4)).startswith("BatchNorm2d(4, eps=1e-05")
    assert repr(nn.Embedding(5, 2, padding_idx=0)) == "Embedding(5, 2, padding_idx=0)"
