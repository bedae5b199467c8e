"""What a search found: its trials, best first, read from its directory.

`SearchResult` is what `tuning.search` returns and what `load_result` reads
back from a search directory (keras-tuner's `oracle.json` and
`trial_*/trial.json`, with our `record.json` beside each).

>>> trials = [
...     TrialRecord("3", "COMPLETED", 0.21, 12, {"units": 64}, 22, 4.0),
...     TrialRecord("10", "COMPLETED", 0.35, 5, {"units": 32}, 15, 3.2),
...     TrialRecord("2", "FAILED", None, None, {"units": 512}),
... ]
>>> result = SearchResult({"units": 64}, 12, trials, Path("runs/demo"))
>>> print(format_leaderboard(result))
rank trial  val_loss epochs seconds  hyperparameters
   1     3    0.2100     22     4.0  units=64
   2    10    0.3500     15     3.2  units=32
(1 trial(s) failed or stopped)
>>> sorted((t.trial_id for t in trials), key=trial_number)
['2', '3', '10']

Example (not run), reading back a search that `Recipe.tune` ran:

    result = load_result("runs/MulticlassClassification")
    result.completed[0].score <= result.completed[-1].score  # True
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from pathlib import Path

from keras_tuner.engine import trial as trial_module

from tuning.files import atomic_write

RECORD = "record.json"  # per trial: learning curves and seconds


@dataclasses.dataclass(frozen=True)
class TrialRecord:
    """One trial of a search, as the leaderboard shows it."""

    trial_id: str
    status: str  # COMPLETED, FAILED, RUNNING, INVALID, STOPPED
    score: float | None  # best validation loss
    best_epoch: int | None  # 1-based epoch of that score
    values: dict
    epochs: int | None = None  # epochs trained
    seconds: float | None = None  # wall-clock time of the trial


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """What a search found, best trial first in `trials`."""

    best_values: dict
    best_epoch: int
    trials: list[TrialRecord]
    directory: Path

    @property
    def completed(self) -> list[TrialRecord]:
        return [t for t in self.trials if t.status == "COMPLETED"]

    def checkpoint(self, trial_id: str) -> Path:
        """The weights of the trial's best epoch (keras-tuner saves them)."""
        return self.directory / f"trial_{trial_id}" / "checkpoint.weights.h5"

    def history(self, trial_id: str) -> dict[str, list[float]]:
        """The trial's learning curves ("loss", "val_loss", ... per epoch)."""
        return read_record(self.directory, trial_id).get("history", {})


class SearchError(RuntimeError):
    """The search produced no usable trial."""


def own_values(values: dict) -> dict:
    """The user's hyperparameters, without hyperband's "tuner/..." entries."""
    return {k: v for k, v in values.items() if not k.startswith("tuner/")}


def write_record(folder: Path, record: dict) -> None:
    """Writes the trial's record atomically (a SIGKILL leaves no half)."""
    atomic_write(folder / RECORD, json.dumps(record))


def read_record(directory: Path, trial_id: str) -> dict:
    try:
        return json.loads(
            (directory / f"trial_{trial_id}" / RECORD).read_text()
        )
    except (OSError, ValueError):
        return {}


def load_result(directory: str | os.PathLike) -> SearchResult:
    """The result of a search from its directory, without running it.

    Reads keras-tuner's `oracle.json` and `trial_*/trial.json` with our
    `record.json` beside them, e.g. to rebuild a report after the search.

    >>> load_result("data/penguins")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    tuning.result.SearchError: no search found in data/penguins (...); pass
    the directory of a search, e.g. runs/<Recipe>

    Raises:
        SearchError: no search state in `directory`, or no trial completed.
    """
    directory = Path(directory)
    try:
        order = json.loads((directory / "oracle.json").read_text())
        trials = {
            trial_id: trial_module.Trial.load(
                str(directory / f"trial_{trial_id}" / "trial.json")
            )
            for trial_id in order["start_order"]
        }
    except (OSError, ValueError, KeyError) as error:
        raise SearchError(
            f"no search found in {directory} ({error}); pass the directory "
            "of a search, e.g. runs/<Recipe>"
        ) from None
    return collect(trials, order["start_order"], directory)


def collect(trials: dict, order: list[str], directory: Path) -> SearchResult:
    """Trial records of keras-tuner `trials` in start order, best first."""
    records = []
    for trial_id in order:
        trial = trials[trial_id]
        best_step = trial.best_step
        record = read_record(directory, trial_id)
        losses = record.get("history", {}).get("loss")
        records.append(
            TrialRecord(
                trial_id=trial_id,
                status=str(trial.status),
                score=None if trial.score is None else float(trial.score),
                best_epoch=None if best_step is None else int(best_step) + 1,
                values=own_values(trial.hyperparameters.values),
                epochs=len(losses) if losses else None,
                seconds=record.get("seconds"),
            )
        )
    completed = [
        r for r in records if r.status == "COMPLETED" and r.score is not None
    ]
    if not completed:
        messages = [
            trials[r.trial_id].message
            for r in records
            if trials[r.trial_id].message
        ]
        last = messages[-1].strip().splitlines()[-1] if messages else "none ran"
        raise SearchError(
            f"no trial of the search in {directory} completed ({last}); "
            "narrow the search space or raise the budget"
        )
    completed.sort(key=lambda r: r.score)
    others = [r for r in records if r not in completed]
    return SearchResult(
        best_values=completed[0].values,
        best_epoch=completed[0].best_epoch or 1,
        trials=completed + others,
        directory=directory,
    )


COLUMNS = (
    "rank",
    "trial",
    "status",
    "val_loss",
    "best_epoch",
    "epochs",
    "seconds",
)


def write_leaderboard(result: SearchResult) -> Path:
    """Writes `leaderboard.csv` (best first) into the search directory."""
    names = sorted({k for t in result.trials for k in t.values})
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([*COLUMNS, *names])
    for rank, t in enumerate(result.trials, 1):
        seconds = None if t.seconds is None else round(t.seconds, 2)
        writer.writerow(
            [rank, t.trial_id, t.status, t.score, t.best_epoch, t.epochs]
            + [seconds]
            + [t.values.get(n) for n in names]
        )
    return atomic_write(result.directory / "leaderboard.csv", text.getvalue())


def trial_number(trial_id: str) -> float:
    """A trial id as a number for ordering ("10" after "9"); non-numeric
    ids last.

    >>> trial_number("10"), trial_number("9"), trial_number("best")
    (10, 9, inf)
    """
    return int(trial_id) if trial_id.isdigit() else float("inf")


def format_leaderboard(result: SearchResult, top: int = 5) -> str:
    """The best `top` trials as a short text table."""
    lines = [
        f"{'rank':>4} {'trial':>5} {'val_loss':>9} {'epochs':>6} "
        f"{'seconds':>7}  hyperparameters"
    ]
    for rank, t in enumerate(result.completed[:top], 1):
        values = ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in sorted(t.values.items())
        )
        lines.append(
            f"{rank:>4} {t.trial_id:>5} {t.score:>9.4f} "
            f"{t.epochs or '':>6} {t.seconds or 0:>7.1f}  {values}"
        )
    others = len(result.trials) - len(result.completed)
    if others:
        lines.append(f"({others} trial(s) failed or stopped)")
    return "\n".join(lines)
