"""Memory of a training step, measured with :mod:`tracemalloc`.

NumPy reports its array buffers to tracemalloc, so traced memory covers both
Python objects and array data. PyTorch's allocator does not, so PyTorch takes
part only in the reference-cycle check.

- :func:`step_peak`: the peak traced memory of one step, counted from before
  the contestant was built (weights, data, optimizer state and the step's
  temporaries), and the part of it above the memory held just before the step.
  It also splits what is held between steps into array data (NumPy's
  tracemalloc domain) and Python objects, and gives the *data peak*: the peak
  less the Python objects resident before the step. Those (modules,
  parameters' Tensor objects, an optimizer's dicts, a compiled program's code
  and source text) are a fixed cost of the model's structure, some 2 KiB for
  the NumPy floor and 15-100 KiB for scratchgrad whatever the batch: at the
  tiny configuration, whose arrays total about 30 KiB, they alone would make
  any ratio to the floor exceed 2x. Everything the step itself allocates,
  Python objects included (an eager step's graph), stays in the data peak.
- :func:`graph_freed`: with the cyclic garbage collector disabled, one step,
  then ``gc.collect()``: the number of objects it finds is what reference
  counting alone failed to free (0 when the graph has no cycles).
- :func:`flat`: traced memory after step ``probe`` and after step ``steps``
  (each after ``gc.collect()``): a graph kept alive by accident grows it.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from typing import Any

import numpy as np

from benchmarks.configs import Problem
from benchmarks.models import Contestant

__all__ = ["flat", "graph_freed", "step_peak"]


def _traced() -> int:
    return tracemalloc.get_traced_memory()[0]


def _array_bytes() -> int:
    """Traced bytes of NumPy array data now (the snapshot is freed before returning)."""
    snap = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)]
    )
    total = sum(t.size for t in snap.traces)
    del snap
    gc.collect()
    return total


def step_peak(cls: type[Contestant], problem: Problem, warm_steps: int = 2) -> dict[str, int]:
    """Peak traced bytes of one training step after ``warm_steps`` steps.

    Returns ``peak_bytes`` (from before the contestant existed),
    ``held_bytes`` (held between steps) and ``transient_bytes`` (the step's
    peak above what was held before it); ``held_array_bytes`` and
    ``held_python_bytes`` split ``held_bytes`` into array data and Python
    objects, and ``data_peak_bytes`` is ``peak_bytes - held_python_bytes``
    (see the module docstring).
    """
    cls(problem).step()  # first-use imports and caches are not the step's memory
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        arrays_base = _array_bytes()
        base = _traced()
        contestant = cls(problem)
        for _ in range(max(warm_steps, cls.warm_steps)):
            contestant.step()
        gc.collect()
        arrays = _array_bytes() - arrays_base
        before = _traced()
        tracemalloc.reset_peak()
        loss = contestant.step()
        peak = tracemalloc.get_traced_memory()[1]
        del loss, contestant
    finally:
        if not was_tracing:
            tracemalloc.stop()
    held = before - base
    return {
        "peak_bytes": peak - base,
        "held_bytes": held,
        "transient_bytes": peak - before,
        "held_array_bytes": arrays,
        "held_python_bytes": held - arrays,
        "data_peak_bytes": peak - base - (held - arrays),
    }


def graph_freed(cls: type[Contestant], problem: Problem) -> dict[str, Any]:
    """Whether one step's graph is freed by reference counting alone.

    Returns ``gc_found`` (objects ``gc.collect()`` found after the step and its
    loss were dropped, with the collector disabled throughout) and
    ``loss_alive`` (whether a weak reference to the loss object still resolves
    before that collection; None where the loss cannot be weakly referenced).
    """
    contestant = cls(problem)
    contestant.step()
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        loss = contestant.step()
        try:
            ref: Any = weakref.ref(loss)
        except TypeError:  # NumPy scalars
            ref = None
        del loss
        alive = None if ref is None else ref() is not None
        found = gc.collect()
    finally:
        if enabled:
            gc.enable()
    return {"gc_found": found, "loss_alive": alive}


def flat(
    cls: type[Contestant], problem: Problem, steps: int = 1000, probe: int = 100
) -> dict[str, int]:
    """Traced memory after step ``probe``, halfway to ``steps``, and after step
    ``steps`` (gc enabled, as in use).

    Each reading follows a ``gc.collect()``, which also empties CPython's free
    lists: a step can leave one more tuple on the tuple free list than it took,
    and that list keeps up to 2,000 of each size, so without it the first
    2,000 steps show ~50 bytes a step of growth that is not the program's.
    """
    if not 0 < probe < steps:
        raise ValueError(f"flat: need 0 < probe < steps, got probe={probe}, steps={steps}")
    cls(problem).step()  # first-use imports and caches
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        base = _traced()
        contestant = cls(problem)
        readings = {}
        half = (probe + steps) // 2
        for i in range(1, steps + 1):
            contestant.step()
            if i in (probe, half):
                gc.collect()
                readings[i] = _traced() - base
        gc.collect()
        at_end = _traced() - base
        del contestant
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return {
        "steps": steps,
        "probe_step": probe,
        "half_step": half,
        "bytes_at_probe": readings[probe],
        "bytes_at_half": readings[half],
        "bytes_at_end": at_end,
        "growth_bytes": at_end - readings[probe],
        # A leak keeps growing; a cache that fills up early does not.
        "growth_second_half_bytes": at_end - readings[half],
    }
