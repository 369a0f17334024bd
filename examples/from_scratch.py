"""The from-scratch notebook, answered with scratchgrad.

The notebook builds a fully connected network with NumPy, writes every
Jacobian by hand (``compute_gradient``) and checks each against central
differences (``compute_gradient_numerical``). Here the layers are a few Tensor
operations, the Jacobians come from ``autograd.functional.jacobian`` and the
finite differences from ``autograd.gradcheck.numerical_jacobian``. Every cell
of the notebook has its check below, in the notebook's shapes:

1. FC layer (in 5, out 7, batch 10): forward against a per-sample loop;
   dy/dW (m x out x out x in), dy/db (m x out x out), per-sample dy/dx
   (m x out x in), each against finite differences and the notebook's
   closed forms.
2. ReLU (5 features, batch 10): per-sample dy/dx (m x n x n).
3. Networks: one FC layer 2 -> 3 on one sample, and two layers 2 -> 3 -> 4
   on ten samples (the notebook's, plus a ReLU between them), Jacobians of
   the output with respect to every parameter (N x n_out x param shape).
4. The notebook's TODOs: MSE and cross-entropy losses, checked, and a few
   steps of gradient descent on each, with the loss going down.

Run ``python examples/from_scratch.py``. It prints one line per check and
exits with status 1 if any check fails.
"""

from __future__ import annotations

import sys

import numpy as np

from autograd import Tensor
from autograd.functional import jacobian
from autograd.gradcheck import gradcheck, numerical_jacobian

TOL = 1e-6
failures: list[str] = []


