"""How a compiled step repeats ``SGD.step()`` and ``Adam.step()`` (see :mod:`autograd.compiler`).

Each emitter writes, for the parameters that had a gradient when the step
was traced, exactly the NumPy calls of the optimizer's ``step`` in
:mod:`nn.optim`, operation by operation and in the same order, so that the
replay's weights are byte for byte the eager ones. The hyperparameters are
read from the parameter group at every call, as ``step()`` reads them (a
scheduler that changes ``lr`` between calls keeps working); what changes the
code (momentum on or off, Nesterov, weight decay, amsgrad) is a guard.
"""

from __future__ import annotations

from typing import Any

from autograd.compiler import register_update
from autograd.compiler.program import UpdateContext
from nn import optim as _optim
from nn.optim import SGD, Adam, AdamW


def _group(ctx: UpdateContext, opt: Any, i: int, group: dict, has_grad: dict) -> tuple:
    name = ctx.bind(group, f"group{i}", f"optimizer.param_groups[{i}]")
    groups = ctx.bind(opt.param_groups, "param_groups", "optimizer.param_groups")
    ctx.guard(f"len({groups}) == {len(opt.param_groups)} and {groups}[{i}] is {name}")
    params = [p for p in group["params"] if has_grad.get(id(p))]
    ctx.guard(f"len({name}['params']) == {len(group['params'])}")
    state = ctx.bind(opt.state, "state", "optimizer.state")
    return name, params, state


def _blocks(ctx: UpdateContext, opt: Any, p: Any, hints: list[str]) -> list[tuple[str, list[str]]]:
    """``(row slice, work array names)`` of each block the update of ``p``
    runs in, as ``step()`` does: the whole parameter (slice ``""``), or for
    one above ``nn.optim._CHUNK`` elements, blocks of rows with work arrays
    of the block's size (so that the replay's memory is eager's)."""
    if p.data.size <= _optim._CHUNK:
        return [("", [ctx.scratch(opt, p, s, hint) for s, hint in enumerate(hints)])]
    out = []
    for rows, works in opt._chunks(p.data, len(hints)):
        names = []
        for w, hint in zip(works, hints):
            name = ctx.bind(w, f"{hint}_{rows.start}", f"a work array of the optimizer, {w.shape}")
            ctx.b.host(name)  # its memory can hold buffers outside the update
            names.append(name)
        out.append((f"[{rows.start}:{rows.stop}]", names))
    return out


def _read(ctx: UpdateContext, group: str, key: str, expr: str | None = None) -> str:
    local = ctx.local(key)
    ctx.emit(f"{local} = float({group}{expr or repr([key])})")
    return local


def _sgd(ctx: UpdateContext, opt: SGD, has_grad: dict[int, bool]) -> None:
    for i, group in enumerate(opt.param_groups):
        name, params, state = _group(ctx, opt, i, group, has_grad)
        if not params:
            continue
        wd = float(group["weight_decay"]) != 0
        momentum = float(group["momentum"]) != 0
        damp = float(group["dampening"]) == 0
        nesterov = bool(group["nesterov"])
        ctx.guard(f"(float({name}['weight_decay']) != 0) is {wd}")
        ctx.guard(f"(float({name}['momentum']) != 0) is {momentum}")
        if momentum:
            ctx.guard(f"(float({name}['dampening']) == 0) is {damp}")
            ctx.guard(f"bool({name}['nesterov']) is {nesterov}")
        lr = _read(ctx, name, "lr")
        mu = _read(ctx, name, "momentum") if momentum else ""
        tau = _read(ctx, name, "dampening") if momentum and not damp else ""
        lam = _read(ctx, name, "weight_decay") if wd else ""
        for p in params:
            P, label = ctx.tensor(p), ctx.label(p)
            buf = ""
            if momentum:
                st = ctx.bind(opt.state[p], f"state_{label}", f"optimizer.state[{P}]")
                ctx.guard(f"{state}.get({P}) is {st}")
                buf = ctx.bind(
                    opt.state[p]["momentum_buffer"], f"momentum_{label}",
                    f"{st}['momentum_buffer']",
                )  # fmt: skip
                ctx.guard(f"{st}['momentum_buffer'] is {buf}")
            second = f"damped_{label}" if momentum and not damp else f"extra_{label}"
            hints = [f"work_{label}"] + ([second] if momentum and (nesterov or not damp) else [])
            whole_g = ctx.grad(p)
            for rows, works in _blocks(ctx, opt, p, hints):
                data = ctx.param(p) + rows
                g = f"({whole_g}){rows}" if rows else whole_g
                b = buf + rows
                work = works[0]
                if wd:
                    ctx.emit(f"np.multiply({data}, {lam}, out={work})")
                    ctx.emit(f"np.add({work}, {g}, out={work})")
                    g = work
                if momentum:
                    ctx.emit(f"np.multiply({b}, {mu}, out={b})")
                    if damp:
                        ctx.emit(f"np.add({b}, {g}, out={b})")
                    else:
                        damped = works[1]
                        ctx.emit(f"np.multiply({g}, 1 - {tau}, out={damped})")
                        ctx.emit(f"np.add({b}, {damped}, out={b})")
                    if nesterov:
                        extra = works[1]
                        ctx.emit(f"np.multiply({b}, {mu}, out={extra})")
                        ctx.emit(f"np.add({g}, {extra}, out={work})")
                        g = work
                    else:
                        g = b
                ctx.emit(f"np.multiply({g}, {lr}, out={work})")
                ctx.emit(f"np.subtract({data}, {work}, out={data})")


