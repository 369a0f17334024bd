"""autograd.compile: where the replay keeps its buffers, and how it calls NumPy."""

from __future__ import annotations

import gc
import linecache
import warnings

import numpy as np

import autograd
import nn
from autograd import Tensor


def _mlp_step(sizes: list[int], dtype: type = np.float64, seed: int = 0):
    model = nn.MLP(sizes, dtype=dtype, seed=seed)
    opt = nn.optim.SGD(list(model.parameters()), lr=0.05)
    loss_fn = nn.MSELoss()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return model, step


def _state(model: nn.Module) -> list[bytes]:
    return [p.data.tobytes() for p in model.parameters()] + [
        p.grad.data.tobytes() for p in model.parameters()
    ]


def test_buffers_of_disjoint_lifetimes_share_memory():
    _, step = _mlp_step([2, 16, 16, 1])
    compiled = autograd.compile(step)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((100, 2)))
    y = Tensor(rng.standard_normal((100, 1)))
    for _ in range(3):
        compiled(x, y)
    assert compiled.stats["replays"] == 1
    mem = compiled.memory
    # Nine (100, 16) float64 buffers of 12,800 bytes each at most four live at
    # once (the ReLU backward reads two activations and writes two gradients).
    assert mem["block_bytes"] + mem["hosted_bytes"] < mem["buffer_bytes"]
    assert mem["block_bytes"] <= 4 * 12_800 + 64
    assert "the memory, bytes" in compiled.source


def test_replay_in_shared_memory_is_the_eager_step_on_new_batches():
    m1, s1 = _mlp_step([3, 8, 8, 2], seed=1)
    m2, s2 = _mlp_step([3, 8, 8, 2], seed=1)
    compiled = autograd.compile(s2)
    rng = np.random.default_rng(1)
    for _ in range(6):
        x = rng.standard_normal((5, 3))
        y = rng.standard_normal((5, 2))
        a = s1(Tensor(x), Tensor(y))
        b = compiled(Tensor(x), Tensor(y))
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
        assert _state(m1) == _state(m2)
    assert compiled.stats["replays"] == 4


def test_a_broadcast_of_a_computed_value_follows_its_buffer():
    # np.broadcast_to of a buffer is bound when the program is built; the
    # buffer's placement must carry it along, or the replay reads stale bytes.
    def make():
        w = Tensor(np.linspace(-1.0, 1.0, 4), requires_grad=True)

        def step(x):
            h = (x * 2.0 + w).broadcast_to(3, 4)
            loss = (h * h.exp()).sum()
            loss.backward()
            return loss

        return w, step

    w1, s1 = make()
    w2, s2 = make()
    compiled = autograd.compile(s2)
    rng = np.random.default_rng(2)
    for _ in range(5):
        x = rng.standard_normal(4)
        w1.grad = w2.grad = None  # as zero_grad(set_to_none=True) between steps
        a, b = s1(Tensor(x)), compiled(Tensor(x))
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
        assert w1.grad.data.tobytes() == w2.grad.data.tobytes()
    assert compiled.stats["replays"] == 3


def test_arguments_named_like_numpy_functions_are_not_shadowed():
    model, _ = _mlp_step([2, 4, 1])
    model2, _ = _mlp_step([2, 4, 1])
    opts = [nn.optim.SGD(list(m.parameters()), lr=0.1) for m in (model, model2)]

    def make(m, opt):
        def step(add, matmul):  # the names the program binds np.add and np.matmul to
            opt.zero_grad()
            loss = nn.MSELoss()(m(add), matmul)
            loss.backward()
            opt.step()
            return loss

        return step

    eager, compiled = make(model, opts[0]), autograd.compile(make(model2, opts[1]))
    rng = np.random.default_rng(3)
    for _ in range(4):
        x, y = rng.standard_normal((6, 2)), rng.standard_normal((6, 1))
        a, b = eager(Tensor(x), Tensor(y)), compiled(Tensor(x), Tensor(y))
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
    assert compiled.stats["replays"] == 2
    assert "#   add_2 = np.add" in compiled.source


def test_replay_raises_no_warnings():
    # NumPy 2.4 deprecates a positional output for np.maximum (ReLU's ufunc).
    _, step = _mlp_step([2, 8, 1])
    compiled = autograd.compile(step)
    x, y = Tensor(np.ones((4, 2))), Tensor(np.zeros((4, 1)))
    compiled(x, y)
    compiled(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled(x, y)
        compiled(x, y)
    assert compiled.stats["replays"] == 2


def test_ufuncs_are_called_with_their_output_last():
    _, step = _mlp_step([2, 8, 1])
    compiled = autograd.compile(step)
    x, y = Tensor(np.ones((4, 2))), Tensor(np.zeros((4, 1)))
    for _ in range(3):
        compiled(x, y)
    src = compiled.source
    assert "#   matmul = np.matmul" in src
    assert "matmul(x, p_0_weight_T, " in src
    body = src.split("def ")[1]
    assert "np.add(" not in body and "np.matmul(" not in body
    assert "maximum(t0, 0, out=t1)" in body  # np.maximum keeps its out keyword


def test_the_program_lines_leave_linecache_with_the_program():
    def names() -> set[str]:
        return {k for k in linecache.cache if isinstance(k, str) and k.startswith("<compiled ")}

    before = names()
    _, step = _mlp_step([2, 4, 1])
    compiled = autograd.compile(step)
    x, y = Tensor(np.ones((3, 2))), Tensor(np.zeros((3, 1)))
    for _ in range(3):
        compiled(x, y)
    during = names() - before
    assert len(during) == 1  # the first trace's program was replaced: its lines went with it
    del compiled, step
    gc.collect()
    assert names() - before == set()


def test_the_entry_point_leaves_a_failed_guard_to_the_general_route():
    model, step = _mlp_step([2, 4, 1])
    compiled = autograd.compile(step)
    x, y = Tensor(np.ones((3, 2))), Tensor(np.zeros((3, 1)))
    for _ in range(3):
        compiled(x, y)
    assert compiled.stats == {"traces": 2, "replays": 1, "eager": 0}
    model.eval()
    compiled(x, y)
    assert compiled.stats["traces"] == 3  # a new trace, not a replay of the training program
    assert compiled.stats["replays"] == 1
    model.train()
    compiled(x, y)  # the program of the last trace is eval's: traced again
    assert compiled.stats == {"traces": 4, "replays": 1, "eager": 0}
    compiled(Tensor(np.ones((2, 2))), Tensor(np.zeros((2, 1))))  # another signature
    assert compiled.stats["traces"] == 5


def test_a_local_view_keeps_its_buffer_alive():
    # pad's forward slices a buffer (t2 = t1[0:1,], a view made at every
    # call) and reads the view after the buffer's last mention: the buffer
    # written next must not take its memory.
    def make():
        x = Tensor(np.array([[1.0]]), requires_grad=True)
        w = np.cos(np.arange(2) + 0.25).reshape(2, 1)

        def step():
            out = nn.functional.pad(x, (0, 0, 1, 0))
            loss = (out * w).sum()
            loss.backward()
            return loss

        return x, step

    x1, s1 = make()
    x2, s2 = make()
    compiled = autograd.compile(s2)
    for _ in range(4):
        x1.grad = x2.grad = None
        a, b = s1(), compiled()
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
        assert x1.grad.data.tobytes() == x2.grad.data.tobytes()
    assert compiled.stats["replays"] == 2
