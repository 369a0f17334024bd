"""Data for training: mini-batches, toy data sets, the 8x8 digits and a split helper.

Every function here works on NumPy arrays and returns NumPy arrays, except
:class:`DataLoader`, which yields :class:`autograd.Tensor` batches ready to feed
a model. Randomness comes from a ``seed`` argument, so the same seed gives the
same data, the same split and the same batch order; with ``seed=None`` it is
drawn from the engine's generator, which ``autograd.manual_seed`` seeds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from autograd import Tensor, get_default_dtype
from autograd.creation import default_generator

__all__ = [
    "DataLoader",
    "load_digits",
    "make_moons",
    "make_spirals",
    "train_test_split",
]


def _as_array(value: Any, name: str, where: str) -> np.ndarray:
    """The NumPy data of an array-like or Tensor, with at least one axis."""
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
    if array.ndim == 0:
        raise ValueError(
            f"{where}: {name} must have at least one axis (one row per sample), "
            f"got a 0-d value {array!r}"
        )
    return array


def _rng(seed: int | None) -> np.random.Generator:
    """A generator from ``seed``, or seeded from the engine's generator when None."""
    if seed is None:
        seed = int(default_generator().integers(2**63))
    return np.random.default_rng(seed)


def _float_dtype(dtype: Any) -> np.dtype:
    """The requested float dtype, or the engine's default one."""
    result = np.dtype(get_default_dtype() if dtype is None else dtype)
    if result.kind != "f":
        raise TypeError(f"expected a floating-point dtype for the features, got {result}")
    return result


class DataLoader:
    """Iterate over ``(X, y)`` in mini-batches of Tensors.

    Parameters
    ----------
    X, y : array_like or Tensor
        Features and targets; axis 0 indexes the samples and must have the
        same length in both. Each keeps its dtype, so integer class labels
        stay integer (as :class:`nn.CrossEntropyLoss` expects).
    batch_size : int
        Number of samples per batch (at least 1).
    shuffle : bool, default True
        Visit the samples in a new random order at every pass (epoch).
    seed : int, optional
        Seed of the shuffling. Two loaders with the same seed yield the same
        sequence of epochs. With ``None`` the loader's seed is drawn from the
        engine's generator, so ``autograd.manual_seed`` makes it reproducible
        too (as ``torch.manual_seed`` does for PyTorch's loaders).
    drop_last : bool, default False
        Drop the last batch when it has fewer than ``batch_size`` samples.

    Examples
    --------
    >>> loader = DataLoader(X, y, batch_size=32, seed=0)
    >>> for xb, yb in loader:          # one epoch
    ...     loss = loss_fn(model(xb), yb)
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        batch_size: int,
        shuffle: bool = True,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(
                f"DataLoader: batch_size must be an integer, got {type(batch_size).__name__}"
            )
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        self.X = _as_array(X, "X", "DataLoader")
        self.y = _as_array(y, "y", "DataLoader")
        if len(self.X) != len(self.y):
            raise ValueError(
                f"DataLoader: X has {len(self.X)} samples (shape {self.X.shape}) but y has "
                f"{len(self.y)} (shape {self.y.shape}); they must match along axis 0"
            )
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self.drop_last = bool(drop_last)
        # One generator for the loader's whole life: each epoch draws the next
        # permutation from it, so epochs differ but the sequence is reproducible.
        self._rng = _rng(seed)

    @property
    def n_samples(self) -> int:
        """Number of samples in the data set."""
        return len(self.X)

    def __len__(self) -> int:
        """Number of batches in one epoch."""
        if self.drop_last:
            return self.n_samples // self.batch_size
        return math.ceil(self.n_samples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        n = self.n_samples
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for b in range(len(self)):
            # Fancy indexing copies, so a batch never aliases the user's arrays.
            idx = order[b * self.batch_size : (b + 1) * self.batch_size]
            yield Tensor(self.X[idx]), Tensor(self.y[idx])

    def __repr__(self) -> str:
        return (
            f"DataLoader(n_samples={self.n_samples}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last})"
        )


def _check_count(n: Any, name: str, where: str, minimum: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an integer, got {type(n).__name__}")
    if n < minimum:
        raise ValueError(f"{where}: {name} must be at least {minimum}, got {n}")
    return int(n)


def _check_noise(noise: float, where: str) -> float:
    if not noise >= 0:  # also rejects NaN
        raise ValueError(f"{where}: noise must be a non-negative standard deviation, got {noise}")
    return float(noise)


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int | None = None, dtype: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: the classic two-class toy problem.

    Class 0 is the upper half of the unit circle centred at (0, 0); class 1 is
    the lower half of the unit circle centred at (1, 0.5). Gaussian noise of
    standard deviation ``noise`` is added to every coordinate, and the samples
    are returned in a random order.

    Parameters
    ----------
    n_samples : int, default 100
        Total number of points; class 0 gets ``n_samples // 2`` of them.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to the coordinates.
    seed : int, optional
        Seed for the noise and the order (``None``: see the module docstring).
    dtype : dtype, optional
        Float dtype of ``X``; the engine's default dtype when omitted.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64, labels 0 and 1
    """
    n = _check_count(n_samples, "n_samples", "make_moons", 1)
    noise = _check_noise(noise, "make_moons")
    rng = _rng(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_lower, np.int64)])
    order = rng.permutation(n)
    return X[order].astype(_float_dtype(dtype)), y[order]


