"""Per-op overhead and deep chains: the engine's fixed cost, without BLAS.

- :func:`per_op`: one tracked elementwise op on a one-element array, forward
  and forward + backward, in microseconds, next to the plain NumPy call (and
  PyTorch's).
- :func:`deep_chain`: a chain of ``n_ops`` tracked ops on a one-element array,
  forward, backward and freeing, in seconds (and PyTorch's).
"""

from __future__ import annotations

import gc
import statistics
import time
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["OPS", "deep_chain", "per_op"]

#: op name -> (NumPy statement, tracked statement). ``a``, ``b`` are one-element
#: arrays or tensors; ``np`` is NumPy in both namespaces.
OPS = {
    "add": ("np.add(a, b)", "a + b"),
    "mul": ("np.multiply(a, b)", "a * b"),
    "exp": ("np.exp(a)", "a.exp()"),
}

# Forward + backward of a tracked op. The grads are reset each time so that
# every iteration does the same work (a first accumulation, not an add).
_BACKWARD = "c = {op}; c.backward(); a.grad = None; b.grad = None"


def _namespaces(with_torch: bool) -> dict[str, dict[str, Any]]:
    from autograd import Tensor

    one = np.array([1.5])
    two = np.array([0.5])
    spaces: dict[str, dict[str, Any]] = {
        "numpy": {"np": np, "a": one.copy(), "b": two.copy()},
        "scratchgrad": {
            "np": np,
            "a": Tensor(one.copy(), requires_grad=True),
            "b": Tensor(two.copy(), requires_grad=True),
        },
    }
    if with_torch:
        import torch

        spaces["torch"] = {
            "np": np,
            "a": torch.tensor(one.copy(), requires_grad=True),
            "b": torch.tensor(two.copy(), requires_grad=True),
        }
    return spaces


def _have_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def per_op(
    ops: tuple[str, ...] = tuple(OPS),
    samples: int = 7,
    sample_s: float = 0.02,
    use_torch: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> list[dict[str, Any]]:
    """Median time per call (us) of each op, plain and tracked, interleaved.

    Returns one row per op with keys ``op``, ``numpy_us``, ``scratchgrad_forward_us``,
    ``scratchgrad_forward_backward_us`` and, with ``use_torch`` and PyTorch
    installed, the same two for ``torch``.
    """
    with_torch = use_torch and _have_torch()
    spaces = _namespaces(with_torch)
    rows = []
    for op in ops:
        plain, tracked = OPS[op]
        stmts = {"numpy_us": ("numpy", plain)}
        for lib in ("scratchgrad", "torch"):
            if lib in spaces:
                stmts[f"{lib}_forward_us"] = (lib, tracked)
                stmts[f"{lib}_forward_backward_us"] = (lib, _BACKWARD.format(op=tracked))
        timers = {k: timeit.Timer(s, clock, globals=spaces[lib]) for k, (lib, s) in stmts.items()}
        numbers = {}
        for key, timer in timers.items():
            n, t = 1, timer.timeit(1)  # also warms up
            while t < 0.002:
                n *= 4
                t = timer.timeit(n)
            numbers[key] = max(1, int(n * sample_s / t))
        results: dict[str, list[float]] = {k: [] for k in timers}
        for i in range(samples):
            keys = list(timers)
            keys = keys[i % len(keys) :] + keys[: i % len(keys)]
            for key in keys:
                results[key].append(timers[key].timeit(numbers[key]) / numbers[key] * 1e6)
        row: dict[str, Any] = {"op": op}
        row.update({k: statistics.median(v) for k, v in results.items()})
        rows.append(row)
    return rows


def _chain_scratchgrad(n_ops: int, clock: Callable[[], float]) -> tuple[float, float, float, float]:
    from autograd import Tensor

    x = Tensor(np.array([1.0]), requires_grad=True)
    t0 = clock()
    y = x
    for _ in range(n_ops // 2):
        y = y * 1.0001
        y = y + 0.001
    t1 = clock()
    y.backward()
    t2 = clock()
    del y
    t3 = clock()
    return t1 - t0, t2 - t1, t3 - t2, float(x.grad.data[0])


def _chain_torch(n_ops: int, clock: Callable[[], float]) -> tuple[float, float, float, float]:
    import torch

    x = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    t0 = clock()
    y = x
    for _ in range(n_ops // 2):
        y = y * 1.0001
        y = y + 0.001
    t1 = clock()
    y.backward()
    t2 = clock()
    del y
    t3 = clock()
    return t1 - t0, t2 - t1, t3 - t2, float(x.grad[0])


def deep_chain(
    n_ops: int = 100_000,
    repeats: int = 3,
    use_torch: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Any]:
    """Time a chain of ``n_ops`` tracked ops (alternating ``* 1.0001`` and ``+ 0.001``).

    Returns, per library, the median forward, backward and free times (s) over
    ``repeats`` runs (interleaved), and the gradient reached, which must be
    ``1.0001 ** (n_ops // 2)``; PyTorch's too with ``use_torch`` when installed,
    and ``scratchgrad_gc_disabled``: one run with the cyclic garbage collector
    off, to show its share.
    """
    runners = {"scratchgrad": _chain_scratchgrad}
    if use_torch and _have_torch():
        runners["torch"] = _chain_torch
    runs: dict[str, list[tuple[float, float, float, float]]] = {k: [] for k in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            runs[name].append(run(n_ops, clock))
    # Once more with the cyclic collector off: the difference is what the
    # collector's passes over the growing graph cost.
    enabled = gc.isenabled()
    gc.disable()
    try:
        runs["scratchgrad_gc_disabled"] = [_chain_scratchgrad(n_ops, clock)]
    finally:
        if enabled:
            gc.enable()
    expected = 1.0001 ** (n_ops // 2)
    out: dict[str, Any] = {"n_ops": n_ops, "repeats": repeats, "expected_grad": expected}
    for name, rs in runs.items():
        fwd = statistics.median(r[0] for r in rs)
        bwd = statistics.median(r[1] for r in rs)
        free = statistics.median(r[2] for r in rs)
        grad = rs[-1][3]
        out[name] = {
            "forward_s": fwd,
            "backward_s": bwd,
            "forward_backward_s": statistics.median(r[0] + r[1] for r in rs),
            "free_s": free,
            "grad": grad,
            "grad_ok": bool(np.isclose(grad, expected, rtol=1e-9)),
        }
    return out
