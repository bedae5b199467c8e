"""What TensorFlow keeps of every traced train step, released.

Keras's TensorFlow optimizer all-reduces the gradients through the replica
context, even without a `tf.distribute` strategy; traced, that is a
`tf.custom_gradient`, which registers a `CustomGradient-<uid>` function in
TensorFlow's process-wide gradient registry and never removes it
(tensorflow/tensorflow#97697, fixed upstream after 2.21). Each entry holds
the whole traced graph of one `fit`: about 10 MB a trial in a search.

>>> with released_gradients():
...     model.fit(x, y)   # the registry is as it was afterwards
"""

from __future__ import annotations

import contextlib

from tensorflow.python.framework import ops as tf_ops

_PREFIX = "CustomGradient-"


@contextlib.contextmanager
def released_gradients():
    """Drops the custom gradients registered while the block ran.

    They are looked up only while the train step is being traced, which is
    over when `fit` returns; entries registered before the block are kept.
    """
    registry = tf_ops._gradient_registry._registry
    before = set(registry)
    try:
        yield
    finally:
        for name in [n for n in registry if n not in before]:
            if name.startswith(_PREFIX):
                registry.pop(name, None)
