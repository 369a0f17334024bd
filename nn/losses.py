"""Loss modules: thin ``Module`` wrappers around :mod:`nn.functional`.

Each takes ``reduction='mean' | 'sum' | 'none'`` and is called as
``loss_fn(input, target)``.
"""

from __future__ import annotations

from typing import Any

from autograd import Tensor
from nn import functional as F
from nn.module import Module

__all__ = ["BCEWithLogitsLoss", "CrossEntropyLoss", "HingeLoss", "MSELoss", "NLLLoss"]


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2`` (see :func:`nn.functional.mse_loss`).

    Shapes must match exactly: PyTorch broadcasts ``(N, 1)`` against ``(N,)`` with
    a warning; here it is an error.
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits ``(N, C)`` and class indices ``(N,)`` or probabilities ``(N, C)``.

    Parameters
    ----------
    weight : array_like of shape (C,), optional
        Per-class weight.
    ignore_index : int, default -100
        Class-index targets with this value are skipped; ``'mean'`` divides by the
        (weighted) number of the others.
    reduction : {'mean', 'sum', 'none'}
    label_smoothing : float in [0, 1], default 0
        Target becomes ``(1 - s) * target + s / C``.

    See :func:`nn.functional.cross_entropy`.
    """

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, "
                f"got {label_smoothing}"
            )
        self.weight = weight
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )

    def extra_repr(self) -> str:
        parts = [super().extra_repr()]
        if self.ignore_index != -100:
            parts.append(f"ignore_index={self.ignore_index}")
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(p for p in parts if p)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices under log-probabilities ``(N, C)``.

    Same ``weight``, ``ignore_index`` and ``reduction`` as :class:`CrossEntropyLoss`;
    ``CrossEntropyLoss()(x, y)`` equals ``NLLLoss()(x.log_softmax(axis=1), y)``.
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, stable for logits of any size.

    Parameters
    ----------
    weight : array_like, optional
        Rescales each element's loss (broadcast against the input).
    reduction : {'mean', 'sum', 'none'}
    pos_weight : array_like, optional
        Weight of positive examples, one per class (broadcast along the last axis).

    See :func:`nn.functional.binary_cross_entropy_with_logits`.
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction)
        self.weight = weight
        self.pos_weight = pos_weight

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class HingeLoss(_Loss):
    """Max-margin loss ``max(0, 1 - y * s)`` for scores ``(N,)``/``(N, 1)`` and labels in {-1, +1}.

    The loss of the classic micrograd moons demo. PyTorch has no class of this
    name (``MultiMarginLoss`` is its multi-class relative).
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.hinge_loss(input, target, reduction=self.reduction)
