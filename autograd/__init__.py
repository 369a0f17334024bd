"""scratchgrad's engine: reverse-mode automatic differentiation over NumPy arrays.

>>> from autograd import Tensor
>>> x = Tensor([[1.0, 2.0]], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
Tensor([[2., 4.]])
"""

from autograd import functional, testing
from autograd.compiler import compile
from autograd.creation import (
    default_generator,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    zeros,
    zeros_like,
)
from autograd.engine import grad
from autograd.function import (
    Function,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from autograd.gradcheck import (
    Float32GradcheckWarning,
    GradcheckError,
    gradcheck,
    gradgradcheck,
    numerical_jacobian,
)
from autograd.ops.elementwise import maximum, minimum, where
from autograd.ops.shape import concatenate, stack
from autograd.tensor import Tensor, get_default_dtype, set_default_dtype, tensor

__all__ = [
    "Float32GradcheckWarning",
    "Function",
    "GradcheckError",
    "Tensor",
    "compile",
    "concatenate",
    "default_generator",
    "detect_anomaly",
    "enable_grad",
    "functional",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "manual_seed",
    "maximum",
    "minimum",
    "no_grad",
    "numerical_jacobian",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "set_default_dtype",
    "set_grad_enabled",
    "stack",
    "tensor",
    "testing",
    "where",
    "zeros",
    "zeros_like",
]
