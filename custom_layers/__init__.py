"""The course's methods as Keras 3 layers, written with `keras.ops` only.

Every class is registered for serialization under the package name
"custom_layers", so models using them save to `.keras` files and export to
SavedModels. `ACTIVATIONS` maps the course's activation names to classes and
`get_activation` resolves a name (or layer) to a layer; `Dense` and
`ResidualBlock` accept those names for `activation=`.
"""

from custom_layers.activations import (
    ACTIVATIONS,
    ELU,
    ISRU,
    ArcTan,
    Identity,
    LeakyReLU,
    PReLU,
    ReLU,
    RReLU,
    Sigmoid,
    Softsign,
    Step,
    Tanh,
    get_activation,
)
from custom_layers.dense import Dense
from custom_layers.embedding import (
    CategoryEmbedding,
    PeriodicEmbedding,
    embedding_size,
)
from custom_layers.ensemble import (
    BatchEnsembleDense,
    Ensemble,
    EnsembleDense,
    EnsembleMean,
    MeanMemberLoss,
    MemberScale,
)
from custom_layers.initializers import INITIALIZERS, RandomSign, get_initializer
from custom_layers.normalization import BatchNorm, LayerNorm
from custom_layers.regularization import Dropout, GaussianNoise
from custom_layers.residual_block import ResidualBlock

__all__ = [
    "ACTIVATIONS",
    "ArcTan",
    "BatchEnsembleDense",
    "BatchNorm",
    "CategoryEmbedding",
    "Dense",
    "Dropout",
    "ELU",
    "Ensemble",
    "EnsembleDense",
    "EnsembleMean",
    "GaussianNoise",
    "INITIALIZERS",
    "ISRU",
    "Identity",
    "LayerNorm",
    "LeakyReLU",
    "MeanMemberLoss",
    "MemberScale",
    "PReLU",
    "PeriodicEmbedding",
    "RReLU",
    "RandomSign",
    "ReLU",
    "ResidualBlock",
    "Sigmoid",
    "Softsign",
    "Step",
    "Tanh",
    "embedding_size",
    "get_activation",
    "get_initializer",
]
