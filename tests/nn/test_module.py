"""Module and Parameter: registration, dotted names, modes, state dicts, repr."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.module import IncompatibleKeys


class Block(nn.Module):
    """A nested module: a Sequential under an attribute, plus an own parameter."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(3, 4, seed=seed), nn.ReLU(), nn.Linear(4, 2, seed=seed + 1)
        )
        self.scale = nn.Parameter(np.ones(2))
        self.note = "plain attribute"

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x) * self.scale


def snapshot(module: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in module.state_dict().items()}


def assert_same_state(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype
        np.testing.assert_array_equal(a[k], b[k])


# ---------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_tensor_that_requires_grad() -> None:
    p = nn.Parameter(np.arange(3.0))
    assert isinstance(p, Tensor)
    assert p.requires_grad and p.is_leaf and p.grad is None
    assert p.dtype == np.float64
    (p * p).sum().backward()
    np.testing.assert_array_equal(p.grad.data, 2 * np.arange(3.0))


def test_parameter_copies_and_keeps_dtype() -> None:
    src = np.zeros(2, dtype=np.float32)
    p = nn.Parameter(src)
    src[0] = 5
    assert p.dtype == np.float32 and p.data[0] == 0
    t = Tensor(np.ones(2, dtype=np.float32))
    assert nn.Parameter(t).dtype == np.float32
    assert not nn.Parameter([1.0], requires_grad=False).requires_grad
    assert repr(nn.Parameter([1.0])).startswith("Parameter containing:\n")


def test_parameter_rejects_integer_data() -> None:
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(np.arange(3))


# ------------------------------------------------------------- registration
def test_registration_and_dotted_names_follow_pytorch() -> None:
    m = Block()
    names = [n for n, _ in m.named_parameters()]
    # PyTorch's order: a module's own parameters, then its children's, depth first.
    assert names == [
        "scale",
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
        "layers.2.bias",
    ]
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["scale"]
    assert next(n for n, _ in m.layers.named_parameters(prefix="pre")) == "pre.0.weight"
    assert list(m.parameters())[1] is m.layers[0].weight
    assert [n for n, _ in m.named_children()] == ["layers"]
    assert [n for n, _ in m.named_modules()] == ["", "layers", "layers.0", "layers.1", "layers.2"]
    assert list(m.children()) == [m.layers]
    assert [type(x).__name__ for x in m.modules()] == [
        "Block",
        "Sequential",
        "Linear",
        "ReLU",
        "Linear",
    ]
    assert m.note == "plain attribute" and "note" not in dict(m.named_parameters())


def test_reassignment_moves_between_registries() -> None:
    m = nn.Module()
    m.a = nn.Parameter([1.0])
    m.a = nn.Linear(1, 1)  # a parameter name now holds a module
    assert [n for n, _ in m.named_parameters()] == ["a.weight", "a.bias"]
    m.a = nn.Parameter([2.0])
    assert [n for n, _ in m.named_parameters()] == ["a"]
    del m.a
    assert list(m.parameters()) == []
    with pytest.raises(AttributeError, match="no attribute 'a'"):
        _ = m.a


def test_assigning_plain_tensor_over_a_parameter_is_refused() -> None:
    lin = nn.Linear(2, 2)
    before = lin.weight
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        lin.weight = Tensor(np.zeros((2, 2)))
    assert lin.weight is before
    lin.bias = None  # allowed, as in PyTorch
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    seq = nn.Sequential(nn.ReLU())
    with pytest.raises(TypeError, match="child module '0'"):
        setattr(seq, "0", 3)


def test_assignment_before_init_is_a_clear_error() -> None:
    class Bad(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter([1.0])

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Bad()


def test_register_parameter_and_add_module_validate() -> None:
    m = nn.Module()
    with pytest.raises(KeyError):
        m.register_parameter("a.b", nn.Parameter([1.0]))
    with pytest.raises(TypeError):
        m.register_parameter("a", Tensor([1.0]))
    with pytest.raises(TypeError):
        m.add_module("x", 3)
    m.register_parameter("w", None)
    assert m.w is None and list(m.parameters()) == []


def test_shared_parameter_yields_once_but_state_dict_has_every_name() -> None:
    first = nn.Linear(2, 2, seed=0)
    second = nn.Linear(2, 2, seed=1)
    second.weight = first.weight
    seq = nn.Sequential(first, second)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert len(list(seq.parameters())) == 3
    state = seq.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    seq.load_state_dict(state)


def test_same_child_twice_is_walked_once() -> None:
    relu = nn.ReLU()
    seq = nn.Sequential(relu, relu)
    assert len(list(seq.children())) == 1
    assert len(list(seq.modules())) == 2


def test_deep_nesting_does_not_hit_the_recursion_limit() -> None:
    root = nn.Module()
    node = root
    for _ in range(3000):
        child = nn.Module()
        node.child = child
        node = child
    node.w = nn.Parameter([1.0])
    names = [n for n, _ in root.named_parameters()]
    assert names == [".".join(["child"] * 3000 + ["w"])]
    root.eval()
    assert not node.training


def test_call_runs_forward_and_missing_forward_is_clear() -> None:
    m = Block()
    x = Tensor(np.ones((5, 3)))
    np.testing.assert_array_equal(m(x).data, m.forward(x).data)
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(x)


# ------------------------------------------------------------- modes, grads
def test_train_and_eval_reach_every_submodule() -> None:
    m = Block()
    assert m.training and all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    assert m.train() is m and all(x.training for x in m.modules())
    m.train(False)
    assert not m.layers[1].training
    with pytest.raises(ValueError, match="bool"):
        m.train("yes")


def test_zero_grad_sets_none_or_new_zeros() -> None:
    m = Block()
    m(Tensor(np.ones((2, 3)))).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    grad = m.scale.grad
    old = grad.data.copy()
    m.zero_grad(set_to_none=False)
    assert m.scale.grad.shape == old.shape and not m.scale.grad.data.any()
    # The old gradient Tensor may be shared with other leaves: it is not mutated.
    np.testing.assert_array_equal(grad.data, old)
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_apply_visits_children_then_self() -> None:
    seen: list[str] = []
    Block().apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Block"]


# -------------------------------------------------------------- state dicts
def test_state_dict_is_a_copy() -> None:
    m = Block()
    state = m.state_dict()
    assert list(state) == [n for n, _ in m.named_parameters()]
    state["scale"][:] = 7.0
    np.testing.assert_array_equal(m.scale.data, np.ones(2))


def test_load_state_dict_round_trip_is_in_place() -> None:
    src, dst = Block(seed=1), Block(seed=2)
    held = {n: p.data for n, p in dst.named_parameters()}
    result = dst.load_state_dict(src.state_dict())
    assert result == IncompatibleKeys([], [])
    assert_same_state(dst.state_dict(), src.state_dict())
    for name, p in dst.named_parameters():
        assert p.data is held[name]  # optimizers keep working on the same arrays
    x = Tensor(np.linspace(-1, 1, 12).reshape(4, 3))
    np.testing.assert_array_equal(dst(x).data, src(x).data)


def test_load_state_dict_accepts_tensors() -> None:
    m = nn.Linear(2, 1, seed=0)
    m.load_state_dict({"weight": Tensor(np.ones((1, 2))), "bias": np.zeros(1)})
    np.testing.assert_array_equal(m.weight.data, np.ones((1, 2)))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.pop("scale"), r'Missing key\(s\) in state_dict: "scale"'),
        (lambda s: s.update(extra=np.ones(1)), r'Unexpected key\(s\) in state_dict: "extra"'),
        (
            lambda s: s.update({"layers.0.weight": np.ones((3, 4))}),
            r"size mismatch for layers.0.weight: copying a param with shape \(3, 4\)",
        ),
        (
            lambda s: s.update(scale=np.ones(2, dtype=np.float32)),
            "dtype mismatch for scale: copying a param with dtype float32",
        ),
        (lambda s: s.update(scale=[1.0, 1.0]), "value for scale must be a numpy array or Tensor"),
    ],
)
def test_failed_load_names_the_problem_and_changes_nothing(edit, message) -> None:
    m = Block(seed=3)
    before = snapshot(m)
    state = Block(seed=4).state_dict()  # every other key is valid and different
    edit(state)
    with pytest.raises(RuntimeError, match=message):
        m.load_state_dict(state)
    assert_same_state(m.state_dict(), before)


