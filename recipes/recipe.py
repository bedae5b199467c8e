"""Recipes: a task, its preprocessing, network, training and export.

>>> recipe = MulticlassClassification(target="species", seed=0)
>>> recipe.fit("data/penguins/train.csv", epochs=50).evaluate(
...     "data/penguins/test.csv")["accuracy"] > 0.9
True
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import json
import logging
import math
import os
import warnings
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.utils.class_weight import compute_class_weight

import tuning
from recipes import distributed, network, search, streaming, tasks
from recipes.atomic import atomic_directory
from recipes.dataset import (
    VALIDATION_FRACTION,
    Dataset,
    load_dataset,
    summarize,
)
from recipes.errors import (
    ArgumentError,
    ModelError,
    check_positive_int,
    is_int,
)
from recipes.export import BATCH, ExportedModel, export_saved_model
from recipes.predictor import Predictor
from recipes.preprocessing import (
    NORMALIZATIONS,
    build_preprocessor,
    layout,
    to_inputs,
)
from recipes.reading import Table, read_table
from recipes.report import write_report
from recipes.schema import Schema, find_column, infer_task
from recipes.streaming import Stream

log = logging.getLogger("recipes")

FORMAT = 1  # version of the saved-recipe layout (recipe.json + model.keras)
RARE_CLASS = 0.2  # class weights switch on when the rarest class is rarer
# Training steps per call into TensorFlow: x1.57 epoch rows/s at batch 256,
# x2.30 at batch 64, on 2 cores (benchmarks/throughput.py); our callbacks
# and keras-tuner's act per epoch, so nothing they do changes.
STEPS_PER_EXECUTION = 32


@dataclasses.dataclass
class Prepared:
    """A table turned into what the network trains on, ready for search."""

    schema: Schema
    preprocessor: keras.Model
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    class_weight: dict | None
    target_scale: tuple[float, float] | None  # regression (mean, std)
    sources: tuple  # the tables read, for worker processes
    stream: Stream | None = None  # x_train is then a sample's features

    @property
    def rows(self) -> int:
        """Training rows: every one of a stream, not just its sample."""
        return self.stream.rows if self.stream else len(self.x_train)


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
        class_weight: "auto" (balanced weights when the rarest class is under
            20 %), "balanced", or None.
        hyperparameters: network and optimizer settings overriding
            `recipes.network.DEFAULTS` and the task's `network_defaults`
            (see `network_hyperparameters`).
        ensemble: networks averaged into the model (the course's
            ensembles): `fit` trains them from seeds `seed`, `seed + 1`, ...;
            `tune` takes the best trials. 1 for a single network.
    """

    task: ClassVar[str]
    losses: ClassVar[tuple[str, ...]]
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
        class_weight: str | None = "auto",
        hyperparameters: dict | None = None,
        ensemble: int = 3,
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

    # -- parameters ---------------------------------------------------------

    def get_params(self) -> dict:
        """The constructor's arguments, as given."""
        names = list(_init_names(type(self)))
        return {name: getattr(self, name) for name in names}

    def _check_params(self) -> None:
        checks = {
            "epochs": (
                is_int(self.epochs) and self.epochs > 0,
                "a positive integer",
            ),
            "patience": (
                is_int(self.patience) and self.patience > 0,
                "a positive integer",
            ),
            "seed": (is_int(self.seed), "an integer"),
            "ensemble": (
                is_int(self.ensemble) and self.ensemble > 0,
                "a positive integer",
            ),
            "validation_fraction": (
                isinstance(self.validation_fraction, float | int)
                and 0 < self.validation_fraction < 1,
                "a number between 0 and 1",
            ),
            "normalization": (
                self.normalization in NORMALIZATIONS,
                f"one of {', '.join(NORMALIZATIONS)}",
            ),
            "class_weight": (
                self.class_weight in ("auto", "balanced", None),
                "'auto', 'balanced' or None",
            ),
        }
        for name, (ok, expected) in checks.items():
            if not ok:
                raise ArgumentError(
                    f"{name} must be {expected}; received "
                    f"{name}={getattr(self, name)!r}"
                )
        self.network_hyperparameters()
        tasks.check_loss(self.task, self._loss_name())

    def _loss_name(self) -> str:
        return self.losses[0]

    def network_hyperparameters(self) -> dict:
        """What `fit` trains with: `network.DEFAULTS`, updated with this
        task's `network_defaults`, then with `hyperparameters`."""
        return network.hyperparameters(
            {**self.network_defaults, **(self.hyperparameters or {})}
        )

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
            epochs: overrides the recipe's `epochs` for this call.
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
        if epochs is not None:
            check_positive_int("epochs", epochs)
        data = self.prepare(train, validation, stream)  # checks parameters
        hp = self.network_hyperparameters()
        models, histories = [], []
        for seed in range(self.seed, self.seed + self.ensemble):
            if strategy is None:
                models.append(self.build(hp, data, seed))
                history = self.train(
                    models[-1], hp, data, epochs or self.epochs, seed=seed
                )
            else:
                model, history = self._train_distributed(
                    strategy, hp, data, epochs or self.epochs, seed
                )
                models.append(model)
            histories.append(history.history)
        self.finish(
            data, network.average(models), hp, histories[0], len(models)
        )
        return self

    def prepare(
        self,
        train: Table | Dataset,
        validation: Table | None = None,
        stream: bool | None = None,
    ) -> Prepared:
        """Reads, checks, splits and preprocesses the data once.

        `train` may be a `Dataset` already loaded (by `load_dataset` or
        `recipes.streaming.scan` with this recipe's target and task); it
        then carries its own split.
        """
        self._check_params()
        data = train
        if not isinstance(data, Dataset):
            streamed = streaming.should_stream(train, stream)
            data = (streaming.scan if streamed else load_dataset)(
                train,
                validation,
                target=self.target,
                task=self.task,
                features=self.features,
                seed=self.seed,
                validation_fraction=self.validation_fraction,
            )
        elif (data.schema.target, data.schema.task) != (self.target, self.task):
            raise ArgumentError(
                f"the dataset was loaded for {data.schema.task} of "
                f"{data.schema.target!r}; this recipe is {self.task} of "
                f"{self.target!r}"
            )
        keras.utils.set_random_seed(self.seed)
        schema, (name, valid_name) = data.schema, data.names
        preprocessor = build_preprocessor(
            schema, data.train, self.normalization
        )
        target_scale = None
        if self.task == "regression":
            y = data.y_train
            target_scale = (float(y.mean()), float(y.std()) or 1.0)
        self.prior_ = tasks.prior(schema, data.y_train)
        self.summary_ = summarize(data)
        return Prepared(
            schema=schema,
            preprocessor=preprocessor,
            x_train=_predict(preprocessor, to_inputs(data.train, schema, name)),
            y_train=data.y_train,
            x_valid=_predict(
                preprocessor, to_inputs(data.valid, schema, valid_name)
            ),
            y_valid=data.y_valid,
            class_weight=self._class_weight(data.y_train, schema),
            target_scale=target_scale,
            sources=data.sources,
            stream=data.stream,
        )

    def build(
        self, hp: dict, data: Prepared, seed: int | None = None
    ) -> keras.Model:
        """A compiled network for the prepared data and hyperparameters."""
        keras.utils.set_random_seed(self.seed if seed is None else seed)
        units, activation = tasks.head(
            self.task, len(data.schema.classes or ())
        )
        model = network.build_network(
            data.x_train.shape[1],
            units,
            activation,
            hp,
            layout=layout(data.preprocessor, data.schema),
        )
        batch = batch_size(hp, data.rows)
        steps = math.ceil(data.rows / batch) * self.epochs
        model.compile(
            optimizer=network.build_optimizer(hp, steps),
            loss=network.build_loss(self._loss_name(), hp["label_smoothing"]),
            steps_per_execution=STEPS_PER_EXECUTION,
        )
        return model

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
        """Fits the network with early stopping on the validation loss."""
        keras.utils.set_random_seed(self.seed if seed is None else seed)
        y_train, y_valid = (
            self._targets(data, data.y_train),
            self._targets(data, data.y_valid),
        )
        stopping = self._early_stopping()
        batch = validation_batch = batch_size(hp, data.rows)
        x, y = data.x_train, y_train
        if data.stream:
            x, y, batch = self._streamed(data, batch, seed), None, None
        with warnings.catch_warnings(), tuning.released_gradients():
            # a stream's length is unknown to Keras
            warnings.filterwarnings("ignore", "Your input ran out of data")
            return model.fit(
                x,
                y,
                validation_data=(data.x_valid, y_valid),
                batch_size=batch,
                validation_batch_size=validation_batch,
                epochs=epochs,
                shuffle=data.stream is None,  # a stream shuffles its blocks
                # a stream carries its rows' class weights
                class_weight=None if data.stream else data.class_weight,
                callbacks=[stopping, _Progress(epochs), *(callbacks or [])],
                initial_epoch=initial_epoch,
                verbose=0,
            )

    def _early_stopping(self) -> keras.callbacks.EarlyStopping:
        return keras.callbacks.EarlyStopping(
            monitor="val_loss",
            patience=self.patience,
            min_delta=1e-4,
            restore_best_weights=True,
        )

    def _train_distributed(
        self,
        strategy: tf.distribute.Strategy,
        hp: dict,
        data: Prepared,
        epochs: int,
        seed: int,
    ) -> tuple[keras.Model, keras.callbacks.History]:
        """`train` on a strategy's workers (see `recipes.distributed`)."""
        if data.stream:
            batches = self._stream_shards(data, seed)
        else:
            batches = distributed.arrays(
                data.x_train,
                self._targets(data, data.y_train),
                self._weights(data, data.y_train),
                seed,
            )
        return distributed.fit(
            strategy,
            lambda: self.build(hp, data, seed),
            batches,
            (data.x_valid, self._targets(data, data.y_valid)),
            batch_size=batch_size(hp, data.rows),
            epochs=epochs,
            callbacks=[self._early_stopping(), _Progress(epochs)],
        )

    def _stream_shards(self, data: Prepared, seed: int) -> distributed.Batches:
        """Each worker's share of a stream: the rows of its row numbers
        modulo the workers, cut to the same number of steps everywhere (a
        worker a few rows short starts its shard again)."""

        def batches(context, epoch: int, batch: int) -> tf.data.Dataset:
            share = context.get_per_replica_batch_size(batch)
            shard = (context.input_pipeline_id, context.num_input_pipelines)
            steps = max(1, data.stream.rows // batch)
            return (
                self._streamed(data, share, seed + epoch, shard)
                .map(
                    lambda x, y, w: (x, tf.reshape(y, [tf.shape(y)[0], -1]), w)
                )
                .repeat()
                .take(steps)
            )

        return batches

    def _streamed(
        self,
        data: Prepared,
        batch: int,
        seed: int | None,
        shard: tuple[int, int] = (0, 1),
    ) -> tf.data.Dataset:
        """Batches of (x, y, class weight) of every training row of a
        stream (or of its `shard`, (index, count)), read again each epoch.

        Each block is preprocessed at once by the model's own preprocessor
        (one call per block is far cheaper than one per batch) and its rows
        are shuffled; `tf.data` cuts the blocks into batches and prefetches
        the next block while the network trains.
        """
        schema, epochs = data.schema, itertools.count()
        seed = self.seed if seed is None else seed

        def blocks():
            rng = np.random.default_rng([seed, next(epochs)])
            for block in data.stream.blocks(*shard):
                block, y = streaming.targets(schema, block)
                if not len(y):
                    continue
                inputs = to_inputs(block, schema, data.stream.path.name)
                x = _predict(data.preprocessor, inputs)
                order = rng.permutation(len(y))
                targets = self._targets(data, y)[order].astype("f4")
                yield x[order], targets, self._weights(data, y)[order]

        targets = (
            [None] if self.task != "multiclass" else [None, len(schema.classes)]
        )
        signature = (
            tf.TensorSpec([None, data.x_train.shape[1]], tf.float32),
            tf.TensorSpec(targets, tf.float32),
            tf.TensorSpec([None], tf.float32),
        )
        return (
            tf.data.Dataset.from_generator(blocks, output_signature=signature)
            .flat_map(
                lambda x, y, w: tf.data.Dataset.from_tensor_slices(
                    (x, y, w)
                ).batch(batch)
            )
            .prefetch(tf.data.AUTOTUNE)
        )

    def refit(
        self, model: keras.Model, hp: dict, data: Prepared, epochs: int
    ) -> keras.callbacks.History:
        """Fits on training and validation rows together for `epochs`."""
        keras.utils.set_random_seed(self.seed)
        x = np.concatenate([data.x_train, data.x_valid])
        y = np.concatenate(
            [
                self._targets(data, data.y_train),
                self._targets(data, data.y_valid),
            ]
        )
        with tuning.released_gradients():
            return model.fit(
                x,
                y,
                batch_size=batch_size(hp, len(x)),
                epochs=epochs,
                class_weight=data.class_weight,
                callbacks=[_Progress(epochs)],
                verbose=0,
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
        return search.tune(
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

    def finish(
        self,
        data: Prepared,
        model: keras.Model,
        hp: dict,
        history: dict[str, list[float]],
        members: int = 1,
    ) -> None:
        """Joins preprocessing, network and output scaling into `model_`.

        `members` is the number of networks averaged in `model`.
        """
        raw = {
            c.serving_name: keras.Input(
                shape=(),
                dtype="float32" if c.kind == "numeric" else "string",
                name=c.serving_name,
            )
            for c in data.schema.columns
        }
        output = model(data.preprocessor(raw))
        if data.target_scale is not None:
            mean, std = data.target_scale
            output = keras.layers.Rescaling(std, mean, name="target_scale")(
                output
            )
        self.model_ = keras.Model(raw, output, name=f"{self.task}_recipe")
        self.schema_ = data.schema
        self.hyperparameters_ = hp
        self.history_ = {k: [float(v) for v in vs] for k, vs in history.items()}
        losses = self.history_.get("val_loss")
        self.best_epoch_ = int(np.argmin(losses)) + 1 if losses else None
        self.ensemble_ = members

    def _targets(self, data: Prepared, y: np.ndarray) -> np.ndarray:
        if self.task == "regression":
            mean, std = data.target_scale
            return ((y - mean) / std).astype(np.float32)
        if self.task == "binary":
            return y.astype(np.float32)
        return keras.utils.to_categorical(y, len(data.schema.classes))

    def _class_weight(self, y: np.ndarray, schema: Schema) -> dict | None:
        return None

    def _weights(self, data: Prepared, y: np.ndarray) -> np.ndarray:
        """Each row's class weight (1 without class weights), float32."""
        if not data.class_weight:
            return np.ones(len(y), np.float32)
        table = np.ones(len(data.schema.classes), np.float32)
        for label, weight in data.class_weight.items():
            table[label] = weight
        return table[y]

    # -- using the model ----------------------------------------------------

    def _fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ModelError(
                f"this {type(self).__name__} is not fitted yet; call fit() "
                "first"
            )

    def _output(self, frame: pd.DataFrame, name: str) -> np.ndarray:
        self._fitted()
        inputs = to_inputs(frame, self.schema_, name)
        output = _predict(self.model_, inputs)
        return output[:, 0] if output.shape[1] == 1 else output

    def predict(self, data: Table) -> pd.DataFrame:
        self._fitted()
        return super().predict(data)

    def evaluate(self, data: Table) -> dict[str, float]:
        self._fitted()
        return super().evaluate(data)

    def export(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Writes a TensorFlow SavedModel that takes raw named columns.

        The directory is written beside `path` and renamed into place, so a
        failure never leaves a half-written export or damages an old one.

        Raises:
            ArgumentError: `path` is a file, or exists and not `overwrite`.
        """
        self._fitted()
        return export_saved_model(
            self.model_,
            self.schema_,
            path,
            overwrite,
            extra={"prior": self.prior_},
        )

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
        with atomic_directory(path, overwrite) as tmp:
            self.model_.save(tmp / "model.keras")
            state = {
                "format": FORMAT,
                "recipe": type(self).__name__,
                "params": self.get_params(),
                "schema": self.schema_.to_json(),
                "prior": self.prior_,
                "summary": self.summary_,
                "hyperparameters": self.hyperparameters_,
                "history": self.history_,
                "best_epoch": self.best_epoch_,
                "ensemble": self.ensemble_,
            }
            if getattr(self, "search_", None) is not None:
                state["search"] = search.reference(self.search_, path)
            (tmp / "recipe.json").write_text(json.dumps(state, indent=2))
        return Path(path)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


class Regression(Recipe):
    """Predicts a number: linear output, MSE loss (MAE or Huber on request).

    The target is standardized for training; the model's output is scaled
    back, so predictions and the SavedModel are in the target's own units.

    Args:
        loss: "mse" (default), "mae" or "huber".
        **kwargs: see `Recipe`.
    """

    task = "regression"
    losses = ("mse", "mae", "huber")

    def __init__(self, target: str, loss: str = "mse", **kwargs):
        super().__init__(target, **kwargs)
        self.loss = loss

    def _loss_name(self) -> str:
        return self.loss


class _Classification(Recipe):
    def _class_weight(self, y: np.ndarray, schema: Schema) -> dict | None:
        counts = np.bincount(y, minlength=len(schema.classes))
        rare = counts.min() / counts.sum() < RARE_CLASS
        if self.class_weight == "balanced" or (
            self.class_weight == "auto" and rare
        ):
            present = np.unique(y)
            weights = compute_class_weight("balanced", classes=present, y=y)
            pairs = zip(present, weights, strict=True)
            return {int(c): float(w) for c, w in pairs}
        return None


class BinaryClassification(_Classification):
    """Two classes: sigmoid output, binary cross-entropy.

    The output is the probability of the second label in sorted order.
    """

    task = "binary"
    losses = ("binary_crossentropy",)


class MulticlassClassification(_Classification):
    """Several classes: softmax output, categorical cross-entropy."""

    task = "multiclass"
    losses = ("categorical_crossentropy",)
    # label smoothing: +2 % accuracy on letter_recognition, where the log
    # loss of overconfident networks stopped training early; periodic
    # embeddings cost it 0.4 %
    network_defaults = {"categorical_embedding": True, "label_smoothing": 0.1}


RECIPES = {
    cls.__name__: cls
    for cls in (Regression, BinaryClassification, MulticlassClassification)
}
BY_TASK = {cls.task: cls for cls in RECIPES.values()}


def auto_recipe(train: Table, target: str, **kwargs) -> Recipe:
    """The recipe for the task the target column implies.

    Floats: regression; two distinct values: binary; 3 to 50 string or
    integer labels: multiclass. Otherwise pass the task yourself.

    Raises:
        DataError: the target is missing or fits none of the tasks.
    """
    frame, name = read_table(train, what="train")
    find_column(frame, target, name, "target")
    task = infer_task(frame[target], name)
    return BY_TASK[task](target=target, **kwargs)


def load(path: str | os.PathLike) -> Recipe | Predictor:
    """Loads a saved recipe, or an exported SavedModel to predict with.

    Keras's safe mode is on: a saved recipe cannot run arbitrary code.

    Raises:
        ModelError: the path holds neither.
    """
    path = Path(path)
    if (path / "recipe.json").is_file():
        state = json.loads((path / "recipe.json").read_text())
        if state.get("format") != FORMAT or state.get("recipe") not in RECIPES:
            raise ModelError(
                f"{path} was saved by another version of keras-recipes"
            )
        recipe = RECIPES[state["recipe"]](**state["params"])
        with warnings.catch_warnings():  # ensembles' training state
            warnings.filterwarnings("ignore", search.OPTIMIZER_STATE)
            recipe.model_ = keras.saving.load_model(
                path / "model.keras", safe_mode=True
            )
        recipe.schema_ = Schema.from_json(state["schema"])
        recipe.prior_ = state["prior"]
        recipe.summary_ = state.get("summary", {})
        recipe.hyperparameters_ = state["hyperparameters"]
        recipe.history_ = state["history"]
        recipe.best_epoch_ = state["best_epoch"]
        recipe.ensemble_ = state.get("ensemble", recipe.ensemble)
        recipe.search_ = search.reload(state.get("search"), path)
        return recipe
    if (path / "saved_model.pb").is_file():
        return ExportedModel(path)
    raise ModelError(
        f"{path} is neither a saved recipe nor an exported SavedModel; "
        "pass a directory written by save() or export()"
    )


def batch_size(hp: dict, rows: int) -> int:
    """The batch size: the hyperparameter, at most an eighth of the rows."""
    return int(max(16, min(hp["batch_size"], 2 ** int(math.log2(rows / 8)))))


def _init_names(cls) -> list[str]:
    names = []
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            for p in inspect.signature(klass.__init__).parameters.values():
                if p.name != "self" and p.kind == p.POSITIONAL_OR_KEYWORD:
                    if p.name not in names:
                        names.append(p.name)
    return names


def _predict(model: keras.Model, inputs: dict) -> np.ndarray:
    """Runs a model on named columns in batches, strings included."""
    rows = len(next(iter(inputs.values())))
    parts = [
        model(
            {
                k: tf.constant(v[start : start + BATCH])
                for k, v in inputs.items()
            },
            training=False,
        ).numpy()
        for start in range(0, rows, BATCH)
    ]
    return np.concatenate(parts)


class _Progress(keras.callbacks.Callback):
    """Logs each epoch (debug) and a summary (info) to the `recipes` logger.

    The records carry `event`, `done` and `total` for `recipes.console`'s
    progress bars and JSON lines.
    """

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs
        self.last = 0

    def on_epoch_end(self, epoch, logs=None):
        self.last = epoch + 1
        metrics = {k: float(v) for k, v in (logs or {}).items()}
        figures = " ".join(f"{k} {v:.4f}" for k, v in metrics.items())
        log.debug(
            "epoch %d/%d %s",
            epoch + 1,
            self.epochs,
            figures,
            extra={
                "event": "epoch",
                "done": epoch + 1,
                "total": self.epochs,
                "metrics": metrics,
            },
        )

    def on_train_end(self, logs=None):
        log.info(
            "trained %d epoch(s)",
            self.last,
            extra={"event": "trained", "epochs": self.last},
        )
