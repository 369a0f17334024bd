"""Optimizers: :class:`SGD`, :class:`Adam` and :class:`AdamW`, with PyTorch's update rules.

Every optimizer keeps its parameters in ``param_groups`` (a list of dicts,
each holding ``'params'`` and its own hyperparameters) and its per-parameter
buffers in ``state`` (keyed by the parameter). ``step()`` updates ``p.data``
in place with NumPy operations, in the parameter's dtype, and records no graph.

The arithmetic follows PyTorch's CPU code operation by operation (the order
of each multiply and add included), so the same model trained from the same
weights follows PyTorch's numbers to the last bit or two: PyTorch fuses some
multiply-adds (FMA), NumPy cannot. The learning-rate schedulers live in
:mod:`nn.lr_scheduler` and are re-exported here (``nn.optim.StepLR``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad, versions
from autograd.compiler import trace as _trace
from nn import _optim_update as _update
from nn._optim_state import unusable_state

__all__ = ["SGD", "Adam", "AdamW", "CosineAnnealingLR", "LRScheduler", "Optimizer", "StepLR"]


#: The work arrays' size, in elements: a larger parameter is updated in blocks
#: of rows (elementwise, so with the same bits). Work arrays the size of the
#: largest parameter made the eager medium step's peak memory 1.29x the
#: floor's, of which 784 KiB (float32) were the work array.
_CHUNK = 1 << 16

_SET_MESSAGE = (
    "optimizer parameters need to be organized in ordered collections, but the "
    "ordering of tensors in sets will change between runs. Please use a list instead."
)


class Optimizer:
    """Base class of the optimizers: parameter groups, state, zero_grad, state_dict.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimise, or dicts each holding ``'params'`` (an
        iterable of Tensors) and hyperparameters that override ``defaults``
        for that group.
    defaults : dict
        Hyperparameters used by groups that do not set their own.

    Notes
    -----
    Subclasses implement ``step`` and ``_check_group`` (which raises
    ``ValueError`` for an invalid hyperparameter, worded as PyTorch does).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]):
        self._check_group(defaults)
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        # Flat work arrays, two per dtype, as long as the largest parameter
        # up to _CHUNK elements, and their views in each parameter's shape: a
        # step allocates nothing but the state its first call creates. Not
        # saved: their contents never outlive a step.
        self._scratch: dict[tuple, np.ndarray] = {}
        self._views: dict[tuple, np.ndarray] = {}
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors "
                f"or dicts, but got {type(params).__name__}"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _check_group(self, group: dict[str, Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # pragma: no cover
        """Update every parameter that has a gradient; return ``closure()`` if given."""
        raise NotImplementedError

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with hyperparameters defaulting to ``defaults``.

        Parameters
        ----------
        param_group : dict
            ``'params'`` (a Tensor or an ordered iterable of Tensors) and any
            hyperparameters for this group. The dict is copied, not kept.
            A parameter that is not a leaf Tensor, appears twice or is
            already in another group is refused, as is an invalid value.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        for other in self.param_groups:
            if any(id(p) in ids for p in other["params"]):
                raise ValueError("some parameters appear in more than one parameter group")

        group = {**self.defaults, **param_group}
        self._check_group(group)
        group["params"] = params
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter.

        Parameters
        ----------
        set_to_none : bool
            ``True`` (the default) sets each ``grad`` to ``None``, which the
            next ``step`` skips unless a backward fills it again. ``False``
            replaces each existing ``grad`` by zeros; a fresh array is used
            rather than zeroing in place, since the engine may share the old
            gradient array with other tensors.
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    p.grad = None if set_to_none else Tensor(np.zeros_like(grad.data))
        if _trace.current is not None and set_to_none:
            _trace.note_cleared(p for group in self.param_groups for p in group["params"])

    def _buffer(self, like: np.ndarray, slot: int) -> np.ndarray:
        """A work array shaped like ``like``; its contents are garbage."""
        return self._work(like.shape, like.dtype, slot)

    def _work(self, shape: tuple[int, ...], dtype: np.dtype, slot: int) -> np.ndarray:
        """A work array of ``shape``: a view of the flat array of ``(dtype, slot)``."""
        key = (shape, dtype, slot)
        view = self._views.get(key)
        if view is None:
            size = math.prod(shape)
            flat = self._scratch.get(key[1:])
            if flat is None or flat.size < size:
                flat = self._scratch[key[1:]] = np.empty(size, dtype)
                self._views.clear()  # let the outgrown arrays go
            view = self._views[key] = flat[:size].reshape(shape)
        return view

    def _chunks(self, data: np.ndarray, slots: int) -> list[tuple[slice, list[np.ndarray]]]:
        """Row slices of ``data`` of at most about ``_CHUNK`` elements, each with
        ``slots`` work arrays of its shape (see ``_CHUNK``)."""
        shape = data.shape
        n = shape[0]
        rows = max(1, _CHUNK // (data.size // n))
        works = [self._work((rows, *shape[1:]), data.dtype, s) for s in range(slots)]
        out = []
        for start in range(0, n, rows):
            stop = min(n, start + rows)
            ws = works if stop - start == rows else [w[: stop - start] for w in works]
            out.append((slice(start, stop), ws))
        return out

    @staticmethod
    def _run_closure(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        _trace.unsupported("optimizer.step(closure) is not compiled")
        with enable_grad():
            return closure()

    def state_dict(self) -> dict[str, Any]:
        """The state as plain data: ``{'state': {index: {name: value}}, 'param_groups': [...]}``.

        Parameters are numbered in group order (0, 1, ...) as in PyTorch;
        each group lists its parameters' numbers under ``'params'``. Every
        array is a copy, so the result is a snapshot to resume from exactly.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = copy.deepcopy({k: v for k, v in group.items() if k != "params"})
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by :meth:`state_dict` (or read back by ``nn.load``).

        Hyperparameters come from the saved groups; the parameters stay this
        optimizer's own, matched by position. Every entry is checked first:
        group sizes and indices, hyperparameter types and ranges, and for each
        parameter's state exactly the buffers this optimizer needs (say
        ``max_exp_avg_sq`` when ``amsgrad`` is on), as finite floating-point
        arrays of the parameter's shape (squares non-negative), and step
        counts as ints >= 0. Arrays are copied and cast to each parameter's
        dtype. A ``ValueError`` leaves the optimizer unchanged.
        """
        from nn._optim_state import check_state_dict

        new_groups, new_state = check_state_dict(self, state_dict)
        # Update in place so that references to the groups and state stay valid.
        for group, new in zip(self.param_groups, new_groups):
            group.clear()
            group.update(new)
        self.state.clear()
        self.state.update(new_state)

    def _state_keys(self, group: dict[str, Any]) -> tuple[set[str], set[str]]:
        """(required, allowed) names in a parameter's state under ``group``'s settings."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _check_step(self) -> list[list[tuple[Tensor, np.ndarray, np.ndarray]]]:
        """Refuse a step that could fail partway: all checks before any update.

        A parameter whose array is read-only, a gradient of another shape, or
        state that is missing or misshapen would otherwise raise after the
        parameters before it were already updated. Returns, per group, the
        ``(parameter, array, gradient array)`` of each parameter to update.
        """
        state_of = self.state
        todo = []
        for g, group in enumerate(self.param_groups):
            required = None
            items = []
            for i, p in enumerate(group["params"]):
                grad = p.grad
                if grad is None:
                    continue
                data = p.data
                gdata = grad.data
                if not data.flags.writeable:
                    self._refuse_step(g, i, p, "is a read-only array")
                if gdata.shape != data.shape:
                    self._refuse_step(g, i, p, f"has a gradient of shape {gdata.shape}")
                items.append((p, data, gdata))
                if not state_of:
                    continue
                state = state_of.get(p)
                if state is None:
                    continue
                if required is None:
                    required = tuple(sorted(self._state_keys(group)[0]))
                problem = unusable_state(state, required, data.shape)
                if problem is not None:
                    self._refuse_step(g, i, p, problem)
            todo.append(items)
        return todo

    def _refuse_step(self, group: int, index: int, p: Tensor, what: str) -> None:
        raise ValueError(
            f"{type(self).__name__}.step: parameter {index} of group {group} (shape {p.shape}) "
            f"{what}; no parameter was updated"
        )

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _check_number(value: Any, what: str, low: float = 0.0) -> None:
    """PyTorch's check and wording: ``Invalid learning rate: -1``."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise TypeError(f"{what} must be a real number, got {type(value).__name__}: {value!r}")
    if not low <= value:  # also refuses NaN
        raise ValueError(f"Invalid {what}: {value}")


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum, dampening, Nesterov
    momentum and (L2) weight decay, as ``torch.optim.SGD``.

    For each parameter :math:`\theta` with gradient :math:`g`:

    .. math::
        g &\leftarrow g + \lambda\theta \quad (\text{if } \lambda \ne 0)\\
        b &\leftarrow g \text{ on the first step, else } \mu b + (1 - \tau) g
            \quad (\text{if } \mu \ne 0)\\
        g &\leftarrow g + \mu b \text{ if nesterov, else } b\\
        \theta &\leftarrow \theta - \gamma g

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters, or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate :math:`\gamma` (required: PyTorch's default of 1e-3 is
        rarely a good one for SGD).
    momentum : float
        Momentum factor :math:`\mu`.
    dampening : float
        Dampening :math:`\tau` of the momentum (not applied on the first step).
    weight_decay : float
        L2 penalty :math:`\lambda`, added to the gradient.
    nesterov : bool
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
    ) -> None:
        hyper = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov)
        super().__init__(params, {**hyper, "weight_decay": weight_decay})

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_number(group["lr"], "learning rate")
        _check_number(group["momentum"], "momentum value")
        _check_number(group["dampening"], "dampening value", low=-np.inf)
        _check_number(group["weight_decay"], "weight_decay value")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _state_keys(self, group: dict[str, Any]) -> tuple[set[str], set[str]]:
        return {"momentum_buffer"}, {"momentum_buffer"}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given.

        Everything that could make the update fail (a read-only parameter,
        a gradient of the wrong shape, unusable state) is checked first, so
        either every parameter is updated or none is.
        """
        loss = self._run_closure(closure)
        _trace.note_optimizer(self)
        todo = self._check_step()
        views, work_of, bump = self._views, self._work, versions.bump
        multiply, subtract = np.multiply, np.subtract
        for group, items in zip(self.param_groups, todo):
            if not items:
                continue
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            weight_decay = float(group["weight_decay"])
            nesterov = group["nesterov"]
            plain = momentum == 0 and weight_decay == 0
            rates: dict[np.dtype, np.ndarray] = {}
            hypers: dict[np.dtype, tuple] = {}
            slots = 2 if momentum != 0 and (dampening != 0 or nesterov) else 1
            for p, data, g in items:  # the user's gradient g is only read
                if data.size > _CHUNK:
                    self._sgd_chunked(p, data, g, slots, group)
                elif plain:
                    # The common case inline, with positional outputs and the
                    # learning rate as a 0-d array of the parameter's dtype
                    # (the same bits as the Python float, which NumPy casts
                    # to that dtype, but half the cost of a multiply: 0.24 us
                    # against 0.45 us on a 16 x 16 array).
                    dtype = data.dtype
                    work = views.get((data.shape, dtype, 0))
                    if work is None:
                        work = work_of(data.shape, dtype, 0)
                    rate = rates.get(dtype)
                    if rate is None:
                        rate = rates[dtype] = np.array(lr, dtype) if dtype.kind == "f" else lr
                    multiply(g, rate, work)
                    subtract(data, work, data)
                else:
                    dtype = data.dtype
                    hyper = hypers.get(dtype)
                    if hyper is None:
                        hyper = hypers[dtype] = self._sgd_hyper(group, dtype)
                    buf, first = self._momentum_buffer(p, data, momentum)
                    work = work_of(data.shape, dtype, 0)
                    work1 = work_of(data.shape, dtype, 1) if slots == 2 else None
                    _update.sgd(data, g, buf, first, work, work1, hyper)
                bump(data)
        return loss

    def _momentum_buffer(
        self, p: Tensor, data: np.ndarray, momentum: float
    ) -> tuple[np.ndarray | None, bool]:
        """``(momentum buffer or None, whether it is new)``; a new one is made
        here and filled by the update, with the first step's gradient."""
        if momentum == 0:
            return None, False
        state = self.state.get(p)
        if state is None:
            buf = np.empty_like(data)
            self.state[p] = {"momentum_buffer": buf}
            return buf, True
        return state["momentum_buffer"], False

    @staticmethod
    def _sgd_hyper(group: dict[str, Any], dtype: np.dtype) -> tuple:
        """The hyperparameters as ``_update.sgd`` takes them, for ``dtype``."""
        dampening, weight_decay = float(group["dampening"]), float(group["weight_decay"])
        numbers = (float(group["lr"]), float(group["momentum"]), 1 - dampening, weight_decay)
        flags = (dampening != 0, weight_decay != 0, bool(group["nesterov"]))
        return _update.scalars(dtype, numbers) + flags

    def _sgd_chunked(
        self, p: Tensor, data: np.ndarray, g: np.ndarray, slots: int, group: dict[str, Any]
    ) -> None:
        hyper = self._sgd_hyper(group, data.dtype)
        buf, first = self._momentum_buffer(p, data, float(group["momentum"]))
        for rows, works in self._chunks(data, slots):
            _update.sgd(data[rows], g[rows], None if buf is None else buf[rows], first,
                        works[0], works[1] if slots == 2 else None, hyper)  # fmt: skip


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam`` (with ``amsgrad`` as an option).

    For each parameter :math:`\theta` with gradient :math:`g`, at step
    :math:`t = 1, 2, \dots`:

    .. math::
        g &\leftarrow g + \lambda\theta \quad (\text{if } \lambda \ne 0)\\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2\\
        \theta &\leftarrow \theta - \frac{\gamma}{1 - \beta_1^t}\,
            \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}

    with :math:`v` replaced by its running maximum when ``amsgrad``. ``eps``
    is added after the square root and the bias correction, as in PyTorch.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters, or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate :math:`\gamma`.
    betas : tuple of float
        Decay rates :math:`(\beta_1, \beta_2)` of the two moment averages, in [0, 1).
    eps : float
        :math:`\epsilon`, added to the denominator.
    weight_decay : float
        L2 penalty :math:`\lambda`, added to the gradient (see :class:`AdamW`
        for decoupled decay).
    amsgrad : bool
        Use the running maximum of the second moment.
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_number(group["lr"], "learning rate")
        _check_number(group["eps"], "epsilon value")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            _check_number(beta, f"beta parameter at index {i}")
            if not beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        _check_number(group["weight_decay"], "weight_decay value")

    def _state_keys(self, group: dict[str, Any]) -> tuple[set[str], set[str]]:
        required = {"step", "exp_avg", "exp_avg_sq"}
        if group["amsgrad"]:
            required.add("max_exp_avg_sq")
        return required, {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given.

        Everything that could make the update fail (a read-only parameter,
        a gradient of the wrong shape, unusable state) is checked first, so
        either every parameter is updated or none is.
        """
        loss = self._run_closure(closure)
        _trace.note_optimizer(self)
        todo = self._check_step()
        state_of = self.state
        work_of = self._work
        decoupled = self._decoupled
        for group, items in zip(self.param_groups, todo):
            if not items:
                continue
            lr = float(group["lr"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            amsgrad = group["amsgrad"]
            # m.lerp_(g, w) as PyTorch computes it (see nn._optim_update.adam).
            w = 1.0 - beta1
            small_w = w < 0.5
            w_factor = w if small_w else 1.0 - w
            numbers = (1 - lr * weight_decay, weight_decay, w_factor, beta2, 1 - beta2, eps)
            flags = (weight_decay != 0, decoupled, small_w)
            hypers: dict[np.dtype, tuple] = {}
            per_steps: dict[tuple, tuple] = {}
            for p, data, g in items:
                dtype = data.dtype
                state = state_of.get(p)
                if state is None:
                    state = state_of[p] = {
                        "step": 0,
                        "exp_avg": np.zeros_like(data),
                        "exp_avg_sq": np.zeros_like(data),
                    }
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(data)
                step = state["step"] = state["step"] + 1
                hyper = hypers.get(dtype)
                if hyper is None:
                    hyper = hypers[dtype] = _update.scalars(dtype, numbers) + flags
                per_step = per_steps.get((dtype, step))
                if per_step is None:
                    bias_correction1 = 1 - beta1**step
                    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
                    step_size = lr / bias_correction1
                    per_step = per_steps[dtype, step] = _update.scalars(
                        dtype, (step_size, bias_correction2_sqrt)
                    )
                m, v = state["exp_avg"], state["exp_avg_sq"]
                vmax = state["max_exp_avg_sq"] if amsgrad else None
                if data.size > _CHUNK:
                    for rows, (work, work2) in self._chunks(data, 2):
                        _update.adam(data[rows], g[rows], m[rows], v[rows],
                                     None if vmax is None else vmax[rows], work, work2,
                                     hyper, per_step)  # fmt: skip
                else:
                    work = work_of(data.shape, dtype, 0)
                    work2 = work_of(data.shape, dtype, 1)
                    _update.adam(data, g, m, v, vmax, work, work2, hyper, per_step)
                versions.bump(data)
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    The parameters are those of :class:`Adam`, but ``weight_decay``
    (:math:`\lambda`, default 0.01) shrinks the parameter directly before the
    Adam update, :math:`\theta \leftarrow \theta (1 - \gamma\lambda)`,
    instead of entering the gradient.
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


# The schedulers need ``Optimizer`` from this module, so they are imported last.
from nn.lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR  # noqa: E402
