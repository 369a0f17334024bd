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
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, default_generator, manual_seed, no_grad
from nn.callbacks import Callback, EarlyStopping, ModelCheckpoint
from nn.data import DataLoader
from nn.init import _global_generator, _set_thread_generator
from nn.io import load, save
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
    compile : bool, default False
        Run each training step through :func:`autograd.compile`: after two
        eager steps per batch shape, forward, loss and backward and then the
        update are replayed as plain NumPy, with the same numbers.

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
        compile: bool = False,
    ) -> None:
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.metrics = resolve_metrics(metrics)
        self.history: History | None = None
        self.stop_training = False
        self.log_names: list[str] | None = None
        self._progress: tuple[int, DataLoader] | None = None
        self._rng: np.random.Generator | None = None
        # Forward-backward and update compiled apart, so that the non-finite
        # checks still run between them, before the parameters change.
        self._compiled = (
            (autograd.compile(self._forward_backward), autograd.compile(optimizer.step))
            if compile
            else None
        )

    def _forward_backward(self, xb: Tensor, yb: Tensor) -> tuple[Tensor, Tensor]:
        self.optimizer.zero_grad()
        out = self.model(xb)
        loss = self.loss_fn(out, yb)
        self._loss_value(loss)
        loss.backward()
        return out, loss

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
        resume_from: str | os.PathLike | None = None,
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
        resume_from : str or os.PathLike, optional
            A training checkpoint written by :meth:`save_checkpoint` (or by
            ``ModelCheckpoint(..., include_optimizer=True)``). The model, the
            optimizer's state, the random generators and the history are
            restored and training continues after the saved epoch up to
            ``epochs`` in all, so that with the same data and arguments the
            result is bit for bit that of one uninterrupted run. Everything is
            checked before anything changes.

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
        callbacks = list(callbacks or [])
        resume = None if resume_from is None else self._read_checkpoint(resume_from)
        # A checkpoint from within a run restores the generators; one saved before
        # any training only the weights and optimizer, and the run starts afresh.
        midway = resume is not None and "loader_rng" in resume["progress"]
        if not midway and seed is not None:
            manual_seed(seed)
        # Resuming, the loader's generator is restored below: it must not draw a seed.
        loader = DataLoader(X_arr, y_arr, batch_size, shuffle=shuffle, seed=0 if midway else seed)
        history = History(
            {"epochs": int(epochs), "batch_size": batch_size, "steps": len(loader), "seed": seed}
        )
        # The seed's own stream for dropout and init in this thread: the same numbers
        # as the reseeded engine generator, not shared with another thread's training.
        previous_gen = _set_thread_generator(None if seed is None else np.random.default_rng(seed))
        self._rng = _global_generator()  # what this run draws from, for checkpoints
        start = 0
        if resume is not None:
            try:
                start = self._restore(resume, loader, history)
            except BaseException:
                _set_thread_generator(previous_gen)
                raise
        for callback in callbacks:
            callback.set_trainer(self)
        self.log_names = ["loss", *self.metrics]
        if validation is not None:
            self.log_names += [f"val_{name}" for name in self.log_names]

        self.history = history
        self.stop_training = False
        self._progress = (start, loader)
        was_training = self.model.training
        logs: dict[str, float] = {}
        begun: list[Callback] = []  # an error reaches only callbacks whose training began
        try:
            self.model.train()
            for callback in callbacks:
                callback.on_train_begin()
                begun.append(callback)
            for epoch in range(start, epochs):
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
                self._progress = (epoch + 1, loader)
                for callback in callbacks:
                    callback.on_epoch_end(epoch, dict(logs))
                if self.stop_training:
                    break
        except BaseException as error:
            self.model.train(was_training)
            for callback in begun:
                try:
                    callback.on_train_error(error, dict(logs))
                except Exception as hook_error:  # the training error is the one to see
                    warnings.warn(
                        f"{type(callback).__name__}.on_train_error failed: {hook_error!r}",
                        RuntimeWarning,
                        stacklevel=2,
                    )
            raise
        finally:
            _set_thread_generator(previous_gen)
        self.model.train(was_training)
        for callback in callbacks:
            callback.on_train_end(dict(logs))
        return history

    # -- training checkpoints ----------------------------------------------

    def save_checkpoint(self, path: str | os.PathLike) -> Path:
        """Write what resuming training needs to an ``.npz`` file, without pickle.

        The file holds the model's state dict (``"model"``), the optimizer's
        (``"optimizer"``), and the progress of the current or last
        :meth:`fit`: completed epochs, the history, and the states of the
        loader's and the engine's random generators. Continue with
        ``fit(..., resume_from=path)``; read the weights alone with
        ``model.load_state_dict(nn.load(path)["model"])``.

        Returns
        -------
        pathlib.Path
            The path written (``.npz`` appended if missing).
        """
        progress: dict[str, Any] = {"epoch": 0, "history": {}}
        if self._progress is not None:
            epoch, loader = self._progress
            history = self.history.history if self.history is not None and epoch else {}
            progress = {
                "epoch": epoch,
                "history": {key: [float(v) for v in values] for key, values in history.items()},
                # the stream dropout draws from: the run's, set by fit(seed=)
                "engine_rng": (self._rng or _global_generator()).bit_generator.state,
                "loader_rng": loader._rng.bit_generator.state,
            }
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "progress": progress,
        }
        return save(state, path)

    @staticmethod
    def _read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
        """Read and check a training checkpoint's structure; nothing is changed."""
        state = load(path)
        where = f"fit: resume_from={os.fspath(path)!r}"
        if sorted(state) != ["model", "optimizer", "progress"]:
            raise ValueError(
                f"{where} is not a training checkpoint (keys {sorted(state)[:10]}); write one "
                "with Trainer.save_checkpoint or ModelCheckpoint(..., include_optimizer=True)"
            )
        progress = state["progress"]
        epoch = progress.get("epoch") if isinstance(progress, Mapping) else None
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"{where} has no valid epoch count in 'progress'")
        history = progress.get("history")
        if not isinstance(history, Mapping) or not all(
            isinstance(v, list) and len(v) == epoch and all(isinstance(x, float) for x in v)
            for v in history.values()
        ):
            raise ValueError(f"{where} has a history that does not list one value per epoch")
        if ("engine_rng" in progress) != ("loader_rng" in progress):
            raise ValueError(f"{where} has one random generator state but not the other")
        for name in ("engine_rng", "loader_rng"):
            if name not in progress:
                continue
            try:
                generator = type(default_generator().bit_generator)()
                generator.state = progress[name]
            except (KeyError, TypeError, ValueError) as err:
                raise ValueError(
                    f"{where} has an invalid random generator state {name}: {err}"
                ) from None
        return state

    def _restore(self, state: dict[str, Any], loader: DataLoader, history: History) -> int:
        """Load a checked training checkpoint: model and optimizer or neither."""
        before = self.model.state_dict()
        self.model.load_state_dict(state["model"])
        try:
            self.optimizer.load_state_dict(state["optimizer"])
        except BaseException:
            self.model.load_state_dict(before)
            raise
        progress = state["progress"]
        if "loader_rng" not in progress:
            return 0
        _global_generator().bit_generator.state = progress["engine_rng"]
        loader._rng.bit_generator.state = progress["loader_rng"]
        epoch = progress["epoch"]
        for e in range(epoch):
            history._record(e, {key: values[e] for key, values in progress["history"].items()})
        return epoch

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
            where = (epoch, epochs, batch, len(loader))
            if self._compiled is None:
                self.optimizer.zero_grad()
                out = self.model(xb)
                loss = self.loss_fn(out, yb)
                value = self._loss_value(loss)
            else:
                out, loss = self._compiled[0](xb, yb)
                value = self._loss_value(loss)
            # Checked before the step, so a bad batch never touches the
            # parameters: they stay those of the last good step.
            if not math.isfinite(value):
                raise self._nonfinite_error(where, value, xb, params, f"the loss became {value}")
            if self._compiled is None:
                loss.backward()
            for name, p in params:
                if p.grad is not None and not np.isfinite(p.grad.data).all():
                    what = f"the gradient of {name!r} became non-finite (loss {value:.6g})"
                    raise self._nonfinite_error(where, value, xb, params, what)
            if self._compiled is None:
                self.optimizer.step()
            else:
                self._compiled[1]()

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
