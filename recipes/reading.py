"""Reading tables: a CSV path or a pandas DataFrame in, a DataFrame out.

>>> frame, name = read_table("data/penguins/train.csv")
>>> name, frame.shape
('train.csv', (275, 8))
"""

from __future__ import annotations

import csv
import dataclasses
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from recipes.errors import DataError


@dataclasses.dataclass(frozen=True)
class CSVFile:
    """A CSV file already read and checked, kept with its path for messages.

    >>> table = CSVFile.read("data/penguins/train.csv")
    >>> read_table(table)[1]
    'train.csv'
    """

    frame: pd.DataFrame
    path: Path

    @classmethod
    def read(cls, path: str | os.PathLike) -> CSVFile:
        frame, _ = read_table(path)
        return cls(frame, Path(path))


Table = str | os.PathLike | pd.DataFrame | CSVFile

BLOCK = 4 << 20  # bytes a streamed CSV is parsed by (pyarrow reads ahead)
HEAD_ROWS = 10_000  # rows read first, to fix the type of every column


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
        for start, frame in read_blocks(self.path, self.column_types):
            numbers = np.arange(start, start + len(frame))
            kept = uniform(start, len(frame), self.seed, 0)
            kept = (kept >= self.validation_share) & (numbers % shards == shard)
            yield frame[kept]


def read_table(
    source: Table, *, what: str = "data"
) -> tuple[pd.DataFrame, str]:
    """Returns the table and a short name for messages.

    CSV files are read with pandas' pyarrow engine (multi-threaded, typed),
    falling back to the C engine for what pyarrow refuses, so that the error
    message, if any, names the file.

    Args:
        source: a path to a CSV file, a DataFrame (used as it is) or a
            `CSVFile` read before.
        what: what the table is for, used in messages (e.g. "train").

    Raises:
        DataError: the file is missing, empty or not a readable CSV.
    """
    if isinstance(source, CSVFile):
        return source.frame, source.path.name
    if isinstance(source, pd.DataFrame):
        frame, name = source, f"the {what} DataFrame"
    elif isinstance(source, str | os.PathLike):
        frame, name = _read_csv(Path(source)), Path(source).name
    else:
        raise DataError(
            f"{what} must be a CSV path or a pandas DataFrame; "
            f"received {type(source).__name__}"
        )
    if frame.shape[1] == 0:
        raise DataError(f"{name} has no columns; pass a CSV with a header row")
    if len(frame) == 0:
        raise DataError(
            f"{name} has a header but no rows; pass a CSV with data"
        )
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise DataError(f"{name} has duplicate column names: {duplicated}")
    return frame, name


def read_head(path: str | os.PathLike, rows: int) -> pd.DataFrame:
    """The first `rows` rows of a CSV, checked like a whole file.

    Raises:
        DataError: as `read_table`.
    """
    path = Path(path)
    _check_file(path)
    frame = _read_csv_with_c_engine(path, rows)
    _check_header(path)
    _check_delimiter(frame, path)
    if len(frame) == 0:
        raise DataError(
            f"{path} has a header but no rows; pass a CSV with data"
        )
    return frame


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path} does not exist; check the path")
    if path.is_dir():
        raise DataError(f"{path} is a directory; pass a CSV file")
    if path.stat().st_size == 0:
        raise DataError(f"{path} is empty; pass a CSV with a header row")


def _read_csv(path: Path) -> pd.DataFrame:
    _check_file(path)
    try:
        frame = pd.read_csv(path, engine="pyarrow")
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path} is not UTF-8 text ({error.reason}); re-save it as UTF-8"
        ) from None
    except Exception as error:  # pyarrow refuses what the C engine reads
        _check_row_lengths(error, path)
        frame = _read_csv_with_c_engine(path)
    stamps = _parsed_times(frame)
    if stamps:  # as text, the file's own: what a serving client sends
        # only these columns: given `dtype`, pandas would also cast the
        # other columns (an integer column with gaps fails)
        text = pd.read_csv(
            path,
            engine="pyarrow",
            usecols=stamps,
            dtype=dict.fromkeys(stamps, str),
        )
        frame[stamps] = text[stamps]
    _check_header(path)
    _check_delimiter(frame, path)
    _check_text(frame, path)
    return frame


