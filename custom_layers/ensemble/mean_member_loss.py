"""TabM's training loss: the mean of the members' losses."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor


@keras.saving.register_keras_serializable(package="custom_layers")
class MeanMemberLoss(keras.losses.Loss):
    """`loss` of each of the k members' predictions, averaged over them.

    Given member predictions `(batch, k, ...)` (an `EnsembleMean` with
    `members_in_training` in a training call), each member is scored
    against the same target and the k losses averaged: TabM trains every
    member, not the mean prediction. Given the averaged prediction
    `(batch, ...)` (inference, validation), it is `loss` of that average,
    the ensemble's own loss.

    Example:

    >>> import numpy as np
    >>> loss = MeanMemberLoss(keras.losses.MeanSquaredError())
    >>> members = np.array([[[1.0], [3.0]]])  # one row, two members
    >>> float(loss(np.array([[0.0]]), members))  # (1 + 9) / 2
    5.0
    >>> float(loss(np.array([[0.0]]), members.mean(axis=1)))  # 2 ** 2
    4.0

    Args:
        loss: a Keras loss (its `call` gives one value per row).
        **kwargs: base `keras.losses.Loss` arguments (`name`, `reduction`).
    """

    def __init__(self, loss: keras.losses.Loss, **kwargs):
        kwargs.setdefault("name", f"mean_member_{loss.name}")
        super().__init__(**kwargs)
        self.loss = loss

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """Per-row losses: averaged over the members when there are some."""
        y_true = ops.convert_to_tensor(y_true, y_pred.dtype)
        if len(y_true.shape) == 1:
            y_true = ops.expand_dims(y_true, -1)
        if len(y_pred.shape) == len(y_true.shape):
            return self.loss.call(y_true, y_pred)
        members = ops.shape(y_pred)[1]
        y_true = ops.repeat(ops.expand_dims(y_true, 1), members, axis=1)
        return ops.mean(self.loss.call(y_true, y_pred), axis=1)

    def get_config(self) -> dict:
        """Returns the config, the inner loss serialized."""
        return {
            **super().get_config(),
            "loss": keras.losses.serialize(self.loss),
        }

    @classmethod
    def from_config(cls, config: dict) -> MeanMemberLoss:
        """Rebuilds the loss, the inner one deserialized."""
        config = dict(config)
        config["loss"] = keras.losses.deserialize(config["loss"])
        return cls(**config)
