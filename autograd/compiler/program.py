"""From a recorded step to a straight-line NumPy program, its guard and its source.

:func:`build` walks the :class:`~autograd.compiler.trace.Tracer`'s events in
order. Each operation becomes the NumPy lines of :mod:`autograd.compiler.ops`;
the backward pass is the engine's walk (:mod:`autograd.engine`: Kahn's order
over the edges that really need a gradient, a stack of ready nodes, the
gradients of a node's consumers summed in arrival order, broadcasting undone
with one ``add.reduce``) run once here, at build time, so that only its
arithmetic is left in the program; each optimizer update is the code its
class registered with :func:`register_update`.
"""

from __future__ import annotations

import linecache
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.compiler import ops
from autograd.compiler.builder import Builder, Var, dtype_expr
from autograd.compiler.trace import Node, Tracer
from autograd.tensor import Tensor, _make


class Unsupported(Exception):
    """The step does something the replay cannot repeat; it runs eagerly."""


#: Optimizer class -> ``emit(ctx, optimizer, has_grad)``; see :func:`register_update`.
UPDATES: dict[type, Callable[..., None]] = {}


def register_update(cls: type, emit: Callable[..., None]) -> None:
    """Declare how a compiled step repeats ``cls.step()``.

    ``emit(ctx, optimizer, has_grad)`` writes the update with the
    :class:`UpdateContext` ``ctx``; ``has_grad`` maps ``id(param)`` to whether
    the parameter had a gradient when the traced step called ``step()``.
    Subclasses that override ``step`` are not covered by their base's entry.
    """
    UPDATES[cls] = emit


class UpdateContext:
    """What an optimizer's emitter may use: names for parameters, their
    gradients and state, lines, guards and bound objects."""

    def __init__(self, program: _Build) -> None:
        self._p = program
        self.b = program.b

    def param(self, p: Tensor) -> str:
        """The name of the parameter's array (updated in place)."""
        return self._p.param_var(p).name

    def tensor(self, p: Tensor) -> str:
        """The name of the parameter Tensor itself (for guards on its state)."""
        return self._p._pname(p)

    def grad(self, p: Tensor) -> str:
        """An expression for the parameter's gradient array at this point."""
        return self._p.grad_expr(p)

    def local(self, hint: str) -> str:
        """A fresh name for a local of the program."""
        return self.b.fresh(hint)

    def label(self, p: Tensor) -> str:
        """A readable name of the parameter (its dotted name, or its position)."""
        return self._p.params[id(p)][2][2:] if id(p) in self._p.params else "param"

    def bind(self, obj: Any, hint: str, how: str | None = None) -> str:
        return self.b.obj(obj, hint, how)

    def buffer(self, like: Tensor, hint: str) -> str:
        return self.b.buffer(like.data.shape, like.data.dtype, hint).name

    def scratch(self, optimizer: Any, like: Tensor, slot: int, hint: str) -> str:
        """The optimizer's own work array ``slot`` for ``like`` (no new memory)."""
        arr = optimizer._buffer(like.data, slot)
        name = self.b.bind(arr, hint, f"a work array of the optimizer, {arr.shape}")
        self.b.host(name)  # its memory can hold buffers outside the update
        return name

    def emit(self, line: str) -> None:
        self.b.emit(line)

    def comment(self, text: str) -> None:
        self.b.comment(text)

    def guard(self, expr: str) -> None:
        """Replay only while ``expr`` (over bound names) is true."""
        self._p.guards.append(expr)


