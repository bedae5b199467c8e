"""Axis helpers shared by the normalization layers."""

from __future__ import annotations

from custom_layers._common import Shape


def resolve_axis(axis: int, input_shape: Shape, layer: str) -> int:
    """Returns `axis` as a non-negative index, checking it and its size.

    Args:
        axis: the feature axis, negative counting from the end.
        input_shape: the input shape, batch axis first.
        layer: the layer's class name, for the error message.

    Returns:
        The axis index in `[0, len(input_shape))`.

    Raises:
        ValueError: if the axis is out of range, the batch axis, or of
            unknown size.
    """
    rank = len(input_shape)
    index = axis + rank if axis < 0 else axis
    if not 0 < index < rank or input_shape[index] is None:
        raise ValueError(
            f"{layer} normalizes features along `axis`, which must be a "
            "non-batch axis of known size. Received: "
            f"axis={axis}, input_shape={input_shape}"
        )
    return index
