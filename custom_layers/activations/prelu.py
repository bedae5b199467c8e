"""Parametric rectified linear unit."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from custom_layers._common import Shape, Tensor
from custom_layers.activations._base import ElementwiseActivation


@keras.saving.register_keras_serializable(package="custom_layers")
class PReLU(ElementwiseActivation):
    """Parametric ReLU `f(x) = max(0, x) + alpha * min(0, x)`, alpha learned.

    One slope per unit: `alpha` has the shape of one example (all axes but
    the batch axis), less any `shared_axes`, and is trained with the other
    weights.

    Derivatives: `df/dx = 1` for `x > 0`, `alpha` for `x < 0`;
    `df/dalpha = min(0, x)`.

    The slopes start at 0.25, He et al.'s (2015) choice (the course notes
    name PReLU but give no starting value); note that `keras.layers.PReLU`
    starts them at 0 (a plain ReLU).

    Example:

    >>> import numpy as np
    >>> from custom_layers import PReLU
    >>> np.asarray(PReLU()(np.array([[-2.0, 3.0]])))
    array([[-0.5,  3. ]], dtype=float32)

    Args:
        alpha_initializer: initializer for the slopes: a float (a constant),
            a Keras initializer or its name.
        alpha_regularizer: optional regularizer for the slopes.
        alpha_constraint: optional constraint for the slopes.
        shared_axes: axes (1 = first non-batch axis) along which one slope
            is shared, e.g. `[1]` for a single slope per feature over a
            sequence axis. None: one slope per unit.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        alpha_initializer: float | str | keras.initializers.Initializer = 0.25,
        alpha_regularizer: str | keras.regularizers.Regularizer | None = None,
        alpha_constraint: str | keras.constraints.Constraint | None = None,
        shared_axes: int | Sequence[int] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(alpha_initializer, (int, float)):
            alpha_initializer = keras.initializers.Constant(
                float(alpha_initializer)
            )
        self.alpha_initializer = keras.initializers.get(alpha_initializer)
        self.alpha_regularizer = keras.regularizers.get(alpha_regularizer)
        self.alpha_constraint = keras.constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, int):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = [int(axis) for axis in shared_axes]

    def build(self, input_shape: Shape) -> None:
        """Creates `alpha` with the shape of one example."""
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        if any(dim is None for dim in shape):
            raise ValueError(
                "PReLU needs every non-batch axis known, or listed in "
                f"`shared_axes`. Received: input_shape={input_shape}, "
                f"shared_axes={self.shared_axes}"
            )
        self.alpha = self.add_weight(
            shape=tuple(shape),
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `max(0, inputs) + alpha * min(0, inputs)`."""
        alpha = ops.cast(self.alpha, inputs.dtype)
        # min(0, x) = -max(0, -x): two ReLUs were the fastest form measured.
        return ops.relu(inputs) - alpha * ops.relu(ops.negative(inputs))

    def get_config(self) -> dict:
        """Returns the config, including the initializer and shared axes."""
        return {
            **super().get_config(),
            "alpha_initializer": keras.initializers.serialize(
                self.alpha_initializer
            ),
            "alpha_regularizer": keras.regularizers.serialize(
                self.alpha_regularizer
            ),
            "alpha_constraint": keras.constraints.serialize(
                self.alpha_constraint
            ),
            "shared_axes": self.shared_axes,
        }
