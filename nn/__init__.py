"""Neural-network layers, losses, optimizers and training on top of :mod:`autograd`.

Everything here is assembled from the engine's differentiable operations:
no module in this package contains derivative code.
"""

from nn import callbacks, data, functional, init, metrics, optim, optim_replay  # noqa: F401
from nn.callbacks import Callback, EarlyStopping, ModelCheckpoint
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
from nn.train import History, NonFiniteLossError, Trainer

__all__ = [
    "MLP",
    "BCEWithLogitsLoss",
    "Callback",
    "CrossEntropyLoss",
    "Dropout",
    "EarlyStopping",
    "HingeLoss",
    "History",
    "Identity",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "ModelCheckpoint",
    "Module",
    "NLLLoss",
    "NonFiniteLossError",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "Trainer",
    "callbacks",
    "data",
    "functional",
    "init",
    "load",
    "metrics",
    "optim",
    "save",
]
