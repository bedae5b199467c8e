"""A training table read, checked, encoded and split — before TensorFlow.

Everything that can be wrong with the data is found here, with pandas and
scikit-learn only, so that the command line reports it within a second.

>>> data = load_dataset("data/penguins/train.csv", target="species",
...                     task="multiclass")
>>> data.schema.class_names, len(data.train) + len(data.valid)
(['Adelie', 'Chinstrap', 'Gentoo'], 275)
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from recipes import tasks
from recipes.errors import DataWarning
from recipes.reading import Stream, Table, read_table
from recipes.schema import Schema, infer_schema
from recipes.splitting import split_indices

VALIDATION_FRACTION = 0.15


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Training and validation rows with their encoded targets and schema.

    `sources` keeps what the tables were read from, so that worker
    processes can read them again.
    """

    schema: Schema
    train: pd.DataFrame
    y_train: np.ndarray
    valid: pd.DataFrame
    y_valid: np.ndarray
    names: tuple[str, str]  # of the training and validation tables
    sources: tuple[Table, Table | None]
    seed: int
    stream: Stream | None = None  # a CSV too large for memory: `train` is
    # its sample, and the stream reads every training row (recipes.streaming)


def load_dataset(
    train: Table,
    validation: Table | None = None,
    *,
    target: str,
    task: str | tasks.Task,
    features: list[str] | None = None,
    seed: int = 0,
    validation_fraction: float = VALIDATION_FRACTION,
    population: int | None = None,
) -> Dataset:
    """Reads and checks the tables; splits `train` when no validation.

    `population` is the row count of the file `train` was sampled from
    (streaming), so that a sample of a running id is still id-like.

    Warnings (a `DataWarning` each) name dropped rows and columns.

    Raises:
        DataError: the data cannot be used; the message says why.
    """
    task = tasks.get(task)
    frame, name = read_table(train, what="train")
    frame = tasks.drop_missing_target(frame, target, name)
    schema, notes = infer_schema(
        frame, target, task.name, features, name, population
    )
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=3)
    schema = dataclasses.replace(
        schema, classes=task.classes(frame[target], target, name)
    )
    y = task.encode(schema, frame[target], name)
    if validation is None:
        train_rows, valid_rows = split_indices(
            y,
            validation_fraction,
            stratify=task.classifies,
            seed=seed,
            labels=schema.class_names,
            name=name,
        )
        valid, y_valid = frame.iloc[valid_rows], y[valid_rows]
        frame, y = frame.iloc[train_rows], y[train_rows]
        valid_name = f"validation split of {name}"
    else:
        valid, valid_name = read_table(validation, what="validation")
        valid = tasks.drop_missing_target(valid, target, valid_name)
        y_valid = task.encode(schema, valid[target], valid_name)
    schema = dataclasses.replace(schema, positive=task.positive(y))
    return Dataset(
        schema=schema,
        train=frame,
        y_train=y,
        valid=valid,
        y_valid=y_valid,
        names=(name, valid_name),
        sources=(train, validation),
        seed=seed,
    )


def summarize(data: Dataset) -> dict:
    """Rows, feature columns (kind, missing cells, training statistics:
    `_statistics`) and the target's spread.

    >>> data = load_dataset("data/penguins/train.csv", target="species",
    ...                     task="multiclass")
    >>> summary = summarize(data)
    >>> summary["train_rows"], summary["validation_rows"]
    (234, 41)
    >>> summary["columns"]["bill_length_mm"]["missing"]
    1
    >>> island = summary["columns"]["island"]
    >>> island["kind"], island["distinct"], island["most_frequent"]
    ('categorical', 3, 'Biscoe')
    """
    frame = pd.concat([data.train, data.valid])
    columns = {
        c.name: {
            "kind": c.kind,
            "missing": int(frame[c.name].isna().sum()),
            **_statistics(data.train[c.name], c.kind),
        }
        for c in data.schema.columns
    }
    y = np.concatenate([data.y_train, data.y_valid])
    target = tasks.get(data.schema.task).summarize(data.schema, y)
    return {
        "train_rows": data.stream.rows if data.stream else len(data.train),
        "validation_rows": len(data.valid),
        "columns": columns,
        "target": target,
    }


def _statistics(values: pd.Series, kind: str) -> dict:
    """A training column's statistics: mean, std, min, max (numeric);
    distinct values and the most frequent (categorical); first and last
    (dates, as text)."""
    present = values.dropna()
    if present.empty:
        return {}
    if kind == "numeric":
        numbers = present.astype(float)
        numbers = numbers[np.isfinite(numbers)]
        if numbers.empty:
            return {}
        return {
            "mean": float(numbers.mean()),
            "std": float(numbers.std(ddof=0)),
            "min": float(numbers.min()),
            "max": float(numbers.max()),
        }
    text = present.astype(str)
    if kind == "date":
        return {"first": text.min(), "last": text.max()}
    counts = text.value_counts()
    return {"distinct": int(len(counts)), "most_frequent": str(counts.index[0])}
