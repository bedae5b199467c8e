"""Mean over the member axis of a batch ensemble."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Shape, Tensor
from custom_layers.activations import (
    ActivationSpec,
    optional_activation,
    serialize_activation,
)


@keras.saving.register_keras_serializable(package="custom_layers")
class EnsembleMean(keras.layers.Layer):
    """Averages `(batch, k, ...)` member outputs over the member axis 1:
    `y = 1/k * sum_i g(h[:, i])`.

    The head of a `BatchEnsembleDense` stack; `g` (`member_activation`,
    e.g. "softmax" on logits) is applied before the mean, so classifiers
    average probabilities.

    With `members_in_training`, a training call returns the activated
    members `(batch, k, ...)` unaveraged, for a loss that scores each member
    (`MeanMemberLoss`, TabM's training); inference still averages, and the
    symbolic output shape is the average's.

    Example:

    >>> import numpy as np
    >>> from custom_layers import EnsembleMean
    >>> np.asarray(EnsembleMean()(np.array([[[1.0], [3.0]]])))
    array([[2.]], dtype=float32)

    Args:
        member_activation: applied per member before the mean, or None.
        members_in_training: skip the mean in training calls.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    def __init__(
        self,
        member_activation: ActivationSpec = None,
        members_in_training: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.members_in_training = bool(members_in_training)
        self._activation_spec = member_activation
        self.member_activation = optional_activation(
            member_activation, dtype=self.dtype_policy
        )

    def build(self, input_shape: Shape) -> None:
        """Builds `member_activation` (e.g. a PReLU) if it has weights."""
        if self.member_activation is not None:
            self.member_activation.build(input_shape)
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        """Returns the mean over axis 1 of the activated inputs (the
        activated inputs themselves in training, if so configured)."""
        if self.member_activation is not None:
            inputs = self.member_activation(inputs)
        if training and self.members_in_training:
            return inputs
        return ops.mean(inputs, axis=1)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns `input_shape` without axis 1."""
        return (input_shape[0],) + tuple(input_shape[2:])

    def get_config(self) -> dict:
        """Returns the config, including `member_activation`."""
        return {
            **super().get_config(),
            "member_activation": serialize_activation(
                self._activation_spec, self.member_activation
            ),
            "members_in_training": self.members_in_training,
        }