class Program:
    """A built step: ``run(*arrays)``, ``guard()``, its ``source`` and constants."""

    def __init__(
        self,
        run: Callable[..., Any],
        guard: Callable[[], bool],
        source: str,
        body: str,
        constants: list[np.ndarray],
        ambiguous: bool = False,
    ) -> None:
        self.run = run
        # An input that could not be told apart from a constant: this trace
        # cannot confirm another.
        self.ambiguous = ambiguous
        self.guard = guard
        self.source = source
        self._body = body
        self._constants = constants
        self.guards: list[str] = []  # the guard's conditions, as source over ``ns``
        self.ns: dict[str, Any] = {}  # the namespace the program runs in
        self.memory: dict[str, int] = {}  # see Builder.share_buffers

    def agrees(self, other: Program) -> bool:
        """Same lines and the same constants, bit for bit: two traces of one
        signature computed the same thing."""
        if self.ambiguous or other.ambiguous:
            return False
        if self._body != other._body or len(self._constants) != len(other._constants):
            return False
        return all(
            a.dtype == c.dtype and a.shape == c.shape and a.tobytes() == c.tobytes()
            for a, c in zip(self._constants, other._constants)
        )


class _Build:
    def __init__(self, tracer: Tracer, arg_names: list[str], param_names: dict[int, str]):
        self.tr = tracer
        self.b = Builder()
        self.b.ns["_make"] = _make
        self.guards: list[str] = []
        self.param_names = param_names
        self.known: dict[int, Var] = {}  # id(array) -> Var
        self.params: dict[int, tuple[Tensor, Var, str]] = {}  # id(tensor) -> (P, var, P name)
        self.constants: list[np.ndarray] = []
        self.real_nodes: set[int] = set()  # indices of nodes that need a gradient
        self.node_vars: dict[int, tuple[list[Var], Var]] = {}
        self.leaf_grads: dict[int, Var] = {}
        self.backward_done = False
        self.ambiguous = False
        self.inputs: list[tuple[np.ndarray, Var]] = []
        self.b._used.update(arg_names)  # the generated names must not shadow an argument
        for name, arr in zip(arg_names, tracer.input_arrays):
            if isinstance(arr, np.ndarray):
                v = Var(name, arr.shape, arr.dtype, static=False)
                self.known[id(arr)] = v
                self.inputs.append((arr, v))
        self.input_tensor_ids = {id(t) for t in tracer.input_tensors if t is not None}
        self.input_tensor_ids.update(id(t) for t in tracer.followed)

    # -- values ------------------------------------------------------------
    def is_param(self, t: Tensor) -> bool:
        return t.requires_grad and t.grad_fn is None and id(t) not in self.input_tensor_ids

    def param_var(self, p: Tensor) -> Var:
        entry = self.params.get(id(p))
        if entry is None:
            label = self.param_names.get(id(p), f"param{len(self.params)}")
            arr = p.data
            v = Var(self.b.bind(arr, f"p_{label}"), arr.shape, arr.dtype, static=True)
            pname = self.b.obj(p, f"P_{label}", f"the Parameter {label!r}")
            self.guards.append(f"{pname}.data is {v.name}")
            entry = self.params[id(p)] = (p, v, pname)
            self.known.setdefault(id(arr), v)
        return entry[1]

    def value(self, x: Any) -> Var:
        if isinstance(x, Tensor):
            if self.is_param(x):
                return self.param_var(x)
            arr = x.data
        else:
            arr = np.asarray(x)
        v = self.known.get(id(arr))
        if v is not None:
            return v
        live = self.tr.live.get(id(arr))
        if live is not None:
            v = self._live(arr, live[1], live[2])
        else:
            v = self._derived(arr)
            if v is None:
                self.constants.append(arr)
                v = self.b.const(arr, "const")
        self.known[id(arr)] = v
        return v

    def _live(self, arr: np.ndarray, fn: Callable[..., Any], args: tuple) -> Var:
        f = self.b.obj(fn, getattr(fn, "__name__", "live"))
        a = self.b.obj(args, f"{f}_args", repr(args))
        return self.b.local(f"{f}(*{a})  # a fresh draw at every call", arr.shape, arr.dtype, "r")

    def _derived(self, arr: np.ndarray) -> Var | None:
        """``arr`` as an input reshaped and/or cast, when it holds exactly that."""
        for inp, v in self.inputs:
            if inp.size != arr.size:
                if np.shares_memory(inp, arr):
                    raise Unsupported(
                        "the step uses a view of an input that the trace cannot follow"
                    )
                continue
            same = inp.reshape(arr.shape)
            if arr.dtype != inp.dtype:
                same = same.astype(arr.dtype)
            if not np.array_equal(same, arr, equal_nan=arr.dtype.kind in "fc"):
                continue
            if inp.size and (inp.reshape(-1) == inp.reshape(-1)[0]).all():
                # All one value: as likely a constant (zeros, ones) as the input.
                self.ambiguous = True
            expr = v.name if arr.shape == inp.shape else f"{v.name}.reshape({arr.shape!r})"
            if arr.dtype != inp.dtype:
                expr += f".astype({dtype_expr(arr.dtype)})"
            if expr == v.name:
                return v
            return self.b.local(expr, arr.shape, arr.dtype, f"{v.name}_")
        return None

    # -- events --------------------------------------------------------------
    def op(self, node: Node) -> None:
        fn = node.fn
        forward = ops.FORWARD.get(type(fn))
        if forward is None:
            raise Unsupported(f"the operation {fn.name} has no compiled form")
        for t in node.inputs:
            if t.grad_fn is not None and id(t.grad_fn) not in self.tr.nodes:
                raise Unsupported("the step uses a graph built before it was called")
        ins = [self.value(t) for t in node.inputs]
        if type(fn).__name__ == "GetItem":
            node.index_expr = self._index(fn.index)
        self.b.comment(f"t{node.index} = {fn.name}({', '.join(v.name for v in ins)})")
        out = forward(self.b, node, ins)
        self.known[id(node.out.data)] = out
        self.node_vars[node.index] = (ins, out)
        if any(self._edge(t) is not None for t in node.inputs):
            self.real_nodes.add(node.index)

    def _index(self, index: Any) -> str:
        items = index if isinstance(index, tuple) else (index,)
        parts = []
        for item in items:
            if isinstance(item, np.ndarray):
                parts.append(self.value(item).name)
            elif item is Ellipsis:
                parts.append("...")
            elif isinstance(item, slice):
                parts.append(
                    ":".join("" if v is None else repr(v) for v in (item.start, item.stop))
                    + ("" if item.step is None else f":{item.step!r}")
                )
            else:
                parts.append(repr(item))
        if not parts:
            return "()"  # x[()]: an empty tuple index
        return ", ".join(parts) + ("," if len(parts) == 1 and isinstance(index, tuple) else "")

    def _edge(self, t: Tensor) -> Any:
        """What the engine would send this input's gradient to (no fake inputs)."""
        if t.grad_fn is not None:
            node = self.tr.nodes.get(id(t.grad_fn))
            return node if node is not None and node.index in self.real_nodes else None
        return t if self.is_param(t) else None

    def backward(self, root: Node | None, seed: Any) -> None:
        if root is None or root.index not in self.real_nodes:
            raise Unsupported("the backward pass started from a value the trace did not record")
        if self.backward_done:
            raise Unsupported("more than one backward pass in one step is not compiled")
        self.backward_done = True
        self.b.comment("backward: the engine's order, with its arithmetic only")
        seed_arr = np.asarray(seed)
        if seed_arr.size == 1 and seed_arr.item() == 1:
            g0 = self.b.const(np.ones(seed_arr.shape, seed_arr.dtype), "one")
        else:
            self.constants.append(seed_arr)
            g0 = self.b.const(seed_arr, "seed")
        edges: dict[int, list[Any]] = {}

        def next_of(n: Any) -> list[Any]:
            if not isinstance(n, Node):
                return []
            e = edges.get(n.index)
            if e is None:
                e = edges[n.index] = [self._edge(t) for t in n.inputs]
            return e

        consumers = {id(root): 0}
        stack: list[Any] = [root]
        while stack:
            for nxt in next_of(stack.pop()):
                if nxt is not None:
                    if id(nxt) in consumers:
                        consumers[id(nxt)] += 1
                    else:
                        consumers[id(nxt)] = 1
                        stack.append(nxt)
        buffers: dict[int, Var] = {id(root): g0}
        ready = [root] if consumers[id(root)] == 0 else []
        while ready:
            n = ready.pop()
            g = buffers.pop(id(n), None)
            if not isinstance(n, Node):
                if g is not None:
                    self.leaf_grads[id(n)] = g
                continue
            nexts = next_of(n)
            if g is None:
                grads: list[Var | None] = [None] * len(nexts)
            else:
                ins, out = self.node_vars[n.index]
                needs = [e is not None for e in nexts]
                self.b.comment(f"{n.fn.name} backward: gradient of t{n.index} is {g.name}")
                grads = ops.BACKWARD[type(n.fn)](self.b, n, g, ins, out, needs)
            for nxt, gi, inp in zip(nexts, grads, self.node_vars[n.index][0]):
                if nxt is None:
                    continue
                if gi is not None:
                    gi = self._fit(gi, inp)
                    prev = buffers.get(id(nxt))
                    if prev is None:
                        buffers[id(nxt)] = gi
                    else:
                        total = self.b.buffer(gi.shape, gi.dtype, "gsum")
                        self.b.emit(f"np.add({prev.name}, {gi.name}, out={total.name})")
                        buffers[id(nxt)] = total
                consumers[id(nxt)] -= 1
                if consumers[id(nxt)] == 0:
                    ready.append(nxt)

    def _fit(self, g: Var, inp: Var) -> Var:
        """The engine's unbroadcast and cast of a gradient to its input's meta."""
        shape, dtype = inp.shape, inp.dtype
        if g.shape != shape:
            lead = len(g.shape) - len(shape)
            axes = tuple(range(lead)) + tuple(
                lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
            )
            if axes:
                kept = tuple(1 if i in axes else n for i, n in enumerate(g.shape))
                s = self.b.buffer(kept, g.dtype, f"{g.name}_sum")
                self.b.emit(f"np.add.reduce({g.name}, axis={axes!r}, keepdims=True, out={s.name})")
                g = s
            if g.shape != shape:
                g = self.b.view(g, f".reshape({shape!r})", shape, f"{g.name}_r")
        if g.dtype != dtype:
            c = self.b.buffer(shape, dtype, f"{g.name}_cast")
            self.b.emit(f"np.copyto({c.name}, {g.name}, casting='unsafe')")
            g = c
        return g

    def grad_expr(self, p: Tensor) -> str:
        g = self.leaf_grads.get(id(p))
        if g is not None:
            return g.name
        # A gradient from before the call: read it where the eager step would.
        pname = self.params[id(p)][2] if id(p) in self.params else self._pname(p)
        self.guards.append(f"{pname}.grad is not None")
        return f"{pname}.grad.data"

    def _pname(self, p: Tensor) -> str:
        self.param_var(p)
        return self.params[id(p)][2]

    def optimizer(self, opt: Any, has_grad: dict[int, bool]) -> None:
        emit = UPDATES.get(type(opt))
        if emit is None:
            raise Unsupported(f"the optimizer {type(opt).__name__} has no compiled update")
        for group in opt.param_groups:
            for p in group["params"]:
                if has_grad.get(id(p)):
                    self.param_var(p)
        self.b.comment(f"{type(opt).__name__}.step()")
        emit(UpdateContext(self), opt, has_grad)

    # -- the end of the step ---------------------------------------------------
    def finish_grads(self) -> None:
        cleared = self.tr.cleared
        taken: set[str] = set()
        for key, (p, v, pname) in list(self.params.items()):
            if key in self.leaf_grads:
                g = self.leaf_grads[key]
                if p.grad is None:
                    self.b.emit(f"{pname}.{_grad_slot(p)} = None")
                    continue
                if not (g.static and g.owned and g.shape == v.shape) or g.name in taken:
                    buf = self.b.buffer(v.shape, v.dtype, f"grad_{pname[2:]}")
                    self.b.emit(f"np.copyto({buf.name}, {g.name})")
                    g = buf
                taken.add(g.name)
                self.b.pinned.add(self.b.base.get(g.name, g.name))
                tensor = self.b.obj(_make(self.b.ns[g.name]), f"G_{pname[2:]}", f"Tensor({g.name})")
                self.b.emit(f"{pname}.{_grad_slot(p)} = {tensor}")
                if key not in cleared:
                    self.guards.append(f"{pname}.grad is None")
            elif key in cleared and p.grad is None:
                self.b.emit(f"{pname}.{_grad_slot(p)} = None")

    def result(self, value: Any) -> str:
        if value is None:
            return "None"
        if isinstance(value, Tensor):
            v = self.known.get(id(value.data))
            if v is None:
                raise Unsupported("the step returns a value the trace did not compute")
            return f"_make({v.name}.copy())"
        if isinstance(value, (tuple, list)):
            inner = ", ".join(self.result(x) for x in value)
            if isinstance(value, tuple):
                return f"({inner}{',' if len(value) == 1 else ''})"
            return f"[{inner}]"
        raise Unsupported(
            f"the step returns a {type(value).__name__}; a compiled step returns Tensors "
            "(or tuples and lists of them), not Python values"
        )


