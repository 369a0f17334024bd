"""The backward pass: vector-Jacobian products in reverse topological order.

The graph is walked without recursion: one pass counts, for every node, how
many consumers will send it a gradient; a second pass runs a node's rule once
all of them have (Kahn's algorithm). Both passes are linear in the size of
the graph and key nodes by identity, so a chain a million operations deep is
fine. Broadcasting is undone here, in one place, for every rule.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.function import _FREED, Function, _freed_message, _modes, check_output
from autograd.ops.dual import array
from autograd.tensor import Tensor, _make, _to_array
from autograd.versions import clock as _clock

# Held while a backward pass adds its gradients into the leaves' .grad:
# threads whose passes share a leaf must not lose each other's additions.
# Taken once per pass (about 0.3 us), not once per leaf.
__all__ = ["backward", "grad"]

_accumulate_lock = threading.Lock()
_add_reduce = np.add.reduce


def _add(a: Any, b: Any) -> Any:
    """The sum of two gradients reaching one node. Arrays are added by the
    ufunc, as a compiled step adds them: ``+`` on two NumPy scalars (what
    arithmetic on 0-d arrays gives) runs NumPy's scalar arithmetic, which keeps
    the second operand's NaN where both are NaN (the ufunc keeps the first)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return a + b
    return np.add(a, b)


