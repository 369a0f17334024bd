"""Thread pinning and interleaved timing.

Contestants are timed round-robin in one process: each round runs one block of
steps of every contestant, in a rotated order, so that slow drifts of the
machine (frequency, other processes) fall on all of them alike. The statistic
is the median over blocks of the mean time per step in a block.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CLOCKS", "Timing", "interleaved", "pinned_threads", "thread_info"]

#: ``wall``: elapsed time, the default. ``cpu``: CPU time of the whole process
#: (every thread), which a busy machine disturbs less: other processes delay
#: a step but do not add to its CPU time. It misses nothing with one thread;
#: with several, idle BLAS workers that spin count too.
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}


@contextlib.contextmanager
def pinned_threads(n_threads: int, use_torch: bool = True) -> Iterator[list[str]]:
    """Limit every BLAS/OpenMP pool (threadpoolctl) and PyTorch to ``n_threads``.

    Yields notes on what could not be pinned. The environment variables of
    :func:`benchmarks.pin_thread_env` are the first line of defence; this also
    covers a NumPy imported before them and PyTorch's intra-op pool.
    """
    notes: list[str] = []
    torch: Any = None
    # Import PyTorch first, so that threadpoolctl also limits its OpenMP runtime.
    if use_torch:
        with contextlib.suppress(ImportError):
            import torch
    with contextlib.ExitStack() as stack:
        try:
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(limits=n_threads))
        except ImportError:
            notes.append(
                "threadpoolctl is not installed: BLAS threads are set only by the "
                "environment variables, which work only if set before NumPy was imported"
            )
        if torch is not None:
            previous = torch.get_num_threads()
            torch.set_num_threads(n_threads)
            stack.callback(torch.set_num_threads, previous)
        yield notes


def thread_info() -> list[dict[str, Any]]:
    """threadpoolctl's view of the loaded BLAS/OpenMP libraries (kernel, threads)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [
        {k: v for k, v in lib.items() if k != "filepath"} | {"file": str(lib.get("filepath"))}
        for lib in threadpool_info()
    ]


@dataclass
class Timing:
    """Per-step times (seconds) of one contestant: one sample per block."""

    samples: list[float] = field(default_factory=list)
    steps_per_block: int = 1

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def quartiles(self) -> tuple[float, float]:
        if len(self.samples) < 2:
            return self.samples[0], self.samples[0]
        q = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q[0], q[2]

    def as_dict(self) -> dict[str, Any]:
        q1, q3 = self.quartiles()
        return {
            "median_ms": self.median * 1e3,
            "q1_ms": q1 * 1e3,
            "q3_ms": q3 * 1e3,
            "min_ms": min(self.samples) * 1e3,
            "samples": len(self.samples),
            "steps_per_block": self.steps_per_block,
        }


def _settle(seconds: float) -> None:
    # Idle BLAS/OpenMP workers spin for a while after each call before they
    # sleep; a pause lets the previous contestant's workers go quiet.
    if seconds > 0:
        time.sleep(seconds)


def interleaved(
    steps: dict[str, Callable[[], Any]],
    *,
    budget_s: float,
    min_rounds: int,
    max_rounds: int = 10_000,
    block_s: float = 0.005,
    settle_s: float = 0.002,
    warm_call_below_s: float = 0.05,
    max_samples: dict[str, int] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Timing]:
    """Time each callable in ``steps`` round-robin; return one :class:`Timing` each.

    Parameters
    ----------
    steps : dict of name -> callable
        Each call is one training step.
    budget_s : float
        Stop starting rounds once this much time has passed (after ``min_rounds``).
    min_rounds, max_rounds : int
    block_s : float
        Steps are timed in blocks of about this duration (at least one step),
        so that timer resolution and loop overhead do not matter.
    settle_s : float
        Pause before each block (see :func:`_settle`).
    warm_call_below_s : float
        For steps shorter than this, one untimed step precedes each block, so
        the block starts with this contestant's data in cache, as it would in
        a training loop.
    max_samples : dict of name -> int, optional
        Stop timing a contestant after this many blocks (for very slow ones).
    clock : callable
        What a block is timed with (see :data:`CLOCKS`); the budget is wall time.
    """
    caps = max_samples or {}
    names = list(steps)
    timings: dict[str, Timing] = {}
    one_step: dict[str, float] = {}
    for name in names:
        fn = steps[name]
        fn()  # first call: imports, caches, allocator pools
        t0 = clock()
        fn()
        one_step[name] = t = clock() - t0
        timings[name] = Timing(
            steps_per_block=max(1, min(10_000, math.ceil(block_s / max(t, 1e-9))))
        )

    start = time.perf_counter()
    rounds = 0
    while rounds < max_rounds and (rounds < min_rounds or time.perf_counter() - start < budget_s):
        shift = rounds % len(names)
        active = 0
        for name in names[shift:] + names[:shift]:
            timing = timings[name]
            if len(timing.samples) >= caps.get(name, max_rounds):
                continue
            active += 1
            fn = steps[name]
            k = timing.steps_per_block
            _settle(settle_s)
            if one_step[name] < warm_call_below_s:
                fn()
            t0 = clock()
            for _ in range(k):
                fn()
            timing.samples.append((clock() - t0) / k)
        rounds += 1
        if active == 0:
            break
    return timings
