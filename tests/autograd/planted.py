"""Operations with deliberately wrong derivatives, for testing the checkers."""

import numpy as np

from autograd.function import Function


class HalfGradSquare(Function):
    """x * x with a backward that is half the true one (a planted bug)."""

    def forward(self, x):
        self.save_for_backward(x)
        return x.data * x.data

    def backward(self, g):
        (x,) = self.saved
        return g * x


class FrozenSquare(Function):
    """x * x whose backward is right but computed from constant arrays, so it is
    not recorded: first derivatives are right, second derivatives are missing."""

    def forward(self, x):
        self.save_for_backward(x)
        return x.data * x.data

    def backward(self, g):
        (x,) = self.saved
        return g * (2 * np.asarray(x))
