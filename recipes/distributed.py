"""Training on several processes or machines: MultiWorkerMirroredStrategy.

`model.fit` fails under MultiWorkerMirroredStrategy with TensorFlow 2.21 and
Keras 3.15 ("Attempt to convert a value (PerReplica...)", keras-team/keras
issue 20585), so a recipe given such a strategy trains with the loop below:
`strategy.run` over `distribute_datasets_from_function`, the loss scaled
with `tf.nn.compute_average_loss`, model and optimizer built under
`strategy.scope()`.

- In memory (`arrays`), every worker reads the same table and takes its own
  shard of each global batch: after a shuffle seeded alike on every worker,
  worker i of n takes rows [i·b/n, (i+1)·b/n) of each batch of b rows. The
  all-reduced gradient is then the gradient of the whole batch, so n
  workers train the model one process would with batch b, up to float
  rounding.
- A streamed CSV (`stream_shards`): worker i of n preprocesses
  and trains on the training rows whose row number is i modulo n, and every
  worker takes the same number of steps per epoch.
- Every worker computes the validation loss on the whole validation set,
  so all take the same early-stopping decision.
- Callbacks get the usual calls (`on_epoch_end` with loss and val_loss):
  EarlyStopping with `restore_best_weights` works as in `fit`.

The trained weights are copied into a plain model, which the recipe then
exports as usual (the command line exports on the chief only). `train` is
what `Recipe.fit(strategy=...)` calls.

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                "task": {"type": "worker", "index": 0}}' \\
        keras-recipes train data.csv --target y --distributed --export out
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from recipes import training
from recipes.inference import batched
from recipes.preparation import Prepared

# (input context, epoch, global batch size) -> this input pipeline's
# batches of (x, y, sample weight); as many batches on every worker
Batches = Callable[[tf.distribute.InputContext, int, int], tf.data.Dataset]


def train(
    strategy: tf.distribute.Strategy,
    hp: dict,
    data: Prepared,
    *,
    epochs: int,
    patience: int,
    seed: int,
    loss: str,
) -> tuple[keras.Model, keras.callbacks.History]:
    """`training.train` on a strategy's workers: the prepared rows (or the
    stream's shards) in, a plain trained model and its History out."""
    if data.stream:
        batches = stream_shards(data, seed)
    else:
        batches = arrays(
            data.x_train,
            data.targets(data.y_train),
            data.weights(data.y_train),
            seed,
        )
    return fit(
        strategy,
        lambda: training.build(hp, data, seed=seed, epochs=epochs, loss=loss),
        batches,
        (data.x_valid, data.targets(data.y_valid)),
        batch_size=training.batch_size(hp, data.rows),
        epochs=epochs,
        callbacks=[
            training.early_stopping(patience),
            training.Progress(epochs),
        ],
    )


def stream_shards(data: Prepared, seed: int) -> Batches:
    """Each worker's share of a stream: the rows of its row numbers
    modulo the workers, cut to the same number of steps everywhere (a
    worker a few rows short starts its shard again)."""

    def batches(context, epoch: int, batch: int) -> tf.data.Dataset:
        share = context.get_per_replica_batch_size(batch)
        shard = (context.input_pipeline_id, context.num_input_pipelines)
        replicas = context.num_replicas_in_sync // context.num_input_pipelines
        steps = max(1, data.stream.rows // batch)
        return (
            training.streamed(data, share, seed + epoch, shard)
            .map(lambda x, y, w: (x, tf.reshape(y, [tf.shape(y)[0], -1]), w))
            .repeat()
            .take(steps * replicas)  # each replica of the worker: steps
        )

    return batches


def fit(
    strategy: tf.distribute.Strategy,
    build,
    batches: Batches,
    validation: tuple[np.ndarray, np.ndarray],
    *,
    batch_size: int,
    epochs: int,
    callbacks: list,
) -> tuple[keras.Model, keras.callbacks.History]:
    """Trains `build()` (a compiled model) with `strategy`'s workers.

    `batches` gives each worker its training batches for an epoch (see
    `arrays`); `validation` is the whole validation table.

    Returns a plain copy of the trained model (built outside the strategy)
    and its History.
    """
    shards = strategy.num_replicas_in_sync
    batch = max(shards, batch_size // shards * shards)
    with strategy.scope():
        model = build()
        model.optimizer.build(model.trainable_variables)
    loss = model.loss

    def replica_step(xs, ys, ws):
        with tf.GradientTape() as tape:
            output = model(xs, training=True)
            value = tf.nn.compute_average_loss(
                loss.call(ys, output), ws, global_batch_size=batch
            )
            if model.losses:
                value += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        variables = model.trainable_variables
        gradients = tape.gradient(value, variables)
        model.optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return value

    @tf.function
    def step(xs, ys, ws):
        values = strategy.run(replica_step, args=(xs, ys, ws))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, values, axis=None)

    history = keras.callbacks.History()
    callbacks = keras.callbacks.CallbackList(
        [*callbacks, history], model=model, epochs=epochs
    )
    model.stop_training = False
    callbacks.on_train_begin()
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        distributed = strategy.distribute_datasets_from_function(
            lambda context, epoch=epoch: batches(context, epoch, batch)
        )
        total = count = 0.0
        for xs, ys, ws in distributed:
            total += float(step(xs, ys, ws))
            count += 1
        logs = {
            "loss": total / max(count, 1),
            "val_loss": _loss(model, loss, *validation),
        }
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callbacks.on_train_end()
    plain = build()
    plain.set_weights(model.get_weights())
    return plain, history


def arrays(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray | None, seed: int
) -> Batches:
    """`Batches` of in-memory rows: each worker's shard of every shuffled
    global batch (the rows that do not fill a last batch are skipped)."""
    weights = np.ones(len(y), "f4") if weights is None else weights

    def batches(context, epoch: int, batch: int) -> tf.data.Dataset:
        rows = _epoch_rows(len(y), batch, seed, epoch)
        return _shard(context, rows, batch, x, y, weights)

    return batches


def _epoch_rows(rows: int, batch: int, seed: int, epoch: int) -> np.ndarray:
    """The epoch's shuffled rows as full global batches: (steps, batch)."""
    order = np.random.default_rng([seed, epoch]).permutation(rows)
    steps = rows // batch
    return order[: steps * batch].reshape(steps, batch)


def _shard(context, rows, batch, x, y, weights) -> tf.data.Dataset:
    """This input pipeline's slice of every global batch, in batches of one
    replica's share (a worker with several replicas feeds each in turn)."""
    per_pipeline = batch // context.num_input_pipelines
    start = context.input_pipeline_id * per_pipeline
    mine = rows[:, start : start + per_pipeline].ravel()
    return tf.data.Dataset.from_tensor_slices(
        (x[mine], _columns(y[mine]), weights[mine])
    ).batch(context.get_per_replica_batch_size(batch))


def _loss(model: keras.Model, loss, x: np.ndarray, y: np.ndarray) -> float:
    """The model's loss on a whole table, the same on every worker."""
    return float(np.mean(loss.call(_columns(y), batched(model, x))))


def _columns(y: np.ndarray) -> np.ndarray:
    """Targets shaped like the network's output: (rows, outputs), float32."""
    return y.reshape(len(y), -1).astype("f4")
