"""Callbacks every trial trains with: a deadline, a stop on divergence.

>>> import math
import time
>>> Deadline(time.time() + 60)  # stops training at an epoch boundary
<tuning.callbacks.Deadline ...>
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
