"""Version counters: how many times the library has changed an array's memory in place.

A counter belongs to a block of memory (a NumPy array that owns its data, the
*root* of every view on it), not to a Tensor: a view, a ``detach()``-ed copy
and the tensor they came from share one counter, as in PyTorch. Every change
the library makes in place bumps it: the in-place ops, ``x[idx] = v``,
optimizer steps, ``load_state_dict`` and the ``nn.init`` functions.

Assigning ``x.data = array`` replaces the memory rather than changing it, and
is not intercepted (a hook on every attribute write would cost about 0.35 us
per Tensor created): a node keeps the arrays it saved, so a first-order
backward pass still computes the gradient of what was recorded, and a
recorded (``create_graph=True``) one, which needs the Tensor, refuses it.

A node does not copy the versions of what it saves: it notes the global
*tick* (how many bumps have happened anywhere) when it saves. If the tick has
not moved by the time the backward pass reaches the node, which is the usual
case (forward, backward, then the optimizer step), nothing it saved can have
changed, and the check is that one integer comparison. Otherwise each saved
array's counter says whether it was bumped after the node's tick, and what
version it had then (the ticks of a storage's last bumps are kept).
"""

from __future__ import annotations

import itertools
import weakref
from collections import deque
from typing import Any

import numpy as np


class _Clock:
    """``tick``: the tick of the latest bump, in any thread."""

    __slots__ = ("tick",)

    def __init__(self) -> None:
        self.tick = 0


clock = _Clock()
# Ticks come from one counter whose next() is atomic: two bumps never share a
# tick, and a node that saves after a bump always notes a later tick, so a
# bump that came before a save is never taken for one after it. No lock is
# taken: two threads bumping the same memory at once race on the memory itself.
next_tick = itertools.count(1).__next__

# How many of a storage's bump ticks are kept: enough to name the version a
# node saw unless the storage changed more often than this since.
_HISTORY = 64

# id(root array) -> [weak reference to it, version, ticks of the last bumps].
# The reference's callback drops the entry when the array dies, before its
# id can be reused, so an entry found is always the array's own.
_table: dict[int, list[Any]] = {}


def root(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (``a`` itself if it owns it)."""
    base = a.base
    while isinstance(base, np.ndarray):
        a = base
        base = a.base
    return a


def _entry(a: np.ndarray) -> list[Any] | None:
    return _table.get(id(root(a)))


def bump(a: np.ndarray) -> None:
    """Count one in-place change of the array ``a`` and of every view of its memory."""
    if a.base is not None:
        a = root(a)
    e = _table.get(id(a))
    if e is None:
        key = id(a)
        e = _table[key] = [
            weakref.ref(a, lambda _, key=key: _table.pop(key, None)),
            0,
            deque(maxlen=_HISTORY),
        ]
    t = next_tick()
    e[1] += 1
    e[2].append(t)
    clock.tick = t


def version(a: np.ndarray) -> int:
    """How many in-place changes the library has made to the memory of the array ``a``."""
    e = _entry(a)
    return 0 if e is None else e[1]


def changed_since(a: np.ndarray, tick: int) -> tuple[int, int | None] | None:
    """``(version now, version at tick)`` if ``a``'s memory was bumped after
    ``tick``, else ``None``. The old version is ``None`` when it is older than
    the history kept."""
    e = _entry(a)
    if e is None or not e[2] or e[2][-1] <= tick:
        return None
    ticks = e[2]
    later = sum(1 for t in ticks if t > tick)
    if later == len(ticks) and e[1] > len(ticks):
        return e[1], None
    return e[1], e[1] - later


def modified_message(op: str, what: str, a: Any, now: int, then: int | None) -> str:
    """The error for a saved value changed after it was saved (PyTorch's wording)."""
    expected = f"version {then}" if then is not None else f"a version below {now - _HISTORY}"
    return (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{a.dtype} tensor of shape {tuple(a.shape)}], which is {what} "
        f"of {op}, is at version {now}; expected {expected} instead. Hint: it was changed in "
        "place (an in-place op such as add_ or x[idx] = v, an optimizer step, "
        "load_state_dict or an nn.init function) after the forward pass saved it; call "
        "backward before changing it, or compute with a copy. autograd.detect_anomaly() "
        "names the line that created the operation."
    )


class Stale:
    """Stands in for a saved value that was changed in place: using it raises.

    A rule often saves more than it uses (``Mul`` saves both operands but
    needs ``a`` only for ``b``'s gradient), so a changed value is an error only
    when the rule touches it, which is PyTorch's behaviour too.
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(self.message)

    def __getattr__(self, name: str) -> Any:
        if name == "message":  # pragma: no cover - the slot is always set
            raise AttributeError(name)
        raise RuntimeError(self.message)

    __array__ = __bool__ = __len__ = __iter__ = __getitem__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __abs__ = _fail
    __matmul__ = __rmatmul__ = __lt__ = __le__ = __gt__ = __ge__ = _fail
    __eq__ = __ne__ = _fail  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]


def check_writable(param_groups: Any, op: str) -> None:
    """Raise before an update if any parameter with a gradient is read-only,
    so that a step changes all of its parameters or none."""
    for group in param_groups:
        for p in group["params"]:
            if not p.data.flags.writeable and p._grad is not None:
                i = next(k for k, q in enumerate(group["params"]) if q is p)
                raise ValueError(
                    f"{op}: parameter {i} of a group (shape {p.data.shape}) is read-only; "
                    "no parameter was changed"
                )
