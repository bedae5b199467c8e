"""Batch normalization, as Ioffe and Szegedy (2015) state it."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._base import ShapeKeepingLayer
from custom_layers._common import Shape, Tensor, check_number
from custom_layers.normalization._axis import resolve_axis


@keras.saving.register_keras_serializable(package="custom_layers")
class BatchNorm(ShapeKeepingLayer):
    """Batch normalization with learned scale and shift.

    Training, for a mini-batch `B = {x_1..x_m}` and each feature:

        mu_B      = 1/m * sum_i x_i
        sigma2_B  = 1/m * sum_i (x_i - mu_B)^2
        x_hat_i   = (x_i - mu_B) / sqrt(sigma2_B + epsilon)
        y_i       = gamma * x_hat_i + beta

    and the exponential moving averages are updated:

        moving_mean <- momentum * moving_mean + (1 - momentum) * mu_B
        moving_var  <- momentum * moving_var  + (1 - momentum) * sigma2_B

    starting from 0 and 1, so after `N` steps (batch `k` at step `k`)
    `moving_mean = (1 - momentum) * sum_k momentum^(N-k) * mu_k` and
    `moving_var = momentum^N + (1 - momentum) * sum_k momentum^(N-k) *
    sigma2_k`. Inference uses `moving_mean` and `moving_variance` in place of
    `mu_B` and `sigma2_B`: each example's output depends on it alone.

    `y` is computed as `x * s + (beta - mu * s)` with
    `s = gamma / sqrt(sigma2 + epsilon)`, the same value in two big
    element-wise operations instead of four. Statistics reduce over every
    axis but `axis` (e.g. batch and time for `(batch, time, features)`).
    The moving variance averages the biased `sigma2_B`, as Keras does
    (the paper's inference variance uses the unbiased `m / (m - 1)`
    correction). Like `keras.layers.BatchNormalization`, a layer with
    `trainable=False` runs in inference mode even when `training=True`.

    Example:

    >>> import numpy as np
    >>> from custom_layers import BatchNorm
    >>> x = np.array([[1.0], [3.0]])
    >>> np.asarray(BatchNorm(epsilon=1e-6)(x, training=True)).round(4)
    array([[-1.],
           [ 1.]], dtype=float32)

    Args:
        momentum: weight of the old value in the moving averages, a float
            in [0, 1].
        epsilon: added to the variance before the square root, a float > 0.
        axis: the feature axis (one `gamma`, `beta` per index along it).
        synchronized: under a `tf.distribute` strategy with several
            replicas (TensorFlow backend), compute the batch statistics over
            the global batch, all replicas together, so that the replicas
            normalize as one process would (`keras.ops.moments`'
            `synchronized`). Masked statistics stay per replica.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a tensor of rank >= 2.
        training: if True, normalize with the batch statistics and update the
            moving averages; otherwise normalize with the moving averages.
        mask: optional boolean tensor of `inputs.shape[:-1]`; in training,
            only positions where it is True enter the batch statistics.

    Raises:
        ValueError: for `momentum` outside [0, 1], `epsilon <= 0`, or an
            `axis` that is not a known non-batch axis.
    """

    _config = ("momentum", "epsilon", "axis", "synchronized")

    def __init__(
        self,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        axis: int = -1,
        synchronized: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.momentum = check_number("momentum", momentum, low=0.0, high=1.0)
        self.epsilon = check_number("epsilon", epsilon, 0.0, low_open=True)
        self.axis = int(axis)
        self.synchronized = bool(synchronized)
        self.supports_masking = True

    def build(self, input_shape: Shape) -> None:
        """Creates `gamma` (1), `beta` (0) and the moving statistics."""
        index = resolve_axis(self.axis, input_shape, "BatchNorm")
        rank = len(input_shape)
        self._reduction_axes = [i for i in range(rank) if i != index]
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
        self.moving_mean = self.add_weight(
            shape=shape,
            name="moving_mean",
            initializer="zeros",
            trainable=False,
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            name="moving_variance",
            initializer="ones",
            trainable=False,
        )
        self.built = True

    def _moments(self, inputs: Tensor, mask: Tensor | None) -> tuple:
        if mask is None:
            return ops.moments(
                inputs,
                axes=self._reduction_axes,
                synchronized=self.synchronized,
            )
        weights = ops.cast(ops.expand_dims(mask, -1), inputs.dtype)
        weights = ops.broadcast_to(weights, ops.shape(inputs))
        count = ops.sum(weights, axis=self._reduction_axes)
        count = ops.maximum(count, 1.0)
        mean = ops.sum(inputs * weights, axis=self._reduction_axes) / count
        centred = (inputs - ops.reshape(mean, self._broadcast_shape)) * weights
        variance = ops.sum(ops.square(centred), axis=self._reduction_axes)
        return mean, variance / count

    def call(
        self,
        inputs: Tensor,
        training: bool | None = False,
        mask: Tensor | None = None,
    ) -> Tensor:
        """Normalizes `inputs` (see the class docstring for the formulas)."""
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(
                "BatchNorm's mask must have one axis fewer than its inputs. "
                f"Received: mask.shape={mask.shape}, "
                f"inputs.shape={inputs.shape}"
            )
        dtype = keras.backend.result_type(inputs.dtype, "float32")
        inputs = ops.cast(inputs, dtype)
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            keep = self.momentum
            self.moving_mean.assign(
                ops.cast(self.moving_mean, dtype) * keep + mean * (1.0 - keep)
            )
            self.moving_variance.assign(
                ops.cast(self.moving_variance, dtype) * keep
                + variance * (1.0 - keep)
            )
        else:
            mean = ops.cast(self.moving_mean, dtype)
            variance = ops.cast(self.moving_variance, dtype)
        scale = ops.cast(self.gamma, dtype) * ops.rsqrt(variance + self.epsilon)
        shift = ops.cast(self.beta, dtype) - mean * scale
        if not self._feature_last:
            scale = ops.reshape(scale, self._broadcast_shape)
            shift = ops.reshape(shift, self._broadcast_shape)
        outputs = inputs * scale + shift
        return ops.cast(outputs, self.compute_dtype)
