"""Learning-rate schedules missing from `keras.optimizers.schedules`.

The course notes recommend decaying the learning rate but give no decay
formula; step decay is PyTorch's `StepLR`. Keras ships the other usual
decays, and every optimizer here accepts them as `learning_rate`:
`keras.optimizers.schedules.ExponentialDecay` (exponential decay),
`keras.optimizers.schedules.CosineDecay` (cosine decay),
`keras.optimizers.schedules.PiecewiseConstantDecay` (piecewise constant),
`keras.optimizers.schedules.InverseTimeDecay` (power scheduling).
"""

from typing import Any

import keras
from keras import ops

from custom_optimizers._common import check_float


@keras.saving.register_keras_serializable(package="custom_optimizers")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Step decay: multiplies the learning rate by `factor` every few steps.

    With `step` the optimizer's iteration count (0 at the first update):

    ```python
    learning_rate = initial_learning_rate * factor ** floor(step / step_size)
    ```

    The same values as `keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate, step_size, factor, staircase=True)`, under the
    name and arguments of PyTorch's `StepLR`. The step
    count is divided as an integer, so it stays exact for any number of steps.

    Example:

    >>> schedule = StepDecay(0.1, step_size=10, factor=0.5)
    >>> [round(float(schedule(step)), 4) for step in (0, 9, 10, 25)]
    [0.1, 0.1, 0.05, 0.025]

    Args:
        initial_learning_rate: Float `> 0`, the rate for the first
            `step_size` steps.
        step_size: Int `> 0`, the number of steps between two decays.
        factor: Float `> 0`, the factor applied at each decay. Defaults to
            `0.1`.
        name: Optional name of the schedule. Defaults to `"StepDecay"`.

    Returns:
        Called with the step count, a scalar tensor: the learning rate.

    Raises:
        ValueError: If an argument is out of its range.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        step_size: int,
        factor: float = 0.1,
        name: str = "StepDecay",
    ) -> None:
        super().__init__()
        self.initial_learning_rate = check_float(
            "initial_learning_rate", initial_learning_rate, low=0.0
        )
        if self.initial_learning_rate == 0.0:
            raise ValueError(
                "Invalid value received for argument `initial_learning_rate`."
                " Expected a float > 0. Received: initial_learning_rate=0.0"
            )
        if (
            not isinstance(step_size, int)
            or isinstance(step_size, bool)
            or step_size <= 0
        ):
            raise ValueError(
                "Invalid value received for argument `step_size`. Expected an "
                f"int > 0. Received: step_size={step_size!r}"
            )
        self.step_size = step_size
        self.factor = check_float("factor", factor, low=0.0)
        if self.factor == 0.0:
            raise ValueError(
                "Invalid value received for argument `factor`. Expected a "
                "float > 0. Received: factor=0.0"
            )
        self.name = name

    def __call__(self, step: Any) -> Any:
        """Returns the learning rate for `step` (an int or int tensor)."""
        initial_learning_rate = ops.convert_to_tensor(
            self.initial_learning_rate
        )
        dtype = initial_learning_rate.dtype
        decays = ops.cast(ops.floor_divide(step, self.step_size), dtype)
        return ops.multiply(
            initial_learning_rate,
            ops.power(ops.cast(self.factor, dtype), decays),
        )

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments, for serialization."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "step_size": self.step_size,
            "factor": self.factor,
            "name": self.name,
        }
