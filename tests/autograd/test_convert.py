"""dtype conversions without gradient (integers, booleans, half) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")

VALUES = [1.5, -2.7, 0.0, -0.0, 3.0, 255.0, 0.49]
METHODS = {
    "long": np.int64,
    "int": np.int32,
    "short": np.int16,
    "char": np.int8,
    "byte": np.uint8,
    "bool": np.bool_,
    "half": np.float16,
    "float": np.float32,
    "double": np.float64,
}


@pytest.mark.parametrize("method", sorted(METHODS))
def test_conversions_match_torch(method: str) -> None:
    values = [v for v in VALUES if method != "byte" or v >= 0]
    x = Tensor(values, requires_grad=True)
    ours = getattr(x, method)()
    theirs = getattr(torch.tensor(values, dtype=torch.float64), method)()
    assert ours.dtype == METHODS[method]
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    # A gradient flows to float results only, as in PyTorch.
    assert ours.requires_grad == (np.dtype(METHODS[method]).kind == "f")


def test_bool_of_nan_is_true() -> None:
    out = Tensor([np.nan, 0.0, -0.0, np.inf]).bool()
    np.testing.assert_array_equal(out.data, torch.tensor([np.nan, 0.0, -0.0, np.inf]).bool())


def test_to_spellings() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert x.to(np.float64) is x and x.to("cpu") is x
    assert x.to(torch.float32).dtype == np.float32
    assert x.to("torch.int64").dtype == np.int64
    assert x.to(Tensor([1], dtype=np.int8)).dtype == np.int8
    assert x.to("cpu", "float32").dtype == np.float32
    copied = x.to(copy=True)
    assert copied is not x and not np.shares_memory(copied.data, x.data)
    copied.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])
    assert x.type() == "float64" and x.type("float32").dtype == np.float32
    assert Tensor([1, 2]).type_as(x).dtype == np.float64
    with pytest.raises(ValueError, match="only the 'cpu' device"):
        x.to("cuda")
    with pytest.raises(TypeError, match="cannot interpret"):
        x.to("not-a-dtype")
    with pytest.raises(TypeError, match="unsupported dtype"):
        x.to(np.complex128)


def test_half_gradient_is_cast_back() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x.half() * 3).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_integer_conversion_leaves_graph() -> None:
    x = Tensor([1.7, -1.7], requires_grad=True)
    out = x.long()
    assert out.grad_fn is None and not out.requires_grad
    np.testing.assert_array_equal(out.data, [1, -1])
    assert ag.get_default_dtype() == np.float64
