"""Nesterov accelerated gradient."""

from typing import Any

import keras
from keras import ops

from custom_optimizers.momentum import Momentum


@keras.saving.register_keras_serializable(package="custom_optimizers")
class Nesterov(Momentum):
    """Nesterov accelerated gradient (momentum with a look-ahead gradient).

    The course's rule measures the gradient not at the weights `theta` but
    a step ahead, where momentum alone is about to carry them:

    ```python
    h = momentum * h + learning_rate * grad(theta - momentum * h)
    theta = theta - h
    ```

    This optimizer stores instead the look-ahead point
    `w = theta - momentum * h`, so the gradient it needs is the ordinary one
    at the stored weights, `g = grad(w)` (as Keras and PyTorch do):

    ```python
    h = momentum * h + learning_rate * g
    w = w - (momentum * h + learning_rate * g)     # with the new h
    ```

    Why the two are the same method: substitute `theta = w + momentum * h`
    in the course's rule. The new momentum term is
    `h' = momentum * h + learning_rate * grad(w)`, and the new look-ahead
    point is `w' = theta' - momentum * h' = (w + momentum * h) - h' -
    momentum * h' = w - learning_rate * grad(w) - momentum * h'`, which is the
    second line above. So both produce the same `h` sequence and the stored
    `w` is always the course's `theta - momentum * h`: equal to `theta` when
    `h = 0` (at the start) and converging to the same minimum, where `h`
    vanishes.

    Keras's `keras.optimizers.SGD(learning_rate, momentum, nesterov=True)`
    writes it with the velocity `v = -h`; the trajectory is the same, bit for
    bit.

    Example:

    >>> import keras
    >>> w = keras.Variable([1.0, 2.0])
    >>> opt = Nesterov(learning_rate=0.1, momentum=0.9)
    >>> opt.apply([keras.ops.array([1.0, -1.0])], [w])  # h = 0.1 * g
    >>> print(w.numpy())  # w - (0.9 * 0.1 + 0.1) * g
    [0.81 2.19]

    Args:
        {{learning_rate}}
        momentum: Float in `[0, 1)`, the fraction of the previous step kept
            in the next one (the course's beta). Defaults to `0.9`.
        {{common_args}}

    Raises:
        ValueError: If `momentum` is not a float in `[0, 1)`.
    """

    def update_step(
        self, gradient: Any, variable: keras.Variable, learning_rate: Any
    ) -> None:
        """Applies `h = m * h + lr * g; w = w - (m * h + lr * g)`."""
        h, momentum, step = self._accumulate(gradient, variable, learning_rate)
        self.assign_sub(variable, ops.add(ops.multiply(h, momentum), step))
