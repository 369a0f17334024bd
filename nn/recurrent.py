"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their cells, as in PyTorch.

Same arguments, parameter names (``weight_ih_l0``, ``bias_hh_l1_reverse``,
...), gate order (LSTM: input, forget, cell, output; GRU: reset, update,
new) and initialisation (every parameter from U(-1/sqrt(H), 1/sqrt(H))).
The input projection of a whole sequence is one matrix product; each time
step then adds the hidden state's product. The graph is unrolled over time,
so the engine differentiates through every step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn import init
from nn.functional import dropout as _dropout
from nn.functional import linear as _linear
from nn.init import Generatorish, _get_generator
from nn.module import Module, Parameter

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(mode: str, xi: Tensor, state: Any, w_hh: Tensor, b_hh: Tensor | None) -> Any:
    """One time step given the input's projection ``xi``; returns the new state."""
    if mode == "LSTM":
        h, c = state
        gates = xi + _linear(h, w_hh, b_hh)
        n = h.shape[-1]
        i = gates[..., :n].sigmoid()
        f = gates[..., n : 2 * n].sigmoid()
        g = gates[..., 2 * n : 3 * n].tanh()
        o = gates[..., 3 * n :].sigmoid()
        c = f * c + i * g
        return o * c.tanh(), c
    if mode == "GRU":
        h = state
        n = h.shape[-1]
        gh = _linear(h, w_hh, b_hh)
        r = (xi[..., :n] + gh[..., :n]).sigmoid()
        z = (xi[..., n : 2 * n] + gh[..., n : 2 * n]).sigmoid()
        new = (xi[..., 2 * n :] + r * gh[..., 2 * n :]).tanh()
        return (1.0 - z) * new + z * h
    pre = xi + _linear(state, w_hh, b_hh)
    return pre.tanh() if mode == "RNN_TANH" else pre.relu()


def _init_uniform(module: Module, hidden_size: int, rng: np.random.Generator) -> None:
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in module.parameters():
        init.uniform_(p, -bound, bound, generator=rng)


def _dtype(dtype: Any) -> np.dtype:
    return np.dtype(autograd.get_default_dtype() if dtype is None else dtype)


