"""Layer benchmarks: a convolution layer's forward and backward, and a
transformer block's training step, in scratchgrad, hand-written NumPy and
PyTorch (CPU).

The NumPy versions are what one writes by hand: im2col (a sliding-window view
copied into columns) and one matrix product for the convolution, col2im for
its input gradient; for the transformer block, layer norm, causal attention
and the MLP with every derivative derived by hand. Each contestant starts
from the same weights and inputs; gradients are checked against the NumPy
version before anything is timed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["DEFAULT_LAYER_CONFIGS", "LAYER_CONFIGS", "LayerConfig", "contestants"]


@dataclass(frozen=True)
class LayerConfig:
    name: str
    kind: str  # "conv" or "block"
    shape: tuple[int, ...]  # conv: (N, C_in, H, W, C_out, k); block: (B, T, D, heads, ff)

    def describe(self) -> str:
        if self.kind == "conv":
            n, c, h, w, o, k = self.shape
            return f"conv {k}x{k} fwd+bwd ({n}, {c}, {h}, {w}) -> {o} ch"
        b, t, d, heads, ff = self.shape
        return f"transformer block step (B{b}, T{t}, D{d}, {heads} heads, ff {ff})"


LAYER_CONFIGS = {
    c.name: c
    for c in (
        LayerConfig("conv", "conv", (32, 16, 28, 28, 32, 3)),
        LayerConfig("block", "block", (16, 32, 64, 4, 256)),
        # Small versions for smoke tests (--layer-configs conv-mini,block-mini).
        LayerConfig("conv-mini", "conv", (2, 3, 6, 6, 4, 3)),
        LayerConfig("block-mini", "block", (2, 5, 8, 2, 16)),
    )
}
DEFAULT_LAYER_CONFIGS = ["conv", "block"]


# ----------------------------------------------------------------- problems
def conv_problem(cfg: LayerConfig, dtype: np.dtype, seed: int = 0) -> dict[str, np.ndarray]:
    n, c, h, w, o, k = cfg.shape
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(c * k * k)
    return {
        "x": rng.standard_normal((n, c, h, w)).astype(dtype),
        "weight": rng.uniform(-bound, bound, (o, c, k, k)).astype(dtype),
        "bias": rng.uniform(-bound, bound, o).astype(dtype),
        "g": rng.standard_normal((n, o, h, w)).astype(dtype),
    }


BLOCK_PARAMS = (
    "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
    "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
    "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
)  # fmt: skip


def block_problem(cfg: LayerConfig, dtype: np.dtype, seed: int = 0) -> dict[str, Any]:
    b, t, d, heads, ff = cfg.shape
    rng = np.random.default_rng(seed)

    def uni(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(dtype)

    params = {
        "self_attn.in_proj_weight": uni((3 * d, d), d),
        "self_attn.in_proj_bias": uni((3 * d,), d),
        "self_attn.out_proj.weight": uni((d, d), d),
        "self_attn.out_proj.bias": uni((d,), d),
        "linear1.weight": uni((ff, d), d),
        "linear1.bias": uni((ff,), d),
        "linear2.weight": uni((d, ff), ff),
        "linear2.bias": uni((d,), ff),
        "norm1.weight": (1 + 0.1 * rng.standard_normal(d)).astype(dtype),
        "norm1.bias": (0.1 * rng.standard_normal(d)).astype(dtype),
        "norm2.weight": (1 + 0.1 * rng.standard_normal(d)).astype(dtype),
        "norm2.bias": (0.1 * rng.standard_normal(d)).astype(dtype),
    }
    return {
        "params": params,
        "x": rng.standard_normal((b, t, d)).astype(dtype),
        "y": rng.standard_normal((b, t, d)).astype(dtype),
        "heads": heads,
        "lr": 0.01,
    }


# -------------------------------------------------------------- convolution
class NumpyConv:
    """im2col + one product forward; g @ cols^T and col2im backward."""

    name = "numpy"

    def __init__(self, p: dict[str, np.ndarray]) -> None:
        self.x, self.w, self.b, self.g = p["x"], p["weight"], p["bias"], p["g"]

    def step(self) -> Any:
        x, w, g = self.x, self.w, self.g
        n, c, h, wd = x.shape
        o, _, k, _ = w.shape
        pad = k // 2
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        win = sliding_window_view(xp, (k, k), axis=(2, 3))  # (N, C, H, W, k, k)
        cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k * k, h * wd)
        out = (w.reshape(o, -1) @ cols).reshape(n, o, h, wd) + self.b.reshape(o, 1, 1)
        g2 = g.reshape(n, o, -1)
        # N products summed (faster than one tensordot, which copies both operands).
        gw = (g2 @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
        gb = g.sum(axis=(0, 2, 3))
        gcols = (w.reshape(o, -1).T @ g2).reshape(n, c, k, k, h, wd)
        gxp = np.zeros_like(xp)
        for i in range(k):
            for j in range(k):
                gxp[:, :, i : i + h, j : j + wd] += gcols[:, :, i, j]
        gx = gxp[:, :, pad : pad + h, pad : pad + wd]
        self.grads = [gx, gw, gb]
        return out

    def gradients(self) -> list[np.ndarray]:
        self.step()
        return self.grads


class ScratchgradConv:
    name = "scratchgrad"

    def __init__(self, p: dict[str, np.ndarray]) -> None:
        import nn
        from autograd import Tensor

        o, c, k, _ = p["weight"].shape
        self.layer = nn.Conv2d(c, o, k, padding=k // 2, dtype=p["x"].dtype)
        self.layer.load_state_dict({"weight": p["weight"], "bias": p["bias"]})
        self.x = Tensor(p["x"], requires_grad=True)
        self.g = Tensor(p["g"])

    def step(self) -> Any:
        self.x.grad = None
        self.layer.zero_grad()
        out = self.layer(self.x)
        out.backward(self.g)
        return out

    def gradients(self) -> list[np.ndarray]:
        self.step()
        return [self.x.grad.data, self.layer.weight.grad.data, self.layer.bias.grad.data]


class TorchConv:
    name = "torch"

    def __init__(self, p: dict[str, np.ndarray]) -> None:
        import torch

        o, c, k, _ = p["weight"].shape
        dt = torch.float64 if p["x"].dtype == np.float64 else torch.float32
        self.layer = torch.nn.Conv2d(c, o, k, padding=k // 2).to(dt)
        with torch.no_grad():
            self.layer.weight.copy_(torch.from_numpy(p["weight"]))
            self.layer.bias.copy_(torch.from_numpy(p["bias"]))
        self.x = torch.from_numpy(p["x"].copy()).requires_grad_()
        self.g = torch.from_numpy(p["g"])

    def step(self) -> Any:
        self.x.grad = None
        self.layer.zero_grad()
        out = self.layer(self.x)
        out.backward(self.g)
        return out

    def gradients(self) -> list[np.ndarray]:
        self.step()
        return [
            self.x.grad.numpy(),
            self.layer.weight.grad.numpy(),
            self.layer.bias.grad.numpy(),
        ]


# -------------------------------------------------------- transformer block
def _ln(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    rstd = 1.0 / np.sqrt((xc * xc).mean(-1, keepdims=True) + 1e-5)
    xhat = xc * rstd
    return xhat * g + b, xhat, rstd


def _ln_back(
    dy: np.ndarray, xhat: np.ndarray, rstd: np.ndarray, g: np.ndarray, need_dx: bool = True
) -> tuple:
    dx = None
    if need_dx:
        dxhat = dy * g
        dx = rstd * (
            dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True)
        )
    flat = (-1, dy.shape[-1])
    return dx, (dy * xhat).reshape(flat).sum(0), dy.reshape(flat).sum(0)


class NumpyBlock:
    """Pre-norm causal block, MSE loss, SGD: every derivative by hand."""

    name = "numpy"

    def __init__(self, p: dict[str, Any]) -> None:
        self.p = {k: v.copy() for k, v in p["params"].items()}
        self.x, self.y, self.heads, self.lr = p["x"], p["y"], p["heads"], p["lr"]
        t = self.x.shape[1]
        # Added to the scores: -inf above the diagonal (the future), 0 elsewhere.
        self.mask = np.where(np.triu(np.ones((t, t), dtype=bool), 1), -np.inf, 0).astype(
            self.x.dtype
        )

    def _loss_and_grads(self) -> tuple[Any, dict[str, np.ndarray]]:
        p, x, heads = self.p, self.x, self.heads
        b, t, d = x.shape
        dh = d // heads
        scale = 1.0 / math.sqrt(dh)  # a Python float: a NumPy float64 would promote float32
        h1, xhat1, rstd1 = _ln(x, p["norm1.weight"], p["norm1.bias"])
        qkv = h1 @ p["self_attn.in_proj_weight"].T + p["self_attn.in_proj_bias"]
        q, k, v = (
            qkv[..., i * d : (i + 1) * d].reshape(b, t, heads, dh).transpose(0, 2, 1, 3)
            for i in range(3)
        )
        s = (q @ k.transpose(0, 1, 3, 2)) * scale
        s += self.mask
        s -= s.max(-1, keepdims=True)
        pr = np.exp(s)
        pr /= pr.sum(-1, keepdims=True)
        a = (pr @ v).transpose(0, 2, 1, 3).reshape(b, t, d)
        x2 = x + a @ p["self_attn.out_proj.weight"].T + p["self_attn.out_proj.bias"]
        h2, xhat2, rstd2 = _ln(x2, p["norm2.weight"], p["norm2.bias"])
        f1 = h2 @ p["linear1.weight"].T + p["linear1.bias"]
        r = np.maximum(f1, 0)
        out = x2 + r @ p["linear2.weight"].T + p["linear2.bias"]
        diff = out - self.y
        loss = (diff * diff).mean()
        g: dict[str, np.ndarray] = {}
        dy = (2.0 / diff.size) * diff
        flat = (-1, d)
        g["linear2.weight"] = dy.reshape(flat).T @ r.reshape(-1, r.shape[-1])
        g["linear2.bias"] = dy.reshape(flat).sum(0)
        df1 = (dy @ p["linear2.weight"]) * (f1 > 0)
        g["linear1.weight"] = df1.reshape(-1, df1.shape[-1]).T @ h2.reshape(flat)
        g["linear1.bias"] = df1.reshape(-1, df1.shape[-1]).sum(0)
        dx2, g["norm2.weight"], g["norm2.bias"] = _ln_back(
            df1 @ p["linear1.weight"], xhat2, rstd2, p["norm2.weight"]
        )
        dx2 += dy
        g["self_attn.out_proj.weight"] = dx2.reshape(flat).T @ a.reshape(flat)
        g["self_attn.out_proj.bias"] = dx2.reshape(flat).sum(0)
        da = (dx2 @ p["self_attn.out_proj.weight"]).reshape(b, t, heads, dh).transpose(0, 2, 1, 3)
        dp = da @ v.transpose(0, 1, 3, 2)
        dv = pr.transpose(0, 1, 3, 2) @ da
        ds = pr * (dp - (dp * pr).sum(-1, keepdims=True)) * scale
        dq = ds @ k
        dk = ds.transpose(0, 1, 3, 2) @ q
        dqkv = np.concatenate(
            [z.transpose(0, 2, 1, 3).reshape(b, t, d) for z in (dq, dk, dv)], axis=-1
        )
        g["self_attn.in_proj_weight"] = dqkv.reshape(-1, 3 * d).T @ h1.reshape(flat)
        g["self_attn.in_proj_bias"] = dqkv.reshape(-1, 3 * d).sum(0)
        # The input is data: only the layer norm's parameters need gradients.
        _, g["norm1.weight"], g["norm1.bias"] = _ln_back(
            dqkv @ p["self_attn.in_proj_weight"], xhat1, rstd1, p["norm1.weight"], False
        )
        return loss, g

    def step(self) -> Any:
        loss, grads = self._loss_and_grads()
        for name, grad in grads.items():
            self.p[name] -= self.lr * grad
        return loss

    def gradients(self) -> list[np.ndarray]:
        _, grads = self._loss_and_grads()
        return [grads[n] for n in BLOCK_PARAMS]


class ScratchgradBlock:
    name = "scratchgrad"

    def __init__(self, p: dict[str, Any]) -> None:
        import nn
        from autograd import Tensor

        d = p["x"].shape[2]
        dt = p["x"].dtype
        ff = p["params"]["linear1.weight"].shape[0]
        self.layer = nn.TransformerEncoderLayer(
            d, p["heads"], ff, dropout=0.0, batch_first=True, norm_first=True, dtype=dt
        )
        self.layer.load_state_dict(p["params"])
        self.x, self.y = Tensor(p["x"]), Tensor(p["y"])
        self.opt = nn.optim.SGD(self.layer.parameters(), lr=p["lr"])
        self.loss_fn = nn.MSELoss()

    def _backward(self) -> Any:
        self.opt.zero_grad()
        loss = self.loss_fn(self.layer(self.x, is_causal=True), self.y)
        loss.backward()
        return loss

    def step(self) -> Any:
        loss = self._backward()
        self.opt.step()
        return loss

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        named = dict(self.layer.named_parameters())
        return [named[n].grad.data for n in BLOCK_PARAMS]


class TorchBlock:
    name = "torch"

    def __init__(self, p: dict[str, Any]) -> None:
        import torch

        t, d = p["x"].shape[1:]
        dt = torch.float64 if p["x"].dtype == np.float64 else torch.float32
        ff = p["params"]["linear1.weight"].shape[0]
        self.layer = torch.nn.TransformerEncoderLayer(
            d, p["heads"], ff, dropout=0.0, batch_first=True, norm_first=True
        ).to(dt)
        self.layer.load_state_dict({k: torch.from_numpy(v) for k, v in p["params"].items()})
        self.x, self.y = torch.from_numpy(p["x"]), torch.from_numpy(p["y"])
        self.mask = torch.nn.Transformer.generate_square_subsequent_mask(t, dtype=dt)
        self.opt = torch.optim.SGD(self.layer.parameters(), lr=p["lr"])
        self.loss_fn = torch.nn.MSELoss()

    def _backward(self) -> Any:
        self.opt.zero_grad()
        out = self.layer(self.x, src_mask=self.mask, is_causal=True)
        loss = self.loss_fn(out, self.y)
        loss.backward()
        return loss

    def step(self) -> Any:
        loss = self._backward()
        self.opt.step()
        return loss

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        named = dict(self.layer.named_parameters())
        return [named[n].grad.numpy() for n in BLOCK_PARAMS]


def contestants(cfg: LayerConfig, dtype: np.dtype, names: list[str]) -> dict[str, Any]:
    """The contestants of ``cfg`` among ``names`` (torch only if installed), numpy first."""
    if cfg.kind == "conv":
        problem: Any = conv_problem(cfg, dtype)
        classes: list[Any] = [NumpyConv, ScratchgradConv, TorchConv]
    else:
        problem = block_problem(cfg, dtype)
        classes = [NumpyBlock, ScratchgradBlock, TorchBlock]
    out = {}
    for cls in classes:
        if cls.name != "numpy" and cls.name not in names:
            continue
        if cls.name == "torch":
            try:
                import torch  # noqa: F401
            except ImportError:
                continue
        out[cls.name] = cls(problem)
    return out
