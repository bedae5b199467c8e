"""RMSProp: per-weight learning rates from a moving average of g**2."""

from typing import Any

import keras
from keras import ops

from custom_optimizers._common import LearningRate, check_float
from custom_optimizers.base import BaseOptimizer


@keras.saving.register_keras_serializable(package="custom_optimizers")
class RMSProp(BaseOptimizer):
    """RMSProp: AdaGrad with an exponentially decaying accumulator.

    `G` (one slot per weight, initially 0) is a moving average of the
    element-wise squared gradients, so old gradients are forgotten and the
    steps do not die out as AdaGrad's do; epsilon sits under the root:

    ```python
    G = rho * G + (1 - rho) * g ** 2
    w = w - learning_rate * g / sqrt(G + epsilon)
    ```

    Same trajectory as `keras.optimizers.RMSprop(learning_rate, rho,
    epsilon=epsilon)` (with its defaults `momentum=0`, `centered=False`),
    which also puts epsilon under the root.

    Example:

    >>> import keras
    >>> w = keras.Variable([1.0, 2.0])
    >>> opt = RMSProp(learning_rate=0.1, rho=0.75, epsilon=0.0)
    >>> opt.apply([keras.ops.array([2.0, -2.0])], [w])  # G = 0.25 * 4
    >>> print(w.numpy())  # w - 0.1 * g / sqrt(1)
    [0.8 2.2]

    Args:
        {{learning_rate}}
        rho: Float in `[0, 1)`, the decay rate of the moving average (the
            course's beta). Defaults to `0.9`.
        epsilon: Float `>= 0` added to `G` under the square root.
            Defaults to `1e-7`.
        {{common_args}}

    Raises:
        ValueError: If `rho` is not in `[0, 1)` or `epsilon` is negative.
    """

    _slots = {"accumulators": "G"}  # initially zero
    _hyperparameters = ("rho", "epsilon")

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        rho: float = 0.9,
        epsilon: float = 1e-7,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, *args, **kwargs)
        self.rho = check_float("rho", rho, low=0.0, high=1.0)
        self.epsilon = check_float("epsilon", epsilon, low=0.0)

    def update_step(
        self, gradient: Any, variable: keras.Variable, learning_rate: Any
    ) -> None:
        """Applies `G = rho*G + (1-rho)*g**2; w = w - lr*g/sqrt(G + eps)`."""
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        accumulator = self.accumulators[self._get_variable_index(variable)]
        self.assign(
            accumulator,
            ops.add(
                ops.multiply(self.rho, accumulator),
                ops.multiply(1 - self.rho, ops.square(gradient)),
            ),
        )
        self._descend(variable, gradient, learning_rate, accumulator)
