"""A recipe's constructor arguments: listed, and checked against one table.

As in scikit-learn, `__init__` only stores; `check` runs at `fit` and names
the first argument out of range.

>>> check({"epochs": 0})
Traceback (most recent call last):
...
recipes.errors.ArgumentError: epochs must be a positive integer; ...
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

from recipes.errors import ArgumentError, is_int
from recipes.preprocessing import NORMALIZATIONS
from recipes.targets import TRANSFORMS

CLASS_WEIGHTS = ("auto", "balanced", None)
CALIBRATIONS = ("temperature", None)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive_int(value) -> bool:
    return is_int(value) and value > 0


# argument -> (test, what it must be)
CONSTRAINTS: dict[str, tuple[Callable[[object], bool], str]] = {
    "epochs": (_positive_int, "a positive integer"),
    "patience": (_positive_int, "a positive integer"),
    "seed": (is_int, "an integer"),
    "ensemble": (_positive_int, "a positive integer"),
    "validation_fraction": (
        lambda v: isinstance(v, float | int) and 0 < v < 1,
        "a number between 0 and 1",
    ),
    "normalization": (
        lambda v: v in NORMALIZATIONS,
        f"one of {', '.join(NORMALIZATIONS)}",
    ),
    "class_weight": (
        lambda v: v in CLASS_WEIGHTS,
        "'auto', 'balanced' or None",
    ),
    "stop_weight_change": (
        lambda v: v is None or (_number(v) and v > 0),
        "None or a number > 0",
    ),
    "stop_train_loss": (
        lambda v: v is None or (_number(v) and math.isfinite(v)),
        "None or a finite number",
    ),
    "combine": (
        lambda v: v in ("mean", "vote"),
        "'mean' or 'vote'",
    ),
    "calibration": (
        lambda v: v in CALIBRATIONS,
        "'temperature' or None",
    ),
    "folds": (
        lambda v: v == "auto" or _positive_int(v),
        "'auto' or a positive integer",
    ),
    "target_transform": (
        lambda v: v in TRANSFORMS,
        f"one of {', '.join(TRANSFORMS)}",
    ),
}


def check(params: dict) -> None:
    """Refuses the first argument of `params` that `CONSTRAINTS` rejects.

    Raises:
        ArgumentError: naming the argument, what it must be and its value.
    """
    for name, value in params.items():
        if name in CONSTRAINTS:
            ok, expected = CONSTRAINTS[name]
            if not ok(value):
                raise ArgumentError(
                    f"{name} must be {expected}; received {name}={value!r}"
                )


def init_names(cls: type) -> list[str]:
    """The names of the constructor arguments of `cls` and its bases."""
    names = []
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            for p in inspect.signature(klass.__init__).parameters.values():
                if p.name != "self" and p.kind == p.POSITIONAL_OR_KEYWORD:
                    if p.name not in names:
                        names.append(p.name)
    return names
