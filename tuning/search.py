"""Hyperparameter search with keras-tuner: strategies, budget, resume.

`search` takes a model-building function and a fitting function (it knows
nothing of recipes, CSVs or tasks), runs a keras-tuner `Tuner` and reports
every trial. Each trial trains with `TerminateOnNaN`; a trial whose loss is
not finite is recorded as failed and the search goes on. The search
directory holds everything: rerunning with `resume=True` after a crash (even
SIGKILL) continues where it stopped — completed trials are kept, the one that
was running is run again under the same id.

>>> result = search(build, fit, {"units": [32, 64]}, strategy="grid",
...                 max_trials=2, directory="runs", project_name="demo")
>>> result.best_values
{'units': 64}
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import gc
import json
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import keras
import keras_tuner
from keras_tuner.src import config as kt_config
from keras_tuner.src.engine import trial as trial_module

from tuning import distributed
from tuning.callbacks import Deadline, StopOnNonFinite
from tuning.plots import plot_search
from tuning.space import Space, to_hyperparameters
from tuning.tracing import released_gradients

log = logging.getLogger("tuning")

STRATEGIES = {
    "random": keras_tuner.RandomSearch,
    "grid": keras_tuner.GridSearch,
    "bayesian": keras_tuner.BayesianOptimization,
    "hyperband": keras_tuner.Hyperband,
}

Build = Callable[[dict], keras.Model]
Fit = Callable[..., keras.callbacks.History]


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
        return _read_record(self.directory, trial_id).get("history", {})


class SearchError(RuntimeError):
    """The search produced no usable trial."""


def _own(values: dict) -> dict:
    """The user's hyperparameters, without hyperband's "tuner/..." entries."""
    return {k: v for k, v in values.items() if not k.startswith("tuner/")}


class _HyperModel(keras_tuner.HyperModel):
    def __init__(self, build: Build, fit: Fit, deadline: float | None):
        super().__init__()
        self._build_fn, self._fit_fn = build, fit
        self.deadline = deadline

    def build(self, hp):
        return self._build_fn(_own(hp.values))

    def fit(self, hp, model, *args, callbacks=None, **kwargs):
        callbacks = [*(callbacks or []), StopOnNonFinite()]
        if self.deadline is not None:
            callbacks.append(Deadline(self.deadline))
        epochs = {
            k: kwargs[k] for k in ("epochs", "initial_epoch") if k in kwargs
        }
        history = self._fit_fn(model, _own(hp.values), callbacks, **epochs)
        losses = history.history.get("loss", []) + history.history.get(
            "val_loss", []
        )
        if not losses or not all(math.isfinite(v) for v in losses):
            raise keras_tuner.errors.FailedTrialError(
                "diverged: the loss is not finite (try a smaller learning rate)"
            )
        return history


def search(
    build: Build,
    fit: Fit,
    space: Space,
    *,
    strategy: str = "bayesian",
    max_trials: int = 20,
    directory: str | os.PathLike = "runs",
    project_name: str = "search",
    time_budget: float | None = None,
    resume: bool = True,
    seed: int = 0,
    max_epochs: int = 100,
    workers: int = 1,
    worker_command: list[str] | None = None,
    tensorboard: bool = False,
    first_values: dict | None = None,
    reserve: float = 0.0,
) -> SearchResult | None:
    """Runs (or resumes) a search; returns its result (None in a worker).

    Args:
        build: `build(values) -> compiled keras.Model` for a dict of
            hyperparameter values.
        fit: `fit(model, values, callbacks, **epochs) -> History`; it must
            train with validation data (the objective is `val_loss`) and pass
            `callbacks` and any `epochs`/`initial_epoch` to `model.fit`.
        space: the search space (see `tuning.space`).
        strategy: "random", "grid", "bayesian" or "hyperband".
        max_trials: trials in all, counting failed ones.
        directory, project_name: where the search state lives.
        time_budget: seconds; no trial starts that the budget would not
            cover, and a running trial stops at the first epoch past it.
        resume: continue a search found in the directory (else start anew).
        seed: the strategy's random seed.
        max_epochs: hyperband's largest number of epochs per trial.
        workers: processes that run trials; above 1, `worker_command` is
            started that many times as keras-tuner workers and this process
            serves as the chief oracle.
        worker_command: the argv of a worker (it must call `search` with the
            same arguments); required when `workers > 1`.
        tensorboard: write TensorBoard logs of every trial under
            `directory/project_name/tensorboard`.
        first_values: values the first trial of a random or bayesian search
            tries (those the space allows), e.g. the model's defaults, so
            that the search is never worse than them on validation.
        reserve: trials' worth of time to keep free at the end of the
            budget, e.g. for refitting the best ones afterwards: a trial
            starts only if it and `reserve` mean trials fit before the
            deadline.

    Raises:
        ValueError: an unknown strategy or a bad number.
        SearchError: no trial completed.
    """
    check_arguments(strategy, max_trials, time_budget, workers)
    if workers > 1 and not worker_command and not distributed.is_worker():
        raise ValueError("workers > 1 needs worker_command")
    with contextlib.redirect_stdout(sys.stderr):  # keras-tuner prints
        return _search(
            build,
            fit,
            space,
            strategy,
            max_trials,
            directory,
            project_name,
            time_budget,
            resume,
            seed,
            max_epochs,
            workers,
            worker_command,
            tensorboard,
            first_values,
            reserve,
        )


def check_arguments(
    strategy: str, max_trials: int, time_budget: float | None, workers: int
) -> None:
    """Refuses an unknown strategy or a non-positive count or budget.

    Raises:
        ValueError: naming the argument and the value received.
    """
    if strategy not in STRATEGIES:
        raise ValueError(
            f"unknown strategy {strategy!r}; use one of: "
            f"{', '.join(STRATEGIES)}"
        )
    for name, value in (("max_trials", max_trials), ("workers", workers)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(
                f"{name} must be a positive integer; received {name}={value!r}"
            )
    if time_budget is not None and not (
        isinstance(time_budget, int | float) and time_budget > 0
    ):
        raise ValueError(
            f"time_budget must be positive (seconds); received "
            f"time_budget={time_budget!r}"
        )


def _search(
    build,
    fit,
    space,
    strategy,
    max_trials,
    directory,
    project_name,
    time_budget,
    resume,
    seed,
    max_epochs,
    workers,
    worker_command,
    tensorboard,
    first_values,
    reserve,
):
    deadline = distributed.shared_deadline(time_budget)
    tuner = _tuner(
        strategy,
        _HyperModel(build, fit, deadline),
        to_hyperparameters(space),
        max_trials=max_trials,
        directory=directory,
        project_name=project_name,
        resume=resume,
        seed=seed,
        max_epochs=max_epochs,
    )
    _limit_by_deadline(tuner.oracle, deadline, workers, reserve)
    chief = not distributed.is_worker()  # a worker's oracle is a client
    if first_values and chief and strategy in ("random", "bayesian"):
        _try_first(tuner.oracle, first_values)
    tuner.progress = (time.time(), time_budget)
    if chief:
        done = len(tuner.oracle.end_order)
        log.info(
            "%s search of %d trial(s) in %s%s",
            strategy,
            max_trials,
            tuner.project_dir,
            f", {done} done before" if done else "",
            extra={"event": "trial", "done": done, "total": max_trials},
        )
    callbacks = []
    if tensorboard:  # keras-tuner gives each trial its own subdirectory
        logs = Path(tuner.project_dir) / "tensorboard"
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(logs)))
    debug, kt_config.DEBUG = kt_config.DEBUG, False  # no trial tracebacks
    try:
        with _frozen_heap():
            if distributed.is_worker():
                tuner.search(verbose=0, callbacks=callbacks)
                return None
            if workers > 1:
                _serve_workers(tuner, worker_command, workers, deadline)
            else:
                tuner.search(verbose=0, callbacks=callbacks)
    finally:
        kt_config.DEBUG = debug
    result = _result(tuner, Path(directory) / project_name)
    plot_search(result)
    log.info(
        "leaderboard (best first):\n%s",
        format_leaderboard(result),
        extra={
            "event": "search_done",
            "trials": len(result.trials),
            "completed": len(result.completed),
            "best_val_loss": result.completed[0].score,
            "best_values": result.best_values,
        },
    )
    return result


@contextlib.contextmanager
def _frozen_heap():
    """Makes keras-tuner's `gc.collect()` before each trial cheap.

    keras-tuner clears the Keras session and collects garbage before every
    trial; a full collection scans every object of TensorFlow, pandas and
    the data (0.4 s here). Objects alive when the search starts are frozen
    (`gc.freeze`), so each collection scans only what the trials made.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


