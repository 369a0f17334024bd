"""Tests for nn.Trainer, History, the metrics and the callbacks."""

import math

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn.callbacks import Callback, EarlyStopping, ModelCheckpoint
from nn.data import load_digits, make_moons, train_test_split
from nn.metrics import accuracy, resolve_metrics
from nn.train import History, NonFiniteLossError, Trainer


def _params(model):
    return {name: p.data.copy() for name, p in model.named_parameters()}


def _assert_params_equal(model, expected):
    actual = _params(model)
    assert actual.keys() == expected.keys()
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)


def _blobs(n=64, seed=0):
    """Two well separated Gaussian blobs: a problem any model fits in a few steps."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 2)) * 0.3 + np.where(y[:, None] == 1, 1.5, -1.5)
    return X, y


def _classifier(seed=0, sizes=(2, 8, 2), lr=0.05):
    autograd.manual_seed(seed)
    model = nn.MLP(list(sizes))
    return Trainer(model, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), lr=lr))


# -- fitting ------------------------------------------------------------------


def test_fit_moons_hinge_reaches_full_training_accuracy():
    X, y = make_moons(100, noise=0.05, seed=0)
    y_pm = 2 * y - 1  # hinge loss labels are -1 / +1
    autograd.manual_seed(1)
    model = nn.MLP([2, 16, 16, 1])
    trainer = Trainer(model, nn.HingeLoss(), nn.optim.Adam(model.parameters(), lr=0.02))
    history = trainer.fit(X, y_pm, epochs=150, batch_size=32, seed=0, progress=False)
    assert history.history["accuracy"][-1] == 1.0
    assert trainer.evaluate(X, y_pm)["accuracy"] == 1.0
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_fit_moons_cross_entropy_reaches_full_training_accuracy():
    X, y = make_moons(100, noise=0.05, seed=2)
    trainer = _classifier(sizes=(2, 16, 16, 2), lr=0.02)
    trainer.fit(X, y, epochs=150, batch_size=32, seed=0, progress=False)
    assert trainer.evaluate(X, y)["accuracy"] == 1.0
    np.testing.assert_array_equal(trainer.predict(X).argmax(axis=1), y)


def test_history_keys_lengths_and_values():
    X, y = _blobs()
    Xv, yv = _blobs(seed=1)
    trainer = _classifier()
    history = trainer.fit(
        X, y, epochs=3, batch_size=16, validation_data=(Xv, yv), seed=0, progress=False
    )
    assert isinstance(history, History) and trainer.history is history
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.epoch == [0, 1, 2]
    assert all(len(v) == 3 for v in history.history.values())
    assert all(isinstance(v, float) for vs in history.history.values() for v in vs)
    assert history.params["steps"] == 4 and history.params["epochs"] == 3
    # The last validation entries are the model's loss and accuracy on that data.
    final = trainer.evaluate(Xv, yv)
    assert history.history["val_loss"][-1] == pytest.approx(final["loss"])
    assert history.history["val_accuracy"][-1] == pytest.approx(final["accuracy"])
    assert "History(epochs=3" in repr(history)


def test_training_loss_is_the_size_weighted_mean_of_batch_losses():
    X, y = _blobs(n=10)
    seen = []

    class Record(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((logs["loss"], logs["size"]))

    trainer = _classifier()
    history = trainer.fit(X, y, epochs=1, batch_size=4, progress=False, callbacks=[Record()])
    assert [size for _, size in seen] == [4, 4, 2]
    expected = sum(loss * size for loss, size in seen) / 10
    assert history.history["loss"][0] == pytest.approx(expected)


def test_fit_accepts_tensors_and_zero_epochs():
    X, y = _blobs()
    trainer = _classifier()
    before = _params(trainer.model)
    history = trainer.fit(Tensor(X), Tensor(y), epochs=0, batch_size=8, progress=False)
    assert history.history == {} and history.epoch == []
    _assert_params_equal(trainer.model, before)
    history = trainer.fit(Tensor(X), Tensor(y), epochs=2, batch_size=8, progress=False)
    assert len(history.history["loss"]) == 2


def test_fit_is_reproducible_with_a_seed():
    X, y = _blobs(n=50)

    def run(seed):
        autograd.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
        trainer = Trainer(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1))
        history = trainer.fit(X, y, epochs=3, batch_size=8, seed=seed, progress=False)
        return history.history["loss"], _params(model)

    loss_a, params_a = run(seed=5)
    loss_b, params_b = run(seed=5)
    loss_c, _ = run(seed=6)
    assert loss_a == loss_b
    for name in params_a:
        np.testing.assert_array_equal(params_a[name], params_b[name])
    assert loss_a != loss_c
    # Without a seed, autograd.manual_seed (called in run) fixes everything too.
    assert run(seed=None)[0] == run(seed=None)[0]


def test_fit_restores_the_previous_mode():
    X, y = _blobs()
    trainer = _classifier()
    trainer.model.eval()
    trainer.fit(X, y, epochs=1, batch_size=16, progress=False)
    assert trainer.model.training is False
    trainer.model.train()
    trainer.fit(X, y, epochs=1, batch_size=16, validation_data=(X, y), progress=False)
    assert trainer.model.training is True


# -- output -------------------------------------------------------------------


def test_progress_false_prints_nothing(capfd):
    X, y = _blobs()
    trainer = _classifier()
    trainer.fit(X, y, epochs=2, batch_size=8, validation_data=(X, y), progress=False)
    trainer.evaluate(X, y)
    trainer.predict(X)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_progress_bar_shows_epochs_loss_and_metrics(capfd):
    pytest.importorskip("tqdm", reason="tqdm (a runtime dependency) not installed")
    X, y = _blobs()
    trainer = _classifier()
    trainer.fit(X, y, epochs=2, batch_size=8, validation_data=(X, y), progress=True)
    out, err = capfd.readouterr()
    text = out + err
    assert "Epoch 1/2" in text and "Epoch 2/2" in text
    for key in ("loss=", "accuracy=", "val_loss=", "val_accuracy="):
        assert key in text


# -- evaluate / predict -------------------------------------------------------


class _Probe(nn.Module):
    """A Linear layer with dropout that records the mode and grad mode it ran in."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.dropout = nn.Dropout(0.5)
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, autograd.is_grad_enabled()))
        return self.dropout(self.linear(x))


