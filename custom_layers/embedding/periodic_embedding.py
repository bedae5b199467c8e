"""Periodic embeddings of numeric features (Gorishniy et al., 2022)."""

from __future__ import annotations

import math

import keras
from keras import ops

from custom_layers._common import (
    Shape,
    Tensor,
    check_number,
    check_positive_int,
)


@keras.saving.register_keras_serializable(package="custom_layers")
class PeriodicEmbedding(keras.layers.Layer):
    """Each numeric feature to a vector: periodic, then linear, then ReLU.

    For feature j of `x` (shape `(batch, n)`), with trainable frequencies
    `c_j` (`frequencies` of them, drawn from `N(0, sigma^2)`):
    `v_j = [cos(2 pi c_j x_j), sin(2 pi c_j x_j)]`, then
    `e_j = relu(v_j W_j + b_j)` with a `(2 * frequencies, units)` kernel of
    its own per feature ("PLR" in "On Embeddings for Numerical Features in
    Tabular Deep Learning"). The output is `[e_1, ..., e_n]`, flattened to
    `(batch, n * units)`. `sigma` sets the scale of the functions the
    network can fit cheaply: larger means wigglier.

    Example:

    >>> import numpy as np
    >>> from custom_layers import PeriodicEmbedding
    >>> layer = PeriodicEmbedding(frequencies=4, units=3)
    >>> tuple(layer(np.zeros((2, 5), "float32")).shape)
    (2, 15)

    Args:
        frequencies: frequencies per feature.
        units: embedding width per feature.
        sigma: standard deviation of the initial frequencies.
        seed: int seed for the initial frequencies and kernels, or None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        frequencies: int = 16,
        units: int = 16,
        sigma: float = 0.1,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.frequencies = check_positive_int("frequencies", frequencies)
        self.units = check_positive_int("units", units)
        self.sigma = check_number("sigma", sigma, low=0.0, low_open=True)
        self.seed = seed

    def build(self, input_shape: Shape) -> None:
        """Creates `coefficients` (n, k), `kernel` (n, 2k, units), `bias`."""
        features = input_shape[-1]
        if features is None or len(input_shape) != 2:
            raise ValueError(
                "PeriodicEmbedding needs inputs (batch, features) with the "
                f"features known. Received: input_shape={input_shape}"
            )
        self.coefficients = self.add_weight(
            shape=(features, self.frequencies),
            name="coefficients",
            initializer=keras.initializers.RandomNormal(
                stddev=self.sigma, seed=self.seed
            ),
        )
        # PyTorch's nn.Linear default, as in the paper's reference code
        bound = 1 / math.sqrt(2 * self.frequencies)
        self.kernel = self.add_weight(
            shape=(features, 2 * self.frequencies, self.units),
            name="kernel",
            initializer=keras.initializers.RandomUniform(
                -bound, bound, seed=self.seed
            ),
        )
        self.bias = self.add_weight(
            shape=(features, self.units),
            name="bias",
            initializer=keras.initializers.RandomUniform(
                -bound, bound, seed=None if self.seed is None else self.seed + 1
            ),
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        """Returns the flattened `relu(periodic(x) W + b)` per feature."""
        angles = 2 * math.pi * inputs[:, :, None] * self.coefficients
        periodic = ops.concatenate([ops.cos(angles), ops.sin(angles)], axis=-1)
        embedded = ops.einsum("bnk,nku->bnu", periodic, self.kernel)
        embedded = ops.relu(embedded + self.bias)
        return ops.reshape(embedded, (-1, embedded.shape[1] * self.units))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns `(batch, features * units)`."""
        return (input_shape[0], input_shape[1] * self.units)

    def get_config(self) -> dict:
        """Returns the config."""
        return {
            **super().get_config(),
            "frequencies": self.frequencies,
            "units": self.units,
            "sigma": self.sigma,
            "seed": self.seed,
        }