RECORD = "record.json"  # per trial: learning curves and seconds


class _Recorded:
    """Mixin: keeps each trial's curves and time, logs a progress line."""

    progress: tuple[float, float | None]  # search start, time budget

    def run_trial(self, trial, *args, **kwargs):
        started, record = time.time(), {}
        try:
            with released_gradients():
                histories = super().run_trial(trial, *args, **kwargs)
            last = histories[-1] if isinstance(histories, list) else histories
            record["history"] = {
                k: [float(v) for v in vs] for k, vs in last.history.items()
            }
            return histories
        finally:
            record["seconds"] = time.time() - started
            _write_record(Path(self.get_trial_dir(trial.trial_id)), record)

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        score = None
        if trial.metrics.exists("val_loss"):
            score = trial.metrics.get_best_value("val_loss")
        best = self.oracle.get_best_trials(1)
        best = best[0].score if best else None
        started, budget = self.progress
        elapsed, total = time.time() - started, self.oracle.max_trials
        number = trial.trial_id
        if number.isdigit():
            number = f"{int(number) + 1}/{total}"
        ended = getattr(self.oracle, "end_order", None)  # a worker has none
        log.info(
            "trial %s %s by %s: val_loss %s, best %s; %.0f s elapsed%s",
            number,
            trial.status,
            self.tuner_id,
            _number(score),
            _number(best),
            elapsed,
            "" if budget is None else f" of {budget:.0f} s",
            extra={
                "event": "trial",
                "done": len(ended) if ended else _count(trial.trial_id),
                "total": total,
                "trial": trial.trial_id,
                "status": str(trial.status),
                "tuner": self.tuner_id,
                "val_loss": score,
                "best_val_loss": best,
                "elapsed_seconds": round(elapsed, 3),
                "budget_seconds": budget,
            },
        )


