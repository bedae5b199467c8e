"""Exponential linear unit."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor, check_number
from custom_layers.activations._base import ElementwiseActivation


@keras.saving.register_keras_serializable(package="custom_layers")
class ELU(ElementwiseActivation):
    """Exponential linear unit `f(x) = x` for `x > 0`, else
    `alpha * (e^x - 1)`.

    Derivative: `f'(x) = 1` for `x > 0`, `alpha * e^x = f(x) + alpha`
    otherwise. Saturates to `-alpha` for very negative `x`.

    `keras.ops.elu` evaluates `e^x` only on the negative branch (a fused
    kernel on TensorFlow), so `x = 1e4` neither overflows nor poisons the
    gradient with `inf * 0 = nan`, the failure of a naive
    `where(x > 0, x, alpha * (exp(x) - 1))`.

    Example:

    >>> import numpy as np
    >>> from custom_layers import ELU
    >>> np.asarray(ELU(alpha=2.0)(np.array([-1.0, 0.0, 3.0]))).round(4)
    array([-1.2642,  0.    ,  3.    ], dtype=float32)

    Args:
        alpha: scale of the negative branch, a float >= 0.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Raises:
        ValueError: if `alpha` is not a finite float >= 0.
    """

    _config = ("alpha",)

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number("alpha", alpha, low=0.0)

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `inputs` where positive, `alpha * (e^inputs - 1)` else."""
        return ops.elu(inputs, alpha=self.alpha)
