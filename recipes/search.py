"""`Recipe.tune`: a recipe's data and network handed to `tuning.search`.

Example (not run: each trial is a fit):

    from recipes import BinaryClassification
    recipe = BinaryClassification(target="Status")
    recipe.tune("data/credit_data/train.csv", strategy="random",
                max_trials=5, directory="runs")  # fitted with the best trial
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import tuning
from recipes import network, preparation, training
from recipes.errors import ArgumentError, RecipeError, check_positive_int
from recipes.inference import batched
from recipes.reading import CSVFile
from tuning.files import atomic_write

log = logging.getLogger("recipes")

OPTIMIZER_STATE = "Skipping variable loading for optimizer"


def tune(
    recipe,
    train,
    validation,
    *,
    strategy: str,
    max_trials: int,
    time_budget: float | None,
    directory: str | os.PathLike,
    resume: bool,
    workers: int,
    search_space: dict | None,
    tensorboard: bool = False,
    refit: bool = True,
    ensemble: int = 3,
):
    """Runs the search for `recipe` and fits it with the best trial(s)."""
    try:  # before reading any data; the budget's clock starts now
        config = tuning.SearchConfig(
            strategy=strategy,
            max_trials=max_trials,
            directory=directory,
            project_name=type(recipe).__name__,
            time_budget=time_budget,
            resume=resume,
            seed=recipe.seed,
            max_epochs=recipe.epochs,
            workers=workers,
            tensorboard=tensorboard,
            first_values=recipe.network_hyperparameters(),
            reserve=ensemble if refit else 0,  # the refit fits the budget
        )
    except ValueError as error:
        raise ArgumentError(str(error)) from None
    check_positive_int("ensemble", ensemble)
    data = recipe.prepare(train, validation)
    # a small table: the best configuration is cross-fitted, as `fit`
    # does, not refitted (`recipe.prepare` resolves the folds again)
    cross = 1
    if refit:
        cross = preparation.resolve_folds(
            recipe.cross_fits(ensemble),
            len(data.x_train) + len(data.x_valid),
            data.sources[1] is not None or data.stream is not None,
        )
    if cross > 1:  # the budget keeps the folds' networks' time free
        config = dataclasses.replace(config, reserve=cross)
    sampled = None
    if data.stream:  # a CSV too large for memory: tune on its sample
        sampled = len(data.x_train)
        log.warning(
            "tuning and refitting on a sample of %d of the %d training rows "
            "of %s; fit(..., stream=True) with the best hyperparameters "
            "trains on every row",
            sampled,
            data.stream.rows,
            data.stream.path.name,
        )
        data = dataclasses.replace(data, stream=None)
    try:
        space = tuning.narrow(network.SEARCH_SPACE, search_space)
    except ValueError as error:
        raise ArgumentError(str(error)) from None
    fixed = recipe.hyperparameters or {}
    if isinstance(space, dict):
        unused = network.inapplicable(data.layout, data.task) - set(
            search_space or {}
        )
        space = {k: v for k, v in space.items() if k not in unused}
        space = {**space, **fixed}
    if workers > 1 and not tuning.is_worker():
        command = _worker_command(
            recipe,
            *data.sources,
            Path(directory),
            config.project_name,
            dict(
                strategy=strategy,
                max_trials=max_trials,
                time_budget=time_budget,
                directory=str(directory),
                resume=True,
                workers=workers,
                search_space=search_space,
                tensorboard=tensorboard,
                refit=refit,
                ensemble=ensemble,
            ),
        )
        config = dataclasses.replace(config, worker_command=command)

    def build(values: dict):
        return recipe.build(network.hyperparameters(values), data)

    def fit(model, values: dict, callbacks: list, epochs=None, initial_epoch=0):
        hp = network.hyperparameters(values)
        return recipe.train(
            model, hp, data, epochs or recipe.epochs, callbacks, initial_epoch
        )

    config = dataclasses.replace(config, fingerprint=fingerprint(recipe, data))
    try:
        result = tuning.search(build, fit, space, config)
    except tuning.DirectoryInUse as error:
        raise ArgumentError(str(error)) from None
    except tuning.SearchError as error:
        raise RecipeError(str(error)) from None
    if result is None:  # a worker: the chief refits and exports
        return recipe
    members = distinct(result.completed)[:ensemble]
    if strategy in ("random", "bayesian"):  # their first trial: defaults
        members = _defaults_unless_beaten(recipe, data, result, members)
    log.info(
        "best of %d trials: val_loss %.4f at epoch %d; %s",
        len(result.completed),
        members[0].score,
        result.best_epoch,
        _plan(len(members), refit, cross),
    )
    deadline = config.deadline
    stop = [tuning.Deadline(deadline)] if deadline is not None else []
    if cross > 1:
        best = network.hyperparameters(members[0].values)
        folded = recipe.prepare(train, validation, folds=cross)
        recipe.fit_prepared(
            folded, best, recipe.epochs, callbacks=stop, deadline=deadline
        )
        return _finish_search(recipe, result, sampled, members[0])
    models, trials, histories = [], [], []
    for member in members:
        if models and deadline is not None and time.time() >= deadline:
            log.warning(
                "time budget reached: the model averages %d of %d networks",
                len(models),
                len(members),
            )
            break
        hp = network.hyperparameters(member.values)
        trial = recipe.build(hp, data)  # as its trial ended: validated
        with warnings.catch_warnings():  # the optimizer's state is unused
            warnings.filterwarnings("ignore", OPTIMIZER_STATE)
            trial.load_weights(result.checkpoint(member.trial_id))
        trials.append(trial)
        if refit:  # the budget holds here too, to an epoch
            model = recipe.build(hp, data)
            history = recipe.refit(
                model, hp, data, member.best_epoch or 1, callbacks=stop
            )
            histories.append(history.history)
        else:
            model = trial
            histories.append(result.history(member.trial_id))
        models.append(model)
    best = network.hyperparameters(members[0].values)
    # refitted networks saw the validation rows: their trials calibrate
    held_out = [(data, network.average(trials, recipe.combine))]
    temperature = recipe.temperature(held_out)
    rows = "the validation split" + (
        ", predicted by the trials' networks (the refitted ones trained on "
        "it too)"
        if refit
        else ""
    )
    recipe.finish(
        data,
        network.average(models, recipe.combine),
        best,
        histories[0],
        len(models),
        temperature,
        validation=(*training.held_out_outputs(held_out, temperature), rows),
    )
    return _finish_search(recipe, result, sampled, members[0])


def _finish_search(recipe, result: tuning.SearchResult, sampled, chosen):
    """What a tuned recipe tells of its search (the `chosen` trial's
    configuration is the model's); saved in its directory."""
    if sampled:  # what the model was trained on, for the user and report
        recipe.summary_ = {**recipe.summary_, "sample_rows": sampled}
    recipe.best_epoch_ = chosen.best_epoch
    recipe.chosen_trial_ = chosen.trial_id
    recipe.search_ = result
    recipe.save(result.directory / SAVED, overwrite=True)
    return recipe


def _defaults_unless_beaten(recipe, data, result, members: list) -> list:
    """`members` with the first trial (the recipe's defaults, where the
    space allows them) first, unless the best trial's validation loss
    beats it by more than its standard error (the per-row losses' standard
    deviation / sqrt(rows)): a search must not trade the defaults for
    validation noise."""
    first = min(result.completed, key=lambda t: tuning.trial_number(t.trial_id))
    if members[0] is first or first.score is None:
        return members
    model = recipe.build(network.hyperparameters(first.values), data)
    with warnings.catch_warnings():  # the optimizer's state is unused
        warnings.filterwarnings("ignore", OPTIMIZER_STATE)
        model.load_weights(result.checkpoint(first.trial_id))
    targets = np.asarray(data.targets(data.y_valid), "f4")
    targets = targets.reshape(len(targets), -1)
    losses = np.asarray(
        model.loss.call(targets, batched(model, data.x_valid)), np.float64
    )
    noise = losses.std() / np.sqrt(max(len(losses), 1))
    if members[0].score < first.score - noise:
        return members
    log.info(
        "keeping the defaults (trial %s, val_loss %.4f): the best trial's "
        "%.4f is within their standard error %.4f",
        first.trial_id,
        first.score,
        members[0].score,
        noise,
    )
    return [first, *[m for m in members if m is not first]][: len(members)]


SAVED = "recipe"  # the tuned recipe, saved in its search directory


def reference(result: tuning.SearchResult, path: Path) -> dict:
    """How a saved recipe at `path` finds its search again."""
    directory = result.directory.absolute()
    return {
        "relative": os.path.relpath(directory, Path(path).absolute()),
        "absolute": str(directory),
    }


def reload(reference: dict | None, path: Path) -> tuning.SearchResult | None:
    """The search a saved recipe refers to, if its directory is still there.

    The path relative to the saved recipe is tried first, so a search
    directory moved together with its `recipe/` still works.
    """
    if not reference:
        return None
    for where in (reference["relative"], reference["absolute"]):
        folder = Path(os.path.normpath(Path(path) / where))
        if (folder / "oracle.json").is_file():
            try:
                return tuning.load_result(folder)
            except tuning.SearchError:
                return None
    return None


def fingerprint(recipe, data) -> dict:
    """What identifies a recipe's search besides the strategy and space:
    the recipe, its parameters (but `ensemble`, used after the search) and
    a digest of its prepared rows (the data, its split and scaling)."""
    digest = hashlib.sha256()
    for x, y in ((data.x_train, data.y_train), (data.x_valid, data.y_valid)):
        digest.update(np.ascontiguousarray(x, dtype=np.float32).tobytes())
        targets = np.asarray(data.targets(y), dtype=np.float64)
        digest.update(np.ascontiguousarray(targets).tobytes())
    params = recipe.get_params()
    params.pop("ensemble", None)
    return {
        "recipe": type(recipe).__name__,
        **params,
        "data": digest.hexdigest(),
    }


def distinct(trials: list) -> list:
    """The trials with a configuration not seen in an earlier one: a
    Hyperband continuation repeats its parent's values, and averaging one
    configuration with itself is no ensemble.

    >>> from tuning import TrialRecord
    >>> trials = [TrialRecord("1", "COMPLETED", 0.2, 9, {"units": 64}),
    ...           TrialRecord("4", "COMPLETED", 0.3, 3, {"units": 64}),
    ...           TrialRecord("2", "COMPLETED", 0.4, 7, {"units": 32})]
    >>> [t.trial_id for t in distinct(trials)]
    ['1', '2']
    """
    seen, kept = [], []
    for trial in trials:
        if trial.values not in seen:
            seen.append(trial.values)
            kept.append(trial)
    return kept


def _plan(members: int, refit: bool, folds: int = 1) -> str:
    if folds > 1:
        return f"cross-fitting the best trial's configuration on {folds} folds"
    what = "the best trial" if members == 1 else f"the best {members} trials"
    how = (
        "refitted on train + validation"
        if refit
        else "as trained (best epoch's weights)"
    )
    return f"using {what}, {how}" + (", averaged" if members > 1 else "")


FRAME_SUFFIX = ".frame.pkl"  # a DataFrame the chief was given, pickled


def worker_table(path: str | None):
    """A table of a worker's spec: the chief's DataFrame, or a CSV path."""
    if path is None or not path.endswith(FRAME_SUFFIX):
        return path
    return pd.read_pickle(path)


def _worker_command(
    recipe, train, validation, folder: Path, project: str, search: dict
):
    """The argv of a worker process, with its spec written to `folder`.

    The spec and any DataFrame written for the workers sit beside the
    project's directory, which keras-tuner deletes when starting afresh.
    """
    folder.mkdir(parents=True, exist_ok=True)

    def as_path(table, name):
        if table is None:
            return None
        if isinstance(table, CSVFile):
            table = table.path
        if not isinstance(table, pd.DataFrame):
            return str(Path(table).absolute())
        # pickled, not CSV: the workers must see the same dtypes ("01" as
        # text, not the number 1) and so prepare the same data
        path = folder / f"{project}.{name}{FRAME_SUFFIX}"
        atomic_write(path, lambda file: table.to_pickle(file))
        return str(path.absolute())

    spec = {
        "recipe": type(recipe).__name__,
        "params": recipe.get_params(),
        "train": as_path(train, "train"),
        "validation": as_path(validation, "validation"),
        "search": search,
    }
    path = atomic_write(
        folder / f"{project}.worker.json", json.dumps(spec, indent=2)
    )
    return [sys.executable, "-m", "recipes.worker", str(path.absolute())]
