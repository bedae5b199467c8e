"""Fully connected layer with the course's initializations and activations."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Shape, Tensor, check_positive_int
from custom_layers.activations import (
    ActivationSpec,
    optional_activation,
    serialize_activation,
)
from custom_layers.initializers import get_initializer, serialize_initializer

InitializerSpec = str | dict | keras.initializers.Initializer


@keras.saving.register_keras_serializable(package="custom_layers")
class Dense(keras.layers.Layer):
    """Fully connected layer `y = f(x W + b)`.

    `W` has shape `(n_in, units)` and is drawn by `kernel_initializer`, by
    default He normal, `W_ij ~ N(0, 2 / n_in)`, the variance that keeps the
    activations' scale through ReLU layers. The course's other schemes are
    available by name (see `custom_layers.initializers`): "glorot_normal" /
    "xavier_normal", "glorot_uniform" / "xavier_uniform", "he_uniform",
    "lecun_normal" / "scaled_normal", "lecun_uniform", "small_normal".
    `b` starts at 0. `f` is any name of `custom_layers.ACTIVATIONS`, a
    Keras activation name, or a layer; None means no activation.

    Gradients: `dy/db = f'(z)`, `dy/dW = x^T f'(z)`, `dy/dx = f'(z) W^T`
    with `z = x W + b`. Inputs of rank > 2 are mapped on their last axis.

    Example:

    >>> import numpy as np
    >>> from custom_layers import Dense
    >>> layer = Dense(2, activation="relu", kernel_initializer="ones")
    >>> np.asarray(layer(np.array([[1.0, -3.0]])))
    array([[0., 0.]], dtype=float32)

    Args:
        units: number of outputs, a positive integer.
        activation: activation name, config, callable or layer, or None.
        kernel_initializer: initializer name (course or Keras) or instance.
        use_bias: whether to add the bias `b`.
        bias_initializer: initializer for `b`.
        kernel_regularizer: optional regularizer for `W` (e.g. "l2").
        bias_regularizer: optional regularizer for `b`.
        seed: int seed for the course's kernel initializers, or None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Raises:
        ValueError: if `units` is not a positive integer, or an activation
            or initializer name is unknown.
    """

    def __init__(
        self,
        units: int,
        activation: ActivationSpec = None,
        kernel_initializer: InitializerSpec = "he_normal",
        use_bias: bool = True,
        bias_initializer: InitializerSpec = "zeros",
        kernel_regularizer: str | keras.regularizers.Regularizer | None = None,
        bias_regularizer: str | keras.regularizers.Regularizer | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self._activation_spec = activation
        self.activation = optional_activation(
            activation, dtype=self.dtype_policy
        )
        self._kernel_initializer_spec = kernel_initializer
        self.kernel_initializer = get_initializer(kernel_initializer, seed)
        self.use_bias = bool(use_bias)
        self._bias_initializer_spec = bias_initializer
        self.bias_initializer = get_initializer(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.seed = seed
        self.supports_masking = True

    def build(self, input_shape: Shape) -> None:
        """Creates `kernel` `(n_in, units)`, `bias` and the activation's
        weights."""
        n_in = input_shape[-1]
        if n_in is None:
            raise ValueError(
                "Dense needs the last input axis known. "
                f"Received: input_shape={input_shape}"
            )
        self.kernel = self.add_weight(
            shape=(n_in, self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.bias = (
            self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
            )
            if self.use_bias
            else None
        )
        if self.activation is not None and not self.activation.built:
            self.activation.build(self.compute_output_shape(input_shape))
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        """Returns `activation(inputs @ kernel + bias)`."""
        outputs = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs, training=training)
        return outputs

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns `input_shape` with the last axis replaced by `units`."""
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        """Returns the config; names are stored as given."""
        return {
            **super().get_config(),
            "units": self.units,
            "activation": serialize_activation(
                self._activation_spec, self.activation
            ),
            "kernel_initializer": serialize_initializer(
                self._kernel_initializer_spec, self.kernel_initializer
            ),
            "use_bias": self.use_bias,
            "bias_initializer": serialize_initializer(
                self._bias_initializer_spec, self.bias_initializer
            ),
            "kernel_regularizer": keras.regularizers.serialize(
                self.kernel_regularizer
            ),
            "bias_regularizer": keras.regularizers.serialize(
                self.bias_regularizer
            ),
            "seed": self.seed,
        }
