"""Version counters: a value changed in place after it was saved is an error,
never a silently wrong gradient; and the aliasing cases of the same kind."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, grad, no_grad

MODIFIED = "has been modified by an inplace operation"


def test_optimizer_step_between_forward_and_backward_is_refused() -> None:
    # The first case: the gradient came out at the new w ([0, 2, 4]).
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (w * w).sum()
    opt = nn.optim.SGD([w], lr=0.5)
    w.grad = Tensor(np.ones(3))
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        loss.backward()
    message = str(info.value)
    assert "of Mul" in message and "shape (3,)" in message
    assert "is at version 1; expected version 0" in message
    assert "Hint" in message


def test_adam_step_is_counted_too() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.grad = Tensor(np.ones(2))
    nn.optim.Adam([w]).step()
    assert w._version == 1
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        loss.backward()


def test_retain_graph_second_backward_after_a_step_is_refused() -> None:
    # The GAN-style loop: backward with retain_graph, a step, a second backward.
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = Tensor(rng.standard_normal((4, 3)))
    loss = (model(x) ** 2).sum()
    loss.backward(retain_graph=True)
    # The second layer's weight is needed for the first layer's gradients.
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_retain_graph_second_backward_without_a_change_still_works() -> None:
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(w.grad.data, [4.0, 8.0, 12.0])


def test_setitem_on_a_saved_input_is_refused() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    z = (y * y).sum()
    y[0] = 5.0
    assert y._version == 1
    with pytest.raises(RuntimeError, match=r"saved value \d of Mul.*version 1; expected version 0"):
        z.backward()


def test_view_changed_through_its_base_is_refused() -> None:
    w = Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = w[0:2]  # a view of w's memory
    loss = (v * v).sum()
    with no_grad():
        w.mul_(2.0)
    assert v._version == w._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_base_changed_through_a_detached_view_is_refused() -> None:
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (w * w).sum()
    w.detach().add_(1.0)  # detach() shares w's memory and its counter
    assert w._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_saved_output_changed_in_place_is_refused() -> None:
    x = Tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    y.add_(1.0)  # y is not a leaf: the add is recorded, but Exp needs its output
    with pytest.raises(RuntimeError, match="output 0 of Exp"):
        y.sum().backward()


def test_saved_array_changed_in_place_is_refused() -> None:
    # Max saves its input's array, not the Tensor: the counter covers it too.
    w = Tensor([1.0, 3.0, 2.0], requires_grad=True)
    m = (w * 1.0).max()
    with no_grad():
        w.zero_()
    # w * 1.0 saved w, but its rule does not use it (the constant needs no
    # gradient), and Max saved its own input, which is not w's memory.
    m.backward()
    np.testing.assert_array_equal(w.grad.data, [0.0, 1.0, 0.0])
    h = Tensor([1.0, 3.0, 2.0], requires_grad=True) * 1.0
    m = h.max()
    with no_grad():
        h.fill_(0.0)
    with pytest.raises(RuntimeError, match="saved value 0 of Max"):
        m.backward()


def test_saved_value_the_rule_does_not_use_may_change() -> None:
    # PyTorch's rule too: Mul needs a only for b's gradient.
    w = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    y = (w * c).sum()
    with no_grad():
        w.add_(10.0)
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [3.0, 4.0])
    c.add_(1.0)  # c's gradient is not needed either: this one is used for w's
    w.grad = None
    y = (w * c).sum()
    c.add_(1.0)
    with pytest.raises(RuntimeError, match="saved value 1 of Mul"):
        y.backward()


def test_load_state_dict_and_init_bump_versions() -> None:
    layer = nn.Linear(2, 2)
    x = Tensor(np.ones((1, 2)), requires_grad=True)  # so that the weight is needed
    loss = (layer(x) ** 2).sum()
    start = layer.weight._version
    nn.init.normal_(layer.weight)
    assert layer.weight._version == start + 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()
    loss = (layer(x) ** 2).sum()
    layer.load_state_dict(layer.state_dict())
    assert layer.weight._version == start + 2
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_data_assignment_under_create_graph_is_refused() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x * x).sum()
    x.data = np.array([5.0, 6.0])
    with pytest.raises(RuntimeError, match=r"\.data replaced"):
        grad(y, x, create_graph=True)


def test_data_assignment_keeps_the_recorded_first_order_gradient() -> None:
    # The engine computes from the arrays the forward pass saved: the gradient
    # is that of the recorded loss, not one at the new values.
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data = np.array([5.0, 6.0])
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_numpy_operand_mutated_after_forward_does_not_change_the_gradient() -> None:
    x = Tensor([1.0, 1.0], requires_grad=True)
    arr = np.array([2.0, 3.0])
    y = (x * arr).sum()
    arr[:] = 100.0
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 3.0])


@pytest.mark.parametrize("make", [nn.optim.SGD, nn.optim.Adam, nn.optim.AdamW])
def test_step_with_a_read_only_parameter_changes_none(make) -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    a.grad = Tensor(np.ones(2))
    b.grad = Tensor(np.ones(2))
    b.data.setflags(write=False)
    kwargs = {"lr": 0.1, "momentum": 0.9} if make is nn.optim.SGD else {"lr": 0.1}
    opt = make([a, b], **kwargs)
    with pytest.raises(ValueError, match="read-only"):
        opt.step()
    np.testing.assert_array_equal(a.data, [1.0, 2.0])
    np.testing.assert_array_equal(b.data, [3.0, 4.0])
    assert opt.state == {} and a._version == 0


def test_grad_of_the_wrong_shape_is_refused_at_assignment() -> None:
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="different size"):
        w.grad = Tensor(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="different size"):
        w.grad = Tensor(1.0)  # would have been broadcast by a step
    with pytest.raises(RuntimeError, match="different type"):
        w.grad = Tensor(np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="Tensor or None"):
        w.grad = np.ones(3)
    assert w.grad is None
    w.grad = Tensor(np.ones(3))
    w.grad = None
    assert w.grad is None


def test_versions_count_each_library_change() -> None:
    x = Tensor([1.0, 2.0])
    assert x._version == 0
    x.add_(1.0)
    x[0] = 3.0
    x.zero_()
    assert x._version == 3
    assert x.reshape(2, 1)._version == 3  # a view shares the counter
    assert Tensor(x)._version == 0  # a copy has its own
