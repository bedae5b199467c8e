"""What each task means: labels, head, loss, decoded outputs and metrics.

Used by the recipes in training and by `ExportedModel` on a SavedModel's
outputs, so both decode and score predictions the same way.

>>> head("binary", 2)
(1, 'sigmoid')
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from recipes import metrics
from recipes.errors import ArgumentError, DataError, DataWarning
from recipes.schema import Schema, find_column

LOSSES = {
    "regression": ("mse", "mae", "huber"),
    "binary": ("binary_crossentropy",),
    "multiclass": ("categorical_crossentropy",),
}


def head(task: str, n_classes: int = 0) -> tuple[int, str]:
    """The output width and activation of the network for a task."""
    if task == "regression":
        return 1, "linear"
    if task == "binary":
        return 1, "sigmoid"
    return n_classes, "softmax"


def check_loss(task: str, name: str) -> None:
    """Refuses a loss that does not belong to the task.

    Raises:
        ArgumentError: naming the task's losses.
    """
    if name not in LOSSES[task]:
        raise ArgumentError(
            f"unknown loss {name!r} for {task}; use one of: "
            f"{', '.join(LOSSES[task])}"
        )


def sorted_labels(values: pd.Series) -> tuple:
    """The distinct labels of a target column, sorted, as Python values."""
    labels = [v.item() if hasattr(v, "item") else v for v in values.unique()]
    try:
        return tuple(sorted(labels))
    except TypeError:  # mixed types: order by their text
        return tuple(sorted(labels, key=str))


def drop_missing_target(
    frame: pd.DataFrame, target: str, name: str
) -> pd.DataFrame:
    """The rows whose target is present; warns with the count of the others.

    Raises:
        DataError: the target column is absent or entirely empty.
    """
    find_column(frame, target, name, "target")
    missing = frame[target].isna()
    if missing.all():
        raise DataError(
            f"target {target!r} of {name} is empty in every row; "
            "fill in the target or choose another column"
        )
    if missing.any():
        warnings.warn(
            f"{name}: dropping {int(missing.sum())} row(s) whose target "
            f"{target!r} is missing",
            DataWarning,
            stacklevel=3,
        )
        frame = frame[~missing]
    return frame


def check_classes(task: str, classes: tuple, target: str, name: str) -> None:
    """Refuses a target with the wrong number of classes for the task."""
    if len(classes) < 2:
        raise DataError(
            f"target {target!r} of {name} has a single class "
            f"{list(classes)}; a classifier needs at least two"
        )
    if task == "binary" and len(classes) > 2:
        raise DataError(
            f"target {target!r} of {name} has {len(classes)} classes; use "
            "MulticlassClassification (--task multiclass) instead of binary"
        )


def encode(schema: Schema, values: pd.Series, name: str) -> np.ndarray:
    """The target as the network sees it: floats, or class indices.

    Raises:
        DataError: non-numeric regression targets, or unknown class labels.
    """
    if schema.task == "regression":
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().any() or not np.isfinite(numbers).all():
            bad = values[numbers.isna() | ~np.isfinite(numbers)].iloc[0]
            raise DataError(
                f"target {schema.target!r} of {name} must be numeric for a "
                f"regression; found {bad!r}"
            )
        return numbers.to_numpy(dtype=np.float64)
    codes = label_codes(schema, values)
    unknown = values[codes < 0].unique().tolist()
    if unknown:
        raise DataError(
            f"target {schema.target!r} of {name} has label(s) {unknown[:5]} "
            f"not seen in training ({', '.join(schema.class_names)})"
        )
    return codes


def label_codes(schema: Schema, values: pd.Series) -> np.ndarray:
    """Class indices of the labels, -1 for a label not in `schema.classes`.

    A label also matches by its text ("1" finds the class 1).
    """
    index = {label: i for i, label in enumerate(schema.classes)}
    index.update({str(k): i for k, i in list(index.items())})
    rows, distinct = pd.factorize(values, use_na_sentinel=False)
    lookup = np.array(  # each distinct label looked up once
        [index.get(v, index.get(str(v), -1)) for v in distinct], dtype=np.int64
    )
    return lookup[rows]


def decode(schema: Schema, output: np.ndarray, index=None) -> pd.DataFrame:
    """The predictions table from the network's output.

    Regression: `prediction`. Classification: `class` (labels as in the CSV)
    and `proba_<label>` per class. Binary `output` is the probability of the
    second class; a row is that class when the probability is >= 0.5.
    """
    if schema.task == "regression":
        return pd.DataFrame({"prediction": output.reshape(-1)}, index=index)
    probabilities = class_probabilities(schema.task, output)
    chosen = (
        (probabilities[:, 1] >= 0.5).astype(int)
        if schema.task == "binary"
        else probabilities.argmax(axis=1)
    )
    classes = np.empty(len(schema.classes), dtype=object)
    classes[:] = list(schema.classes)
    frame = pd.DataFrame({"class": classes[chosen]}, index=index)
    for i, label in enumerate(schema.class_names):
        frame[f"proba_{label}"] = probabilities[:, i]
    return frame


def class_probabilities(task: str, output: np.ndarray) -> np.ndarray:
    """An [n, K] probability matrix from a binary or multiclass output."""
    if task == "binary":
        p = output.reshape(-1)
        return np.stack([1.0 - p, p], axis=1)
    return output


def score(schema: Schema, y: np.ndarray, output: np.ndarray) -> dict:
    """The task's metrics for true targets `y` (as `encode` gives them)."""
    if schema.task == "regression":
        return metrics.regression_metrics(y, output.reshape(-1))
    if schema.task == "binary":
        return metrics.binary_metrics(
            y, output.reshape(-1).astype(np.float64), schema.positive
        )
    probabilities = output.astype(np.float64)  # float32 sums drift from 1
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return metrics.multiclass_metrics(y, probabilities)


def prior(schema: Schema, y_train: np.ndarray) -> list[float]:
    """What the trivial model predicts: the training mean or class priors."""
    if schema.task == "regression":
        return [float(y_train.mean())]
    counts = np.bincount(y_train, minlength=len(schema.classes))
    return (counts / counts.sum()).tolist()


def trivial_output(schema: Schema, prior: list[float], rows: int):
    """The trivial model's output for `rows` rows, shaped as the network's."""
    if schema.task == "binary":
        return np.full(rows, prior[1])
    if schema.task == "regression":
        return np.full(rows, prior[0])
    return np.tile(np.asarray(prior), (rows, 1))
