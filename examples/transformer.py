"""A small decoder-only transformer that learns to sort digits.

    pip install -e ".[examples]"
    python examples/transformer.py

Each problem is a list of digits followed by ``=`` and the same digits in
increasing order, e.g. ``3 9 1 3 0 7 = 0 1 3 3 7 9``. The model reads the
tokens one by one and, at every position, predicts the next token; only
the answer's tokens are scored. Nothing tells it what sorting is: it sees
problems made up by this script and learns from the cross-entropy alone.

The model is the core of GPT: token and position embeddings, blocks of
causal self-attention and an MLP (each with a residual connection and a
layer norm before it: ``nn.TransformerEncoderLayer(norm_first=True)`` with
``is_causal=True``), a final layer norm and a linear layer to the
vocabulary. At test time it writes the answer itself, one token at a time
(greedy decoding), on problems it never saw in training; an answer counts
only if every digit is right.

It prints a few problems with its answers and writes (next to this file,
or in --out) transformer_attention.png: where each answer token looks in
one example, per head of the first block.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
from autograd import Tensor  # noqa: E402

DIGITS = 10
EQUALS = DIGITS  # the token between a problem and its answer
VOCAB = DIGITS + 1


class Decoder(nn.Module):
    """Token + position embeddings, causal transformer blocks, layer norm, linear head."""

    def __init__(self, length: int, d_model: int, heads: int, layers: int) -> None:
        super().__init__()
        self.token = nn.Embedding(VOCAB, d_model)
        self.position = nn.Embedding(length, d_model)
        block = {"dim_feedforward": 4 * d_model, "dropout": 0.0, "batch_first": True}
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(d_model, heads, norm_first=True, **block)
            for _ in range(layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, VOCAB)
        for p in (self.token.weight, self.position.weight):
            p.data *= 0.1  # small embeddings at the start, as GPT-2 does

    def forward(self, tokens: np.ndarray) -> Tensor:
        t = tokens.shape[1]
        x = self.token(tokens) + self.position(np.arange(t))
        for block in self.blocks:
            x = block(x, is_causal=True)
        return self.head(self.norm(x))

    def attention(self, tokens: np.ndarray) -> list[np.ndarray]:
        """Attention weights of each block for one sequence: ``(heads, T, T)`` each."""
        out = []
        with autograd.no_grad():
            x = self.token(tokens) + self.position(np.arange(tokens.shape[1]))
            for block in self.blocks:
                h = block.norm1(x)
                _, weights = block.self_attn(
                    h, h, h, need_weights=True, average_attn_weights=False, is_causal=True
                )
                out.append(np.asarray(weights)[0])
                x = block(x, is_causal=True)
        return out


def problems(rng: np.random.Generator, count: int, size: int) -> np.ndarray:
    """``count`` rows of ``size`` digits, ``=``, and the digits sorted."""
    digits = rng.integers(0, DIGITS, (count, size))
    return np.concatenate([digits, np.full((count, 1), EQUALS), np.sort(digits, axis=1)], axis=1)


def key(rows: np.ndarray, size: int) -> np.ndarray:
    """One integer per problem (its digits read as a number), to keep test problems out."""
    return rows[:, :size] @ (DIGITS ** np.arange(size))


def generate(model: Decoder, prompts: np.ndarray, size: int) -> np.ndarray:
    """Greedy decoding: append the most likely token ``size`` times."""
    seq = prompts
    with autograd.no_grad():
        for _ in range(size):
            logits = np.asarray(model(seq))[:, -1]
            seq = np.concatenate([seq, logits.argmax(axis=1)[:, None]], axis=1)
    return seq[:, prompts.shape[1] :]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10, help="digits per problem (10)")
    parser.add_argument("--steps", type=int, default=800, help="training steps (800)")
    parser.add_argument("--batch-size", type=int, default=64, help="problems per step (64)")
    parser.add_argument("--d-model", type=int, default=64, help="width of the model (64)")
    parser.add_argument("--heads", type=int, default=4, help="attention heads (4)")
    parser.add_argument("--layers", type=int, default=2, help="transformer blocks (2)")
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (3e-3)")
    parser.add_argument("--test", type=int, default=1000, help="held-out problems (1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed (0)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="folder for the picture"
    )
    parser.add_argument("--no-plots", action="store_true", help="do not write the picture")
    return parser.parse_args(argv)


def plot_attention(model: Decoder, row: np.ndarray, size: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tokens = row[None, :-1]
    blocks = model.attention(tokens)
    labels = ["=" if t == EQUALS else str(t) for t in tokens[0]]
    heads = blocks[0].shape[0]
    fig, axes = plt.subplots(
        len(blocks), heads, figsize=(3.4 * heads, 2.6 * len(blocks)),
        layout="constrained", squeeze=False,
    )  # fmt: skip
    for b, weights in enumerate(blocks):
        for h in range(heads):
            ax = axes[b, h]
            # Rows: the positions that write the answer (from "=" on).
            ax.imshow(weights[h][size:], cmap="magma", vmin=0.0)
            ax.set_xticks(range(len(labels)), labels, fontsize=7)
            ax.set_yticks(range(len(labels) - size), labels[size:], fontsize=7)
            ax.set_title(f"block {b + 1}, head {h + 1}", fontsize=10)
        axes[b, 0].set_ylabel("reading token")
    for ax in axes[-1]:
        ax.set_xlabel("attends to")
    fig.suptitle(
        "Where each position looks while the model writes the sorted answer "
        f"({' '.join(labels[:size])} → {' '.join(map(str, row[size + 1 :]))})"
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    size = args.size
    autograd.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    test = problems(rng, args.test, size)
    held_out = set(key(test, size).tolist())
    model = Decoder(2 * size, args.d_model, args.heads, args.layers)
    optimizer = nn.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, args.steps // 20)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(1, args.steps + 1):
        batch = problems(rng, args.batch_size, size)
        batch = batch[[k not in held_out for k in key(batch, size).tolist()]]
        # Linear warm-up, then cosine decay to zero.
        progress = (step - warmup) / max(1, args.steps - warmup)
        scale = step / warmup if step < warmup else 0.5 * (1 + np.cos(np.pi * progress))
        for group in optimizer.param_groups:
            group["lr"] = args.lr * scale
        logits = model(batch[:, :-1])[:, size:]  # the predictions of the answer's tokens
        loss = loss_fn(logits.reshape(-1, VOCAB), batch[:, size + 1 :].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % max(1, args.steps // 10) == 0 or step == args.steps:
            print(f"step {step:5d}/{args.steps}: loss {loss.item():.4f}", flush=True)
    answers = generate(model, test[:, : size + 1], size)
    exact = np.all(answers == test[:, size + 1 :], axis=1)
    elapsed = time.perf_counter() - start
    for row, answer, ok in zip(test[:5], answers[:5], exact[:5]):
        problem = " ".join(map(str, row[:size]))
        print(f"  sort {problem} = {' '.join(map(str, answer))}  {'right' if ok else 'WRONG'}")
    print(
        f"held-out exact match: {100 * exact.mean():.2f}% "
        f"({int(exact.sum())}/{len(exact)} problems never seen in training)"
    )
    print(f"trained and tested in {elapsed:.1f} s")
    if not args.no_plots:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "transformer_attention.png"
        plot_attention(model, test[0], size, path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
