"""Adam: momentum plus RMSProp, with bias correction."""

from typing import Any

import keras
from keras import ops

from custom_optimizers._common import LearningRate, check_float


@keras.saving.register_keras_serializable(package="custom_optimizers")
class Adam(keras.optimizers.Optimizer):
    """Adam: a moving average of gradients scaled by one of their squares.

    Two slots per weight, both initially 0: `m`, a moving average of the
    gradients (momentum), and `v`, a moving average of their squares
    (RMSProp's `G`). With `t` the number of this step (1 for the first
    step; the optimizer's `iterations` + 1), the update is, as in Keras:

    ```python
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g ** 2
    lr_t = learning_rate * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    w = w - lr_t * m / (sqrt(v) + epsilon)
    ```

    Epsilon is added to `sqrt(v)`, outside the root. Folding the bias
    correction into `lr_t` is the course's corrected form
    `m_hat = m / (1 - beta_1 ** t)`, `v_hat = v / (1 - beta_2 ** t)`,
    `w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon_hat)` with
    `epsilon_hat = epsilon / sqrt(1 - beta_2 ** t)`: the two differ only in
    how much epsilon weighs in the first steps. Since `m` and `v` start at
    0, without the correction the first steps would be too small (`m` and
    `v` are biased towards 0 by the factors `1 - beta ** t`).

    With `bias_correction=False` the update is the course's uncorrected form
    `w = w - learning_rate * m / (sqrt(v) + epsilon)`.

    With the default `bias_correction=True` the trajectory is that of
    `keras.optimizers.Adam(learning_rate, beta_1, beta_2, epsilon)`, bit
    for bit.

    Example:

    >>> import keras
    >>> w = keras.Variable([1.0, 2.0])
    >>> opt = Adam(learning_rate=0.1, epsilon=0.0)
    >>> opt.apply([keras.ops.array([3.0, -0.5])], [w])  # m_hat/sqrt(v_hat)=±1
    >>> print(w.numpy().round(4))
    [0.9 2.1]

    Args:
        learning_rate: A float, a
            `keras.optimizers.schedules.LearningRateSchedule` (for instance
            `custom_optimizers.StepDecay`), or a callable with no arguments
            returning the rate. Defaults to `0.001`.
        beta_1: Float in `[0, 1)`, decay rate of the moving average of the
            gradients `m`. Defaults to `0.9`.
        beta_2: Float in `[0, 1)`, decay rate of the moving average of the
            squared gradients `v`. Defaults to `0.999`.
        epsilon: Float `>= 0` added to `sqrt(v)`. Defaults to `1e-7`.
        bias_correction: Whether to apply the bias correction `lr_t`
            (`True`, as Keras and the Adam paper) or to use
            `learning_rate` as it is (`False`). Defaults to `True`.
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
        ValueError: If `beta_1` or `beta_2` is not in `[0, 1)`, or
            `epsilon` is negative.
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        bias_correction: bool = True,
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
        self.beta_1 = check_float("beta_1", beta_1, low=0.0, high=1.0)
        self.beta_2 = check_float("beta_2", beta_2, low=0.0, high=1.0)
        self.epsilon = check_float("epsilon", epsilon, low=0.0)
        if not isinstance(bias_correction, bool):
            raise ValueError(
                "Invalid value received for argument `bias_correction`. "
                "Expected True or False. "
                f"Received: bias_correction={bias_correction!r}"
            )
        self.bias_correction = bias_correction

    def build(self, var_list: list[keras.Variable]) -> None:
        """Creates the slots `m` and `v`, initially zero, per variable.

        Args:
            var_list: The model variables this optimizer will update.
        """
        if self.built:
            return
        super().build(var_list)
        self.first_moments, self.second_moments = self.add_optimizer_variables(
            var_list, ["m", "v"]
        )

    def update_step(
        self, gradient: Any, variable: keras.Variable, learning_rate: Any
    ) -> None:
        """Applies the Adam update above to one variable."""
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        if self.bias_correction:
            local_step = ops.cast(self.iterations + 1, variable.dtype)
            beta_1_power = ops.power(
                ops.cast(self.beta_1, variable.dtype), local_step
            )
            beta_2_power = ops.power(
                ops.cast(self.beta_2, variable.dtype), local_step
            )
            lr = lr * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)

        index = self._get_variable_index(variable)
        m = self.first_moments[index]
        v = self.second_moments[index]
        # m + (1 - beta) * (g - m) is beta * m + (1 - beta) * g, in one
        # multiplication fewer (and in Keras's order of operations).
        self.assign_add(
            m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1)
        )
        self.assign_add(
            v,
            ops.multiply(
                ops.subtract(ops.square(gradient), v), 1 - self.beta_2
            ),
        )
        self.assign_sub(
            variable,
            ops.divide(ops.multiply(m, lr), ops.add(ops.sqrt(v), self.epsilon)),
        )

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments, for serialization."""
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "bias_correction": self.bias_correction,
        }
