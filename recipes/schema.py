"""Schema inference: which columns are features, and of which kind.

>>> import pandas as pd
>>> frame = pd.DataFrame({"age": [30, 41, 25], "city": ["a", "b", "a"],
...                       "label": ["x", "y", "x"]})
>>> schema, notes = infer_schema(frame, target="label", task="binary")
>>> [(c.name, c.kind) for c in schema.columns]
[('age', 'numeric'), ('city', 'categorical')]
"""

from __future__ import annotations

import dataclasses
import difflib
import re

import numpy as np
import pandas as pd

from recipes.errors import DataError

# an ISO-8601 date, or a timestamp; RE2 (TensorFlow) and Python's re read
# this alike (recipes.dates parses it in the model)
ISO_DATE = (
    r"\d{4}-\d{2}-\d{2}"
    r"([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
)


@dataclasses.dataclass(frozen=True)
class Column:
    """A feature column: its CSV name, its serving name and its kind."""

    name: str
    serving_name: str
    kind: str  # "numeric", "categorical" or "date"


@dataclasses.dataclass(frozen=True)
class Schema:
    """What a recipe learned about its table, saved with every model.

    `classes` holds the labels of a classification task in output order
    (sorted), as they appear in the CSV (str, int, float or bool);
    `positive` is the index of the class whose f1 a binary task reports (the
    rarer one in training).
    """

    task: str
    target: str
    columns: tuple[Column, ...]
    classes: tuple | None = None
    positive: int | None = None

    @property
    def class_names(self) -> list[str]:
        """The labels as strings: what the SavedModel's `class` output says."""
        return [label_to_string(label) for label in self.classes or ()]

    def to_json(self) -> dict:
        return {
            "task": self.task,
            "target": self.target,
            "columns": [dataclasses.asdict(c) for c in self.columns],
            "classes": None if self.classes is None else list(self.classes),
            "class_names": self.class_names or None,
            "positive": self.positive,
        }

    @classmethod
    def from_json(cls, data: dict) -> Schema:
        classes = data.get("classes")
        return cls(
            task=data["task"],
            target=data["target"],
            columns=tuple(Column(**c) for c in data["columns"]),
            classes=None if classes is None else tuple(classes),
            positive=data.get("positive"),
        )


def label_to_string(label) -> str:
    """Formats a class label as the SavedModel's string output shows it."""
    if isinstance(label, float) and label.is_integer():
        return str(int(label))
    return str(label)


def serving_name(name: str) -> str:
    """The SavedModel input name of a column: `[A-Za-z0-9_]` only.

    >>> serving_name("mean radius")
    'mean_radius'
    """
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", str(name))
    return cleaned if cleaned and not cleaned[0].isdigit() else f"_{cleaned}"


def find_column(frame: pd.DataFrame, column: str, name: str, what: str) -> None:
    """Raises a DataError suggesting the closest names if `column` is absent."""
    if column in frame.columns:
        return
    names = [str(c) for c in frame.columns]
    lowered = {n.lower(): n for n in names}
    close = [
        lowered[n]
        for n in difflib.get_close_matches(
            str(column).lower(), list(lowered), n=3, cutoff=0.5
        )
    ]
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise DataError(
        f"{name} has no column {column!r}; {hint}pass {what}= one of: "
        f"{', '.join(names)}"
    )


def infer_schema(
    frame: pd.DataFrame,
    target: str,
    task: str,
    features: list[str] | None = None,
    name: str = "data",
    population: int | None = None,
) -> tuple[Schema, list[str]]:
    """Finds the feature columns and their kinds; returns notes for the user.

    Numeric dtypes are numeric features; text columns of ISO dates are
    dates (`recipes.dates`); everything else is categorical.
    Constant, entirely empty and id-like columns are dropped, each with a
    note that names it. A text column is id-like when every row holds
    another text (a date column never is); an integer column when its
    values are distinct and span no more than the rows they come from:
    `population` rows for a sample of a larger file (streaming), else the
    frame's own.

    Raises:
        DataError: the target or a requested feature is missing.
    """
    find_column(frame, target, name, "target")
    notes = []
    explicit = features is not None
    if explicit:
        for column in features:
            find_column(frame, column, name, "features")
    else:
        features = [c for c in frame.columns if c != target]
    columns, used = [], {}
    for column in features:
        values = frame[column]
        kind = _kind(values)
        # texts are hashed once, for both checks
        factorized = pd.factorize(values) if kind == "categorical" else None
        if factorized and is_date_column(pd.Series(factorized[1])):
            kind = "date"
        reason = _reason_to_drop(
            values, len(frame), factorized, population or len(frame)
        )
        id_like = reason and reason.startswith("id-like")
        if reason and not (id_like and (explicit or kind == "date")):
            notes.append(f"dropping column {column!r} of {name}: {reason}")
            continue
        serving = serving_name(column)
        if serving in used:
            raise DataError(
                f"columns {used[serving]!r} and {column!r} of {name} both "
                f"become input {serving!r} in the SavedModel; rename one"
            )
        used[serving] = column
        if kind == "date":  # a day per row is no id
            notes.append(
                f"column {column!r} of {name} holds ISO dates: the model "
                "reads their year, month, weekday and day of year"
            )
        columns.append(Column(str(column), serving, kind))
        if kind != "date":
            notes.extend(_oddities(values, column, name, factorized))
    if not columns:
        raise DataError(
            f"{name} has no usable feature column besides target {target!r}"
        )
    return Schema(task=task, target=target, columns=tuple(columns)), notes


