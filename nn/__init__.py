"""Neural-network layers, losses, optimizers and training on top of :mod:`autograd`.

Everything here is assembled from the engine's differentiable operations:
no module in this package contains derivative code.
"""

from nn import callbacks, data, functional, init, metrics, optim
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

# -- Activations, more losses and distances (nn.activations, nn.losses_extra, nn.distances).
from nn.activations import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    ReLU6,
    SiLU,
    Softmin,
    Softplus,
    Softsign,
    Threshold,
)
from nn.distances import (
    CosineSimilarity,
    PairwiseDistance,
)
from nn.losses_extra import (
    BCELoss,
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)

__all__ += [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "SELU",
    "BCELoss",
    "CosineEmbeddingLoss",
    "CosineSimilarity",
    "GaussianNLLLoss",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "LogSigmoid",
    "MarginRankingLoss",
    "Mish",
    "PairwiseDistance",
    "PoissonNLLLoss",
    "ReLU6",
    "SiLU",
    "SmoothL1Loss",
    "SoftMarginLoss",
    "Softmin",
    "Softplus",
    "Softsign",
    "Threshold",
    "TripletMarginLoss",
]
