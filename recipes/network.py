"""The default network: an MLP over the preprocessed features, plus its head.

Every choice the course calls a hyperparameter is a key of `DEFAULTS`; the
tuner searches over the same keys.

>>> network = build_network(10, units=1, activation="sigmoid")
>>> network.output_shape
(None, 1)
"""

from __future__ import annotations

import keras

from recipes.errors import ArgumentError

DEFAULTS = {
    "hidden_layers": 2,
    "units": 128,
    "activation": "relu",
    "normalization": "none",  # "none" | "batch" | "layer"
    "dropout": 0.1,
    "l1": 0.0,
    "l2": 0.0,
    "residual": False,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "lr_decay": "none",  # "none" | "cosine" | "exponential" | "step"
    "batch_size": 256,
}

# The default search space of `tune`: every hyperparameter the course names.
SEARCH_SPACE = {
    "hidden_layers": [1, 2, 3],
    "units": [64, 128, 256, 512],
    "activation": ["relu", "leaky_relu", "elu"],
    "normalization": ["none", "batch", "layer"],
    "dropout": {"min": 0.0, "max": 0.5, "step": 0.1},
    "l1": [0.0, 1e-5, 1e-4],
    "l2": [0.0, 1e-5, 1e-4, 1e-3],
    "residual": [False, True],
    "optimizer": ["adam", "rmsprop", "nesterov"],
    "learning_rate": {"min": 1e-4, "max": 1e-2, "sampling": "log"},
    "lr_decay": ["none", "cosine", "exponential", "step"],
    "batch_size": [64, 128, 256, 512],
}

CHOICES = {
    "activation": ("relu", "leaky_relu", "elu", "tanh", "sigmoid"),
    "normalization": ("none", "batch", "layer"),
    "optimizer": ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"),
    "lr_decay": ("none", "cosine", "exponential", "step"),
}


def hyperparameters(overrides: dict | None = None) -> dict:
    """DEFAULTS updated with `overrides`, each key and choice checked.

    Raises:
        ArgumentError: an unknown key or an unknown choice.
    """
    values = dict(DEFAULTS)
    for key, value in (overrides or {}).items():
        if key not in DEFAULTS:
            raise ArgumentError(
                f"unknown hyperparameter {key!r}; use one of: "
                f"{', '.join(DEFAULTS)}"
            )
        if key in CHOICES and value not in CHOICES[key]:
            raise ArgumentError(
                f"unknown {key} {value!r}; use one of: "
                f"{', '.join(CHOICES[key])}"
            )
        values[key] = value
    return values


def build_network(
    inputs: int,
    units: int,
    activation: str,
    hp: dict | None = None,
    name: str = "network",
) -> keras.Model:
    """An MLP from `inputs` features to `units` outputs with `activation`."""
    hp = hyperparameters(hp)
    regularizer = _regularizer(hp["l1"], hp["l2"])
    x = features = keras.Input(shape=(inputs,), name="features")
    for i in range(hp["hidden_layers"]):
        x = _hidden(x, hp, regularizer, index=i)
    outputs = keras.layers.Dense(
        units, activation=activation, name="head", dtype="float32"
    )(x)
    return keras.Model(features, outputs, name=name)


def _hidden(x, hp, regularizer, index: int):
    dense = keras.layers.Dense(
        hp["units"],
        kernel_initializer="he_normal",
        kernel_regularizer=regularizer,
        name=f"dense_{index}",
    )
    y = dense(x)
    if hp["normalization"] == "batch":
        y = keras.layers.BatchNormalization(name=f"batch_norm_{index}")(y)
    elif hp["normalization"] == "layer":
        y = keras.layers.LayerNormalization(name=f"layer_norm_{index}")(y)
    if hp["residual"] and x.shape[-1] == hp["units"]:
        y = keras.layers.Add(name=f"skip_{index}")([y, x])
    y = keras.layers.Activation(hp["activation"], name=f"act_{index}")(y)
    if hp["dropout"]:
        y = keras.layers.Dropout(hp["dropout"], name=f"dropout_{index}")(y)
    return y


def _regularizer(l1: float, l2: float):
    if not l1 and not l2:
        return None
    return keras.regularizers.L1L2(l1=l1, l2=l2)


def build_optimizer(hp: dict, decay_steps: int) -> keras.optimizers.Optimizer:
    """The optimizer named by `hp`, with its learning-rate schedule."""
    rate = hp["learning_rate"]
    if hp["lr_decay"] == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps)
    elif hp["lr_decay"] == "exponential":
        rate = keras.optimizers.schedules.ExponentialDecay(
            rate, max(decay_steps // 10, 1), 0.8
        )
    elif hp["lr_decay"] == "step":
        boundaries = [decay_steps // 2, 3 * decay_steps // 4]
        rate = keras.optimizers.schedules.PiecewiseConstantDecay(
            boundaries, [rate, rate / 10, rate / 100]
        )
    optimizers = {
        "sgd": lambda: keras.optimizers.SGD(rate),
        "momentum": lambda: keras.optimizers.SGD(rate, momentum=0.9),
        "nesterov": lambda: keras.optimizers.SGD(
            rate, momentum=0.9, nesterov=True
        ),
        "adagrad": lambda: keras.optimizers.Adagrad(rate),
        "rmsprop": lambda: keras.optimizers.RMSprop(rate),
        "adam": lambda: keras.optimizers.Adam(rate),
    }
    return optimizers[hp["optimizer"]]()
