"""The program being generated: named arrays, lines of NumPy, and the namespace.

A :class:`Var` is a name in the generated function with a known shape and
dtype. Buffers are allocated once, when the program is built, and bound in
the function's namespace (globals of the generated code), as are parameters,
constants and the static views of buffers; everything that depends on the
call's inputs is a local of the function.
"""

from __future__ import annotations

import keyword
import math
import re
from typing import Any

import numpy as np


class Var:
    """A named array of the program (``static``: bound once, not a local)."""

    __slots__ = ("dtype", "frozen", "name", "owned", "shape", "static")

    def __init__(
        self,
        name: str,
        shape: tuple[int, ...],
        dtype: np.dtype,
        static: bool,
        owned: bool = False,
        frozen: bool = False,
    ) -> None:
        self.name = name
        # Never written: an instruction on frozen values only runs at build time.
        self.frozen = frozen
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.static = static
        # A buffer written by exactly one instruction: it can become a .grad.
        self.owned = owned

    def __repr__(self) -> str:
        return self.name


_NAME = re.compile(r"[A-Za-z_]\w*")


def dtype_expr(dtype: np.dtype) -> str:
    """The NumPy attribute naming ``dtype`` in generated code, on NumPy 1.x and 2.x:
    the boolean type is ``np.bool_`` in both (``np.bool`` is NumPy 2 only)."""
    name = np.dtype(dtype).name
    return f"np.{'bool_' if name == 'bool' else name}"


class Builder:
    """Accumulates the generated function's lines and what its names refer to."""

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {"np": np, "math": math}
        self.lines: list[str] = []
        self.setup: dict[str, str] = {}  # how the bound names were made, for the source
        self.buffers: list[str] = []  # names made by buffer(), in order
        self.base: dict[str, str] = {}  # buffer or static view of one -> the buffer
        self.views: list[tuple[str, str]] = []  # static views (name, expression), in order
        self.pinned: set[str] = set()  # buffers that outlive a call (a parameter's .grad)
        # "guard" is the name of the program's second function.
        self._used: set[str] = {*self.ns, "guard"}
        self.frozen: set[str] = set()  # names of constants (never written)

    def fresh(self, hint: str) -> str:
        base = re.sub(r"\W", "_", hint) or "v"
        if base[0].isdigit():
            base = "v" + base
        if keyword.iskeyword(base):  # a step named after a lambda
            base += "_"
        name, i = base, 1
        while name in self._used:
            i += 1
            name = f"{base}_{i}"
        self._used.add(name)
        return name

    def bind(self, obj: Any, hint: str, how: str | None = None) -> str:
        """Bind ``obj`` under a new name of the namespace; ``how`` documents it."""
        name = self.fresh(hint)
        self.ns[name] = obj
        if how is not None:
            self.setup[name] = how
        return name

    def buffer(self, shape: tuple[int, ...], dtype: np.dtype, hint: str) -> Var:
        """A new array allocated once and rewritten at every call."""
        dtype = np.dtype(dtype)
        name = self.bind(
            np.empty(shape, dtype), hint, f"np.empty({tuple(shape)}, {dtype_expr(dtype)})"
        )
        self.buffers.append(name)
        self.base[name] = name
        return Var(name, shape, dtype, static=True, owned=True)

    def const(self, array: np.ndarray, hint: str) -> Var:
        """A constant array of the trace, bound as it is."""
        arr = np.asarray(array)
        if arr.ndim == 0 or arr.size <= 4:
            how = f"np.array({arr.tolist()!r}, {dtype_expr(arr.dtype)})"
        else:
            how = f"<constant array {arr.shape} {arr.dtype}>"
        name = self.bind(arr, hint, how)
        self.frozen.add(name)
        return Var(name, arr.shape, arr.dtype, static=True, frozen=True)

    def obj(self, value: Any, hint: str, how: str | None = None) -> str:
        """Bind any other object (a Tensor, a dict, a function)."""
        return self.bind(value, hint, how)

    def emit(self, line: str) -> None:
        self.lines.append(line)

    def comment(self, text: str) -> None:
        self.lines.append(f"# {text}")

    def view(self, var: Var, suffix: str, shape: tuple[int, ...], hint: str) -> Var:
        """``var<suffix>`` (``.T``, ``.reshape(...)``): made once when ``var``
        is static, else a local assignment."""
        expr = f"{var.name}{suffix}"
        if var.static:
            obj = eval(expr, self.ns)
            name = self.bind(obj, hint, expr)
            if var.name in self.base:
                self.base[name] = self.base[var.name]
                self.views.append((name, expr))
            return Var(name, obj.shape, obj.dtype, static=True)
        name = self.fresh(hint)
        self.emit(f"{name} = {expr}")
        return Var(name, shape, var.dtype, static=False)

    def share_buffers(self) -> None:
        """Let buffers whose uses in the program do not overlap share memory.

        The program is one straight line, rewritten in full at every call, so
        a buffer is live from the first line naming it (or a view of it) to
        the last; a later buffer of the same shape and dtype can take its
        array. Buffers that outlive a call (gradients handed out) keep theirs.
        """
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        for i, line in enumerate(self.lines):
            for word in _NAME.findall(line.split("#", 1)[0]):
                base = self.base.get(word)
                if base is not None:
                    first.setdefault(base, i)
                    last[base] = i
        free: dict[tuple, list[list[Any]]] = {}  # (shape, dtype) -> [[last use, name], ...]
        for name in sorted((n for n in self.buffers if n in first), key=first.__getitem__):
            arr = self.ns[name]
            if name in self.pinned:
                continue
            pool = free.setdefault((arr.shape, arr.dtype), [])
            for entry in pool:
                if entry[0] < first[name]:
                    self.ns[name] = self.ns[entry[1]]
                    self.setup[name] = f"{entry[1]}  (the same memory: {entry[1]} is done by then)"
                    entry[0] = last[name]
                    break
            else:
                pool.append([last[name], name])
        for name, expr in self.views:
            self.ns[name] = eval(expr, self.ns)

    def local(self, expr: str, shape: tuple[int, ...], dtype: np.dtype, hint: str) -> Var:
        """A local computed by ``expr`` at every call (a new array)."""
        name = self.fresh(hint)
        self.emit(f"{name} = {expr}")
        return Var(name, shape, dtype, static=False, owned=True)