def test_evaluate_and_predict_run_in_eval_mode_without_grad():
    X, y = _blobs()
    autograd.manual_seed(0)
    model = _Probe()
    trainer = Trainer(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1))
    for mode in (True, False):
        model.train(mode)
        model.calls.clear()
        first = trainer.predict(X, batch_size=10)
        second = trainer.predict(X)
        trainer.evaluate(X, y, batch_size=7)
        assert set(model.calls) == {(False, False)}
        assert model.training is mode, "the previous mode is restored"
        # Dropout is off in eval mode, so predictions are deterministic.
        np.testing.assert_array_equal(first, second)
    # During fit the model is in training mode with gradients on.
    model.calls.clear()
    trainer.fit(X, y, epochs=1, batch_size=32, validation_data=(X, y), progress=False)
    assert model.calls[:2] == [(True, True), (True, True)]
    assert model.calls[2:] == [(False, False)]


def test_predict_and_evaluate_values():
    X, y = _blobs(n=30)
    trainer = _classifier()
    out = trainer.predict(X, batch_size=7)
    assert isinstance(out, np.ndarray) and out.shape == (30, 2)
    with autograd.no_grad():
        expected_out = trainer.model(Tensor(X)).data
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-12)
    result = trainer.evaluate(Tensor(X), Tensor(y), batch_size=4)
    assert set(result) == {"loss", "accuracy"}
    expected_loss = nn.CrossEntropyLoss()(Tensor(expected_out), Tensor(y)).item()
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-12)
    assert result["accuracy"] == np.mean(expected_out.argmax(axis=1) == y)


def test_predict_and_evaluate_errors():
    trainer = _classifier()
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        trainer.predict(np.zeros((3, 2)), batch_size=0)
    with pytest.raises(ValueError, match="no samples"):
        trainer.predict(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="X has 3 samples but y has 2"):
        trainer.evaluate(np.zeros((3, 2)), np.zeros(2, dtype=int))


# -- metrics -------------------------------------------------------------------


