"""Hyperparameter search with keras-tuner: strategies, budget, resume.

`search` takes a model-building function and a fitting function (it knows
nothing of recipes, CSVs or tasks), runs a keras-tuner `Tuner` and reports
every trial. Each trial trains with `StopOnNonFinite`; a trial whose loss is
not finite is recorded as failed and the search goes on. The search
directory holds everything: rerunning with `resume=True` after a crash (even
SIGKILL) continues where it stopped — completed trials are kept, the one that
was running is run again under the same id.

>>> import tempfile
>>> import numpy as np
>>> x = np.linspace(-1, 1, 32)[:, None]
>>> def build(values):
...     model = keras.Sequential([keras.Input((1,)),
...                               keras.layers.Dense(values["units"]),
...                               keras.layers.Dense(1)])
...     model.compile("adam", "mse", run_eagerly=True)  # a toy: no tracing
...     return model
>>> def fit(model, values, callbacks, epochs=1, **more):
...     return model.fit(x, 3 * x, validation_split=0.25, epochs=epochs,
...                      callbacks=callbacks, verbose=0, **more)
>>> scratch = tempfile.TemporaryDirectory()
>>> result = search(build, fit, {"units": [4, 8]}, strategy="grid",
...                 max_trials=2, directory=scratch.name, project_name="demo")
>>> sorted(t.values["units"] for t in result.completed)
[4, 8]
>>> result.completed[0].score <= result.completed[1].score
True
>>> for path in sorted(result.directory.glob("*.*")):
...     print(path.name)
fingerprint.json
leaderboard.csv
learning_curves.png
oracle.json
scores.png
tuner0.json
>>> scratch.cleanup()
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
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

from tuning import distributed, fingerprint
from tuning.callbacks import Deadline, StopOnNonFinite
from tuning.oracles import FIRST_TRIAL, ORACLES
from tuning.plots import plot_search
from tuning.result import (
    SearchResult,
    collect,
    format_leaderboard,
    own_values,
    write_leaderboard,
    write_record,
)
from tuning.space import Space, to_hyperparameters
from tuning.tracing import released_gradients

log = logging.getLogger("tuning")

STRATEGIES = tuple(ORACLES)  # random, grid, bayesian, hyperband

Build = Callable[[dict], keras.Model]
Fit = Callable[..., keras.callbacks.History]


@dataclasses.dataclass(frozen=True)
class SearchConfig:
    """How a search runs; every field has the meaning `search` documents.

    Args:
        strategy: "random", "grid", "bayesian" or "hyperband".
        max_trials: trials in all, counting failed ones.
        directory, project_name: where the search state lives.
        time_budget: seconds from `started`; no trial starts that the
            budget would not cover, and a running trial stops at the first
            epoch past it.
        started: when the budget's clock started (`time.time()`), by
            default when the config was made, so that a caller's own
            preparation counts against the budget.
        resume: continue a search found in the directory (else start anew).
        seed: the strategy's random seed.
        max_epochs: hyperband's largest number of epochs per trial.
        workers: processes that run trials; above 1, `worker_command` is
            started that many times as keras-tuner workers and this process
            serves as the chief oracle.
        worker_command: the argv of a worker (it must call `search` with the
            same settings); required when `workers > 1`.
        tensorboard: write TensorBoard logs of every trial under
            `directory/project_name/tensorboard`.
        first_values: values the first trial of a random or bayesian search
            tries (those the space allows), e.g. the model's defaults, so
            that the search is never worse than them on validation.
        reserve: trials' worth of time to keep free at the end of the
            budget, e.g. for refitting the best ones afterwards: a trial
            starts only if it and `reserve` mean trials fit before the
            deadline.
        fingerprint: what identifies the caller's search beyond the
            strategy and the space (its data, its model's settings), as
            JSON-able values: resuming a directory whose recorded search
            differs raises `tuning.fingerprint.DirectoryInUse`.
    """

    strategy: str = "bayesian"
    max_trials: int = 20
    directory: str | os.PathLike = "runs"
    project_name: str = "search"
    time_budget: float | None = None
    started: float = dataclasses.field(default_factory=time.time)
    resume: bool = True
    seed: int = 0
    max_epochs: int = 100
    workers: int = 1
    worker_command: list[str] | None = None
    tensorboard: bool = False
    first_values: dict | None = None
    reserve: float = 0.0
    fingerprint: dict | None = None

    def __post_init__(self):
        check_arguments(
            self.strategy, self.max_trials, self.time_budget, self.workers
        )
        for path in (Path(self.directory), self.project_dir):
            if path.exists() and not path.is_dir():
                raise ValueError(
                    f"directory {str(path)!r} is a file; pass a directory "
                    "for the search"
                )

    @property
    def deadline(self) -> float | None:
        """The shared `time.time()` deadline: the chief's, in a worker."""
        return distributed.shared_deadline(self.time_budget, self.started)

    @property
    def project_dir(self) -> Path:
        return Path(self.directory) / self.project_name


def search(
    build: Build,
    fit: Fit,
    space: Space,
    config: SearchConfig | None = None,
    **settings,
) -> SearchResult | None:
    """Runs (or resumes) a search; returns its result (None in a worker).

    Args:
        build: `build(values) -> compiled keras.Model` for a dict of
            hyperparameter values.
        fit: `fit(model, values, callbacks, **epochs) -> History`; it must
            train with validation data (the objective is `val_loss`) and pass
            `callbacks` and any `epochs`/`initial_epoch` to `model.fit`.
        space: the search space (see `tuning.space`).
        config: how to search (see `SearchConfig`); or its fields given as
            keyword `settings`.

    Raises:
        ValueError: an unknown strategy or a bad number.
        DirectoryInUse: (a ValueError) resuming a directory that holds
            another search (see `SearchConfig.fingerprint`).
        SearchError: no trial completed.
    """
    config = config or SearchConfig(**settings)
    if (
        config.workers > 1
        and not config.worker_command
        and not distributed.is_worker()
    ):
        raise ValueError("workers > 1 needs worker_command")
    with contextlib.redirect_stdout(sys.stderr):  # keras-tuner prints
        return _search(build, fit, space, config)


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


def _search(build: Build, fit: Fit, space: Space, config: SearchConfig):
    hp = to_hyperparameters(space)
    worker = distributed.is_worker()  # its oracle is keras-tuner's client
    identity = {
        "strategy": config.strategy,
        "space": hp.get_config(),
        **(config.fingerprint or {}),
    }
    if config.resume and not worker:
        fingerprint.check_resume(config.project_dir, identity)
    tuner = make_tuner(
        FunctionHyperModel(build, fit, config.deadline), hp, config
    )
    tuner.progress = (config.started, config.time_budget)
    if not worker:
        fingerprint.record(config.project_dir, identity)
        done = len(tuner.oracle.end_order)
        log.info(
            "%s search of %d trial(s) in %s%s",
            config.strategy,
            config.max_trials,
            tuner.project_dir,
            f", {done} done before" if done else "",
            extra={"event": "trial", "done": done, "total": config.max_trials},
        )
    callbacks = []
    if config.tensorboard:  # keras-tuner gives each trial its own folder
        logs = Path(tuner.project_dir) / "tensorboard"
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(logs)))
    with _frozen_heap():
        if worker:
            tuner.search(verbose=0, callbacks=callbacks)
            return None
        if config.workers > 1:
            _serve_workers(tuner, config)
        else:
            tuner.search(verbose=0, callbacks=callbacks)
    oracle = tuner.oracle
    result = collect(oracle.trials, oracle.start_order, config.project_dir)
    write_leaderboard(result)
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


