"""A small convolutional network on the 8x8 handwritten digits.

    pip install -e ".[examples]"
    python examples/cnn_digits.py

The same 1,797 digits and the same held-out quarter as train_digits.py (the
MLP there gets 98.0%). Here the images stay images: two 3x3 convolutions
(with batch norm and ReLU) see small neighbourhoods of pixels, max pooling
halves the resolution, and one linear layer reads the result. Each training
image is shifted by up to one pixel at random each epoch, so the network
sees slightly different digits every time. The script prints the held-out
accuracy and the time, and writes (next to this file, or in --out):

- cnn_digits.png: the 32 learned filters of the first layer, and the
  held-out digits the network misreads;
- cnn_digits_graph.svg: the graph of one forward pass and its loss, each
  layer collapsed to one node.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Small products: one BLAS thread is faster than several (see train_digits.py).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
import viz  # noqa: E402
from autograd import Tensor  # noqa: E402
from nn.data import load_digits, train_test_split  # noqa: E402


def build_model() -> nn.Module:
    """(N, 1, 8, 8) images -> 10 scores."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),  # 32 filters of 3x3 pixels: (N, 32, 8, 8)
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1),  # combinations of those: (N, 64, 8, 8)
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),  # the strongest response of each 2x2 block: (N, 64, 4, 4)
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(64 * 4 * 4, 10),
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=25, help="passes over the data (25)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per step (32)")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate (2e-3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of split, init, order (0)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="folder for pictures"
    )
    parser.add_argument("--no-plots", action="store_true", help="do not write the pictures")
    return parser.parse_args(argv)


def shift(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move each (8, 8) image by -1, 0 or +1 pixels in each direction (zeros come in)."""
    n = len(images)
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    dy, dx = rng.integers(0, 3, n), rng.integers(0, 3, n)
    rows = dy[:, None] + np.arange(8)[None, :]
    cols = dx[:, None] + np.arange(8)[None, :]
    return padded[np.arange(n)[:, None, None], 0, rows[:, :, None], cols[:, None, :]][:, None]


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    model.eval()
    with autograd.no_grad():
        predicted = np.asarray(model(Tensor(X))).argmax(axis=1)
    model.train()
    return float(np.mean(predicted == y)), predicted


def plot(model: nn.Module, images: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
         acc: float, path: Path) -> None:  # fmt: skip
    """The first layer's filters, and every misread held-out digit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    filters = model[0].weight.data[:, 0]  # (32, 3, 3)
    wrong = np.flatnonzero(predicted != labels)
    fig = plt.figure(figsize=(11, 5.2), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[2, 1.2])
    top.suptitle("The 32 learned 3x3 filters of the first convolution (red +, blue -)")
    lim = np.abs(filters).max()
    for ax, f in zip(top.subplots(2, 16).ravel(), filters):
        ax.imshow(f, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_xticks([])
        ax.set_yticks([])
    bottom.suptitle(
        f"Held-out digits it misreads: {len(wrong)} of {len(labels)} "
        f"(accuracy {acc:.1%}); true → predicted"
    )
    cells = bottom.subplots(1, max(len(wrong), 8))
    for ax in np.atleast_1d(cells):
        ax.axis("off")
    for ax, i in zip(np.atleast_1d(cells), wrong):
        ax.imshow(images[i, 0], cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_title(f"{labels[i]} → {predicted[i]}", color="tab:red")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def draw_graph(model: nn.Module, X: np.ndarray, y: np.ndarray, path: Path) -> Path:
    """One forward pass on four images, each layer drawn as a single node."""
    model.eval()
    x = Tensor(X[:4])
    loss = nn.CrossEntropyLoss()(model(x), y[:4])
    loss.backward()
    model.train()
    drawing = viz.draw_graph(
        loss, params=model, names={"images": x, "loss": loss}, collapse=True, rankdir="TB",
        title="CNN on 8x8 digits: one forward pass, each layer collapsed",
    )  # fmt: skip
    return viz.save_svg(drawing, path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    X, y = load_digits()
    X = X.reshape(-1, 1, 8, 8)
    # The same held-out quarter as train_digits.py.
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, seed=args.seed, stratify=y
    )
    autograd.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build_model()
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)
    schedule = nn.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(args.epochs, 1))
    loss_fn = nn.CrossEntropyLoss()
    n = len(X_train)
    for epoch in range(args.epochs):
        order = rng.permutation(n)
        images = shift(X_train, rng)
        total = 0.0
        for lo in range(0, n, args.batch_size):
            batch = order[lo : lo + args.batch_size]
            loss = loss_fn(model(Tensor(images[batch])), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.item()) * len(batch)
        schedule.step()
        print(f"epoch {epoch + 1:2d}/{args.epochs}: training loss {total / n:.4f}", flush=True)
    acc, predicted = accuracy(model, X_test, y_test)
    elapsed = time.perf_counter() - start
    right = int(np.sum(predicted == y_test))
    print(f"held-out accuracy: {100 * acc:.2f}% ({right}/{len(y_test)} test images)")
    print(f"trained in {elapsed:.1f} s")
    if not args.no_plots:
        args.out.mkdir(parents=True, exist_ok=True)
        plot(model, X_test, y_test, predicted, acc, args.out / "cnn_digits.png")
        print(f"wrote {args.out / 'cnn_digits.png'}")
        print(f"wrote {draw_graph(model, X_test, y_test, args.out / 'cnn_digits_graph.svg')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
