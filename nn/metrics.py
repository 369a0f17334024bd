"""Metrics for :class:`nn.Trainer`: functions of ``(y_true, y_pred)`` that return a float.

A metric receives NumPy arrays: the targets as given to ``fit`` or
``evaluate`` and the model's raw outputs (logits or scores, not
probabilities). Any callable with that signature can be passed to the
Trainer; the built-in ones are also available by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["METRICS", "Metric", "accuracy", "resolve_metrics"]

Metric = Callable[[np.ndarray, np.ndarray], float]


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of samples whose predicted class equals the target.

    Parameters
    ----------
    y_true : array_like
        Class indices of shape ``(N,)``, or one-hot / probability rows of
        shape ``(N, C)``; for binary scores, labels 0/1 or -1/+1.
    y_pred : array_like
        Model outputs. With shape ``(N, C)``, ``C >= 2``, the predicted class
        is the argmax of each row (logits or probabilities). With shape
        ``(N,)`` or ``(N, 1)`` the outputs are scores (logits, or the margins
        of a hinge loss), and a score above 0 predicts the positive class
        (1 or +1), otherwise the negative one (0 or -1).

    Returns
    -------
    float
        The accuracy in [0, 1].
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    n = len(y_pred) if y_pred.ndim else 0
    if len(y_true) != n:
        raise ValueError(
            f"accuracy: y_true has {len(y_true)} samples (shape {y_true.shape}) but y_pred "
            f"has {n} (shape {y_pred.shape})"
        )
    if n == 0:
        raise ValueError("accuracy: no samples to score")
    if y_true.ndim == 2 and y_true.shape[1] > 1:
        y_true = y_true.argmax(axis=1)
    y_true = y_true.reshape(n, -1)
    if y_true.shape[1] != 1:
        raise ValueError(f"accuracy: expected one target per sample, got shape {y_true.shape}")
    y_true = y_true[:, 0]

    if y_pred.ndim == 2 and y_pred.shape[1] > 1:
        predicted = y_pred.argmax(axis=1)
    elif y_pred.ndim == 1 or (y_pred.ndim == 2 and y_pred.shape[1] == 1):
        scores = y_pred.reshape(n)
        labels = np.unique(y_true)
        if np.isin(labels, (-1, 1)).all():
            predicted = np.where(scores > 0, 1, -1)
        elif np.isin(labels, (0, 1)).all():
            predicted = (scores > 0).astype(np.int64)
        else:
            raise ValueError(
                "accuracy: binary scores of shape "
                f"{y_pred.shape} need labels in {{0, 1}} or {{-1, +1}}, got the labels "
                f"{labels[:10].tolist()} (for regression, pass metrics=() to the Trainer)"
            )
    else:
        raise ValueError(
            f"accuracy: expected outputs of shape (N,), (N, 1) or (N, C), got {y_pred.shape}"
        )
    return float(np.mean(predicted == y_true))


METRICS: dict[str, Metric] = {"accuracy": accuracy, "acc": accuracy}
"""The metrics available by name."""


def resolve_metrics(metrics: Any) -> dict[str, Metric]:
    """Turn the ``metrics`` argument of the Trainer into ``{name: function}``.

    Accepts ``None``, one name or callable, a sequence of names and callables
    (a callable is named by its ``__name__``), or a mapping from names to
    callables or names.
    """
    if metrics is None:
        return {}
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    items: Iterable[tuple[str, Any]]
    if isinstance(metrics, Mapping):
        items = metrics.items()
    else:
        items = ((_name_of(m), m) for m in metrics)
    resolved: dict[str, Metric] = {}
    for name, metric in items:
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(
                    f"unknown metric {metric!r}; known names are {sorted(METRICS)}, "
                    "or pass a callable(y_true, y_pred) -> float"
                )
            metric = METRICS[metric]
        elif not callable(metric):
            raise TypeError(
                f"a metric must be a name or a callable(y_true, y_pred) -> float, "
                f"got {type(metric).__name__}"
            )
        if name == "loss" or name.startswith("val_"):
            raise ValueError(
                f"the metric name {name!r} is reserved for the loss and validation entries "
                "of the history; give the metric another name (pass a dict of name -> metric)"
            )
        if name in resolved:
            raise ValueError(
                f"two metrics are named {name!r}; pass a dict of name -> metric to tell them apart"
            )
        resolved[name] = metric
    return resolved


def _name_of(metric: Any) -> str:
    if isinstance(metric, str):
        return metric
    return getattr(metric, "__name__", type(metric).__name__)
