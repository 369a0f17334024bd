"""The program being generated: named arrays, lines of NumPy, and the namespace.

A :class:`Var` is a name in the generated function with a known shape and
dtype. Buffers are allocated once, when the program is built, and bound in
the function's namespace (globals of the generated code), as are parameters,
constants and the static views of buffers; everything that depends on the
call's inputs is a local of the function.
"""

from __future__ import annotations

import ast
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
_ASSIGN = re.compile(r"\s*([A-Za-z_]\w*)\s*=[^=]")
_ALIGN = 64  # bytes: a cache line, and more than any SIMD loop asks for


def _padded(nbytes: int) -> int:
    return -(-nbytes // _ALIGN) * _ALIGN


def _root(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


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
        self.hosted: list[str] = []  # see host()
        self.memory: dict[str, int] = {}  # what share_buffers() placed, in bytes

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

    def host(self, name: str) -> None:
        """``name`` is bound to a view of memory the program does not own (an
        optimizer's work array): busy on the lines that name it, free for the
        program's buffers everywhere else."""
        self.hosted.append(name)

    def share_buffers(self) -> None:
        """Place the buffers in memory by their lifetimes in the program.

        The program is one straight line, rewritten in full at every call, so
        a buffer is live from the first line naming it (or a view of it) to
        the last, and buffers whose lifetimes do not overlap can occupy the
        same bytes, whatever their shapes and dtypes. Each buffer becomes a
        view of one block of memory (64-byte aligned), or of a hosted array
        (:meth:`host`) on the lines where that array is not in use. An
        elementwise ufunc may write over the input whose last read it is (the
        same shape and dtype: each element is read before it is written).
        Buffers that outlive a call (gradients handed out) keep their arrays.
        """
        # Bound arrays made from a buffer at build time (np.broadcast_to of
        # one) follow it as its static views do.
        owner = {id(self.ns[n]): n for n in self.buffers}
        viewed = {v for v, _ in self.views}
        for name, obj in list(self.ns.items()):
            if not isinstance(obj, np.ndarray) or name in self.base or name in viewed:
                continue
            root = obj
            while isinstance(root.base, np.ndarray):
                root = root.base
            buf = owner.get(id(root))
            if buf is None:
                continue
            how = self.setup.get(name)
            try:
                same = how is not None and eval(how, self.ns) is not None
            except Exception:
                same = False
            if same:
                self.base[name] = buf
                self.views.append((name, how))  # type: ignore[arg-type]
            else:
                self.pinned.add(buf)  # cannot be remade: the buffer stays put
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        hosted = set(self.hosted)
        host_lines: dict[int, list[int]] = {}  # id(root array) -> lines using it
        roots: dict[int, np.ndarray] = {}
        for name in self.hosted:
            root = self.ns[name]
            while isinstance(root.base, np.ndarray):
                root = root.base
            roots[id(root)] = root
            host_lines.setdefault(id(root), [])
        host_of = {n: id(_root(self.ns[n])) for n in self.hosted}
        # A local assigned from a buffer (x[i], a reshape) may be a view of it:
        # its uses are the buffer's too.
        alias: dict[str, set[str]] = {}
        for i, line in enumerate(self.lines):
            code = line.split("#", 1)[0]
            used: set[str] = set()
            for word in _NAME.findall(code):
                base = self.base.get(word)
                if base is not None:
                    used.add(base)
                elif word in alias:
                    used |= alias[word]
                elif word in hosted:
                    host_lines[host_of[word]].append(i)
            for base in used:
                first.setdefault(base, i)
                last[base] = i
            target = _ASSIGN.match(code)
            if target is not None and target.group(1) not in self.base:
                alias[target.group(1)] = used
        inplace = self._inplace_pairs(first, last)
        items = [n for n in self.buffers if n in first and n not in self.pinned]
        items.sort(key=lambda n: (-_padded(self.ns[n].nbytes), first[n]))
        regions: list[dict[str, Any]] = []
        for key, root in roots.items():
            if not (root.flags.c_contiguous and root.nbytes):
                continue
            raw = root.reshape(-1).view(np.uint8)
            # Offsets from the array's start, so that what fits does not depend
            # on where malloc put it (its 16-byte alignment is eager's too).
            shift = 0
            lines = host_lines[key]
            busy = (min(lines), max(lines)) if lines else None
            regions.append({"raw": raw, "shift": shift, "cap": raw.size - shift, "busy": busy,
                            "placed": []})  # fmt: skip
        own: dict[str, Any] = {"raw": None, "shift": 0, "cap": None, "busy": None, "placed": []}
        regions.append(own)
        where: dict[str, tuple[dict[str, Any], int]] = {}
        for name in items:
            size = _padded(self.ns[name].nbytes)
            span = (first[name], last[name])
            partner = inplace.get(name)
            for region in regions:
                busy = region["busy"]
                if busy is not None and busy[0] <= span[1] and span[0] <= busy[1]:
                    continue
                live = [
                    (other, off, off + sz)
                    for other, off, sz, (f, la) in region["placed"]
                    if f <= span[1] and span[0] <= la
                ]
                offset = None
                if partner is not None and partner in where and where[partner][0] is region:
                    at = where[partner][1]  # exactly over its input, or not over it at all
                    if all(hi <= at or at + size <= lo for o, lo, hi in live if o != partner):
                        offset = at
                if offset is None:
                    offset = 0
                    for lo, hi in sorted((lo, hi) for _, lo, hi in live):
                        if offset + size <= lo:
                            break
                        offset = max(offset, hi)
                if region["cap"] is not None and offset + size > region["cap"]:
                    continue
                region["placed"].append((name, offset, size, span))
                where[name] = (region, offset)
                break
        total = max((off + sz for _, off, sz, _ in own["placed"]), default=0)
        if total:
            raw = np.empty(total + _ALIGN, np.uint8)
            own["raw"], own["shift"] = raw, -raw.ctypes.data % _ALIGN
        block = self.fresh("memory")
        self.ns[block] = own["raw"]
        self.setup[block] = (
            f"np.empty({total}, np.uint8)  (the buffers below are views of it, or of "
            "an optimizer's work array, placed by their lifetimes)"
        )
        for name, (region, offset) in where.items():
            arr = self.ns[name]
            start = region["shift"] + offset
            view = region["raw"][start : start + arr.nbytes].view(arr.dtype).reshape(arr.shape)
            self.ns[name] = view
            host = "the memory" if region is own else "an optimizer's work array"
            self.setup[name] = (
                f"{host}, bytes {offset}:{offset + arr.nbytes} as {arr.dtype} {arr.shape}"
            )
        for name, expr in self.views:
            self.ns[name] = eval(expr, self.ns)
        self.memory = {
            "block_bytes": total,
            "hosted_bytes": sum(sz for r in regions if r is not own for _, _, sz, _ in r["placed"]),
            "buffer_bytes": sum(_padded(self.ns[n].nbytes) for n in items),
        }

    def _inplace_pairs(self, first: dict[str, int], last: dict[str, int]) -> dict[str, str]:
        """Buffers that an elementwise ufunc writes on the line where one of its
        input buffers (same shape and dtype) is read for the last time."""
        pairs: dict[str, str] = {}
        for out, i in first.items():
            try:
                tree = ast.parse(self.lines[i].split("#", 1)[0].strip())
            except SyntaxError:
                continue
            if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
                continue
            call = tree.body[0].value
            if not isinstance(call, ast.Call) or _np_attr(call.func) is None:
                continue
            ufunc = getattr(np, _np_attr(call.func) or "", None)
            if not isinstance(ufunc, np.ufunc) or ufunc.signature is not None:
                continue
            kws = {k.arg: k.value for k in call.keywords}
            target = kws.get("out")
            if not (isinstance(target, ast.Name) and target.id == out) or "where" in kws:
                continue
            arr = self.ns[out]
            names = [n.id for n in ast.walk(call) if isinstance(n, ast.Name)]
            for a in call.args:
                if (
                    isinstance(a, ast.Name)
                    and sum(self.base.get(n) == a.id for n in names) == 1
                    and a.id in first
                    and a.id != out
                    and last[a.id] == i
                    and self.base.get(a.id) == a.id
                    and self.ns[a.id].shape == arr.shape
                    and self.ns[a.id].dtype == arr.dtype
                ):
                    pairs[out] = a.id
                    break
        return pairs

    def local(self, expr: str, shape: tuple[int, ...], dtype: np.dtype, hint: str) -> Var:
        """A local computed by ``expr`` at every call (a new array)."""
        name = self.fresh(hint)
        self.emit(f"{name} = {expr}")
        return Var(name, shape, dtype, static=False, owned=True)

    def lower(self) -> None:
        """Call NumPy's functions through names bound once, ufuncs with their
        output last.

        ``np.add(a, b, out=c)`` becomes ``add(a, b, c)``: the same call, without
        looking up ``np.add`` and parsing an ``out`` keyword at every step
        (about 100 ns a call, a tenth of the smallest steps). Lines that are not
        one statement on their own (an ``if`` and its body) are left as written.
        """
        bound: dict[str, str] = {}

        def name_of(dotted: str, obj: Any) -> str:
            if dotted not in bound:
                bound[dotted] = self.bind(obj, dotted.replace(".", "_"), f"np.{dotted}")
            return bound[dotted]

        lowered = []
        for line in self.lines:
            if "np." not in line.split("#", 1)[0]:
                lowered.append(line)
                continue
            indent = len(line) - len(line.lstrip())
            text = line[indent:]
            try:
                tree = ast.parse(text)
            except SyntaxError:
                lowered.append(line)
                continue
            # Edits of the line's text (ast.unparse would be simpler, but its
            # visitor leaves strings in CPython's attribute cache: ~8 KiB).
            edits: list[tuple[int, int, str]] = []
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                dotted = _np_attr(node.func)
                if dotted is None:
                    continue
                obj: Any = np
                for part in dotted.split("."):
                    obj = getattr(obj, part, None)
                if not callable(obj):
                    continue
                f = node.func
                edits.append((f.col_offset, f.end_col_offset or 0, name_of(dotted, obj)))
                kws = node.keywords
                if (
                    isinstance(obj, np.ufunc)
                    and obj not in _OUT_BY_NAME
                    and obj.nout == 1
                    and len(node.args) == obj.nin
                    and kws
                    and kws[0].arg == "out"
                    and not isinstance(kws[0].value, ast.Tuple)
                ):
                    edits.append((kws[0].col_offset, kws[0].value.col_offset, ""))
            for lo, hi, rep in sorted(edits, reverse=True):
                text = text[:lo] + rep + text[hi:]
            lowered.append(line[:indent] + text)
        self.lines = lowered


# NumPy 2.4 deprecates a positional output for these two.
_OUT_BY_NAME = (np.maximum, np.minimum)


def _np_attr(node: ast.AST) -> str | None:
    """``"add.reduce"`` for the expression ``np.add.reduce``, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "np" and parts:
        return ".".join(reversed(parts))
    return None
