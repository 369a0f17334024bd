"""The contestants: one MLP training step written against each library.

Each contestant copies a :class:`~benchmarks.configs.Problem` (weights, inputs,
targets) and offers

- ``step()``: forward, loss, backward and an SGD update (learning rate
  ``problem.lr``, no momentum), returning the library's loss object;
- ``gradients()``: the loss and the gradients at the current weights, as
  float64 arrays in the order of ``problem.params``, without updating;
- ``weights()``: the current weights as float64 arrays.

``numpy`` is the floor: the same matrix products written by hand, with no
graph. ``scratchgrad`` uses the public ``nn`` API; ``scratchgrad-tensor``
writes the same model with bare autograd Tensors, so the two together separate
the engine's cost from the layer API's. ``scratchgrad-compiled`` is the ``nn``
step through ``autograd.compile``: traced on its first calls, then replayed
as plain NumPy on reused buffers.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from benchmarks.configs import Problem

__all__ = [
    "CONTESTANTS",
    "Contestant",
    "MicrogradMLP",
    "NumpyMLP",
    "ScratchgradCompiled",
    "ScratchgradNN",
    "ScratchgradTensor",
    "TorchMLP",
]


class Contestant:
    """Base class: a model, its data and its optimizer, for one problem."""

    name: ClassVar[str] = ""
    #: Steps before a step is representative (memory is measured after them).
    warm_steps: ClassVar[int] = 2

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.lr = float(problem.lr)
        self.mse = problem.config.loss == "mse"

    @classmethod
    def unavailable(cls, problem: Problem) -> str | None:
        """Why this contestant cannot run ``problem`` (a missing library, an
        unsupported dtype), or None."""
        return None

    def step(self) -> Any:
        raise NotImplementedError

    def gradients(self) -> tuple[float, list[np.ndarray]]:
        raise NotImplementedError

    def weights(self) -> list[np.ndarray]:
        raise NotImplementedError


class NumpyMLP(Contestant):
    """The floor: forward and backward by hand, fused softmax-CE gradient, in-place SGD."""

    name = "numpy"

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.params = [p.copy() for p in problem.params]
        self.x = problem.x.copy()
        self.y = problem.y.copy()
        self.rows = np.arange(problem.config.batch)

    def _loss_and_grads(self) -> tuple[Any, list[np.ndarray]]:
        ps = self.params
        n_layers = len(ps) // 2
        acts = [self.x]  # the input of each layer
        h = self.x
        for i in range(n_layers):
            z = h @ ps[2 * i].T
            z += ps[2 * i + 1]
            if i < n_layers - 1:
                np.maximum(z, 0, out=z)
            acts.append(z)
            h = z
        if self.mse:
            diff = h - self.y
            loss = np.vdot(diff, diff) / diff.size
            dz = diff
            dz *= 2.0 / diff.size
        else:
            # Fused softmax + cross-entropy: d loss / d logits = (softmax - onehot) / N.
            shifted = h - h.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            s = e.sum(axis=1, keepdims=True)
            loss = (np.log(s).sum() - shifted[self.rows, self.y].sum()) / len(self.y)
            dz = e
            dz /= s
            dz[self.rows, self.y] -= 1.0
            dz *= 1.0 / len(self.y)
        grads: list[np.ndarray] = [None] * len(ps)  # type: ignore[list-item]
        for i in range(n_layers - 1, -1, -1):
            h_prev = acts[i]
            grads[2 * i] = dz.T @ h_prev
            grads[2 * i + 1] = dz.sum(axis=0)
            if i > 0:  # the input needs no gradient
                dz = dz @ ps[2 * i]
                dz *= h_prev > 0  # ReLU's mask, read from its output
        return loss, grads

    def step(self) -> Any:
        loss, grads = self._loss_and_grads()
        lr = self.lr
        for p, g in zip(self.params, grads):
            g *= lr
            p -= g
        return loss

    def gradients(self) -> tuple[float, list[np.ndarray]]:
        loss, grads = self._loss_and_grads()
        return float(loss), [g.astype(np.float64) for g in grads]

    def weights(self) -> list[np.ndarray]:
        return [p.astype(np.float64) for p in self.params]


class ScratchgradNN(Contestant):
    """scratchgrad through its public API: ``nn.MLP``, an ``nn`` loss, ``nn.optim.SGD``."""

    name = "scratchgrad"

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        import nn
        from autograd import Tensor

        self.model = nn.MLP(list(problem.config.sizes), dtype=problem.dtype, seed=0)
        # MLP names its Linear layers 0, 2, 4, ... (the ReLUs sit between them).
        self.keys = [
            f"{2 * i}.{kind}" for i in range(problem.n_layers) for kind in ("weight", "bias")
        ]
        self.model.load_state_dict(dict(zip(self.keys, problem.params)))
        named = dict(self.model.named_parameters())
        self.params = [named[k] for k in self.keys]
        self.loss_fn = nn.MSELoss() if self.mse else nn.CrossEntropyLoss()
        self.opt = nn.optim.SGD(self.params, lr=self.lr)
        self.x = Tensor(problem.x.copy())
        self.y = Tensor(problem.y.copy()) if self.mse else problem.y.copy()

    def step(self) -> Any:
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss

    def gradients(self) -> tuple[float, list[np.ndarray]]:
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        return float(loss.item()), [p.grad.data.astype(np.float64) for p in self.params]

    def weights(self) -> list[np.ndarray]:
        return [p.data.astype(np.float64) for p in self.params]


class ScratchgradCompiled(ScratchgradNN):
    """The ``nn`` step of :class:`ScratchgradNN` compiled with ``autograd.compile``."""

    name = "scratchgrad-compiled"
    # Two traced (eager) calls, then a first replay that still holds the
    # last eager step's gradients while it writes its own.
    warm_steps = 3

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        import autograd

        self.compiled = autograd.compile(self._eager_step)

    def _eager_step(self, x: Any, y: Any) -> Any:
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss

    def step(self) -> Any:
        return self.compiled(self.x, self.y)


class ScratchgradTensor(Contestant):
    """The same model with bare autograd Tensors: the engine's cost without ``nn``'s."""

    name = "scratchgrad-tensor"

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        from autograd import Tensor

        self.params = [Tensor(p.copy(), requires_grad=True) for p in problem.params]
        self.x = Tensor(problem.x.copy())
        self.y = Tensor(problem.y.copy()) if self.mse else problem.y.copy()
        self.rows = np.arange(problem.config.batch)

    def _loss(self) -> Any:
        ps = self.params
        n_layers = len(ps) // 2
        h = self.x
        for i in range(n_layers):
            h = h @ ps[2 * i].T + ps[2 * i + 1]
            if i < n_layers - 1:
                h = h.relu()
        if self.mse:
            d = h - self.y
            return (d * d).mean()
        return -h.log_softmax(axis=1)[self.rows, self.y].mean()

    def step(self) -> Any:
        loss = self._loss()
        loss.backward()
        lr = self.lr
        for p in self.params:
            p.data -= lr * p.grad.data
            p.grad = None
        return loss

    def gradients(self) -> tuple[float, list[np.ndarray]]:
        for p in self.params:
            p.grad = None
        loss = self._loss()
        loss.backward()
        grads = [p.grad.data.astype(np.float64) for p in self.params]
        for p in self.params:
            p.grad = None
        return float(loss.item()), grads

    def weights(self) -> list[np.ndarray]:
        return [p.data.astype(np.float64) for p in self.params]


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        return None
    return torch


class TorchMLP(Contestant):
    """PyTorch on the CPU: ``torch.nn.Linear``/``ReLU``, its loss, ``torch.optim.SGD``."""

    name = "torch"

    @classmethod
    def unavailable(cls, problem: Problem) -> str | None:
        return None if _torch() is not None else "PyTorch is not installed"

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        torch = _torch()
        dtype = {np.float32: torch.float32, np.float64: torch.float64}[problem.dtype.type]
        layers: list[Any] = []
        self.params = []
        for i in range(problem.n_layers):
            w, b = problem.params[2 * i], problem.params[2 * i + 1]
            lin = torch.nn.Linear(w.shape[1], w.shape[0], dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
            layers.append(lin)
            self.params += [lin.weight, lin.bias]
            if i < problem.n_layers - 1:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.loss_fn = torch.nn.MSELoss() if self.mse else torch.nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(self.params, lr=self.lr)
        self.x = torch.from_numpy(problem.x.copy())
        self.y = torch.from_numpy(problem.y.copy())

    def step(self) -> Any:
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss

    def gradients(self) -> tuple[float, list[np.ndarray]]:
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        return float(loss.item()), [p.grad.numpy().astype(np.float64) for p in self.params]

    def weights(self) -> list[np.ndarray]:
        return [p.detach().numpy().astype(np.float64) for p in self.params]


class MicrogradMLP(Contestant):
    """micrograd, the scalar engine: one graph node per multiply and per add."""

    name = "micrograd"

    @classmethod
    def unavailable(cls, problem: Problem) -> str | None:
        try:
            import micrograd  # noqa: F401
        except ImportError:
            return "micrograd is not installed"
        if problem.config.loss != "mse":
            return "micrograd has no exp or log, so no cross-entropy"
        if problem.dtype != np.float64:
            return "micrograd computes with Python floats (float64) only"
        if not problem.config.scalar_engines:
            return "too large for a scalar engine"
        return None

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        from micrograd.nn import MLP

        sizes = list(problem.config.sizes)
        self.model = MLP(sizes[0], sizes[1:])
        for layer, i in zip(self.model.layers, range(problem.n_layers)):
            w, b = problem.params[2 * i], problem.params[2 * i + 1]
            for j, neuron in enumerate(layer.neurons):
                for k, wk in enumerate(neuron.w):
                    wk.data = float(w[j, k])
                neuron.b.data = float(b[j])
        self.x = problem.x.tolist()
        self.y = problem.y.tolist()
        self.n_out = sizes[-1]

    def _loss(self) -> Any:
        total = 0.0
        for row, target in zip(self.x, self.y):
            out = self.model(row)
            outs = [out] if self.n_out == 1 else out
            for o, t in zip(outs, target):
                total = (o - t) ** 2 + total
        return total * (1.0 / (len(self.y) * self.n_out))

    def step(self) -> Any:
        self.model.zero_grad()
        loss = self._loss()
        loss.backward()
        lr = self.lr
        for p in self.model.parameters():
            p.data -= lr * p.grad
        return loss

    def _arrays(self, attr: str) -> list[np.ndarray]:
        out = []
        for layer in self.model.layers:
            out.append(np.array([[getattr(w, attr) for w in n.w] for n in layer.neurons]))
            out.append(np.array([getattr(n.b, attr) for n in layer.neurons]))
        return out

    def gradients(self) -> tuple[float, list[np.ndarray]]:
        self.model.zero_grad()
        loss = self._loss()
        loss.backward()
        return float(loss.data), self._arrays("grad")

    def weights(self) -> list[np.ndarray]:
        return self._arrays("data")


#: Every contestant, by name, in the order the tables show them.
CONTESTANTS: dict[str, type[Contestant]] = {
    c.name: c
    for c in (
        NumpyMLP,
        ScratchgradNN,
        ScratchgradCompiled,
        ScratchgradTensor,
        TorchMLP,
        MicrogradMLP,
    )
}
