"""Callbacks: code that :meth:`nn.Trainer.fit` runs at fixed points of training.

Subclass :class:`Callback` and override the hooks you need; the trainer sets
``callback.trainer`` before training starts, so a hook can reach the model
(``self.trainer.model``), the optimizer, and stop training early with
``self.trainer.stop_training = True``. Epoch and batch numbers passed to the
hooks count from 0, as in Keras; ``logs`` holds the values of that epoch
(``"loss"``, each metric, and ``"val_..."`` entries) or batch (``"loss"``,
``"size"``).
"""

from __future__ import annotations

import math
import os
import string
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nn.io import save

if TYPE_CHECKING:
    from nn.train import Trainer

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint"]


class Callback:
    """Base class of training callbacks; every hook does nothing by default."""

    trainer: Trainer | None = None

    def set_trainer(self, trainer: Trainer) -> None:
        """Attach the trainer that runs this callback (called by ``fit``)."""
        self.trainer = trainer

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        """Called once after the last epoch, also when training stops early."""

    def on_train_error(self, error: BaseException, logs: dict[str, float] | None = None) -> None:
        """Called instead of :meth:`on_train_end` when ``fit`` stops on an exception.

        ``error`` is the exception (say a :class:`nn.NonFiniteLossError` or a
        ``KeyboardInterrupt``); it propagates from ``fit`` after every
        callback's hook has run. ``logs`` are those of the last finished epoch.
        """

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        """Called at the start of each epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        """Called after each epoch, with its training and validation values."""

    def on_batch_begin(self, batch: int, logs: dict[str, float] | None = None) -> None:
        """Called before each optimisation step."""

    def on_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        """Called after each optimisation step, with the batch's loss and size."""


