"""Softsign activation."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor
from custom_layers.activations._base import ElementwiseActivation


@keras.saving.register_keras_serializable(package="custom_layers")
class Softsign(ElementwiseActivation):
    """Softsign `f(x) = x / (1 + |x|)`.

    Derivative: `f'(x) = 1 / (1 + |x|)^2`. Output in (-1, 1), approached
    polynomially. Finite for every finite `x` (`|x| + 1` cannot overflow
    before `x` does).

    Example:

    >>> import numpy as np
    >>> from custom_layers import Softsign
    >>> np.asarray(Softsign()(np.array([-1.0, 0.0, 3.0]))).round(4)
    array([-0.5 ,  0.  ,  0.75], dtype=float32)

    Args:
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `inputs / (1 + |inputs|)`."""
        return ops.softsign(inputs)
