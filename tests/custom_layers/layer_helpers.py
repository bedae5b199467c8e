"""Shared references for the custom_layers tests.

NumPy closed forms of the course's activations and their derivatives,
finite differences, and one non-default instance of every layer.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

import custom_layers as cl

RNG_SEED = 1234


def rng(seed: int = RNG_SEED) -> np.random.Generator:
    return np.random.default_rng(seed)


# ----------------------------------------------------------------- formulas
# f and f' of the course's table, in float64, written independently of the
# layers (different but equivalent expressions where possible).


def np_sigmoid(x, alpha=1.0):
    return 0.5 * (1.0 + np.tanh(0.5 * alpha * x))


def np_sigmoid_grad(x, alpha=1.0):
    s = np_sigmoid(x, alpha)
    return alpha * s * (1.0 - s)


def np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def np_elu_grad(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def np_leaky(x, alpha):
    return np.where(x > 0, x, alpha * x)


def np_leaky_grad(x, alpha):
    return np.where(x > 0, 1.0, alpha) * np.ones_like(x)


def np_isru(x, alpha=1.0):
    return x / np.sqrt(1.0 + alpha * x * x)


def np_isru_grad(x, alpha=1.0):
    return (1.0 + alpha * x * x) ** -1.5


PRELU_ALPHA = np.linspace(-0.3, 0.6, 8)  # per unit, for (n, 8) inputs

# (id, factory, f, f', finite-difference check applies)
ACTIVATION_CASES: list[tuple[str, Callable, Callable, Callable, bool]] = [
    ("identity", cl.Identity, lambda x: x, np.ones_like, True),
    (
        "step",
        cl.Step,
        lambda x: (x >= 0).astype(float),
        np.zeros_like,
        True,
    ),
    (
        "step_straight_through",
        lambda **kw: cl.Step(straight_through=True, **kw),
        lambda x: (x >= 0).astype(float),
        np.ones_like,  # by design not the derivative: no FD check
        False,
    ),
    ("sigmoid", cl.Sigmoid, np_sigmoid, np_sigmoid_grad, True),
    (
        "sigmoid_alpha_2.5",
        lambda **kw: cl.Sigmoid(alpha=2.5, **kw),
        lambda x: np_sigmoid(x, 2.5),
        lambda x: np_sigmoid_grad(x, 2.5),
        True,
    ),
    ("tanh", cl.Tanh, np.tanh, lambda x: 1.0 / np.cosh(x) ** 2, True),
    ("arctan", cl.ArcTan, np.arctan, lambda x: 1.0 / (1.0 + x * x), True),
    (
        "softsign",
        cl.Softsign,
        lambda x: x / (1.0 + np.abs(x)),
        lambda x: 1.0 / (1.0 + np.abs(x)) ** 2,
        True,
    ),
    ("isru", cl.ISRU, np_isru, np_isru_grad, True),
    (
        "isru_alpha_0.3",
        lambda **kw: cl.ISRU(alpha=0.3, **kw),
        lambda x: np_isru(x, 0.3),
        lambda x: np_isru_grad(x, 0.3),
        True,
    ),
    (
        "relu",
        cl.ReLU,
        lambda x: np.maximum(x, 0.0),
        lambda x: (x > 0).astype(float),
        True,
    ),
    (
        "leaky_relu",
        cl.LeakyReLU,
        lambda x: np_leaky(x, 0.01),
        lambda x: np_leaky_grad(x, 0.01),
        True,
    ),
    (
        "leaky_relu_alpha_0.2",
        lambda **kw: cl.LeakyReLU(alpha=0.2, **kw),
        lambda x: np_leaky(x, 0.2),
        lambda x: np_leaky_grad(x, 0.2),
        True,
    ),
    (
        "prelu",
        cl.PReLU,
        lambda x: np_leaky(x, 0.25),
        lambda x: np_leaky_grad(x, 0.25),
        True,
    ),
    (
        "prelu_per_unit",
        lambda **kw: cl.PReLU(
            alpha_initializer=keras.initializers.Constant(PRELU_ALPHA), **kw
        ),
        lambda x: np_leaky(x, PRELU_ALPHA),
        lambda x: np_leaky_grad(x, PRELU_ALPHA),
        True,
    ),
    (
        "rrelu_inference",
        cl.RReLU,
        lambda x: np_leaky(x, (1 / 8 + 1 / 3) / 2),
        lambda x: np_leaky_grad(x, (1 / 8 + 1 / 3) / 2),
        True,
    ),
    (
        "rrelu_inference_0.05_0.45",
        lambda **kw: cl.RReLU(lower=0.05, upper=0.45, **kw),
        lambda x: np_leaky(x, 0.25),
        lambda x: np_leaky_grad(x, 0.25),
        True,
    ),
    ("elu", cl.ELU, np_elu, np_elu_grad, True),
    (
        "elu_alpha_0.5",
        lambda **kw: cl.ELU(alpha=0.5, **kw),
        lambda x: np_elu(x, 0.5),
        lambda x: np_elu_grad(x, 0.5),
        True,
    ),
]


def activation_points(dtype: str = "float64") -> np.ndarray:
    """48 points in [-6, 6], none within 0.1 of the kink at 0."""
    x = np.linspace(-6.0, 6.0, 48).reshape(6, 8)
    return x.astype(dtype)


# ------------------------------------------------------------ differentiation


def tape_gradients(
    layer: keras.layers.Layer,
    x: np.ndarray,
    weights: np.ndarray,
    training: bool = False,
) -> list[np.ndarray]:
    """d sum(weights * layer(x)) / d [x, *trainable variables]."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(weights * layer(x, training=training))
    grads = tape.gradient(
        loss,
        [x] + list(layer.trainable_variables),
        unconnected_gradients=tf.UnconnectedGradients.ZERO,
    )
    return [np.asarray(g) for g in grads]


