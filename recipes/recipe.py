"""Recipes: a task, its preprocessing, network, training and export.

`Recipe` is a facade: preparing the data (`recipes.preparation`), training
(`recipes.training`, `recipes.distributed`), search (`recipes.search`),
export (`recipes.export`) and persistence (`recipes.persistence`) live in
their own modules; the task (`recipes.tasks`) is an object each recipe
class names.

>>> recipe = MulticlassClassification(target="species", seed=0, ensemble=1)
>>> recipe.fit("data/penguins/train.csv", epochs=5).evaluate(
...     "data/penguins/test.csv")["accuracy"] > 0.9
True
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

import custom_optimizers
from recipes import (
    distributed,
    model_card,
    network,
    persistence,
    preparation,
    search,
    tasks,
    training,
)
from recipes.dataset import VALIDATION_FRACTION, Dataset
from recipes.errors import (
    ArgumentError,
    ModelError,
    check_positive_int,
)
from recipes.export import export_saved_model
from recipes.inference import batched
from recipes.params import check, init_names
from recipes.predictor import Predictor
from recipes.preparation import Prepared
from recipes.preprocessing import to_inputs
from recipes.reading import Table, read_table
from recipes.report import write_report
from recipes.schema import find_column

log = logging.getLogger("recipes")


class Recipe(Predictor):
    """Base class of the task recipes; use one of its subclasses.

    Args:
        target: the column to predict.
        features: the feature columns (default: every other column).
        seed: seeds the split, the weights and the shuffling.
        epochs: the most epochs `fit` trains (early stopping ends sooner).
        patience: epochs without a better validation loss before stopping.
        validation_fraction: the share of rows held out when `fit` gets no
            validation table.
        normalization: numeric scaling, one of "zscore", "minmax", "range"
            ([-1, 1]), "log", "robust" (median and interquartile range,
            smoothly clipped to +-3) and "quantile" (to normal scores).
        class_weight: None (the default: on holdouts of the development
            sets, weights cost the rare-class tables up to 5 points of ROC
            AUC or accuracy), "balanced", or "auto" (balanced when the
            rarest class is under 20 %).
        hyperparameters: network and optimizer settings overriding
            `recipes.network.DEFAULTS` and the task's `network_defaults`
            (see `network_hyperparameters`).
        ensemble: networks averaged into the model (the course's
            ensembles): `fit` trains them from seeds `seed`, `seed + 1`, ...;
            `tune` takes the best trials. 1 for a single network.
        folds: cross-fitting in `fit`: k networks, network i early-stopped
            on fold i of the training table and trained on the others, so
            that every row trains a network (they replace the `ensemble`
            of seeds). "auto": 5 folds for a table of fewer than 5,000
            rows given without a validation table, unless `ensemble` is 1;
            1: one validation split.
        stop_weight_change: the course's stop when the weights stop
            moving: training ends after an epoch that changes them by less
            than this (Euclidean norm, `custom_optimizers.StopOnSmallStep`);
            None: off.
        stop_train_loss: the course's stop on a training loss below this
            threshold (`custom_optimizers.StopBelowLoss`); None: off.
        combine: how the networks of an ensemble (or of the folds) make
            one model: "mean" (of their outputs; the default) or, for
            classification, "vote" (each network votes for its most probable
            class; `custom_layers.Ensemble`; not calibrated).
        calibration: classification only: "temperature" (the default)
            divides the log-probabilities by a temperature fitted on the
            held-out rows (`recipes.calibration`; accuracy and ROC AUC stay
            as they are), None leaves them as trained.
    """

    task: ClassVar[tasks.Task]
    # this task's changes to `network.DEFAULTS`, chosen on holdouts of the
    # train.csv files of ../shared/datasets (benchmarks/ablation.py);
    # periodic embeddings: RMSE -9 % on diamonds, ROC AUC +0.4 % on adult;
    # with them, categorical embeddings: RMSE -1.6 % on abalone, -1.1 % on
    # diamonds, ROC AUC +0.1-0.2 % on adult and credit_data
    network_defaults: ClassVar[dict] = {
        "numeric_embedding": "periodic",
        "categorical_embedding": True,
    }

    def __init__(
        self,
        target: str,
        features: list[str] | None = None,
        seed: int = 0,
        epochs: int = 200,
        patience: int = 10,
        validation_fraction: float = VALIDATION_FRACTION,
        normalization: str = "zscore",
        class_weight: str | None = None,
        hyperparameters: dict | None = None,
        ensemble: int = 3,
        folds: int | str = "auto",
        stop_weight_change: float | None = None,
        stop_train_loss: float | None = None,
        combine: str = "mean",
        calibration: str | None = "temperature",
    ):
        self.target = target
        self.features = features
        self.seed = seed
        self.epochs = epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.normalization = normalization
        self.class_weight = class_weight
        self.hyperparameters = hyperparameters
        self.ensemble = ensemble
        self.folds = folds
        self.stop_weight_change = stop_weight_change
        self.stop_train_loss = stop_train_loss
        self.combine = combine
        self.calibration = calibration

    # -- parameters ---------------------------------------------------------

    def get_params(self) -> dict:
        """The constructor's arguments, as given."""
        return {name: getattr(self, name) for name in init_names(type(self))}

    def _check_params(self) -> None:
        check(self.get_params())
        if self.combine == "vote" and not self.task.classifies:
            raise ArgumentError(
                "combine='vote' applies to classification; a regression "
                "averages its networks (combine='mean')"
            )
        self.network_hyperparameters()
        self.task.check_loss(self._loss_name())

    def _loss_name(self) -> str:
        return self.task.losses[0]

    def _target_transform(self) -> str:
        return "none"

    def network_hyperparameters(self) -> dict:
        """What `fit` trains with: `network.DEFAULTS`, updated with this
        task's `network_defaults`, then with `hyperparameters`.

        Warns (`UserWarning`) when batch normalization and dropout are both
        on: the course's advice is one or the other at first.
        """
        hp = network.hyperparameters(
            {**self.network_defaults, **(self.hyperparameters or {})}
        )
        if hp["normalization"] == "batch" and hp["dropout"]:
            warnings.warn(
                f"hyperparameters: normalization 'batch' with dropout "
                f"{hp['dropout']}; the course advises batch norm or dropout, "
                "not both at first",
                stacklevel=2,
            )
        return hp

    # -- training -----------------------------------------------------------

    def fit(
        self,
        train: Table,
        validation: Table | None = None,
        epochs: int | None = None,
        stream: bool | None = None,
        strategy: tf.distribute.Strategy | None = None,
    ) -> Recipe:
        """Trains on a CSV path or DataFrame, with early stopping.

        Args:
            train: the training table (target column included).
            validation: a validation table; by default a shuffled (for
                classification, stratified) share of `train`.
            epochs: overrides the recipe's `epochs` for this call (and
                sizes the learning-rate schedule).
            stream: read a CSV block by block instead of whole (see
                `recipes.streaming`); by default, when it is larger than
                `recipes.streaming.STREAM_ABOVE` (1 GiB).
            strategy: a `tf.distribute.MultiWorkerMirroredStrategy` to
                train on its workers (see `recipes.distributed`); create it
                at the start of the program, before any TensorFlow op. A
                streamed CSV is sharded: each worker trains on the rows
                whose row number is its index modulo the workers.

        Returns:
            The recipe, fitted.

        Raises:
            DataError: the table cannot be used (the message says why).
            ArgumentError: an argument is out of range.
        """
        start = time.perf_counter()
        if epochs is not None:
            check_positive_int("epochs", epochs)
        epochs = epochs or self.epochs
        folds = self.cross_fits()
        if strategy is not None and folds == "auto":
            folds = 1
        data = self.prepare(train, validation, stream, folds)  # checks them
        if strategy is not None and data.folds > 1:
            raise ArgumentError(
                "cross-fitting (folds > 1) and a distribution strategy do "
                "not go together; pass folds=1"
            )
        self.fit_prepared(
            data, self.network_hyperparameters(), epochs, strategy
        )
        self.seconds_ = time.perf_counter() - start
        return self

    def cross_fits(self, ensemble: int | None = None) -> int | str:
        """The `folds` that `fit` asks `prepare` for: 1 unless the recipe
        averages networks (`ensemble`, the recipe's by default, > 1) or
        names its folds."""
        if (ensemble or self.ensemble) > 1 or self.folds != "auto":
            return self.folds
        return 1

    def fit_prepared(
        self,
        data: Prepared,
        hp: dict,
        epochs: int,
        strategy: tf.distribute.Strategy | None = None,
        callbacks: list | None = None,
        deadline: float | None = None,
    ) -> Recipe:
        """Trains on prepared data with hyperparameters `hp`: one network
        per fold (`data.folds` > 1), else `ensemble` networks of seeds
        `seed`, `seed + 1`, ...; then calibrates and sets the fitted state
        (`finish`). `callbacks` go to every network's training; past
        `deadline` (a `time.time()`), no further network starts."""
        if data.folds > 1:  # one network per fold, early-stopped on it
            runs = list(
                zip(
                    preparation.cross_folds(data, self.seed),
                    range(self.seed, self.seed + data.folds),
                    strict=True,
                )
            )
        else:
            runs = [
                (data, s) for s in range(self.seed, self.seed + self.ensemble)
            ]
        models, histories = [], []
        for index, (part, seed) in enumerate(runs):
            if models and deadline is not None and time.time() >= deadline:
                log.warning(
                    "time budget reached: the model averages %d of %d networks",
                    len(models),
                    len(runs),
                )
                runs = runs[:index]
                break
            if strategy is None:
                model = self.build(hp, part, seed, epochs)
                history = self.train(
                    model, hp, part, epochs, callbacks=callbacks, seed=seed
                )
            else:
                model, history = distributed.train(
                    strategy,
                    hp,
                    part,
                    epochs=epochs,
                    patience=self.patience,
                    seed=seed,
                    loss=self._loss_name(),
                )
            models.append(model)
            histories.append(history.history)
        averaged = network.average(models, self.combine)
        if data.folds > 1:  # each network on the fold it never trained on
            held_out = [
                (part, m) for (part, _), m in zip(runs, models, strict=True)
            ]
            rows = f"out-of-fold rows of the {data.folds} folds"
        else:
            held_out, rows = [(data, averaged)], "the validation split"
        temperature = self.temperature(held_out)
        self.finish(
            data,
            averaged,
            hp,
            histories[0],
            len(models),
            temperature,
            validation=(
                *training.held_out_outputs(held_out, temperature),
                rows,
            ),
        )
        return self

    def temperature(self, held_out: list) -> float | None:
        """The calibration temperature fitted on `held_out` (pairs of
        prepared data and a network that never trained on its validation
        rows), or None if this recipe does not calibrate (or votes)."""
        if (
            not self.task.classifies
            or self.calibration is None
            or self.combine == "vote"  # vote shares are no model's output
        ):
            return None
        return training.temperature(held_out)

    def prepare(
        self,
        train: Table | Dataset,
        validation: Table | None = None,
        stream: bool | None = None,
        folds: int | str = 1,
    ) -> Prepared:
        """Reads, checks, splits and preprocesses the data once (see
        `recipes.preparation`, `folds` included); sets nothing on the
        recipe."""
        self._check_params()
        return preparation.prepare(
            train,
            validation,
            target=self.target,
            task=self.task,
            features=self.features,
            seed=self.seed,
            validation_fraction=self.validation_fraction,
            normalization=self.normalization,
            class_weight=self.class_weight if self.task.classifies else None,
            target_transform=self._target_transform(),
            stream=stream,
            folds=folds,
        )

    def build(
        self,
        hp: dict,
        data: Prepared,
        seed: int | None = None,
        epochs: int | None = None,
    ) -> keras.Model:
        """A compiled network for the prepared data and hyperparameters."""
        return training.build(
            hp,
            data,
            seed=self.seed if seed is None else seed,
            epochs=epochs or self.epochs,
            loss=self._loss_name(),
        )

    def train(
        self,
        model: keras.Model,
        hp: dict,
        data: Prepared,
        epochs: int,
        callbacks: list | None = None,
        initial_epoch: int = 0,
        seed: int | None = None,
    ) -> keras.callbacks.History:
        """Fits the network with early stopping on the validation loss (and
        the stopping rules the recipe names)."""
        stops = []
        if self.stop_weight_change is not None:
            stops.append(
                custom_optimizers.StopOnSmallStep(self.stop_weight_change)
            )
        if self.stop_train_loss is not None:
            stops.append(custom_optimizers.StopBelowLoss(self.stop_train_loss))
        return training.train(
            model,
            hp,
            data,
            epochs=epochs,
            patience=self.patience,
            seed=self.seed if seed is None else seed,
            callbacks=[*stops, *(callbacks or [])],
            initial_epoch=initial_epoch,
        )

    def refit(
        self,
        model: keras.Model,
        hp: dict,
        data: Prepared,
        epochs: int,
        callbacks: list | None = None,
    ) -> keras.callbacks.History:
        """Fits on training and validation rows together for `epochs`."""
        return training.refit(
            model, hp, data, epochs=epochs, seed=self.seed, callbacks=callbacks
        )

    def tune(
        self,
        train: Table,
        validation: Table | None = None,
        strategy: str = "bayesian",
        max_trials: int = 20,
        time_budget: float | None = None,
        directory: str | os.PathLike = "runs",
        resume: bool = True,
        workers: int = 1,
        search_space: dict | None = None,
        tensorboard: bool = False,
        refit: bool = True,
        ensemble: int | None = None,
    ) -> Recipe:
        """Searches hyperparameters with keras-tuner, then trains the best.

        Every trial trains with early stopping on the validation loss; the
        best configurations (3 by default) are then each trained on training
        + validation rows for the epochs early stopping found and averaged,
        and that model is what `export` writes. The search state lives in
        `directory` and resumes after a crash (`resume=False` starts afresh).

        Args:
            train, validation: as in `fit`.
            strategy: "random", "grid", "bayesian" or "hyperband".
            max_trials: trials in all (failed ones count).
            time_budget: seconds for the whole call, the "best quality"
                mode: the defaults are the first trial, then the search
                runs while there is time left for another trial and the
                refit of the best `ensemble` (each costs about one mean
                trial); None for no limit.
            directory: the search directory (one project per recipe class).
            resume: continue a search found there.
            workers: processes running trials on keras-tuner's chief/worker
                service (train must then be a CSV path or is written to one).
            search_space: entries replacing `recipes.network.SEARCH_SPACE`'s
                (a value fixes, a list chooses, a dict gives a range).
            tensorboard: write TensorBoard logs of every trial to
                `directory/<recipe class>/tensorboard`.
            refit: retrain the best configuration(s) on training +
                validation rows for the epochs early stopping found; False
                keeps the trial's own weights (trained on training rows).
            ensemble: average the networks of the best `ensemble` trials
                into one model (default: the recipe's `ensemble`, 3); 1 for
                the best trial alone. benchmarks/ensemble.py measures it.

        Returns:
            The recipe, fitted with the best hyperparameters.
        """
        start = time.perf_counter()
        search.tune(
            self,
            train,
            validation,
            strategy=strategy,
            max_trials=max_trials,
            time_budget=time_budget,
            directory=directory,
            resume=resume,
            workers=workers,
            search_space=search_space,
            tensorboard=tensorboard,
            refit=refit,
            ensemble=self.ensemble if ensemble is None else ensemble,
        )
        if hasattr(self, "model_"):  # a worker's recipe is not fitted
            self.seconds_ = time.perf_counter() - start
        return self

    def finish(
        self,
        data: Prepared,
        model: keras.Model,
        hp: dict,
        history: dict[str, list[float]],
        members: int = 1,
        temperature: float | None = None,
        validation: tuple[np.ndarray, np.ndarray, str] | None = None,
    ) -> None:
        """Sets the fitted state: the served model (preprocessing, network
        `model` of `members` averaged networks, the target's units or
        probabilities calibrated by `temperature`) and what the report and
        the model card tell of it: `validation` is the held-out rows' true
        targets, the served output for them and which rows they are."""
        self.model_ = training.assemble(data, model, temperature)
        self.temperature_ = temperature
        self.validation_ = self.validation_metrics_ = None
        self.validation_baseline_ = None
        if validation is not None:
            y, output, rows = validation
            self.validation_ = {"y": y, "output": output, "rows": rows}
            self.validation_metrics_ = self.task.score(data.schema, y, output)
            trivial = self.task.trivial_output(data.prior, len(y))
            self.validation_baseline_ = self.task.score(data.schema, y, trivial)
        self.schema_ = data.schema
        self.prior_ = data.prior
        self.summary_ = data.summary
        self.hyperparameters_ = hp
        self.history_ = {k: [float(v) for v in vs] for k, vs in history.items()}
        losses = self.history_.get("val_loss")
        self.best_epoch_ = int(np.argmin(losses)) + 1 if losses else None
        self.ensemble_ = members

    # -- using the model ----------------------------------------------------

    def _fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ModelError(
                f"this {type(self).__name__} is not fitted yet; call fit() "
                "first"
            )

    def _output(self, frame: pd.DataFrame, name: str) -> np.ndarray:
        self._fitted()
        output = batched(self.model_, to_inputs(frame, self.schema_, name))
        return output[:, 0] if output.shape[1] == 1 else output

    def predict(self, data: Table) -> pd.DataFrame:
        self._fitted()
        return super().predict(data)

    def evaluate(self, data: Table) -> dict[str, float]:
        self._fitted()
        return super().evaluate(data)

    def export(
        self,
        path: str | os.PathLike,
        overwrite: bool = False,
        test: Table | None = None,
    ) -> Path:
        """Writes a TensorFlow SavedModel that takes raw named columns, with
        its model card (`assets/model_card.json` and `.md`, see
        `recipes.model_card`; `test`: a table to score for it).

        The directory is written beside `path` and renamed into place, so a
        failure never leaves a half-written export or damages an old one.

        Raises:
            ArgumentError: `path` is a file, or exists and not `overwrite`.
        """
        self._fitted()
        document = self.model_card(test)
        return export_saved_model(
            self.model_,
            self.schema_,
            path,
            overwrite,
            extra={"prior": self.prior_},
            assets={
                model_card.JSON_NAME: json.dumps(document, indent=2),
                model_card.MARKDOWN_NAME: model_card.markdown(document),
            },
        )

    def model_card(self, test: Table | None = None) -> dict:
        """The model card (`recipes.model_card.card`), with the metrics of
        `test` when given."""
        self._fitted()
        scored = None
        if test is not None:
            rows = len(self._labelled(test)[1])
            scored = (self.evaluate(test), self.evaluate_baseline(test), rows)
        return model_card.card(self, scored)

    def report(
        self, path: str | os.PathLike, test: Table | None = None
    ) -> Path:
        """Writes a self-contained HTML report (see `recipes.report`).

        Dataset summary, leaderboard and score per trial (after `tune`),
        learning curves, and with `test` its metrics and diagnostics.
        """
        self._fitted()
        return write_report(self, path, test)

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Saves the recipe (a directory: recipe.json + model.keras).

        Load it back with `recipes.load` to predict, evaluate or export.
        """
        self._fitted()
        return persistence.save(self, path, overwrite)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


class Regression(Recipe):
    """Predicts a number: linear output, MSE loss (MAE or Huber on request).

    The target is standardized for training (after log1p, for a skewed
    non-negative one: see `recipes.targets`); the model's output is scaled
    back, so predictions and the SavedModel are in the target's own units.

    Args:
        loss: "mse" (default), "mae" or "huber".
        target_transform: "auto" (log1p when the target is non-negative
            and skewed), "none" or "log1p".
        **kwargs: see `Recipe`.
    """

    task = tasks.REGRESSION

    def __init__(
        self,
        target: str,
        loss: str = "mse",
        target_transform: str = "auto",
        **kwargs,
    ):
        super().__init__(target, **kwargs)
        self.loss = loss
        self.target_transform = target_transform

    def _loss_name(self) -> str:
        return self.loss

    def _target_transform(self) -> str:
        return self.target_transform


class BinaryClassification(Recipe):
    """Two classes: sigmoid output, binary cross-entropy.

    The output is the probability of the second label in sorted order.
    """

    task = tasks.BINARY


class MulticlassClassification(Recipe):
    """Several classes: softmax output, categorical cross-entropy."""

    task = tasks.MULTICLASS
    # label smoothing: +2 % accuracy on letter_recognition, where the log
    # loss of overconfident networks stopped training early; periodic
    # embeddings cost it 0.4 %
    network_defaults = {"categorical_embedding": True, "label_smoothing": 0.1}


RECIPES = {
    cls.__name__: cls
    for cls in (Regression, BinaryClassification, MulticlassClassification)
}
BY_TASK = {cls.task.name: cls for cls in RECIPES.values()}


def auto_recipe(train: Table, target: str, **kwargs) -> Recipe:
    """The recipe for the task the target column implies.

    Floats: regression; two distinct values: binary; 3 to 50 string or
    integer labels: multiclass. Otherwise pass the task yourself.

    Raises:
        DataError: the target is missing or fits none of the tasks.
    """
    frame, name = read_table(train, what="train")
    find_column(frame, target, name, "target")
    task = tasks.infer_task(frame[target], name)
    return BY_TASK[task.name](target=target, **kwargs)


def load(path: str | os.PathLike) -> Recipe | Predictor:
    """Loads a saved recipe, or an exported SavedModel to predict with.

    Keras's safe mode is on: a saved recipe cannot run arbitrary code.

    Raises:
        ModelError: the path holds neither.
    """
    return persistence.load(path, RECIPES)
