"""The ``Function`` base class of every primitive operation.

A primitive is a subclass of :class:`Function` with two methods side by side:

``forward(self, *inputs, **params)``
    receives the input Tensors, computes on their NumPy arrays and returns the
    output array. Whatever the derivative needs is saved with
    :meth:`Function.save_for_backward` (input Tensors) and, when the output is
    cheaper to reuse than to recompute, :meth:`Function.save_output`.

``backward(self, grad)``
    receives the gradient of the output and returns one gradient per input (a
    single value for a unary op), ``None`` where an input needs none. It never
    undoes broadcasting: the engine sums each gradient back to its input's
    shape (see :mod:`autograd.engine`).

A rule is written once, with operations that Tensors and NumPy arrays share
(operators, ``.sum``, ``.reshape``, ``.transpose``, ``.T``, indexing) and the
few helpers of :mod:`autograd.ops.dual` (``exp``, ``where``, ...). When the
backward pass is recorded (``create_graph=True``) the engine hands the rule
Tensors, so the pass is itself a graph that can be differentiated again, to
any order. Otherwise it hands the rule plain arrays: ``g``, :attr:`saved` and
:meth:`output` are then ``ndarray``s and the rule costs exactly its NumPy
calls. (Running the rules on Tensors with recording off cost a node and a
Tensor per NumPy call: about 40% of a small training step.)
"""

from __future__ import annotations

import os
import traceback
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

