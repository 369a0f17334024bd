"""End-to-end training: the two classic toy classifiers reach their known accuracy.

1. micrograd's moons demo: 100 two-moons points (noise 0.1), ``MLP([2, 16, 16, 1])``,
   the max-margin (hinge) loss plus ``1e-4 * sum(p**2)``, full-batch SGD with
   the learning rate falling linearly from 1.0 to 0.1 over 100 steps, and
   micrograd's initialisation (weights U(-1, 1), biases 0). The demo reaches
   100% training accuracy; so must we.
2. The CS231n spiral example: 3 classes x 100 points, softmax classifier on a
   hidden layer of 100 ReLU units, cross-entropy. The course reports about 98%
   training accuracy for this network and about 50% for a linear softmax
   classifier (the spirals are not linearly separable). We train with Adam
   (lr 0.02, 200 full-batch steps) and require at least 97%; the linear model
   trained the same way must stay at or below 60%, which shows the test
   measures the hidden layer, not an easy data set.

The data are generated here with NumPy, with fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.data import make_moons


def spirals(n_per_class: int = 100, n_classes: int = 3, seed: int = 0):
    """The CS231n spiral data: arms of radius 0..1, angle noise 0.2."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n_per_class * n_classes, 2))
    y = np.zeros(n_per_class * n_classes, dtype=np.int64)
    for j in range(n_classes):
        rows = slice(j * n_per_class, (j + 1) * n_per_class)
        r = np.linspace(0.0, 1.0, n_per_class)
        t = np.linspace(j * 4, (j + 1) * 4, n_per_class) + rng.normal(scale=0.2, size=n_per_class)
        X[rows] = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        y[rows] = j
    return X, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_micrograd_moons_reaches_100_percent(seed: int) -> None:
    X, y = make_moons(n_samples=100, noise=0.1, seed=seed)
    labels = 2 * y - 1  # {-1, +1} for the hinge loss
    model = nn.MLP([2, 16, 16, 1], seed=seed)
    rng = np.random.default_rng(seed)
    for layer in model:
        if isinstance(layer, nn.Linear):  # micrograd's Neuron: w ~ U(-1, 1), b = 0
            nn.init.uniform_(layer.weight, -1.0, 1.0, generator=rng)
            nn.init.zeros_(layer.bias)
    optimizer = nn.optim.SGD(model.parameters(), lr=1.0)
    loss_fn = nn.HingeLoss()
    inputs = Tensor(X)
    steps = 100
    losses = []
    for k in range(steps):
        data_loss = loss_fn(model(inputs), labels)
        reg_loss = sum((p * p).sum() for p in model.parameters()) * 1e-4
        loss = data_loss + reg_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.param_groups[0]["lr"] = 1.0 - 0.9 * k / steps
        optimizer.step()
        losses.append(loss.item())
    predictions = np.where(model(inputs).data.reshape(-1) > 0, 1, -1)
    accuracy = (predictions == labels).mean()
    assert accuracy == 1.0, f"training accuracy {accuracy:.2f}"
    assert losses[-1] < 0.1 * losses[0]


def train_softmax(model: nn.Module, X: np.ndarray, y: np.ndarray, lr: float) -> float:
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    inputs = Tensor(X)
    for _ in range(200):
        loss = loss_fn(model(inputs), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return float((model(inputs).data.argmax(axis=1) == y).mean())


def test_softmax_classifier_on_spirals() -> None:
    X, y = spirals(seed=0)
    accuracy = train_softmax(nn.MLP([2, 100, 3], seed=0), X, y, lr=0.02)
    assert accuracy >= 0.97, f"hidden-layer softmax classifier: {accuracy:.3f}"
    linear = train_softmax(nn.Linear(2, 3, seed=0), X, y, lr=0.1)
    assert 0.4 <= linear <= 0.6, f"linear softmax classifier: {linear:.3f}"
