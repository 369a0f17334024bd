"""NumPy code for the fused loss primitives (see :mod:`autograd.compiler.ops`).

Call for call what :mod:`autograd.ops.fused` computes on arrays; scalars are
bound as 0-d arrays of the loss's dtype, as the eager rules make them, so
that no Python float changes a float32 computation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.compiler.builder import Builder, Var
from autograd.compiler.ops import _out, _register, _ufunc
from autograd.ops import fused as fu


def _scalar(b: Builder, value: float, dtype: Any, hint: str) -> Var:
    return b.const(np.array(value, dtype=dtype), hint)


def _mse_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    x, t = ins
    d = b.buffer(x.shape, x.dtype, f"diff{node.index}")
    b.emit(f"np.subtract({x.name}, {t.name}, out={d.name})")
    node.extra = d
    reduction = node.fn.reduction
    o = _out(b, node)
    if reduction == "none":
        b.emit(f"np.square({d.name}, out={o.name})")
        return o
    sq = b.buffer(x.shape, x.dtype, f"sq{node.index}")
    b.emit(f"np.square({d.name}, out={sq.name})")
    b.emit(f"np.add.reduce({sq.name}, axis=None, out={o.name})")
    if reduction == "mean":
        n = b.obj(np.intp(node.fn.count), "count", f"np.intp({node.fn.count})")
        divide = f"np.true_divide({o.name}, {n}, out={o.name}, casting='unsafe')"
        if node.fn.count:
            b.emit(divide)
        else:  # 0 / 0: the NaN of a mean of nothing, silently, as eager
            b.emit("with np.errstate(invalid='ignore'):")
            b.emit(f"    {divide}")
    return o


def _mse_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    d = node.extra
    fn = node.fn
    if fn.reduction == "mean" and fn.count:
        g = _ufunc(b, "true_divide", [g.name, repr(fn.count)], g.shape, d.dtype, f"s{node.index}")
    d2 = _ufunc(b, "multiply", [d.name, "2.0"], d.shape, d.dtype, f"s{node.index}")
    shape = np.broadcast_shapes(g.shape, d.shape)
    gx = _ufunc(b, "multiply", [g.name, d2.name], shape, d.dtype, f"g{node.index}_0")
    gt = None
    if needs[1]:
        gt = _ufunc(b, "negative", [gx.name], gx.shape, gx.dtype, f"g{node.index}_1")
    return [gx if needs[0] else None, gt]


def _ce_fwd(b: Builder, node: Any, ins: list[Var]) -> Var:
    x, t = ins
    rows = x.shape[0]
    logp = b.buffer(x.shape, x.dtype, f"logp{node.index}")
    m = b.buffer((rows, 1), x.dtype, f"max{node.index}")
    lse = b.buffer((rows, 1), x.dtype, f"lse{node.index}")
    if 0 in x.shape:
        b.emit(f"{m.name}.fill(0)")
    else:
        b.emit(f"np.maximum.reduce({x.name}, axis=1, keepdims=True, out={m.name})")
    # No np.errstate block, as in the LogSoftmax replay: it would cost about 1 us
    # per step, and only a row of -inf or holding +inf makes NumPy warn.
    b.emit(f"np.subtract({x.name}, {m.name}, out={logp.name})")
    b.emit(f"np.exp({logp.name}, out={logp.name})")
    b.emit(f"np.add.reduce({logp.name}, axis=1, keepdims=True, out={lse.name})")
    b.emit(f"np.log({lse.name}, out={lse.name})")
    b.emit(f"np.add({m.name}, {lse.name}, out={lse.name})")
    b.emit(f"np.subtract({x.name}, {lse.name}, out={logp.name})")
    r = b.const(np.arange(rows), "rows")
    node.extra = (logp, r, t)
    picked = b.local(f"{logp.name}[{r.name}, {t.name}]", (rows,), x.dtype, f"picked{node.index}")
    o = _out(b, node)
    reduction = node.fn.reduction
    if reduction == "none":
        b.emit(f"np.negative({picked.name}, out={o.name})")
        return o
    b.emit(f"np.add.reduce({picked.name}, axis=None, out={o.name})")
    if reduction == "sum":
        b.emit(f"np.negative({o.name}, out={o.name})")
    else:
        k = _scalar(b, -fu._inverse(rows), x.dtype, "minus_one_over_n")
        b.emit(f"np.multiply({o.name}, {k.name}, out={o.name})")
    return o


def _ce_back(b: Builder, node: Any, g: Var, ins: list, out: Var, needs: list) -> list:
    logp, r, t = node.extra
    diff = _ufunc(b, "exp", [logp.name], logp.shape, logp.dtype, f"g{node.index}_0")
    b.emit(f"{diff.name}[{r.name}, {t.name}] -= 1.0  # softmax - onehot")
    reduction = node.fn.reduction
    if reduction == "none":
        gc = b.view(g, ".reshape(-1, 1)", (g.shape[0], 1), f"{g.name}_c")
        b.emit(f"np.multiply({diff.name}, {gc.name}, out={diff.name})")
        return [diff, None]
    if reduction == "mean":
        k = _scalar(b, fu._inverse(logp.shape[0]), logp.dtype, f"k{node.index}")
        g = _ufunc(b, "multiply", [g.name, k.name], (), logp.dtype, f"s{node.index}")
    b.emit(f"np.multiply({diff.name}, {g.name}, out={diff.name})")
    return [diff, None]


_register(fu.MseLoss, _mse_fwd, _mse_back)
_register(fu.SoftmaxCrossEntropy, _ce_fwd, _ce_back)
