"""scratchgrad's benchmark suite: ``python -m benchmarks`` (see ``benchmarks/README.md``).

It times one MLP training step (forward, loss, backward, SGD update) written
with scratchgrad, by hand in NumPy (the floor), and with PyTorch and micrograd
when they are installed; it also measures the cost of one tracked op, a deep
chain of ops, and the memory of a step.

This module imports nothing heavy: ``__main__`` must set the BLAS thread
variables before NumPy is first imported, and importing a package runs its
``__init__`` first.
"""

from __future__ import annotations

import os

__all__ = ["THREAD_ENV_VARS", "pin_thread_env"]

#: Environment variables that size the thread pools of the BLAS and OpenMP
#: libraries NumPy and PyTorch load. They are read once, when the library loads.
THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def pin_thread_env(n_threads: int) -> None:
    """Set every thread-count variable in :data:`THREAD_ENV_VARS` to ``n_threads``.

    Only effective before NumPy (and PyTorch) are imported; at run time the
    suite also applies ``threadpoolctl`` limits and ``torch.set_num_threads``.
    """
    if n_threads < 1:
        raise ValueError(f"pin_thread_env: the thread count must be at least 1, got {n_threads}")
    for var in THREAD_ENV_VARS:
        os.environ[var] = str(n_threads)
