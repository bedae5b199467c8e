"""Layer normalization (Ba, Kiros and Hinton, 2016)."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._base import ShapeKeepingLayer
from custom_layers._common import Shape, Tensor, check_number
from custom_layers.normalization._axis import resolve_axis


@keras.saving.register_keras_serializable(package="custom_layers")
class LayerNorm(ShapeKeepingLayer):
    """Layer normalization: each example normalized over its own features.

    For one example with features `x_1..x_H` (along `axis`):

        mu      = 1/H * sum_j x_j
        sigma2  = 1/H * sum_j (x_j - mu)^2
        y_j     = gamma_j * (x_j - mu) / sqrt(sigma2 + epsilon) + beta_j

    No batch statistics and no moving averages: training and inference
    compute the same function, and batch size 1 works.

    Example:

    >>> import numpy as np
    >>> from custom_layers import LayerNorm
    >>> np.asarray(LayerNorm(epsilon=1e-6)(np.array([[1.0, 3.0]]))).round(4)
    array([[-1.,  1.]], dtype=float32)

    Args:
        epsilon: added to the variance before the square root, a float > 0.
        axis: the feature axis normalized over (one `gamma`, `beta` per
            index along it).
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Raises:
        ValueError: for `epsilon <= 0` or an `axis` that is not a known
            non-batch axis.
    """

    _config = ("epsilon", "axis")

    def __init__(self, epsilon: float = 1e-3, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = check_number("epsilon", epsilon, 0.0, low_open=True)
        self.axis = int(axis)
        self.supports_masking = True

    def build(self, input_shape: Shape) -> None:
        """Creates `gamma` (1) and `beta` (0), one per feature."""
        index = resolve_axis(self.axis, input_shape, "LayerNorm")
        rank = len(input_shape)
        self._index = index
        self._broadcast_shape = [1] * rank
        self._broadcast_shape[index] = input_shape[index]
        self._feature_last = index == rank - 1
        shape = (input_shape[index],)
        self.gamma = self.add_weight(
            shape=shape, name="gamma", initializer="ones"
        )
        self.beta = self.add_weight(
            shape=shape, name="beta", initializer="zeros"
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        """Normalizes every example over its features, then scales/shifts."""
        dtype = keras.backend.result_type(inputs.dtype, "float32")
        inputs = ops.cast(inputs, dtype)
        gamma = ops.cast(self.gamma, dtype)
        beta = ops.cast(self.beta, dtype)
        if not self._feature_last:
            gamma = ops.reshape(gamma, self._broadcast_shape)
            beta = ops.reshape(beta, self._broadcast_shape)
        mean, variance = ops.moments(inputs, axes=[self._index], keepdims=True)
        scale = ops.rsqrt(variance + self.epsilon) * gamma
        outputs = inputs * scale + (beta - mean * scale)
        return ops.cast(outputs, self.compute_dtype)
