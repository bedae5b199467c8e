"""Unit step (Heaviside) activation."""

from __future__ import annotations

import keras
from keras import ops

from custom_layers._common import Tensor
from custom_layers.activations._base import ElementwiseActivation


def _upstream(args: tuple, upstream: Tensor | None) -> Tensor:
    # TensorFlow and JAX pass the upstream gradient positionally, PyTorch
    # by keyword (see `keras.ops.custom_gradient`).
    return args[0] if upstream is None else upstream


@ops.custom_gradient
def _step_zero_gradient(x: Tensor) -> tuple:
    def grad(*args: Tensor, upstream: Tensor | None = None) -> Tensor:
        return ops.zeros_like(_upstream(args, upstream))

    return ops.cast(ops.greater_equal(x, 0), x.dtype), grad


@ops.custom_gradient
def _step_straight_through(x: Tensor) -> tuple:
    def grad(*args: Tensor, upstream: Tensor | None = None) -> Tensor:
        return _upstream(args, upstream)

    return ops.cast(ops.greater_equal(x, 0), x.dtype), grad


@keras.saving.register_keras_serializable(package="custom_layers")
class Step(ElementwiseActivation):
    """Unit step `f(x) = 1` for `x >= 0`, `0` for `x < 0`.

    Derivative: `f'(x) = 0` wherever it exists (every `x != 0`; at 0 the
    step jumps and has no derivative). Every gradient that flows back
    through a step is therefore 0, which is why gradient descent cannot
    train the weights in front of it: the perceptron's activation, kept
    for the table, not for training. This layer returns that gradient as
    an explicit 0 (also at `x = 0`) rather than leaving it undefined.

    With `straight_through=True` the forward pass is unchanged but the
    backward pass pretends `f'(x) = 1` (the straight-through estimator),
    which lets gradient descent train through the step.

    Example:

    >>> import numpy as np
    >>> from custom_layers import Step
    >>> np.asarray(Step()(np.array([-2.0, 0.0, 3.0])))
    array([0., 1., 1.], dtype=float32)

    Args:
        straight_through: if True, backpropagate the upstream gradient
            unchanged (derivative taken as 1) instead of 0.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    _config = ("straight_through",)

    def __init__(self, straight_through: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.straight_through = bool(straight_through)

    def call(self, inputs: Tensor) -> Tensor:
        """Returns 1 where `inputs >= 0`, 0 elsewhere."""
        if self.straight_through:
            return _step_straight_through(inputs)
        return _step_zero_gradient(inputs)
