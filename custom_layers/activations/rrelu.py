"""Randomized leaky rectified linear unit."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor, check_number
from custom_layers.activations._base import ElementwiseActivation
from custom_layers.activations.leaky_relu import leaky_relu


@keras.saving.register_keras_serializable(package="custom_layers")
class RReLU(ElementwiseActivation):
    """Randomized leaky ReLU: `f(x) = x` for `x >= 0`, `a * x` otherwise.

    In training, the slope `a ~ U(lower, upper)` is drawn independently for
    every element of every batch; at inference it is the mean slope
    `a = (lower + upper) / 2`, so inference is a leaky ReLU.

    Derivative: `f'(x) = 1` for `x > 0`, `a` (the drawn slope) for `x < 0`.

    The default range [1/8, 1/3] is Xu et al.'s (2015) and PyTorch's
    `RReLU`; the course notes name RReLU without a range.

    Example:

    >>> import numpy as np
    >>> from custom_layers import RReLU
    >>> layer = RReLU(lower=0.1, upper=0.3)
    >>> np.asarray(layer(np.array([-2.0, 3.0]), training=False)).round(4)
    array([-0.4,  3. ], dtype=float32)

    Args:
        lower: smallest slope, a float >= 0.
        upper: largest slope, a float >= `lower`.
        seed: int seed for the slopes drawn in training, or None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a tensor of any shape.
        training: if True, draw random slopes; otherwise use the mean slope.

    Raises:
        ValueError: if `lower < 0` or `upper < lower`.
    """

    _config = ("lower", "upper", "seed")

    def __init__(
        self,
        lower: float = 1.0 / 8.0,
        upper: float = 1.0 / 3.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.lower = check_number("lower", lower, low=0.0)
        self.upper = check_number("upper", upper, low=self.lower)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def mean_slope(self) -> float:
        """The inference slope `(lower + upper) / 2`."""
        return (self.lower + self.upper) / 2.0

    def call(self, inputs: Tensor, training: bool | None = False) -> Tensor:
        """Applies random slopes in training, the mean slope otherwise."""
        if not training:
            return leaky_relu(inputs, self.mean_slope)
        slope = keras.random.uniform(
            ops.shape(inputs),
            minval=self.lower,
            maxval=self.upper,
            dtype=self.compute_dtype,
            seed=self.seed_generator,
        )
        return ops.where(
            ops.greater_equal(inputs, 0), inputs, ops.multiply(slope, inputs)
        )
