"""Stateless functions behind the layers and losses (``torch.nn.functional`` with ``axis``).

Everything is composed from the engine's differentiable operations; there is no
derivative code here. Targets (class indices, labels, weights) are constants:
they are validated and turned into NumPy arrays; only float targets of the
regression and probability losses stay Tensors, so they can receive gradients
as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.compiler import live as _live
from autograd.compiler import trace as _trace
from autograd.ops import fused as _fused
from autograd.ops.linalg import linear as _linear
from autograd.tensor import _make
from nn.init import Generatorish, _get_generator

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "hinge_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

_REDUCTIONS = ("mean", "sum", "none")


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _scalar(value: float, like: Tensor) -> Any:
    """``value`` as a scalar of ``like``'s float dtype, for NumPy arithmetic on
    ``like.data``: NumPy 1.x casts by value when every operand is 0-d, so a 0-d
    float32 array with a Python float would be computed in float64 there (NumPy 2
    computes it in float32). Non-float data gets ``value`` as it is."""
    dtype = like.data.dtype
    return dtype.type(value) if dtype.kind == "f" else value


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _same_dtype(t: Tensor, dtype: np.dtype, op: str, what: str, of: str) -> Tensor:
    """nn's one dtype rule: raw data is cast to the dtype it meets (so a float32
    model fed float64 arrays computes in float32), but a Tensor of another
    dtype is an error, never a silent promotion."""
    if t.dtype != dtype:
        raise TypeError(
            f"{op}: expected {what} of dtype {dtype} (the dtype of {of}), got a Tensor of "
            f"dtype {t.dtype}; convert it with .astype(np.{dtype}), or pass a NumPy array, "
            "which is cast"
        )
    return t


def _layer_input(x: Any, weight: Tensor, op: str) -> Tensor:
    """The input of a layer with parameter ``weight``, by nn's dtype rule."""
    if isinstance(x, Tensor):
        return _same_dtype(x, weight.dtype, op, "input", "weight")
    return Tensor(np.asarray(x, dtype=weight.dtype))


def _float_target(target: Any, input: Tensor, op: str) -> Tensor:
    """A float target as a Tensor, by nn's dtype rule: arrays are cast to the
    input's dtype so float32 stays float32; a Tensor must match it."""
    if isinstance(target, Tensor):
        if target.dtype.kind != "f":
            raise TypeError(f"{op}: target must have a floating dtype, got {target.dtype}")
        return _same_dtype(target, input.dtype, op, "target", "input")
    arr = np.asarray(target)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{op}: target must be numeric, got dtype {arr.dtype}")
    # Followed by a compiled step's trace: the target is one of the step's inputs.
    return _trace.follow(Tensor(arr.astype(input.dtype, copy=False)))


def _same_shape(input: Tensor, target: Tensor, op: str) -> None:
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{op}: target shape {tuple(target.shape)} must match input shape "
            f"{tuple(input.shape)} (no broadcasting: (N, 1) against (N,) is a common bug)"
        )


