"""Compiling, training with early stopping, refitting, and the served model.

Each function takes the `Prepared` data and the hyperparameters; the
recipe (`recipes.recipe`) strings them together. Random state: `seeded`
seeds Python, NumPy and Keras for a block and puts Python's and NumPy's
global generators back afterwards, so a user's own draws around `fit` are
not reset by it.

>>> from recipes.network import hyperparameters
>>> from recipes.preparation import prepare
>>> data = prepare("data/abalone/train.csv", target="rings",
...                task="regression")
>>> hp = hyperparameters({"hidden_layers": 1, "units": 8})
>>> model = build(hp, data, seed=0, epochs=2, loss="mse")
>>> history = train(model, hp, data, epochs=2, patience=10, seed=0)
>>> sorted(history.history), len(history.epoch)
(['loss', 'val_loss'], 2)
>>> served = assemble(data, model)  # raw named columns in, rings out
>>> sorted(served.input) == sorted(c.serving_name for c in data.schema.columns)
True
>>> batch_size(hp, data.rows)  # at most an eighth of the rows
256
>>> random.seed(1)
>>> expected = [random.random(), random.random()]
>>> random.seed(1)
>>> mine = [random.random()]
>>> with seeded(0):  # reseeds Python, NumPy and Keras for the block
...     _ = random.random()
>>> mine.append(random.random())
>>> mine == expected  # the caller's own draws go on as if no block ran
True
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import warnings

import keras
import numpy as np

import custom_layers
import tuning
from recipes import network, streaming
from recipes.calibration import Temperature, fit_temperature
from recipes.inference import batched
from recipes.preparation import Prepared
from recipes.preprocessing import InverseTarget, to_inputs

log = logging.getLogger("recipes")

# Training steps per call into TensorFlow: x1.57 epoch rows/s at batch 256,
# x2.30 at batch 64, on 2 cores (benchmarks/throughput.py); our callbacks
# and keras-tuner's act per epoch, so nothing they do changes.
STEPS_PER_EXECUTION = 32


@contextlib.contextmanager
def seeded(seed: int):
    """Seeds Python, NumPy and Keras (TensorFlow) for the block; Python's
    and NumPy's global generators are restored when it ends."""
    state = random.getstate(), np.random.get_state()
    keras.utils.set_random_seed(seed)
    try:
        yield
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])


def batch_size(hp: dict, rows: int) -> int:
    """The batch size: the hyperparameter, at most an eighth of the rows."""
    return int(max(16, min(hp["batch_size"], 2 ** int(math.log2(rows / 8)))))


def build(
    hp: dict, data: Prepared, *, seed: int, epochs: int, loss: str
) -> keras.Model:
    """A compiled network for the prepared data and hyperparameters.

    `epochs` sizes the learning-rate schedule (with the training rows and
    the batch size).
    """
    with seeded(seed):
        units, activation = data.task.head(len(data.schema.classes or ()))
        model = network.build_network(
            data.x_train.shape[1], units, activation, hp, layout=data.layout
        )
        steps = math.ceil(data.rows / batch_size(hp, data.rows)) * epochs
        loss = network.build_loss(loss, hp["label_smoothing"])
        if hp["architecture"] != "mlp":  # TabM: each member's loss, averaged
            loss = custom_layers.MeanMemberLoss(loss)
        model.compile(
            optimizer=network.build_optimizer(hp, steps),
            loss=loss,
            steps_per_execution=STEPS_PER_EXECUTION,
        )
    return model


def early_stopping(patience: int) -> keras.callbacks.EarlyStopping:
    """Early stopping on the validation loss, restoring the best weights."""
    return keras.callbacks.EarlyStopping(
        monitor="val_loss",
        patience=patience,
        min_delta=1e-4,
        restore_best_weights=True,
    )


def train(
    model: keras.Model,
    hp: dict,
    data: Prepared,
    *,
    epochs: int,
    patience: int,
    seed: int,
    callbacks: list | None = None,
    initial_epoch: int = 0,
) -> keras.callbacks.History:
    """Fits the network with early stopping on the validation loss.

    A stream is read block by block (`recipes.streaming.batches`); its
    rows carry their class weights.
    """
    batch = batch_size(hp, data.rows)
    x, y = data.x_train, data.targets(data.y_train)
    with seeded(seed):
        if data.stream:
            x, y = streamed(data, batch, seed), None
        with warnings.catch_warnings(), tuning.released_gradients():
            # a stream's length is unknown to Keras
            warnings.filterwarnings("ignore", "Your input ran out of data")
            return model.fit(
                x,
                y,
                validation_data=(data.x_valid, data.targets(data.y_valid)),
                batch_size=None if data.stream else batch,
                validation_batch_size=batch,
                epochs=epochs,
                shuffle=data.stream is None,  # a stream shuffles its blocks
                class_weight=None if data.stream else data.class_weight,
                callbacks=[
                    early_stopping(patience),
                    Progress(epochs),
                    *(callbacks or []),
                ],
                initial_epoch=initial_epoch,
                verbose=0,
            )


