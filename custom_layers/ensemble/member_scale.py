"""One input, k members: each member scales the features its own way."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Shape, Tensor, check_positive_int
from custom_layers.dense import InitializerSpec
from custom_layers.initializers import get_initializer, serialize_initializer


@keras.saving.register_keras_serializable(package="custom_layers")
class MemberScale(keras.layers.Layer):
    """`(batch, n)` to `(batch, k, n)`: member `i` sees `x * r_i`.

    TabM-mini's only adapter (TabM's `R` of the first layer, alone): the
    members then share every later weight but their heads. `r` starts as
    random signs, as in TabM.

    Example:

    >>> import numpy as np
    >>> from custom_layers import MemberScale
    >>> tuple(MemberScale(ensemble_size=4)(np.ones((2, 5))).shape)
    (2, 4, 5)

    Args:
        ensemble_size: number of members `k`, a positive integer.
        initializer: initializer of `r` (k, n).
        seed: int seed for `initializer`, or None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        ensemble_size: int = 32,
        initializer: InitializerSpec = "random_sign",
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.ensemble_size = check_positive_int("ensemble_size", ensemble_size)
        self._initializer_spec = initializer
        self.initializer = get_initializer(initializer, seed)
        self.seed = seed

    def build(self, input_shape: Shape) -> None:
        """Creates `scale` (k, n)."""
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "MemberScale takes (batch, n) inputs with n known. "
                f"Received: input_shape={input_shape}"
            )
        self.scale = self.add_weight(
            shape=(self.ensemble_size, input_shape[-1]),
            name="scale",
            initializer=self.initializer,
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `x * r_i` for each member `i`, `(batch, k, n)`."""
        return ops.expand_dims(inputs, 1) * self.scale

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns `(batch, ensemble_size, n)`."""
        return (input_shape[0], self.ensemble_size, input_shape[-1])

    def get_config(self) -> dict:
        """Returns the config."""
        return {
            **super().get_config(),
            "ensemble_size": self.ensemble_size,
            "initializer": serialize_initializer(
                self._initializer_spec, self.initializer
            ),
            "seed": self.seed,
        }
