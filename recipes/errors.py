"""The exceptions keras-recipes raises for bad input.

Every error a user can cause is a `RecipeError`: the command line prints its
one-line message and exits with status 2. Anything else is a bug (exit 1).
"""


class RecipeError(Exception):
    """Base class: a problem with what the user gave us, told in one line."""


class DataError(RecipeError, ValueError):
    """A CSV file or DataFrame that cannot be used as it is.

    >>> raise DataError("train.csv has no column 'incom'")
    Traceback (most recent call last):
    ...
    recipes.errors.DataError: train.csv has no column 'incom'
    """


class ArgumentError(RecipeError, ValueError):
    """An argument out of its allowed range or set of values."""


def is_int(value) -> bool:
    """True for an integer that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_positive_int(name: str, value) -> None:
    """Refuses anything but a positive integer, naming the argument.

    >>> check_positive_int("epochs", 0)
    Traceback (most recent call last):
    ...
    recipes.errors.ArgumentError: epochs must be a positive integer; ...
    """
    if not is_int(value) or value <= 0:
        raise ArgumentError(
            f"{name} must be a positive integer; received {name}={value!r}"
        )


class ModelError(RecipeError, ValueError):
    """A saved recipe or exported model that cannot be loaded or used."""


class DataWarning(UserWarning):
    """Something in the data was changed or ignored; the message says what."""
