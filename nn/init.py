"""Parameter initialisers with PyTorch's formulas (``torch.nn.init``).

Each ``*_`` function overwrites ``tensor.data`` in place (keeping its dtype and
the array object, so anything holding the tensor sees the new values) and
returns the tensor. Nothing is recorded for autograd: these write data, they do
not compute with Tensors.

Randomness: ``generator`` may be a ``numpy.random.Generator``, an int seed, or
``None``; ``None`` draws from the engine's global generator, so
``autograd.manual_seed`` makes initialisation reproducible.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from autograd import Tensor, versions
from autograd.creation import default_generator

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

Generatorish = np.random.Generator | int | None


def _get_generator(generator: Generatorish) -> np.random.Generator:
    """Resolve ``generator`` (Generator, int seed or None) to a ``numpy.random.Generator``."""
    if isinstance(generator, np.random.Generator):
        return generator
    if generator is None:
        return _global_generator()
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        "generator must be a numpy.random.Generator, an int seed or None, "
        f"got {type(generator).__name__}"
    )


# A generator set for this thread only (Trainer.fit(seed=...) sets one), so
# that two threads training their own models draw independent streams.
_local = threading.local()


def _global_generator() -> np.random.Generator:
    # Looked up at each call: autograd.manual_seed replaces the generator object.
    gen = getattr(_local, "generator", None)
    return default_generator() if gen is None else gen


def _set_thread_generator(gen: np.random.Generator | None) -> np.random.Generator | None:
    """Make ``gen`` what ``generator=None`` means in this thread; return the previous one."""
    previous = getattr(_local, "generator", None)
    _local.generator = gen
    return previous


def _array(tensor: Tensor | np.ndarray, op: str, need_float: bool = True) -> np.ndarray:
    arr = tensor.data if isinstance(tensor, Tensor) else tensor
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{op}: expected a Tensor or numpy array, got {type(tensor).__name__}")
    if need_float and arr.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating-point tensor, got dtype {arr.dtype}")
    return arr


def _fill(tensor: Any, values: np.ndarray | float) -> Any:
    arr = tensor.data if isinstance(tensor, Tensor) else tensor
    # Assign into the existing array: dtype and identity are kept.
    arr[...] = values
    versions.bump(arr)
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for a nonlinearity (same table as ``torch.nn.init.calculate_gain``).

    Parameters
    ----------
    nonlinearity : str
        ``'linear'``, ``'conv1d'``/``'conv2d'``/``'conv3d'`` (and ``conv_transpose*``),
        ``'sigmoid'``, ``'tanh'``, ``'relu'``, ``'leaky_relu'`` or ``'selu'``.
    param : float, optional
        Negative slope for ``'leaky_relu'`` (default 0.01).

    Returns
    -------
    float
        1 for linear and sigmoid, 5/3 for tanh, sqrt(2) for relu,
        sqrt(2 / (1 + slope**2)) for leaky_relu, 3/4 for selu.
    """
    linear_fns = {
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    }
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param!r} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor | np.ndarray) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *receptive_field)``."""
    shape = np.shape(tensor.data if isinstance(tensor, Tensor) else tensor)
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {shape})"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Any, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generatorish = None
) -> Tensor:
    """Fill with samples from U(a, b)."""
    arr = _array(tensor, "uniform_")
    return _fill(tensor, _get_generator(generator).uniform(a, b, size=arr.shape))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generatorish = None
) -> Tensor:
    """Fill with samples from N(mean, std**2)."""
    arr = _array(tensor, "normal_")
    return _fill(tensor, _get_generator(generator).normal(mean, std, size=arr.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    _array(tensor, "constant_", need_float=False)
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generatorish = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    _array(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generatorish = None) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    _array(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generatorish = None,
) -> Tensor:
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan).

    ``gain = calculate_gain(nonlinearity, a)``; ``fan`` is fan_in or fan_out by
    ``mode``. With ``a=sqrt(5)`` (what ``Linear`` uses, as PyTorch does) the
    bound is ``1 / sqrt(fan_in)``. A tensor with no elements is left as it is.
    """
    arr = _array(tensor, "kaiming_uniform_")
    if arr.size == 0:
        return tensor
    fan = _fan(tensor, mode)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generatorish = None,
) -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan)."""
    arr = _array(tensor, "kaiming_normal_")
    if arr.size == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)
