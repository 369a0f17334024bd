"""``autograd.compile(step)``: record one training step, replay it as plain NumPy.

Design
------
A compiled step is traced at the level of the engine's own pieces, not of
NumPy calls: the first call runs ``step`` eagerly while a
:class:`~autograd.compiler.trace.Tracer` listens (the record hook of
``autograd.function.add_record_hook`` for every operation, a wrapper on
each recorded node's ``backward`` for the backward pass, one-line notes in
``nn`` for optimizer updates, module calls, ``zero_grad`` and random draws).
:func:`autograd.compiler.program.build` then writes one Python function of
NumPy calls from that record:

- each operation as the NumPy calls its primitive makes
  (:mod:`autograd.compiler.ops`), with ``out=`` into a buffer allocated once;
- the backward pass as the engine (:mod:`autograd.engine`) would walk it,
  the walk done once while building, so only the rules' arithmetic, the
  sums of gradients from several consumers and the undoing of broadcasts
  remain, in the engine's order;
- each optimizer update as the code its class registered
  (``nn/optim_replay.py``), reading the hyperparameters from the optimizer
  at every call, as ``step()`` does: a learning-rate scheduler keeps working.

The same ufuncs on the same dtypes in the same order give the same bits
with or without ``out=``, so weights, gradients and loss are byte for byte
those of the eager step. Buffers are placed by their lifetimes in the
program (:meth:`~autograd.compiler.builder.Builder.share_buffers`): views of
one block of memory, or of the optimizer's work array outside the update,
where buffers that are never live at once overlap, and an elementwise ufunc
writes over the input it reads for the last time. Instructions on constants
only (a mean loss's seed gradient) run once, when the program is built.
NumPy's functions are bound once under their names, ufuncs called with
their output last (``add(a, b, c)``), and a generated entry point checks
the signature and the guards in line before the replay. Tracing the
engine's pieces rather than NumPy (an ndarray subclass would see every
call) keeps the program readable: one commented block per operation, in the
words of the op it came from (``compiled.source``).

Inputs and what the trace cannot see
------------------------------------
Arguments that are arrays or Tensors are the program's parameters. While
tracing, a float Tensor argument is made to require grad, so that every
operation on it is recorded even where eager code would not record it (a
target turned into ``1 - y``); its gradient is discarded. ``nn``'s losses
do the same for the Tensor they make from a target array
(:func:`autograd.compiler.trace.follow`). Arrays computed
from the arguments outside recorded operations are recognised when they
hold exactly an argument, reshaped or cast (class indices, ``y.reshape(n)``);
every other array is a constant of the trace. Each signature is traced
twice before it is replayed, and the two programs and their constants must
agree: a value computed outside the graph that changes from call to call
(a mask from ``x > 0``, a statistic taken under ``no_grad``) keeps the step
eager instead of being frozen. Two traces of the same input values cannot
show that, so their program is replayed only for those values (the same
arrays, or arrays with the same bytes) until a trace of other values agrees.
Python code in the step other than the recorded computation (prints,
counters, branches on values) runs only while tracing.

Guards
------
Replay happens only while what the program assumed still holds: the
arguments' shapes, dtypes and ``requires_grad`` (one program per signature,
so a smaller last batch gets its own), the parameter arrays being the same
objects, the ``training`` flag of every module called, the optimizer's
structure (momentum on or off, Nesterov, weight decay, amsgrad, its state
dicts), grad mode on, anomaly detection off, no other record hooks. A
failed guard traces again; a step that cannot be compiled (an operation
without a compiled form, a second backward pass, ``create_graph``) runs
eagerly, and ``compiled.reason`` says why.

Buffers are reused: the gradient arrays of the parameters are rewritten at
every call (copy a ``.grad`` to keep it), while the returned Tensors are
fresh copies, without ``grad_fn``.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import function as _function
from autograd.compiler import trace as _trace
from autograd.compiler.program import Program, Unsupported, build, register_update
from autograd.compiler.trace import live
from autograd.tensor import Tensor

__all__ = ["CompiledStep", "Unsupported", "compile", "live", "register_update"]

# Traces of one signature that may disagree before it is left eager.
_MAX_TRACES = 4
_ARRAYS = (Tensor, np.ndarray)


class _Entry:
    """What is known about one signature: its program, or why it stays eager."""

    __slots__ = (
        "digests", "enter", "last", "only_for", "only_ids", "program", "reason", "traces",
    )  # fmt: skip

    def __init__(self) -> None:
        self.program: Program | None = None
        self.last: Program | None = None
        self.reason: str | None = None
        self.traces = 0
        self.digests: list[bytes] | None = None  # of the inputs of the last trace
        # Two agreeing traces of the same input values cannot show that a
        # constant does not depend on them: replay only for those arrays.
        self.only_for: tuple[np.ndarray, ...] | None = None
        self.only_ids: tuple[int, ...] | None = None  # their ids (they are kept alive)
        self.enter: Callable[..., Any] | None = None  # see _entry_point


def _digest(a: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(a), digest_size=16).digest()


def _spec(value: Any) -> Any:
    if isinstance(value, Tensor):
        data = value.data
        return (data.shape, data.dtype, value.requires_grad)
    if isinstance(value, np.ndarray):
        return ("A", value.shape, value.dtype)
    if value is None or isinstance(value, (bool, int, float, str)):
        return ("V", type(value), value)
    return ("O", id(value))


class CompiledStep:
    """The callable :func:`autograd.compile` returns; call it as the step itself.

    Attributes
    ----------
    source : str or None
        The generated NumPy program of the last signature compiled.
    memory : dict or None
        Bytes of that program's buffers: ``buffer_bytes`` (their sizes, each
        rounded up to 64 bytes), ``block_bytes`` (the block they were placed
        in) and ``hosted_bytes`` (those placed in an optimizer's work array);
        gradients handed out as ``.grad`` are not counted.
    reason : str or None
        Why the last call ran eagerly, if it did.
    stats : dict
        Counts of ``traces``, ``replays`` and ``eager`` calls.
    """

    def __init__(self, step: Callable[..., Any]) -> None:
        self.step = step
        functools.update_wrapper(self, step)  # type: ignore[arg-type]
        self._entries: dict[tuple, _Entry] = {}
        self.source: str | None = None
        self.memory: dict[str, int] | None = None
        self.reason: str | None = None
        self.stats = {"traces": 0, "replays": 0, "eager": 0}
        self._warned: set[str] = set()
        # The entry point of the signature replayed last (see _entry_point).
        self._fast: Callable[..., Any] | None = None
        try:
            names = list(inspect.signature(step).parameters)
        except (TypeError, ValueError):
            names = []
        self._names = names

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fast = self._fast
        if fast is not None and not kwargs:
            out = fast(*args)
            if out is not _MISS:
                return out
        if kwargs:
            values = list(args) + [kwargs[k] for k in sorted(kwargs)]
            key: tuple = (tuple(sorted(kwargs)), *map(_spec, values))
        else:
            values = args  # type: ignore[assignment]
            key = tuple(
                [
                    (v.data.shape, v.data.dtype, v.requires_grad) if type(v) is Tensor else _spec(v)
                    for v in args
                ]
            )
        modes = _function._modes
        if not modes.enabled or modes.anomaly or _function._record_hooks or _trace.current:
            return self._eager(args, kwargs, "grad mode off, anomaly detection or a record hook")
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        elif entry.reason is not None:
            return self._eager(args, kwargs, entry.reason)
        program = entry.program
        if program is not None and program.guard():
            arrays = [
                v.data if isinstance(v, Tensor) else v for v in values if isinstance(v, _ARRAYS)
            ]
            only = entry.only_ids
            if (
                only is None
                or tuple(map(id, arrays)) == only
                or [_digest(a) for a in arrays] == entry.digests
            ):
                self.stats["replays"] += 1
                if not kwargs:
                    if entry.enter is None:
                        entry.enter = _entry_point(self, entry, args)
                    self._fast = entry.enter
                return program.run(*arrays)
        self._fast = None
        return self._trace(entry, args, kwargs, list(values))

    def _eager(self, args: tuple, kwargs: dict, reason: str) -> Any:
        self._fast = None
        self.stats["eager"] += 1
        self.reason = reason
        return self.step(*args, **kwargs)

    def _arg_names(self, values: list[Any], kwargs: dict) -> list[str]:
        names = []
        positional = [n for n in self._names if n not in kwargs]
        for i in range(len(values) - len(kwargs)):
            names.append(positional[i] if i < len(positional) else f"arg{i}")
        names += sorted(kwargs)
        return [n if n.isidentifier() else f"arg{i}" for i, n in enumerate(names)]

    def _trace(self, entry: _Entry, args: tuple, kwargs: dict, values: list[Any]) -> Any:
        self.stats["traces"] += 1
        entry.traces += 1
        entry.enter = None
        tensors = [v if isinstance(v, Tensor) else None for v in values]
        arrays = [v.data if isinstance(v, Tensor) else v for v in values]
        tracer = _trace.Tracer(tensors, arrays)
        faked = []
        for t in tensors:
            if t is not None and not t.requires_grad and t.data.dtype.kind == "f":
                faked.append((t, t.grad))
                t.requires_grad = True
        _trace.current = tracer
        _function.add_record_hook(tracer.on_record)
        try:
            result = self.step(*args, **kwargs)
        finally:
            _function.remove_record_hook(tracer.on_record)
            _trace.current = None
            for t, grad in faked:
                t.requires_grad = False
                t.grad = grad
            tracer.restore()
        try:
            program = build(
                tracer,
                self._arg_names(values, kwargs),
                result,
                getattr(self.step, "__name__", "step").replace("<", "").replace(">", ""),
                _param_names(tracer.modules),
            )
        except Unsupported as exc:
            self._give_up(entry, str(exc))
            return result
        self.source = program.source
        self.memory = program.memory
        inputs = [a for a in arrays if isinstance(a, np.ndarray)]
        digests = [_digest(a) for a in inputs]
        if entry.last is not None and entry.last.agrees(program):
            entry.program = entry.last = program  # the older one's buffers go
            if digests == entry.digests:
                entry.only_for = tuple(inputs)
                entry.only_ids = tuple(map(id, inputs))
            else:  # confirmed on other values
                entry.only_for = entry.only_ids = entry.digests = None
        else:
            entry.program = None
            entry.last = program
            entry.digests = digests
            entry.only_for = entry.only_ids = None
            if entry.traces >= _MAX_TRACES:
                self._give_up(
                    entry,
                    "an input holds one value everywhere, as a constant would, so the trace "
                    "cannot tell them apart"
                    if program.ambiguous
                    else "the step computed different constants in each trace: a value it "
                    "takes from outside the recorded operations changes between calls",
                )
        return result

    def _give_up(self, entry: _Entry, reason: str) -> None:
        entry.reason = reason
        entry.program = None
        entry.enter = None
        self.reason = reason
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(f"autograd.compile: running eagerly: {reason}", stacklevel=3)

    def __repr__(self) -> str:
        return f"<compiled {getattr(self.step, '__qualname__', self.step)!r}>"


class _Miss:
    """What an entry point returns when its checks fail."""


_MISS = _Miss()


def _entry_point(step: CompiledStep, entry: _Entry, args: tuple) -> Callable[..., Any] | None:
    """One generated function that checks, in line, what ``__call__`` checks
    before a replay (the arguments' signature, the modes, the program's guard,
    the arrays a same-values trace is limited to) and runs the program, or
    returns ``_MISS`` so that ``__call__`` decides. A call through it costs
    1.5 us before the program runs, against 2.7 us by the general route (the
    tiny benchmark's whole step is 45 us).

    Only for calls whose arguments are all Tensors or arrays of exact types
    (None otherwise: every call takes the general route).
    """
    program = entry.program
    if program is None:
        return None
    ns = program.ns
    names = [f"a{i}" for i in range(len(args))]
    checks = ["_modes.enabled", "not _modes.anomaly", "not _hooks", "_tr.current is None"]
    first = []
    datas = []
    for i, (name, v) in enumerate(zip(names, args)):
        if type(v) is Tensor:
            d = f"d{i}"
            first.append(f"type({name}) is _Tensor")
            datas.append(f"{d} = {name}.data")
            checks.append(f"{name}.requires_grad is {bool(v.requires_grad)}")
            arr = v.data
        elif type(v) is np.ndarray:
            d = name
            first.append(f"type({name}) is _ndarray")
            arr = v
        else:
            return None
        dt = _bind(ns, arr.dtype, f"_dtype{i}")
        checks.append(f"{d}.shape == {tuple(arr.shape)!r} and {d}.dtype == {dt}")
        if entry.only_ids is not None:
            only = _bind(ns, entry.only_for[i], f"_only{i}")  # type: ignore[index]
            checks.append(f"{d} is {only}")
    checks += program.guards
    run = _bind(ns, program.run, "_run")
    stats = _bind(ns, step.stats, "_stats")
    ns.update(_Tensor=Tensor, _ndarray=np.ndarray, _modes=_function._modes,
              _hooks=_function._record_hooks, _tr=_trace, _MISS=_MISS)  # fmt: skip
    ds = [f"d{i}" if type(v) is Tensor else f"a{i}" for i, v in enumerate(args)]
    src = f"def _enter({', '.join(names)}):\n"
    src += f"    if {' and '.join(first) or 'True'}:\n"
    src += "".join(f"        {line}\n" for line in datas)
    src += "        if (\n" + "".join(f"            {c} and\n" for c in checks)
    src += "            True\n        ):\n"
    src += f"            {stats}['replays'] += 1\n"
    src += f"            return {run}({', '.join(ds)})\n"
    src += "    return _MISS\n"
    local: dict[str, Any] = {}
    exec(builtins.compile(src, "<compiled entry point>", "exec"), ns, local)
    return local["_enter"]


def _bind(ns: dict[str, Any], obj: Any, hint: str) -> str:
    name, i = hint, 1
    while name in ns and ns[name] is not obj:
        i += 1
        name = f"{hint}_{i}"
    ns[name] = obj
    return name


def _param_names(modules: list[Any]) -> dict[int, str]:
    names: dict[int, str] = {}
    for m in modules:
        named = getattr(m, "named_parameters", None)
        if named is None:
            continue
        for name, p in named():
            names.setdefault(id(p), name.replace(".", "_"))
    return names


def compile(step: Callable[..., Any]) -> CompiledStep:
    """Compile a training step into a replay of plain NumPy calls.

    Parameters
    ----------
    step : callable
        A function such as ``def step(x, y): opt.zero_grad(); loss =
        loss_fn(model(x), y); loss.backward(); opt.step(); return loss``.
        It is called with arrays or Tensors (and Python values, which become
        part of the signature).

    Returns
    -------
    CompiledStep
        A callable with ``step``'s signature. Its first two calls with a new
        signature run ``step`` eagerly while recording it; later calls run the
        generated program (``.source``), whose weights, gradients and loss are
        byte for byte those of the eager step. See :mod:`autograd.compiler`
        for the guards and what stays eager.

    Examples
    --------
    >>> compiled = autograd.compile(step)
    >>> for xb, yb in loader:
    ...     loss = compiled(xb, yb)
    >>> print(compiled.source)
    """
    if not callable(step):
        raise TypeError(f"compile: step must be callable, got {type(step).__name__}")
    return CompiledStep(step)
