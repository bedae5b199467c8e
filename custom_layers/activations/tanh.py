"""Hyperbolic tangent."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor
from custom_layers.activations._base import ElementwiseActivation


@keras.saving.register_keras_serializable(package="custom_layers")
class Tanh(ElementwiseActivation):
    """Hyperbolic tangent `f(x) = (e^x - e^-x) / (e^x + e^-x)`.

    Derivative: `f'(x) = 1 - f(x)^2`, equal to 1 at `x = 0`. Output in
    (-1, 1); `tanh(x) = 2 * sigmoid(2x) - 1`, a zero-centred sigmoid.
    Saturates to exactly +-1 (gradient 0) for large `|x|`, with no overflow.

    Example:

    >>> import numpy as np
    >>> from custom_layers import Tanh
    >>> np.asarray(Tanh()(np.array([-1.0, 0.0, 1.0]))).round(4)
    array([-0.7616,  0.    ,  0.7616], dtype=float32)

    Args:
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `tanh(inputs)`."""
        return ops.tanh(inputs)
