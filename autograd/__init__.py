"""scratchgrad's engine: reverse-mode automatic differentiation over NumPy arrays.

>>> from autograd import Tensor
>>> x = Tensor([[1.0, 2.0]], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
Tensor([[2., 4.]])
"""

from autograd.creation import manual_seed, ones, ones_like, rand, randn, zeros, zeros_like
from autograd.engine import grad
from autograd.function import (
    Function,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from autograd.ops.elementwise import maximum, minimum, where
from autograd.ops.shape import concatenate, stack
from autograd.tensor import Tensor, get_default_dtype, set_default_dtype, tensor

__all__ = [
    "Function",
    "Tensor",
    "concatenate",
    "detect_anomaly",
    "enable_grad",
    "get_default_dtype",
    "grad",
    "is_grad_enabled",
    "manual_seed",
    "maximum",
    "minimum",
    "no_grad",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "set_default_dtype",
    "set_grad_enabled",
    "stack",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
]
