"""Plain (mini-batch) gradient descent."""

from typing import Any

import keras
from keras import ops

from custom_optimizers._common import LearningRate


@keras.saving.register_keras_serializable(package="custom_optimizers")
class SGD(keras.optimizers.Optimizer):
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
        learning_rate: A float, a
            `keras.optimizers.schedules.LearningRateSchedule` (for instance
            `custom_optimizers.StepDecay`), or a callable with no arguments
            returning the rate. Defaults to `0.01`.
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
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.01,
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

    def build(self, var_list: list[keras.Variable]) -> None:
        """Creates the optimizer state: nothing beyond the base class's.

        Args:
            var_list: The model variables this optimizer will update.
        """
        if self.built:
            return
        super().build(var_list)

    def update_step(
        self, gradient: Any, variable: keras.Variable, learning_rate: Any
    ) -> None:
        """Applies `w = w - learning_rate * g` to one variable."""
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        self.assign_sub(variable, ops.multiply(gradient, learning_rate))

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments, for serialization."""
        return super().get_config()
