"""Constructors take a shape as ``2, 3`` or ``(2, 3)`` of ints, as NumPy and PyTorch do."""

import numpy as np
import pytest

import autograd


@pytest.mark.parametrize("make", [autograd.zeros, autograd.ones, autograd.randn, autograd.rand])
@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((2, 3), (2, 3)),
        (((2, 3),), (2, 3)),
        (([2, 3],), (2, 3)),
        ((np.int64(2), 3), (2, 3)),
        ((), ()),
        ((0, 4), (0, 4)),
    ],
)
def test_shape_forms(make, shape, expected):
    t = make(*shape)
    assert np.asarray(t).shape == expected
    assert t.dtype == np.float64


@pytest.mark.parametrize("make", [autograd.zeros, autograd.ones, autograd.randn, autograd.rand])
@pytest.mark.parametrize("shape", [("3", 2), (2.0,), ([2, "a"],), ((2, 1.5),)])
def test_non_integer_shape_is_a_type_error_naming_the_function(make, shape):
    with pytest.raises(TypeError, match=f"{make.__name__}: shape must be ints") as info:
        make(*shape)
    assert repr(shape) in str(info.value)


@pytest.mark.parametrize("name", ["linspace", "logspace"])
def test_linspace_and_logspace_take_0d_tensor_endpoints(name):
    # A Tensor endpoint went to NumPy, which dispatched back here: endless recursion.
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    fn = getattr(autograd, name)
    out = fn(autograd.Tensor(np.float32(-2.0)), autograd.Tensor(np.int64(3)), 6, dtype=np.float64)
    expected = getattr(torch, name)(torch.tensor(-2.0), torch.tensor(3), 6, dtype=torch.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match=f"{name}: a tensor start or end must be 0-d"):
        fn(autograd.Tensor([0.0, 1.0]), 1.0, 3)
