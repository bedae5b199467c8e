"""AdaGrad: per-weight learning rates from accumulated squared gradients."""

from typing import Any

import keras
from keras import ops

from custom_optimizers._common import LearningRate, check_float
from custom_optimizers.base import BaseOptimizer


@keras.saving.register_keras_serializable(package="custom_optimizers")
class AdaGrad(BaseOptimizer):
    """AdaGrad: divides each step by the root of all past squared gradients.

    `G` (one slot per weight, initially `initial_accumulator_value`) sums
    the element-wise squared gradients; epsilon sits under the root:

    ```python
    G = G + g ** 2
    w = w - learning_rate * g / sqrt(G + epsilon)
    ```

    Steep directions get small steps and flat ones large steps, so the path
    points more directly at the minimum of an elongated bowl; but `G` only
    grows, so the steps keep shrinking and may stop short on long runs.

    Same trajectory as `keras.optimizers.Adagrad(learning_rate,
    initial_accumulator_value, epsilon)`; note that Keras's default
    `initial_accumulator_value` is `0.1`, the course's (and ours) is `0`.

    Example:

    >>> import keras
    >>> w = keras.Variable([1.0, 2.0])
    >>> opt = AdaGrad(learning_rate=0.1, epsilon=0.0)
    >>> opt.apply([keras.ops.array([3.0, -0.5])], [w])  # step = 0.1 * sign(g)
    >>> print(w.numpy())
    [0.9 2.1]

    Args:
        {{learning_rate}}
        initial_accumulator_value: Float `>= 0`, the starting value of `G`.
            Defaults to `0.0`.
        epsilon: Float `>= 0` added to `G` under the square root, so that
            the first step is finite. Defaults to `1e-7`.
        {{common_args}}

    Raises:
        ValueError: If `initial_accumulator_value` or `epsilon` is negative.
    """

    _slots = {"accumulators": "G"}
    _hyperparameters = ("initial_accumulator_value", "epsilon")

    def __init__(
        self,
        learning_rate: LearningRate = 0.01,
        initial_accumulator_value: float = 0.0,
        epsilon: float = 1e-7,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, *args, **kwargs)
        self.initial_accumulator_value = check_float(
            "initial_accumulator_value", initial_accumulator_value, low=0.0
        )
        self.epsilon = check_float("epsilon", epsilon, low=0.0)

    def _slot_initializer(self, slot: str) -> keras.initializers.Initializer:
        """`G` starts at `initial_accumulator_value`."""
        return keras.initializers.Constant(self.initial_accumulator_value)

    def update_step(
        self, gradient: Any, variable: keras.Variable, learning_rate: Any
    ) -> None:
        """Applies `G = G + g**2; w = w - lr * g / sqrt(G + eps)`."""
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        accumulator = self.accumulators[self._get_variable_index(variable)]
        self.assign_add(accumulator, ops.square(gradient))
        self._descend(variable, gradient, learning_rate, accumulator)