def test_failed_load_reports_all_problems_at_once() -> None:
    m = Block()
    state = m.state_dict()
    state.pop("scale")
    state["layers.2.bias"] = np.zeros(5)
    state["junk"] = np.zeros(1)
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(state)
    text = str(info.value)
    assert text.startswith("Error(s) in loading state_dict for Block")
    assert '"scale"' in text and '"junk"' in text and "layers.2.bias" in text


def test_non_strict_load_skips_keys_but_still_checks_shapes() -> None:
    m = Block(seed=5)
    other = Block(seed=6).state_dict()
    del other["scale"]
    other["extra"] = np.zeros(1)
    result = m.load_state_dict(other, strict=False)
    assert result.missing_keys == ["scale"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(m.layers[0].weight.data, other["layers.0.weight"])
    other["layers.0.bias"] = np.zeros(7)
    with pytest.raises(RuntimeError, match="size mismatch"):
        m.load_state_dict(other, strict=False)
    with pytest.raises(TypeError, match="mapping"):
        m.load_state_dict([("scale", np.ones(2))])


# --------------------------------------------------------------------- repr
def test_repr_is_nested_like_pytorch() -> None:
    expected = (
        "Block(\n"
        "  (layers): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (1): ReLU()\n"
        "    (2): Linear(in_features=4, out_features=2, bias=True)\n"
        "  )\n"
        ")"
    )
    assert repr(Block()) == expected
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Sequential()) == "Sequential()"


def test_repr_matches_torch_for_the_same_structure() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    ours = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Sequential(nn.Linear(3, 1), nn.Sigmoid()))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 3),
        torch.nn.Tanh(),
        torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Sigmoid()),
    )
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
