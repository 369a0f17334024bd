"""Tests of nn.optim: SGD, Adam, AdamW and the learning-rate schedulers.

Expected values are written independently from the update formulas in
PyTorch's documentation, in plain NumPy; the PyTorch oracle tests (skipped
without PyTorch) train the same small MLP in both libraries.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor
from nn import optim
from nn.optim import SGD, Adam, AdamW, CosineAnnealingLR, StepLR

# -- helpers -------------------------------------------------------------------


def param(values, dtype=np.float64) -> Tensor:
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def set_grad(p: Tensor, g) -> None:
    p.grad = Tensor(np.array(g, dtype=p.dtype))


def fake_grad(x: np.ndarray, t: int) -> np.ndarray:
    """A gradient that depends on the parameter and the step, like a real one."""
    return np.sin(3.0 * x + t) + 0.1 * x * x - 0.05 * t


GRADS = [
    np.array([0.5, -1.0, 2.0]),
    np.array([-0.25, 0.75, 1.5]),
    np.array([1.0, 0.0, -3.0]),
    np.array([0.125, -0.5, 0.25]),
]
P0 = np.array([1.0, -2.0, 0.5])


def run(opt_factory, steps: int, p0=P0, grads=GRADS) -> Tensor:
    p = param(p0)
    opt = opt_factory([p])
    for g in grads[:steps]:
        set_grad(p, g)
        opt.step()
    return p


# -- SGD against the formulas --------------------------------------------------


def test_sgd_plain_steps():
    p = run(lambda ps: SGD(ps, lr=0.1), 4)
    expected = P0.copy()
    for g in GRADS:
        expected = expected - 0.1 * g
    np.testing.assert_allclose(p.data, expected, rtol=1e-15)


def test_sgd_momentum_dampening_weight_decay():
    lr, mu, tau, wd = 0.05, 0.9, 0.3, 0.01
    p = run(lambda ps: SGD(ps, lr=lr, momentum=mu, dampening=tau, weight_decay=wd), 4)
    theta, buf = P0.copy(), None
    for g in GRADS:
        g = g + wd * theta
        # The first step copies the gradient into the buffer: no dampening.
        buf = g.copy() if buf is None else mu * buf + (1 - tau) * g
        theta = theta - lr * buf
    np.testing.assert_allclose(p.data, theta, rtol=1e-14)


def test_sgd_nesterov_with_weight_decay():
    lr, mu, wd = 0.1, 0.8, 0.05
    p = run(lambda ps: SGD(ps, lr=lr, momentum=mu, weight_decay=wd, nesterov=True), 4)
    theta, buf = P0.copy(), None
    for g in GRADS:
        g = g + wd * theta
        buf = g.copy() if buf is None else mu * buf + g
        theta = theta - lr * (g + mu * buf)
    np.testing.assert_allclose(p.data, theta, rtol=1e-14)


def test_sgd_first_momentum_step_is_a_plain_step():
    p = run(lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.5), 1)
    np.testing.assert_allclose(p.data, P0 - 0.1 * GRADS[0], rtol=1e-15)


# -- Adam and AdamW against the formulas ---------------------------------------


def adam_reference(lr, betas, eps, wd, steps, decoupled=False, amsgrad=False):
    b1, b2 = betas
    theta = P0.copy()
    m = np.zeros(3)
    v = np.zeros(3)
    vmax = np.zeros(3)
    for t, g in enumerate(GRADS[:steps], start=1):
        if decoupled:
            theta = theta * (1 - lr * wd)
        else:
            g = g + wd * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - b1**t)
        v_hat = (vmax if amsgrad else v) / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


@pytest.mark.parametrize(
    ("cls", "kwargs", "decoupled"),
    [
        (Adam, {}, False),
        (Adam, {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-3}, False),
        (Adam, {"lr": 0.01, "weight_decay": 0.1}, False),
        (Adam, {"lr": 0.01, "betas": (0.3, 0.9)}, False),  # lerp weight >= 0.5
        (Adam, {"lr": 0.01, "amsgrad": True}, False),
        (AdamW, {"lr": 0.01}, True),
        (AdamW, {"lr": 0.02, "weight_decay": 0.5, "amsgrad": True}, True),
    ],
)
def test_adam_family_steps(cls, kwargs, decoupled):
    p = run(lambda ps: cls(ps, **kwargs), 4)
    full = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False}
    full["weight_decay"] = 0.01 if cls is AdamW else 0.0
    full.update(kwargs)
    expected = adam_reference(
        full["lr"],
        full["betas"],
        full["eps"],
        full["weight_decay"],
        4,
        decoupled=decoupled,
        amsgrad=full["amsgrad"],
    )
    np.testing.assert_allclose(p.data, expected, rtol=1e-13)


def test_amsgrad_changes_the_path():
    # GRADS shrink at step 4 and beta2 is small, so the running maximum of v
    # differs from v there.
    plain = run(lambda ps: Adam(ps, lr=0.01, betas=(0.9, 0.5)), 4).data
    ams = run(lambda ps: Adam(ps, lr=0.01, betas=(0.9, 0.5), amsgrad=True), 4).data
    assert not np.allclose(plain, ams, rtol=1e-3, atol=0)
    expected = adam_reference(0.01, (0.9, 0.5), 1e-8, 0.0, 4, amsgrad=True)
    np.testing.assert_allclose(ams, expected, rtol=1e-13)


def test_adamw_default_weight_decay_is_decoupled():
    opt = AdamW([param(P0)])
    assert opt.param_groups[0]["weight_decay"] == 0.01
    # With a zero gradient Adam moves nothing, so only the decay acts.
    p = run(lambda ps: AdamW(ps, lr=0.1, weight_decay=0.5), 1, grads=[np.zeros(3)])
    np.testing.assert_allclose(p.data, P0 * (1 - 0.1 * 0.5), rtol=1e-15)


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(max_dims=3, max_side=4),
        elements=st.floats(-1e3, 1e3, allow_subnormal=False),
    ),
    st.floats(1e-4, 1.0),
)
def test_adam_first_step_is_lr_times_normalised_gradient(g, lr):
    # After one step m_hat = g and v_hat = g**2, so the update is lr * g / (|g| + eps).
    p0 = np.linspace(-1, 1, g.size).reshape(g.shape)
    p = param(p0)
    set_grad(p, g)
    Adam([p], lr=lr).step()
    np.testing.assert_allclose(p.data, p0 - lr * g / (np.abs(g) + 1e-8), rtol=1e-12, atol=1e-15)


# -- groups, skipping, zero_grad, closure --------------------------------------


def test_param_groups_use_their_own_hyperparameters():
    a, b = param([1.0, 2.0]), param([3.0])
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    set_grad(a, [1.0, 1.0])
    set_grad(b, [2.0])
    opt.step()
    np.testing.assert_allclose(a.data, [0.9, 1.9])
    np.testing.assert_allclose(b.data, [2.0])
    assert a not in opt.state and "momentum_buffer" in opt.state[b]


def test_add_param_group_later():
    a, b = param([1.0]), param([1.0])
    opt = Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.2})
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    opt.step()
    # The first Adam step moves each parameter by about lr.
    np.testing.assert_allclose([a.data[0], b.data[0]], [0.9, 0.8], rtol=1e-6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


@pytest.mark.parametrize(
    "factory",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
        lambda ps: AdamW(ps, lr=0.1),
    ],
)
def test_params_without_grad_are_skipped(factory):
    a, b = param([1.0, 2.0]), param([3.0, 4.0])
    opt = factory([a, b])
    set_grad(a, [1.0, 1.0])
    opt.step()
    np.testing.assert_array_equal(b.data, [3.0, 4.0])
    assert b not in opt.state
    assert not np.array_equal(a.data, [1.0, 2.0])


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW])
def test_step_never_changes_the_gradient(cls):
    p = param([1.0, -2.0])
    opt = cls([p], lr=0.1, weight_decay=0.1)
    set_grad(p, [0.5, 0.25])
    for _ in range(3):
        opt.step()
    np.testing.assert_array_equal(p.grad.data, [0.5, 0.25])


def test_zero_grad():
    a, b = param([1.0]), param([2.0])
    opt = SGD([a, b], lr=0.1)
    set_grad(a, [3.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    set_grad(a, [3.0])
    old = a.grad
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.data, [0.0])
    assert a.grad.dtype == a.dtype and b.grad is None
    np.testing.assert_array_equal(old.data, [3.0])  # the old gradient array is not written


def test_zero_grad_after_backward_then_step():
    w = param([1.0, 2.0])
    opt = SGD([w], lr=0.5)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    # Each step multiplies w by (1 - 0.5 * 2) = 0: without zero_grad the
    # gradients would accumulate and the result would differ.
    np.testing.assert_array_equal(w.data, [0.0, 0.0])


def test_closure_is_called_and_its_loss_returned():
    w = param([2.0])
    opt = SGD([w], lr=0.25)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert calls == [1] and loss.item() == 4.0
    np.testing.assert_allclose(w.data, [1.0])


def test_updates_in_place():
    p = param([1.0, 2.0])
    array = p.data
    opt = Adam([p], lr=0.1)
    set_grad(p, [1.0, 1.0])
    opt.step()
    assert p.data is array


@pytest.mark.parametrize(
    "factory",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.2),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1, amsgrad=True),
    ],
)
def test_shared_work_arrays_do_not_mix_parameters(factory):
    # Sizes grow and dtypes alternate, so the optimizer's work arrays are
    # outgrown and shared; each parameter must still follow its solo path.
    specs = [((3,), np.float32), ((40, 5), np.float64), ((7, 2), np.float32), ((300,), np.float32)]
    rng = np.random.default_rng(3)
    inits = [rng.normal(size=shape).astype(dtype) for shape, dtype in specs]
    together = [param(w, dtype=w.dtype) for w in inits]
    alone = [param(w, dtype=w.dtype) for w in inits]
    opt = factory(together)
    solo = [factory([p]) for p in alone]
    for t in range(4):
        for a, b in zip(together, alone):
            g = fake_grad(a.data, t).astype(a.dtype)
            set_grad(a, g)
            set_grad(b, g)
        opt.step()
        for o in solo:
            o.step()
    for a, b in zip(together, alone):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_steps_after_the_first_allocate_no_parameter_sized_arrays(cls):
    tracemalloc = pytest.importorskip("tracemalloc")
    p = param(np.ones((500, 100)))
    opt = cls([p], lr=0.1, weight_decay=0.1)
    set_grad(p, np.full((500, 100), 0.5))
    opt.step()  # creates the state and the work arrays
    tracemalloc.start()
    try:
        for _ in range(3):
            opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes / 10


# -- dtype ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "factory",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1, amsgrad=True),
        lambda ps: AdamW(ps, lr=0.1),
    ],
)
def test_float32_stays_float32(factory):
    p = param(P0, dtype=np.float32)
    opt = factory([p])
    for t in range(3):
        set_grad(p, fake_grad(p.data.astype(np.float64), t))
        opt.step()
    assert p.dtype == np.float32
    for value in opt.state.get(p, {}).values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32
    # The float32 path follows the float64 one to float32 precision.
    q = param(P0)
    opt64 = factory([q])
    for t in range(3):
        set_grad(q, fake_grad(q.data, t))
        opt64.step()
    np.testing.assert_allclose(p.data, q.data, rtol=1e-5, atol=1e-6)


# -- state_dict and resuming ---------------------------------------------------

RESUMABLE = [
    lambda ps: SGD(ps, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    lambda ps: SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.01}], lr=0.1, momentum=0.5),
    lambda ps: Adam(ps, lr=0.01, weight_decay=0.01, amsgrad=True),
    lambda ps: AdamW([{"params": ps[:1], "lr": 0.02}, {"params": ps[1:]}], lr=0.01),
]


def train(params, opt, first_step, steps):
    for t in range(first_step, first_step + steps):
        for p in params:
            set_grad(p, fake_grad(p.data, t))
        opt.step()


def make_params():
    return [param([[0.5, -1.0], [2.0, 0.25]]), param([0.1, -0.3, 0.7])]


@pytest.mark.parametrize("factory", RESUMABLE)
def test_resume_from_state_dict_equals_uninterrupted_training(factory):
    straight = make_params()
    opt = factory(straight)
    train(straight, opt, 0, 10)

    first = make_params()
    opt1 = factory(first)
    train(first, opt1, 0, 5)
    saved = opt1.state_dict()
    weights = [p.data.copy() for p in first]
    train(first, opt1, 5, 3)  # keeps going: must not leak into `saved`

    resumed = [param(w) for w in weights]
    opt2 = factory(resumed)
    opt2.load_state_dict(saved)
    train(resumed, opt2, 5, 5)
    for a, b in zip(resumed, straight):
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_layout_and_copies():
    a, b = param([1.0, 2.0]), param([3.0])
    opt = Adam([{"params": [a]}, {"params": [b], "lr": 0.5}])
    set_grad(b, [1.0])
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert list(sd["state"]) == [1] and sd["state"][1]["step"] == 1
    sd["state"][1]["exp_avg"][0] = 123.0
    sd["param_groups"][1]["lr"] = 9.0
    assert opt.state[b]["exp_avg"][0] != 123.0 and opt.param_groups[1]["lr"] == 0.5


def test_load_state_dict_takes_hyperparameters_and_casts_state():
    src = param([1.0, 2.0])
    opt = SGD([src], lr=0.3, momentum=0.9)
    set_grad(src, [1.0, 1.0])
    opt.step()
    dst = param([1.0, 2.0], dtype=np.float32)
    opt2 = SGD([dst], lr=0.1)
    group = opt2.param_groups[0]
    opt2.load_state_dict(opt.state_dict())
    assert group is opt2.param_groups[0] and group["lr"] == 0.3 and group["momentum"] == 0.9
    assert group["params"][0] is dst
    assert opt2.state[dst]["momentum_buffer"].dtype == np.float32


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda sd: sd["param_groups"].append({"params": []}), "number of parameter groups"),
        (lambda sd: sd["param_groups"][0]["params"].append(7), "doesn't match the size"),
        (lambda sd: sd["state"].__setitem__(5, {"step": 1}), "parameter 5"),
        (lambda sd: sd["state"][0].__setitem__("exp_avg", np.zeros(4)), "shape"),
        (lambda sd: sd["param_groups"][0].__setitem__("lr", -1.0), "Invalid learning rate"),
        (lambda sd: sd.pop("state"), "exactly the keys"),
    ],
)
def test_bad_state_dict_is_refused_and_changes_nothing(mutate, match):
    p = param([1.0, 2.0])
    opt = Adam([p], lr=0.1)
    set_grad(p, [1.0, -1.0])
    opt.step()
    sd = opt.state_dict()
    mutate(sd)
    fresh = Adam([param([1.0, 2.0])], lr=0.2)
    before_groups = [dict(g) for g in fresh.param_groups]
    with pytest.raises(ValueError, match=match):
        fresh.load_state_dict(sd)
    assert fresh.param_groups == before_groups and fresh.state == {}


# -- invalid arguments ---------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda p: SGD([p], lr=-1), ValueError, "Invalid learning rate: -1"),
        (lambda p: SGD([p], lr=0.1, momentum=-0.5), ValueError, "Invalid momentum value: -0.5"),
        (lambda p: SGD([p], lr=0.1, weight_decay=-1), ValueError, "Invalid weight_decay value"),
        (lambda p: SGD([p], lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires"),
        (
            lambda p: SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            "Nesterov momentum requires",
        ),
        (lambda p: SGD([p]), TypeError, "lr"),
        (lambda p: SGD([p], lr=float("nan")), ValueError, "Invalid learning rate: nan"),
        (lambda p: SGD([p], lr="0.1"), TypeError, "learning rate must be a real number"),
        (lambda p: Adam([p], lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
        (lambda p: Adam([p], eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
        (lambda p: Adam([p], betas=(1.0, 0.9)), ValueError, "beta parameter at index 0: 1.0"),
        (lambda p: Adam([p], betas=(0.9, -0.1)), ValueError, "beta parameter at index 1: -0.1"),
        (lambda p: Adam([p], betas=0.9), ValueError, "betas must be a pair"),
        (lambda p: AdamW([p], weight_decay=-0.1), ValueError, "Invalid weight_decay value"),
        (lambda p: SGD([{"params": [p], "lr": -2}], lr=0.1), ValueError, "learning rate: -2"),
        (lambda p: SGD([], lr=0.1), ValueError, "empty parameter list"),
        (lambda p: SGD(p, lr=0.1), TypeError, "iterable of Tensors or dicts"),
        (lambda p: SGD({p}, lr=0.1), TypeError, "ordered collections"),
        (lambda p: SGD([p, p], lr=0.1), ValueError, "duplicate parameters"),
        (lambda p: SGD([p.data], lr=0.1), TypeError, "can only optimize Tensors"),
        (lambda p: SGD([p * 2], lr=0.1), ValueError, "non-leaf"),
        (lambda p: SGD([{"lr": 0.1}], lr=0.1), ValueError, "'params'"),
        (lambda p: SGD([{"params": [p]}, {"params": [p]}], lr=0.1), ValueError, "more than one"),
    ],
)
def test_invalid_arguments(build, error, match):
    p = param([1.0])
    with pytest.raises(error, match=match):
        build(p)


def test_repr_lists_groups():
    text = repr(SGD([param([1.0])], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


# -- schedulers ----------------------------------------------------------------


def test_steplr_formula():
    p = param([1.0])
    opt = SGD([p], lr=0.5)
    sched = StepLR(opt, step_size=3, gamma=0.5)
    seen = [sched.get_last_lr()[0]]
    for _ in range(9):
        opt.step()
        sched.step()
        seen.append(opt.param_groups[0]["lr"])
    assert seen == [0.5 * 0.5 ** (e // 3) for e in range(10)]
    assert opt.param_groups[0]["initial_lr"] == 0.5


def test_cosine_formula_and_groups():
    a, b = param([1.0]), param([1.0])
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    for e in range(1, 25):
        sched.step()
        expected = [
            0.001 + (lr0 - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2 for lr0 in (0.1, 0.01)
        ]
        np.testing.assert_allclose(sched.get_last_lr(), expected, rtol=1e-15)
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    # At T_max the rate is eta_min exactly.
    sched.load_state_dict({**sched.state_dict(), "last_epoch": 9})
    sched.step()
    assert sched.get_last_lr() == [0.001, 0.001]


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: StepLR(opt, step_size=4, gamma=0.3),
        lambda opt: CosineAnnealingLR(opt, T_max=7, eta_min=0.01),
    ],
)
def test_scheduler_resume_equals_uninterrupted(make):
    def fresh():
        p = param([1.0, 2.0])
        opt = Adam([p], lr=0.2)
        return p, opt, make(opt)

    def epoch(p, opt, sched, t):
        set_grad(p, fake_grad(p.data, t))
        opt.step()
        sched.step()

    p, opt, sched = fresh()
    for t in range(12):
        epoch(p, opt, sched, t)

    p1, opt1, sched1 = fresh()
    for t in range(5):
        epoch(p1, opt1, sched1, t)
    saved = (p1.data.copy(), opt1.state_dict(), sched1.state_dict())
    p2, opt2, sched2 = fresh()
    p2.data[...] = saved[0]
    opt2.load_state_dict(saved[1])
    sched2.load_state_dict(saved[2])
    for t in range(5, 12):
        epoch(p2, opt2, sched2, t)
    np.testing.assert_array_equal(p2.data, p.data)
    assert sched2.get_last_lr() == sched.get_last_lr()


def test_scheduler_invalid_arguments():
    opt = SGD([param([1.0])], lr=0.1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive number"):
        CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(opt, step_size=2, last_epoch=3)
    sched = StepLR(opt, step_size=2)
    with pytest.raises(ValueError, match="expected a dict with keys"):
        sched.load_state_dict(CosineAnnealingLR(opt, T_max=3).state_dict())
    assert optim.StepLR is StepLR and optim.CosineAnnealingLR is CosineAnnealingLR


# -- PyTorch oracle ------------------------------------------------------------

ORACLE_CONFIGS = {
    "sgd": ("SGD", {"lr": 0.1}),
    "sgd-nesterov-wd": (
        "SGD",
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    ),
    "sgd-dampening": ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}),
    "adam": ("Adam", {"lr": 0.01}),
    "adam-wd": ("Adam", {"lr": 0.01, "weight_decay": 0.05, "betas": (0.8, 0.95)}),
    "adam-amsgrad": ("Adam", {"lr": 0.01, "amsgrad": True}),
    "adamw": ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
}


def mlp_setup():
    rng = np.random.default_rng(0)
    sizes = [4, 8, 3]
    weights = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1 / math.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)))
        weights.append(rng.uniform(-bound, bound, fan_out))
    x = rng.normal(size=(16, 4))
    y = rng.normal(size=(16, 3))
    return weights, x, y


@pytest.mark.parametrize("name", list(ORACLE_CONFIGS))
def test_mlp_training_follows_pytorch(name):
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    cls_name, kwargs = ORACLE_CONFIGS[name]
    weights, x, y = mlp_setup()

    ours = [param(w) for w in weights]
    theirs = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    # Two groups (weights, biases) with different learning rates.
    lr = kwargs["lr"]
    rest = {k: v for k, v in kwargs.items() if k != "lr"}

    def groups(ps):
        return [{"params": ps[0::2]}, {"params": ps[1::2], "lr": lr / 2}]

    opt = getattr(optim, cls_name)(groups(ours), lr=lr, **rest)
    topt = getattr(torch.optim, cls_name)(groups(theirs), lr=lr, **rest)
    xs, ys = Tensor(x), Tensor(y)
    tx, ty = torch.tensor(x), torch.tensor(y)

    worst = 0.0
    for _ in range(25):
        w1, b1, w2, b2 = ours
        loss = (((xs @ w1.T + b1).relu() @ w2.T + b2 - ys) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

        t1, tb1, t2, tb2 = theirs
        tloss = ((torch.relu(tx @ t1.T + tb1) @ t2.T + tb2 - ty) ** 2).mean()
        topt.zero_grad()
        tloss.backward()
        topt.step()

        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-6)
        for a, b in zip(ours, theirs):
            b = b.detach().numpy()
            np.testing.assert_allclose(a.data, b, rtol=1e-6, atol=1e-12)
            worst = max(worst, float(np.max(np.abs(a.data - b) / np.maximum(np.abs(b), 1e-12))))
    # The parameters moved: the comparison is not between two untouched copies.
    assert not np.allclose(ours[0].data, weights[0])
    assert worst < 1e-6


def test_schedulers_follow_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")

    def pair(make_ours, make_theirs):
        p = param([1.0])
        opt = SGD([{"params": [p]}, {"params": [param([1.0])], "lr": 0.03}], lr=0.1)
        tp = torch.zeros(1, requires_grad=True)
        topt = torch.optim.SGD(
            [{"params": [tp]}, {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.03}],
            lr=0.1,
        )
        return opt, make_ours(opt), topt, make_theirs(topt)

    step_lr = pair(
        lambda o: StepLR(o, step_size=3, gamma=0.7),
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.7),
    )
    cosine = pair(
        lambda o: CosineAnnealingLR(o, T_max=10, eta_min=0.001),
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    )
    for _ in range(40):
        for opt, sched, topt, tsched in (step_lr, cosine):
            opt.step()
            sched.step()
            topt.step()
            tsched.step()
        # StepLR computes exactly as PyTorch does; the cosine closed form
        # differs from PyTorch's recursion by rounding only.
        assert step_lr[1].get_last_lr() == step_lr[3].get_last_lr()
        np.testing.assert_allclose(cosine[1].get_last_lr(), cosine[3].get_last_lr(), rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(ORACLE_CONFIGS))
def test_updates_follow_pytorch_given_the_same_gradients(name, dtype):
    # With the engine's gradients out of the picture, the only differences
    # left are PyTorch's fused multiply-adds: a last-bit rounding per step.
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    cls_name, kwargs = ORACLE_CONFIGS[name]
    rng = np.random.default_rng(7)
    w0 = rng.normal(size=(4, 50)).astype(dtype)
    scale = np.linspace(0.01, 3, 25)[:, None, None]
    grads = (rng.normal(size=(25, 4, 50)) * scale).astype(dtype)
    p = param(w0, dtype=dtype)
    tp = torch.tensor(w0.copy(), requires_grad=True)
    opt = getattr(optim, cls_name)([p], **kwargs)
    topt = getattr(torch.optim, cls_name)([tp], **kwargs)
    for g in grads:
        set_grad(p, g)
        tp.grad = torch.tensor(g.copy())
        opt.step()
        topt.step()
    assert p.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.parametrize("name", ["sgd-nesterov-wd", "adam", "adamw"])
def test_nn_mlp_training_follows_pytorch(name):
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    from nn import MLP

    cls_name, kwargs = ORACLE_CONFIGS[name]
    model = MLP([2, 16, 16, 1])
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).double()
    with torch.no_grad():
        for key, value in model.state_dict().items():
            tmodel.get_parameter(key).copy_(torch.from_numpy(value))
    initial = model.state_dict()
    rng = np.random.default_rng(5)
    x = rng.normal(size=(32, 2))
    y = np.sign(x[:, :1] * x[:, 1:])
    opt = getattr(optim, cls_name)(model.parameters(), **kwargs)
    topt = getattr(torch.optim, cls_name)(tmodel.parameters(), **kwargs)
    for _ in range(25):
        opt.zero_grad()
        ((model(Tensor(x)) - Tensor(y)) ** 2).mean().backward()
        opt.step()
        topt.zero_grad()
        ((tmodel(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2).mean().backward()
        topt.step()
    tstate = tmodel.state_dict()
    for key, value in model.state_dict().items():
        assert value.dtype == np.float64 and not np.array_equal(value, initial[key])
        np.testing.assert_allclose(value, tstate[key].numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize(
    "factory",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.2),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1, amsgrad=True),
        lambda ps: AdamW(ps, lr=0.1, betas=(0.3, 0.9)),
    ],
)
@pytest.mark.parametrize("shape", [(700, 100), (70_001,), (3, 30_000, 2), (1, 70_000)])
def test_a_large_parameter_updated_in_blocks_gets_the_bits_of_a_whole_update(
    factory, shape, monkeypatch
):
    # A parameter above the work arrays' size is updated in blocks of rows
    # (the last one shorter); updated whole, it must get the same bits.
    rng = np.random.default_rng(5)
    init = rng.normal(size=shape).astype(np.float32)
    blocks, whole = param(init, dtype=np.float32), param(init, dtype=np.float32)
    opt, ref = factory([blocks]), factory([whole])
    for t in range(3):
        g = fake_grad(init, t).astype(np.float32)
        set_grad(blocks, g)
        set_grad(whole, g)
        opt.step()
        with monkeypatch.context() as m:
            m.setattr(optim, "_CHUNK", 10**9)
            ref.step()
    assert blocks.data.tobytes() == whole.data.tobytes()
    assert not np.array_equal(blocks.data, init)
    row = init.size // shape[0]  # a block has at least one row
    assert all(s.size <= max(1 << 16, row) for s in opt._scratch.values())
    assert any(s.size == init.size for s in ref._scratch.values())


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_work_arrays_stay_small_for_a_large_parameter(cls):
    tracemalloc = pytest.importorskip("tracemalloc")
    p = param(np.ones((1000, 1000)), dtype=np.float32)
    set_grad(p, np.full((1000, 1000), 0.5))
    opt = cls([p], lr=0.1, weight_decay=0.1)
    if cls is Adam:
        opt.step()  # Adam's first step creates its state: two parameter-sized arrays
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes / 3  # two work arrays of about 256 KiB each
