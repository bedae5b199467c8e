"""Inverted dropout."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._base import ShapeKeepingLayer
from custom_layers._common import Tensor, check_number


@keras.saving.register_keras_serializable(package="custom_layers")
class Dropout(ShapeKeepingLayer):
    """Inverted dropout: drop units in training, rescale the survivors.

    Training: every element is kept independently with probability
    `1 - rate`, `m_i ~ Bernoulli(1 - rate)`, and

        y_i = m_i * x_i / (1 - rate),

    so `E[y_i] = x_i`: the expected value is preserved and inference needs
    no rescaling. Inference: `y = x` (identity). Gradient in training:
    `dy_i/dx_i = m_i / (1 - rate)`.

    Example:

    >>> import numpy as np
    >>> from custom_layers import Dropout
    >>> np.asarray(Dropout(0.5)(np.ones((1, 4)), training=False))
    array([[1., 1., 1., 1.]], dtype=float32)

    Args:
        rate: probability of dropping an element, a float in [0, 1).
        seed: int seed for the dropout masks, or None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a tensor of any shape.
        training: if True, apply dropout; otherwise return `inputs`.

    Raises:
        ValueError: if `rate` is not a float in [0, 1).
    """

    _config = ("rate", "seed")

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_number(
            "rate", rate, low=0.0, high=1.0, high_open=True
        )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        """Returns `mask * inputs / (1 - rate)` in training, else `inputs`."""
        if not training or self.rate == 0.0:
            return inputs
        uniform = keras.random.uniform(
            ops.shape(inputs),
            dtype=self.compute_dtype,
            seed=self.seed_generator,
        )
        kept = ops.multiply(inputs, 1.0 / (1.0 - self.rate))
        return ops.where(
            ops.greater_equal(uniform, self.rate), kept, ops.zeros_like(kept)
        )
