"""k dense layers with weights of their own, one per ensemble member."""

from __future__ import annotations

import math

import keras
from keras import ops

from custom_layers._common import Shape, Tensor, check_positive_int


@keras.saving.register_keras_serializable(package="custom_layers")
class EnsembleDense(keras.layers.Layer):
    """`k` independent dense layers applied to the `k` members' inputs.

    Member `i` computes `y_i = x_i W_i + b_i` with a `(n_in, units)` kernel
    and a bias of its own: TabM's output layer (one linear head per
    member, `LinearEnsemble` in its reference code), initialized as there:
    `W_i` and `b_i` uniform in `[-1/sqrt(n_in), 1/sqrt(n_in)]`.

    Example:

    >>> import numpy as np
    >>> from custom_layers import EnsembleDense
    >>> tuple(EnsembleDense(3, ensemble_size=4)(np.ones((2, 4, 5))).shape)
    (2, 4, 3)

    Args:
        units: outputs per member, a positive integer.
        ensemble_size: number of members `k`, a positive integer.
        seed: int seed for the initial weights, or None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Raises:
        ValueError: for an input that is not `(batch, ensemble_size, n_in)`.
    """

    def __init__(
        self,
        units: int,
        ensemble_size: int = 32,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.ensemble_size = check_positive_int("ensemble_size", ensemble_size)
        self.seed = seed

    def build(self, input_shape: Shape) -> None:
        """Creates `kernel` (k, n_in, units) and `bias` (k, units)."""
        if len(input_shape) != 3 or input_shape[1] != self.ensemble_size:
            raise ValueError(
                "EnsembleDense takes (batch, ensemble_size, n_in) inputs. "
                f"Received: input_shape={input_shape}, "
                f"ensemble_size={self.ensemble_size}"
            )
        n_in, k = input_shape[-1], self.ensemble_size
        bound = 1 / math.sqrt(n_in)
        seeds = (
            (None, None) if self.seed is None else (self.seed, self.seed + 1)
        )
        self.kernel = self.add_weight(
            shape=(k, n_in, self.units),
            name="kernel",
            initializer=keras.initializers.RandomUniform(
                -bound, bound, seed=seeds[0]
            ),
        )
        self.bias = self.add_weight(
            shape=(k, self.units),
            name="bias",
            initializer=keras.initializers.RandomUniform(
                -bound, bound, seed=seeds[1]
            ),
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        """Returns the `(batch, k, units)` outputs `x_i W_i + b_i`."""
        return ops.einsum("bki,kio->bko", inputs, self.kernel) + self.bias

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns `(batch, ensemble_size, units)`."""
        return (input_shape[0], self.ensemble_size, self.units)

    def get_config(self) -> dict:
        """Returns the config."""
        return {
            **super().get_config(),
            "units": self.units,
            "ensemble_size": self.ensemble_size,
            "seed": self.seed,
        }
