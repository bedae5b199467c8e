"""Where a recipe may write a directory, and writing it all at once.

`check_destination` refuses a path before any work is done;
`atomic_directory` then writes through `tuning.files`, so a failure or an
interruption leaves the previous directory at that path intact.

>>> import tempfile
>>> scratch = tempfile.TemporaryDirectory()
>>> path = Path(scratch.name, "exported", "model")
>>> with atomic_directory(path) as tmp:
...     _ = (tmp / "saved_model.pb").write_bytes(b"...")
>>> [p.name for p in path.iterdir()]
['saved_model.pb']
>>> with atomic_directory(path) as tmp:
...     pass
Traceback (most recent call last):
recipes.errors.ArgumentError: .../model already exists; pass overwrite=True ...
>>> with atomic_directory(path, overwrite=True) as tmp:
...     _ = (tmp / "saved_model.pb").write_bytes(b"new")
>>> (path / "saved_model.pb").read_bytes()
b'new'
>>> scratch.cleanup()
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from recipes.errors import ArgumentError
from tuning import files


def check_destination(path: str | os.PathLike, overwrite: bool) -> Path:
    """Refuses a path that is a file, exists (unless `overwrite`), or whose
    parent cannot be written.

    Raises:
        ArgumentError: naming the path and what to do.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ArgumentError(f"{path} is a file; pass a directory path instead")
    if path.exists() and not overwrite:
        raise ArgumentError(
            f"{path} already exists; pass overwrite=True (--overwrite) to "
            "replace it, or choose another path"
        )
    parent = path.absolute().parent
    existing = parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ArgumentError(f"cannot write to {existing}; choose another path")
    return path


@contextlib.contextmanager
def atomic_directory(
    path: str | os.PathLike, overwrite: bool = False
) -> Iterator[Path]:
    """Yields an empty sibling directory; renames it to `path` on success
    (see `tuning.files.atomic_directory`), once `check_destination` passed.
    """
    with files.atomic_directory(check_destination(path, overwrite)) as tmp:
        yield tmp
