"""Train a neural network on real handwritten digits, from scratch.

    pip install -e ".[examples]"
    python examples/train_digits.py

The data are the 1,797 8x8 images of handwritten digits that come with
scikit-learn (no download). A quarter of them is held out for the final test;
the rest trains a multilayer perceptron (64 pixels -> 512 hidden units with
dropout -> 10 digits) with Adam and cross-entropy, while a small validation
part is watched after every epoch. The script prints the held-out accuracy
and writes two pictures (next to this file, or in --out):

- digits_training.png: loss and accuracy per epoch, training and validation,
  and some held-out images with the network's answers;
- digits_graph.svg: the computation graph of one forward pass and its loss.

Everything here is `autograd` (the engine), `nn` (layers, losses, optimizer,
Trainer) and `viz` (graph pictures); NumPy does the arithmetic.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# The matrices here are small (a batch of 32 images times at most 128 units):
# spreading each product over several BLAS threads costs more in
# synchronisation than it saves, several times more on a busy machine. One
# thread unless the user asked otherwise; this must happen before NumPy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
import viz  # noqa: E402
from autograd import Tensor  # noqa: E402
from nn.data import load_digits, train_test_split  # noqa: E402

HIDDEN = 512  # units in the hidden layer
DROPOUT = 0.4  # fraction of hidden units silenced at each training step


def build_model() -> nn.Module:
    """64 pixels -> 512 hidden units (ReLU, dropout) -> 10 scores, one per digit."""
    return nn.Sequential(
        nn.Linear(64, HIDDEN),
        nn.ReLU(),
        # Training a random 60% of the hidden units at a time keeps this wide
        # layer from memorising the 1,212 training images.
        nn.Dropout(DROPOUT),
        nn.Linear(HIDDEN, 10),
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=40, help="passes over the data (40)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per step (32)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (1e-3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, init, order (0)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="folder for pictures"
    )
    parser.add_argument("--no-plots", action="store_true", help="do not write the pictures")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    return parser.parse_args(argv)


def prepare_data(seed: int) -> dict[str, np.ndarray]:
    """Split the digits into train / validation / test and standardise the pixels."""
    X, y = load_digits()
    # Held out until the very end: the accuracy printed is measured on these.
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.25, seed=seed, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=0.1, seed=seed, stratify=y_rest
    )
    # Centre each pixel and scale it by its spread on the training images, so
    # that every input starts on the same footing; the floor keeps the border
    # pixels that are (almost) always blank from being blown up.
    mean = X_train.mean(axis=0)
    scale = X_train.std(axis=0) + 0.1
    data = {
        "X_train": X_train, "y_train": y_train,
        "X_val": X_val, "y_val": y_val,
        "X_test": X_test, "y_test": y_test,
    }  # fmt: skip
    data["images_test"] = X_test  # the raw pixels, for the picture
    for key in ("X_train", "X_val", "X_test"):
        data[key] = (data[key] - mean) / scale
    return data


def plot_training(
    history: nn.History,
    test_accuracy: float,
    images: np.ndarray,
    labels: np.ndarray,
    predicted: np.ndarray,
    sizes: dict[str, int],
    path: Path,
) -> None:
    """Loss and accuracy per epoch, and a row of held-out digits with the model's answers."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, works without a display
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter, LogLocator, MaxNLocator, NullFormatter

    h = history.history
    epochs = np.arange(1, len(history.epoch) + 1)
    train_style = {"color": "tab:blue", "linewidth": 2}
    val_style = {"color": "tab:orange", "linewidth": 2, "linestyle": "--"}

    fig = plt.figure(figsize=(11, 6.2), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[2.6, 1])
    ax_loss, ax_acc = top.subplots(1, 2)

    # Training values are averaged over the epoch's batches while the model
    # changes; validation values are measured once, after the epoch.
    ax_loss.plot(epochs, h["loss"], label="training (mean over the epoch)", **train_style)
    ax_loss.plot(epochs, h["val_loss"], label="validation (end of epoch)", **val_style)
    ax_loss.set_yscale("log")  # the loss falls by orders of magnitude
    ax_loss.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax_loss.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax_loss.yaxis.set_minor_formatter(NullFormatter())
    ax_loss.set_title("Loss (cross-entropy, log scale)")
    ax_loss.set_ylabel("mean loss per image")

    train_label = f"training ({sizes['train']:,} images)"
    val_label = f"validation ({sizes['val']} images)"
    ax_acc.plot(epochs, 100 * np.asarray(h["accuracy"]), label=train_label, **train_style)
    ax_acc.plot(epochs, 100 * np.asarray(h["val_accuracy"]), label=val_label, **val_style)
    ax_acc.axhline(
        100 * test_accuracy,
        color="tab:green",
        linewidth=1.5,
        linestyle=":",
        label=f"held-out test ({len(labels)} images), after training: {test_accuracy:.1%}",
    )
    # Zoom on where the run settles: the first epochs may start below the axis.
    settled = h["accuracy"][len(epochs) // 4 :] + h["val_accuracy"][len(epochs) // 4 :]
    low = min(*settled, test_accuracy)
    ax_acc.set_ylim(max(0.0, np.floor(100 * low) - 5), 100.5)
    ax_acc.set_title("Accuracy")
    ax_acc.set_ylabel("correctly classified images (%)")

    for ax in (ax_loss, ax_acc):
        ax.grid(True, which="major", alpha=0.3)
        ax.set_xlim(1, max(epochs[-1], 2))
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False)
    top.suptitle(
        f"A 64 → {HIDDEN} → 10 network (dropout {DROPOUT}) learning the 8x8 handwritten digits",
        fontsize=13,
    )

    # The mistakes first (they are the interesting ones), then correct answers.
    wrong = np.flatnonzero(predicted != labels)
    right = np.flatnonzero(predicted == labels)
    shown = np.concatenate([wrong, right])[:12]
    cells = bottom.subplots(1, 12)
    for ax, i in zip(cells, shown):
        ok = predicted[i] == labels[i]
        ax.imshow(images[i].reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_title(
            f"{labels[i]}" if ok else f"{labels[i]} → {predicted[i]}",
            color="tab:green" if ok else "tab:red",
            fontsize=11,
        )
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in cells[len(shown) :]:
        ax.axis("off")
    n_wrong, n = len(wrong), len(labels)
    if n_wrong == 0:
        caption = f"Held-out images: all {n} read right"
    elif n_wrong >= len(cells):
        caption = f"Held-out images: {n_wrong} of {n} misread; some of them (true → predicted)"
    else:
        caption = (
            f"Held-out images: the {n_wrong} of {n} misread (red: true → predicted), "
            "then some read right (green)"
        )
    bottom.suptitle(caption, fontsize=11)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def draw_forward_pass(
    model: nn.Module, loss_fn: nn.Module, image: np.ndarray, label: int, path: Path
) -> Path:
    """The computation graph of the model on one image, with the gradients of its loss."""
    model.eval()
    model.zero_grad()
    x = Tensor(image[None, :])
    # Keep every intermediate value and gradient so the picture can show them
    # (training itself lets the engine forget them).
    with viz.keep_intermediates():
        logits = model(x)
        loss = loss_fn(logits, Tensor(np.array([label])))
        loss.backward()
    return viz.save_svg(
        loss,
        path,
        params=model,
        names={"image": x, "logits": logits, "loss": loss},
        cluster=True,
        rankdir="TB",
        title=(
            f"One forward pass of the trained network on a held-out image of a {label}, "
            "down to its cross-entropy loss, and the gradients backward() found"
        ),
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        data = prepare_data(args.seed)
    except ImportError as err:
        print(err, file=sys.stderr)
        return 1
    print(
        f"digits: {len(data['X_train'])} training, {len(data['X_val'])} validation, "
        f"{len(data['X_test'])} held-out test images"
    )

    autograd.manual_seed(args.seed)
    model = build_model()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=args.lr)
    trainer = nn.Trainer(model, loss_fn, optimizer, metrics=["accuracy"])

    start = time.perf_counter()
    history = trainer.fit(
        data["X_train"],
        data["y_train"],
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_data=(data["X_val"], data["y_val"]),
        seed=args.seed,
        progress=not args.no_progress,
    )
    seconds = time.perf_counter() - start

    test = trainer.evaluate(data["X_test"], data["y_test"])
    n_test = len(data["y_test"])
    n_right = round(test["accuracy"] * n_test)
    print(
        f"held-out accuracy: {test['accuracy']:.2%} ({n_right}/{n_test} test images), "
        f"trained in {seconds:.1f} s"
    )

    if args.no_plots:
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    curves = args.out / "digits_training.png"
    predicted = trainer.predict(data["X_test"]).argmax(axis=1)
    try:
        sizes = {"train": len(data["y_train"]), "val": len(data["y_val"])}
        plot_training(
            history,
            test["accuracy"],
            data["images_test"],
            data["y_test"],
            predicted,
            sizes,
            curves,
        )
        print(f"wrote {curves}")
    except ImportError:
        print(
            "skipped the training curves: matplotlib is not installed "
            '(pip install matplotlib, or from the checkout: pip install ".[examples]")',
            file=sys.stderr,
        )

    graph = draw_forward_pass(
        model, loss_fn, data["X_test"][0], data["y_test"][0], args.out / "digits_graph.svg"
    )
    print(f"wrote {graph}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
