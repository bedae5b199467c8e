"""What a search directory holds a search of, so resume never mixes two.

keras-tuner resumes whatever it finds in a project directory: its old space,
its old trials. A search writes `fingerprint.json` beside keras-tuner's
state (the strategy, the space, and what the caller says identifies its
data and model); resuming with another fingerprint is refused, naming what
differs.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> record(folder, {"strategy": "random", "data": "3f2a"})
>>> differences(folder, {"strategy": "random", "data": "3f2a"})
[]
>>> differences(folder, {"strategy": "grid", "data": "3f2a"})
['strategy']
"""

from __future__ import annotations

import json
from pathlib import Path

from tuning.files import atomic_write

FILE = "fingerprint.json"


class DirectoryInUse(ValueError):
    """The directory holds a search of something else."""


def normalized(fingerprint: dict) -> dict:
    """`fingerprint` as JSON gives it back: tuples as lists, keys as text;
    values JSON cannot hold as their text."""
    return json.loads(json.dumps(fingerprint, sort_keys=True, default=str))


def record(project_dir: Path, fingerprint: dict) -> None:
    """Writes the fingerprint of the search in `project_dir`."""
    text = json.dumps(normalized(fingerprint), indent=1, sort_keys=True)
    atomic_write(Path(project_dir) / FILE, text + "\n")


def differences(project_dir: Path, fingerprint: dict) -> list[str] | None:
    """The keys whose values differ from the recorded ones, sorted; None
    where no fingerprint is recorded."""
    path = Path(project_dir) / FILE
    if not path.is_file():
        return None
    recorded = json.loads(path.read_text())
    now = normalized(fingerprint)
    return sorted(
        key
        for key in recorded.keys() | now.keys()
        if recorded.get(key) != now.get(key)
    )


def check_resume(project_dir: Path, fingerprint: dict) -> None:
    """Refuses to resume a search of something else in `project_dir`.

    A directory without keras-tuner's `oracle.json` holds no search yet:
    anything goes.

    Raises:
        DirectoryInUse: one line naming the directory and what differs.
    """
    project_dir = Path(project_dir)
    if not (project_dir / "oracle.json").is_file():
        return
    differ = differences(project_dir, fingerprint)
    if differ == []:
        return
    what = (
        "has no fingerprint (an older search)"
        if differ is None
        else f"holds a search with another {', '.join(differ)}"
    )
    raise DirectoryInUse(
        f"{project_dir} {what}; resuming it would mix two searches: start "
        "afresh (resume=False, --overwrite) or use another directory"
    )