def is_date_column(values: pd.Series) -> bool:
    """Whether every present value of a text column is an ISO date.

    >>> is_date_column(pd.Series(["2020-01-31", None, "2020-02-01T10:00"]))
    True
    >>> is_date_column(pd.Series(["2020-01-31", "2020-02-30"]))  # no such day
    False
    """
    present = pd.Series(pd.unique(values.dropna())).astype(str)
    if present.empty or not present[:100].str.fullmatch(ISO_DATE).all():
        return False  # most text columns fail on their first values
    if not present.str.fullmatch(ISO_DATE).all():
        return False
    days = pd.to_datetime(
        present.str.slice(0, 10), format="%Y-%m-%d", errors="coerce"
    )
    return bool(days.notna().all())


def _oddities(values: pd.Series, column, name: str, factorized) -> list[str]:
    """Notes on a kept column: infinities, numbers stored as text.

    `factorized` is `pd.factorize(values)` for a categorical column, None
    for a numeric one.
    """
    if factorized is None:
        if not pd.api.types.is_float_dtype(values):
            return []  # integers and booleans hold no infinity
        infinite = int(np.isinf(_floats(values)).sum())
        if infinite:
            return [
                f"column {column!r} of {name} has {infinite} infinite "
                "value(s); they are treated as missing"
            ]
        return []
    codes, uniques = factorized  # each distinct text parsed once
    is_text = pd.to_numeric(pd.Series(uniques), errors="coerce").isna()
    is_text = is_text.to_numpy()
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    present, text_rows = counts.sum(), int(counts[is_text].sum())
    if present and 0 < text_rows <= 0.1 * present:
        examples = ", ".join(repr(v) for v in uniques[is_text][:3])
        return [
            f"column {column!r} of {name} is mostly numbers but holds text "
            f"({examples}); it is treated as categorical — clean those "
            "cells (or leave them empty) to use it as a number"
        ]
    return []


def _kind(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(
        values
    ):
        return "numeric"
    return "categorical"


def _reason_to_drop(
    values: pd.Series, rows: int, factorized=None, population: int = 0
) -> str | None:
    """Why a column is useless, or None. `factorized` is
    `pd.factorize(values)` for a categorical column, None for a numeric one;
    `population` the rows of the file the `rows` were drawn from.
    """
    if factorized is not None:  # categorical: distinct texts known
        uniques = factorized[1]
        if not len(uniques):
            return "it is entirely empty"
        if len(uniques) == 1:
            return f"it is constant ({uniques[0]!r})"
        if rows >= 20 and len(uniques) == rows:
            return "id-like (a different text in every row)"
        return None
    if pd.api.types.is_float_dtype(values):
        # the range first (no copy, no hash); a streamed file reads its
        # integers as floats, so whole numbers may still be a running id
        x = _floats(values)
        if np.isnan(x).all():
            return "it is entirely empty"
        low, high = np.nanmin(x), np.nanmax(x)
        if low == high:
            return f"it is constant ({low.item()!r})"
        if (
            rows >= 20
            and high - low + 1 <= max(rows, population)
            and not np.isnan(x).any()
            and (x == np.floor(x)).all()
            and len(np.unique(x)) == rows
        ):
            return "id-like (a running integer)"
        return None
    present = values.dropna()
    if present.empty:
        return "it is entirely empty"
    first = present.iloc[0]
    constant = f"it is constant ({getattr(first, 'item', lambda: first)()!r})"
    if not pd.api.types.is_integer_dtype(values):
        # booleans cannot be id-like: no need to hash them all
        return constant if (present == first).all() else None
    distinct = present.nunique()
    if distinct == 1:
        return constant
    span = int(present.max()) - int(present.min()) + 1  # no int64 overflow
    if rows >= 20 and distinct == rows and span <= max(rows, population):
        return "id-like (a running integer)"
    return None


def _floats(values: pd.Series) -> np.ndarray:
    """A float column as a float64 array, missing = NaN (no copy if it is
    one already)."""
    return values.to_numpy(dtype=np.float64, na_value=np.nan, copy=False)
