"""Neural-network layers, losses, optimizers and training on top of :mod:`autograd`.

Everything here is assembled from the engine's differentiable operations:
no module in this package contains derivative code.
"""

from nn import data, functional, init, optim
from nn.io import load, save
from nn.layers import (
    MLP,
    Dropout,
    Identity,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, MSELoss, NLLLoss
from nn.module import Module, Parameter
from nn.train import History, Trainer

__all__ = [
    "MLP",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "HingeLoss",
    "History",
    "Identity",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "Module",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "Trainer",
    "data",
    "functional",
    "init",
    "load",
    "optim",
    "save",
]
