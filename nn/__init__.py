"""Neural-network layers, losses, optimizers and training on top of :mod:`autograd`.

Everything here is assembled from the engine's differentiable operations:
no module in this package contains derivative code.
"""

from nn import callbacks, data, functional, init, metrics, optim, optim_replay  # noqa: F401
from nn.attention import MultiheadAttention, TransformerEncoderLayer
from nn.callbacks import Callback, EarlyStopping, ModelCheckpoint
from nn.containers import Flatten, ModuleDict, ModuleList, Unflatten
from nn.conv import Conv1d, Conv2d, ConvTranspose2d
from nn.embedding import Embedding
from nn.io import CheckpointError, load, save
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
from nn.norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, RMSNorm
from nn.pooling import AdaptiveAvgPool2d, AvgPool2d, Dropout2d, MaxPool2d
from nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from nn.train import History, NonFiniteLossError, Trainer

__all__ = [
    "GRU",
    "LSTM",
    "MLP",
    "RNN",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Callback",
    "CheckpointError",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout2d",
    "EarlyStopping",
    "Embedding",
    "Flatten",
    "GRUCell",
    "GroupNorm",
    "HingeLoss",
    "History",
    "Identity",
    "LSTMCell",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "ModelCheckpoint",
    "Module",
    "ModuleDict",
    "ModuleList",
    "MultiheadAttention",
    "NLLLoss",
    "NonFiniteLossError",
    "Parameter",
    "RMSNorm",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "Trainer",
    "TransformerEncoderLayer",
    "Unflatten",
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
