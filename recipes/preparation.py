"""A table turned into what the network trains on, once, with no side effect.

`prepare` reads, checks and splits the data (`recipes.dataset`, or
`recipes.streaming.scan` for a file too large for memory), fits the
preprocessing to the training rows and runs it once, and asks the task for
its target scaling, class weights, trivial prior and summary. It returns
all of it in a `Prepared`; nothing is set on the recipe until training has
succeeded.

>>> data = prepare("data/penguins/train.csv", target="species",
...                task="multiclass")
>>> data.x_train.shape[0] + data.x_valid.shape[0]
275
"""

from __future__ import annotations

import dataclasses
import warnings

import keras
import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

from recipes import streaming, tasks
from recipes.dataset import (
    VALIDATION_FRACTION,
    Dataset,
    load_dataset,
    summarize,
)
from recipes.errors import ArgumentError, check_positive_int
from recipes.inference import batched
from recipes.preprocessing import Layout, build_preprocessor, to_inputs
from recipes.reading import Table
from recipes.schema import Schema
from recipes.streaming import Stream
from recipes.targets import TargetScale

FOLDS = 5  # folds="auto": the folds of a small table
CROSS_FIT_BELOW = 5000  # folds="auto": cross-fit tables of fewer rows


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What the network trains on, ready for fitting or a search."""

    task: tasks.Task
    schema: Schema
    preprocessor: keras.Model  # raw named columns -> one float matrix
    layout: Layout  # where each kind of feature sits in that matrix
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    class_weight: dict | None
    target_scale: TargetScale | None  # regression
    prior: list[float]  # the trivial model's prediction
    summary: dict  # rows, columns and target, for the report
    sources: tuple  # the tables read, for worker processes
    stream: Stream | None = None  # x_train is then a sample's features
    folds: int = 1  # > 1: every row in x_train, for `cross_folds`

    @property
    def rows(self) -> int:
        """Training rows: every one of a stream, not just its sample."""
        return self.stream.rows if self.stream else len(self.x_train)

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Encoded targets as the loss takes them (scaled, one-hot)."""
        return self.task.targets(self.schema, y, self.target_scale)

    def weights(self, y: np.ndarray) -> np.ndarray:
        """Each row's class weight (1 without class weights), float32."""
        if not self.class_weight:
            return np.ones(len(y), np.float32)
        table = np.ones(len(self.schema.classes), np.float32)
        for label, weight in self.class_weight.items():
            table[label] = weight
        return table[y]


def prepare(
    train: Table | Dataset,
    validation: Table | None = None,
    *,
    target: str,
    task: str | tasks.Task,
    features: list[str] | None = None,
    seed: int = 0,
    validation_fraction: float = VALIDATION_FRACTION,
    normalization: str = "zscore",
    class_weight: str | None = None,
    target_transform: str = "auto",
    stream: bool | None = None,
    folds: int | str = 1,
) -> Prepared:
    """Reads, checks, splits and preprocesses the data once.

    `train` may be a `Dataset` already loaded (by `load_dataset` or
    `recipes.streaming.scan` with this target and task); it then carries
    its own split.

    `folds` > 1 asks for cross-fitting (`cross_folds`): the validation
    split goes back into the training rows, which the preprocessing is
    fitted on. "auto" is `FOLDS` for a table of fewer than
    `CROSS_FIT_BELOW` rows without a validation table, else 1.

    Raises:
        DataError: the data cannot be used (the message says why).
        ArgumentError: a dataset loaded for another target or task.
    """
    task = tasks.get(task)
    data = train
    if not isinstance(data, Dataset):
        streamed = streaming.should_stream(train, stream)
        data = (streaming.scan if streamed else load_dataset)(
            train,
            validation,
            target=target,
            task=task,
            features=features,
            seed=seed,
            validation_fraction=validation_fraction,
        )
    elif (data.schema.target, data.schema.task) != (target, task.name):
        raise ArgumentError(
            f"the dataset was loaded for {data.schema.task} of "
            f"{data.schema.target!r}; this recipe is {task.name} of "
            f"{target!r}"
        )
    folds = resolve_folds(
        folds,
        len(data.train) + len(data.valid),
        data.sources[1] is not None or data.stream is not None,
    )
    if folds > 1:
        data = dataclasses.replace(
            data,
            train=pd.concat([data.train, data.valid]),
            y_train=np.concatenate([data.y_train, data.y_valid]),
            valid=data.valid.iloc[:0],
            y_valid=data.y_valid[:0],
        )
    schema, (name, valid_name) = data.schema, data.names
    preprocessor, layout = build_preprocessor(schema, data.train, normalization)
    return Prepared(
        task=task,
        schema=schema,
        preprocessor=preprocessor,
        layout=layout,
        x_train=batched(preprocessor, to_inputs(data.train, schema, name)),
        y_train=data.y_train,
        x_valid=batched(
            preprocessor, to_inputs(data.valid, schema, valid_name)
        ),
        y_valid=data.y_valid,
        class_weight=task.class_weight(data.y_train, schema, class_weight),
        target_scale=task.target_scale(data.y_train, target_transform),
        prior=task.prior(schema, data.y_train),
        summary=summarize(data),
        sources=data.sources,
        stream=data.stream,
        folds=folds,
    )


def resolve_folds(folds: int | str, rows: int, fixed: bool) -> int:
    """The folds to cross-fit `rows` rows on: `folds`, or "auto" resolved;
    `fixed`: the split is given (a validation table, or a stream's).

    Raises:
        ArgumentError: folds > 1 with a fixed split.
    """
    if folds == "auto":
        return FOLDS if rows < CROSS_FIT_BELOW and not fixed else 1
    check_positive_int("folds", folds)
    if folds > 1 and fixed:
        raise ArgumentError(
            f"folds={folds} cross-fits on the training table's own rows; "
            "drop the validation table (or the stream) or pass folds=1"
        )
    return folds


def cross_folds(data: Prepared, seed: int = 0) -> list[Prepared]:
    """`data.folds` copies of `data`, copy i early-stopping on fold i of
    the training rows and training on the others (folds stratified by
    class for classification), so that every row trains a network.

    >>> data = prepare("data/penguins/train.csv", target="species",
    ...                task="multiclass", folds=5)
    >>> [len(fold.x_valid) for fold in cross_folds(data)]
    [55, 55, 55, 55, 55]
    """
    kind = StratifiedKFold if data.task.classifies else KFold
    splitter = kind(data.folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # a class rarer than the folds
        warnings.simplefilter("ignore", UserWarning)
        splits = list(splitter.split(data.x_train, data.y_train))
    return [
        dataclasses.replace(
            data,
            x_train=data.x_train[fit],
            y_train=data.y_train[fit],
            x_valid=data.x_train[held_out],
            y_valid=data.y_train[held_out],
            folds=1,
        )
        for fit, held_out in splits
    ]
