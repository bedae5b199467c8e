"""Plain (mini-batch) gradient descent."""

from typing import Any

import keras
from keras import ops

from custom_optimizers._common import LearningRate
from custom_optimizers.base import BaseOptimizer


@keras.saving.register_keras_serializable(package="custom_optimizers")
class SGD(BaseOptimizer):
    """Mini-batch stochastic gradient descent.

    Each step moves every weight `w` against its gradient `g` (the gradient
    of the loss on the current mini-batch), scaled by the learning rate:

    ```python
    w = w - learning_rate * g
    ```

    There is no optimizer state besides the iteration count, which only a
    learning-rate schedule reads. Same trajectory as
    `keras.optimizers.SGD(learning_rate)` (with `momentum=0`).

    Example:

    >>> import keras
    >>> w = keras.Variable([1.0, 2.0])
    >>> SGD(learning_rate=0.1).apply([keras.ops.array([0.5, -1.0])], [w])
    >>> print(w.numpy())
    [0.95 2.1 ]

    Args:
        {{learning_rate}}
        {{common_args}}
    """

    def __init__(
        self, learning_rate: LearningRate = 0.01, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(learning_rate, *args, **kwargs)

    def update_step(
        self, gradient: Any, variable: keras.Variable, learning_rate: Any
    ) -> None:
        """Applies `w = w - learning_rate * g` to one variable."""
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        self.assign_sub(variable, ops.multiply(gradient, learning_rate))