def finite_differences(
    layer: keras.layers.Layer,
    x: np.ndarray,
    weights: np.ndarray,
    training: bool = False,
    eps: float = 1e-6,
) -> list[np.ndarray]:
    """Central differences of the same loss, element by element (float64)."""

    def loss(inputs: np.ndarray) -> float:
        return float(
            np.sum(weights * np.asarray(layer(inputs, training=training)))
        )

    grads = []
    grad_x = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        grad_x[index] = (loss(plus) - loss(minus)) / (2 * eps)
    grads.append(grad_x)
    for variable in layer.trainable_variables:
        value = np.asarray(variable).copy()
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            for sign in (1.0, -1.0):
                shifted = value.copy()
                shifted[index] += sign * eps
                variable.assign(shifted)
                grad[index] += sign * loss(x) / (2 * eps)
        variable.assign(value)
        grads.append(grad)
    return grads


# ---------------------------------------------------- one of every layer
# Non-default arguments throughout; (factory, input shape without batch).


def _member_model() -> keras.Model:
    inputs = keras.Input((6,))
    hidden = cl.Dense(5, activation="elu", kernel_initializer="glorot_uniform")(
        inputs
    )
    return keras.Model(inputs, cl.Dense(3)(hidden))


LAYER_CASES: dict[str, tuple[Callable[[], keras.layers.Layer], tuple]] = {
    "identity": (cl.Identity, (6,)),
    "step": (lambda: cl.Step(straight_through=True), (6,)),
    "sigmoid": (lambda: cl.Sigmoid(alpha=1.7), (6,)),
    "tanh": (cl.Tanh, (6,)),
    "arctan": (cl.ArcTan, (6,)),
    "softsign": (cl.Softsign, (6,)),
    "isru": (lambda: cl.ISRU(alpha=0.4), (6,)),
    "relu": (cl.ReLU, (6,)),
    "leaky_relu": (lambda: cl.LeakyReLU(alpha=0.15), (6,)),
    "prelu": (
        lambda: cl.PReLU(
            alpha_initializer="random_uniform",
            alpha_regularizer="l2",
            alpha_constraint="non_neg",
        ),
        (6,),
    ),
    "prelu_shared": (lambda: cl.PReLU(shared_axes=[1]), (4, 6)),
    "rrelu": (lambda: cl.RReLU(lower=0.05, upper=0.45, seed=3), (6,)),
    "elu": (lambda: cl.ELU(alpha=0.7), (6,)),
    "dense": (
        lambda: cl.Dense(
            4,
            activation="prelu",
            kernel_initializer="xavier_normal",
            bias_initializer="random_normal",
            kernel_regularizer="l2",
            seed=5,
        ),
        (6,),
    ),
    "dense_layer_activation": (
        lambda: cl.Dense(
            4,
            activation=cl.RReLU(lower=0.2, upper=0.3),
            kernel_initializer=keras.initializers.Orthogonal(seed=1),
            use_bias=False,
        ),
        (6,),
    ),
    "batch_norm": (lambda: cl.BatchNorm(momentum=0.8, epsilon=0.01), (6,)),
    "batch_norm_axis_1": (lambda: cl.BatchNorm(axis=1), (4, 6)),
    "layer_norm": (lambda: cl.LayerNorm(epsilon=0.01), (6,)),
    "layer_norm_axis_1": (lambda: cl.LayerNorm(axis=1), (4, 6)),
    "dropout": (lambda: cl.Dropout(0.3, seed=1), (6,)),
    "gaussian_noise": (lambda: cl.GaussianNoise(0.2, seed=2), (6,)),
    "residual_block": (
        lambda: cl.ResidualBlock(
            5,
            activation="leaky_relu",
            normalization="batch",
            dropout=0.2,
            kernel_initializer="he_uniform",
            seed=7,
        ),
        (6,),
    ),
    "residual_block_same_width": (
        lambda: cl.ResidualBlock(6, activation="prelu", normalization="layer"),
        (6,),
    ),
    "ensemble": (
        lambda: cl.Ensemble(
            [cl.Dense(3, activation="tanh"), _member_model()],
            member_activation="softmax",
        ),
        (6,),
    ),
    "batch_ensemble": (
        lambda: cl.BatchEnsembleDense(
            3,
            ensemble_size=2,
            activation="isru",
            kernel_initializer="lecun_uniform",
            use_bias=False,
            seed=4,
        ),
        (6,),
    ),
    "category_embedding": (
        lambda: cl.CategoryEmbedding(
            [2, 4], [3, 1], embeddings_initializer="glorot_uniform"
        ),
        (2,),
    ),
    "periodic_embedding": (
        lambda: cl.PeriodicEmbedding(frequencies=3, units=2, sigma=0.3, seed=1),
        (6,),
    ),
    "ensemble_dense": (
        lambda: cl.EnsembleDense(2, ensemble_size=3, seed=5),
        (3, 6),
    ),
    "member_scale": (
        lambda: cl.MemberScale(ensemble_size=3, initializer="ones"),
        (6,),
    ),
    "ensemble_mean": (
        lambda: cl.EnsembleMean(member_activation="sigmoid"),
        (3, 6),
    ),
}


def randomize_weights(layer: keras.layers.Layer, seed: int = 0) -> None:
    """Gives every weight a random value (moving variances stay positive)."""
    generator = rng(seed)
    for variable in layer.weights:
        if "seed_generator" in variable.path:
            continue
        value = generator.uniform(0.5, 1.5, size=variable.shape)
        if "variance" not in variable.name:
            value = value * generator.choice([-1.0, 1.0], size=variable.shape)
        variable.assign(value.astype(variable.dtype))
