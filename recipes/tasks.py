"""What each task means: labels, targets, head, loss, outputs and metrics.

A task is an object — `REGRESSION`, `BINARY`, `MULTICLASS`, found by name
with `get` — and the only place that knows what its name implies. The
recipes ask it in training, `export` in serving, `ExportedModel` on a
SavedModel's outputs and the report for its baseline, so all of them decode
and score predictions the same way. A new task is a new `Task` subclass
here, registered in `TASKS`.

>>> get("binary").head(2)
(1, 'sigmoid')
>>> get("multiclass").outputs
('probabilities', 'class')
"""

from __future__ import annotations

import abc
import math
import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_class_weight

from recipes import metrics
from recipes.errors import ArgumentError, DataError, DataWarning
from recipes.schema import Schema, find_column
from recipes.targets import TargetScale

MAX_AUTO_CLASSES = 50  # `infer_task` calls more labels than this unsure
RARE_CLASS = 0.2  # class_weight="auto" switches on when the rarest is rarer


class Task(abc.ABC):
    """What a task means; subclasses fill in each part.

    Attributes:
        name: the task's name, as schemas and the command line write it.
        losses: the Keras losses it trains with, the default first.
        outputs: the SavedModel's named outputs, the main one first.
        diagnostic: the report's plot of its predictions ("residuals",
            "roc" or "confusion").
        ranking: the metric that ranks columns by permutation importance
            (a key of `score`'s result), and whether lower is better.
        inapplicable: hyperparameters that cannot change its model.
    """

    name: ClassVar[str]
    losses: ClassVar[tuple[str, ...]]
    outputs: ClassVar[tuple[str, ...]]
    diagnostic: ClassVar[str]
    ranking: ClassVar[tuple[str, bool]]
    inapplicable: ClassVar[frozenset[str]] = frozenset()
    classifies: ClassVar[bool] = True  # labels, classes, class weights

    def __repr__(self) -> str:
        return f"tasks.get({self.name!r})"

    def check_loss(self, loss: str) -> None:
        """Refuses a loss that does not belong to the task.

        Raises:
            ArgumentError: naming the task's losses.
        """
        if loss not in self.losses:
            raise ArgumentError(
                f"unknown loss {loss!r} for {self.name}; use one of: "
                f"{', '.join(self.losses)}"
            )

    # -- labels ---------------------------------------------------------

    def classes(self, values: pd.Series, target: str, name: str):
        """The sorted class labels of a training target (None: no classes).

        Raises:
            DataError: a single class, or too many for the task.
        """
        classes = sorted_labels(values)
        if len(classes) < 2:
            raise DataError(
                f"target {target!r} of {name} has a single class "
                f"{list(classes)}; a classifier needs at least two"
            )
        return classes

    def positive(self, y: np.ndarray) -> int | None:
        """The class whose f1 is reported (None: no such class)."""
        return None

    def encode(self, schema: Schema, values: pd.Series, name: str):
        """The target as the network sees it: class indices here.

        Raises:
            DataError: labels not seen in training.
        """
        codes = label_codes(schema, values)
        unknown = values[codes < 0].unique().tolist()
        if unknown:
            raise DataError(
                f"target {schema.target!r} of {name} has label(s) "
                f"{unknown[:5]} not seen in training "
                f"({', '.join(schema.class_names)})"
            )
        return codes

    def usable(self, schema: Schema, values: pd.Series):
        """(mask of rows with a usable target, their encoded targets), for
        a streamed block whose bad rows are skipped, not refused."""
        codes = label_codes(schema, values)
        return codes >= 0, codes[codes >= 0]

    def target_column_type(self, values: pd.Series) -> str:
        """How a streamed CSV's target column is read: "int", "bool",
        "string" or "float"."""
        if pd.api.types.is_bool_dtype(values):
            return "bool"
        return "int" if pd.api.types.is_integer_dtype(values) else "string"

    def summarize(self, schema: Schema, y: np.ndarray) -> dict:
        """Rows per class, by label."""
        counts = np.bincount(y, minlength=len(schema.classes))
        return dict(zip(schema.class_names, counts.tolist(), strict=True))

    # -- training -------------------------------------------------------

    def target_scale(self, y: np.ndarray, transform: str = "auto"):
        """The `targets.TargetScale` of the training targets under
        `transform` (one of `targets.TRANSFORMS`), or None."""
        return None

    def class_weight(
        self, y: np.ndarray, schema: Schema, mode: str | None
    ) -> dict | None:
        """Balanced class weights for "balanced", and for "auto" when the
        rarest class is under `RARE_CLASS` of the rows; else None."""
        counts = np.bincount(y, minlength=len(schema.classes))
        rare = counts.min() / counts.sum() < RARE_CLASS
        if mode != "balanced" and not (mode == "auto" and rare):
            return None
        present = np.unique(y)
        weights = compute_class_weight("balanced", classes=present, y=y)
        return {int(c): float(w) for c, w in zip(present, weights, strict=True)}

    @abc.abstractmethod
    def head(self, n_classes: int) -> tuple[int, str]:
        """The output width and activation of the network."""

    @abc.abstractmethod
    def targets(self, schema: Schema, y: np.ndarray, scale=None) -> np.ndarray:
        """Encoded targets as the loss takes them, float32."""

    def target_shape(self, schema: Schema) -> list:
        """The shape of a batch of `targets`."""
        return [None]

    # -- outputs and scores ---------------------------------------------

    @abc.abstractmethod
    def serve(self, output, names) -> dict:
        """The SavedModel's named outputs from the network's `output`
        (a TensorFlow tensor); `names` is a string tensor of the labels."""

    def probabilities(self, output: np.ndarray) -> np.ndarray:
        """An [n, K] probability matrix from the network's output."""
        return output

    def decode(
        self, schema: Schema, output: np.ndarray, index=None
    ) -> pd.DataFrame:
        """The predictions table: `class` (labels as in the CSV) and
        `proba_<label>` per class."""
        probabilities = self.probabilities(output)
        classes = np.empty(len(schema.classes), dtype=object)
        classes[:] = list(schema.classes)
        chosen = self.choose(probabilities)
        frame = pd.DataFrame({"class": classes[chosen]}, index=index)
        for i, label in enumerate(schema.class_names):
            frame[f"proba_{label}"] = probabilities[:, i]
        return frame

    def choose(self, probabilities: np.ndarray) -> np.ndarray:
        """The predicted class of each row: the most probable."""
        return probabilities.argmax(axis=1)

    @abc.abstractmethod
    def score(self, schema: Schema, y: np.ndarray, output: np.ndarray):
        """The task's metrics for true targets `y` (as `encode` gives)."""

    # -- the trivial model ----------------------------------------------

    def prior(self, schema: Schema, y_train: np.ndarray) -> list[float]:
        """What the trivial model predicts: the class priors."""
        counts = np.bincount(y_train, minlength=len(schema.classes))
        return (counts / counts.sum()).tolist()

    def trivial_output(self, prior: list[float], rows: int) -> np.ndarray:
        """The trivial model's output for `rows` rows, shaped as the
        network's."""
        return np.tile(np.asarray(prior), (rows, 1))

    def trivial_loss(
        self, prior: list[float], loss: str, label_smoothing: float = 0.0
    ) -> float | None:
        """The trivial model's expected loss on rows distributed as the
        training rows (None where unknown).

        Cross-entropy of the priors p against targets smoothed by e over K
        classes: -sum_k ((1 - e) p_k + e / K) log p_k.
        """
        k = len(prior)
        return -sum(
            ((1 - label_smoothing) * p + label_smoothing / k) * math.log(p)
            for p in prior
            if p > 0
        )


