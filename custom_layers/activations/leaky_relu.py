"""Leaky rectified linear unit."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor, check_number
from custom_layers.activations._base import ElementwiseActivation


def leaky_relu(x: Tensor, slope: float) -> Tensor:
    """Returns `x` where `x > 0`, else `slope * x`, exact in any dtype.

    The fused `keras.ops.leaky_relu` is fastest, but TensorFlow's kernel
    holds the slope as a float32 attribute (0.01 becomes 0.0099999998),
    which float64 layers would inherit; they use `where` instead.
    """
    if keras.backend.standardize_dtype(x.dtype) == "float64":
        return ops.where(ops.greater(x, 0), x, ops.multiply(x, slope))
    return ops.leaky_relu(x, negative_slope=slope)


@keras.saving.register_keras_serializable(package="custom_layers")
class LeakyReLU(ElementwiseActivation):
    """Leaky ReLU `f(x) = x` for `x > 0`, `alpha * x` otherwise.

    Derivative: `f'(x) = 1` for `x > 0`, `alpha` for `x < 0` (and `alpha`
    at 0 here). The small slope keeps a gradient flowing for negative inputs.

    The course's default slope is `alpha = 0.01`; note that
    `keras.layers.LeakyReLU` defaults to `negative_slope=0.3`.

    Example:

    >>> import numpy as np
    >>> from custom_layers import LeakyReLU
    >>> np.asarray(LeakyReLU(alpha=0.1)(np.array([-2.0, 0.0, 3.0])))
    array([-0.2,  0. ,  3. ], dtype=float32)

    Args:
        alpha: slope for negative inputs, a float >= 0.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Raises:
        ValueError: if `alpha` is not a finite float >= 0.
    """

    _config = ("alpha",)

    def __init__(self, alpha: float = 0.01, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number("alpha", alpha, low=0.0)

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `inputs` where positive, `alpha * inputs` elsewhere."""
        return leaky_relu(inputs, self.alpha)
