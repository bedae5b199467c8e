"""Logistic sigmoid with a steepness parameter."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor, check_number
from custom_layers.activations._base import ElementwiseActivation


@keras.saving.register_keras_serializable(package="custom_layers")
class Sigmoid(ElementwiseActivation):
    """Logistic sigmoid `f(x) = 1 / (1 + exp(-alpha * x))`.

    Derivative: `f'(x) = alpha * f(x) * (1 - f(x))`, at most `alpha / 4`
    (at `x = 0`) and vanishing for large `|x|`. Output in (0, 1).

    Evaluated with `keras.ops.sigmoid(alpha * x)`, whose backends use the
    stable split `exp(-|z|)` form: no overflow at `x = +-1e4`; the value
    saturates to exactly 0 or 1 and the gradient to 0.

    Example:

    >>> import numpy as np
    >>> from custom_layers import Sigmoid
    >>> np.asarray(Sigmoid(alpha=2.0)(np.array([-1.0, 0.0, 1.0]))).round(4)
    array([0.1192, 0.5   , 0.8808], dtype=float32)

    Args:
        alpha: steepness, a float > 0. `alpha = 1` is the standard sigmoid.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Raises:
        ValueError: if `alpha` is not a finite float > 0.
    """

    _config = ("alpha",)

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number("alpha", alpha, low=0.0, low_open=True)

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `sigmoid(alpha * inputs)`."""
        if self.alpha != 1.0:
            inputs = ops.multiply(inputs, self.alpha)
        return ops.sigmoid(inputs)
