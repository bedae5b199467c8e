"""The base of the layers whose output has their input's shape."""

from __future__ import annotations

import keras

from custom_layers._common import Shape


class ShapeKeepingLayer(keras.layers.Layer):
    """A layer whose output shape is its input shape, configured by name.

    `get_config` adds the attributes named in the class attribute
    `_config` (the constructor arguments, stored under their own names) to
    the base layer's config, so that `from_config(get_config())` rebuilds
    the layer.

    Example:

    >>> class Scale(ShapeKeepingLayer):
    ...     _config = ("factor",)
    ...     def __init__(self, factor=2.0, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.factor = factor
    ...     def call(self, inputs):
    ...         return inputs * self.factor
    >>> Scale(3.0).get_config()["factor"], Scale().compute_output_shape((2, 5))
    (3.0, (2, 5))
    """

    _config: tuple[str, ...] = ()

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns `input_shape`."""
        return input_shape

    def get_config(self) -> dict:
        """Returns the base config and the attributes named in `_config`."""
        return {
            **super().get_config(),
            **{name: getattr(self, name) for name in self._config},
        }
