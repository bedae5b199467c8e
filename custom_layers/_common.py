"""Shared helpers: argument checks (one-line `ValueError`s) and types."""

from __future__ import annotations

import math
import numbers
from typing import Any

#: Any backend tensor, NumPy array or `keras.KerasTensor`.
Tensor = Any
#: A shape tuple; `None` marks an unknown dimension.
Shape = tuple


def check_number(
    name: str,
    value: float,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Returns `value` as a float if it lies in the interval, else raises.

    Args:
        name: argument name, used in the error message.
        value: the value received.
        low: lower bound, or None for no bound.
        high: upper bound, or None for no bound.
        low_open: whether `low` itself is excluded.
        high_open: whether `high` itself is excluded.

    Returns:
        `float(value)`.

    Raises:
        ValueError: if `value` is not a finite number in the interval.
    """
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    interval = (
        f"{left}{'-inf' if low is None else low}, "
        f"{'inf' if high is None else high}{right}"
    )
    message = (
        f"Invalid value received for argument `{name}`. Expected a float "
        f"in {interval}. Received: {name}={value!r}"
    )
    if isinstance(value, bool):
        raise ValueError(message)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if math.isnan(number) or math.isinf(number):
        raise ValueError(message)
    if low is not None and (number < low or (low_open and number == low)):
        raise ValueError(message)
    if high is not None and (number > high or (high_open and number == high)):
        raise ValueError(message)
    return number


def check_positive_int(name: str, value: int) -> int:
    """Returns `value` if it is an int >= 1, else raises `ValueError`.

    Args:
        name: argument name, used in the error message.
        value: the value received.

    Returns:
        `int(value)`.

    Raises:
        ValueError: if `value` is not a positive integer.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 1
    ):
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a "
            f"positive integer. Received: {name}={value!r}"
        )
    return int(value)