class RegressionTask(Task):
    """A number: linear output on a standardized target, MSE by default."""

    name = "regression"
    losses = ("mse", "mae", "huber")
    outputs = ("prediction",)
    diagnostic = "residuals"
    ranking = ("rmse", True)
    inapplicable = frozenset({"label_smoothing"})
    classifies = False

    def classes(self, values, target, name):
        return None

    def encode(self, schema, values, name):
        """The target as floats.

        Raises:
            DataError: a value that is not a finite number.
        """
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().any() or not np.isfinite(numbers).all():
            bad = values[numbers.isna() | ~np.isfinite(numbers)].iloc[0]
            raise DataError(
                f"target {schema.target!r} of {name} must be numeric for a "
                f"regression; found {bad!r}"
            )
        return numbers.to_numpy(dtype=np.float64)

    def usable(self, schema, values):
        y = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        usable = np.isfinite(y)
        return usable, y[usable]

    def target_column_type(self, values):
        return "float"

    def summarize(self, schema, y):
        return {
            "mean": float(y.mean()),
            "std": float(y.std()),
            "min": float(y.min()),
            "max": float(y.max()),
        }

    def target_scale(self, y, transform="auto"):
        return TargetScale.fit(y, transform)

    def class_weight(self, y, schema, mode):
        return None

    def head(self, n_classes):
        return 1, "linear"

    def targets(self, schema, y, scale=None):
        return scale.forward(y)

    def serve(self, output, names):
        return {"prediction": output[:, 0]}

    def decode(self, schema, output, index=None):
        return pd.DataFrame({"prediction": output.reshape(-1)}, index=index)

    def score(self, schema, y, output):
        return metrics.regression_metrics(y, output.reshape(-1))

    def prior(self, schema, y_train):
        """The training mean."""
        return [float(y_train.mean())]

    def trivial_output(self, prior, rows):
        return np.full(rows, prior[0])

    def trivial_loss(self, prior, loss, label_smoothing=0.0):
        """1 for MSE on the standardized target (its variance); else
        unknown."""
        return 1.0 if loss == "mse" else None


