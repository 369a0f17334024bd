"""The classic two-moons demo: a small MLP learns a curved decision boundary.

    python examples/moons.py

A multilayer perceptron with two hidden layers of 16 units, MLP([2, 16, 16, 1]),
is trained with the max-margin (hinge) loss and stochastic gradient descent on
100 points of two interleaving half circles. Written with scalar autograd
values, this demo takes minutes; here every step works on whole arrays, so the
100 steps take a fraction of a second. The script prints the accuracy and the
training time and draws the decision boundary to moons.png (next to this file,
or in --out).

The training loop is written out in full: it is what nn.Trainer runs for you.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import autograd
import nn
from autograd import Tensor
from nn.data import make_moons
from nn.metrics import accuracy

SIZES = [2, 16, 16, 1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="gradient steps (100)")
    parser.add_argument("--lr", type=float, default=0.2, help="starting learning rate (0.2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and init (0)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="folder for moons.png"
    )
    parser.add_argument("--no-plots", action="store_true", help="do not draw the picture")
    return parser.parse_args(argv)


def train(model: nn.Module, X: Tensor, y: Tensor, steps: int, lr: float) -> list[float]:
    """Full-batch SGD on the hinge loss; returns the loss at each step."""
    loss_fn = nn.HingeLoss()
    # Momentum speeds the descent up; the small weight decay is the L2
    # regularisation of the original demo and keeps the margins from growing.
    optimizer = nn.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
    losses = []
    for step in range(steps):
        # Decay the learning rate linearly to a tenth of its start.
        for group in optimizer.param_groups:
            group["lr"] = lr * (1.0 - 0.9 * step / steps)
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def plot_boundary(
    model: nn.Module, X: np.ndarray, y: np.ndarray, acc: float, seconds: float, path: Path
) -> None:
    """The points over the regions the model assigns to each class."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, works without a display
    import matplotlib.pyplot as plt

    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 300)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 300)
    gx, gy = np.meshgrid(xs, ys)
    model.eval()
    with autograd.no_grad():
        scores = model(Tensor(np.column_stack([gx.ravel(), gy.ravel()]))).data.reshape(gx.shape)

    colors = ("tab:red", "tab:blue")
    fig, ax = plt.subplots(figsize=(6.4, 5.2), layout="constrained")
    # Pale regions for the two predicted classes, so the points stand out.
    limit = np.abs(scores).max() + 1.0
    ax.contourf(gx, gy, scores, levels=[-limit, 0.0, limit], colors=["#f7d4d4", "#d4e2f7"])
    ax.contour(gx, gy, scores, levels=[0.0], colors="black", linewidths=1.5)
    ax.contour(gx, gy, scores, levels=[-1.0, 1.0], colors="gray", linewidths=1, linestyles="--")
    for label, name in ((0, "class 0 (label −1)"), (1, "class 1 (label +1)")):
        points = X[y == label]
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=28,
            color=colors[label],
            edgecolor="black",
            linewidth=0.6,
            label=name,
        )
    ax.plot([], [], color="black", linewidth=1.5, label="decision boundary (score 0)")
    ax.plot([], [], color="gray", linewidth=1, linestyle="--", label="margins (score ±1)")
    ax.set_title(
        f"MLP({SIZES}) on two moons\ntraining accuracy {acc:.0%}, trained in {seconds:.2f} s"
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_aspect("equal")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    X, y = make_moons(100, noise=0.1, seed=args.seed)
    targets = 2 * y - 1  # the hinge loss wants labels -1 and +1

    autograd.manual_seed(args.seed)
    model = nn.MLP(SIZES)
    start = time.perf_counter()
    losses = train(model, Tensor(X), Tensor(targets), args.steps, args.lr)
    seconds = time.perf_counter() - start

    with autograd.no_grad():
        acc = accuracy(targets, model(Tensor(X)).data)
    print(f"final loss: {losses[-1]:.4f}")
    print(f"training accuracy: {acc:.1%} ({round(acc * len(y))}/{len(y)} points)")
    print(f"training time: {seconds:.3f} s for {args.steps} steps")

    if not args.no_plots:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "moons.png"
        try:
            plot_boundary(model, X, y, acc, seconds, path)
        except ImportError:
            print(
                "skipped the picture: matplotlib is not installed "
                '(pip install matplotlib, or from the checkout: pip install ".[examples]")',
                file=sys.stderr,
            )
            return 0
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
