"""Inverse square root unit."""

from __future__ import annotations

import math

import keras
from keras import ops

from custom_layers._common import Tensor, check_number
from custom_layers.activations._base import ElementwiseActivation

# Beyond |sqrt(alpha) x| = _CLIP, f is +-1/sqrt(alpha) to float64 precision
# (relative error 1 / (2 * _CLIP^2) = 5e-21), and _CLIP^2 is far below the
# float32 overflow at 3.4e38, so clipping changes no value yet avoids inf.
_CLIP = 1e10


@keras.saving.register_keras_serializable(package="custom_layers")
class ISRU(ElementwiseActivation):
    """Inverse square root unit `f(x) = x / sqrt(1 + alpha * x^2)`.

    Derivative: `f'(x) = (1 + alpha * x^2)^(-3/2) = (f(x) / x)^3`, equal
    to 1 at `x = 0`. Output in (-1/sqrt(alpha), 1/sqrt(alpha)): a sigmoid
    shape at the cost of one reciprocal square root.

    Computed as `u * r / sqrt(alpha)` with `u = clip(sqrt(alpha) * x,
    -1e10, 1e10)` and `r = rsqrt(1 + u^2)`: the clip never changes a value
    (beyond it `f` equals its asymptote to float64 precision) but keeps
    `u^2` finite, so even `x = 1e30` gives `1/sqrt(alpha)`, not `0 * inf`.
    The gradient is the closed form `r^3` (a custom gradient): exact at
    large `|x|`, where differentiating `x * rsqrt(1 + alpha x^2)` term by
    term cancels catastrophically, and cheaper than automatic
    differentiation.

    Example:

    >>> import numpy as np
    >>> from custom_layers import ISRU
    >>> np.asarray(ISRU()(np.array([-3.0, 0.0, 3.0]))).round(4)
    array([-0.9487,  0.    ,  0.9487], dtype=float32)

    Args:
        alpha: a float > 0; the output is bounded by `1 / sqrt(alpha)`.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Raises:
        ValueError: if `alpha` is not a finite float > 0.
    """

    _config = ("alpha",)

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number("alpha", alpha, low=0.0, low_open=True)
        self._root = math.sqrt(self.alpha)

    def call(self, inputs: Tensor) -> Tensor:
        """Returns `inputs / sqrt(1 + alpha * inputs^2)`."""
        root = self._root

        @ops.custom_gradient
        def isru(x: Tensor) -> tuple:
            u = x if root == 1.0 else ops.multiply(x, root)
            u = ops.clip(u, -_CLIP, _CLIP)
            r = ops.rsqrt(ops.add(ops.square(u), 1.0))
            y = ops.multiply(u, r)
            if root != 1.0:
                y = ops.divide(y, root)

            def grad(*args: Tensor, upstream: Tensor | None = None) -> Tensor:
                # TensorFlow/JAX pass `upstream` positionally, PyTorch by name.
                upstream = args[0] if upstream is None else upstream
                return ops.multiply(upstream, r * r * r)

            return y, grad

        # float16's range (6.5e4) would overflow u^2 for |u| > 256.
        dtype = keras.backend.result_type(inputs.dtype, "float32")
        outputs = isru(ops.cast(inputs, dtype))
        return ops.cast(outputs, self.compute_dtype)