# The grad modes live in their own module; they stay importable from here.
from autograd.grad_mode import (
    _modes,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

if TYPE_CHECKING:
    from autograd.tensor import Tensor

__all__ = [
    "PRIMITIVES",
    "Function",
    "add_record_hook",
    "detect_anomaly",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "remove_record_hook",
    "set_grad_enabled",
]


# The library's three packages sit side by side (in a checkout and in
# site-packages); a frame in any of them is the library's, not the user's.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(os.path.join(_ROOT, name) + os.sep for name in ("autograd", "nn", "viz"))

# Marks a node whose saved values were released by a backward pass.
_FREED = object()
_F64 = np.dtype(np.float64)
_new = object.__new__


def _user_frame() -> traceback.FrameSummary | None:
    """The innermost stack frame outside autograd, nn and viz: the user's line
    that led to this operation (``nn.MSELoss()(...)``, not ``nn/functional.py``)."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_LIBRARY_DIRS):
            return frame
    return None


def _same_float_dtype(data: np.ndarray, inputs: tuple[Any, ...]) -> np.ndarray:
    """A 0-d float64 result of float32 (or float16) inputs, cast back: NumPy 1.x
    casts by value when every operand is 0-d, so ``float32_0d * 2.5`` would
    come out float64 there (NumPy 2 keeps float32)."""
    # No set comprehension (a call of its own on Python 3.11); with needs_input_grad
    # spelled out, MseLoss forward + backward at (100, 1) f64 14.1 -> 13.1 us.
    dtype = None
    for t in inputs:
        kind = t.data.dtype
        if kind.kind == "f":
            if dtype is None:
                dtype = kind
            elif kind != dtype:
                return data  # mixed float inputs: NumPy's promotion stands
    if dtype is not None and dtype != data.dtype:
        return data.astype(dtype)
    return data


def _all_finite(a: np.ndarray) -> bool:
    return a.dtype.kind != "f" or bool(np.isfinite(a).all())


# Every primitive operation of the library, by class name. A primitive
# declares itself by subclassing Function in a module of the autograd
# package; the tests (one spec row per primitive) and viz (what an op's box
# shows) read this instead of keeping their own lists of op names.
PRIMITIVES: dict[str, type[Function]] = {}


class Function:
    """A node of the graph: one application of a primitive operation.

    A primitive is a subclass with ``forward`` and ``backward`` side by side
    (see the module docstring for the contract), the maths of its derivative
    as the first line of its docstring, and, for pictures of the graph, a
    short ``formula`` such as ``"exp(a)"``. Subclasses defined in the
    ``autograd`` package register themselves in ``PRIMITIVES``; a user's
    own Function works the same way without being registered.

    Attributes set when the output requires grad:

    ``next_functions``
        one entry per input: the input's ``grad_fn``, the input itself when it
        is a leaf that requires grad, or ``None`` when it needs no gradient.
    ``input_meta``
        ``(shape, dtype)`` of each input, kept after the saved arrays are
        released so that the graph can still be drawn.
    ``saved``
        what :meth:`save_for_backward` stored; released after a backward
        pass without ``retain_graph``.
    """

    #: What a picture of the graph writes in this op's box ("exp(a)"); the
    #: class name when ``None``.
    formula: ClassVar[str | None] = None
    #: A float32 input gives a float32 output (False for a cast).
    keeps_float_dtype: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("autograd.") and not cls.__name__.startswith("_"):
            other = PRIMITIVES.get(cls.__name__)
            if other is not None and other.__module__ != cls.__module__:
                raise TypeError(
                    f"primitive {cls.__name__} is defined twice: in {other.__module__} "
                    f"and in {cls.__module__}"
                )
            PRIMITIVES[cls.__name__] = cls

    @classmethod
    def rule(cls) -> str:
        """The derivative rule: the first line of the class docstring."""
        doc = cls.__doc__ or ""
        return doc.strip().split("\n", 1)[0] if doc.strip() else ""

    # Defaults live on the class so that creating a node costs one allocation;
    # apply() sets the graph attributes only when the output requires grad.
    # What save_for_backward kept: the values, then their arrays, in one
    # tuple (one object fewer per node for the cyclic collector to visit).
    _saved: Any = ()
    # The version clock when values were saved; None when nothing was.
    _tick: int | None = None
    # Set on a node whose output shares its memory with this input (a view).
    view_base: Tensor | None = None
    _output: np.ndarray | None = None
    _output_ref: Any = None
    retains_grad = False
    created_at: traceback.FrameSummary | None = None
    # Under detect_anomaly: the forward output holds inf or NaN that none of
    # the inputs held (this op made it).
    made_nonfinite = False
    # The edges of a node with one or two inputs (nearly all) are two
    # attributes rather than a tuple: the cyclic collector then tracks one
    # object per node of ``y = y + 0.001``, not two. See next_functions.
    _edge0: Any = None
    _edge1: Any = None
    _arity = 0
    _edges: tuple[Any, ...] = ()
    # The output's shape and dtype, then each input's, flat: (out_shape,
    # out_dtype, shape0, dtype0, shape1, dtype1, ...). The tuple is interned
    # (see _interned): the nodes of a chain share one, so a node keeps no
    # tuple of its own for the cyclic collector to visit.
    _meta: tuple[Any, ...] = ((), None)

    def forward(self, *inputs: Tensor, **params: Any) -> np.ndarray:  # pragma: no cover
        """Compute the output array from the input Tensors' ``.data``.

        Save what the derivative needs with :meth:`save_for_backward` (or
        :meth:`save_output`); keyword ``params`` are the op's constants.
        """
        raise NotImplementedError

    def backward(self, grad: Tensor) -> Any:  # pragma: no cover
        """Return the gradient of each input given ``grad``, the output's.

        One value per input (a tuple, or a single value for a unary op),
        ``None`` for an input that needs none, each of the input's shape or
        of a shape the input broadcasts to (the engine sums it back). Write
        it with operations that Tensors and arrays share, so that it can be
        differentiated again.
        """
        raise NotImplementedError

    def save_for_backward(self, *values: Any) -> None:
        """Keep ``values`` (input Tensors, or arrays) until the backward pass.

        Their arrays are noted too, with the version clock: the backward pass
        checks that none of them was changed in place in between.
        """
        Tensor = _t.Tensor
        if len(values) == 2:
            a, b = values
            self._saved = (
                a,
                b,
                a.data if isinstance(a, Tensor) else a,
                b.data if isinstance(b, Tensor) else b,
            )
        elif len(values) == 1:  # sin, log, abs...: x.sin() on one element 2.3 -> 2.0 us
            (a,) = values
            self._saved = (a, a.data if isinstance(a, Tensor) else a)
        else:
            # No comprehension: MseLoss's forward 6.85 -> 6.65 us at 100x1.
            arrays = []
            for v in values:
                arrays.append(v.data if isinstance(v, Tensor) else v)
            self._saved = values + tuple(arrays)
        self._tick = _next_tick()

    @property
    def saved(self) -> tuple[Any, ...]:
        """What :meth:`save_for_backward` kept: Tensors while the backward pass
        is recorded, their arrays otherwise (saved arrays stay arrays).

        A value changed in place since it was saved comes back as a stand-in
        that raises PyTorch's "modified by an inplace operation" error when
        the rule uses it.
        """
        values = self._saved
        if _clock.tick > self._tick or _modes.enabled or values is _FREED:
            if values is _FREED:
                raise RuntimeError(_freed_message(self))
            return self._checked_saved(values)
        return values[len(values) >> 1 :]

    def _checked_saved(self, both: tuple[Any, ...]) -> tuple[Any, ...]:
        out = []
        recording = _modes.enabled
        n = len(both) >> 1
        for i, (v, a) in enumerate(zip(both[:n], both[n:])):
            if isinstance(a, np.ndarray):
                change = _versions.changed_since(a, self._tick)
                if change is not None:
                    what = f"saved value {i}"
                    v = _versions.Stale(_versions.modified_message(self.name, what, a, *change))
                elif recording and isinstance(v, _t.Tensor) and v.data is not a:
                    # ``.data`` was assigned: the Tensor no longer holds the
                    # values the forward pass used.
                    v = _versions.Stale(
                        f"{self.name}: saved value {i} (a tensor of shape {a.shape}) had its "
                        ".data replaced after it was saved; an assignment to .data is an "
                        "in-place change, so its gradient can no longer be computed"
                    )
                elif not recording:
                    v = a
            out.append(v)
        return tuple(out)

    def save_output(self, array: np.ndarray) -> None:
        """Keep the output's array; :meth:`output` gives it back."""
        self._output = array
        self._tick = _next_tick()

    def output(self) -> Any:
        """The forward output, for use inside ``backward``.

        While the backward pass is recorded (``create_graph=True``) it is a
        Tensor attached to this very node, so differentiating through it
        reaches this node's inputs: that is what makes rules such as
        ``d exp(x) = exp(x) dx`` correct to any order. The node never holds the
        output Tensor itself, which would be a reference cycle. Otherwise it
        is the plain array.
        """
        if self._output is None:
            raise RuntimeError(_freed_message(self))
        if _modes.enabled:
            return _t._make(self._output, True, self)
        return self._output

    # -- bookkeeping -----------------------------------------------------
    @property
    def next_functions(self) -> tuple[Any, ...]:
        """One entry per input, in order. Each is the input's ``grad_fn``, the
        input itself when it is a leaf that requires grad, or ``None`` when it
        needs no gradient."""
        n = self._arity
        if n == 2:
            return (self._edge0, self._edge1)
        if n == 1:
            return (self._edge0,)
        return self._edges

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input: does it need a gradient?"""
        if self._arity == 2:  # spelled out (MatMul, MseLoss), as next_functions is
            return (self._edge0 is not None, self._edge1 is not None)
        return tuple([f is not None for f in self.next_functions])

    @property
    def input_meta(self) -> tuple[tuple[tuple[int, ...], np.dtype], ...]:
        """``(shape, dtype)`` of each input, kept after the saved arrays are
        released so that the graph can still be drawn."""
        m = self._meta
        return tuple([(m[i], m[i + 1]) for i in range(2, len(m), 2)])

    @property
    def output_meta(self) -> tuple[tuple[int, ...], np.dtype | None]:
        """``(shape, dtype)`` of the output, kept after the output is gone."""
        return self._meta[0], self._meta[1]

    @property
    def name(self) -> str:
        """The operation's name, e.g. ``"Mul"``."""
        return type(self).__name__

    @property
    def is_freed(self) -> bool:
        """True once a backward pass released this node's saved values."""
        return self._saved is _FREED

    def release(self) -> None:
        """Drop the saved values; the node's structure stays for drawing."""
        self._saved = _FREED
        self._output = None

    def output_tensor(self) -> Tensor | None:
        """The forward output, if it was tracked and is still alive, else ``None``.

        Outputs are tracked (by a weak reference) only when asked, by
        :meth:`track_output`: ``retain_grad()`` and ``viz`` do. A weak
        reference per node would be one more object for the garbage collector
        to visit in every graph.
        """
        return None if self._output_ref is None else self._output_ref()

    def track_output(self, out: Tensor) -> None:
        """Remember ``out`` (weakly) as this node's output."""
        self._output_ref = weakref.ref(out)

    def __repr__(self) -> str:
        return f"<{self.name}>"

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        """Run ``forward`` on ``inputs`` and, if any needs grad, record the node."""
        fn = cls()
        try:
            data = fn.forward(*inputs, **params)
        except (ValueError, IndexError, TypeError) as exc:
            shapes = ", ".join(str(t.data.shape) for t in inputs)
            try:
                named = type(exc)(f"{cls.__name__}: {exc} (input shapes: {shapes})")
            except Exception:  # an exception type that takes other arguments
                raise exc from None
            raise named from None
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        shape = data.shape
        if not shape and data.dtype == _F64 and cls.keeps_float_dtype:
            data = _same_float_dtype(data, inputs)
        if not _modes.enabled:
            return _t._make(data)
        # An edge is the input's node, or the input itself for a leaf. One and
        # two inputs (nearly every node) are spelled out: no list, no loop
        # (with the flat saved/meta tuples: one mul and its backward on a
        # one-element array 10.4 -> 9.8 us, add 9.1 -> 8.7 us).
        # Python's cyclic garbage collector visits every container object, so
        # a node allocates as few as it can: about 40% of the time of a
        # 100,000-operation chain went to collections.
        n = len(inputs)
        if n == 2:
            a, b = inputs
            ea = (a.grad_fn or a) if a.requires_grad else None
            eb = (b.grad_fn or b) if b.requires_grad else None
            if ea is None and eb is None:
                return _t._make(data)
            fn._arity = 2
            fn._edge0 = ea
            fn._edge1 = eb
            da, db = a.data, b.data
            meta: Any = (shape, data.dtype, da.shape, da.dtype, db.shape, db.dtype)
        elif n == 1:
            a = inputs[0]
            if not a.requires_grad:
                return _t._make(data)
            fn._arity = 1
            fn._edge0 = a.grad_fn or a
            da = a.data
            meta = (shape, data.dtype, da.shape, da.dtype)
        elif n == 3:
            # Linear with a bias (every MLP layer), without comprehension or
            # loops: its forward at 100x16 -> 16 7.2 -> 6.7 us.
            a, b, c = inputs
            ea = (a.grad_fn or a) if a.requires_grad else None
            eb = (b.grad_fn or b) if b.requires_grad else None
            ec = (c.grad_fn or c) if c.requires_grad else None
            if ea is None and eb is None and ec is None:
                return _t._make(data)
            fn._arity, fn._edges = 3, (ea, eb, ec)
            da, db, dc = a.data, b.data, c.data
            meta = (shape, data.dtype, da.shape, da.dtype, db.shape, db.dtype, dc.shape, dc.dtype)
        else:
            edges = tuple([(t.grad_fn or t) if t.requires_grad else None for t in inputs])
            for edge in edges:
                if edge is not None:
                    break
            else:
                return _t._make(data)
            fn._arity = n
            fn._edges = edges
            meta = [shape, data.dtype]
            for t in inputs:
                meta.append(t.data.shape)
                meta.append(t.data.dtype)
            meta = tuple(meta)
        interned = _METAS.get(meta)
        fn._meta = meta if interned is None else interned
        if interned is None:
            _intern(meta)
        out = _new(_t.Tensor)
        out.data = data
        out._grad = None
        out.requires_grad = True
        out.grad_fn = fn
        if data.base is not None:
            _note_view(fn, data, inputs)
        if _modes.anomaly:
            fn.created_at = _user_frame()
            if not _all_finite(data) and all(_all_finite(t.data) for t in inputs):
                fn.made_nonfinite = True
        if _record_hooks:
            for hook in _record_hooks:
                hook(fn, out, inputs)
        return out


# Nodes' (shape, dtype) tuples by value. Every node of a chain or of a
# training step's repeated layers has the same shapes as many others: they
# share one tuple instead of keeping one each (plus one per shape), so the
# cyclic collector has fewer objects to walk. With the edges as attributes
# and Mul keeping constants as arrays, the 100,000-operation chain went from
# 9 tracked objects per node to 1.5 and from 1.60 s to 0.72 s (PyTorch's: 0.83 s
# in the same process, whose 170,000 objects make each full pass cost 0.2 s).
_METAS: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _intern(meta: tuple[Any, ...]) -> None:
    if len(_METAS) >= 4096:  # bounded: programs of ever-changing shapes
        _METAS.clear()
    _METAS[meta] = meta


# Callables ``hook(node, output, inputs)`` run after each node is recorded
# (viz.keep_intermediates uses one to keep values for drawing).
_record_hooks: list[Callable[[Function, Tensor, tuple[Tensor, ...]], None]] = []


def add_record_hook(hook: Callable[[Function, Tensor, tuple[Tensor, ...]], None]) -> None:
    """Call ``hook(node, output, inputs)`` each time an operation is recorded."""
    _record_hooks.append(hook)


def remove_record_hook(hook: Callable[[Function, Tensor, tuple[Tensor, ...]], None]) -> None:
    """Stop calling a hook added by :func:`add_record_hook`."""
    _record_hooks.remove(hook)


def _note_view(fn: Function, data: np.ndarray, inputs: tuple[Tensor, ...]) -> None:
    """Remember the input whose memory ``data`` shares: changing the view in
    place must then rewrite the input's history too."""
    r = _versions.root(data)
    for t in inputs:
        if _versions.root(t.data) is r:
            fn.view_base = t
            return


def check_output(fn: Function) -> None:
    """Raise if the output ``fn`` saved was changed in place after it was saved."""
    out = fn._output
    if out is not None:
        change = _versions.changed_since(out, fn._tick)  # type: ignore[arg-type]
        if change is not None:
            raise RuntimeError(_versions.modified_message(fn.name, "output 0", out, *change))


def _freed_message(fn: Function) -> str:
    return (
        f"{fn.name}: trying to backward through the graph a second time, or to use "
        "values saved for backward after they were released. Pass retain_graph=True "
        "to the first backward() or autograd.grad() call if you need to backward "
        "through the graph again."
    )


# A module reference, imported last: tensor.py imports the op modules (whose
# classes give Tensor its methods) before it defines Tensor, so this module
# and the ops may only look Tensor and _make up when they run.
from autograd import tensor as _t  # noqa: E402
from autograd import versions as _versions  # noqa: E402
from autograd.versions import clock as _clock  # noqa: E402
from autograd.versions import next_tick as _next_tick  # noqa: E402
