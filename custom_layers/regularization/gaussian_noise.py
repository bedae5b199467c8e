"""Additive Gaussian input noise (augmentation for tabular inputs)."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._base import ShapeKeepingLayer
from custom_layers._common import Tensor, check_number


@keras.saving.register_keras_serializable(package="custom_layers")
class GaussianNoise(ShapeKeepingLayer):
    """Adds zero-mean Gaussian noise in training: `y = x + eps`,
    `eps ~ N(0, stddev^2)` drawn per element and per batch.

    A data augmentation for (standardized) numeric inputs: every epoch sees
    slightly different copies of each row, which acts as a regularizer
    (for a linear model, like an L2 penalty of `stddev^2` per weight).
    Inference: `y = x` (identity). Gradient: `dy/dx = 1`.

    Example:

    >>> import numpy as np
    >>> from custom_layers import GaussianNoise
    >>> np.asarray(GaussianNoise(0.1)(np.ones((1, 3)), training=False))
    array([[1., 1., 1.]], dtype=float32)

    Args:
        stddev: standard deviation of the noise, a float >= 0.
        seed: int seed for the noise, or None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a tensor of any shape.
        training: if True, add noise; otherwise return `inputs`.

    Raises:
        ValueError: if `stddev` is not a finite float >= 0.
    """

    _config = ("stddev", "seed")

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = check_number("stddev", stddev, low=0.0)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        """Returns `inputs + noise` in training, else `inputs`."""
        if not training or self.stddev == 0.0:
            return inputs
        noise = keras.random.normal(
            ops.shape(inputs),
            stddev=self.stddev,
            dtype=self.compute_dtype,
            seed=self.seed_generator,
        )
        return ops.add(inputs, noise)
