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

>>> data = scan("big.csv", target="price", task="regression")
>>> Regression(target="price").fit(data)   # or fit("big.csv", stream=True)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from recipes import dataset as dataset_module
from recipes import tasks
from recipes.errors import DataError
from recipes.reading import read_head, read_table
from recipes.schema import Schema, find_column

STREAM_ABOVE = 1 << 30  # bytes: larger CSV files are streamed by default
SAMPLE_ROWS = 200_000  # training rows the statistics are computed from
VALIDATION_ROWS = 100_000  # at most this many rows are held out
BLOCK = 4 << 20  # bytes parsed at a time (pyarrow reads a few ahead)
HEAD_ROWS = 10_000  # rows read first, to fix the type of every column


def should_stream(source, stream: bool | None) -> bool:
    """Whether to stream `source`: as asked, or when a CSV is large."""
    if stream is not None:
        return bool(stream) and isinstance(source, str | os.PathLike)
    if not isinstance(source, str | os.PathLike):
        return False
    path = Path(source)
    return path.is_file() and path.stat().st_size > STREAM_ABOVE


@dataclasses.dataclass(frozen=True)
class Stream:
    """A CSV read block by block; which rows train, which validate."""

    path: Path
    column_types: dict  # column name -> pyarrow type, fixed by the head
    rows: int  # training rows
    seed: int
    validation_share: float  # of the rows hashed into validation

    def blocks(self, shard: int = 0, shards: int = 1) -> Iterator[pd.DataFrame]:
        """The training rows of the file, one DataFrame per block; with
        `shards`, only those whose row number is `shard` modulo `shards`."""
        for start, frame in _blocks(self.path, self.column_types):
            numbers = np.arange(start, start + len(frame))
            kept = _uniform(start, len(frame), self.seed, 0)
            kept = (kept >= self.validation_share) & (numbers % shards == shard)
            yield frame[kept]


def scan(
    path: str | os.PathLike,
    validation=None,
    *,
    target: str,
    task: str,
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
    head = read_head(path, HEAD_ROWS)
    name = path.name
    find_column(head, target, name, "target")
    types = _column_types(head, target, task)
    rows_guess = max(1, path.stat().st_size // _bytes_per_row(path, head))
    share = min(validation_fraction, VALIDATION_ROWS / rows_guess)
    if validation is not None:
        share = 0.0
    keep = min(1.0, sample_rows / max(1.0, rows_guess * (1 - share)))
    sample, valid, count = [], [], 0
    for start, frame in _blocks(path, types):
        held = _uniform(start, len(frame), seed, 0) < share
        drawn = _uniform(start, len(frame), seed, 1) < keep
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
    values = frame[schema.target]
    if schema.task == "regression":
        y = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        usable = np.isfinite(y)
        return frame[usable], y[usable]
    codes = tasks.label_codes(schema, values)
    usable = codes >= 0
    return frame[usable], codes[usable]


def _column_types(head: pd.DataFrame, target: str, task: str) -> dict:
    """pyarrow types for every column, so that no block guesses its own."""
    types = {}
    for column, values in head.items():
        numeric = pd.api.types.is_numeric_dtype(values) and not (
            pd.api.types.is_bool_dtype(values)
        )
        if column == target and task != "regression":
            integer = pd.api.types.is_integer_dtype(values)
            types[column] = pa.int64() if integer else pa.string()
            if pd.api.types.is_bool_dtype(values):
                types[column] = pa.bool_()
        else:
            types[column] = pa.float64() if numeric else pa.string()
    return types


def _bytes_per_row(path: Path, head: pd.DataFrame) -> int:
    """The mean length of the first rows, to guess the number of rows."""
    with open(path, "rb") as file:
        file.readline()  # the header
        sizes = [len(file.readline()) for _ in range(min(len(head), 1000))]
    return max(1, int(np.mean(sizes)))


def _blocks(path: Path, types: dict) -> Iterator[tuple[int, pd.DataFrame]]:
    """(first row number, DataFrame) per block of the CSV."""
    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(block_size=BLOCK),
            convert_options=pa_csv.ConvertOptions(column_types=types),
        )
        start = 0
        for batch in reader:
            frame = batch.to_pandas()
            yield start, frame
            start += len(frame)
    except pa.ArrowInvalid as error:
        raise DataError(
            f"{path.name}: {str(error).strip().splitlines()[0]}; a column's "
            "type must be the same throughout the file (its first "
            f"{HEAD_ROWS} rows fix it)"
        ) from None


def _uniform(start: int, rows: int, seed: int, salt: int) -> np.ndarray:
    """A uniform number in [0, 1) per row number (splitmix64 of it)."""
    z = np.arange(start, start + rows, dtype=np.uint64)
    z += np.uint64((0x9E3779B97F4A7C15 * (2 * seed + salt + 1)) % (1 << 64))
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)
