"""Tests for nn.data: DataLoader, the toy data sets, load_digits and train_test_split."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Tensor
from nn.data import DataLoader, load_digits, make_moons, make_spirals, train_test_split


def _epoch(loader):
    return [(xb.data.copy(), yb.data.copy()) for xb, yb in loader]


# -- DataLoader ---------------------------------------------------------------


@given(
    n=st.integers(0, 60),
    batch_size=st.integers(1, 70),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
)
def test_dataloader_batches_cover_the_data(n, batch_size, shuffle, drop_last):
    X = np.arange(n * 2, dtype=np.float64).reshape(n, 2)
    y = np.arange(n)
    loader = DataLoader(X, y, batch_size, shuffle=shuffle, seed=1, drop_last=drop_last)
    batches = _epoch(loader)
    assert len(batches) == len(loader)
    full, rest = divmod(n, batch_size)
    assert len(loader) == full + (rest > 0 and not drop_last)
    sizes = [len(yb) for _, yb in batches]
    assert all(s == batch_size for s in sizes[:full])
    if rest and not drop_last:
        assert sizes[-1] == rest
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], int)
    # Rows stay paired with their labels, and no sample is repeated.
    for xb, yb in batches:
        np.testing.assert_array_equal(xb, X[yb])
    assert len(set(seen.tolist())) == len(seen)
    if not drop_last:
        assert sorted(seen.tolist()) == list(range(n))
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(len(seen)))


def test_dataloader_yields_tensors_and_keeps_dtypes():
    X = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    y = np.arange(10, dtype=np.int64)
    xb, yb = next(iter(DataLoader(X, y, 4, seed=0)))
    assert isinstance(xb, Tensor) and isinstance(yb, Tensor)
    assert xb.dtype == np.float32
    assert yb.dtype == np.int64
    assert not xb.requires_grad
    assert xb.shape == (4, 3) and yb.shape == (4,)


def test_dataloader_accepts_tensors():
    X = Tensor(np.arange(12.0).reshape(6, 2))
    y = Tensor(np.arange(6))
    batches = _epoch(DataLoader(X, y, 4, shuffle=False))
    np.testing.assert_array_equal(batches[0][0], X.data[:4])
    np.testing.assert_array_equal(batches[1][1], [4, 5])


def test_dataloader_batches_do_not_alias_user_data():
    X = np.zeros((4, 2))
    y = np.zeros(4)
    for xb, _ in DataLoader(X, y, 2, shuffle=False):
        xb.data[...] = 7.0
    assert (X == 0).all()


def test_dataloader_reshuffles_each_epoch_reproducibly():
    X = np.arange(100.0).reshape(50, 2)
    y = np.arange(50)
    a = DataLoader(X, y, 8, seed=123)
    b = DataLoader(X, y, 8, seed=123)
    order = lambda loader: np.concatenate([yb.data for _, yb in loader])  # noqa: E731
    a1, a2 = order(a), order(a)
    b1, b2 = order(b), order(b)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2), "a new order every epoch"
    assert not np.array_equal(a1, np.arange(50)), "shuffled"
    c1 = order(DataLoader(X, y, 8, seed=124))
    assert not np.array_equal(a1, c1), "another seed, another order"


def test_dataloader_without_seed_follows_manual_seed():
    import autograd

    X, y = np.zeros((30, 1)), np.arange(30)
    order = lambda loader: np.concatenate([yb.data for _, yb in loader])  # noqa: E731
    autograd.manual_seed(11)
    first = order(DataLoader(X, y, 4))
    autograd.manual_seed(11)
    again = order(DataLoader(X, y, 4))
    other = order(DataLoader(X, y, 4))  # the generator has moved on
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_dataloader_multidimensional_targets():
    X = np.ones((5, 2))
    y = np.eye(5)
    (_, yb), *_ = DataLoader(X, y, 3, shuffle=False)
    assert yb.shape == (3, 5)


@pytest.mark.parametrize("batch_size", [0, -3])
def test_dataloader_rejects_non_positive_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        DataLoader(np.ones((3, 1)), np.ones(3), batch_size)


@pytest.mark.parametrize("batch_size", [2.0, "2", True, None])
def test_dataloader_rejects_non_integer_batch_size(batch_size):
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        DataLoader(np.ones((3, 1)), np.ones(3), batch_size)


def test_dataloader_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"X has 5 samples .* y has 4"):
        DataLoader(np.ones((5, 2)), np.ones(4), 2)


def test_dataloader_rejects_scalar_data():
    with pytest.raises(ValueError, match="at least one axis"):
        DataLoader(np.float64(1.0), np.ones(1), 1)


def test_dataloader_len_and_repr():
    loader = DataLoader(np.ones((10, 1)), np.ones(10), 3, drop_last=True, seed=5)
    assert len(loader) == 3
    assert loader.n_samples == 10
    assert "batch_size=3" in repr(loader) and "drop_last=True" in repr(loader)
    assert len(DataLoader(np.ones((10, 1)), np.ones(10), 3)) == 4


# -- make_moons / make_spirals ----------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_make_moons_shapes_and_labels(n):
    X, y = make_moons(n, seed=0)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.bincount(y, minlength=2).tolist() == [n // 2, n - n // 2]


def test_make_moons_geometry_without_noise():
    X, y = make_moons(200, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    # Class 0: the unit circle around (0, 0), upper half.
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert (upper[:, 1] >= -1e-12).all()
    # Class 1: the unit circle around (1, 0.5), lower half.
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()
    assert X[:, 0].min() == pytest.approx(-1.0) and X[:, 0].max() == pytest.approx(2.0)


def test_make_moons_is_deterministic_and_noisy():
    X1, y1 = make_moons(50, noise=0.2, seed=3)
    X2, y2 = make_moons(50, noise=0.2, seed=3)
    X3, _ = make_moons(50, noise=0.2, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    X0, _ = make_moons(50, noise=0.0, seed=3)
    # Same seed, same order: noise moves points by about its standard deviation.
    assert 0.05 < np.std(X1 - X0) < 0.4
    assert not (np.diff(y1) >= 0).all(), "samples are shuffled, not sorted by class"


def test_make_moons_dtype_and_errors():
    X, _ = make_moons(10, seed=0, dtype=np.float32)
    assert X.dtype == np.float32
    with pytest.raises(ValueError, match="noise must be a non-negative"):
        make_moons(10, noise=-0.1)
    with pytest.raises(ValueError, match="n_samples must be at least 1"):
        make_moons(0)
    with pytest.raises(TypeError, match="floating-point dtype"):
        make_moons(10, dtype=np.int32)


@pytest.mark.parametrize(("n", "k"), [(300, 3), (10, 4), (7, 2), (5, 1), (50, 7)])
def test_make_spirals_shapes_and_labels(n, k):
    X, y = make_spirals(n, n_classes=k, seed=0)
    assert X.shape == (n, 2) and y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.sum() == n
    assert counts.max() - counts.min() <= 1


def test_make_spirals_geometry_and_determinism():
    X, y = make_spirals(300, n_classes=3, noise=0.0, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.min() == pytest.approx(0.1) and radius.max() == pytest.approx(1.0)
    # The arms are the same curve rotated by 2*pi/3: rotate arm 1 back onto arm 0.
    angle = -2 * np.pi / 3
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    arm0 = X[y == 0][np.argsort(radius[y == 0])]
    arm1 = X[y == 1][np.argsort(radius[y == 1])]
    np.testing.assert_allclose(arm1 @ rot.T, arm0, atol=1e-12)
    X2, y2 = make_spirals(300, n_classes=3, noise=0.0, seed=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_make_spirals_errors():
    with pytest.raises(ValueError, match="n_classes must be at least 1"):
        make_spirals(10, n_classes=0)
    with pytest.raises(ValueError, match="noise"):
        make_spirals(10, noise=float("nan"))


# -- load_digits --------------------------------------------------------------


def test_load_digits():
    pytest.importorskip("sklearn", reason="scikit-learn (the digits extra) not installed")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # Pixel values were integers 0..16, scaled by 1/16.
    np.testing.assert_array_equal(X * 16, np.round(X * 16))
    assert load_digits(dtype=np.float32)[0].dtype == np.float32


def test_load_digits_matches_scikit_learn(monkeypatch, tmp_path):
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn not installed")
    import nn.data

    reference = datasets.load_digits()
    X, y = load_digits()
    np.testing.assert_array_equal(X, reference.data / 16)
    np.testing.assert_array_equal(y, reference.target)
    # Where the bundled file is not found, the public scikit-learn function is used.
    spec = SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    monkeypatch.setattr(nn.data, "find_spec", lambda name: spec)
    X2, y2 = load_digits()
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_load_digits_without_sklearn_explains_how_to_install(monkeypatch):
    import sys

    # A None entry in sys.modules makes the import fail as if not installed.
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"scikit-learn.*pip install"):
        load_digits()


# -- train_test_split -----------------------------------------------------------


def test_train_test_split_partitions_the_data():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_te) == 5 and len(X_tr) == 15
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_tr, X[y_tr])
    np.testing.assert_array_equal(X_te, X[y_te])
    assert not np.array_equal(y_tr, np.sort(y_tr)), "both parts are shuffled"


def test_train_test_split_sizes_and_seed():
    X, y = np.zeros((10, 1)), np.arange(10)
    assert len(train_test_split(X, y, test_size=3, seed=0)[1]) == 3
    assert len(train_test_split(X, y, test_size=0.21, seed=0)[1]) == 3  # rounded up
    a = train_test_split(X, y, seed=7)
    b = train_test_split(X, y, seed=7)
    c = train_test_split(X, y, seed=8)
    np.testing.assert_array_equal(a[3], b[3])
    assert not np.array_equal(a[3], c[3])


def test_train_test_split_stratified_keeps_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100.0)[:, None]
    for stratify in (y, True):
        _, _, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=1, stratify=stratify)
        assert np.bincount(y_te).tolist() == [12, 6, 2]
        assert np.bincount(y_tr).tolist() == [48, 24, 8]


def test_train_test_split_stratified_one_hot():
    y = np.eye(2)[np.repeat([0, 1], [8, 4])]
    _, _, _, y_te = train_test_split(np.zeros((12, 1)), y, test_size=0.25, seed=0, stratify=y)
    assert y_te.sum(axis=0).tolist() == [2, 1]


def test_train_test_split_keeps_tensors():
    X, y = Tensor(np.arange(8.0).reshape(4, 2)), Tensor(np.arange(4))
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=1, seed=0)
    assert all(isinstance(t, Tensor) for t in (X_tr, X_te, y_tr, y_te))
    np.testing.assert_array_equal(X_te.data, X.data[y_te.data])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"test_size": 0}, ValueError, "both parts"),
        ({"test_size": 10}, ValueError, "both parts"),
        ({"test_size": 1.0}, ValueError, r"in \(0, 1\)"),
        ({"test_size": "a"}, TypeError, "test_size"),
        ({"stratify": np.arange(10)}, ValueError, "at least 2"),
        ({"stratify": np.zeros(9)}, ValueError, "stratify has 9"),
    ],
)
def test_train_test_split_errors(kwargs, error, match):
    X, y = np.zeros((10, 1)), np.arange(10) % 2
    with pytest.raises(error, match=match):
        train_test_split(X, y, seed=0, **kwargs)


def test_train_test_split_mismatched_lengths():
    with pytest.raises(ValueError, match=r"X has 4 samples .* y has 3"):
        train_test_split(np.zeros((4, 1)), np.zeros(3))
