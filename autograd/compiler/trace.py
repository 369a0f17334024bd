"""Recording one eager call of a step: the operations, the backward pass, the updates.

A :class:`Tracer` is active (``current``) while :func:`autograd.compile`
runs a step eagerly. It sees

- every recorded operation, through :func:`autograd.function.add_record_hook`
  (node, output, inputs, in the order they ran);
- the backward pass: the recorded nodes' ``backward`` is wrapped on each
  node object (not on the class), so the first rule that runs marks where
  in the step the pass happened and hands over its seed gradient;
- every optimizer update, every module call, every random draw and every
  learning-rate scheduler step, through the one-line notes in ``nn``
  (:func:`note_optimizer` and friends, each a no-op when nothing is traced).

What the tracer cannot follow (a second backward pass in one step,
``create_graph``, ``retain_grad``, gradients accumulating into existing
``.grad``) is written down in :attr:`Tracer.problems`; a step with a problem
runs eagerly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.function import Function
from autograd.tensor import Tensor

#: The tracer of the step being recorded, or None. One at a time: a step
#: compiled inside another step's trace runs eagerly.
current: Tracer | None = None


class Node:
    """One recorded operation: the Function, its output array and its inputs."""

    __slots__ = ("extra", "fn", "index", "index_expr", "inputs", "out")

    def __init__(self, index: int, fn: Function, out: Tensor, inputs: tuple[Tensor, ...]):
        self.index = index
        self.fn = fn
        self.out = out
        self.inputs = inputs
        self.index_expr = ""  # GetItem: the index as source, set by the program
        self.extra: Any = None  # what a forward leaves for its backward


class Tracer:
    """What one eager call of the step did, in order (see the module docstring)."""

    def __init__(self, input_tensors: list[Tensor | None], input_arrays: list[Any]) -> None:
        self.thread = threading.get_ident()  # other threads' operations are not the step's
        self.input_tensors = input_tensors
        self.input_arrays = input_arrays
        self.events: list[tuple[Any, ...]] = []
        self.nodes: dict[int, Node] = {}  # id(Function) -> Node
        self.live: dict[int, tuple[np.ndarray, Callable[..., np.ndarray], tuple[Any, ...]]] = {}
        self.modules: list[Any] = []
        self._module_ids: set[int] = set()
        self.problems: list[str] = []
        self.leaves: dict[int, Tensor] = {}  # parameters: leaves that require grad
        self.cleared: set[int] = set()  # ids of leaves whose .grad the step reset
        self.followed: list[Tensor] = []  # see follow()
        self._in_backward = False
        self.backward_count = 0

    # -- hooks -----------------------------------------------------------
    def on_record(self, fn: Function, out: Tensor, inputs: tuple[Tensor, ...]) -> None:
        if threading.get_ident() != self.thread:
            return
        self._in_backward = False
        node = Node(len(self.nodes), fn, out, tuple(inputs))
        self.nodes[id(fn)] = node
        self.events.append(("op", node))
        for t in inputs:
            if t.requires_grad and t.grad_fn is None:
                self.leaves.setdefault(id(t), t)
        rule = fn.backward

        def backward(g: Any, _rule: Any = rule, _fn: Function = fn) -> Any:
            self.on_rule(_fn, g)
            return _rule(g)

        try:
            fn.backward = backward  # type: ignore[method-assign]
        except AttributeError:
            self.problems.append(f"cannot observe the backward rule of {fn.name}")

    def on_rule(self, fn: Function, g: Any) -> None:
        if isinstance(g, Tensor):
            self.problems.append("backward(create_graph=True) is not compiled")
        if fn.retains_grad:
            self.problems.append("retain_grad() on an intermediate tensor is not compiled")
        if self._in_backward:
            return
        self._in_backward = True
        self.backward_count += 1
        if self.backward_count > 1:
            self.problems.append("more than one backward pass in one step is not compiled")
        grads_set = [
            t for t in self.leaves.values() if t.grad is not None and not self._is_input(t)
        ]
        if grads_set:
            self.problems.append(
                "gradients accumulate into existing .grad (call zero_grad() in the step); "
                "accumulation across calls is not compiled"
            )
        self.events.append(("backward", self.nodes.get(id(fn)), g))

    def note_optimizer(self, optimizer: Any) -> None:
        self._in_backward = False
        has_grad = {
            id(p): p.grad is not None for group in optimizer.param_groups for p in group["params"]
        }
        self.events.append(("optim", optimizer, has_grad))

    def note_module(self, module: Any) -> None:
        if id(module) not in self._module_ids:
            self._module_ids.add(id(module))
            self.modules.append(module)

    def note_live(self, array: np.ndarray, fn: Callable[..., np.ndarray], args: tuple) -> None:
        self.live[id(array)] = (array, fn, args)

    def _is_input(self, t: Tensor) -> bool:
        return any(t is s for s in self.input_tensors) or any(t is s for s in self.followed)

    def restore(self) -> None:
        """Unwrap the backward rules of the recorded nodes; unfollow tensors."""
        for node in self.nodes.values():
            node.fn.__dict__.pop("backward", None)
        for t in self.followed:
            t.requires_grad = False
            t.grad = None


# -- notes called from nn (each a no-op unless a step is being traced) --------


def note_optimizer(optimizer: Any) -> None:
    """An optimizer's ``step()`` is about to update its parameters."""
    if current is not None and current.thread == threading.get_ident():
        current.note_optimizer(optimizer)


def note_cleared(params: Any) -> None:
    """``zero_grad`` reset the ``.grad`` of ``params`` (an iterable of Tensors)."""
    if current is not None and current.thread == threading.get_ident():
        current.cleared.update(id(p) for p in params)


def note_module(module: Any) -> None:
    """A module was called (its ``training`` flag becomes a guard)."""
    if current is not None and current.thread == threading.get_ident():
        current.note_module(module)


def unsupported(reason: str) -> None:
    """Something the replay cannot repeat happened in the step; it stays eager."""
    if current is not None and current.thread == threading.get_ident():
        current.problems.append(reason)


def follow(t: Tensor) -> Tensor:
    """Record every operation on ``t`` while tracing, as for a Tensor argument.

    For Tensors that ``nn`` makes from the step's arguments (a target array
    turned into a Tensor): an operation on them alone, such as ``1 - y``,
    would otherwise not be recorded and its result would be frozen.
    """
    if (
        current is not None and current.thread == threading.get_ident() and not t.requires_grad
    ) and t.data.dtype.kind == "f":
        current.followed.append(t)
        t.requires_grad = True
    return t


def live(fn: Callable[..., np.ndarray], *args: Any) -> np.ndarray:
    """Return ``fn(*args)``; a compiled step calls ``fn`` again at every replay.

    For values that must be fresh at every step, such as dropout's random
    mask: a traced step would otherwise replay the first call's array.
    """
    out = fn(*args)
    if current is not None and current.thread == threading.get_ident():
        current.note_live(out, fn, args)
    return out