def _grad_slot(p: Tensor) -> str:
    """Where the program stores a gradient: the slot behind ``Tensor.grad``,
    whose setter only checks the shape and dtype that the guard on ``p.data``
    already fixes (0.3 us a parameter at every step), unless a subclass
    redefines ``grad``."""
    return "_grad" if type(p).grad is Tensor.grad else "grad"


def build(
    tracer: Tracer,
    arg_names: list[str],
    result: Any,
    name: str,
    param_names: dict[int, str],
) -> Program:
    """Generate the program of one traced call (raises :class:`Unsupported`)."""
    if tracer.problems:
        raise Unsupported(tracer.problems[0])
    p = _Build(tracer, arg_names, param_names)
    for event in tracer.events:
        kind = event[0]
        if kind == "op":
            p.op(event[1])
        elif kind == "backward":
            p.backward(event[1], event[2])
        else:
            p.optimizer(event[1], event[2])
    p.finish_grads()
    ret = p.result(result)
    for m in tracer.modules:
        mname = p.b.obj(m, f"module_{type(m).__name__}", f"the module {type(m).__name__}")
        p.guards.append(f"{mname}.training is {bool(m.training)}")

    p.b.lines.append(f"return {ret}")
    p.b.share_buffers()
    p.b.lines.pop()
    p.b.lower()
    args = ", ".join(v.name for _, v in p.inputs)
    name = p.b.fresh(name)  # an identifier that no bound name shadows
    body = "\n".join("    " + line for line in p.b.lines)
    run_src = f"def {name}({args}):\n{body}\n    return {ret}\n"
    guard_src = "def guard():\n    return (\n"
    guard_src += "".join(f"        {g} and\n" for g in dict.fromkeys(p.guards))
    guard_src += "        True\n    )\n"
    setup = "\n".join(f"#   {name} = {how}" for name, how in p.b.setup.items())
    source = (
        "# Bound once when the program was built (reused at every call). A ufunc's\n"
        "# output is its last argument: add(a, b, c) is np.add(a, b, out=c).\n"
        f"{setup}\n\n{run_src}\n\n# Replayed only while this holds; otherwise the step is traced "
        f"again:\n{guard_src}"
    )
    text = run_src + "\n" + guard_src
    filename = f"<compiled {name} {id(p):x}>"
    # Registered so that a traceback through the program shows its lines.
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    code = compile(text, filename, "exec")
    ns = p.b.ns
    exec(code, ns)
    program = Program(ns[name], ns["guard"], source, run_src, p.constants, p.ambiguous)
    # The lines go with the program (a step traced again leaves none behind).
    weakref.finalize(program, linecache.cache.pop, filename, None)
    program.guards = list(dict.fromkeys(p.guards))
    program.ns = ns
    program.memory = dict(p.b.memory)
    return program
