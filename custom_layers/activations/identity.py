"""Identity (linear) activation."""

from __future__ import annotations

import keras

from custom_layers._common import Tensor
from custom_layers.activations._base import ElementwiseActivation


@keras.saving.register_keras_serializable(package="custom_layers")
class Identity(ElementwiseActivation):
    """Identity `f(x) = x`, the first row of the course's table.

    Derivative: `f'(x) = 1`. A network made only of identity activations
    is a single linear map, whatever its depth.

    Example:

    >>> import numpy as np
    >>> from custom_layers import Identity
    >>> np.asarray(Identity()(np.array([-2.0, 0.0, 3.0])))
    array([-2.,  0.,  3.], dtype=float32)

    Args:
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `inputs` unchanged."""
        return inputs