# ------------------------------------------------------------------ layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` for ``weight`` of shape ``(out, in)``.

    One fused node of the engine (``autograd.ops.linalg.linear``), which also
    checks the shapes.
    """
    dtype = weight.dtype
    if isinstance(input, Tensor) and input.data.dtype == dtype:
        # nn's dtype rule checked inline for a Tensor input, the common case
        # (see Linear.forward for what it saves).
        if bias is not None and bias.dtype != dtype:
            _same_dtype(bias, dtype, "linear", "bias", "weight")
        return _linear(input, weight, bias)
    if bias is not None:
        _same_dtype(bias, dtype, "linear", "bias", "weight")
    return _linear(_layer_input(input, weight, "linear"), weight, bias)


def relu(input: Tensor) -> Tensor:
    """``max(x, 0)``; the gradient at 0 is 0, as in PyTorch."""
    return _tensor(input).relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``; gradient at 0: the slope (PyTorch's)."""
    input = _tensor(input)
    return autograd.where(input > 0, input, input * negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``."""
    return _tensor(input).sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return _tensor(input).tanh()


def softmax(input: Tensor, axis: int = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``."""
    return _tensor(input).softmax(axis=axis)


def log_softmax(input: Tensor, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``; finite for finite logits of any size."""
    return _tensor(input).log_softmax(axis=axis)


def dropout(
    input: Tensor, p: float = 0.5, training: bool = True, generator: Generatorish = None
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The identity when ``training`` is False or ``p == 0``; all zeros when ``p == 1``.
    ``generator`` (Generator, int seed or None for the global one) draws the mask.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    input = _tensor(input)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * np.zeros(input.shape, dtype=input.dtype)
    # Drawn through `live` so that a compiled step draws a fresh mask each call;
    # wrapped without the copy an operand array gets (no one else holds it).
    mask = _live(_dropout_scale, generator, input.shape, p, input.dtype)
    return input * _make(mask)


def _dropout_scale(
    generator: Generatorish, shape: tuple[int, ...], p: float, dtype: np.dtype
) -> np.ndarray:
    """Dropout's mask: 0 with probability ``p``, else ``1 / (1 - p)``."""
    keep = _get_generator(generator).random(shape) >= p
    return (keep / (1.0 - p)).astype(dtype)


# ------------------------------------------------------------------ losses
def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error ``(input - target) ** 2``, reduced.

    Unlike PyTorch (which warns and broadcasts), differing shapes are an error.
    """
    _check_reduction(reduction, "mse_loss")
    input = _tensor(input)
    target = _float_target(target, input, "mse_loss")
    _same_shape(input, target, "mse_loss")
    # One fused node instead of three (Sub, PowScalar, Mean), with the same bits: the
    # loss and its backward at batch 100 took 28.5 us, now 17.7 us; the tiny training
    # step (python -m benchmarks --clock cpu) went from 3.6-3.8x to 3.2-3.3x the floor.
    return _fused.MseLoss.apply(input, target, reduction=reduction)


def _class_targets(input: Tensor, target: Any, op: str) -> tuple[Tensor, np.ndarray]:
    """Validate class-index targets; return (input as (M, C), targets as (M,) int64)."""
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: class-index targets must have an integer dtype, got {t.dtype} "
            f"(use y.astype(np.int64); for class probabilities pass floats of the input's shape "
            f"{tuple(input.shape)})"
        )
    shape = tuple(input.shape)
    expected = () if len(shape) == 1 else (shape[0], *shape[2:])
    if t.shape != expected:
        raise ValueError(
            f"{op}: input of shape {shape} (class axis 1) needs targets of shape {expected}, "
            f"got {t.shape}"
        )
    if input.ndim == 1:
        flat = input.reshape(1, shape[0])
    elif input.ndim == 2:
        flat = input
    else:  # (N, C, d1, ...) -> (N * d1 * ..., C): classes on the last axis
        axes = (0, *range(2, input.ndim), 1)
        flat = input.transpose(*axes).reshape(-1, shape[1])
    return flat, t.reshape(-1).astype(np.int64)


def _class_weight(weight: Any, n_classes: int, dtype: np.dtype, op: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if w.shape != (n_classes,) or w.dtype.kind not in "iuf":
        raise ValueError(
            f"{op}: weight must be a numeric array of shape ({n_classes},), one per class; "
            f"got shape {w.shape} and dtype {w.dtype}"
        )
    return w.astype(dtype)


def _plain_targets(
    t: np.ndarray, n_classes: int, weight: Any, ignore_index: int, label_smoothing: float
) -> bool:
    """Every target a class index in range, none ignored, no weights, no smoothing:
    checked with two reductions instead of the six masks of the general case (3.4 us
    of a 39 us loss at batch 32, 2% of the small step)."""
    return bool(
        t.size
        and weight is None
        and label_smoothing == 0.0
        # One reduction for both bounds: as unsigned, a negative index is huge
        # (1.1 us against 1.8 us for a min and a max at batch 32).
        and np.maximum.reduce(t.view(np.uint64)) < n_classes
        and (not 0 <= ignore_index < n_classes or not (t == ignore_index).any())
    )


def _nll(
    logp: Tensor,
    t: np.ndarray,
    out_shape: tuple[int, ...],
    weight: np.ndarray | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
    op: str,
) -> Tensor:
    """Negative log-likelihood of class indices ``t`` under log-probabilities ``logp`` (M, C)."""
    n_classes = logp.shape[-1]
    if reduction != "none" and _plain_targets(t, n_classes, weight, ignore_index, label_smoothing):
        total = logp[np.arange(t.shape[0]), t].sum()
        return -total if reduction == "sum" else total * (-1.0 / t.shape[0])
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        i = int(np.argmax(bad))
        raise IndexError(
            f"{op}: target {int(t[i])} at position {i} is out of bounds for {n_classes} classes "
            f"(valid: 0..{n_classes - 1}, or ignore_index={ignore_index})"
        )
    rows = np.arange(t.shape[0])
    if weight is None and label_smoothing == 0.0 and reduction != "none" and valid.all():
        # The common case in three nodes (gather, sum, scale) instead of six.
        total = logp[rows, t].sum()
        return -total if reduction == "sum" else total * (-1.0 / t.shape[0])
    safe = np.where(valid, t, 0)
    w_row = np.ones(t.shape, logp.dtype) if weight is None else weight[safe]
    # Gather the target's log-probability; ignored rows are replaced by 0 with `where`
    # (not multiplied by 0), so a -inf log-probability there cannot turn into NaN.
    picked = logp[rows, safe]
    loss = autograd.where(valid, picked * (-w_row), 0.0)
    if label_smoothing > 0.0:
        wvec = np.ones(n_classes, logp.dtype) if weight is None else weight
        smooth = autograd.where(valid, (logp * (-wvec)).sum(axis=-1), 0.0)
        loss = loss * (1.0 - label_smoothing) + smooth * (label_smoothing / n_classes)
    if reduction == "none":
        return loss.reshape(*out_shape) if out_shape else loss.reshape(())
    total = loss.sum()
    if reduction == "sum":
        return total
    # PyTorch divides by the total weight of the non-ignored targets (their count
    # without class weights); 0 / 0 is NaN when every target is ignored.
    denom = float(w_row[valid].sum())
    return total / denom if denom != 0 else total * np.nan


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood loss: ``-input[n, target[n]]`` (times the class weight).

    ``input`` holds log-probabilities, shape ``(N, C)``, ``(C,)`` or
    ``(N, C, d1, ...)``; ``target`` holds integer class indices of shape ``(N,)``,
    ``()`` or ``(N, d1, ...)``. Targets equal to ``ignore_index`` contribute
    nothing, and ``'mean'`` divides by the (weighted) number of the others.
    """
    _check_reduction(reduction, "nll_loss")
    input = _tensor(input)
    flat, t = _class_targets(input, target, "nll_loss")
    w = _class_weight(weight, flat.shape[-1], input.dtype, "nll_loss")
    out_shape = np.asarray(target.data if isinstance(target, Tensor) else target).shape
    return _nll(flat, t, out_shape, w, ignore_index, reduction, 0.0, "nll_loss")


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and class indices or class probabilities.

    Computed from ``log_softmax`` over axis 1 (the class axis), so it is finite
    for logits of any size.

    Parameters
    ----------
    input : Tensor
        Logits of shape ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``.
    target : array_like or Tensor
        Integer class indices of shape ``(N,)`` (``()``, ``(N, d1, ...)``), or
        float class probabilities with the input's shape.
    weight : array_like, optional
        A weight per class, shape ``(C,)``.
    ignore_index : int
        Class-index targets equal to it contribute nothing; ``'mean'`` divides
        by the (weighted) count of the others. Not used with probabilities.
    reduction : {'mean', 'sum', 'none'}
    label_smoothing : float in [0, 1]
        Mixes the target with the uniform distribution: ``(1 - s) * target + s / C``.

    Returns
    -------
    Tensor
        A scalar, or one loss per sample for ``reduction='none'``.
    """
    if (
        weight is None
        and label_smoothing == 0.0
        and isinstance(input, Tensor)
        and isinstance(target, np.ndarray)
        and reduction in _REDUCTIONS
    ):
        # The common call (2-D logits, a 1-D array of class indices) without
        # the general path's repeated conversions, with the same checks and
        # the same target array: nn.CrossEntropyLoss() at batch 32 went from
        # 22.0 us to 19.6 us (the fused loss alone: 16.6 us).
        shape = input.data.shape
        if (
            len(shape) == 2
            and input.data.dtype.kind == "f"
            and target.dtype.kind in "iu"
            and target.shape == shape[:1]
        ):
            t = target.reshape(-1).astype(np.int64)
            if _plain_targets(t, shape[1], None, ignore_index, 0.0):
                return _fused.SoftmaxCrossEntropy.apply(input, _make(t), reduction=reduction)
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}"
        )
    input = _tensor(input)
    if input.ndim < 1 or input.dtype.kind != "f":
        raise TypeError(
            f"cross_entropy: input must be float logits of shape (N, C), got shape "
            f"{tuple(input.shape)} and dtype {input.dtype}"
        )
    class_axis = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_axis]
    w = _class_weight(weight, n_classes, input.dtype, "cross_entropy")
    t_shape = tuple(target.shape) if isinstance(target, Tensor) else np.shape(target)
    t_dtype = target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype
    if t_dtype.kind in "iu" and (t_shape != tuple(input.shape) or input.ndim == 1):
        flat, t = _class_targets(input, target, "cross_entropy")
        if _plain_targets(t, n_classes, w, ignore_index, label_smoothing):
            # The common case as one fused node (_fused.SoftmaxCrossEntropy) instead of
            # four (LogSoftmax, GetItem, Sum, a scaling): the loss and its backward at
            # 32 x 10 took 66 us, now 35.5 us; the small training step went from
            # 3.7-4.1x to 2.8-3.0x the floor (medians of six and four runs).
            loss = _fused.SoftmaxCrossEntropy.apply(flat, _make(t), reduction=reduction)
            return loss.reshape(t_shape) if reduction == "none" and loss.shape != t_shape else loss
    logp = input.log_softmax(axis=class_axis)
    if t_dtype.kind == "f" and t_shape == tuple(input.shape):
        # Class probabilities: -sum_c w_c * p_c * log q_c; 'mean' divides by the number of
        # samples (not by the weights), as in PyTorch.
        probs = _float_target(target, input, "cross_entropy")
        if label_smoothing > 0.0:
            probs = probs * (1.0 - label_smoothing) + label_smoothing / n_classes
        if w is not None:
            shape = [1] * input.ndim
            shape[class_axis] = n_classes
            probs = probs * w.reshape(shape)
        loss = -(logp * probs).sum(axis=class_axis)
        return _reduce(loss, reduction)
    if t_shape == tuple(input.shape) and input.ndim > 1:
        raise TypeError(
            f"cross_entropy: targets of the input's shape {t_shape} are class probabilities and "
            f"must be float, got dtype {t_dtype}; class indices have "
            f"shape {(input.shape[0], *input.shape[2:])}"
        )
    flat, t = _class_targets(logp, target, "cross_entropy")
    return _nll(flat, t, t_shape, w, ignore_index, reduction, label_smoothing, "cross_entropy")


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy on logits: ``-w [p y log s(x) + (1 - y) log(1 - s(x))]``.

    Computed as ``(1 - y) x + (1 + (p - 1) y) softplus(-x)`` with
    ``softplus(-x) = logsumexp([0, -x])``: finite for logits of any size and
    smooth at 0 (a form with ``max(x, 0)`` and ``|x|`` would need subgradients
    at 0 that do not add up to the true derivative).

    Parameters
    ----------
    input : Tensor
        Logits, any shape.
    target : array_like or Tensor
        Float targets in [0, 1], same shape as ``input``.
    weight : array_like, optional
        Rescales each element's loss (broadcast against ``input``).
    reduction : {'mean', 'sum', 'none'}
    pos_weight : array_like, optional
        Weight ``p`` of the positive term, broadcast along the last axis (one per class).
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, op)
    input = _tensor(input)
    if not isinstance(target, Tensor) and np.asarray(target).dtype.kind != "f":
        raise TypeError(
            f"{op}: target must be float (0.0 / 1.0 or probabilities), got dtype "
            f"{np.asarray(target).dtype}; use y.astype(np.float32 or np.float64)"
        )
    target = _float_target(target, input, op)
    _same_shape(input, target, op)
    softplus_neg = autograd.stack([autograd.zeros_like(input), -input], axis=-1).logsumexp(axis=-1)
    if pos_weight is None:
        loss = (1.0 - target) * input + softplus_neg
    else:
        pw = np.asarray(pos_weight.data if isinstance(pos_weight, Tensor) else pos_weight)
        log_weight = (target * (pw.astype(input.dtype) - 1.0)) + 1.0
        loss = (1.0 - target) * input + log_weight * softplus_neg
    if weight is not None:
        w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
        loss = loss * w.astype(input.dtype)
    return _reduce(loss, reduction)


# ------------------------------------------------- convolution, pooling, ...
# Defined in their own modules (this one holds the activations and losses);
# imported last because those modules import the functions above.
from nn.attention import scaled_dot_product_attention  # noqa: E402
from nn.conv import conv1d, conv2d, conv_transpose2d  # noqa: E402
from nn.embedding import embedding, one_hot  # noqa: E402
from nn.norm import batch_norm, group_norm, layer_norm, rms_norm  # noqa: E402
from nn.pooling import (  # noqa: E402
    adaptive_avg_pool2d,
    avg_pool2d,
    dropout2d,
    fold,
    interpolate,
    max_pool2d,
    unfold,
)

__all__ += [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "dropout2d",
    "embedding",
    "fold",
    "group_norm",
    "interpolate",
    "layer_norm",
    "max_pool2d",
    "one_hot",
    "rms_norm",
    "scaled_dot_product_attention",
    "unfold",
]

# -- Activations, more losses, distances and padding: defined in nn.activations,
# nn.losses_extra and nn.distances (imported last: they use the helpers above).
# softmax and log_softmax there add PyTorch's dim= and dtype= to the ones above.
from nn.activations import (  # noqa: E402, F811
    celu,
    elu,
    gelu,
    glu,
    hardsigmoid,
    hardswish,
    hardtanh,
    log_softmax,
    logsigmoid,
    mish,
    relu6,
    selu,
    silu,
    softmax,
    softmin,
    softplus,
    softsign,
    threshold,
)
from nn.distances import (  # noqa: E402
    cosine_similarity,
    normalize,
    pad,
    pairwise_distance,
)
from nn.losses_extra import (  # noqa: E402
    binary_cross_entropy,
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
)

__all__ += [
    "binary_cross_entropy",
    "celu",
    "cosine_embedding_loss",
    "cosine_similarity",
    "elu",
    "gaussian_nll_loss",
    "gelu",
    "glu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "logsigmoid",
    "margin_ranking_loss",
    "mish",
    "normalize",
    "pad",
    "pairwise_distance",
    "poisson_nll_loss",
    "relu6",
    "selu",
    "silu",
    "smooth_l1_loss",
    "soft_margin_loss",
    "softmin",
    "softplus",
    "softsign",
    "threshold",
    "triplet_margin_loss",
]
