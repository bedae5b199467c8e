"""AdaGrad: per-weight learning rates from accumulated squared gradients."""

from typing import Any

import keras
from keras import ops

from custom_optimizers._common import LearningRate, check_float


@keras.saving.register_keras_serializable(package="custom_optimizers")
class AdaGrad(keras.optimizers.Optimizer):
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
        learning_rate: A float, a
            `keras.optimizers.schedules.LearningRateSchedule` (for instance
            `custom_optimizers.StepDecay`), or a callable with no arguments
            returning the rate. Defaults to `0.01`.
        initial_accumulator_value: Float `>= 0`, the starting value of `G`.
            Defaults to `0.0`.
        epsilon: Float `>= 0` added to `G` under the square root, so that
            the first step is finite. Defaults to `1e-7`.
        weight_decay: Float or `None`. If set, each step first shrinks every
            weight: `w = w - learning_rate * weight_decay * w`.
        clipnorm: Float or `None`. If set, each weight's gradient is rescaled
            so that its L2 norm is at most `clipnorm`.
        clipvalue: Float or `None`. If set, each gradient component is
            clipped to `[-clipvalue, clipvalue]`.
        global_clipnorm: Float or `None`. If set, all gradients are rescaled
            together so that their joint L2 norm is at most `global_clipnorm`.
        name: Optional name of the optimizer.
        **kwargs: The other arguments of `keras.optimizers.Optimizer`
            (`use_ema`, `loss_scale_factor`, `gradient_accumulation_steps`,
            ...).

    Raises:
        ValueError: If `initial_accumulator_value` or `epsilon` is negative.
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.01,
        initial_accumulator_value: float = 0.0,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            name=name,
            **kwargs,
        )
        self.initial_accumulator_value = check_float(
            "initial_accumulator_value", initial_accumulator_value, low=0.0
        )
        self.epsilon = check_float("epsilon", epsilon, low=0.0)

    def build(self, var_list: list[keras.Variable]) -> None:
        """Creates one accumulator slot `G` per variable.

        Args:
            var_list: The model variables this optimizer will update.
        """
        if self.built:
            return
        super().build(var_list)
        self.accumulators = self.add_optimizer_variables(
            var_list,
            "G",
            initializer=keras.initializers.Constant(
                self.initial_accumulator_value
            ),
        )

    def update_step(
        self, gradient: Any, variable: keras.Variable, learning_rate: Any
    ) -> None:
        """Applies `G = G + g**2; w = w - lr * g / sqrt(G + eps)`."""
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        accumulator = self.accumulators[self._get_variable_index(variable)]
        self.assign_add(accumulator, ops.square(gradient))
        self.assign_sub(
            variable,
            ops.divide(
                ops.multiply(learning_rate, gradient),
                ops.sqrt(ops.add(accumulator, self.epsilon)),
            ),
        )

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments, for serialization."""
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
