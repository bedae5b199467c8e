"""The default network: an MLP over the preprocessed features, plus its head.

Every choice the course calls a hyperparameter is a key of `DEFAULTS`; the
tuner searches over the same keys.

>>> network = build_network(10, units=1, activation="sigmoid")
>>> network.output_shape
(None, 1)
"""

from __future__ import annotations

import keras

import custom_layers
import custom_optimizers
from recipes.errors import ArgumentError
from recipes.preprocessing import Layout

DEFAULTS = {
    "hidden_layers": 2,
    "units": 128,
    "activation": "relu",
    "normalization": "none",  # "none" | "batch" | "layer"
    "dropout": 0.0,
    "l1": 0.0,
    "l2": 0.0,
    "residual": False,
    "architecture": "mlp",  # "mlp" | "tabm" | "tabm_mini"
    "members": 32,  # TabM's k
    "numeric_embedding": "none",  # "none" | "periodic"
    "periodic_sigma": 0.1,  # the periodic embedding's initial frequencies
    "categorical_embedding": False,
    "label_smoothing": 0.0,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    # the optimizer's own (each used by the optimizers that have it)
    "momentum": 0.9,  # momentum, nesterov
    "beta_1": 0.9,  # adam
    "beta_2": 0.999,  # adam
    "rho": 0.9,  # rmsprop
    "epsilon": 1e-7,  # adagrad, rmsprop, adam
    "clipnorm": 0.0,  # 0: no clipping; else each gradient's norm at most
    "initializer": "he_normal",  # the hidden kernels' (custom_layers)
    "noise": 0.0,  # Gaussian noise on the network's input, in training
    "weight_decay": 0.0,  # decoupled (AdamW's), not on biases and norms
    "lr_decay": "none",  # "none" | "cosine" | "exponential" | "step"
    "batch_size": 256,
}

# The default search space of `tune`: every hyperparameter the course names.
SEARCH_SPACE = {
    "hidden_layers": [1, 2, 3],
    "units": [64, 128, 256, 512],
    "activation": ["relu", "leaky_relu", "prelu", "elu"],
    "normalization": ["none", "batch", "layer"],
    # the course: batch norm or dropout, not both at first
    "dropout": {
        "min": 0.0,
        "max": 0.5,
        "step": 0.1,
        "when": {"normalization": ["none", "layer"]},
    },
    "l1": [0.0, 1e-5, 1e-4],
    "l2": [0.0, 1e-5, 1e-4, 1e-3],
    "residual": [False, True],
    "numeric_embedding": ["none", "periodic"],
    "categorical_embedding": [False, True],
    "label_smoothing": [0.0, 0.05, 0.1],
    "optimizer": ["adam", "rmsprop", "nesterov"],
    "learning_rate": {"min": 1e-4, "max": 1e-2, "sampling": "log"},
    "weight_decay": [0.0, 1e-5, 1e-4, 1e-3],
    # fixed entries: searchable by widening them (search_space=...)
    "momentum": 0.9,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "rho": 0.9,
    "epsilon": 1e-7,
    "clipnorm": [0.0, 1.0],
    "initializer": ["he_normal", "glorot_uniform"],
    "noise": [0.0, 0.05, 0.1],
    "lr_decay": ["none", "cosine", "exponential", "step"],
    "batch_size": [64, 128, 256, 512],
}

