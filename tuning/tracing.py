"""What TensorFlow keeps of every traced train step, released.

Keras's TensorFlow optimizer all-reduces the gradients through the replica
context, even without a `tf.distribute` strategy; traced, that is a
`tf.custom_gradient`, which registers a `CustomGradient-<uid>` function in
TensorFlow's process-wide gradient registry and never removes it
(tensorflow/tensorflow#97697, fixed upstream after 2.21). Each entry holds
the whole traced graph of one `fit`: about 10 MB a trial in a search.

The registry is private to TensorFlow: this is the project's only use of
TensorFlow internals. Where it is absent (another TensorFlow), the
workaround turns itself off with a warning and `released_gradients` does
nothing.

>>> @tf.custom_gradient
... def double(x):
...     return 2 * x, lambda dy: 2 * dy
>>> before = registered_gradients()
>>> with released_gradients():  # e.g. around `model.fit`
...     _ = tf.function(double)(tf.constant(1.0))  # traced: registers one
...     registered_gradients() - before
1
>>> registered_gradients() - before  # released
0
"""

from __future__ import annotations

import contextlib
import functools
import warnings

import tensorflow as tf

_PREFIX = "CustomGradient-"


@functools.cache
def _registry() -> dict | None:
    """TensorFlow's gradient registry (a dict), or None where absent."""
    try:
        from tensorflow.python.framework import ops

        registry = ops._gradient_registry._registry
    except (ImportError, AttributeError):
        registry = None
    if not isinstance(registry, dict):
        warnings.warn(
            f"TensorFlow {tf.__version__} has no gradient registry where "
            "tuning.tracing looks for it; traced train steps are not "
            "released (memory may grow by ~10 MB per trial)",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return registry


def registered_gradients() -> int:
    """How many custom gradients TensorFlow holds (0 if unknown)."""
    registry = _registry()
    return 0 if registry is None else len(registry)


@contextlib.contextmanager
def released_gradients():
    """Drops the custom gradients registered while the block ran.

    They are looked up only while the train step is being traced, which is
    over when `fit` returns; entries registered before the block are kept.
    """
    registry = _registry()
    before = set(registry or ())
    try:
        yield
    finally:
        for name in [n for n in registry or () if n not in before]:
            if name.startswith(_PREFIX):
                registry.pop(name, None)
