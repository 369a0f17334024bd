"""Training checkpoints that resume exactly, and callbacks that fail early or stay safe."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from nn.callbacks import Callback, EarlyStopping, ModelCheckpoint
from nn.train import NonFiniteLossError, Trainer

from .test_train import _blobs, _params


def _trainer(init_seed: int) -> Trainer:
    autograd.manual_seed(init_seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    opt = nn.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    return Trainer(model, nn.CrossEntropyLoss(), opt)


def _fit(trainer, X, y, epochs, **kwargs):
    return trainer.fit(
        X, y, epochs=epochs, batch_size=8, seed=3, progress=False, validation_data=(X, y), **kwargs
    )


@pytest.mark.parametrize("save_via", ["callback", "method"])
def test_two_plus_two_epochs_with_a_resume_equal_four_bitwise(tmp_path, save_via) -> None:
    X, y = _blobs(n=40)
    straight = _trainer(0)
    history4 = _fit(straight, X, y, 4)

    first = _trainer(0)
    path = tmp_path / "run.npz"
    if save_via == "callback":
        ckpt = ModelCheckpoint(path, monitor="loss", include_optimizer=True)
        _fit(first, X, y, 2, callbacks=[ckpt])
    else:
        _fit(first, X, y, 2)
        first.save_checkpoint(path)
    autograd.manual_seed(99)  # whatever happens in between does not matter

    resumed = _trainer(7)  # other initial weights, fresh optimizer: all comes from the file
    history = _fit(resumed, X, y, 4, resume_from=path)
    want = _params(straight.model)
    for name, value in _params(resumed.model).items():
        np.testing.assert_array_equal(value, want[name], err_msg=name)
    assert history.epoch == [0, 1, 2, 3]
    assert history.history == history4.history
    for p, q in zip(straight.model.parameters(), resumed.model.parameters(), strict=True):
        for key, value in straight.optimizer.state[p].items():
            np.testing.assert_array_equal(resumed.optimizer.state[q][key], value)

    # The weights alone do not resume exactly: the optimizer state is what makes it exact.
    weights_only = _trainer(7)
    weights_only.model.load_state_dict(nn.load(path)["model"])
    _fit(weights_only, X, y, 2)
    assert not np.array_equal(_params(weights_only.model)["0.weight"], want["0.weight"])


def test_a_bad_training_checkpoint_changes_nothing(tmp_path) -> None:
    X, y = _blobs(n=16)
    source = _trainer(0)
    _fit(source, X, y, 1)
    good = nn.load(source.save_checkpoint(tmp_path / "good"))
    target = _trainer(1)
    before = _params(target.model)

    bad = dict(good, optimizer={**good["optimizer"], "state": {0: {"step": "3"}}})
    nn.save(bad, tmp_path / "bad_opt")
    with pytest.raises(ValueError, match="'step'"):
        _fit(target, X, y, 2, resume_from=tmp_path / "bad_opt")
    nn.save(source.model, tmp_path / "weights")
    with pytest.raises(ValueError, match="not a training checkpoint"):
        _fit(target, X, y, 2, resume_from=tmp_path / "weights")
    rng = dict(good["progress"], engine_rng={"bit_generator": "PCG64", "state": 3})
    nn.save(dict(good, progress=rng), tmp_path / "bad_rng")
    with pytest.raises(ValueError, match="invalid random generator state engine_rng"):
        _fit(target, X, y, 2, resume_from=tmp_path / "bad_rng")
    for name, value in _params(target.model).items():
        np.testing.assert_array_equal(value, before[name])
    assert target.optimizer.state == {}


def test_model_checkpoint_checks_its_template_and_directory_at_construction(tmp_path) -> None:
    for template, match in [
        ("ck-{epoch", "cannot be formatted"),
        ("ck-{0}.npz", "positional field"),
        ("ck-{epoch:q}.npz", "cannot be formatted"),
        ("ck-}.npz", "cannot be formatted"),
    ]:
        with pytest.raises(ValueError, match=match):
            ModelCheckpoint(tmp_path / template)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ModelCheckpoint(tmp_path / "missing" / "ck.npz")
    with pytest.raises(TypeError, match="str or Path"):
        ModelCheckpoint(3)
    ModelCheckpoint(tmp_path / "{epoch:02d}" / "ck.npz")  # the directory varies: checked later
    ModelCheckpoint(tmp_path / "ck-{{literal}}-{epoch:03d}-{val_loss:.3f}.npz")

    X, y = _blobs(n=12)
    trainer = _trainer(0)
    trained = []

    class Count(Callback):
        def on_epoch_end(self, epoch, logs=None):
            trained.append(epoch)

    ckpt = ModelCheckpoint(tmp_path / "ck-{date}.npz")
    with pytest.raises(ValueError, match=r"uses \['date'\], which are not among the logged"):
        trainer.fit(X, y, epochs=2, batch_size=4, progress=False, callbacks=[Count(), ckpt])
    best = ModelCheckpoint(tmp_path / "ck.npz", save_best_only=True)  # monitors val_loss
    with pytest.raises(ValueError, match="monitor='val_loss' is not among"):
        trainer.fit(X, y, epochs=2, batch_size=4, progress=False, callbacks=[Count(), best])
    assert trained == [] and list(tmp_path.iterdir()) == []


def _overflowing(tmp_path):
    """A run whose second update makes the weights infinite while its loss is still finite."""
    X, y = _blobs(n=8)
    trainer = _trainer(0)
    trainer.metrics = {}

    class Blowup(Callback):
        def on_batch_end(self, batch, logs=None):
            if self.trainer.history.epoch == [0]:  # during the second epoch
                self.trainer.model[0].weight.data[0, 0] = np.inf

    return trainer, X, y, Blowup()


def test_model_checkpoint_never_saves_non_finite_weights(tmp_path) -> None:
    trainer, X, y, blowup = _overflowing(tmp_path)
    best = ModelCheckpoint(tmp_path / "best.npz", monitor="loss", save_best_only=True, mode="max")
    every = ModelCheckpoint(tmp_path / "e{epoch}.npz", monitor="loss")
    with pytest.warns(RuntimeWarning, match=r"after epoch 2 the parameters \['0\.weight'\]"):
        with np.errstate(all="ignore"), pytest.raises(NonFiniteLossError):
            trainer.fit(
                X, y, epochs=3, batch_size=8, progress=False, callbacks=[blowup, best, every]
            )
    assert (tmp_path / "e1.npz").exists() and not (tmp_path / "e2.npz").exists()
    assert best.last_saved == tmp_path / "best.npz"
    assert np.isfinite(nn.load(tmp_path / "best.npz")["0.weight"]).all()
    assert np.isfinite(best.best)


def test_early_stopping_restores_the_best_weights_when_fit_raises(tmp_path) -> None:
    trainer, X, y, blowup = _overflowing(tmp_path)
    snapshots = []

    class Snap(Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(_params(self.trainer.model))

    stop = EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    with np.errstate(all="ignore"), pytest.raises(NonFiniteLossError):
        trainer.fit(X, y, epochs=5, batch_size=8, progress=False, callbacks=[Snap(), blowup, stop])
    assert stop.best_epoch is not None
    want = snapshots[stop.best_epoch]
    for name, value in _params(trainer.model).items():
        np.testing.assert_array_equal(value, want[name])
        assert np.isfinite(value).all()
    # Without restore_best_weights the non-finite weights stay, as the error says.
    trainer, X, y, blowup = _overflowing(tmp_path)
    with np.errstate(all="ignore"), pytest.raises(NonFiniteLossError):
        trainer.fit(X, y, epochs=5, batch_size=8, progress=False, callbacks=[blowup])
    assert not np.isfinite(trainer.model[0].weight.data).all()


def test_an_error_before_training_restores_nothing(tmp_path) -> None:
    X, y = _blobs(n=12)
    trainer = _trainer(0)
    stop = EarlyStopping(monitor="loss", restore_best_weights=True)
    trainer.fit(X, y, epochs=2, batch_size=4, progress=False, callbacks=[stop])
    assert stop.best_state is not None
    trainer.model[0].weight.data[...] = 0.5  # changed since; a failed start must keep it
    bad = ModelCheckpoint(tmp_path / "ck-{date}.npz")
    with pytest.raises(ValueError, match="date"):
        trainer.fit(X, y, epochs=2, batch_size=4, progress=False, callbacks=[bad, stop])
    assert (trainer.model[0].weight.data == 0.5).all()


def test_a_checkpoint_saved_before_training_resumes_as_a_fresh_run(tmp_path) -> None:
    X, y = _blobs(n=16)
    fresh = _trainer(0)
    _fit(fresh, X, y, 2)
    start = _trainer(0)
    path = start.save_checkpoint(tmp_path / "start")
    resumed = _trainer(5)
    history = _fit(resumed, X, y, 2, resume_from=path)
    assert history.epoch == [0, 1]
    want = _params(fresh.model)
    for name, value in _params(resumed.model).items():
        np.testing.assert_array_equal(value, want[name])
