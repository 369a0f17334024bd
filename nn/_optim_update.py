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


def sgd(
    data: np.ndarray,
    g: np.ndarray,
    buf: np.ndarray | None,
    first: bool,
    work: np.ndarray,
    work1: np.ndarray | None,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
) -> None:
    """One SGD update of ``data`` with gradient ``g`` (only read).

    ``buf`` is the momentum buffer (``None`` without momentum); on the
    ``first`` step it is filled with the gradient, as PyTorch does.
    ``work1`` is needed with dampening or Nesterov momentum.
    """
    if weight_decay != 0:
        _multiply(data, weight_decay, work)
        _add(work, g, work)
        g = work
    if buf is not None:
        if first:  # PyTorch's first step: the buffer is a copy of g
            buf[...] = g
        else:
            _multiply(buf, momentum, buf)
            if dampening == 0:
                _add(buf, g, buf)
            else:
                _multiply(g, 1 - dampening, work1)
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
) -> None:
    """One Adam (or AdamW) update of ``data`` with gradient ``g`` (only read).

    ``hyper`` is ``(lr, beta2, eps, weight_decay, decoupled, small_w,
    w_factor, step_size, bias_correction2_sqrt)``, as ``Adam.step`` computes
    them; ``max_exp_avg_sq`` is ``None`` unless ``amsgrad``.
    """
    lr, beta2, eps, weight_decay, decoupled, small_w, w_factor, step_size, bc2_sqrt = hyper
    if weight_decay != 0:
        if decoupled:
            _multiply(data, 1 - lr * weight_decay, data)
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
    _multiply(g, 1 - beta2, work2)
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