def streamed(data: Prepared, batch: int, seed: int, shard=(0, 1)):
    """The stream's batches of (x, y, class weight) for `data`'s model."""

    def prepare_block(block, y):
        inputs = to_inputs(block, data.schema, data.stream.path.name)
        x = batched(data.preprocessor, inputs)
        return x, data.targets(y), data.weights(y)

    return streaming.batches(
        data.stream,
        data.schema,
        prepare_block,
        width=data.x_train.shape[1],
        target_shape=data.task.target_shape(data.schema),
        batch=batch,
        seed=seed,
        shard=shard,
    )


def refit(
    model: keras.Model,
    hp: dict,
    data: Prepared,
    *,
    epochs: int,
    seed: int,
    callbacks: list | None = None,
) -> keras.callbacks.History:
    """Fits on training and validation rows together for `epochs`, with the
    batch size the trials had (so that an epoch means the same steps)."""
    x = np.concatenate([data.x_train, data.x_valid])
    y = np.concatenate([data.targets(data.y_train), data.targets(data.y_valid)])
    with seeded(seed), tuning.released_gradients():
        return model.fit(
            x,
            y,
            batch_size=batch_size(hp, data.rows),
            epochs=epochs,
            class_weight=data.class_weight,
            callbacks=[Progress(epochs), *(callbacks or [])],
            verbose=0,
        )


def temperature(held_out: list[tuple[Prepared, keras.Model]]) -> float:
    """The temperature (`recipes.calibration`) fitted on held-out rows:
    each pair's network predicts the validation rows of its data, which it
    never trained on (a fold's, or the validation split's)."""
    probabilities, labels = [], []
    for part, model in held_out:
        p = batched(model, part.x_valid)
        probabilities.append(np.hstack([1 - p, p]) if p.shape[1] == 1 else p)
        labels.append(part.y_valid)
    return fit_temperature(
        np.concatenate(probabilities), np.concatenate(labels)
    )


def held_out_outputs(
    held_out: list[tuple[Prepared, keras.Model]],
    temperature: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The true targets of the held-out rows and the served model's output
    for them (in the target's units, calibrated by `temperature`): what
    the validation metrics and plots are of."""
    labels, outputs = [], []
    for part, model in held_out:
        labels.append(part.y_valid)
        outputs.append(batched(head(part, model, temperature), part.x_valid))
    return np.concatenate(labels), np.concatenate(outputs)


def head(
    data: Prepared, network_model: keras.Model, temperature: float | None
) -> keras.Model:
    """The network from the feature matrix to the served output (see
    `assemble`)."""
    features = keras.Input(shape=(data.x_train.shape[1],), name="features")
    output = _served(data, network_model(features), temperature)
    return keras.Model(features, output, name="head")


def assemble(
    data: Prepared, network_model: keras.Model, temperature: float | None = None
) -> keras.Model:
    """The served model: raw named columns -> preprocessing -> network ->
    the target's own units (regression targets are scaled back) or, given
    a `temperature`, calibrated class probabilities."""
    raw = {
        c.serving_name: keras.Input(
            shape=(),
            dtype="float32" if c.kind == "numeric" else "string",
            name=c.serving_name,
        )
        for c in data.schema.columns
    }
    output = network_model(data.preprocessor(raw))
    output = _served(data, output, temperature)
    return keras.Model(raw, output, name=f"{data.task.name}_recipe")


def _served(data: Prepared, output, temperature: float | None):
    """The network's output in the target's units, or calibrated."""
    if data.target_scale is not None:
        scale = data.target_scale
        output = InverseTarget(
            scale.mean, scale.std, scale.log, name="target_scale"
        )(output)
    if temperature is not None:
        output = Temperature(
            temperature, binary=data.task.name == "binary", name="temperature"
        )(output)
    return output


class Progress(keras.callbacks.Callback):
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
