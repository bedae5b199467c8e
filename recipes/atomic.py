"""Writing a directory all at once: beside its target, then renamed in.

A failure or an interruption while writing leaves the previous directory at
that path intact; nothing half-written is ever found there.

>>> with atomic_directory("exported/model", overwrite=True) as tmp:
...     (tmp / "saved_model.pb").write_bytes(b"...")
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from recipes.errors import ArgumentError


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
    """Yields an empty sibling directory; renames it to `path` on success."""
    path = check_destination(path, overwrite)
    path.absolute().parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would hide it from others
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not path.exists():
        os.rename(tmp, path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
    os.rename(path, old / path.name)
    os.rename(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
