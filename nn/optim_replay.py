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
from nn.optim import SGD, Adam, AdamW


def _group(ctx: UpdateContext, opt: Any, i: int, group: dict, has_grad: dict) -> tuple:
    name = ctx.bind(group, f"group{i}", f"optimizer.param_groups[{i}]")
    groups = ctx.bind(opt.param_groups, "param_groups", "optimizer.param_groups")
    ctx.guard(f"len({groups}) == {len(opt.param_groups)} and {groups}[{i}] is {name}")
    params = [p for p in group["params"] if has_grad.get(id(p))]
    ctx.guard(f"len({name}['params']) == {len(group['params'])}")
    state = ctx.bind(opt.state, "state", "optimizer.state")
    return name, params, state


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
            data, g, P = ctx.param(p), ctx.grad(p), ctx.tensor(p)
            label = ctx.label(p)
            work = ctx.scratch(opt, p, 0, f"work_{label}")
            if wd:
                ctx.emit(f"np.multiply({data}, {lam}, out={work})")
                ctx.emit(f"np.add({work}, {g}, out={work})")
                g = work
            if momentum:
                st = ctx.bind(opt.state[p], f"state_{label}", f"optimizer.state[{P}]")
                ctx.guard(f"{state}.get({P}) is {st}")
                buf = ctx.bind(
                    opt.state[p]["momentum_buffer"], f"momentum_{label}",
                    f"{st}['momentum_buffer']",
                )  # fmt: skip
                ctx.guard(f"{st}['momentum_buffer'] is {buf}")
                ctx.emit(f"np.multiply({buf}, {mu}, out={buf})")
                if damp:
                    ctx.emit(f"np.add({buf}, {g}, out={buf})")
                else:
                    damped = ctx.scratch(opt, p, 1, f"damped_{label}")
                    ctx.emit(f"np.multiply({g}, 1 - {tau}, out={damped})")
                    ctx.emit(f"np.add({buf}, {damped}, out={buf})")
                if nesterov:
                    extra = ctx.scratch(opt, p, 1, f"extra_{label}")
                    ctx.emit(f"np.multiply({buf}, {mu}, out={extra})")
                    ctx.emit(f"np.add({g}, {extra}, out={work})")
                    g = work
                else:
                    g = buf
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
            work = ctx.scratch(opt, p, 0, f"work_{label}")
            work2 = ctx.scratch(opt, p, 1, f"work2_{label}")
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
                second = names["max_exp_avg_sq"]
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