def _parsed_times(frame: pd.DataFrame) -> list[str]:
    """The columns pyarrow parsed as dates or timestamps (ISO 8601 text).

    Parsed, they would become text again in another spelling ("2020-01-01
    10:00:00" for "2020-01-01T10:00:00") that no served row matches.
    """
    times = {"date", "datetime", "datetime64", "time"}
    return [
        column
        for column in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[column])
        or (
            pd.api.types.is_object_dtype(frame[column])
            and pd.api.types.infer_dtype(frame[column], skipna=True) in times
        )
    ]


def _check_row_lengths(error: Exception, path: Path) -> None:
    """Refuses a row with another number of cells than the header, which
    the C engine would pad with missing values (or mis-assign) silently.

    `error` is pyarrow's: "Expected 3 columns, got 1: <the row>".
    """
    found = re.search(r"Expected (\d+) columns, got (\d+): (.*)", str(error))
    if found is None:
        return
    expected, got, row = found.groups()
    row = row.strip()
    hint = next(
        (f" (it uses {name!r})" for name in (";", "\t", "|") if name in row),
        "",
    )
    raise DataError(
        f"{path} has a row of {got} cell(s) where the header has {expected}"
        f": {row[:60]!r}{hint}; every row needs one comma-separated cell "
        "per column"
    )


def _check_text(frame: pd.DataFrame, path: Path) -> None:
    """Refuses bytes: pyarrow reads cells that are not UTF-8 as binary."""
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_object_dtype(values):
            continue
        kind = pd.api.types.infer_dtype(values, skipna=True)  # one C loop
        if kind == "bytes" or (
            kind == "mixed" and values.map(type).eq(bytes).any()
        ):
            raise DataError(
                f"{path} is not UTF-8 text (column {column!r}); "
                "re-save it as UTF-8"
            )


def _check_delimiter(frame: pd.DataFrame, path: Path) -> None:
    """Refuses a file that is not comma-separated (one column, ; or tab)."""
    header = str(frame.columns[0])
    for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
        if frame.shape[1] == 1 and delimiter in header:
            raise DataError(
                f"{path} seems to be separated by {name}, not commas; "
                "re-save it as a comma-separated CSV"
            )


def _check_header(path: Path) -> None:
    """Refuses duplicate names, which pandas would silently rename "a.1"."""
    with open(path, newline="", encoding="utf-8", errors="replace") as file:
        header = next(csv.reader(file), [])
    seen: set[str] = set()
    duplicated = [n for n in header if n in seen or seen.add(n)]
    if duplicated:
        raise DataError(
            f"{path} has duplicate column names: {sorted(set(duplicated))}; "
            "rename them so that each column has its own name"
        )


def _read_csv_with_c_engine(
    path: Path, rows: int | None = None
) -> pd.DataFrame:
    try:
        return pd.read_csv(path, nrows=rows)
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path} is not UTF-8 text ({error.reason}); re-save it as UTF-8"
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} has no header row; pass a CSV file") from None
    except pd.errors.ParserError as error:
        detail = str(error).strip().splitlines()[-1]
        raise DataError(
            f"{path} is not a well-formed CSV ({detail}); "
            "check the delimiter (a comma) and the quoting"
        ) from None


def read_blocks(path: Path, types: dict) -> Iterator[tuple[int, pd.DataFrame]]:
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
        _check_row_lengths(error, path)
        raise DataError(
            f"{path.name}: {str(error).strip().splitlines()[0]}; a column's "
            "type must be the same throughout the file (its first "
            f"{HEAD_ROWS} rows fix it)"
        ) from None


def uniform(start: int, rows: int, seed: int, salt: int) -> np.ndarray:
    """A uniform number in [0, 1) per row number (splitmix64 of it)."""
    z = np.arange(start, start + rows, dtype=np.uint64)
    z += np.uint64((0x9E3779B97F4A7C15 * (2 * seed + salt + 1)) % (1 << 64))
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)