def _count(trial_id: str) -> int:
    """Trials started up to this one, from its id (keras-tuner counts)."""
    return int(trial_id) + 1 if trial_id.isdigit() else 0


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _write_record(folder: Path, record: dict) -> None:
    """Writes the trial's record atomically (a SIGKILL leaves no half)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{RECORD}.tmp"
    tmp.write_text(json.dumps(record))
    os.replace(tmp, folder / RECORD)


def _read_record(directory: Path, trial_id: str) -> dict:
    try:
        return json.loads(
            (directory / f"trial_{trial_id}" / RECORD).read_text()
        )
    except (OSError, ValueError):
        return {}


def _tuner(
    strategy,
    hypermodel,
    hp,
    *,
    max_trials,
    directory,
    project_name,
    resume,
    seed,
    max_epochs,
):
    common = dict(
        hypermodel=hypermodel,
        objective="val_loss",
        hyperparameters=hp,
        directory=str(directory),
        project_name=project_name,
        overwrite=not resume,
        seed=seed,
        max_consecutive_failed_trials=max_trials + 1,  # our SearchError
    )
    base = STRATEGIES[strategy]
    tuner_class = type(f"Recorded{base.__name__}", (_Recorded, base), {})
    if strategy == "hyperband":
        tuner = tuner_class(max_epochs=max_epochs, **common)
        tuner.oracle.max_trials = max_trials
        return tuner
    return tuner_class(max_trials=max_trials, **common)


def _limit_by_deadline(
    oracle, deadline: float | None, workers: int, reserve: float = 0.0
) -> None:
    """Makes the oracle refuse a new trial that the budget would not cover.

    The first trial always starts; after that, a trial starts only if
    `1 + reserve` times the mean duration of the trials started so far
    still fits before the deadline.
    """
    if deadline is None:
        return
    create_trial = oracle.create_trial
    started = time.time()
    count = [0]

    def budgeted(tuner_id):
        now = time.time()
        if tuner_id not in oracle.ongoing_trials and count[0]:
            mean = (now - started) * workers / count[0]
            if now + mean * (1 + reserve) > deadline:
                oracle.tuner_ids.discard(tuner_id)
                log.info("time budget reached: no new trial")
                return trial_module.Trial(
                    oracle.get_space(), status=trial_module.TrialStatus.STOPPED
                )
        trial = create_trial(tuner_id)
        if trial.status == trial_module.TrialStatus.RUNNING:
            count[0] += 1
        return trial

    oracle.create_trial = budgeted


def _try_first(oracle, values: dict) -> None:
    """Makes the oracle's first trial try `values` where the space allows."""
    populate_space = oracle.populate_space

    def first_then_search(trial_id):
        if oracle.trials:
            return populate_space(trial_id)
        chosen = {
            p.name: values[p.name]
            if _allows(p, values.get(p.name))
            else p.default
            for p in oracle.get_space().space
        }
        return {"status": trial_module.TrialStatus.RUNNING, "values": chosen}

    oracle.populate_space = first_then_search


