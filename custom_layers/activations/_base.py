"""Base class for the element-wise activation layers."""

from __future__ import annotations

import keras

from custom_layers._common import Shape


class ElementwiseActivation(keras.layers.Layer):
    """An activation applied element by element: shape and mask pass through.

    Subclasses implement `call`; this base supplies mask propagation and the
    shape rule `output_shape == input_shape`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """Returns `input_shape`: an element-wise map keeps the shape."""
        return input_shape

    def get_config(self) -> dict:
        """Returns the layer's config (no arguments beyond the base)."""
        return super().get_config()
