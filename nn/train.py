"""Training as a class: :class:`Trainer` runs the loop, :class:`History` records it.

The loop is the one every example writes by hand::

    for xb, yb in DataLoader(X, y, batch_size, seed=seed):
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()

plus what a real run needs: metrics, validation after each epoch, a progress
bar, reproducibility from one seed, callbacks, and a guard that stops at the
first NaN or infinite loss before it reaches the parameters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from autograd import Tensor, manual_seed, no_grad
from nn.callbacks import Callback, EarlyStopping, ModelCheckpoint
from nn.data import DataLoader
from nn.init import _set_thread_generator
from nn.metrics import resolve_metrics
from nn.module import Module

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "NonFiniteLossError",
    "Trainer",
]


class NonFiniteLossError(FloatingPointError):
    """The loss (or a gradient) became NaN or infinite during :meth:`Trainer.fit`.

    Attributes
    ----------
    epoch, batch : int
        Where it happened, counted from 1 as in the progress bar.
    value : float
        The offending loss value.
    """

    def __init__(self, message: str, epoch: int, batch: int, value: float) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.value = value


class History:
    """What :meth:`Trainer.fit` returns: the per-epoch values of one run.

    Attributes
    ----------
    history : dict[str, list[float]]
        ``"loss"``, each metric, and with validation data ``"val_loss"`` and
        ``"val_<metric>"``, each mapped to one value per completed epoch.
    epoch : list[int]
        The completed epochs, counted from 0 (as in Keras).
    params : dict
        The settings of the run: ``epochs``, ``batch_size``, ``steps`` (batches
        per epoch), ``seed``.
    """

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict[str, Any] = dict(params or {})

    def _record(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


def _as_array(value: Any, name: str) -> np.ndarray:
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
    if array.ndim == 0:
        raise ValueError(f"{name} must have one row per sample, got a 0-d value")
    return array


def _format_logs(logs: dict[str, float]) -> dict[str, str]:
    return {key: f"{value:.4f}" for key, value in logs.items()}


class Trainer:
    """Fit a model to data with a loss and an optimizer, and measure it.

    Parameters
    ----------
    model : nn.Module
        The model; called on a batch Tensor, it returns the outputs.
    loss_fn : callable
        ``loss_fn(outputs, targets) -> scalar Tensor``, e.g. ``nn.CrossEntropyLoss()``.
    optimizer : optimizer
        An :mod:`nn.optim` optimizer over the model's parameters.
    metrics : sequence of str or callable, or dict, default ("accuracy",)
        Measured after every epoch. A name from :data:`nn.metrics.METRICS`, or a
        ``callable(y_true, y_pred) -> float`` receiving NumPy arrays of the
        targets and the raw model outputs; a dict gives the names to use.

    Attributes
    ----------
    history : History or None
        The history of the last :meth:`fit`.
    stop_training : bool
        Set it to True (from a callback) to end :meth:`fit` after the current epoch.

    Examples
    --------
    >>> trainer = Trainer(model, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters()))
    >>> history = trainer.fit(X, y, epochs=10, batch_size=32, validation_data=(Xv, yv))
    >>> trainer.evaluate(X_test, y_test)
    {'loss': 0.08, 'accuracy': 0.98}
    """

    def __init__(
        self,
        model: Module,
        loss_fn: Any,
        optimizer: Any,
        metrics: Sequence[Any] | dict[str, Any] | None = ("accuracy",),
    ) -> None:
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.metrics = resolve_metrics(metrics)
        self.history: History | None = None
        self.stop_training = False

    # -- training ----------------------------------------------------------

    def fit(
        self,
        X: Any,
        y: Any,
        epochs: int,
        batch_size: int,
        validation_data: tuple[Any, Any] | None = None,
        seed: int | None = None,
        progress: bool = True,
        callbacks: Iterable[Callback] | None = None,
        shuffle: bool = True,
    ) -> History:
        """Train the model for ``epochs`` passes over ``(X, y)``.

        Parameters
        ----------
        X, y : array_like or Tensor
            Training inputs and targets (one row per sample).
        epochs : int
            Number of passes over the data.
        batch_size : int
            Samples per optimisation step; the last batch may be smaller.
        validation_data : (X_val, y_val), optional
            Evaluated after every epoch (in eval mode, without gradients); adds
            ``"val_loss"`` and ``"val_<metric>"`` to the history.
        seed : int, optional
            Seeds the batch order and the engine's random generator
            (``autograd.manual_seed``, used e.g. by dropout), so that the same
            seed and the same initial model give the same numbers. Without it
            the batch order is drawn from the engine's generator, so a run
            after ``autograd.manual_seed(s)`` is reproducible as well.
        progress : bool, default True
            Show a progress bar per epoch with the running loss and metrics.
            With False nothing is printed.
        callbacks : iterable of Callback, optional
            E.g. :class:`EarlyStopping`, :class:`ModelCheckpoint`.
        shuffle : bool, default True
            Visit the samples in a new random order at every epoch.

        Returns
        -------
        History

        Raises
        ------
        NonFiniteLossError
            If the loss or a gradient becomes NaN or infinite. Training stops
            before that step's update, so the model keeps the parameters of the
            last good step.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
        X_arr, y_arr = _as_array(X, "fit: X"), _as_array(y, "fit: y")
        if len(X_arr) == 0:
            raise ValueError(f"fit: X has no samples (shape {X_arr.shape})")
        validation = self._check_validation(validation_data)
        if seed is not None:
            manual_seed(seed)
        loader = DataLoader(X_arr, y_arr, batch_size, shuffle=shuffle, seed=seed)
        callbacks = list(callbacks or [])
        for callback in callbacks:
            callback.set_trainer(self)

        history = History(
            {"epochs": int(epochs), "batch_size": batch_size, "steps": len(loader), "seed": seed}
        )
        self.history = history
        self.stop_training = False
        was_training = self.model.training
        logs: dict[str, float] = {}
        # The seed's own stream for dropout and init in this thread: the same
        # numbers as the reseeded engine generator, without sharing it.
        previous_gen = _set_thread_generator(None if seed is None else np.random.default_rng(seed))
        try:
            self.model.train()
            for callback in callbacks:
                callback.on_train_begin()
            for epoch in range(epochs):
                for callback in callbacks:
                    callback.on_epoch_begin(epoch)
                bar = self._progress_bar(epoch, epochs, len(loader)) if progress else None
                try:
                    logs = self._train_epoch(loader, epoch, epochs, bar, callbacks)
                    if validation is not None:
                        val = self.evaluate(*validation, batch_size=max(batch_size, 1024))
                        logs.update({f"val_{key}": value for key, value in val.items()})
                    if bar is not None:
                        bar.set_postfix(_format_logs(logs), refresh=True)
                finally:
                    if bar is not None:
                        bar.close()
                history._record(epoch, logs)
                for callback in callbacks:
                    callback.on_epoch_end(epoch, dict(logs))
                if self.stop_training:
                    break
        finally:
            self.model.train(was_training)
            _set_thread_generator(previous_gen)
        for callback in callbacks:
            callback.on_train_end(dict(logs))
        return history

    def _check_validation(self, validation_data: Any) -> tuple[np.ndarray, np.ndarray] | None:
        if validation_data is None:
            return None
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError(
                "fit: validation_data must be a pair (X_val, y_val), "
                f"got {type(validation_data).__name__}"
            )
        X_val = _as_array(validation_data[0], "fit: validation X")
        y_val = _as_array(validation_data[1], "fit: validation y")
        if len(X_val) != len(y_val) or len(X_val) == 0:
            raise ValueError(
                f"fit: validation_data has {len(X_val)} inputs and {len(y_val)} targets; "
                "they must be equal and non-zero"
            )
        return X_val, y_val

    @staticmethod
    def _progress_bar(epoch: int, epochs: int, steps: int) -> Any:
        try:
            from tqdm.auto import tqdm
        except ImportError as err:
            raise ImportError(
                "the training progress bar needs tqdm: pip install tqdm (or pass progress=False)"
            ) from err
        width = len(str(epochs))
        return tqdm(
            total=steps,
            desc=f"Epoch {epoch + 1:>{width}}/{epochs}",
            unit="batch",
            leave=True,
            dynamic_ncols=True,  # fit the terminal: a wrapped bar cannot redraw itself
        )

    def _train_epoch(
        self,
        loader: DataLoader,
        epoch: int,
        epochs: int,
        bar: Any,
        callbacks: list[Callback],
    ) -> dict[str, float]:
        params = list(self.model.named_parameters())
        total_loss, seen = 0.0, 0
        outputs: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        running = dict.fromkeys(self.metrics, 0.0)
        for batch, (xb, yb) in enumerate(loader):
            size = len(xb)
            for callback in callbacks:
                callback.on_batch_begin(batch, {"size": size})
            self.optimizer.zero_grad()
            out = self.model(xb)
            loss = self.loss_fn(out, yb)
            value = self._loss_value(loss)
            where = (epoch, epochs, batch, len(loader))
            # Checked before backward and step, so a bad batch never touches the
            # parameters: they stay those of the last good step.
            if not math.isfinite(value):
                raise self._nonfinite_error(where, value, xb, params, f"the loss became {value}")
            loss.backward()
            for name, p in params:
                if p.grad is not None and not np.isfinite(p.grad.data).all():
                    what = f"the gradient of {name!r} became non-finite (loss {value:.6g})"
                    raise self._nonfinite_error(where, value, xb, params, what)
            self.optimizer.step()

            total_loss += value * size
            seen += size
            if self.metrics:
                outputs.append(out.data)
                targets.append(yb.data)
            if bar is not None:
                shown = {"loss": total_loss / seen}
                for name, metric in self.metrics.items():
                    running[name] += float(metric(yb.data, out.data)) * size
                    shown[name] = running[name] / seen
                bar.set_postfix(_format_logs(shown), refresh=False)
                bar.update(1)
            for callback in callbacks:
                callback.on_batch_end(batch, {"loss": value, "size": size})

        logs = {"loss": total_loss / seen}
        if self.metrics:
            # Exact epoch metrics over every training prediction, not a mean of
            # per-batch values (which would be wrong for non-additive metrics).
            y_all, out_all = np.concatenate(targets), np.concatenate(outputs)
            for name, metric in self.metrics.items():
                logs[name] = float(metric(y_all, out_all))
        return logs

    @staticmethod
    def _loss_value(loss: Any) -> float:
        if not isinstance(loss, Tensor) or loss.size != 1:
            shape = getattr(loss, "shape", type(loss).__name__)
            raise ValueError(
                f"fit: loss_fn must return a scalar Tensor, got {shape}; "
                "use reduction='mean' or 'sum'"
            )
        return float(loss.item())

    @staticmethod
    def _nonfinite_error(
        where: tuple[int, int, int, int],
        value: float,
        xb: Tensor,
        params: list[tuple[str, Any]],
        what: str,
    ) -> NonFiniteLossError:
        epoch, epochs, batch, batches = where
        hints = []
        if not np.isfinite(xb.data).all():
            hints.append("this batch's inputs contain NaN or inf")
        bad = [name for name, p in params if not np.isfinite(p.data).all()]
        if bad:
            hints.append(
                f"the parameters {bad} were already non-finite: the previous update "
                "overflowed (lower the learning rate)"
            )
        hints.append("autograd.detect_anomaly() shows the operation that produced it")
        message = (
            f"fit: {what} at epoch {epoch + 1}/{epochs}, batch {batch + 1}/{batches}. "
            "Training stopped before this step's update, so the model keeps the "
            "parameters of the last good step. Hints: " + "; ".join(hints) + "."
        )
        return NonFiniteLossError(message, epoch + 1, batch + 1, value)

    # -- measuring ---------------------------------------------------------

    def predict(self, X: Any, batch_size: int = 1024) -> np.ndarray:
        """The model's outputs for ``X``, computed in eval mode without gradients.

        Parameters
        ----------
        X : array_like or Tensor
            Inputs, one row per sample.
        batch_size : int, default 1024
            Samples per forward pass (only memory depends on it).

        Returns
        -------
        numpy.ndarray
            The raw outputs (e.g. logits), one row per sample.
        """
        X_arr = _as_array(X, "predict: X")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"predict: batch_size must be an integer, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"predict: batch_size must be at least 1, got {batch_size}")
        was_training = self.model.training
        try:
            self.model.eval()
            with no_grad():
                chunks = [
                    np.asarray(self.model(Tensor(X_arr[start : start + batch_size])).data)
                    for start in range(0, len(X_arr), batch_size)
                ]
        finally:
            self.model.train(was_training)
        if not chunks:
            raise ValueError(f"predict: X has no samples (shape {X_arr.shape})")
        return np.concatenate(chunks)

    def evaluate(self, X: Any, y: Any, batch_size: int = 1024) -> dict[str, float]:
        """Loss and metrics of the model on ``(X, y)``, in eval mode without gradients.

        The loss is computed once over all the outputs, so it is exact whatever
        the batch size.

        Returns
        -------
        dict
            ``{"loss": ..., "<metric>": ...}``.
        """
        y_arr = _as_array(y, "evaluate: y")
        outputs = self.predict(X, batch_size=batch_size)
        if len(outputs) != len(y_arr):
            raise ValueError(
                f"evaluate: X has {len(outputs)} samples but y has {len(y_arr)}; "
                "they must match along axis 0"
            )
        with no_grad():
            loss = self.loss_fn(Tensor(outputs), Tensor(y_arr))
        results = {"loss": self._loss_value(loss)}
        for name, metric in self.metrics.items():
            results[name] = float(metric(y_arr, outputs))
        return results
