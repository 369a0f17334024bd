"""The cost of the safety checks: a training step with and without them.

``python -m benchmarks.checks`` times the ``scratchgrad`` training step (the
public ``nn`` API, as in the main suite) in alternating blocks, once as the
library runs and once with the checks switched off in the same process:

- the version clock noted at each ``save_for_backward`` / ``save_output``,
  and the comparison a node makes with it before its backward rule runs;
- the lock around each accumulation into a leaf's ``.grad``;
- the optimizer's version bump of each parameter and its read-only check
  before a step.

Switching happens between timed blocks, never inside one. What stays in both
variants (about 20 ns per recorded op): the test of whether an op's output
is a view of an input. The statistic is the median over blocks of the time
per step, and the ratio of the medians; ``--budget`` sets the seconds per
configuration.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from benchmarks.configs import CONFIGS, DTYPES, make_problem
from benchmarks.models import ScratchgradNN


@contextlib.contextmanager
def checks_off(bumps: bool = True) -> Iterator[None]:
    """The library without the checks: no versions noted or compared, no lock;
    with ``bumps=False`` also no version bumps and no read-only check in the
    optimizer (the library as it was before version counters)."""
    from autograd import engine, function, versions
    from autograd.function import _FREED, Function, _freed_message

    def save_for_backward(self: Any, *values: Any) -> None:
        self._saved = values

    def saved(self: Any) -> tuple[Any, ...]:
        values = self._saved
        if values is _FREED:
            raise RuntimeError(_freed_message(self))
        if function._modes.enabled:
            return values
        return tuple([v.data if isinstance(v, function._t.Tensor) else v for v in values])

    def save_output(self: Any, array: np.ndarray) -> None:
        self._output = array

    patched = {
        "save_for_backward": save_for_backward,
        "saved": property(saved),
        "save_output": save_output,
    }
    original = {name: Function.__dict__[name] for name in patched}
    lock = engine._accumulate_lock
    bump, check_writable = versions.bump, versions.check_writable
    try:
        for name, value in patched.items():
            setattr(Function, name, value)
        engine._accumulate_lock = contextlib.nullcontext()  # type: ignore[assignment]
        if not bumps:
            versions.bump = versions.check_writable = lambda *args: None  # type: ignore[assignment]
        yield
    finally:
        for name, value in original.items():
            setattr(Function, name, value)
        engine._accumulate_lock = lock
        versions.bump, versions.check_writable = bump, check_writable


def _block(step: Any, k: int) -> float:
    t0 = time.perf_counter()
    for _ in range(k):
        step()
    return (time.perf_counter() - t0) / k


VARIANTS = {
    "on": contextlib.nullcontext,
    "no checks": checks_off,
    "none": lambda: checks_off(bumps=False),
}


def measure(config: str, dtype: str, budget: float) -> dict[str, Any]:
    """Step times (ms) of each variant, timed in alternating blocks."""
    problem = make_problem(CONFIGS[config], DTYPES[dtype])
    models = {name: ScratchgradNN(problem) for name in VARIANTS}
    for name, model in models.items():
        with VARIANTS[name]():
            model.step()
    one = _block(models["on"].step, 3)
    k = max(1, int(0.005 / max(one, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    names = list(VARIANTS)
    start = time.perf_counter()
    rounds = 0
    while rounds < 10 or time.perf_counter() - start < budget:
        shift = rounds % len(names)
        for name in names[shift:] + names[:shift]:
            with VARIANTS[name]():
                models[name].step()
                samples[name].append(_block(models[name].step, k))
        rounds += 1
    return {
        "config": config,
        "dtype": dtype,
        "rounds": rounds,
        "median_ms": {n: statistics.median(v) * 1e3 for n, v in samples.items()},
        "lower_quartile_ms": {n: statistics.quantiles(v, n=4)[0] * 1e3 for n, v in samples.items()},
        "fastest_ms": {n: min(v) * 1e3 for n, v in samples.items()},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=float, default=4.0, help="seconds per configuration")
    p.add_argument("--configs", default="tiny:f64,small:f32,medium:f32")
    args = p.parse_args(argv)
    print(
        "| config | dtype | statistic | as shipped ms | without checks ms | without checks "
        "or bumps ms | cost of checks + lock | cost of everything |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for item in args.configs.split(","):
        config, dtype = item.split(":")
        r = measure(config, dtype, args.budget)
        for stat in ("median_ms", "lower_quartile_ms", "fastest_ms"):
            v = r[stat]
            print(
                f"| {config} | {DTYPES[dtype]} | {stat[:-3].replace('_', ' ')} | "
                f"{v['on']:.4f} | {v['no checks']:.4f} | {v['none']:.4f} | "
                f"{100 * (v['on'] / v['no checks'] - 1):+.2f}% | "
                f"{100 * (v['on'] / v['none'] - 1):+.2f}% |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
