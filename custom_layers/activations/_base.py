"""Base class for the element-wise activation layers."""

from __future__ import annotations

from custom_layers._base import ShapeKeepingLayer


class ElementwiseActivation(ShapeKeepingLayer):
    """An activation applied element by element: shape and mask pass through.

    Subclasses implement `call` and name their arguments in `_config`; this
    base supplies mask propagation, the shape rule `output_shape ==
    input_shape` and the config.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