def test_accuracy_multiclass_and_binary_conventions():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 1.0], [5.0, 0.0, 0.0]])
    assert accuracy(np.array([0, 1, 2, 1]), logits) == 0.75
    assert accuracy(np.eye(3)[[0, 1, 2, 1]], logits) == 0.75  # one-hot targets
    scores = np.array([0.5, -0.2, 0.0, 3.0])  # a score of exactly 0 is negative
    assert accuracy(np.array([1, 0, 0, 0]), scores) == 0.75
    assert accuracy(np.array([1, -1, -1, -1]), scores) == 0.75
    assert accuracy(np.array([[1], [-1], [1], [1]]), scores[:, None]) == 0.75
    assert accuracy(np.array([1, 1, 1, 1]), scores) == 0.5


def test_accuracy_errors():
    with pytest.raises(ValueError, match="labels in"):
        accuracy(np.array([0, 2]), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="y_true has 3 samples"):
        accuracy(np.zeros(3), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="no samples"):
        accuracy(np.zeros(0), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="expected outputs of shape"):
        accuracy(np.zeros(2), np.zeros((2, 2, 2)))


def test_resolve_metrics():
    def f1(y_true, y_pred):
        return 0.5

    assert resolve_metrics(None) == {}
    assert resolve_metrics("accuracy") == {"accuracy": accuracy}
    assert resolve_metrics(["acc", f1]) == {"acc": accuracy, "f1": f1}
    assert resolve_metrics({"a": "accuracy", "b": f1}) == {"a": accuracy, "b": f1}
    with pytest.raises(ValueError, match="unknown metric 'accurcy'"):
        resolve_metrics(["accurcy"])
    with pytest.raises(ValueError, match="two metrics are named 'f1'"):
        resolve_metrics([f1, f1])
    with pytest.raises(ValueError, match="reserved"):
        resolve_metrics({"loss": f1})
    with pytest.raises(TypeError, match="a metric must be"):
        resolve_metrics([3])


def test_callable_metrics_get_targets_and_raw_outputs():
    X, y = _blobs(n=20)
    received = []

    def mean_output(y_true, y_pred):
        received.append((y_true.copy(), y_pred.copy()))
        return float(y_pred.mean())

    trainer = _classifier()
    trainer.metrics = resolve_metrics({"mean_out": mean_output, "acc": "accuracy"})
    history = trainer.fit(
        X, y, epochs=1, batch_size=6, validation_data=(X, y), seed=0, progress=False
    )
    expected_keys = ["loss", "mean_out", "acc", "val_loss", "val_mean_out", "val_acc"]
    assert list(history.history) == expected_keys
    # Once over the epoch's training predictions, once over the validation data.
    train_true, train_pred = received[0]
    assert train_pred.shape == (20, 2) and sorted(train_true.tolist()) == sorted(y.tolist())
    assert history.history["mean_out"][0] == pytest.approx(train_pred.mean())
    np.testing.assert_array_equal(received[1][0], y)
    np.testing.assert_allclose(received[1][1], trainer.predict(X))


# -- NaN / inf -----------------------------------------------------------------


class _NaNAfter:
    """Cross-entropy that returns NaN from its ``bad_call``-th call on."""

    def __init__(self, bad_call, value=float("nan")):
        self.bad_call = bad_call
        self.value = value
        self.calls = 0
        self.inner = nn.CrossEntropyLoss()

    def __call__(self, out, target):
        self.calls += 1
        loss = self.inner(out, target)
        return loss * self.value if self.calls >= self.bad_call else loss


class _Snapshots(Callback):
    def __init__(self):
        self.after_step = []

    def on_batch_end(self, batch, logs=None):
        self.after_step.append(_params(self.trainer.model))


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nonfinite_loss_stops_and_keeps_last_good_parameters(value):
    X, y = _blobs(n=32)
    trainer = _classifier()
    # 4 batches per epoch: the 6th call is epoch 2, batch 2.
    trainer.loss_fn = _NaNAfter(bad_call=6, value=value)
    snapshots = _Snapshots()
    with pytest.raises(NonFiniteLossError, match=r"epoch 2/3, batch 2/4") as info:
        trainer.fit(X, y, epochs=3, batch_size=8, progress=False, callbacks=[snapshots])
    assert isinstance(info.value, FloatingPointError)
    assert (info.value.epoch, info.value.batch) == (2, 2)
    assert math.isnan(info.value.value) if value != value else math.isinf(info.value.value)
    assert str(value) in str(info.value)
    assert len(snapshots.after_step) == 5
    _assert_params_equal(trainer.model, snapshots.after_step[-1])
    assert trainer.model.training is True