def _adam(ctx: UpdateContext, opt: Adam, has_grad: dict[int, bool]) -> None:
    decoupled = opt._decoupled
    for i, group in enumerate(opt.param_groups):
        name, params, state = _group(ctx, opt, i, group, has_grad)
        if not params:
            continue
        wd = float(group["weight_decay"]) != 0
        amsgrad = bool(group["amsgrad"])
        small_w = (1.0 - float(group["betas"][0])) < 0.5
        ctx.guard(f"(float({name}['weight_decay']) != 0) is {wd}")
        ctx.guard(f"bool({name}['amsgrad']) is {amsgrad}")
        ctx.guard(f"((1.0 - float({name}['betas'][0])) < 0.5) is {small_w}")
        lr = _read(ctx, name, "lr")
        beta1 = _read(ctx, name, "beta1", "['betas'][0]")
        beta2 = _read(ctx, name, "beta2", "['betas'][1]")
        eps = _read(ctx, name, "eps")
        lam = _read(ctx, name, "weight_decay") if wd else ""
        # m.lerp_(g, w) as PyTorch computes it (see nn.optim.Adam.step).
        w = ctx.local("w_factor")
        ctx.emit(f"{w} = 1.0 - {beta1}" if small_w else f"{w} = 1.0 - (1.0 - {beta1})")
        for p in params:
            data, g, P = ctx.param(p), ctx.grad(p), ctx.tensor(p)
            label = ctx.label(p)
            st_dict = opt.state[p]
            st = ctx.bind(st_dict, f"state_{label}", f"optimizer.state[{P}]")
            ctx.guard(f"{state}.get({P}) is {st}")
            names = {}
            for key in ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ()):
                names[key] = ctx.bind(st_dict[key], f"{key}_{label}", f"{st}[{key!r}]")
                ctx.guard(f"{st}[{key!r}] is {names[key]}")
            m, v = names["exp_avg"], names["exp_avg_sq"]
            step = ctx.local(f"step_{label}")
            ctx.emit(f"{step} = {st}['step'] = {st}['step'] + 1")
            whole_g = ctx.grad(p)
            for rows, (work, work2) in _blocks(ctx, opt, p, [f"work_{label}", f"work2_{label}"]):
                data = ctx.param(p) + rows
                g = f"({whole_g}){rows}" if rows else whole_g
                m, v = names["exp_avg"] + rows, names["exp_avg_sq"] + rows
                if wd:
                    if decoupled:
                        ctx.emit(f"np.multiply({data}, 1 - {lr} * {lam}, out={data})")
                    else:
                        ctx.emit(f"np.multiply({data}, {lam}, out={work})")
                        ctx.emit(f"np.add({work}, {g}, out={work})")
                        g = work
                ctx.emit(f"np.subtract({g}, {m}, out={work2})")
                ctx.emit(f"np.multiply({work2}, {w}, out={work2})")
                if small_w:
                    ctx.emit(f"np.add({m}, {work2}, out={m})")
                else:
                    ctx.emit(f"np.subtract({g}, {work2}, out={m})")
                ctx.emit(f"np.multiply({v}, {beta2}, out={v})")
                ctx.emit(f"np.multiply({g}, 1 - {beta2}, out={work2})")
                ctx.emit(f"np.multiply({work2}, {g}, out={work2})")
                ctx.emit(f"np.add({v}, {work2}, out={v})")
                second = v
                if amsgrad:
                    second = names["max_exp_avg_sq"] + rows
                    ctx.emit(f"np.maximum({second}, {v}, out={second})")
                ctx.emit(f"np.sqrt({second}, out={work2})")
                ctx.emit(f"np.true_divide({work2}, (1 - {beta2} ** {step}) ** 0.5, out={work2})")
                ctx.emit(f"np.add({work2}, {eps}, out={work2})")
                ctx.emit(f"np.multiply({m}, {lr} / (1 - {beta1} ** {step}), out={work})")
                ctx.emit(f"np.true_divide({work}, {work2}, out={work})")
                ctx.emit(f"np.subtract({data}, {work}, out={data})")


register_update(SGD, _sgd)
register_update(Adam, _adam)
register_update(AdamW, _adam)