def make_spirals(
    n_samples: int = 300,
    n_classes: int = 3,
    noise: float = 0.1,
    seed: int | None = None,
    dtype: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: a problem no linear model can solve.

    Each arm starts near the origin and winds outwards to radius 1 through
    three quarters of a turn; the arms are rotated evenly around the origin.
    Gaussian noise of standard deviation ``noise`` is added to every
    coordinate, and the samples are returned in a random order.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, shared as evenly as possible among the classes.
    n_classes : int, default 3
        Number of arms (classes), at least 1.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to the coordinates.
    seed : int, optional
        Seed for the noise and the order (``None``: see the module docstring).
    dtype : dtype, optional
        Float dtype of ``X``; the engine's default dtype when omitted.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64, labels ``0 .. n_classes - 1``
    """
    n = _check_count(n_samples, "n_samples", "make_spirals", 1)
    k = _check_count(n_classes, "n_classes", "make_spirals", 1)
    noise = _check_noise(noise, "make_spirals")
    rng = _rng(seed)
    # The first n % k classes get one extra point.
    counts = [n // k + (c < n % k) for c in range(k)]
    points, labels = [], []
    for c, m in enumerate(counts):
        # Start a little away from the origin, where all arms would coincide.
        radius = np.linspace(0.1, 1.0, m)
        angle = 2.0 * np.pi * c / k + 1.5 * np.pi * radius
        points.append(np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1))
        labels.append(np.full(m, c, dtype=np.int64))
    X = np.concatenate(points) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate(labels)
    order = rng.permutation(n)
    return X[order].astype(_float_dtype(dtype)), y[order]


_NO_SKLEARN = (
    "load_digits reads the digits bundled with scikit-learn, which is not installed; "
    "install it with: pip install scikit-learn (from a checkout of scratchgrad, "
    'pip install ".[digits]" does the same)'
)


def _read_bundled_digits() -> tuple[np.ndarray, np.ndarray]:
    """Pixels (0..16) and labels from scikit-learn's copy of the digits."""
    try:
        spec = find_spec("sklearn")
    except (ImportError, ValueError):  # ValueError: a broken or blocked module entry
        spec = None
    if spec is None:
        raise ImportError(_NO_SKLEARN)
    # Read the bundled CSV directly: importing sklearn.datasets takes seconds
    # (it pulls in SciPy), reading 1,797 rows takes milliseconds.
    for location in spec.submodule_search_locations or []:
        path = Path(location, "datasets", "data", "digits.csv.gz")
        if path.is_file():
            table = np.loadtxt(path, delimiter=",")
            if table.shape == (1797, 65):
                return table[:, :-1], table[:, -1]
    # The file moved in some scikit-learn version: take the public route.
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as err:
        raise ImportError(_NO_SKLEARN) from err
    bunch = sklearn_load_digits()
    return bunch.data, bunch.target


def load_digits(dtype: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits: 1,797 real images of the digits 0 to 9.

    The images are read from the copy bundled with scikit-learn (no network
    access), so scikit-learn must be installed: ``pip install scikit-learn``
    (from a checkout, ``pip install ".[digits]"``). Pixel intensities (0 to 16 in the original) are
    scaled to [0, 1].

    Parameters
    ----------
    dtype : dtype, optional
        Float dtype of ``X``; the engine's default dtype when omitted.

    Returns
    -------
    X : ndarray of shape (1797, 64)
        One flattened 8x8 image per row, values in [0, 1].
    y : ndarray of shape (1797,), int64
        The digit shown, 0 to 9.

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    """
    pixels, target = _read_bundled_digits()
    X = np.asarray(pixels, dtype=_float_dtype(dtype)) / 16.0
    y = np.asarray(target, dtype=np.int64)
    return X, y


def _stratified_test_indices(
    labels: np.ndarray, n_test: int, rng: np.random.Generator
) -> np.ndarray:
    """Test indices with each class in (nearly) the same proportion as in ``labels``."""
    # axis=0 treats each row of 2-D (one-hot) labels as one class.
    classes, inverse, counts = np.unique(labels, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    if counts.min() < 2:
        rare = classes[np.argmin(counts)]
        raise ValueError(
            f"train_test_split: cannot stratify, class {rare!r} has only "
            f"{counts.min()} sample; every class needs at least 2"
        )
    # Each class's exact share of the test set, rounded down, then the
    # remaining places go to the classes with the largest remainders.
    share = counts * n_test / len(labels)
    per_class = np.floor(share).astype(int)
    remaining = n_test - per_class.sum()
    per_class[np.argsort(-(share - per_class), kind="stable")[:remaining]] += 1
    # Keep at least one sample of every class on the training side.
    per_class = np.minimum(per_class, counts - 1)
    chosen = []
    for c, m in enumerate(per_class):
        members = np.flatnonzero(inverse == c)
        chosen.append(rng.permutation(members)[:m])
    return rng.permutation(np.concatenate(chosen))


def train_test_split(
    X: Any,
    y: Any,
    test_size: float | int = 0.25,
    seed: int | None = None,
    stratify: Any = None,
) -> tuple[Any, Any, Any, Any]:
    """Split ``(X, y)`` at random into a training part and a test part.

    Parameters
    ----------
    X, y : array_like or Tensor
        Features and targets with the same number of samples (axis 0).
    test_size : float or int, default 0.25
        A fraction in (0, 1) of the samples (rounded up), or a number of samples.
    seed : int, optional
        Seed of the random split (``None``: see the module docstring).
    stratify : array_like, bool or None, default None
        Labels whose class proportions the two parts should keep (pass ``y``
        for classification, or ``True`` as a shorthand for it).

    Returns
    -------
    X_train, X_test, y_train, y_test
        NumPy arrays, or Tensors (without gradient) where the input was a Tensor.
    """
    X_arr = _as_array(X, "X", "train_test_split")
    y_arr = _as_array(y, "y", "train_test_split")
    n = len(X_arr)
    if len(y_arr) != n:
        raise ValueError(
            f"train_test_split: X has {n} samples (shape {X_arr.shape}) but y has "
            f"{len(y_arr)} (shape {y_arr.shape}); they must match along axis 0"
        )
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float, np.number)):
        raise TypeError(
            "train_test_split: test_size must be a fraction or a number of samples, "
            f"got {type(test_size).__name__}"
        )
    if isinstance(test_size, (int, np.integer)):
        n_test = int(test_size)
    elif 0.0 < test_size < 1.0:
        n_test = math.ceil(test_size * n)
    else:
        raise ValueError(
            f"train_test_split: a fractional test_size must be in (0, 1), got {test_size}"
        )
    if not 0 < n_test < n:
        raise ValueError(
            f"train_test_split: test_size={test_size} leaves {n_test} test and {n - n_test} "
            f"training samples out of {n}; both parts need at least one"
        )
    rng = _rng(seed)
    if stratify is None or stratify is False:
        order = rng.permutation(n)
        test_idx = order[:n_test]
    else:
        labels = y_arr if stratify is True else _as_array(stratify, "stratify", "train_test_split")
        if len(labels) != n:
            raise ValueError(
                f"train_test_split: stratify has {len(labels)} labels but X has {n} samples"
            )
        test_idx = _stratified_test_indices(labels, n_test, rng)
    is_test = np.zeros(n, dtype=bool)
    is_test[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))

    def take(original: Any, array: np.ndarray, idx: np.ndarray) -> Any:
        part = array[idx]
        return Tensor(part) if isinstance(original, Tensor) else part

    return (
        take(X, X_arr, train_idx),
        take(X, X_arr, test_idx),
        take(y, y_arr, train_idx),
        take(y, y_arr, test_idx),
    )
