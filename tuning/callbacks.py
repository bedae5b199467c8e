"""Callbacks every trial trains with: a deadline, a stop on divergence.

>>> import numpy as np
>>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
>>> model.compile("sgd", "mse")
>>> deadline = Deadline(time.time())  # already past: stops after an epoch
>>> history = model.fit(np.ones((8, 1)), np.ones(8), epochs=5, verbose=0,
...                     callbacks=[deadline])
>>> len(history.epoch), deadline.stopped
(1, True)
>>> stop = StopOnNonFinite()  # as Keras calls it, batch by batch:
>>> stop.set_model(model)
>>> model.stop_training = False
>>> stop.on_train_batch_end(0, {"loss": 0.5})
>>> stop.stopped, model.stop_training
(False, False)
>>> stop.on_train_batch_end(0, {"loss": float("nan")})
>>> stop.stopped, model.stop_training
(True, True)
"""

from __future__ import annotations

import math
import time

import keras


class Deadline(keras.callbacks.Callback):
    """Stops training at the end of the first epoch past `deadline`.

    Args:
        deadline: a `time.time()` value (seconds since the epoch), so that it
            means the same in every worker process.
    """

    def __init__(self, deadline: float):
        super().__init__()
        self.deadline = deadline
        self.stopped = False

    def on_epoch_end(self, epoch, logs=None):
        if time.time() >= self.deadline:
            self.stopped = True
            self.model.stop_training = True


class StopOnNonFinite(keras.callbacks.Callback):
    """Stops training at the first batch whose loss is NaN or infinite.

    Keras's `TerminateOnNaN` does the same but prints to stdout, which the
    command line keeps for results.
    """

    def __init__(self):
        super().__init__()
        self.stopped = False

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.stopped = True
            self.model.stop_training = True