class _CellBase(Module):
    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bias
        gates = _GATES[self.mode] * self.hidden_size
        dt = _dtype(dtype)
        self.weight_ih = Parameter(np.empty((gates, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((gates, self.hidden_size), dtype=dt))
        if bias:
            self.bias_ih = Parameter(np.empty(gates, dtype=dt))
            self.bias_hh = Parameter(np.empty(gates, dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        _init_uniform(self, self.hidden_size, _get_generator(seed))

    def _start(self, x: Tensor, hx: Any) -> tuple[Tensor, bool, Any]:
        x = x if isinstance(x, Tensor) else Tensor(x)
        name = type(self).__name__
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input (N, {self.input_size}) or ({self.input_size},), "
                f"got shape {x.shape}"
            )
        unbatched = x.ndim == 1
        if unbatched:
            x = x.reshape(1, -1)
        zeros = Tensor(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
        if hx is None:
            hx = (zeros, zeros) if self.mode == "LSTM" else zeros
        elif unbatched:
            hx = tuple(t.reshape(1, -1) for t in hx) if self.mode == "LSTM" else hx.reshape(1, -1)
        return x, unbatched, hx

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        x, unbatched, hx = self._start(input, hx)
        xi = _linear(x, self.weight_ih, self.bias_ih)
        out = _rnn_step(self.mode, xi, hx, self.weight_hh, self.bias_hh)
        if unbatched:
            if self.mode == "LSTM":
                return tuple(t.reshape(-1) for t in out)
            return out.reshape(-1)
        return out

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        return s if self.bias else s + ", bias=False"


class RNNCell(_CellBase):
    """``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu): one step of an RNN."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}")
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, dtype, seed)
        self.nonlinearity = nonlinearity


class LSTMCell(_CellBase):
    """One LSTM step: ``forward(x, (h, c)) -> (h', c')``; gates in the order i, f, g, o."""

    mode = "LSTM"


class GRUCell(_CellBase):
    """One GRU step: ``h' = (1 - z) n + z h``; gates in the order r, z, n."""

    mode = "GRU"


class _RNNBase(Module):
    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if num_layers < 1:
            raise ValueError(f"{name}: num_layers must be at least 1, got {num_layers}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be between 0 and 1, got {dropout}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias, self.batch_first = int(num_layers), bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        gates = _GATES[self.mode] * self.hidden_size
        dirs = 2 if bidirectional else 1
        dt = _dtype(dtype)
        for layer in range(self.num_layers):
            n_in = self.input_size if layer == 0 else self.hidden_size * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                setattr(self, "weight_ih" + sfx, Parameter(np.empty((gates, n_in), dtype=dt)))
                w_hh = Parameter(np.empty((gates, self.hidden_size), dtype=dt))
                setattr(self, "weight_hh" + sfx, w_hh)
                if bias:
                    setattr(self, "bias_ih" + sfx, Parameter(np.empty(gates, dtype=dt)))
                    setattr(self, "bias_hh" + sfx, Parameter(np.empty(gates, dtype=dt)))
        _init_uniform(self, self.hidden_size, _get_generator(seed))

    def _weights(self, sfx: str) -> tuple[Any, ...]:
        get = self._parameters.get
        return (
            get("weight_ih" + sfx),
            get("weight_hh" + sfx),
            get("bias_ih" + sfx),
            get("bias_hh" + sfx),
        )

    def _initial(self, hx: Any, n: int, dtype: Any, unbatched: bool) -> list[Any]:
        """The initial state of each (layer, direction), as a list."""
        count = self.num_layers * (2 if self.bidirectional else 1)
        shape = (count, n, self.hidden_size)
        zeros = Tensor(np.zeros(shape, dtype=dtype))
        parts: list[Tensor]
        if hx is None:
            parts = [zeros] * (2 if self.mode == "LSTM" else 1)
        else:
            parts = list(hx) if self.mode == "LSTM" else [hx]
            parts = [p if isinstance(p, Tensor) else Tensor(p) for p in parts]
            if unbatched:
                parts = [p.reshape(count, 1, self.hidden_size) for p in parts]
            for p in parts:
                if tuple(p.shape) != shape:
                    raise ValueError(
                        f"{type(self).__name__}: expected hidden state of shape {shape}, "
                        f"got {p.shape}"
                    )
        if self.mode == "LSTM":
            return [(parts[0][i], parts[1][i]) for i in range(count)]
        return [parts[0][i] for i in range(count)]

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        x = input if isinstance(input, Tensor) else Tensor(input)
        name = type(self).__name__
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input (L, N, {self.input_size}) (or batch first, or "
                f"unbatched (L, {self.input_size})), got shape {x.shape}"
            )
        unbatched = x.ndim == 2
        if unbatched:
            x = x.reshape(x.shape[0], 1, x.shape[1])
        elif self.batch_first:
            x = x.transpose((1, 0, 2))
        length, n = x.shape[0], x.shape[1]
        states = self._initial(hx, n, x.dtype, unbatched)
        dirs = 2 if self.bidirectional else 1
        finals: list[Any] = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                w_ih, w_hh, b_ih, b_hh = self._weights(f"_l{layer}" + ("_reverse" if d else ""))
                xi = _linear(x, w_ih, b_ih)  # every time step in one product
                state = states[layer * dirs + d]
                seq: list[Tensor] = [None] * length  # type: ignore[list-item]
                steps = range(length - 1, -1, -1) if d else range(length)
                for t in steps:
                    state = _rnn_step(self.mode, xi[t], state, w_hh, b_hh)
                    seq[t] = state[0] if self.mode == "LSTM" else state
                finals.append(state)
                outs.append(autograd.stack(seq, axis=0))
            x = outs[0] if dirs == 1 else autograd.concatenate(outs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        if unbatched:
            out = x.reshape(length, -1)
        else:
            out = x.transpose((1, 0, 2)) if self.batch_first else x

        def stacked(items: list[Tensor]) -> Tensor:
            h = autograd.stack(items, axis=0)
            return h.reshape(h.shape[0], h.shape[2]) if unbatched else h

        if self.mode == "LSTM":
            return out, (stacked([s[0] for s in finals]), stacked([s[1] for s in finals]))
        return out, stacked(finals)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_RNNBase):
    """Multi-layer Elman RNN with ``tanh`` or ``relu`` (PyTorch's ``RNN``).

    ``forward(input, h_0=None) -> (output, h_n)``; input ``(L, N, H_in)``
    (``(N, L, H_in)`` with ``batch_first``, or unbatched ``(L, H_in)``).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        seed: Generatorish = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}")
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            dtype, seed,
        )  # fmt: skip
        self.nonlinearity = nonlinearity


class LSTM(_RNNBase):
    """Multi-layer LSTM (PyTorch's ``LSTM``).

    ``forward(input, (h_0, c_0)) -> (output, (h_n, c_n))``; shapes as :class:`RNN`.
    """

    mode = "LSTM"


class GRU(_RNNBase):
    """Multi-layer GRU (PyTorch's ``GRU``): ``forward(input, h_0) -> (output, h_n)``."""

    mode = "GRU"
