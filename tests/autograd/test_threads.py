"""Backward passes in several threads: exact accumulation into shared leaves,
and training in threads that gives what running one after the other gives."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import nn
from autograd import Tensor


@pytest.fixture
def fast_switching() -> Iterator[None]:
    # Switch threads as often as the interpreter allows, so that a race in the
    # read-modify-write of .grad has every chance to show.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _in_threads(work: Callable[[int], None], n: int) -> None:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_no_contribution_is_lost_over_a_thousand_runs(fast_switching: None) -> None:
    # Each backward adds exactly 1 to every element (small integers are exact
    # in float64), so any lost update shows as a short count.
    runs, threads, passes = 1000, 2, 10
    deadline = time.monotonic() + 120.0
    worst = 0.0
    for _ in range(runs):
        w = Tensor(np.zeros(4), requires_grad=True)

        def work(i: int, w: Tensor = w) -> None:
            for _ in range(passes):
                (w * 1.0).sum().backward()

        _in_threads(work, threads)
        worst = max(worst, float(np.max(threads * passes - w.grad.data)))
        assert time.monotonic() < deadline, "the stress test ran out of its time budget"
    assert worst == 0.0


def test_create_graph_accumulation_is_exact_too(fast_switching: None) -> None:
    for _ in range(50):
        w = Tensor(np.zeros(3), requires_grad=True)

        def work(i: int, w: Tensor = w) -> None:
            for _ in range(5):
                (w * w + w).sum().backward(create_graph=True)

        _in_threads(work, 2)
        np.testing.assert_array_equal(w.grad.data, np.full(3, 10.0))


def _train(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 4))
    y = (X[:, :1] > 0).astype(np.float64)
    model = nn.Sequential(
        nn.Linear(4, 16),
        nn.ReLU(),
        nn.Dropout(0.3),
        nn.Linear(16, 1),
    )
    # The same starting weights however the threads interleave.
    for i, p in enumerate(model.parameters()):
        p.data[...] = np.random.default_rng(seed * 100 + i).standard_normal(p.shape) * 0.3
    trainer = nn.Trainer(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.05), metrics=())
    trainer.fit(X, y, epochs=3, batch_size=16, seed=seed, progress=False)
    return [p.data.copy() for p in model.parameters()]


def test_training_in_threads_equals_training_one_after_the_other() -> None:
    seeds = [3, 11]
    sequential = [_train(s) for s in seeds]
    for _ in range(3):
        results: dict[int, list[np.ndarray]] = {}

        def work(i: int, results: dict[int, list[np.ndarray]] = results) -> None:
            results[i] = _train(seeds[i])

        _in_threads(work, 2)
        for i in range(2):
            for a, b in zip(results[i], sequential[i]):
                np.testing.assert_array_equal(a, b)
    # Dropout made a difference: the two seeds train differently.
    assert not np.array_equal(sequential[0][0], sequential[1][0])
