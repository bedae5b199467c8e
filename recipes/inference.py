"""Running a model on a whole table, a batch at a time.

>>> rows = []
>>> def double(batch):  # a model, a signature or any callable
...     rows.append(len(batch["x"]))
...     return batch["x"][:, None] * 2
>>> out = batched(double, {"x": np.arange(20_000, dtype="f4")})
>>> out.shape, out[-1], rows
((20000, 1), array([39998.], dtype=float32), [8192, 8192, 3616])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

BATCH = 8192  # rows per call: bounded memory, few calls


def batched(
    call: Callable, inputs: dict[str, np.ndarray] | np.ndarray
) -> np.ndarray:
    """`call` (a model or a signature) on `BATCH` rows at a time of named
    columns (strings included) or of one matrix; the outputs joined.

    A Keras model is called with `training=False`.
    """
    named = isinstance(inputs, dict)
    rows = len(next(iter(inputs.values()))) if named else len(inputs)
    kwargs = {"training": False} if hasattr(call, "predict") else {}
    parts = []
    for start in range(0, max(rows, 1), BATCH):  # no rows: an empty batch
        if named:
            batch = {
                k: tf.constant(v[start : start + BATCH])
                for k, v in inputs.items()
            }
        else:
            batch = tf.constant(inputs[start : start + BATCH])
        parts.append(np.asarray(call(batch, **kwargs)))
    return np.concatenate(parts)
