"""Grad modes: whether operations are recorded, and anomaly detection.

Both switches are per thread (:class:`no_grad` in one thread leaves another
recording). :class:`autograd.function.Function` reads them at every
operation; the engine turns recording on for a backward pass only when it is
asked to build a graph of it (``create_graph=True``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "detect_anomaly",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])


class _Modes(threading.local):
    """Per-thread switches: grad recording and anomaly detection."""

    enabled: bool = True
    anomaly: bool = False


_modes = _Modes()


def is_grad_enabled() -> bool:
    """Return whether operations in this thread are being recorded."""
    return _modes.enabled


class _GradModeSwitch:
    """Base of ``no_grad``/``enable_grad``: a context manager and a decorator."""

    mode = True

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_modes.enabled)
        _modes.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _modes.enabled = self._previous.pop()

    def __call__(self, func: F) -> F:
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = _modes.enabled
            _modes.enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                _modes.enabled = previous

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeSwitch):
    """Disable graph recording in this thread (context manager or decorator).

    Examples
    --------
    >>> with no_grad():
    ...     y = x * 2          # y.requires_grad is False
    """

    mode = False


class enable_grad(_GradModeSwitch):
    """Re-enable graph recording in this thread, e.g. inside ``no_grad``."""

    mode = True


class set_grad_enabled(_GradModeSwitch):
    """Set grad recording on or off (context manager or decorator)."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)


class detect_anomaly:
    """Raise on the first NaN or inf produced by a backward rule.

    Under this context manager every operation records where in the user's
    code it was created; a backward rule that produces a non-finite gradient
    raises a ``RuntimeError`` naming the operation and that file and line.
    Recording the creation site costs a stack walk per operation, so this is
    a debugging aid, off by default. The mode is per thread.
    """

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_modes.anomaly)
        _modes.anomaly = True

    def __exit__(self, *exc: object) -> None:
        _modes.anomaly = self._previous.pop()