def _unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` (a Tensor or an array) over the axes that broadcasting added
    or stretched to reach its shape from ``shape``."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        # On arrays the ufunc's reduce: np.sum's bytes without its Python layers.
        g = (
            _add_reduce(g, axes, None, None, True)
            if type(g) is np.ndarray
            else g.sum(axis=axes, keepdims=True)
        )
    if g.shape != shape:
        g = g.reshape(shape)
    return g


def _count_consumers(starts: Sequence[Any]) -> dict[int, int]:
    """For each node reachable from ``starts``: how many edges point at it.

    Leaves are Tensors, whose ``next_functions`` is empty, so the walk needs
    no type test; ``starts`` are entered with 0 so that one start reached
    from another is expanded only once.
    """
    # Loops, not comprehensions: on Python 3.11 each comprehension is a
    # function call of its own.
    consumers = {}
    for n in starts:
        consumers[id(n)] = 0
    stack = list(starts)
    while stack:
        for nxt in stack.pop().next_functions:
            if nxt is not None:
                key = id(nxt)
                if key in consumers:
                    consumers[key] += 1
                else:
                    consumers[key] = 1
                    stack.append(nxt)
    return consumers


def _site(node: Function) -> str:
    frame = node.created_at
    return "" if frame is None else f", created at {frame.filename}:{frame.lineno} ({frame.line})"


def _forward_origin(node: Function) -> Function | None:
    """The nearest op at or upstream of ``node`` whose forward pass made an inf
    or NaN out of finite inputs: a non-finite gradient is often its echo."""
    seen = {id(node)}
    queue = [node]
    while queue:
        n = queue.pop(0)
        if getattr(n, "made_nonfinite", False):
            return n
        for nxt in n.next_functions:
            if isinstance(nxt, Function) and id(nxt) not in seen:
                seen.add(id(nxt))
                queue.append(nxt)
    return None


def _check_finite(node: Function, grads: Sequence[Any]) -> None:
    for i, g in enumerate(grads):
        if g is not None and not np.all(np.isfinite(array(g))):
            message = (
                f"detect_anomaly: the backward of {node.name}{_site(node)} produced a "
                f"non-finite gradient for its input {i}"
            )
            origin = _forward_origin(node)
            if origin is not None:
                message = (
                    f"detect_anomaly: the forward of {origin.name}{_site(origin)} produced "
                    "a non-finite value (inf or NaN) from finite inputs; "
                    + message.removeprefix("detect_anomaly: ")
                    + " from it"
                )
            raise RuntimeError(message)


def _run(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, int] | None,
) -> list[Any] | None:
    """Propagate ``root_grads`` from ``roots`` to the leaves.

    Gradients travel as Tensors when ``create_graph`` (so the rules record a
    graph) and as plain arrays otherwise (see :mod:`autograd.function`).
    With ``capture`` (``id(node) -> position``) the gradients reaching those
    nodes are returned and no leaf's ``.grad`` is touched (``autograd.grad``);
    without it they accumulate into the leaves (``Tensor.backward``).
    """
    buffers: dict[int, Any] = {}
    take = buffers.pop
    # A ready node travels with its gradient: a node with one consumer (most
    # of them) gets its gradient handed over without a stop in ``buffers``.
    # With the loops below instead of comprehensions: add + backward on a
    # one-element array 8.9 -> 8.3 us, mul 10.2 -> 9.5, exp 7.6 -> 7.1.
    if len(roots) == 1:
        # One root (Tensor.backward, a one-output grad): nothing reaches it
        # from inside the graph, so it is ready at once (add + backward on
        # one element 7.5 -> 7.1 us, mul 8.6 -> 8.2).
        node: Any = roots[0].grad_fn or roots[0]
        consumers = _count_consumers((node,))
        ready = [(node, root_grads[0])]
    else:
        starts = []
        for r, seed in zip(roots, root_grads):
            node = r.grad_fn or r
            key = id(node)
            # A Tensor under create_graph, else an array (see _as_grad).
            if key in buffers:
                buffers[key] = _add(buffers[key], seed)
            else:
                buffers[key] = seed
                starts.append(node)
        consumers = _count_consumers(starts)
        ready = []
        for n in starts:
            if consumers[id(n)] == 0:
                ready.append((n, take(id(n))))
    captured: list[Any] | None = None if capture is None else [None] * len(capture)
    check = _modes.anomaly
    pending: list[tuple[Tensor, Any]] = []
    # Local names for what every node uses: a chain of 100,000 nodes runs
    # this loop 100,000 times.
    clock = _clock
    freed = _FREED
    function = Function

    previous_mode = _modes.enabled
    _modes.enabled = create_graph
    try:
        while ready:
            node, g = ready.pop()
            if capture is not None:
                key = id(node)
                if key in capture:
                    captured[capture[key]] = g  # type: ignore[index]
            if not isinstance(node, function):
                if capture is None and g is not None:
                    pending.append((node, g))
                continue
            edges = node.next_functions
            if g is None:
                # No gradient reached this node (its consumers sent none):
                # skip its rule, but still let its inputs become ready.
                grads: Any = (None,) * len(edges)
                if not retain_graph:
                    node.release()
            else:
                if node.retains_grad and capture is None:
                    out = node.output_tensor()
                    if out is not None:
                        pending.append((out, g))
                if node._saved is freed:
                    raise RuntimeError(_freed_message(node))
                tick = node._tick
                if tick is not None and clock.tick > tick:
                    # Something was changed in place since this node saved
                    # its values; saved inputs are checked as the rule uses them.
                    check_output(node)
                grads = node.backward(g)
                if type(grads) is not tuple:
                    grads = (grads,)
                if len(grads) != len(edges):
                    raise RuntimeError(
                        f"function {node.name}.backward returned an incorrect number of "
                        f"gradients (expected {len(edges)}, one per input, "
                        f"got {len(grads)})"
                    )
                if not retain_graph:
                    node.release()
                if check:
                    _check_finite(node, grads)
            meta = node._meta  # the output's (shape, dtype), then each input's, flat
            i = 0
            for nxt, gi in zip(edges, grads):
                i += 2
                if nxt is None:
                    continue
                if gi is not None:
                    shape = meta[i]
                    if gi.shape != shape:
                        gi = _unbroadcast(_checked(node, gi, shape, (i >> 1) - 1), shape)
                    dtype = meta[i + 1]
                    if gi.dtype is not dtype and gi.dtype != dtype:
                        gi = gi.astype(dtype)
                nkey = id(nxt)
                remaining = consumers[nkey] - 1
                if remaining:
                    consumers[nkey] = remaining
                    if gi is not None:
                        buffers[nkey] = _add(buffers[nkey], gi) if nkey in buffers else gi
                else:
                    if buffers and nkey in buffers:
                        earlier = take(nkey)
                        gi = earlier if gi is None else _add(earlier, gi)
                    if isinstance(nxt, function):
                        ready.append((nxt, gi))
                    # A leaf has nothing to propagate: it goes straight to the
                    # accumulation (or the capture), not through ``ready``
                    # (add + backward on one element 7.8 -> 7.5 us).
                    elif capture is None:
                        if gi is not None:
                            pending.append((nxt, gi))
                    elif nkey in capture:
                        captured[capture[nkey]] = gi  # type: ignore[index]
            # Drop this node's gradients now: _exclusive counts references.
            grads = gi = None
        if pending:
            g = None
            # One lock per backward pass, taken for the additions only: threads
            # whose passes share a leaf lose none of each other's gradients.
            with _accumulate_lock:
                while pending:
                    leaf, g = pending.pop()
                    _accumulate(leaf, g)
    finally:
        _modes.enabled = previous_mode
    return captured


def _checked(node: Function, g: Any, shape: tuple[int, ...], position: int) -> Any:
    """``g`` if it can be summed back to ``shape`` (broadcasting ``shape``
    reaches it), else a clear error naming the rule that returned it."""
    if not hasattr(g, "shape"):
        raise RuntimeError(
            f"function {node.name}.backward returned a {type(g).__name__} as the gradient "
            f"of input {position}; expected an array or Tensor of shape {shape}"
        )
    try:
        fits = np.broadcast_shapes(shape, g.shape) == g.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"function {node.name}.backward returned an invalid gradient for input "
            f"{position}: got shape {g.shape}, but the input has shape {shape} (a gradient "
            "must have the input's shape, or a shape that the input broadcasts to)"
        )
    return g


def _accumulate(t: Tensor, g: Any) -> None:
    """Add ``g`` (a Tensor under create_graph, else an array) into ``t.grad``.

    A gradient handed out is never mutated later: accumulation makes a new
    array, and a first gradient that someone else also holds is copied.
    """
    if type(g) is not np.ndarray:
        if isinstance(g, Tensor):
            if t._grad is None:
                t._grad = g if g.requires_grad else _make(g.data.copy())
            else:
                t._grad = t._grad + g
            return
        # Arithmetic on 0-d arrays gives NumPy scalars (np.float64), which
        # are not arrays: a .grad must always hold an ndarray.
        g = np.asarray(g)
    old = t._grad
    if old is None:
        t._grad = _make(g if _exclusive(g) else g.copy())
    else:
        t._grad = _make(np.asarray(old.data + g))


# What ``sys.getrefcount`` reports inside _exclusive for an unshared
# gradient array: it is held by _run's local, _accumulate's and _exclusive's
# arguments and getrefcount's own; the memory owner of a view by the view,
# the local ``base`` and getrefcount's argument.
_ARRAY_REFS, _BASE_REFS = 4, 3


def _exclusive(g: np.ndarray) -> bool:
    """True when nothing but the engine refers to ``g`` or its memory.

    Such a gradient can become a leaf's ``.grad`` without a copy. A rule may
    hand one array to several inputs (``Add`` returns ``(g, g)``) or return a
    view of an array someone else holds (``Reshape``); PyTorch copies in
    those cases too. Skipping the copy otherwise saves one allocation per
    parameter per training step; when in doubt (or off CPython), copy.
    """
    if _getrefcount is None or not g.flags.writeable:
        return False  # not writeable: a broadcast view (from sum's rule)
    if _getrefcount(g) > _ARRAY_REFS:
        return False
    base = g.base
    return base is None or _getrefcount(base) <= _BASE_REFS


_getrefcount = getattr(sys, "getrefcount", None)


_ONES: dict[tuple[Any, ...], np.ndarray] = {}


def _ones(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A new array of ones: copying a cached one costs a fifth of ``np.ones``."""
    key = (shape, dtype)
    one = _ONES.get(key)
    if one is None:
        one = _ONES[key] = np.ones(shape, dtype=dtype)
    return one.copy()


def _as_grad(grad: Any, root: Tensor, create_graph: bool, what: str) -> Any:
    """Check (or create, for one-element roots) the gradient seeding ``root``:
    a Tensor when ``create_graph``, else its array (what ``_run`` propagates)."""
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"{what}: grad can be implicitly created only for outputs with one element; "
                f"this output has shape {root.data.shape}, so pass a gradient of that shape"
            )
        # The bare array unless recorded: no Tensor made only to be unwrapped
        # (with it, add + backward on one element 8.3 -> 8.1 us).
        one = _ones(root.data.shape, root.data.dtype)
        return _make(one) if create_graph else one
    g = grad if isinstance(grad, Tensor) else _make(_to_array(grad))
    if g.data.shape != root.data.shape:
        raise RuntimeError(
            f"{what}: the gradient has shape {g.data.shape} but the output has shape "
            f"{root.data.shape}; they must match"
        )
    if g.data.dtype != root.data.dtype:
        g = _make(g.data.astype(root.data.dtype))
    elif not create_graph:
        return g.data.copy()
    return g if create_graph else g.data


def backward(
    roots: Sequence[Tensor],
    grads: Sequence[Any],
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradients of ``roots`` into the leaves' ``.grad``."""
    for r in roots:
        if not r.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no grad_fn; "
                "create its inputs with requires_grad=True"
            )
    seeds = []
    for r, g in zip(roots, grads):
        seeds.append(_as_grad(g, r, create_graph, "backward"))
    if retain_graph is None:
        retain_graph = create_graph
    _run(roots, seeds, retain_graph, create_graph, None)


def backward_one(root: Tensor, grad: Any, retain_graph: bool | None, create_graph: bool) -> None:
    """:func:`backward` for one root (``Tensor.backward``), without the lists:
    add + backward on one element 8.1 -> 7.7 us."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; "
            "create its inputs with requires_grad=True"
        )
    seed = _as_grad(grad, root, create_graph, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    _run((root,), (seed,), retain_graph, create_graph, None)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned, not accumulated.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensors
        What to differentiate.
    inputs : Tensor or sequence of Tensors
        With respect to what; leaves or intermediate tensors.
    grad_outputs : Tensor, array or sequence of them, optional
        The vector of each vector-Jacobian product; may be omitted for
        outputs with one element.
    retain_graph : bool, optional
        Keep the graph for another backward pass. Defaults to ``create_graph``.
    create_graph : bool
        Record this computation so that the result can be differentiated.
    allow_unused : bool
        Return ``None`` for an input the outputs do not depend on, instead of
        raising.

    Returns
    -------
    tuple of Tensor
        One gradient per input. Every ``.grad`` attribute is left untouched.
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        gouts: list[Any] = [None] * len(outs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)) and len(outs) == 1:
        gouts = [grad_outputs]
    else:
        gouts = list(grad_outputs)
    if len(gouts) != len(outs):
        raise ValueError(
            f"grad: got {len(gouts)} grad_outputs for {len(outs)} outputs; they must match"
        )
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    for o in outs:
        if not o.requires_grad:
            raise RuntimeError(
                "grad: an output does not require grad; it does not depend on any input "
                "that requires grad"
            )
    seeds = [_as_grad(g, o, create_graph, "grad") for o, g in zip(outs, gouts)]
    capture: dict[int, int] = {}
    keys = []
    for t in ins:
        key = id(t.grad_fn if t.grad_fn is not None else t)
        keys.append(key)
        capture.setdefault(key, len(capture))
    if retain_graph is None:
        retain_graph = create_graph
    captured = _run(outs, seeds, retain_graph, create_graph, capture)
    assert captured is not None
    result: list[Tensor | None] = []
    handed_out: set[int] = set()
    for i, key in enumerate(keys):
        g = captured[capture[key]]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
        elif not isinstance(g, Tensor):
            g = np.asarray(g)  # a NumPy scalar from a 0-d rule becomes an array
            # Arrays (no create_graph): never return two results sharing memory.
            root = g if g.base is None else g.base
            g = _make(g.copy() if id(root) in handed_out else g)
            handed_out.add(id(root))
        result.append(g)
    return tuple(result)
