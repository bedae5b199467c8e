"""Training-step time of each custom optimizer against its Keras built-in.

    python benchmarks/optimizers.py          # quick: about 30 s, 15 blocks
    python benchmarks/optimizers.py --full   # full: about 65 s, 61 blocks

Quick: 15 interleaved blocks per side (noisier ratios). Full: 61 blocks.
`--repeats`, `--steps`, `--batch-size` and `--threads` override the mode.

Trains the same MLP (64 inputs -> 256 -> 256 -> 1, ReLU, MSE, batch 256)
with `model.train_on_batch` over a fixed set of 8 batches (tensors made
once), once with our optimizer and once with the matching
`keras.optimizers` built-in, in short interleaved blocks (ours/Keras, then
Keras/ours, ...). Prints per optimizer the median time per training step of
each side, the median of the ratios of adjacent blocks (target: <= 1.05),
and the number of operations in the traced update of each side (a count
that does not depend on the machine's load).

Pairing adjacent blocks cancels most of the drift caused by other work on
the machine; the "control" line times one Keras built-in against a second
copy of itself, so its distance from 1.000 shows the noise that is left.

Threads: TensorFlow is pinned to one intra-op and one inter-op thread
(`--threads`) so that the two sides share the machine in the same way.
"""

import os
import statistics
import time

import _common as common

QUICK = dict(repeats=15)
FULL = dict(repeats=61)
OPTIONS = dict(steps=24, batch_size=256, threads=1)  # steps per block
ARGS = common.parse(__doc__, QUICK, FULL, OPTIONS)
common.pin_threads(ARGS.threads, ARGS.threads)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import custom_optimizers as co  # noqa: E402

# (name, ours, the Keras built-in with the same trajectory)
PAIRS = [
    (
        "control",
        lambda: keras.optimizers.SGD(0.01, momentum=0.9),
        lambda: keras.optimizers.SGD(0.01, momentum=0.9),
    ),
    ("SGD", lambda: co.SGD(0.01), lambda: keras.optimizers.SGD(0.01)),
    (
        "Momentum",
        lambda: co.Momentum(0.01, momentum=0.9),
        lambda: keras.optimizers.SGD(0.01, momentum=0.9),
    ),
    (
        "Nesterov",
        lambda: co.Nesterov(0.01, momentum=0.9),
        lambda: keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
    ),
    (
        "AdaGrad",
        lambda: co.AdaGrad(0.01),
        lambda: keras.optimizers.Adagrad(0.01, initial_accumulator_value=0.0),
    ),
    (
        "RMSProp",
        lambda: co.RMSProp(0.001),
        lambda: keras.optimizers.RMSprop(0.001),
    ),
    ("Adam", lambda: co.Adam(0.001), lambda: keras.optimizers.Adam(0.001)),
]


def _model(optimizer: keras.optimizers.Optimizer) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _batches(batch_size: int) -> list[tuple[tf.Tensor, tf.Tensor]]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, batch_size, 64)).astype("float32")
    y = np.sin(x[..., :8]).sum(axis=-1, keepdims=True).astype("float32")
    return [(tf.constant(a), tf.constant(b)) for a, b in zip(x, y, strict=True)]


def _seconds_per_step(model: keras.Model, batches, steps: int) -> float:
    start = time.perf_counter()
    for step in range(steps):
        model.train_on_batch(*batches[step % len(batches)])
    return (time.perf_counter() - start) / steps


def _update_op_count(optimizer: keras.optimizers.Optimizer) -> int:
    """Operations in the traced `apply` over the MLP's variables."""
    shapes = [(64, 256), (256,), (256, 256), (256,), (256, 1), (1,)]
    variables = [keras.Variable(np.zeros(shape, "float32")) for shape in shapes]
    grads = [tf.ones(shape) for shape in shapes]
    optimizer.build(variables)
    traced = tf.function(lambda: optimizer.apply(grads, variables))
    return len(traced.get_concrete_function().graph.get_operations())


def main() -> None:
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"backend {keras.backend.backend()}"
    )
    blocks = f"{ARGS.repeats} blocks of {ARGS.steps} steps per side"
    quick, full = common.timings(__doc__)
    print(common.mode_line(ARGS, f"{blocks}, {quick}", f"{blocks}, {full}"))
    print(common.thread_line())
    print(f"MLP 64-256-256-1, batch {ARGS.batch_size}, train_on_batch")
    data = _batches(ARGS.batch_size)
    header = f"{'optimizer':<10}{'ours ms/step':>14}{'keras ms/step':>15}"
    print(header + f"{'ratio':>8}{'update ops ours/keras':>23}")
    ratios = []
    for name, make_ours, make_keras in PAIRS:
        models = {"ours": _model(make_ours()), "keras": _model(make_keras())}
        for model in models.values():  # trace and warm up
            _seconds_per_step(model, data, 2 * ARGS.steps)
        times = {"ours": [], "keras": []}
        for repeat in range(ARGS.repeats):
            order = ("ours", "keras") if repeat % 2 == 0 else ("keras", "ours")
            for side in order:
                times[side].append(
                    _seconds_per_step(models[side], data, ARGS.steps)
                )
        ours = statistics.median(times["ours"])
        theirs = statistics.median(times["keras"])
        ratio = statistics.median(
            a / b for a, b in zip(times["ours"], times["keras"], strict=True)
        )
        if name != "control":
            ratios.append(ratio)
        ops = f"{_update_op_count(make_ours())}/"
        ops += f"{_update_op_count(make_keras())}"
        print(
            f"{name:<10}{1e3 * ours:>14.3f}{1e3 * theirs:>15.3f}{ratio:>8.3f}"
            f"{ops:>23}",
            flush=True,
        )
    worst = max(ratios)
    geometric_mean = float(np.exp(np.mean(np.log(ratios))))
    verdict = "within" if worst <= 1.05 else "ABOVE"
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    print(
        f"summary: {len(ratios)} optimizers, geometric-mean ratio "
        f"{geometric_mean:.3f}, worst {worst:.3f} ({verdict} the 1.05 target)"
    )


if __name__ == "__main__":
    main()
