"""The course's stopping rules besides early stopping, as Keras callbacks.

Gradient descent stops when the weights stop moving, ‖w_t − w_{t−1}‖ < ε
(`StopOnSmallStep`), or when the training loss falls below a threshold
(`StopBelowLoss`); t counts epochs here, the step being an epoch's.

>>> import numpy as np
>>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
>>> model.compile(keras.optimizers.SGD(0.1), "mse")
>>> x = np.linspace(-1, 1, 32)[:, None]
>>> stop = StopBelowLoss(0.05)
>>> history = model.fit(x, 2 * x, epochs=500, batch_size=32, verbose=0,
...                     callbacks=[stop])
>>> history.history["loss"][-1] < 0.05 <= history.history["loss"][-2]
True
>>> stop.stopped_epoch == len(history.epoch) - 1
True
"""

import math

import keras


class StopOnSmallStep(keras.callbacks.Callback):
    """Stops training once an epoch moves the weights by less than
    `epsilon`: ‖w_t − w_{t−1}‖ < ε, the norm over every trainable weight of
    the model (the Euclidean norm of all their changes together).

    Args:
        epsilon: the smallest step that goes on, > 0.

    Attributes:
        steps: the norm of each epoch's step so far.
        stopped_epoch: the epoch (0-based) that stopped training, or None.
    """

    def __init__(self, epsilon: float):
        super().__init__()
        if not (isinstance(epsilon, int | float) and epsilon > 0):
            raise ValueError(
                f"epsilon must be a number > 0; received {epsilon!r}"
            )
        self.epsilon = float(epsilon)
        self.steps: list[float] = []
        self.stopped_epoch: int | None = None

    def _weights(self) -> list:
        return [
            keras.ops.convert_to_numpy(v) for v in self.model.trainable_weights
        ]

    def on_train_begin(self, logs=None):
        self.steps, self.stopped_epoch = [], None
        self._previous = self._weights()

    def on_epoch_end(self, epoch, logs=None):
        current = self._weights()
        step = math.sqrt(
            sum(
                float(((now - before) ** 2).sum())
                for now, before in zip(current, self._previous, strict=True)
            )
        )
        self.steps.append(step)
        self._previous = current
        if step < self.epsilon:
            self.stopped_epoch = epoch
            self.model.stop_training = True


class StopBelowLoss(keras.callbacks.Callback):
    """Stops training at the end of the first epoch whose training loss
    (the epoch's mean, `logs["loss"]`) is below `threshold`.

    Args:
        threshold: the training loss that is good enough.

    Attributes:
        stopped_epoch: the epoch (0-based) that stopped training, or None.
    """

    def __init__(self, threshold: float):
        super().__init__()
        if not (
            isinstance(threshold, int | float) and math.isfinite(threshold)
        ):
            raise ValueError(
                f"threshold must be a finite number; received {threshold!r}"
            )
        self.threshold = float(threshold)
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs=None):
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and loss < self.threshold:
            self.stopped_epoch = epoch
            self.model.stop_training = True
