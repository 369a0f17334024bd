"""``keep_intermediates``: keep every intermediate value and gradient for drawing.

The engine deliberately forgets intermediate results: a node keeps no
reference to its output, and backward stores gradients only in leaves (and in
tensors that called ``retain_grad()``). That is right for training, but a
picture meant to explain backpropagation wants every value and every gradient.

Inside ``with viz.keep_intermediates():`` each recorded operation keeps its
output tensor and its constant inputs alive and retains its output's
gradient, so ``draw_graph`` can show them all. The tensors stay alive as long
as the graph does (the output you keep, e.g. ``loss``), so use it for the
small graphs you want to look at, not for a training loop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from autograd.function import Function, add_record_hook, remove_record_hook
from autograd.tensor import Tensor

# Attribute names stored in a node's __dict__ (Function nodes have one).
OUTPUT_ATTR = "_viz_output"
CONSTANTS_ATTR = "_viz_constants"

_lock = threading.Lock()
_depth = 0


def _keep(fn: Function, out: Tensor, inputs: tuple[Tensor, ...]) -> None:
    if fn.__dict__.get(OUTPUT_ATTR) is None:
        # The node -> output reference is a cycle (output.grad_fn is the node);
        # Python's cycle collector frees both once the user drops the graph.
        fn.__dict__[OUTPUT_ATTR] = out
        fn.__dict__[CONSTANTS_ATTR] = tuple(
            t if isinstance(t, Tensor) and need is None else None
            for t, need in zip(inputs, fn.next_functions)
        )
        fn.retains_grad = True
        fn.track_output(out)


@contextmanager
def keep_intermediates() -> Iterator[None]:
    """Record operations so that their values and gradients can be drawn.

    Every operation recorded inside the block keeps its output tensor (with
    its ``grad`` after backward) and its constant inputs (tensors that need no
    gradient, such as the input batch and the targets), so that
    :func:`viz.draw_graph` can show their values instead of only shapes.

    The switch is process-wide while the block runs (operations recorded by
    other threads are kept too) and blocks may be nested.

    Examples
    --------
    >>> with viz.keep_intermediates():
    ...     loss = nn.MSELoss()(model(x), y)
    >>> loss.backward()
    >>> viz.draw_graph(loss, params=model)   # every node shows data and grad
    """
    global _depth
    with _lock:
        if _depth == 0:
            add_record_hook(_keep)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                remove_record_hook(_keep)


def kept_output(fn: Function) -> Tensor | None:
    """The output of ``fn``: kept by :func:`keep_intermediates`, or still held by the user."""
    out = fn.__dict__.get(OUTPUT_ATTR)
    if out is not None:
        return out
    try:
        return fn.output_tensor()
    except AttributeError:  # a node built by hand, without a weak reference
        return None


def kept_constant(fn: Function, index: int) -> Tensor | None:
    """The constant input ``index`` of ``fn`` if :func:`keep_intermediates` kept it."""
    constants = fn.__dict__.get(CONSTANTS_ATTR)
    if constants is None or index >= len(constants):
        return None
    return constants[index]
