"""Gradient descent with (heavy-ball) momentum."""

from typing import Any

import keras
from keras import ops

from custom_optimizers._common import LearningRate, check_float
from custom_optimizers.base import BaseOptimizer


@keras.saving.register_keras_serializable(package="custom_optimizers")
class Momentum(BaseOptimizer):
    """Gradient descent with momentum.

    The momentum term `h` (one slot per weight, initially 0) is a decaying
    sum of past steps; the weights move by `h`:

    ```python
    h = momentum * h + learning_rate * g
    w = w - h
    ```

    With a constant gradient the step grows to `learning_rate * g / (1 -
    momentum)` (10 times larger for `momentum=0.9`), while components of the
    gradient that change sign from step to step cancel out.

    Keras writes the same rule with the opposite sign, a velocity
    `v = momentum * v - learning_rate * g; w = w + v`, so `v = -h`: the
    trajectory is that of `keras.optimizers.SGD(learning_rate, momentum)`,
    bit for bit.

    Example:

    >>> import keras
    >>> w = keras.Variable([1.0, 2.0])
    >>> opt = Momentum(learning_rate=0.1, momentum=0.9)
    >>> g = keras.ops.array([1.0, -1.0])
    >>> opt.apply([g], [w])  # h = 0.1 * g
    >>> opt.apply([g], [w])  # h = 0.9 * 0.1 * g + 0.1 * g = 0.19 * g
    >>> print(w.numpy())
    [0.71 2.29]

    Args:
        {{learning_rate}}
        momentum: Float in `[0, 1)`, the fraction of the previous step kept
            in the next one (the course's beta). `0` is plain `SGD`.
            Defaults to `0.9`.
        {{common_args}}

    Raises:
        ValueError: If `momentum` is not a float in `[0, 1)`.
    """

    _slots = {"momentums": "h"}  # initially zero
    _hyperparameters = ("momentum",)

    def __init__(
        self,
        learning_rate: LearningRate = 0.01,
        momentum: float = 0.9,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, *args, **kwargs)
        self.momentum = check_float("momentum", momentum, low=0.0, high=1.0)

    def update_step(
        self, gradient: Any, variable: keras.Variable, learning_rate: Any
    ) -> None:
        """Applies `h = momentum * h + lr * g; w = w - h` to one variable."""
        h, _, _ = self._accumulate(gradient, variable, learning_rate)
        self.assign_sub(variable, h)

    def _accumulate(
        self, gradient: Any, variable: keras.Variable, learning_rate: Any
    ) -> tuple[Any, Any, Any]:
        """Sets `h = momentum * h + lr * g`; returns `h`, momentum, `lr * g`.

        Each is cast to `variable.dtype`.
        """
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        momentum = ops.cast(self.momentum, variable.dtype)
        step = ops.multiply(gradient, learning_rate)
        h = self.momentums[self._get_variable_index(variable)]
        self.assign(h, ops.add(ops.multiply(h, momentum), step))
        return h, momentum, step