def _allows(parameter, value) -> bool:
    """True when `value` is one the hyperparameter can take."""
    kind = type(parameter).__name__
    if value is None:
        return False
    if kind == "Choice":
        return value in parameter.values
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind == "Fixed":
        return value == parameter.value
    return parameter.min_value <= value <= parameter.max_value


def _serve_workers(tuner, command, workers, deadline) -> None:
    """Serves the oracle while `workers` processes run the trials."""
    with distributed.chief(
        command, workers, Path(tuner.project_dir), deadline
    ) as procs:
        server = threading.Thread(
            target=tuner.search, kwargs={"verbose": 0}, daemon=True
        )
        server.start()
        distributed.wait(procs)
        server.join(timeout=60)  # the chief polls for finished workers
    tuner.oracle.reload()


def _result(tuner, directory: Path) -> SearchResult:
    oracle = tuner.oracle
    result = _collect(oracle.trials, oracle.start_order, directory)
    write_leaderboard(result)
    return result


def load_result(directory: str | os.PathLike) -> SearchResult:
    """The result of a search from its directory, without running it.

    Reads keras-tuner's `oracle.json` and `trial_*/trial.json` with our
    `record.json` beside them, e.g. to rebuild a report after the search.

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
    return _collect(trials, order["start_order"], directory)


def _collect(trials: dict, order: list[str], directory: Path) -> SearchResult:
    """Trial records of keras-tuner `trials` in start order, best first."""
    records = []
    for trial_id in order:
        trial = trials[trial_id]
        best_step = trial.best_step
        record = _read_record(directory, trial_id)
        losses = record.get("history", {}).get("loss")
        records.append(
            TrialRecord(
                trial_id=trial_id,
                status=str(trial.status),
                score=None if trial.score is None else float(trial.score),
                best_epoch=None if best_step is None else int(best_step) + 1,
                values=_own(trial.hyperparameters.values),
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
    path = result.directory / "leaderboard.csv"
    names = sorted({k for t in result.trials for k in t.values})
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([*COLUMNS, *names])
        for rank, t in enumerate(result.trials, 1):
            seconds = None if t.seconds is None else round(t.seconds, 2)
            writer.writerow(
                [rank, t.trial_id, t.status, t.score, t.best_epoch, t.epochs]
                + [seconds]
                + [t.values.get(n) for n in names]
            )
    return path


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