def make_tuner(
    hypermodel: keras_tuner.HyperModel,
    hp: keras_tuner.HyperParameters,
    config: SearchConfig,
) -> keras_tuner.Tuner:
    """The keras-tuner tuner of `config.strategy`, with our oracle.

    The oracle (see `tuning.oracles`) takes the first trial's values and
    the budget; the tuner records each trial's curves and time.
    """
    options = dict(
        objective="val_loss",
        hyperparameters=hp,
        seed=config.seed,
        max_consecutive_failed_trials=config.max_trials + 1,  # SearchError
        deadline=config.deadline,
        reserve=config.reserve,
        workers=config.workers,
    )
    if config.strategy in FIRST_TRIAL:
        options["first_values"] = config.first_values
    if config.strategy == "hyperband":
        options["max_epochs"] = config.max_epochs
    oracle = ORACLES[config.strategy](max_trials=config.max_trials, **options)
    tuner_class = HyperbandTuner if config.strategy == "hyperband" else Tuner
    return tuner_class(
        oracle=oracle,
        hypermodel=hypermodel,
        directory=str(config.directory),
        project_name=config.project_name,
        overwrite=not config.resume,
    )


class FunctionHyperModel(keras_tuner.HyperModel):
    """A keras-tuner hypermodel of a `Build` and a `Fit` function; a trial
    whose loss is not finite fails."""

    def __init__(self, build: Build, fit: Fit, deadline: float | None):
        super().__init__()
        self._build_fn, self._fit_fn = build, fit
        self.deadline = deadline

    def build(self, hp):
        return self._build_fn(own_values(hp.values))

    def fit(self, hp, model, *args, callbacks=None, **kwargs):
        callbacks = [*(callbacks or []), StopOnNonFinite()]
        if self.deadline is not None:
            callbacks.append(Deadline(self.deadline))
        epochs = {
            k: kwargs[k] for k in ("epochs", "initial_epoch") if k in kwargs
        }
        values = own_values(hp.values)
        history = self._fit_fn(model, values, callbacks, **epochs)
        losses = history.history.get("loss", []) + history.history.get(
            "val_loss", []
        )
        if not losses or not all(math.isfinite(v) for v in losses):
            raise keras_tuner.errors.FailedTrialError(
                "diverged: the loss is not finite (try a smaller learning rate)"
            )
        return history


class _Recorded:
    """Mixin for a tuner: keeps each trial's curves and time, logs a
    progress line."""

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
            write_record(Path(self.get_trial_dir(trial.trial_id)), record)

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


class Tuner(_Recorded, keras_tuner.Tuner):
    """keras-tuner's `Tuner` for a given oracle, recording every trial."""


class HyperbandTuner(_Recorded, keras_tuner.Hyperband):
    """keras-tuner's `Hyperband` tuner (which continues the trials of its
    brackets) for a given `HyperbandOracle`, recording every trial."""

    def __init__(self, oracle, hypermodel, **kwargs):
        # Hyperband's own __init__ only makes its oracle: ours is given
        keras_tuner.Tuner.__init__(
            self, oracle=oracle, hypermodel=hypermodel, **kwargs
        )


def _count(trial_id: str) -> int:
    """Trials started up to this one, from its id (keras-tuner counts)."""
    return int(trial_id) + 1 if trial_id.isdigit() else 0


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


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


def _serve_workers(tuner: keras_tuner.Tuner, config: SearchConfig) -> None:
    """Serves the oracle while `config.workers` processes run the trials."""
    with distributed.chief(
        config.worker_command,
        config.workers,
        Path(tuner.project_dir),
        config.deadline,
    ) as procs:
        server = threading.Thread(
            target=tuner.search, kwargs={"verbose": 0}, daemon=True
        )
        server.start()
        distributed.wait(procs)
        server.join(timeout=60)  # the chief polls for finished workers
    tuner.oracle.reload()