CHOICES = {
    "activation": tuple(
        name for name in custom_layers.ACTIVATIONS if name != "step"
    ),
    "normalization": ("none", "batch", "layer"),
    "architecture": ("mlp", "tabm", "tabm_mini"),
    "numeric_embedding": ("none", "periodic"),
    "optimizer": ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"),
    "lr_decay": ("none", "cosine", "exponential", "step"),
    "initializer": custom_layers.INITIALIZERS,
}
# number keys: (low, high, whether low itself is allowed); high is open
RANGES = {
    "label_smoothing": (0.0, 1.0, True),
    "weight_decay": (0.0, float("inf"), True),
    "periodic_sigma": (0.0, float("inf"), False),
    "momentum": (0.0, 1.0, True),
    "beta_1": (0.0, 1.0, True),
    "beta_2": (0.0, 1.0, True),
    "rho": (0.0, 1.0, True),
    "epsilon": (0.0, float("inf"), False),
    "clipnorm": (0.0, float("inf"), True),
    "noise": (0.0, float("inf"), True),
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
        if key == "members" and not (
            isinstance(value, int) and not isinstance(value, bool) and value > 0
        ):
            raise ArgumentError(
                f"members must be a positive integer; received {value!r}"
            )
        if key in RANGES and not _in_range(value, *RANGES[key]):
            low, high, closed = RANGES[key]
            bound = f"[{low:g}, {high:g})" if closed else f"({low:g}, {high:g})"
            raise ArgumentError(
                f"{key} must be a number in {bound}; received {value!r}"
            )
        values[key] = value
    return values


def _in_range(value, low: float, high: float, closed: bool) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return (low <= value if closed else low < value) and value < high


def build_network(
    inputs: int,
    units: int,
    activation: str,
    hp: dict | None = None,
    name: str = "network",
    layout: Layout | None = None,
) -> keras.Model:
    """An MLP from `inputs` features to `units` outputs with `activation`.

    Hidden layers are the course's `custom_layers`: Dense (`initializer`,
    He-normal by default) with optional BatchNorm / LayerNorm, an
    activation and inverted Dropout, or a `ResidualBlock` each when
    `residual` is on; `noise` adds Gaussian noise to their input in
    training. The head is a Keras Dense
    with the task's output activation. Given the features' `layout`, the
    numeric and categorical columns can be embedded first
    (`numeric_embedding`, `categorical_embedding`).
    """
    hp = hyperparameters(hp)
    regularizer = _regularizer(hp["l1"], hp["l2"])
    x = features = keras.Input(shape=(inputs,), name="features")
    if layout is not None:
        x = _embedded(x, hp, layout)
    if hp["noise"]:  # after the embeddings: codes stay whole
        x = custom_layers.GaussianNoise(hp["noise"], name="input_noise")(x)
    if hp["architecture"] != "mlp":
        outputs = _tabm(x, units, activation, hp)
        return keras.Model(features, outputs, name=name)
    for i in range(hp["hidden_layers"]):
        x = _hidden(x, hp, regularizer, index=i)
    outputs = keras.layers.Dense(
        units,
        activation=activation,
        kernel_regularizer=regularizer,
        name="head",
        dtype="float32",
    )(x)
    return keras.Model(features, outputs, name=name)


def _embedded(x, hp: dict, layout: Layout):
    """The features with numeric columns embedded if asked, and each
    categorical column's code embedded or one-hot encoded.

    Missing-value flags and date features pass through as they are.
    """
    periodic = hp["numeric_embedding"] == "periodic" and layout.numeric
    if not periodic and not layout.categories:
        return x
    numeric, categories = layout.numeric, layout.first_code
    parts = [x[:, :numeric], x[:, numeric:categories], x[:, categories:]]
    if periodic:
        parts[0] = custom_layers.PeriodicEmbedding(
            sigma=hp["periodic_sigma"], name="numeric_embedding"
        )(parts[0])
    if layout.categories and hp["categorical_embedding"]:
        parts[2] = custom_layers.CategoryEmbedding(
            list(layout.categories), name="categorical_embedding"
        )(parts[2])
    elif layout.categories:
        parts[2:] = [
            keras.layers.CategoryEncoding(
                size, output_mode="one_hot", name=f"one_hot_{i}"
            )(x[:, categories + i])
            for i, size in enumerate(layout.categories)
        ]
    parts = [part for part in parts if part.shape[1]]
    if len(parts) == 1:
        return parts[0]
    return keras.layers.Concatenate(name="embedded")(parts)


def _tabm(x, units: int, activation: str, hp: dict):
    """TabM (Gorishniy et al., ICLR 2025) over the features `x`: k members
    of one MLP, each with one linear head.

    "tabm": every hidden layer a `BatchEnsembleDense` with TabM's start
    (only the first layer's `r` random signs, the other adapters ones;
    weights and biases uniform in +-1/sqrt(n_in), the biases equal across
    members). "tabm_mini": one `MemberScale` (random signs) in front of a
    shared MLP. The members' outputs go through the task's activation,
    then `EnsembleMean`: the members in training (the loss is their mean
    loss, `training.build`), their mean otherwise. L1/L2, residual
    blocks and `initializer` do not apply here.
    """
    k = hp["members"]
    mini = hp["architecture"] == "tabm_mini"
    if mini:
        x = custom_layers.MemberScale(k, name="member_scale")(x)
    for i in range(hp["hidden_layers"]):
        bound = 1 / x.shape[-1] ** 0.5
        initializer = keras.initializers.VarianceScaling(
            1 / 3, "fan_in", "uniform"
        )  # uniform in +-1/sqrt(n_in), as nn.Linear and TabM
        if mini:
            x = custom_layers.Dense(
                hp["units"], kernel_initializer=initializer, name=f"dense_{i}"
            )(x)
        else:
            x = custom_layers.BatchEnsembleDense(
                hp["units"],
                ensemble_size=k,
                kernel_initializer=initializer,
                fast_initializer="random_sign" if i == 0 else "ones",
                fast_out_initializer="ones",
                bias_initializer=keras.initializers.RandomUniform(
                    -bound, bound
                ),
                name=f"batch_ensemble_{i}",
            )(x)
        if hp["normalization"] == "layer":
            x = custom_layers.LayerNorm(name=f"layer_norm_{i}")(x)
        elif hp["normalization"] == "batch":
            x = custom_layers.BatchNorm(name=f"batch_norm_{i}")(x)
        x = custom_layers.get_activation(hp["activation"])(x)
        if hp["dropout"]:
            x = custom_layers.Dropout(hp["dropout"], name=f"dropout_{i}")(x)
    if len(x.shape) == 2:  # no hidden layer: the members start here
        x = custom_layers.MemberScale(k, name="member_scale")(x)
    x = custom_layers.EnsembleDense(units, ensemble_size=k, name="heads")(x)
    x = keras.layers.Activation(activation, dtype="float32", name="head")(x)
    return custom_layers.EnsembleMean(
        members_in_training=True, dtype="float32", name="member_mean"
    )(x)


def inapplicable(layout: Layout, task) -> set[str]:
    """Keys of `SEARCH_SPACE` that cannot change the model for this data
    and `task` (a `recipes.tasks.Task`)."""
    keys = set(task.inapplicable)
    if not layout.numeric:
        keys.add("numeric_embedding")
    if not layout.categories:
        keys.add("categorical_embedding")
    return keys


def _hidden(x, hp, regularizer, index: int):
    normalization = (
        None if hp["normalization"] == "none" else hp["normalization"]
    )
    if hp["residual"]:
        return custom_layers.ResidualBlock(
            hp["units"],
            activation=hp["activation"],
            normalization=normalization,
            dropout=hp["dropout"],
            kernel_initializer=hp["initializer"],
            kernel_regularizer=regularizer,
            synchronized=_replicated(),
            name=f"residual_{index}",
        )(x)
    x = custom_layers.Dense(
        hp["units"],
        kernel_initializer=hp["initializer"],
        kernel_regularizer=regularizer,
        name=f"dense_{index}",
    )(x)
    if normalization == "batch":
        x = custom_layers.BatchNorm(
            synchronized=_replicated(), name=f"batch_norm_{index}"
        )(x)
    elif normalization == "layer":
        x = custom_layers.LayerNorm(name=f"layer_norm_{index}")(x)
    x = custom_layers.get_activation(hp["activation"])(x)
    if hp["dropout"]:
        x = custom_layers.Dropout(hp["dropout"], name=f"dropout_{index}")(x)
    return x


def _replicated() -> bool:
    """Whether the network is built for several replicas at once (inside a
    `tf.distribute` strategy's scope): batch statistics must then span the
    global batch, as in one process."""
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync > 1


def _regularizer(l1: float, l2: float):
    if not l1 and not l2:
        return None
    return keras.regularizers.L1L2(l1=l1, l2=l2)


def build_optimizer(hp: dict, decay_steps: int) -> keras.optimizers.Optimizer:
    """The course's optimizer named by `hp`, with its own hyperparameters
    (`momentum`; `rho`; `beta_1`, `beta_2`; `epsilon`), its learning-rate
    decay, gradient clipping (`clipnorm`: each gradient rescaled to that
    norm at most) and decoupled weight decay (`weight_decay`: each step
    shrinks every kernel and embedding by learning rate x weight decay,
    AdamW's rule)."""
    rate = hp["learning_rate"]
    decay_steps = max(int(decay_steps), 1)
    if hp["lr_decay"] == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps)
    elif hp["lr_decay"] == "exponential":
        rate = keras.optimizers.schedules.ExponentialDecay(
            rate, max(decay_steps // 10, 1), 0.8
        )
    elif hp["lr_decay"] == "step":
        rate = custom_optimizers.StepDecay(rate, max(decay_steps // 3, 1), 0.1)
    optimizers = {
        "sgd": custom_optimizers.SGD,
        "momentum": custom_optimizers.Momentum,
        "nesterov": custom_optimizers.Nesterov,
        "adagrad": custom_optimizers.AdaGrad,
        "rmsprop": custom_optimizers.RMSProp,
        "adam": custom_optimizers.Adam,
    }
    own = {  # each optimizer's own hyperparameters
        "momentum": ("momentum",),
        "nesterov": ("momentum",),
        "adagrad": ("epsilon",),
        "rmsprop": ("rho", "epsilon"),
        "adam": ("beta_1", "beta_2", "epsilon"),
    }.get(hp["optimizer"], ())
    optimizer = optimizers[hp["optimizer"]](
        learning_rate=rate,
        weight_decay=hp["weight_decay"] or None,
        clipnorm=hp["clipnorm"] or None,
        **{key: hp[key] for key in own},
    )
    if hp["weight_decay"]:  # as AdamW is used: on weights, not on offsets
        optimizer.exclude_from_weight_decay(var_names=["bias", "beta", "gamma"])
    return optimizer


def build_loss(name: str, label_smoothing: float = 0.0) -> keras.losses.Loss:
    """The Keras loss called `name` (one of a task's `losses`).

    `label_smoothing` applies to the cross-entropies: targets move that
    share of the way towards the uniform distribution.
    """
    if name == "binary_crossentropy":
        return keras.losses.BinaryCrossentropy(label_smoothing=label_smoothing)
    if name == "categorical_crossentropy":
        return keras.losses.CategoricalCrossentropy(
            label_smoothing=label_smoothing
        )
    return {
        "mse": keras.losses.MeanSquaredError,
        "mae": keras.losses.MeanAbsoluteError,
        "huber": keras.losses.Huber,
    }[name]()


def average(models: list[keras.Model], combine: str = "mean") -> keras.Model:
    """One network whose output is the mean of the models' outputs, or
    (`combine="vote"`, classification) their vote (`custom_layers.Ensemble`).

    A single model is returned as it is.
    """
    if len(models) == 1:
        return models[0]
    inputs = keras.Input(shape=models[0].input_shape[1:], name="features")
    ensemble = custom_layers.Ensemble(models, combine=combine)
    return keras.Model(inputs, ensemble(inputs), name="ensemble")