class BinaryTask(Task):
    """Two classes: sigmoid output, binary cross-entropy.

    The output is the probability of the second label in sorted order; a
    row is that class when the probability is >= 0.5.
    """

    name = "binary"
    losses = ("binary_crossentropy",)
    outputs = ("probability", "class")
    diagnostic = "roc"
    ranking = ("roc_auc", False)

    def classes(self, values, target, name):
        classes = super().classes(values, target, name)
        if len(classes) > 2:
            raise DataError(
                f"target {target!r} of {name} has {len(classes)} classes; "
                "use MulticlassClassification (--task multiclass) instead "
                "of binary"
            )
        return classes

    def positive(self, y):
        """The rarer class in training."""
        return int(np.argmin(np.bincount(y, minlength=2)))

    def head(self, n_classes):
        return 1, "sigmoid"

    def targets(self, schema, y, scale=None):
        return y.astype(np.float32)

    def serve(self, output, names):
        import tensorflow as tf  # serving only: data checks run without it

        p = output[:, 0]
        return {
            "probability": p,
            "class": tf.gather(names, tf.cast(p >= 0.5, tf.int32)),
        }

    def probabilities(self, output):
        p = output.reshape(-1)
        return np.stack([1.0 - p, p], axis=1)

    def choose(self, probabilities):
        return (probabilities[:, 1] >= 0.5).astype(int)

    def score(self, schema, y, output):
        return metrics.binary_metrics(
            y, output.reshape(-1).astype(np.float64), schema.positive
        )

    def trivial_output(self, prior, rows):
        return np.full(rows, prior[1])


class MulticlassTask(Task):
    """Several classes: softmax output, categorical cross-entropy."""

    name = "multiclass"
    losses = ("categorical_crossentropy",)
    outputs = ("probabilities", "class")
    diagnostic = "confusion"
    ranking = ("accuracy", False)

    def head(self, n_classes):
        return n_classes, "softmax"

    def targets(self, schema, y, scale=None):
        return np.eye(len(schema.classes), dtype=np.float32)[y]

    def target_shape(self, schema):
        return [None, len(schema.classes)]

    def serve(self, output, names):
        import tensorflow as tf  # serving only: data checks run without it

        return {
            "probabilities": output,
            "class": tf.gather(names, tf.argmax(output, axis=1)),
        }

    def score(self, schema, y, output):
        probabilities = output.astype(np.float64)  # float32 sums drift
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return metrics.multiclass_metrics(y, probabilities)


REGRESSION, BINARY, MULTICLASS = (
    RegressionTask(),
    BinaryTask(),
    MulticlassTask(),
)
TASKS = {task.name: task for task in (REGRESSION, BINARY, MULTICLASS)}


def get(task: str | Task) -> Task:
    """The task of a name (a `Task` is returned as it is).

    Raises:
        ArgumentError: an unknown name, naming the tasks.
    """
    if isinstance(task, Task):
        return task
    if task not in TASKS:
        raise ArgumentError(
            f"unknown task {task!r}; use one of: {', '.join(TASKS)}"
        )
    return TASKS[task]


def infer_task(target: pd.Series, name: str) -> Task:
    """Picks the task from the target column's values.

    Floats are a regression; two distinct values a binary classification;
    3 to 50 string or integer labels a multiclass classification.

    Raises:
        DataError: the target fits none of these; the message asks for a task.
    """
    values = target.dropna()
    distinct = values.nunique()
    if distinct == 2:
        return BINARY
    if pd.api.types.is_float_dtype(values):
        return REGRESSION
    if 3 <= distinct <= MAX_AUTO_CLASSES and not pd.api.types.is_bool_dtype(
        values
    ):
        return MULTICLASS
    raise DataError(
        f"cannot tell the task from column {target.name!r} of {name} "
        f"({distinct} distinct {values.dtype} values); pass task= / --task "
        f"one of: {', '.join(TASKS)}"
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
