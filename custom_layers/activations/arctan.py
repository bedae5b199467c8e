"""Inverse tangent activation."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor
from custom_layers.activations._base import ElementwiseActivation


@keras.saving.register_keras_serializable(package="custom_layers")
class ArcTan(ElementwiseActivation):
    """Inverse tangent `f(x) = arctan(x)`.

    Derivative: `f'(x) = 1 / (1 + x^2)`. Output in (-pi/2, pi/2); it
    saturates polynomially (like `1/x`), slower than tanh's `e^-2x`.

    Example:

    >>> import numpy as np
    >>> from custom_layers import ArcTan
    >>> np.asarray(ArcTan()(np.array([-1.0, 0.0, 1.0]))).round(4)
    array([-0.7854,  0.    ,  0.7854], dtype=float32)

    Args:
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `arctan(inputs)`."""
        return ops.arctan(inputs)
