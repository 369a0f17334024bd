"""scratchgrad's engine: reverse-mode automatic differentiation over NumPy arrays.

>>> from autograd import Tensor
>>> x = Tensor([[1.0, 2.0]], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
Tensor([[2., 4.]])
"""

from autograd import functional, linalg, testing
from autograd.compiler import compile
from autograd.creation import (
    arange,
    default_generator,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    logspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
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

# Each group of operations exports its module-level functions (its __all__).
from autograd.ops import convert as _convert
from autograd.ops import index as _index
from autograd.ops import inplace as _inplace
from autograd.ops import pointwise as _pointwise
from autograd.ops import products as _products
from autograd.ops import scan as _scan
from autograd.ops import sort as _sort
from autograd.ops import special as _special
from autograd.ops import views as _views
from autograd.ops.convert import *  # noqa: F403
from autograd.ops.index import *  # noqa: F403
from autograd.ops.inplace import *  # noqa: F403
from autograd.ops.pointwise import *  # noqa: F403
from autograd.ops.products import *  # noqa: F403
from autograd.ops.scan import *  # noqa: F403
from autograd.ops.selection import maximum, minimum, where
from autograd.ops.shape import concatenate, stack
from autograd.ops.sort import *  # noqa: F403
from autograd.ops.special import *  # noqa: F403
from autograd.ops.views import *  # noqa: F403
from autograd.tensor import Tensor, get_default_dtype, set_default_dtype, tensor

__all__ = [
    "Float32GradcheckWarning",
    "Function",
    "GradcheckError",
    "Tensor",
    "arange",
    "compile",
    "concatenate",
    "default_generator",
    "detect_anomaly",
    "empty",
    "empty_like",
    "enable_grad",
    "eye",
    "full",
    "full_like",
    "functional",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "linalg",
    "linspace",
    "logspace",
    "manual_seed",
    "maximum",
    "minimum",
    "no_grad",
    "numerical_jacobian",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "set_default_dtype",
    "set_grad_enabled",
    "stack",
    "tensor",
    "testing",
    "where",
    "zeros",
    "zeros_like",
]
__all__ += _pointwise.__all__
__all__ += _special.__all__
__all__ += _scan.__all__
__all__ += _sort.__all__
__all__ += _index.__all__
__all__ += _views.__all__
__all__ += _products.__all__
__all__ += _convert.__all__
__all__ += _inplace.__all__
