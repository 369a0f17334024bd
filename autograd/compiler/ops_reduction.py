"""NumPy code for the reductions and the softmax family (see :mod:`autograd.compiler.ops`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.compiler.builder import Builder, Var
from autograd.compiler.ops import _out, _register, _ufunc
from autograd.ops import reduction as red


def _kept(in_shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(in_shape))


def _keepdims(node: Any) -> bool:
    return bool(node.out.data.ndim == len(node.fn.in_shape) and node.fn.axes)


def _sum_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    o = _out(b, node)
    axes, kd = node.fn.axes, _keepdims(node)
    b.emit(f"np.add.reduce({ins[0].name}, axis={axes!r}, keepdims={kd}, out={o.name})")
    return o


def _sum_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    kept = _kept(node.fn.in_shape, node.fn.axes)
    if g.frozen:
        arr = np.empty(node.fn.in_shape, g.dtype)
        arr[...] = b.ns[g.name].reshape(kept)
        return [b.const(arr, f"g{node.index}_0")]
    gr = b.view(g, f".reshape({kept!r})", kept, f"{g.name}_r")
    gi = b.buffer(node.fn.in_shape, g.dtype, f"g{node.index}_0")
    b.emit(f"np.copyto({gi.name}, {gr.name})")
    return [gi]


def _mean_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    o = _out(b, node)
    axes, kd = node.fn.axes, _keepdims(node)
    n = b.obj(np.intp(node.fn.count), "count", f"np.intp({node.fn.count})")
    b.emit(f"np.add.reduce({ins[0].name}, axis={axes!r}, keepdims={kd}, out={o.name})")
    # np.mean divides by an np.intp count: in float64, then cast back.
    b.emit(f"np.true_divide({o.name}, {n}, out={o.name}, casting='unsafe')")
    return o


def _mean_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    kept = _kept(node.fn.in_shape, node.fn.axes)
    if g.frozen:  # the seed of a mean loss: a constant, computed once here
        arr = np.empty(node.fn.in_shape, g.dtype)
        np.true_divide(b.ns[g.name].reshape(kept), node.fn.count, out=arr)
        return [b.const(arr, f"g{node.index}_0")]
    gr = b.view(g, f".reshape({kept!r})", kept, f"{g.name}_r")
    gi = b.buffer(node.fn.in_shape, g.dtype, f"g{node.index}_0")
    # g / n once per element instead of once and broadcast: the same value.
    b.emit(f"np.true_divide({gr.name}, {node.fn.count}, out={gi.name})")
    return [gi]


def _logsumexp(
    b: Builder, node: Any, x: Var, axes: tuple[int, ...], shift_inf: bool = False
) -> Var:
    """``_stable_logsumexp`` of autograd.ops.reduction, keepdims shape."""
    kept = _kept(x.shape, axes)
    m = b.buffer(kept, x.dtype, f"max{node.index}")
    b.emit(f"np.maximum.reduce({x.name}, axis={axes!r}, keepdims=True, out={m.name})")
    if not shift_inf:
        # A row of -inf (or an inf) is not shifted: the eager rule's
        # where(isfinite(m), m, 0), needed only when the sum of the maxima is
        # not finite. (The softmax family shifts by an infinite maximum too.)
        b.emit(f"if not math.isfinite(np.add.reduce({m.name}, axis=None)):")
        b.emit(f"    np.copyto({m.name}, 0, where=~np.isfinite({m.name}))")
    s = b.buffer(x.shape, x.dtype, f"exp{node.index}")
    b.emit(f"np.subtract({x.name}, {m.name}, out={s.name})")
    b.emit(f"np.exp({s.name}, out={s.name})")
    lse = b.buffer(kept, x.dtype, f"lse{node.index}")
    b.emit(f"np.add.reduce({s.name}, axis={axes!r}, keepdims=True, out={lse.name})")
    b.emit(f"np.log({lse.name}, out={lse.name})")
    b.emit(f"np.add({m.name}, {lse.name}, out={lse.name})")
    return lse


def _log_softmax_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    lse = _logsumexp(b, node, ins[0], node.fn.axes, shift_inf=True)
    o = _out(b, node)
    b.emit(f"np.subtract({ins[0].name}, {lse.name}, out={o.name})")
    return o


def _log_softmax_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    axes = node.fn.axes
    e = _ufunc(b, "exp", [out.name], out.shape, out.dtype, f"s{node.index}")
    s = b.buffer(_kept(g.shape, axes), g.dtype, f"gsum{node.index}")
    b.emit(f"np.add.reduce({g.name}, axis={axes!r}, keepdims=True, out={s.name})")
    b.emit(f"np.multiply({e.name}, {s.name}, out={e.name})")
    return [_ufunc(b, "subtract", [g.name, e.name], g.shape, g.dtype, f"g{node.index}_0")]


def _softmax_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    lse = _logsumexp(b, node, ins[0], node.fn.axes, shift_inf=True)
    o = _out(b, node)
    b.emit(f"np.subtract({ins[0].name}, {lse.name}, out={o.name})")
    b.emit(f"np.exp({o.name}, out={o.name})")
    return o


def _softmax_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    axes = node.fn.axes
    gy = _ufunc(b, "multiply", [g.name, out.name], g.shape, g.dtype, f"s{node.index}")
    s = b.buffer(_kept(g.shape, axes), g.dtype, f"gsum{node.index}")
    b.emit(f"np.add.reduce({gy.name}, axis={axes!r}, keepdims=True, out={s.name})")
    d = _ufunc(b, "subtract", [g.name, s.name], g.shape, g.dtype, f"s{node.index}")
    return [_ufunc(b, "multiply", [out.name, d.name], g.shape, g.dtype, f"g{node.index}_0")]


def _lse_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    if node.fn.identity:  # axis=(): the input itself, a case eager handles
        from autograd.compiler.program import Unsupported

        raise Unsupported("logsumexp over no axis has no compiled form")
    lse = _logsumexp(b, node, ins[0], node.fn.axes)
    node.extra = lse
    arr = node.out.data
    if arr.shape == lse.shape:
        return lse
    return b.view(lse, f".reshape({arr.shape!r})", arr.shape, f"t{node.index}")


def _lse_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    (a,) = ins
    lse = node.extra
    gr = b.view(g, f".reshape({node.fn.kept!r})", node.fn.kept, f"{g.name}_r")
    e = _ufunc(b, "subtract", [a.name, lse.name], a.shape, a.dtype, f"s{node.index}")
    b.emit(f"np.exp({e.name}, out={e.name})")
    shape = np.broadcast_shapes(gr.shape, e.shape)
    return [_ufunc(b, "multiply", [gr.name, e.name], shape, g.dtype, f"g{node.index}_0")]


_register(red.Sum, _sum_fwd, _sum_back)
_register(red.Mean, _mean_fwd, _mean_back)
_register(red.LogSoftmax, _log_softmax_fwd, _log_softmax_back)
_register(red.Softmax, _softmax_fwd, _softmax_back)
_register(red.LogSumExp, _lse_fwd, _lse_back)
