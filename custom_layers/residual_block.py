"""Residual (skip-connection) block for MLPs."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import (
    Shape,
    Tensor,
    check_number,
    check_positive_int,
)
from custom_layers.activations import (
    ActivationSpec,
    get_activation,
    serialize_activation,
)
from custom_layers.dense import Dense, InitializerSpec
from custom_layers.initializers import serialize_initializer
from custom_layers.normalization import BatchNorm, LayerNorm
from custom_layers.regularization import Dropout

_NORMALIZATIONS = {"batch": BatchNorm, "layer": LayerNorm}


@keras.saving.register_keras_serializable(package="custom_layers")
class ResidualBlock(keras.layers.Layer):
    """Residual block `y = f(F(x) + P x)`, the skip connection of ResNets.

    The residual branch is two dense layers,

        F(x) = N2(D2(drop(f(N1(D1(x))))))

    with `D1, D2` dense layers of `units` outputs, `N1, N2` the optional
    normalization ("batch" or "layer"), `f` the activation and `drop`
    dropout. `P` is the identity when the input already has `units`
    features, otherwise a learned projection (a dense layer without bias).

    The block can learn the identity: with `D2`'s kernel and bias at 0 (or
    `N2`'s `gamma` and `beta` at 0) `F(x) = 0`, so `y = f(x)`, which is `x`
    for `activation="identity"` and for ReLU on the non-negative outputs of
    a previous ReLU block. Gradients reach `x` through the `+ x` path
    unscaled: `dy/dx = f'(.) (dF/dx + P)`.

    Example:

    >>> import numpy as np
    >>> from custom_layers import ResidualBlock
    >>> block = ResidualBlock(3, activation="identity")
    >>> tuple(block(np.zeros((1, 3))).shape)
    (1, 3)

    Args:
        units: width of the block's output, a positive integer.
        activation: name, config, callable or layer (see `get_activation`);
            used inside the branch and after the sum (separate instances).
        normalization: None, "batch" (`BatchNorm`) or "layer" (`LayerNorm`).
        dropout: dropout rate inside the branch, a float in [0, 1).
        kernel_initializer: for the dense layers (see `Dense`).
        kernel_regularizer: for the kernels of the dense layers and the
            projection (e.g. L1/L2), or None.
        synchronized: batch statistics over all replicas of a
            `tf.distribute` strategy (see `BatchNorm`).
        seed: int seed for initializers and dropout, or None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a tensor `(..., n_in)`.
        training: passed to normalization, dropout and random activations.

    Raises:
        ValueError: for a bad `units`, `dropout` or `normalization`.
    """

    def __init__(
        self,
        units: int,
        activation: ActivationSpec = "relu",
        normalization: str | None = None,
        dropout: float = 0.0,
        kernel_initializer: InitializerSpec = "he_normal",
        kernel_regularizer: str | keras.regularizers.Regularizer | None = None,
        synchronized: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        if normalization is not None and normalization not in _NORMALIZATIONS:
            raise ValueError(
                "Invalid value received for argument `normalization`. "
                'Expected None, "batch" or "layer". '
                f"Received: normalization={normalization!r}"
            )
        self.normalization = normalization
        self.dropout = check_number(
            "dropout", dropout, low=0.0, high=1.0, high_open=True
        )
        self.seed = seed
        self.synchronized = bool(synchronized)
        self._activation_spec = activation
        self._kernel_initializer_spec = kernel_initializer
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        policy = self.dtype_policy

        def seed_at(offset: int) -> int | None:
            return None if seed is None else seed + offset

        def dense(name: str, offset: int, use_bias: bool = True) -> Dense:
            return Dense(
                units,
                kernel_initializer=kernel_initializer,
                kernel_regularizer=self.kernel_regularizer,
                use_bias=use_bias,
                seed=seed_at(offset),
                dtype=policy,
                name=name,
            )

        def norm(name: str) -> keras.layers.Layer | None:
            if normalization is None:
                return None
            if normalization == "batch":
                return BatchNorm(
                    synchronized=self.synchronized, dtype=policy, name=name
                )
            return _NORMALIZATIONS[normalization](dtype=policy, name=name)

        self.dense_1 = dense("dense_1", 0)
        self.norm_1 = norm("norm_1")
        self.inner_activation = get_activation(activation, dtype=policy)
        if isinstance(activation, keras.layers.Layer):
            # One instance cannot serve twice with separate weights.
            self.outer_activation = keras.saving.deserialize_keras_object(
                keras.saving.serialize_keras_object(activation)
            )
        else:
            self.outer_activation = get_activation(activation, dtype=policy)
        self.dropout_layer = (
            Dropout(self.dropout, seed=seed_at(2), dtype=policy, name="dropout")
            if self.dropout > 0.0
            else None
        )
        self.dense_2 = dense("dense_2", 1)
        self.norm_2 = norm("norm_2")
        self.projection = None
        self.kernel_initializer = self.dense_1.kernel_initializer
        self.supports_masking = True

    def build(self, input_shape: Shape) -> None:
        """Builds the branch and, if `n_in != units`, the projection."""
        n_in = input_shape[-1]
        inner_shape = tuple(input_shape[:-1]) + (self.units,)
        self.dense_1.build(input_shape)
        if self.norm_1 is not None:
            self.norm_1.build(inner_shape)
        self.inner_activation.build(inner_shape)
        self.dense_2.build(inner_shape)
        if self.norm_2 is not None:
            self.norm_2.build(inner_shape)
        self.outer_activation.build(inner_shape)
        if n_in != self.units:
            self.projection = Dense(
                self.units,
                kernel_initializer=self._kernel_initializer_spec,
                kernel_regularizer=self.kernel_regularizer,
                use_bias=False,
                seed=None if self.seed is None else self.seed + 3,
                dtype=self.dtype_policy,
                name="projection",
            )
            self.projection.build(input_shape)
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        """Returns `activation(F(inputs) + shortcut(inputs))`."""
        h = self.dense_1(inputs)
        if self.norm_1 is not None:
            h = self.norm_1(h, training=training)
        h = self.inner_activation(h, training=training)
        if self.dropout_layer is not None:
            h = self.dropout_layer(h, training=training)
        h = self.dense_2(h)
        if self.norm_2 is not None:
            h = self.norm_2(h, training=training)
        shortcut = (
            inputs if self.projection is None else self.projection(inputs)
        )
        return self.outer_activation(ops.add(h, shortcut), training=training)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns `input_shape` with the last axis replaced by `units`."""
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        """Returns the config; names are stored as given."""
        return {
            **super().get_config(),
            "units": self.units,
            "activation": serialize_activation(
                self._activation_spec, self.inner_activation
            ),
            "normalization": self.normalization,
            "dropout": self.dropout,
            "kernel_initializer": serialize_initializer(
                self._kernel_initializer_spec, self.kernel_initializer
            ),
            "kernel_regularizer": keras.regularizers.serialize(
                self.kernel_regularizer
            ),
            "synchronized": self.synchronized,
            "seed": self.seed,
        }
