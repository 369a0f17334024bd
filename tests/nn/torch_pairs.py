"""Run a scratchgrad module and the PyTorch module it mirrors on the same weights.

The PyTorch module's ``state_dict`` is converted to NumPy and loaded into the
scratchgrad module (strictly: every parameter and buffer name must match);
both then see the same float64 inputs and the same output gradient, and
outputs, input gradients, parameter gradients and buffers are compared at
1e-10 relative to the largest entry (or to 1e-4 if that is smaller).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Tensor

RTOL = 1e-10


def close(ours: Any, theirs: Any, what: str) -> None:
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    if a.size == 0:
        return
    # A floor for values that are zero in exact arithmetic (the bias gradient of a
    # convolution followed by batch norm) and come out as rounding noise.
    scale = max(float(np.max(np.abs(b))), 1e-4)
    err = float(np.max(np.abs(a - b)))
    assert err <= RTOL * scale, f"{what}: max error {err:.3g} (scale {scale:.3g})"


def _flat(out: Any) -> list[Any]:
    if out is None:
        return []
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _flat(item)]
    return [out]


def torch_state(module: Any) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def compare(
    torch: Any,
    tmod: Any,
    smod: Any,
    inputs: list[np.ndarray],
    call: Callable[..., Any] | None = None,
    seed: int = 0,
    load: bool = True,
) -> None:
    """Load ``tmod``'s weights into ``smod``, run both on ``inputs`` and compare everything."""
    call = call or (lambda m, *xs: m(*xs))
    if load:
        smod.load_state_dict(torch_state(tmod))
    smod.train(tmod.training)
    tx = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    sx = [Tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    touts = _flat(call(tmod, *tx))
    souts = _flat(call(smod, *sx))
    assert len(touts) == len(souts)
    rng = np.random.default_rng(seed)
    tloss = 0.0
    sloss = 0.0
    for i, (t, s) in enumerate(zip(touts, souts)):
        close(s.data, t.detach().numpy(), f"output {i}")
        if t.requires_grad:
            g = rng.standard_normal(tuple(t.shape))
            tloss = tloss + (t * torch.tensor(g)).sum()
            sloss = sloss + (s * Tensor(g)).sum()
    if isinstance(sloss, Tensor):
        tloss.backward()
        sloss.backward()
        for i, (t, s) in enumerate(zip(tx, sx)):
            if t.requires_grad:
                close(s.grad.data, t.grad.numpy(), f"gradient of input {i}")
        tparams = dict(tmod.named_parameters())
        for name, p in smod.named_parameters():
            tg = tparams[name].grad
            if tg is None:
                assert p.grad is None or not np.any(p.grad.data), name
            else:
                close(p.grad.data, tg.numpy(), f"gradient of {name}")
    ts = torch_state(tmod)
    ss = smod.state_dict()
    assert set(ts) == set(ss)
    for name in ts:
        close(ss[name], ts[name], f"state {name}")