def test_nonfinite_gradient_stops_before_the_step():
    X, y = _blobs(n=16)
    trainer = _classifier()
    calls = []

    def loss_fn(out, target):
        calls.append(1)
        if len(calls) < 3:
            return nn.CrossEntropyLoss()(out, target)
        # sqrt at 0 has an infinite derivative: the loss is 0, its gradient NaN.
        return ((out - out.data) ** 2).sum().sqrt()

    trainer.loss_fn = loss_fn
    snapshots = _Snapshots()
    with (
        pytest.raises(
            NonFiniteLossError,
            match=r"gradient of .0.weight. became non-finite .* epoch 2/2, batch 1/2",
        ),
        np.errstate(divide="ignore", invalid="ignore"),
    ):
        trainer.fit(X, y, epochs=2, batch_size=8, progress=False, callbacks=[snapshots])
    _assert_params_equal(trainer.model, snapshots.after_step[-1])


def test_nan_inputs_are_named_in_the_error():
    X, y = _blobs(n=16)
    X[12, 0] = np.nan
    trainer = _classifier()
    before = _params(trainer.model)
    with pytest.raises(NonFiniteLossError, match="batch's inputs contain NaN") as info:
        trainer.fit(X, y, epochs=1, batch_size=8, shuffle=False, progress=False)
    assert (info.value.epoch, info.value.batch) == (1, 2)
    assert not np.array_equal(_params(trainer.model)["0.weight"], before["0.weight"])
    assert all(np.isfinite(p).all() for p in _params(trainer.model).values())


# -- callbacks -------------------------------------------------------------------


def _scripted(values):
    """A metric that returns the next of ``values`` on each call."""
    it = iter(values)
    return lambda y_true, y_pred: next(it)


def test_callback_hooks_are_called_in_order():
    X, y = _blobs(n=12)
    events = []

    class Log(Callback):
        def on_train_begin(self, logs=None):
            events.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            events.append(f"epoch_begin {epoch}")

        def on_batch_begin(self, batch, logs=None):
            events.append(f"batch_begin {batch}")

        def on_batch_end(self, batch, logs=None):
            events.append(f"batch_end {batch}")

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, logs=None):
            events.append("train_end")

    trainer = _classifier()
    log = Log()
    trainer.fit(X, y, epochs=2, batch_size=8, progress=False, callbacks=[log])
    assert log.trainer is trainer
    epoch = ["batch_begin 0", "batch_end 0", "batch_begin 1", "batch_end 1"]
    assert events == [
        "train_begin",
        "epoch_begin 0",
        *epoch,
        "epoch_end 0 ['accuracy', 'loss']",
        "epoch_begin 1",
        *epoch,
        "epoch_end 1 ['accuracy', 'loss']",
        "train_end",
    ]


def test_a_callback_can_stop_training():
    X, y = _blobs(n=12)

    class StopAfterTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.trainer.stop_training = True

    history = _classifier().fit(
        X, y, epochs=10, batch_size=4, progress=False, callbacks=[StopAfterTwo()]
    )
    assert history.epoch == [0, 1]


def test_early_stopping_on_a_plateau():
    X, y = _blobs(n=12)
    autograd.manual_seed(0)
    model = nn.MLP([2, 4, 2])
    # lr=0: the loss never changes, so it stops improving after the first epoch.
    trainer = Trainer(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.0))
    stop = EarlyStopping(monitor="val_loss", patience=2)
    history = trainer.fit(
        X, y, epochs=20, batch_size=4, validation_data=(X, y), progress=False, callbacks=[stop]
    )
    assert history.epoch == [0, 1, 2, 3]
    assert stop.stopped_epoch == 3 and stop.best_epoch == 0