class _Monitor:
    """Tracks the best value of one logged quantity."""

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            # Accuracy-like quantities grow as the model improves; losses shrink.
            base = monitor.removeprefix("val_")
            mode = "max" if base.startswith("acc") else "min"
        self.owner = owner
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(float(min_delta))
        self.best = math.inf if mode == "min" else -math.inf

    def current(self, logs: dict[str, float] | None) -> float:
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"{self.owner}: monitor={self.monitor!r} is not among the logged values "
                f"{sorted(logs)}; pass validation_data to fit() for 'val_...' entries, "
                "or monitor one of the logged names"
            )
        return float(logs[self.monitor])

    def improved(self, value: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta``."""
        if math.isnan(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(Callback):
    """Stop training when a monitored value has stopped improving.

    Parameters
    ----------
    monitor : str, default "val_loss"
        The logged value to watch (``"loss"``, a metric, or a ``"val_..."`` entry).
    patience : int, default 0
        Number of epochs without improvement after which training stops.
    min_delta : float, default 0.0
        Smallest change that counts as an improvement.
    mode : {"auto", "min", "max"}, default "auto"
        Whether smaller or larger is better; ``"auto"`` picks ``"max"`` for
        accuracy-like names and ``"min"`` otherwise.
    restore_best_weights : bool, default False
        At the end of training, load the parameters of the best epoch back
        into the model; also when ``fit`` stops on an error (the error still
        propagates).

    Attributes
    ----------
    best : float
        Best value seen.
    best_epoch : int or None
        Epoch (from 0) of the best value.
    stopped_epoch : int or None
        Epoch (from 0) after which training was stopped, or ``None``.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 0,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be at least 0, got {patience}")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = min_delta
        self.mode = mode
        self.restore_best_weights = restore_best_weights
        self._tracker = _Monitor("EarlyStopping", monitor, mode, min_delta)

    @property
    def best(self) -> float:
        """The best monitored value so far (``inf`` in mode "min", ``-inf`` in "max" at first)."""
        return self._tracker.best

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        # Reset, so that one callback object can serve several fit() calls.
        self._tracker = _Monitor("EarlyStopping", self.monitor, self.mode, self.min_delta)
        self.wait = 0
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        names = getattr(self.trainer, "log_names", None)
        if names is not None:  # a missing monitor fails before the first epoch
            self._tracker.current(dict.fromkeys(names, 0.0))

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        value = self._tracker.current(logs)
        # An epoch that ends with non-finite weights (the last update overflowed)
        # is never the best, however good the loss measured before that update.
        if self._tracker.improved(value) and not _non_finite(self.trainer.model.state_dict()):
            self._tracker.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_state = self.trainer.model.state_dict()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        if self.restore_best_weights and self.best_state is not None:
            self.trainer.model.load_state_dict(self.best_state)

    def on_train_error(self, error: BaseException, logs: dict[str, float] | None = None) -> None:
        # A run that ends on an error (a NaN loss, Ctrl-C) still gets its best weights back.
        self.on_train_end(logs)


class _AnyName(dict):
    """Formats any field as 0, to try a path template before training."""

    def __missing__(self, key: str) -> int:
        return 0


def _template_fields(template: str) -> list[str]:
    """The field names of a ``str.format`` template; a ``ValueError`` if malformed."""
    names = []
    for _, field, spec, _ in string.Formatter().parse(template):
        if field is None:
            continue
        name = field.split(".")[0].split("[")[0]
        if not name or name.isdigit():
            raise ValueError(
                f"ModelCheckpoint: the path template {template!r} has a positional field "
                f"{{{field}}}; use names such as {{epoch}} or {{val_loss}}"
            )
        names.append(name)
        if spec and "{" in spec:
            names += _template_fields(spec)
    return names


class ModelCheckpoint(Callback):
    """Save the model's parameters with :func:`nn.save` after epochs.

    Parameters
    ----------
    path : str or Path
        Where to write the ``.npz`` file. It may contain ``{epoch}`` (counted
        from 1) and logged names, formatted with :meth:`str.format`, e.g.
        ``"ckpt-{epoch:03d}-{val_loss:.3f}.npz"``. The template and its
        directory are checked here, and its names against the logged ones
        when training begins, so a typo fails before any epoch is trained.
    monitor : str, default "val_loss"
        The logged value that decides which epoch is best.
    save_best_only : bool, default False
        Save only when the monitored value improves; otherwise save after
        every epoch.
    mode : {"auto", "min", "max"}, default "auto"
        Whether smaller or larger is better (as in :class:`EarlyStopping`).
    include_optimizer : bool, default False
        Write a training checkpoint (:meth:`nn.Trainer.save_checkpoint`: the
        model, the optimizer's state and the progress of the run) that
        ``fit(..., resume_from=path)`` continues exactly; its ``"model"``
        entry is the model's state dict. Otherwise only the parameters are
        saved, for ``model.load_state_dict(nn.load(path))``.

    Notes
    -----
    Weights that are not finite (an update overflowed) are never saved: the
    epoch is skipped with a ``RuntimeWarning``, and it does not count as best.

    Attributes
    ----------
    best : float
        Best monitored value seen (only tracked with ``save_best_only``).
    last_saved : Path or None
        The file written last.
    """

    def __init__(
        self,
        path: str | Path,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
        include_optimizer: bool = False,
    ) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(
                f"ModelCheckpoint: path must be a str or Path, got {type(path).__name__}"
            )
        template = os.fspath(path)
        try:
            self._fields = _template_fields(template)
            template.format_map(_AnyName(epoch=1))
        except (ValueError, TypeError, IndexError, KeyError) as err:
            raise ValueError(
                f"ModelCheckpoint: the path template {template!r} cannot be formatted ({err}); "
                "write fields as {epoch} or {val_loss:.3f}, and literal braces as {{ }}"
            ) from None
        # The directory must exist now, unless the template varies it.
        directory = os.path.dirname(template) or "."
        if not _template_fields(directory):
            directory = directory.format()  # "{{" and "}}" stand for braces
            if not os.path.isdir(directory):
                raise FileNotFoundError(
                    2,
                    f"ModelCheckpoint: the directory of {template!r} does not exist "
                    "(create it first)",
                    directory,
                )
            if not os.access(directory, os.W_OK):
                raise PermissionError(
                    13, "ModelCheckpoint: the checkpoint directory is not writable", directory
                )
        self.path = path
        self.monitor = monitor
        self.save_best_only = save_best_only
        self.mode = mode
        self.include_optimizer = bool(include_optimizer)
        self._tracker = _Monitor("ModelCheckpoint", monitor, mode, 0.0)
        self.last_saved: Path | None = None

    @property
    def best(self) -> float:
        """The best monitored value so far (``inf`` in mode "min", ``-inf`` in "max" at first)."""
        return self._tracker.best

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self._tracker = _Monitor("ModelCheckpoint", self.monitor, self.mode, 0.0)
        names = getattr(self.trainer, "log_names", None)
        if names is None:
            return
        unknown = sorted({f for f in self._fields if f != "epoch" and f not in names})
        if unknown:
            raise ValueError(
                f"ModelCheckpoint: the path template {os.fspath(self.path)!r} uses "
                f"{unknown}, which are not among the logged values {['epoch', *names]}"
            )
        if self.save_best_only:
            self._tracker.current(dict.fromkeys(names, 0.0))  # raises for a missing monitor

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        logs = logs or {}
        value = None
        if self.save_best_only:
            value = self._tracker.current(logs)
            if not (math.isfinite(value) and self._tracker.improved(value)):
                return
        bad = _non_finite(self.trainer.model.state_dict())
        if bad:
            warnings.warn(
                f"ModelCheckpoint: after epoch {epoch + 1} the parameters {bad} are not "
                "finite; the checkpoint was not written",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        if value is not None:
            self._tracker.best = value
        path = Path(os.fspath(self.path).format(epoch=epoch + 1, **logs))
        if self.include_optimizer:
            self.trainer.save_checkpoint(path)
        else:
            save(self.trainer.model, path)
        self.last_saved = path


def _non_finite(state: Mapping[str, Any]) -> list[str]:
    return [
        name
        for name, value in state.items()
        if np.asarray(value).dtype.kind in "fc" and not np.isfinite(value).all()
    ][:5]
