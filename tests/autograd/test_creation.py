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