def test_early_stopping_restores_best_weights():
    X, y = _blobs(n=12)
    trainer = _classifier(lr=0.1)
    trainer.metrics = {"score": _scripted([0.1, 0.5, 0.3, 0.2, 0.9, 0.9])}
    snapshots = []

    class Snap(Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(_params(self.trainer.model))

    stop = EarlyStopping(monitor="score", mode="max", patience=1, restore_best_weights=True)
    history = trainer.fit(X, y, epochs=6, batch_size=4, progress=False, callbacks=[Snap(), stop])
    assert history.history["score"] == [0.1, 0.5, 0.3, 0.2]
    assert stop.best == 0.5 and stop.best_epoch == 1
    _assert_params_equal(trainer.model, snapshots[1])
    assert not np.array_equal(snapshots[1]["0.weight"], snapshots[3]["0.weight"])


def test_early_stopping_modes_and_missing_monitor():
    X, y = _blobs(n=12)
    trainer = _classifier()
    trainer.metrics = {"score": _scripted([0.5, 0.4, 0.45, 0.41])}
    stop = EarlyStopping(monitor="score", mode="min", patience=1, min_delta=0.05)
    history = trainer.fit(X, y, epochs=4, batch_size=4, progress=False, callbacks=[stop])
    # 0.4 beats 0.5 by 0.1; 0.45 and 0.41 do not beat 0.4 by more than 0.05.
    assert history.epoch == [0, 1, 2, 3] and stop.best == 0.4
    trainer.metrics = resolve_metrics("accuracy")
    with pytest.raises(ValueError, match=r"monitor='val_loss' is not among .*validation_data"):
        trainer.fit(X, y, epochs=1, batch_size=4, progress=False, callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="up")
    auto = EarlyStopping(monitor="val_accuracy")
    assert auto._tracker.mode == "max"
    assert EarlyStopping(monitor="val_loss")._tracker.mode == "min"


def test_model_checkpoint_saves_best_epochs(tmp_path):
    X, y = _blobs(n=12)
    trainer = _classifier()
    trainer.metrics = {"score": _scripted([0.3, 0.2, 0.5, 0.4])}
    snapshots = []

    class Snap(Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(_params(self.trainer.model))

    ckpt = ModelCheckpoint(
        tmp_path / "ckpt-{epoch:02d}.npz", monitor="score", save_best_only=True, mode="max"
    )
    trainer.fit(X, y, epochs=4, batch_size=4, progress=False, callbacks=[Snap(), ckpt])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-01.npz", "ckpt-03.npz"]
    assert ckpt.last_saved == tmp_path / "ckpt-03.npz" and ckpt.best == 0.5
    state = nn.load(tmp_path / "ckpt-03.npz")
    assert state.keys() == snapshots[2].keys()
    for name in state:
        np.testing.assert_array_equal(state[name], snapshots[2][name])


def test_model_checkpoint_every_epoch(tmp_path):
    X, y = _blobs(n=12)
    trainer = _classifier()
    path = tmp_path / "last.npz"
    ckpt = ModelCheckpoint(path)  # without save_best_only no validation data is needed
    trainer.fit(X, y, epochs=2, batch_size=4, progress=False, callbacks=[ckpt])
    state = nn.load(path)
    for name, p in trainer.model.named_parameters():
        np.testing.assert_array_equal(state[name], p.data)


# -- argument errors -----------------------------------------------------------------


def test_fit_argument_errors():
    X, y = _blobs(n=12)
    trainer = _classifier()
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        trainer.fit(X, y, epochs=-1, batch_size=4, progress=False)
    with pytest.raises(ValueError, match="validation_data must be a pair"):
        trainer.fit(X, y, epochs=1, batch_size=4, validation_data=X, progress=False)
    with pytest.raises(ValueError, match=r"X has 12 samples .* y has 11"):
        trainer.fit(X, y[:-1], epochs=1, batch_size=4, progress=False)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        trainer.fit(X, y, epochs=1, batch_size=0, progress=False)
    with pytest.raises(ValueError, match="no samples"):
        trainer.fit(X[:0], y[:0], epochs=1, batch_size=4, progress=False)
    trainer.loss_fn = nn.CrossEntropyLoss(reduction="none")
    with pytest.raises(ValueError, match="must return a scalar Tensor"):
        trainer.fit(X, y, epochs=1, batch_size=4, progress=False)


# -- the digits --------------------------------------------------------------------


def test_digits_training_loop_learns():
    pytest.importorskip("sklearn", reason="scikit-learn (the digits extra) not installed")
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0, stratify=y)
    autograd.manual_seed(0)
    model = nn.MLP([64, 64, 10])
    trainer = Trainer(model, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), lr=3e-3))
    history = trainer.fit(X_train, y_train, epochs=4, batch_size=32, seed=0, progress=False)
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert trainer.evaluate(X_test, y_test)["accuracy"] >= 0.9
