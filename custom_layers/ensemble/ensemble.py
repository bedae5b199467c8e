"""Ensemble of member layers or models: their mean, or their vote."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import keras
from keras import ops

from custom_layers._common import Shape, Tensor
from custom_layers.activations import (
    ActivationSpec,
    optional_activation,
    serialize_activation,
)


@keras.saving.register_keras_serializable(package="custom_layers")
class Ensemble(keras.layers.Layer):
    """Averages the outputs of `K` members: `y = 1/K * sum_k g(f_k(x))`.

    `g` is `member_activation` (identity by default). For regression the
    members output values and `y` is their mean. For classification `y` is
    the mean of the members' probabilities: give members that end in
    sigmoid/softmax, or members that output logits and
    `member_activation="sigmoid"` / `"softmax"` (averaging probabilities,
    not logits). Each member keeps its own weights; all see the same input.

    With `combine="vote"` (classification), each member votes for its most
    probable class (a sigmoid output: the positive class when above 0.5)
    and `y_c = (v_c + p_c) / (K + 1)`, with `v_c` the votes for class c and
    `p_c` the members' mean probability: the majority class is the most
    probable one, ties going to the higher mean probability, and `y` still
    sums to one over the classes.

    Why it helps: for squared error, with `f_bar` the mean,
    `1/K sum_k (f_k - y)^2 = (f_bar - y)^2 + 1/K sum_k (f_k - f_bar)^2`,
    so the ensemble's error is the members' average error minus their
    disagreement (the ambiguity decomposition): never worse than the average
    member, better the more the members disagree.

    Example:

    >>> import numpy as np, keras
    >>> from custom_layers import Ensemble
    >>> members = [keras.layers.Dense(1, kernel_initializer=c)
    ...            for c in ("ones", "zeros")]
    >>> np.asarray(Ensemble(members)(np.array([[1.0, 2.0]])))
    array([[1.5]], dtype=float32)

    Args:
        members: the member layers or models, all with the same output
            shape for the same input.
        member_activation: applied to every member's output before the mean.
        combine: "mean" (the default) or "vote".
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: what every member takes.
        training: passed to every member.

    Raises:
        ValueError: if `members` is empty, or `combine` unknown.
    """

    def __init__(
        self,
        members: Sequence[keras.layers.Layer | dict],
        member_activation: ActivationSpec = None,
        combine: str = "mean",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not members:
            raise ValueError(
                "Ensemble needs at least one member layer or model. "
                f"Received: members={members!r}"
            )
        if combine not in ("mean", "vote"):
            raise ValueError(
                "combine must be 'mean' or 'vote'. Received: "
                f"combine={combine!r}"
            )
        self.combine = combine
        # Deserializing a Functional model consumes its config dict: copy.
        self.members = [
            keras.saving.deserialize_keras_object(copy.deepcopy(m))
            if isinstance(m, dict)
            else m
            for m in members
        ]
        self._activation_spec = member_activation
        self.member_activation = optional_activation(
            member_activation, dtype=self.dtype_policy
        )

    def build(self, input_shape: Shape) -> None:
        """Builds every member not built yet, and `member_activation`."""
        for member in self.members:
            if not member.built:
                member.build(input_shape)
        if self.member_activation is not None:
            self.member_activation.build(
                self.members[0].compute_output_shape(input_shape)
            )
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        """Returns the mean of the (activated) member outputs, or the
        vote shares (see the class)."""
        total = votes = None
        for member in self.members:
            output = member(inputs, training=training)
            if self.member_activation is not None:
                output = self.member_activation(output)
            total = output if total is None else ops.add(total, output)
            if self.combine == "vote":
                vote = _vote(output)
                votes = vote if votes is None else ops.add(votes, vote)
        k = float(len(self.members))
        if self.combine == "vote":
            return ops.divide(ops.add(votes, ops.divide(total, k)), k + 1)
        return ops.divide(total, k)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns the first member's output shape."""
        return self.members[0].compute_output_shape(input_shape)

    def get_config(self) -> dict:
        """Returns the config, with every member serialized."""
        return {
            **super().get_config(),
            "members": [
                keras.saving.serialize_keras_object(m) for m in self.members
            ],
            "member_activation": serialize_activation(
                self._activation_spec, self.member_activation
            ),
            "combine": self.combine,
        }


def _vote(probabilities: Tensor) -> Tensor:
    """One member's vote: 1 for its most probable class, 0 elsewhere (one
    sigmoid column: 1 when above 0.5)."""
    if probabilities.shape[-1] == 1:
        return ops.cast(ops.greater(probabilities, 0.5), probabilities.dtype)
    return ops.one_hot(
        ops.argmax(probabilities, axis=-1),
        probabilities.shape[-1],
        dtype=probabilities.dtype,
    )
