"""Optimizer state through nn.save / nn.load, crafted state refused, all-or-nothing steps."""

from __future__ import annotations

import copy
import zipfile

import numpy as np
import pytest

import nn
from nn.optim import SGD, Adam, AdamW, StepLR

from .test_optim import RESUMABLE, make_params, train


def _param(values, dtype=np.float64) -> nn.Parameter:
    return nn.Parameter(np.array(values, dtype=dtype))


def _hypers(group: dict) -> dict:
    return {k: v for k, v in group.items() if k != "params"}


def _stepped_adam(amsgrad: bool = False) -> tuple[list[nn.Parameter], Adam]:
    ps = [_param([1.0, 2.0]), _param([[0.5], [-0.5]])]
    opt = Adam(ps, lr=0.1, amsgrad=amsgrad)
    for p in ps:
        p.grad = nn.Parameter(np.ones_like(p.data) * 0.5)
    opt.step()
    return ps, opt


@pytest.mark.parametrize("factory", RESUMABLE)
def test_optimizer_state_round_trips_through_a_file_and_resumes_exactly(factory, tmp_path):
    straight = make_params()
    opt = factory(straight)
    train(straight, opt, 0, 10)

    first = make_params()
    opt1 = factory(first)
    train(first, opt1, 0, 5)
    nn.save(opt1.state_dict(), tmp_path / "opt")
    nn.save({f"p{i}": p for i, p in enumerate(first)}, tmp_path / "params")
    # No member needs pickle: NumPy itself reads every one with pickling off.
    with np.load(tmp_path / "opt.npz", allow_pickle=False) as npz:
        for key in npz.files:
            npz[key]

    weights = nn.load(tmp_path / "params")
    resumed = [_param(weights[f"p{i}"]) for i in range(len(first))]
    opt2 = factory(resumed)
    loaded = nn.load(tmp_path / "opt")
    assert loaded["param_groups"] == opt1.state_dict()["param_groups"]  # same types back
    opt2.load_state_dict(loaded)
    train(resumed, opt2, 5, 5)
    for a, b in zip(resumed, straight, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_scheduler_state_saves_too(tmp_path):
    p = _param([1.0])
    opt = SGD([p], lr=0.1)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    nn.save(sched.state_dict(), tmp_path / "sched")
    other = StepLR(SGD([_param([1.0])], lr=0.1), step_size=2, gamma=0.5)
    other.load_state_dict(nn.load(tmp_path / "sched"))
    assert other.state_dict() == sched.state_dict()


def _set(path):
    """A mutation setting one entry of the state dict: path of keys, then the value."""

    def mutate(sd, value):
        target = sd
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


CRAFTED = [
    # (description, mutate(sd), message)
    (
        "step as a str",
        lambda sd: _set(["state", 0, "step"])(sd, "3"),
        r"'step' .*'3'.*expected an int",
    ),
    ("step NaN", lambda sd: _set(["state", 0, "step"])(sd, float("nan")), "expected an int"),
    ("step -1", lambda sd: _set(["state", 0, "step"])(sd, -1), "= -1; expected an int from 0"),
    ("step bool", lambda sd: _set(["state", 0, "step"])(sd, True), "expected an int"),
    (
        "missing exp_avg_sq",
        lambda sd: sd["state"][0].pop("exp_avg_sq"),
        r"missing \['exp_avg_sq'\]",
    ),
    ("exp_avg_sq scalar", lambda sd: _set(["state", 0, "exp_avg_sq"])(sd, 0.0), "of type float"),
    (
        "exp_avg as list",
        lambda sd: _set(["state", 0, "exp_avg"])(sd, [0.0, 0.0]),
        "'exp_avg' of parameter 0 of type list",
    ),
    (
        "exp_avg NaN",
        lambda sd: _set(["state", 1, "exp_avg"])(sd, np.full((2, 1), np.nan)),
        "NaN or infinite",
    ),
    (
        "negative squares",
        lambda sd: _set(["state", 0, "exp_avg_sq"])(sd, np.array([-1.0, 1.0])),
        "negative values",
    ),
    (
        "int buffer",
        lambda sd: _set(["state", 0, "exp_avg"])(sd, np.array([1, 2])),
        "dtype int64, expected a floating-point",
    ),
    (
        "unknown key",
        lambda sd: _set(["state", 0, "extra"])(sd, np.zeros(2)),
        r"unknown \['extra'\]",
    ),
    (
        "amsgrad on without its buffer",
        lambda sd: _set(["param_groups", 0, "amsgrad"])(sd, True),
        r"missing \['max_exp_avg_sq'\]",
    ),
    ("amsgrad as int", lambda sd: _set(["param_groups", 0, "amsgrad"])(sd, 1), "expected a bool"),
    (
        "lr missing",
        lambda sd: sd["param_groups"][0].pop("lr"),
        r"without the hyperparameter\(s\) \['lr'\]",
    ),
    ("lr inf", lambda sd: _set(["param_groups", 0, "lr"])(sd, float("inf")), "must be finite"),
    ("lr str", lambda sd: _set(["param_groups", 0, "lr"])(sd, "0.1"), "must be a real number"),
    ("betas", lambda sd: _set(["param_groups", 0, "betas"])(sd, (0.9,)), "betas must be a pair"),
    ("lr object", lambda sd: _set(["param_groups", 0, "lr"])(sd, object()), "of type object"),
    (
        "bool index",
        lambda sd: _set(["param_groups", 0, "params"])(sd, [True, 1]),
        "int parameter index",
    ),
    (
        "repeated index",
        lambda sd: _set(["param_groups", 0, "params"])(sd, [0, 0]),
        "more than once",
    ),
    (
        "state key str",
        lambda sd: sd["state"].__setitem__("0", sd["state"].pop(0)),
        "not an int index",
    ),
    ("state as list", lambda sd: sd.__setitem__("state", [1]), "'state' of type list"),
    ("groups as dict", lambda sd: sd.__setitem__("param_groups", {}), "expected a list"),
]


@pytest.mark.parametrize(("mutate", "match"), [c[1:] for c in CRAFTED], ids=[c[0] for c in CRAFTED])
def test_crafted_state_is_refused_and_changes_nothing(mutate, match):
    _, source = _stepped_adam()
    sd = source.state_dict()
    mutate(sd)
    ps, target = _stepped_adam()
    before = copy.deepcopy(
        ([_hypers(g) for g in target.param_groups], [target.state[p] for p in ps])
    )
    weights = [p.data.copy() for p in ps]
    with pytest.raises(ValueError, match=match):
        target.load_state_dict(sd)
    assert [_hypers(g) for g in target.param_groups] == before[0]
    assert all(a is b for a, b in zip(target.param_groups[0]["params"], ps, strict=True))
    for p, saved in zip(ps, before[1], strict=True):
        assert target.state[p].keys() == saved.keys()
        for key, value in saved.items():
            np.testing.assert_array_equal(target.state[p][key], value)
    # ... and the optimizer still steps exactly as before.
    target.step()
    for p, w in zip(ps, weights, strict=True):
        assert not np.array_equal(p.data, w)


def test_buffers_that_overflow_the_parameter_dtype_are_refused():
    _, source = _stepped_adam()
    sd = source.state_dict()
    sd["state"][0]["exp_avg"] = np.array([1e300, 1.0])
    p32 = _param([1.0, 2.0], np.float32)
    target = Adam([p32, _param([[0.0], [0.0]], np.float32)], lr=0.1)
    with pytest.raises(ValueError, match=r"NaN or infinite values \(in float32\)"):
        target.load_state_dict(sd)
    assert target.state == {}


def test_crafted_state_in_a_file_is_refused(tmp_path):
    _, source = _stepped_adam()
    sd = source.state_dict()
    sd["state"][0]["step"] = -1
    nn.save(sd, tmp_path / "bad")
    _, target = _stepped_adam()
    with pytest.raises(ValueError, match="expected an int from 0"):
        target.load_state_dict(nn.load(tmp_path / "bad"))
    # A typed key whose array does not match its tag is refused by nn.load itself.
    path = nn.save(source.state_dict(), tmp_path / "tagged")
    with zipfile.ZipFile(path, "a") as zf, zf.open("state/#0/junk:int.npy", "w") as member:
        np.lib.format.write_array(member, np.zeros(3))
    with pytest.raises(nn.CheckpointError, match=r"member 'state/#0/junk:int\.npy': a int must"):
        nn.load(path)


@pytest.mark.parametrize("factory", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), Adam, AdamW])
def test_step_is_all_or_nothing_with_a_read_only_parameter(factory):
    ps = [_param([1.0, 2.0]), _param([3.0]), _param([4.0, 5.0])]
    opt = factory(ps)
    for p in ps:
        p.grad = nn.Parameter(np.ones_like(p.data))
    opt.step()
    weights = [p.data.copy() for p in ps]
    state = copy.deepcopy({i: opt.state.get(p) for i, p in enumerate(ps)})
    ps[1].data.flags.writeable = False
    with pytest.raises(ValueError, match=r"parameter 1 of group 0 \(shape \(1,\)\) is a read-only"):
        opt.step()
    for p, w in zip(ps, weights, strict=True):
        np.testing.assert_array_equal(p.data, w)
    for i, p in enumerate(ps):
        for key, value in (state[i] or {}).items():
            np.testing.assert_array_equal(opt.state[p][key], value)
    ps[1].data.flags.writeable = True
    opt.step()
    assert all(not np.array_equal(p.data, w) for p, w in zip(ps, weights, strict=True))


def test_step_refuses_unusable_state_before_updating():
    ps, opt = _stepped_adam()
    weights = [p.data.copy() for p in ps]
    opt.param_groups[0]["amsgrad"] = True  # switched on after the state was made
    with pytest.raises(
        ValueError, match=r"'max_exp_avg_sq' = NoneType .* no parameter was updated"
    ):
        opt.step()
    opt.param_groups[0]["amsgrad"] = False
    # A gradient of the wrong shape is refused when assigned (PyTorch's rule);
    # one that got there anyway (set on the slot) is refused by step().
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):
        ps[1].grad = nn.Parameter(np.ones(2))
    ps[1]._grad = nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match=r"gradient of shape \(2,\)"):
        opt.step()
    for p, w in zip(ps, weights, strict=True):
        np.testing.assert_array_equal(p.data, w)
    assert opt.state[ps[0]]["step"] == 1
