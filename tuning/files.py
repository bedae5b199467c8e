"""Writing files and directories all at once: beside the target, renamed in.

The one module of the project that moves files. A failure or an
interruption (even SIGKILL) while writing leaves the previous file or
directory at that path intact; nothing half-written is ever found there.
Modes follow the process's umask, which is never changed.

>>> import tempfile
>>> scratch = tempfile.TemporaryDirectory()
>>> folder = Path(scratch.name)
>>> atomic_write(folder / "x" / "record.json", '{"seconds": 1.5}').read_text()
'{"seconds": 1.5}'
>>> with atomic_directory(folder / "model") as tmp:
...     _ = (tmp / "saved_model.pb").write_bytes(b"...")
>>> with atomic_directory(folder / "model") as tmp:  # fails half-way
...     _ = (tmp / "variables").write_bytes(b"...")
...     raise OSError("disk full")
Traceback (most recent call last):
OSError: disk full
>>> [p.name for p in (folder / "model").iterdir()]  # the previous one, intact
['saved_model.pb']
>>> sorted(p.name for p in folder.iterdir())  # and no temporary left beside
['model', 'x']
>>> scratch.cleanup()
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


def _sibling(path: Path, what: str) -> Path:
    """A fresh hidden name beside `path`, e.g. `.model.tmp.3f2a...`."""
    return path.with_name(f".{path.name}.{what}.{uuid.uuid4().hex[:12]}")


def atomic_write(
    path: str | os.PathLike, content: str | bytes | Callable[[IO], None]
) -> Path:
    """Writes `content` (text, bytes, or a function given the open binary
    file) to `path` through a sibling file renamed over it.

    Creates the parent directories.
    """
    path = Path(path)
    path.absolute().parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(path, "tmp")
    try:
        with open(tmp, "xb") as file:  # mode as the umask says
            if callable(content):
                content(file)
            else:
                file.write(
                    content.encode() if isinstance(content, str) else content
                )
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Yields an empty sibling directory; moves it to `path` on success.

    An existing directory at `path` is replaced by exchanging the two in
    one step (Linux's `renameat2(RENAME_EXCHANGE)`), so `path` always
    exists; the old one is deleted after. Where the kernel or C library
    cannot exchange, the old directory is renamed aside and the new one
    renamed in: for an instant between the two, `path` does not exist.
    """
    path = Path(path)
    path.absolute().parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(path, "tmp")
    tmp.mkdir()  # mode as the umask says
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not path.exists():
        os.rename(tmp, path)
        return
    if _exchange(tmp, path):  # tmp now holds the old directory
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = _sibling(path, "old")
    os.rename(path, old)
    os.rename(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


_AT_FDCWD = -100  # <fcntl.h>: paths relative to the working directory
_RENAME_EXCHANGE = 2  # <linux/fs.h>


@functools.cache
def _renameat2():
    """glibc's `renameat2` (2.28 and newer), or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    return function


def _exchange(a: Path, b: Path) -> bool:
    """Swaps the two paths atomically; False where that is not possible
    (no `renameat2`, or a file system without RENAME_EXCHANGE)."""
    function = _renameat2()
    if function is None:
        return False
    status = function(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE
    )
    return status == 0
