"""Training on a CSV too large for memory: one scan, then streamed epochs.

A CSV above `STREAM_ABOVE` bytes (or any CSV with `stream=True`) is never
loaded whole. One pass with pyarrow's streaming reader, block by block:

- holds out validation rows, picked by a seeded hash of the row number
  (`validation_fraction` of the rows, at most `VALIDATION_ROWS`), in memory;
- draws a uniform sample of about `SAMPLE_ROWS` training rows: the schema,
  the preprocessing statistics (medians, means, vocabularies), the target's
  scaling and the class weights come from this stated sample;
- counts the training rows.

Each epoch then reads the file again: the training rows of a block are
shuffled and cut into batches of raw columns, and the model's own
preprocessor runs in the `tf.data` pipeline, so the exported model still
takes raw columns. Memory stays at a few blocks plus the sample and the
validation rows, whatever the size of the file.

>>> should_stream("data/abalone/train.csv", None)  # small: read whole
False
>>> data = scan("data/abalone/train.csv", target="rings",
...             task="regression", sample_rows=1000)
>>> data.names
('train.csv (sample of 951 rows)', 'train.csv (validation, 514 rows)')
>>> data.stream.rows + len(data.valid)  # every row of the file
3341

Example (not run), training on every row, streamed:

    from recipes import Regression
    Regression(target="price").fit(scan("big.csv", target="price",
                                        task="regression"))
    Regression(target="price").fit("big.csv", stream=True)  # the same
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from recipes import dataset as dataset_module
from recipes import reading, tasks
from recipes.errors import DataError
from recipes.reading import (
    Stream,
    read_blocks,
    read_head,
    read_table,
    uniform,
)
from recipes.schema import Schema, find_column

STREAM_ABOVE = 1 << 30  # bytes: larger CSV files are streamed by default
SAMPLE_ROWS = 200_000  # training rows the statistics are computed from
VALIDATION_ROWS = 100_000  # at most this many rows are held out


def should_stream(source, stream: bool | None) -> bool:
    """Whether to stream `source`: as asked, or when a CSV is large."""
    if stream is not None:
        return bool(stream) and isinstance(source, str | os.PathLike)
    if not isinstance(source, str | os.PathLike):
        return False
    path = Path(source)
    return path.is_file() and path.stat().st_size > STREAM_ABOVE


def scan(
    path: str | os.PathLike,
    validation=None,
    *,
    target: str,
    task: str | tasks.Task,
    features: list[str] | None = None,
    seed: int = 0,
    validation_fraction: float = dataset_module.VALIDATION_FRACTION,
    sample_rows: int = SAMPLE_ROWS,
) -> dataset_module.Dataset:
    """One pass over a CSV: validation rows, a sample, the row count.

    Returns a `Dataset` whose `train` is the sample (statistics, schema)
    and whose `stream` reads every training row again for each epoch. A
    `validation` table (path or DataFrame, read whole) replaces the
    held-out rows.

    Raises:
        DataError: the file cannot be read or a column changes type.
    """
    path = Path(path)
    head = read_head(path, reading.HEAD_ROWS)
    name = path.name
    find_column(head, target, name, "target")
    types = _column_types(head, target, tasks.get(task))
    rows_guess = max(1, path.stat().st_size // _bytes_per_row(path, head))
    share = min(validation_fraction, VALIDATION_ROWS / rows_guess)
    if validation is not None:
        share = 0.0
    keep = min(1.0, sample_rows / max(1.0, rows_guess * (1 - share)))
    sample, valid, count, file_rows = [], [], 0, 0
    for start, frame in read_blocks(path, types):
        file_rows = start + len(frame)
        held = uniform(start, len(frame), seed, 0) < share
        drawn = uniform(start, len(frame), seed, 1) < keep
        valid.append(frame[held])
        sample.append(frame[~held & drawn])
        count += int((~held & frame[target].notna().to_numpy()).sum())
    sample, valid = pd.concat(sample), pd.concat(valid)
    if validation is not None:
        valid, _ = read_table(validation, what="validation")
    if not len(valid) or not len(sample):
        raise DataError(
            f"{name} has too few rows to stream; train on it in memory "
            "(stream=False)"
        )
    data = dataset_module.load_dataset(
        sample,
        valid,
        target=target,
        task=task,
        features=features,
        seed=seed,
        population=file_rows,  # the sample's ids are not consecutive
    )
    stream = Stream(path, types, count, seed, share)
    held = f"{name} (validation, {len(valid)} rows)"
    return dataclasses.replace(
        data,
        names=(
            f"{name} (sample of {len(sample)} rows)",
            held if validation is None else data.names[1],
        ),
        sources=(path, validation),
        stream=stream,
    )


def targets(
    schema: Schema, frame: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of a block with a usable target, and the target encoded.

    Rows whose target is missing (or, for classification, a label the
    sample did not hold) are skipped, as `load_dataset` would drop them.
    """
    usable, y = tasks.get(schema.task).usable(schema, frame[schema.target])
    return frame[usable], y


def batches(
    stream: Stream,
    schema: Schema,
    prepare_block: Callable[[pd.DataFrame, np.ndarray], tuple],
    *,
    width: int,
    target_shape: list,
    batch: int,
    seed: int,
    shard: tuple[int, int] = (0, 1),
):
    """A `tf.data.Dataset` of (x, y, weight) batches of every training row
    of `stream` (or of its `shard`, (index, count)), read again each epoch.

    `prepare_block(block, y)` turns a block and its encoded targets into
    (features, loss targets, row weights): the model's own preprocessor
    runs once per block, far cheaper than once per batch. The rows of a
    block are shuffled; `tf.data` cuts the blocks into batches and
    prefetches the next block while the network trains.
    """
    import tensorflow as tf  # training only: `scan` runs without it

    epochs = itertools.count()

    def blocks():
        rng = np.random.default_rng([seed, next(epochs)])
        for block in stream.blocks(*shard):
            block, y = targets(schema, block)
            if len(y):
                order = rng.permutation(len(y))
                x, loss_targets, weights = prepare_block(block, y)
                yield x[order], loss_targets[order], weights[order]

    signature = (
        tf.TensorSpec([None, width], tf.float32),
        tf.TensorSpec(target_shape, tf.float32),
        tf.TensorSpec([None], tf.float32),
    )
    return (
        tf.data.Dataset.from_generator(blocks, output_signature=signature)
        .flat_map(
            lambda x, y, w: tf.data.Dataset.from_tensor_slices((x, y, w)).batch(
                batch
            )
        )
        .prefetch(tf.data.AUTOTUNE)
    )


ARROW_TYPES = {
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "string": pa.string(),
}


def _column_types(head: pd.DataFrame, target: str, task: tasks.Task) -> dict:
    """pyarrow types for every column, so that no block guesses its own."""
    types = {}
    for column, values in head.items():
        if column == target:
            kind = task.target_column_type(values)
        else:
            numeric = pd.api.types.is_numeric_dtype(values) and not (
                pd.api.types.is_bool_dtype(values)
            )
            kind = "float" if numeric else "string"
        types[column] = ARROW_TYPES[kind]
    return types


def _bytes_per_row(path: Path, head: pd.DataFrame) -> int:
    """The mean length of the first rows, to guess the number of rows."""
    with open(path, "rb") as file:
        file.readline()  # the header
        sizes = [len(file.readline()) for _ in range(min(len(head), 1000))]
    return max(1, int(np.mean(sizes)))
