"""The per-parameter arithmetic of ``SGD.step`` and ``Adam.step`` (see :mod:`nn.optim`).

Each function updates one parameter, or one block of rows of it, in place:
every operation is elementwise, so updating a large parameter block by block
(with work arrays of the block's size) gives the same bits as updating it
whole. The order of the operations is PyTorch's (see :mod:`nn.optim`), and
:mod:`nn.optim_replay` writes the same calls for a compiled step.
"""

from __future__ import annotations

import numpy as np

_multiply = np.multiply
_add = np.add
_subtract = np.subtract
_divide = np.true_divide


def scalars(dtype: np.dtype, values: tuple) -> tuple:
    """``values`` (Python floats) as 0-d arrays of the float ``dtype``.

    NumPy casts a Python float operand to the array's dtype, so the bits are
    the same, but a ufunc call with a 0-d array of the right dtype skips that
    conversion: 0.24 us instead of 0.45 us for a multiply on a 16 x 16 array.
    Every value must be computed in Python first (``1 - beta2``, not
    ``1 - beta2_array``, which NumPy would compute in the dtype).
    """
    if dtype.kind != "f":
        return values
    return tuple(np.array(v, dtype) for v in values)


def sgd(
    data: np.ndarray,
    g: np.ndarray,
    buf: np.ndarray | None,
    first: bool,
    work: np.ndarray,
    work1: np.ndarray | None,
    hyper: tuple,
) -> None:
    """One SGD update of ``data`` with gradient ``g`` (only read).

    ``buf`` is the momentum buffer (``None`` without momentum); on the
    ``first`` step it is filled with the gradient, as PyTorch does.
    ``work1`` is needed with dampening or Nesterov momentum. ``hyper`` is
    ``(lr, momentum, 1 - dampening, weight_decay, damped, decayed,
    nesterov)``: the numbers as :func:`scalars` makes them, then three flags.
    """
    lr, momentum, keep, weight_decay, damped, decayed, nesterov = hyper
    if decayed:
        _multiply(data, weight_decay, work)
        _add(work, g, work)
        g = work
    if buf is not None:
        if first:  # PyTorch's first step: the buffer is a copy of g
            buf[...] = g
        else:
            _multiply(buf, momentum, buf)
            if not damped:
                _add(buf, g, buf)
            else:
                _multiply(g, keep, work1)
                _add(buf, work1, buf)
        if nesterov:
            _multiply(buf, momentum, work1)
            g = _add(g, work1, work)
        else:
            g = buf
    _multiply(g, lr, work)
    _subtract(data, work, data)


def adam(
    data: np.ndarray,
    g: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    work: np.ndarray,
    work2: np.ndarray,
    hyper: tuple,
    per_step: tuple,
) -> None:
    """One Adam (or AdamW) update of ``data`` with gradient ``g`` (only read).

    ``hyper`` is ``(1 - lr * weight_decay, weight_decay, w_factor, beta2,
    1 - beta2, eps, decayed, decoupled, small_w)`` and ``per_step`` is
    ``(step_size, bias_correction2_sqrt)``, the numbers as :func:`scalars`
    makes them; ``max_exp_avg_sq`` is ``None`` unless ``amsgrad``.
    """
    shrink, weight_decay, w_factor, beta2, one_minus_beta2, eps, decayed, decoupled, small_w = hyper
    step_size, bc2_sqrt = per_step
    if decayed:
        if decoupled:
            _multiply(data, shrink, data)
        else:
            _multiply(data, weight_decay, work)
            _add(work, g, work)
            g = work
    # m.lerp_(g, w) as PyTorch computes it: m + w (g - m) for a small weight,
    # g - (1 - w)(g - m) otherwise; same rounding as PyTorch.
    _subtract(g, exp_avg, work2)
    _multiply(work2, w_factor, work2)
    if small_w:
        _add(exp_avg, work2, exp_avg)
    else:
        _subtract(g, work2, exp_avg)
    _multiply(exp_avg_sq, beta2, exp_avg_sq)
    _multiply(g, one_minus_beta2, work2)
    _multiply(work2, g, work2)
    _add(exp_avg_sq, work2, exp_avg_sq)
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    else:
        second = exp_avg_sq
    denom = work2
    np.sqrt(second, out=denom)
    _divide(denom, bc2_sqrt, denom)
    _add(denom, eps, denom)
    # (step_size * m) / denom, the order PyTorch's addcdiv uses
    _multiply(exp_avg, step_size, work)
    _divide(work, denom, work)
    _subtract(data, work, data)
