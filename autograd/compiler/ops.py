"""NumPy code for each primitive's forward and backward, as the replay runs them.

Each entry repeats, call for call, what the primitive in :mod:`autograd.ops`
computes on arrays (the same ufuncs, in the same order, on the same dtypes),
writing into buffers with ``out=`` where the eager rule allocates. A ufunc
gives the same bits with and without ``out=``, so the replay is byte for byte
the eager step; the tests in ``tests/compile`` check that for every entry.
An operation without an entry makes the step run eagerly.

``forward(b, node, ins) -> Var`` and ``backward(b, node, g, ins, out, needs)
-> list`` (one gradient Var or None per input) write lines into the
:class:`~autograd.compiler.builder.Builder` ``b``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.compiler.builder import Builder, Var
from autograd.ops import elementwise as ew
from autograd.ops import linalg as la
from autograd.ops import selection
from autograd.ops import shape as sh

FORWARD: dict[type, Callable[..., Var]] = {}
BACKWARD: dict[type, Callable[..., list[Var | None]]] = {}

_UINT = {4: np.uint32, 8: np.uint64, 2: np.uint16}


def _register(cls: type, forward: Callable[..., Var], backward: Callable[..., list]) -> None:
    FORWARD[cls] = forward
    BACKWARD[cls] = backward


def _out(b: Builder, node: Any, hint: str | None = None) -> Var:
    arr = node.out.data
    return b.buffer(arr.shape, arr.dtype, hint or f"t{node.index}")


def _grad_buf(b: Builder, like: Var, node: Any, i: int) -> Var:
    return b.buffer(like.shape, like.dtype, f"g{node.index}_{i}")


def _lit(value: Any) -> str:
    """A Python scalar as it appears in the source (repr round-trips floats)."""
    return repr(value)


def _constant_args(b: Builder, args: list[str]) -> list[Any] | None:
    values = []
    for a in args:
        if a in b.frozen:
            values.append(b.ns[a])
        else:
            try:
                values.append(float(a))
            except ValueError:
                return None
    return values


def _ufunc(b: Builder, ufunc: str, args: list[str], shape: tuple, dtype: Any, hint: str) -> Var:
    values = _constant_args(b, args)
    if values is not None:  # constants only (a loss's seed): computed once, here
        arr = np.empty(shape, dtype)
        getattr(np, ufunc)(*values, out=arr)
        return b.const(arr, hint)
    o = b.buffer(shape, dtype, hint)
    b.emit(f"np.{ufunc}({', '.join(args)}, out={o.name})")
    return o


# -- elementwise ------------------------------------------------------------


def _binary(ufunc: str) -> Callable[..., Var]:
    def forward(b: Builder, node: Any, ins: list[Var]) -> Var:
        o = _out(b, node)
        b.emit(f"np.{ufunc}({ins[0].name}, {ins[1].name}, out={o.name})")
        return o

    return forward


def _unary(ufunc: str) -> Callable[..., Var]:
    def forward(b: Builder, node: Any, ins: list[Var]) -> Var:
        o = _out(b, node)
        b.emit(f"np.{ufunc}({ins[0].name}, out={o.name})")
        return o

    return forward


def _add_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    return [g, g]


def _sub_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    neg = (
        _ufunc(b, "negative", [g.name], g.shape, g.dtype, f"g{node.index}_1") if needs[1] else None
    )
    return [g, neg]


def _neg_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    return [_ufunc(b, "negative", [g.name], g.shape, g.dtype, f"g{node.index}_0")]


def _mul_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    a, c = ins
    shape = np.broadcast_shapes(g.shape, a.shape, c.shape)
    dt = out.dtype
    ga = (
        _ufunc(b, "multiply", [g.name, c.name], shape, dt, f"g{node.index}_0") if needs[0] else None
    )
    gb = (
        _ufunc(b, "multiply", [g.name, a.name], shape, dt, f"g{node.index}_1") if needs[1] else None
    )
    return [ga, gb]


def _div_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    a, c = ins
    shape = np.broadcast_shapes(g.shape, c.shape)
    ga = _ufunc(b, "true_divide", [g.name, c.name], shape, out.dtype, f"g{node.index}_0")
    gb = None
    if needs[1]:
        neg = _ufunc(b, "negative", [ga.name], ga.shape, ga.dtype, f"s{node.index}")
        shape2 = np.broadcast_shapes(neg.shape, a.shape)
        prod = _ufunc(b, "multiply", [neg.name, a.name], shape2, ga.dtype, f"s{node.index}")
        shape3 = np.broadcast_shapes(prod.shape, c.shape)
        gb = _ufunc(b, "true_divide", [prod.name, c.name], shape3, ga.dtype, f"g{node.index}_1")
    return [ga if needs[0] else None, gb]


_NUMPY_1 = np.lib.NumpyVersion(np.__version__) < "2.0.0"


def scalar_power_ufunc(p: Any, dtype: Any) -> str:
    """The ufunc ``array ** p`` calls for an array of ``dtype`` and a Python number ``p``.

    NumPy replaces ``np.power`` by a unary ufunc for some exponents, and the
    two can differ in the last bit (NumPy 1.26's vectorised power can give
    other than ``x`` even at ``p = 1``). NumPy 1.x does it for float and
    complex arrays at ``p`` equal to 1, -1, 0, 0.5 or 2 (an int or a float),
    and for other arrays at 2; NumPy 2 only for float and complex arrays, at
    the ints -1 and 2 and the float 0.5. ``"ones"`` stands for NumPy 1.x's
    ``_ones_like``.
    """
    kind = np.dtype(dtype).kind
    if _NUMPY_1:
        if kind in "fc":
            fast = {1.0: "positive", -1.0: "reciprocal", 0.0: "ones", 0.5: "sqrt", 2.0: "square"}
            return fast.get(p, "power")
        return "square" if p == 2 else "power"
    if kind in "fc" and type(p) is int and p in (-1, 2):
        return "reciprocal" if p == -1 else "square"
    if kind in "fc" and type(p) is float and p == 0.5:
        return "sqrt"
    return "power"


def _power(b: Builder, base: Var, p: Any, dtype: Any, hint: str) -> Var:
    # What the eager ``base.data ** p`` computes, call for call.
    ufunc = scalar_power_ufunc(p, base.dtype)
    if ufunc == "ones":
        o = b.buffer(base.shape, dtype, hint)
        b.emit(f"{o.name}.fill(1)")
        return o
    if ufunc == "power":
        return _ufunc(b, "power", [base.name, _lit(p)], base.shape, dtype, hint)
    return _ufunc(b, ufunc, [base.name], base.shape, dtype, hint)


def _pow_scalar_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    arr = node.out.data
    return _power(b, ins[0], node.fn.exponent, arr.dtype, f"t{node.index}")


def _pow_scalar_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    (a,) = ins
    p = node.fn.exponent
    hint = f"g{node.index}_0"
    if p == 0:  # eager: dual.zeros_like(g), an exact zero
        return [b.const(np.zeros(g.shape, g.dtype), hint)]
    if p == 1:
        return [g]
    if p == 0.5:  # eager: g / (sqrt(a) * 2.0)
        s = _ufunc(b, "sqrt", [a.name], a.shape, a.dtype, f"s{node.index}")
        b.emit(f"np.multiply({s.name}, 2.0, out={s.name})")
        return [_ufunc(b, "true_divide", [g.name, s.name], g.shape, g.dtype, hint)]
    if p == 2:
        s = _ufunc(b, "multiply", [a.name, "2.0"], a.shape, a.dtype, f"s{node.index}")
    else:
        s = _power(b, a, p - 1, a.dtype, f"s{node.index}")
        b.emit(f"np.multiply({s.name}, {_lit(p)}, out={s.name})")
    return [_ufunc(b, "multiply", [g.name, s.name], g.shape, g.dtype, hint)]


def _exp_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    return [_ufunc(b, "multiply", [g.name, out.name], g.shape, g.dtype, f"g{node.index}_0")]


def _log_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    return [_ufunc(b, "true_divide", [g.name, ins[0].name], g.shape, g.dtype, f"g{node.index}_0")]


def _sqrt_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    s = _ufunc(b, "multiply", [out.name, "2.0"], out.shape, out.dtype, f"s{node.index}")
    return [_ufunc(b, "true_divide", [g.name, s.name], g.shape, g.dtype, f"g{node.index}_0")]


def _tanh_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    s = _ufunc(b, "multiply", [out.name, out.name], out.shape, out.dtype, f"s{node.index}")
    b.emit(f"np.subtract(1.0, {s.name}, out={s.name})")
    return [_ufunc(b, "multiply", [g.name, s.name], g.shape, g.dtype, f"g{node.index}_0")]


def _sigmoid_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    (x,) = ins
    e = _ufunc(b, "absolute", [x.name], x.shape, x.dtype, f"e{node.index}")
    b.emit(f"np.negative({e.name}, out={e.name})")
    b.emit(f"np.exp({e.name}, out={e.name})")
    w = b.local(f"np.where({x.name} >= 0, 1.0, {e.name})", x.shape, x.dtype, f"w{node.index}")
    d = _ufunc(b, "add", ["1.0", e.name], x.shape, x.dtype, f"d{node.index}")
    o = _out(b, node)
    b.emit(f"np.true_divide({w.name}, {d.name}, out={o.name})")
    return o


def _sigmoid_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    s = _ufunc(b, "subtract", ["1.0", out.name], out.shape, out.dtype, f"s{node.index}")
    b.emit(f"np.multiply({out.name}, {s.name}, out={s.name})")
    return [_ufunc(b, "multiply", [g.name, s.name], g.shape, g.dtype, f"g{node.index}_0")]


def _select(b: Builder, node: Any, g: Var, mask_expr: str, hint: str) -> Var:
    """``where(mask, g, 0)`` bit for bit: the gradient's bits AND an all-ones or
    all-zeros integer per element (as fast as a multiply, which would turn
    ``-x * 0`` into -0.0 and ``inf * 0`` into NaN where ``where`` gives 0)."""
    ut = np.dtype(_UINT[g.dtype.itemsize]).name
    gi = b.buffer(g.shape, g.dtype, hint)
    gv = b.view(g, f".view(np.{ut})", g.shape, f"{g.name}_bits")
    bits = b.view(gi, f".view(np.{ut})", g.shape, f"{gi.name}_bits")  # the mask, then the result
    if mask_expr.endswith(" > 0"):  # one comparison: written straight into the bits
        b.emit(f"np.greater({mask_expr[:-4]}, 0, out={bits.name}, casting='unsafe')")
        b.emit(f"np.negative({bits.name}, out={bits.name})  # 1 -> all ones, 0 -> 0")
    elif mask_expr.startswith("~(") and mask_expr.endswith(" <= 0)"):
        # not <= 0 (ReLU's): the comparison into a bool buffer, widened, then
        # 1 -> 0, 0 -> all ones. No temporaries: 0.4 us faster at (100, 16)
        # than ~(out <= 0) copied in, and than comparing straight into the
        # bits (whose cast is buffered).
        le = b.buffer(g.shape, np.bool_, f"{hint}_le")
        b.emit(f"np.less_equal({mask_expr[2:-6]}, 0, out={le.name})")
        b.emit(f"np.copyto({bits.name}, {le.name}, casting='unsafe')")
        # A 1 of the bits' own type: NumPy 1.x computes uint64 - int in float64.
        one = b.const(np.ones((), ut), "one_bits")
        b.emit(f"np.subtract({bits.name}, {one.name}, out={bits.name})  # 1 -> 0, 0 -> all ones")
    else:
        b.emit(f"np.copyto({bits.name}, {mask_expr}, casting='unsafe')")
        b.emit(f"np.negative({bits.name}, out={bits.name})  # 1 -> all ones, 0 -> 0")
    b.emit(f"np.bitwise_and({gv.name}, {bits.name}, out={bits.name})")
    return gi


def _relu_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    o = _out(b, node)
    b.emit(f"np.maximum({ins[0].name}, 0, out={o.name})")
    return o


def _relu_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    # eager: where(out <= 0, 0, g), so a NaN passes its gradient on
    return [_select(b, node, g, f"~({out.name} <= 0)", f"g{node.index}_0")]


def _abs_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    # eager: sign as (x > 0) - (x < 0) in x's dtype, 0 at NaN
    x = ins[0]
    s = b.buffer(x.shape, x.dtype, f"s{node.index}")
    n = b.buffer(x.shape, x.dtype, f"n{node.index}")
    b.emit(f"np.copyto({s.name}, {x.name} > 0, casting='unsafe')")
    b.emit(f"np.copyto({n.name}, {x.name} < 0, casting='unsafe')")
    b.emit(f"np.subtract({s.name}, {n.name}, out={s.name})")
    return [_ufunc(b, "multiply", [g.name, s.name], g.shape, g.dtype, f"g{node.index}_0")]


def _clip_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    o = _out(b, node)
    lo, hi = node.fn.lo, node.fn.hi
    b.emit(f"np.clip({ins[0].name}, {_lit(lo)}, {_lit(hi)}, out={o.name})")
    return o


def _clip_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    x = ins[0].name
    lo, hi = node.fn.lo, node.fn.hi
    parts = []
    if lo is not None:
        parts.append(f"({x} >= {_lit(lo)})")
    if hi is not None:
        parts.append(f"({x} <= {_lit(hi)})")
    return [_select(b, node, g, " & ".join(parts), f"g{node.index}_0")]


def _cast_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    o = _out(b, node)
    b.emit(f"np.copyto({o.name}, {ins[0].name}, casting='unsafe')")
    return o


def _cast_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    gi = b.buffer(g.shape, node.fn.source_dtype, f"g{node.index}_0")
    b.emit(f"np.copyto({gi.name}, {g.name}, casting='unsafe')")
    return [gi]


def _where_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    arr = node.out.data
    c, x, y = ins
    return b.local(
        f"np.where({c.name}, {x.name}, {y.name})", arr.shape, arr.dtype, f"t{node.index}"
    )


def _where_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    c = ins[0].name
    z = b.const(np.array(0, dtype=g.dtype), "zero")
    ga = gb = None
    if needs[1]:
        ga = b.local(f"np.where({c}, {g.name}, {z.name})", g.shape, g.dtype, f"g{node.index}_1")
    if needs[2]:
        gb = b.local(f"np.where({c}, {z.name}, {g.name})", g.shape, g.dtype, f"g{node.index}_2")
    return [None, ga, gb]


for _cls, _uf in ((ew.Add, "add"), (ew.Sub, "subtract"), (ew.Mul, "multiply")):
    FORWARD[_cls] = _binary(_uf)
FORWARD[ew.Div] = _binary("true_divide")
BACKWARD[ew.Add] = _add_back
BACKWARD[ew.Sub] = _sub_back
BACKWARD[ew.Mul] = _mul_back
BACKWARD[ew.Div] = _div_back
_register(ew.Neg, _unary("negative"), _neg_back)
_register(ew.PowScalar, _pow_scalar_fwd, _pow_scalar_back)
_register(ew.Exp, _unary("exp"), _exp_back)
_register(ew.Log, _unary("log"), _log_back)
_register(ew.Sqrt, _unary("sqrt"), _sqrt_back)
_register(ew.Tanh, _unary("tanh"), _tanh_back)
_register(ew.Sigmoid, _sigmoid_fwd, _sigmoid_back)
_register(ew.ReLU, _relu_fwd, _relu_back)
_register(ew.Abs, _unary("absolute"), _abs_back)
_register(ew.Clip, _clip_fwd, _clip_back)
_register(ew.Cast, _cast_fwd, _cast_back)
_register(selection.Where, _where_fwd, _where_back)


# -- shape and indexing -----------------------------------------------------


def _reshape_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    shape = node.out.data.shape
    return b.view(ins[0], f".reshape({shape!r})", shape, f"t{node.index}")


def _reshape_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    shape = node.fn.in_shape
    return [b.view(g, f".reshape({shape!r})", shape, f"g{node.index}_0")]


def _transpose_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    shape = node.out.data.shape
    return b.view(ins[0], f".transpose({node.fn.axes!r})", shape, f"t{node.index}")


def _transpose_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    inv = tuple(int(i) for i in np.argsort(node.fn.axes))
    shape = tuple(g.shape[i] for i in inv)
    return [b.view(g, f".transpose({inv!r})", shape, f"g{node.index}_0")]


def _broadcast_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    shape = node.out.data.shape
    x = ins[0]
    expr = f"np.broadcast_to({x.name}, {shape!r})"
    if x.static:
        obj = np.broadcast_to(b.ns[x.name], shape)
        return Var(b.bind(obj, f"t{node.index}", expr), shape, x.dtype, static=True)
    return Var(b.local(expr, shape, x.dtype, f"t{node.index}").name, shape, x.dtype, False)


def _broadcast_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    return [g]


def _getitem_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    arr = node.out.data
    index = node.index_expr  # set by the program: the index with array names
    return b.local(f"{ins[0].name}[{index}]", arr.shape, arr.dtype, f"t{node.index}")


def _rows_then_columns(b: Builder, node: Any) -> bool:
    """``x[arange(n), cols]`` (a loss picking one entry per row): every index
    pair is distinct, so adding at the indices is assigning ``0 + g`` there."""
    index = node.fn.index
    if not (isinstance(index, tuple) and len(index) == 2 and len(node.fn.in_shape) == 2):
        return False
    rows, cols = index
    if not (isinstance(rows, np.ndarray) and isinstance(cols, np.ndarray)):
        return False
    n = node.out.data.shape
    return (
        rows.shape == cols.shape == n
        and len(n) == 1
        and rows.dtype.kind in "iu"
        and np.array_equal(rows, np.arange(n[0]))
        and node.index_expr.split(",")[0] in b.frozen
    )


def _getitem_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    gi = b.buffer(node.fn.in_shape, g.dtype, f"g{node.index}_0")
    b.emit(f"{gi.name}.fill(0)")
    if node.fn.accumulate and _rows_then_columns(b, node):
        g0 = _ufunc(b, "add", ["0.0", g.name], g.shape, g.dtype, f"{g.name}_0")
        b.emit(f"{gi.name}[{node.index_expr}] = {g0.name}  # distinct pairs: add.at's 0 + g")
    elif node.fn.accumulate:
        # np.s_ turns the subscript (slices included) into an index object.
        b.emit(f"np.add.at({gi.name}, np.s_[{node.index_expr}], {g.name})")
    else:
        b.emit(f"{gi.name}[{node.index_expr}] = {g.name}")
    return [gi]


def _concat_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    o = _out(b, node)
    names = ", ".join(v.name for v in ins)
    b.emit(f"np.concatenate([{names}], axis={node.fn.axis}, out={o.name})")
    return o


def _concat_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    axis = node.fn.axis
    grads: list[Var | None] = []
    for i, need in enumerate(needs):
        if not need:
            grads.append(None)
            continue
        lo, hi = int(node.fn.bounds[i]), int(node.fn.bounds[i + 1])
        index = ":, " * axis + f"{lo}:{hi}"
        shape = (*g.shape[:axis], hi - lo, *g.shape[axis + 1 :])
        grads.append(b.view(g, f"[{index}]", shape, f"g{node.index}_{i}"))
    return grads


_register(sh.Reshape, _reshape_fwd, _reshape_back)
_register(sh.Transpose, _transpose_fwd, _transpose_back)
_register(sh.BroadcastTo, _broadcast_fwd, _broadcast_back)
_register(sh.GetItem, _getitem_fwd, _getitem_back)
_register(sh.Concatenate, _concat_fwd, _concat_back)


# -- linear algebra ---------------------------------------------------------


def _swap(b: Builder, v: Var) -> Var:
    if len(v.shape) == 2:
        return b.view(v, ".T", v.shape[::-1], f"{v.name}_T")
    axes = list(range(len(v.shape)))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    shape = tuple(v.shape[i] for i in axes)
    return b.view(v, f".transpose({tuple(axes)!r})", shape, f"{v.name}_T")


def _matmul_shape(a: tuple, c: tuple) -> tuple:
    lead = np.broadcast_shapes(a[:-2], c[:-2])
    return (*lead, a[-2], c[-1])


def _matmul_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    o = _out(b, node)
    b.emit(f"np.matmul({ins[0].name}, {ins[1].name}, out={o.name})")
    return o


def _matmul_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    a, c = ins
    ga = gb = None
    if needs[0]:
        cs = _swap(b, c)
        ga = _ufunc(
            b, "matmul", [g.name, cs.name], _matmul_shape(g.shape, cs.shape), g.dtype,
            f"g{node.index}_0",
        )  # fmt: skip
    if needs[1]:
        as_ = _swap(b, a)
        gb = _ufunc(
            b, "matmul", [as_.name, g.name], _matmul_shape(as_.shape, g.shape), g.dtype,
            f"g{node.index}_1",
        )  # fmt: skip
    return [ga, gb]


def _linear_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    o = _out(b, node)
    x, w = ins[0], ins[1]
    wt = b.view(w, ".T", w.shape[::-1], f"{w.name}_T")
    if len(ins) == 2:
        b.emit(f"np.matmul({x.name}, {wt.name}, out={o.name})")
        return o
    bias = ins[2]
    if bias.dtype == o.dtype:
        b.emit(f"np.matmul({x.name}, {wt.name}, out={o.name})")
        b.emit(f"np.add({o.name}, {bias.name}, out={o.name})")
        return o
    prod = b.buffer(o.shape, np.result_type(x.dtype, w.dtype), f"s{node.index}")
    b.emit(f"np.matmul({x.name}, {wt.name}, out={prod.name})")
    b.emit(f"np.add({prod.name}, {bias.name}, out={o.name})")
    return o


def _linear_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    x, w = ins[0], ins[1]
    gx = gw = gb = None
    if needs[0]:
        gx = _ufunc(
            b, "matmul", [g.name, w.name], (*g.shape[:-1], w.shape[1]), g.dtype,
            f"g{node.index}_0",
        )  # fmt: skip
    g2, x2 = g, x
    if len(g.shape) != 2:  # stacked inputs: fold the leading axes into one
        rows = int(np.prod(g.shape[:-1]))
        g2 = b.view(g, f".reshape({rows}, {g.shape[-1]})", (rows, g.shape[-1]), f"{g.name}_2d")
        x2 = b.view(x, f".reshape({rows}, {x.shape[-1]})", (rows, x.shape[-1]), f"{x.name}_2d")
    if needs[1]:
        gt = b.view(g2, ".T", g2.shape[::-1], f"{g2.name}_T")
        gw = _ufunc(b, "matmul", [gt.name, x2.name], w.shape, g.dtype, f"g{node.index}_1")
    if len(ins) == 3 and needs[2]:
        gb = b.buffer((g.shape[-1],), g.dtype, f"g{node.index}_2")
        b.emit(f"np.add.reduce({g2.name}, axis=0, out={gb.name})")
    return [gx, gw, gb][: len(ins)]


_register(la.MatMul, _matmul_fwd, _matmul_back)
_register(la.Linear, _linear_fwd, _linear_back)


# The reductions register themselves from their own file (imported last:
# it uses the helpers above).
from autograd.compiler import ops_fused, ops_reduction  # noqa: E402, F401