def check(name: str, got: object, expected: object) -> None:
    """Print the largest absolute difference and record a failure above TOL."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        err = np.inf
        name += f" (shape {got.shape} != {expected.shape})"
    else:
        err = float(np.max(np.abs(got - expected), initial=0.0))
    ok = err < TOL
    if not ok:
        failures.append(name)
    print(f"[{'ok' if ok else 'FAIL'}] {name:<68} max error {err:.1e}")


def per_sample(J: Tensor) -> np.ndarray:
    """Diagonal blocks J[i, :, i, ...] of a batch Jacobian (m, out, m, ...)."""
    J = np.asarray(J)
    return np.stack([J[i, :, i] for i in range(J.shape[0])])


def off_diagonal(J: Tensor) -> np.ndarray:
    """The blocks J[i, :, k, ...] with i != k: one sample's output against another's input."""
    J = np.asarray(J).copy()
    for i in range(J.shape[0]):
        J[i, :, i] = 0
    return J


# ---------------------------------------------------------------------------
# Layers: the notebook's classes, with Tensor operations for NumPy ones
# ---------------------------------------------------------------------------


class FCLayer:
    """y = x W^T + b, with W of shape (out_size, in_size) as in the notebook."""

    def __init__(self, in_size: int, out_size: int, rng: np.random.Generator) -> None:
        self.W = Tensor(rng.random((out_size, in_size)), requires_grad=True)
        self.b = Tensor(rng.random(out_size), requires_grad=True)
        self.in_size, self.out_size = in_size, out_size

    @property
    def param(self) -> list[Tensor]:
        return [self.W, self.b]

    @staticmethod
    def apply(x: Tensor, W: Tensor, b: Tensor) -> Tensor:
        return x @ W.T + b

    def forward(self, x: Tensor) -> Tensor:
        return self.apply(x, self.W, self.b)


class ReLU:
    param: list[Tensor] = []  # noqa: RUF012 - no parameters, shared empty list is fine

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Network:
    """Layers applied in order; ``forward_with`` takes the parameters explicitly,
    so that the output can be differentiated with respect to each of them."""

    def __init__(self, layers: list) -> None:
        self.layers = layers

    @property
    def params(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.param]

    def forward_with(self, x: Tensor, *params: Tensor) -> Tensor:
        it = iter(params)
        for layer in self.layers:
            x = FCLayer.apply(x, next(it), next(it)) if layer.param else layer.forward(x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_with(x, *self.params)


# ---------------------------------------------------------------------------
# 1. The fully connected layer
# ---------------------------------------------------------------------------


def fc_layer_cell(rng: np.random.Generator) -> None:
    print("\n== FC layer: in_size 5, out_size 7, batch 10 ==")
    fc = FCLayer(5, 7, rng)
    W, b = fc.param
    x = Tensor(rng.random((10, 5)))
    y = fc.forward(x)
    loop = np.stack([W.data.dot(x.data[i]) + b.data for i in range(len(x.data))])
    check("forward (10, 7) vs per-sample loop W x_i + b", y, loop)

    m, out, inp = 10, 7, 5
    idx = np.arange(out)
    # The notebook's closed forms: dy_i/dW_ij = x_j, dy_i/db_i = 1, dy/dx = W.
    W_closed = np.zeros((m, out, out, inp))
    W_closed[:, idx, idx, :] = x.data[:, None, :]
    b_closed = np.broadcast_to(np.eye(out), (m, out, out))

    J_W = jacobian(lambda W: fc.apply(x, W, b), W)
    N_W = numerical_jacobian(lambda W: fc.apply(x, W, b), W)
    check(f"dy/dW {J_W.shape}: jacobian vs numerical_jacobian", J_W, N_W)
    check("dy/dW: jacobian vs closed form dy_i/dW_ij = x_j", J_W, W_closed)

    J_b = jacobian(lambda b: fc.apply(x, W, b), b)
    check(
        f"dy/db {J_b.shape}: jacobian vs numerical_jacobian",
        J_b,
        numerical_jacobian(lambda b: fc.apply(x, W, b), b),
    )
    check("dy/db: jacobian vs closed form dy_i/db_i = 1", J_b, b_closed)

    J_x = jacobian(lambda x: fc.apply(x, W, b), x)  # (m, out, m, in)
    N_x = numerical_jacobian(lambda x: fc.apply(x, W, b), x)
    check(
        f"dy/dx per sample {per_sample(J_x).shape}: jacobian vs numerical",
        per_sample(J_x),
        per_sample(N_x),
    )
    check(
        "dy/dx per sample: jacobian vs closed form W",
        per_sample(J_x),
        np.broadcast_to(W.data, (m, out, inp)),
    )
    check("dy_i/dx_k for samples i != k: jacobian is zero", off_diagonal(J_x), np.zeros(J_x.shape))


# ---------------------------------------------------------------------------
# 2. ReLU
# ---------------------------------------------------------------------------


def relu_cell(rng: np.random.Generator) -> None:
    print("\n== ReLU: 5 features, batch 10 ==")
    x = rng.random((10, 5)) - 0.5
    # Central differences straddling the kink at 0 give 1/2, not a derivative:
    # keep every value at least well beyond eps from it.
    x[np.abs(x) < 1e-3] = 0.25
    x = Tensor(x)
    relu = ReLU()
    check("forward vs max(x, 0)", relu.forward(x), np.maximum(x.data, 0.0))
    J = jacobian(relu.forward, x)
    N = numerical_jacobian(relu.forward, x)
    check(
        f"dy/dx per sample {per_sample(J).shape}: jacobian vs numerical",
        per_sample(J),
        per_sample(N),
    )
    closed = np.zeros((10, 5, 5))
    closed[:, np.arange(5), np.arange(5)] = x.data > 0
    check("dy/dx per sample: jacobian vs closed form diag(x > 0)", per_sample(J), closed)


# ---------------------------------------------------------------------------
# 3. Networks
# ---------------------------------------------------------------------------


def network_cell(name: str, net: Network, x: Tensor) -> None:
    print(f"\n== {name} ==")
    params = net.params
    for k, p in enumerate(params):

        def f(p: Tensor, k: int = k) -> Tensor:
            ps = list(params)
            ps[k] = p
            return net.forward_with(x, *ps)

        J = jacobian(f, p)
        kind = "W" if p.ndim == 2 else "b"
        check(
            f"dout/d{kind}{k // 2 + 1} {J.shape}: jacobian vs numerical_jacobian",
            J,
            numerical_jacobian(f, p),
        )
    inputs = (x, *params)
    ok = gradcheck(lambda x, *ps: net.forward_with(x, *ps), inputs, raise_exception=False)
    if not ok:
        failures.append(f"{name}: gradcheck")
    print(
        f"[{'ok' if ok else 'FAIL'}] gradcheck of the output w.r.t. x and every parameter: "
        f"{'passed' if ok else 'FAILED'}"
    )


def networks(rng: np.random.Generator) -> None:
    net1 = Network([FCLayer(2, 3, rng)])
    network_cell("network: FC 2 -> 3, one sample", net1, Tensor(rng.random((1, 2)) - 0.5))
    x = Tensor(rng.random((10, 2)) - 0.5)
    net2 = Network([FCLayer(2, 3, rng), FCLayer(3, 4, rng)])
    network_cell("network: FC 2 -> 3 -> FC 4, ten samples", net2, x)
    net3 = Network([FCLayer(2, 3, rng), ReLU(), FCLayer(3, 4, rng)])
    hidden = FCLayer.apply(x, *net3.layers[0].param).data
    assert np.abs(hidden).min() > 1e-3, "a pre-activation sits on the ReLU kink; change the seed"
    network_cell("network: FC 2 -> 3 -> ReLU -> FC 4, ten samples", net3, x)


# ---------------------------------------------------------------------------
# 4. The TODOs: losses and training
# ---------------------------------------------------------------------------


class MSELoss:
    """mean((prediction - target)^2)"""

    def __call__(self, prediction: Tensor, target: Tensor) -> Tensor:
        diff = prediction - target
        return (diff * diff).mean()


class CrossEntropyLoss:
    """mean over samples of -log softmax(logits)[target]; log_softmax keeps it stable."""

    def __call__(self, logits: Tensor, target: np.ndarray) -> Tensor:
        rows = np.arange(len(target))
        return -logits.log_softmax(axis=-1)[rows, target].mean()


def losses_cell(rng: np.random.Generator) -> None:
    print("\n== losses (the notebook's TODO) ==")
    pred, target = Tensor(rng.standard_normal((6, 4))), Tensor(rng.standard_normal((6, 4)))
    mse = MSELoss()
    check("MSE value vs NumPy", mse(pred, target), np.mean((pred.data - target.data) ** 2))
    g = jacobian(lambda p: mse(p, target), pred)
    check(
        "dMSE/dpred: jacobian vs numerical_jacobian",
        g,
        numerical_jacobian(lambda p: mse(p, target), pred),
    )
    check(
        "dMSE/dpred: jacobian vs closed form 2 (pred - target) / n",
        g,
        2 * (pred.data - target.data) / pred.data.size,
    )

    logits, labels = Tensor(rng.standard_normal((6, 3)) * 3), rng.integers(0, 3, size=6)
    ce = CrossEntropyLoss()
    z = logits.data - logits.data.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    check("cross-entropy value vs NumPy", ce(logits, labels), -logp[np.arange(6), labels].mean())
    g = jacobian(lambda l: ce(l, labels), logits)
    check(
        "dCE/dlogits: jacobian vs numerical_jacobian",
        g,
        numerical_jacobian(lambda l: ce(l, labels), logits),
    )
    check(
        "dCE/dlogits: jacobian vs closed form (softmax - onehot) / N",
        g,
        (np.exp(logp) - np.eye(3)[labels]) / 6,
    )


def train(name: str, net: Network, loss_fn, x: Tensor, y, steps: int, lr: float) -> None:
    """Plain gradient descent, the notebook's gradient_descent_step with backward()."""
    print(f"\n== training: {name}, {steps} steps of gradient descent, lr {lr} ==")
    losses = []
    for step in range(steps):
        loss = loss_fn(net.forward(x), y)
        for p in net.params:
            p.grad = None
        loss.backward()
        for p in net.params:
            p.data -= lr * p.grad.data
        losses.append(loss.item())
        if step % (steps // 5) == 0 or step == steps - 1:
            print(f"  step {step:3d}  loss {losses[-1]:.6f}")
    ok = losses[-1] < 0.5 * losses[0]
    if not ok:
        failures.append(f"training {name}")
    print(f"[{'ok' if ok else 'FAIL'}] {name}: loss {losses[0]:.6f} -> {losses[-1]:.6f}")


def training(rng: np.random.Generator) -> None:
    x = Tensor(rng.uniform(-1, 1, size=(64, 2)))
    # regression: a smooth target of both inputs
    y = Tensor(np.sin(2 * x.data[:, :1]) + x.data[:, 1:] ** 2)
    net = Network([FCLayer(2, 16, rng), ReLU(), FCLayer(16, 1, rng)])
    for p in net.params:  # small centred weights, so the ReLUs start in both regimes
        p.data = (p.data - 0.5) * 0.5
    train("MSE regression", net, MSELoss(), x, y, steps=200, lr=0.1)
    # classification: three classes by angle around the origin
    angle = np.arctan2(x.data[:, 1], x.data[:, 0]) + np.pi
    labels = np.floor(angle / (2 * np.pi / 3)).astype(np.int64) % 3
    net = Network([FCLayer(2, 16, rng), ReLU(), FCLayer(16, 3, rng)])
    for p in net.params:
        p.data = (p.data - 0.5) * 0.5
    train("cross-entropy classification", net, CrossEntropyLoss(), x, labels, steps=200, lr=0.5)


def main() -> int:
    rng = np.random.default_rng(0)
    fc_layer_cell(rng)
    relu_cell(rng)
    networks(rng)
    losses_cell(rng)
    training(rng)
    if failures:
        print(f"\n{len(failures)} check(s) failed: {', '.join(failures)}")
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
