"""Shared argument checks and type aliases for the custom optimizers."""

import math
from collections.abc import Callable
from typing import Any

import keras

LearningRate = (
    float | keras.optimizers.schedules.LearningRateSchedule | Callable[[], Any]
)
"""What every optimizer accepts as `learning_rate`, as Keras does."""


def check_float(
    name: str,
    value: Any,
    *,
    low: float,
    high: float = math.inf,
    high_inclusive: bool = False,
) -> float:
    """Returns `value` as a float after checking `low <= value < high`.

    Args:
        name: Argument name, quoted in the error message.
        value: The value received.
        low: Smallest value allowed (inclusive).
        high: Upper bound.
        high_inclusive: Whether `high` itself is allowed.

    Returns:
        `float(value)`.

    Raises:
        ValueError: If `value` is not a real number in the interval.
    """
    interval = f"[{low:g}, {high:g}{']' if high_inclusive else ')'}"
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        value_f = float(value)
        ok = low <= value_f and (
            value_f <= high if high_inclusive else value_f < high
        )
    if not ok:
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a float "
            f"in {interval}. Received: {name}={value!r}"
        )
    return value_f


def check_bool(name: str, value: Any) -> bool:
    """Returns `value` after checking that it is `True` or `False`.

    Args:
        name: Argument name, quoted in the error message.
        value: The value received.

    Returns:
        `value`.

    Raises:
        ValueError: If `value` is not a bool.
    """
    if not isinstance(value, bool):
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected True or "
            f"False. Received: {name}={value!r}"
        )
    return value
