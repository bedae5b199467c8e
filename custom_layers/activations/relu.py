"""Rectified linear unit."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor
from custom_layers.activations._base import ElementwiseActivation


@keras.saving.register_keras_serializable(package="custom_layers")
class ReLU(ElementwiseActivation):
    """Rectified linear unit `f(x) = max(0, x)`.

    Derivative: `f'(x) = 1` for `x > 0`, `0` for `x < 0`; undefined at 0,
    where the backends (and this layer) use 0.

    Example:

    >>> import numpy as np
    >>> from custom_layers import ReLU
    >>> np.asarray(ReLU()(np.array([-2.0, 0.0, 3.0])))
    array([0., 0., 3.], dtype=float32)

    Args:
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `max(0, inputs)`."""
        return ops.relu(inputs)
