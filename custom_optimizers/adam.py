"""Adam: momentum plus RMSProp, with or without bias correction."""

from typing import Any

import keras
from keras import ops

from custom_optimizers._common import LearningRate, check_bool, check_float
from custom_optimizers.base import BaseOptimizer


@keras.saving.register_keras_serializable(package="custom_optimizers")
class Adam(BaseOptimizer):
    """Adam: a moving average of gradients scaled by one of their squares.

    Two slots per weight, both initially 0: `m`, a moving average of the
    gradients (momentum), and `v`, a moving average of their squares
    (RMSProp's `G`). With `t` the number of this step (1 for the first
    step; the optimizer's `iterations` + 1), the update is:

    ```python
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g ** 2
    if bias_correction:  # the default, as Keras
        lr_t = learning_rate * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    else:
        lr_t = learning_rate
    if epsilon_inside_sqrt:
        w = w - lr_t * m / sqrt(v + epsilon)
    else:  # the default, as Keras
        w = w - lr_t * m / (sqrt(v) + epsilon)
    ```

    With the defaults (`bias_correction=True, epsilon_inside_sqrt=False`)
    the trajectory is that of `keras.optimizers.Adam(learning_rate, beta_1,
    beta_2, epsilon)`, bit for bit: epsilon is added to `sqrt(v)`, outside
    the root. Folding the bias correction into `lr_t` is the Adam paper's
    (Kingma and Ba, 2015) form `m_hat = m / (1 - beta_1 ** t)`,
    `v_hat = v / (1 - beta_2 ** t)`,
    `w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon_hat)` with
    `epsilon_hat = epsilon / sqrt(1 - beta_2 ** t)`: the two differ only in
    how much epsilon weighs in the first steps. Since `m` and `v` start at
    0, without the correction the first steps are smaller (`m` and `v` are
    biased towards 0 by the factors `1 - beta ** t`).

    With `bias_correction=False, epsilon_inside_sqrt=True` the update is
    the course's rule, which has no bias correction and epsilon inside the
    square root: "h = β1·h + (1−β1)·g; G = β2·G + (1−β2)·g²;
    w = w − η·h / sqrt(G + ε)", with `h = m`, `G = v`,
    `β1, β2 = beta_1, beta_2`, `η = learning_rate` and `ε = epsilon`.

    Example:

    >>> import keras
    >>> w = keras.Variable([1.0, 2.0])
    >>> opt = Adam(learning_rate=0.1, epsilon=0.0)
    >>> opt.apply([keras.ops.array([3.0, -0.5])], [w])  # m_hat/sqrt(v_hat)=±1
    >>> print(w.numpy().round(4))
    [0.9 2.1]

    The course's rule from the same start takes a larger first step,
    `0.1 * (0.1 * g) / sqrt(0.001 * g**2) = 0.3162 * sign(g)`:

    >>> w = keras.Variable([1.0, 2.0])
    >>> opt = Adam(0.1, bias_correction=False, epsilon_inside_sqrt=True)
    >>> opt.apply([keras.ops.array([3.0, -0.5])], [w])
    >>> print(w.numpy().round(4))
    [0.6838 2.3162]

    Args:
        {{learning_rate}}
        beta_1: Float in `[0, 1)`, decay rate of the moving average of the
            gradients `m`. Defaults to `0.9`.
        beta_2: Float in `[0, 1)`, decay rate of the moving average of the
            squared gradients `v`. Defaults to `0.999`.
        epsilon: Float `>= 0` added to `sqrt(v)`, or to `v` under the root
            with `epsilon_inside_sqrt=True`. Defaults to `1e-7`.
        bias_correction: Whether to scale the learning rate by the bias
            correction `sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)` (`True`,
            as Keras and the Adam paper) or to use it as it is (`False`, as
            the course). Defaults to `True`.
        epsilon_inside_sqrt: Whether epsilon is added to `v` under the
            square root (`True`, as the course) or to `sqrt(v)` (`False`, as
            Keras and the Adam paper). Defaults to `False`.
        {{common_args}}

    Raises:
        ValueError: If `beta_1` or `beta_2` is not in `[0, 1)`, `epsilon`
            is negative, or `bias_correction` or `epsilon_inside_sqrt` is
            not a bool.
    """

    _slots = {"first_moments": "m", "second_moments": "v"}  # initially zero
    _hyperparameters = (
        "beta_1",
        "beta_2",
        "epsilon",
        "bias_correction",
        "epsilon_inside_sqrt",
    )

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        bias_correction: bool = True,
        epsilon_inside_sqrt: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, *args, **kwargs)
        self.beta_1 = check_float("beta_1", beta_1, low=0.0, high=1.0)
        self.beta_2 = check_float("beta_2", beta_2, low=0.0, high=1.0)
        self.epsilon = check_float("epsilon", epsilon, low=0.0)
        self.bias_correction = check_bool("bias_correction", bias_correction)
        self.epsilon_inside_sqrt = check_bool(
            "epsilon_inside_sqrt", epsilon_inside_sqrt
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
        if self.epsilon_inside_sqrt:
            denominator = ops.sqrt(ops.add(v, self.epsilon))
        else:
            denominator = ops.add(ops.sqrt(v), self.epsilon)
        self.assign_sub(variable, ops.divide(ops.multiply(m, lr), denominator))
