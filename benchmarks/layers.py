"""Forward+backward time of each custom layer against its Keras equivalent.

    python benchmarks/layers.py          # quick: about 15 s, 3 rounds
    python benchmarks/layers.py --full   # full: about 35 s, 7 rounds

Quick: 3 rounds of about 0.04 s per side and layer. Full: 7 rounds of
0.08 s. `--batch`, `--features`, `--repeats`, `--block`, `--threads` and
`--only` (layer names) override the mode.

For every layer, one `tf.function` runs the layer and `GradientTape`
gradients with respect to the input and the layer's trainable weights, on a
`(batch, features)` float32 input. Custom and reference runs alternate in
`--repeats` rounds of about `--block` seconds each. The table shows the
best (minimum) time per call of each, their ratio custom/Keras (target
<= 1.10; the minimum is the estimate least disturbed by other processes on
a shared machine) and, for comparison, the median of the per-round
ratios. Where Keras has no such layer, the reference is the closest
built-in or a plain `keras.ops` composition, named in the last column.
Threads are pinned (default 1 intra-op, 1 inter-op) and printed.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import _common as common

QUICK = dict(repeats=3, block=0.04)
FULL = dict(repeats=7, block=0.08)  # block: seconds per side and round
OPTIONS = dict(batch=1024, features=256, threads=1, only=[""])
ARGS = common.parse(__doc__, QUICK, FULL, OPTIONS)
common.pin_threads(ARGS.threads, 1)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import ops  # noqa: E402

import custom_layers as cl  # noqa: E402


class KerasResidual(keras.layers.Layer):
    """The `ResidualBlock` computation from Keras built-in layers."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.d1 = keras.layers.Dense(units)
        self.n1 = keras.layers.BatchNormalization()
        self.a1 = keras.layers.ReLU()
        self.drop = keras.layers.Dropout(0.1)
        self.d2 = keras.layers.Dense(units)
        self.n2 = keras.layers.BatchNormalization()
        self.a2 = keras.layers.ReLU()

    def call(self, x, training=None):
        h = self.a1(self.n1(self.d1(x), training=training))
        h = self.n2(self.d2(self.drop(h, training=training)), training=training)
        return self.a2(h + x)


class KerasAverage(keras.layers.Layer):
    """Mean of `k` built-in Dense layers through `keras.layers.Average`."""

    def __init__(self, units: int, k: int, **kwargs):
        super().__init__(**kwargs)
        self.members = [keras.layers.Dense(units) for _ in range(k)]
        self.average = keras.layers.Average()

    def call(self, x):
        return self.average([m(x) for m in self.members])


def _ops_layer(fn: Callable) -> keras.layers.Layer:
    return keras.layers.Activation(fn)


def _cases(n: int) -> list[tuple]:
    """(name, custom factory, reference factory, training, reference)."""
    k = 4
    return [
        ("identity", cl.Identity, keras.layers.Identity, False, "Identity"),
        (
            "step",
            cl.Step,
            lambda: _ops_layer(lambda x: ops.cast(x >= 0, x.dtype)),
            False,
            "ops.cast(x>=0) [no built-in; no gradient path]",
        ),
        (
            "sigmoid",
            cl.Sigmoid,
            lambda: keras.layers.Activation("sigmoid"),
            False,
            'Activation("sigmoid")',
        ),
        (
            "tanh",
            cl.Tanh,
            lambda: keras.layers.Activation("tanh"),
            False,
            'Activation("tanh")',
        ),
        (
            "arctan",
            cl.ArcTan,
            lambda: _ops_layer(ops.arctan),
            False,
            "Activation(ops.arctan) [no built-in]",
        ),
        (
            "softsign",
            cl.Softsign,
            lambda: keras.layers.Activation("softsign"),
            False,
            'Activation("softsign")',
        ),
        (
            "isru",
            cl.ISRU,
            lambda: _ops_layer(lambda x: x * ops.rsqrt(1.0 + ops.square(x))),
            False,
            "x*rsqrt(1+x^2) [no built-in; no overflow guard]",
        ),
        ("relu", cl.ReLU, keras.layers.ReLU, False, "ReLU"),
        (
            "leaky_relu",
            cl.LeakyReLU,
            lambda: keras.layers.LeakyReLU(negative_slope=0.01),
            False,
            "LeakyReLU(0.01)",
        ),
        ("prelu", cl.PReLU, keras.layers.PReLU, False, "PReLU"),
        (
            "rrelu (inference)",
            cl.RReLU,
            lambda: keras.layers.LeakyReLU(negative_slope=11 / 48),
            False,
            "LeakyReLU(mean slope)",
        ),
        (
            "rrelu (training)",
            lambda: cl.RReLU(seed=0),
            lambda: keras.layers.LeakyReLU(negative_slope=11 / 48),
            True,
            "LeakyReLU [no built-in; ours draws a slope per element]",
        ),
        ("elu", cl.ELU, keras.layers.ELU, False, "ELU"),
        (
            "dense",
            lambda: cl.Dense(n),
            lambda: keras.layers.Dense(n),
            False,
            f"Dense({n})",
        ),
        (
            "dense+relu",
            lambda: cl.Dense(n, activation="relu"),
            lambda: keras.layers.Dense(n, activation="relu"),
            False,
            f'Dense({n}, "relu")',
        ),
        (
            "batch_norm (training)",
            cl.BatchNorm,
            keras.layers.BatchNormalization,
            True,
            "BatchNormalization",
        ),
        (
            "batch_norm (inference)",
            cl.BatchNorm,
            keras.layers.BatchNormalization,
            False,
            "BatchNormalization",
        ),
        (
            "layer_norm",
            cl.LayerNorm,
            keras.layers.LayerNormalization,
            False,
            "LayerNormalization",
        ),
        (
            "dropout (training)",
            lambda: cl.Dropout(0.5, seed=0),
            lambda: keras.layers.Dropout(0.5, seed=0),
            True,
            "Dropout(0.5)",
        ),
        (
            "gaussian_noise (training)",
            lambda: cl.GaussianNoise(0.1, seed=0),
            lambda: keras.layers.GaussianNoise(0.1, seed=0),
            True,
            "GaussianNoise(0.1)",
        ),
        (
            "residual_block",
            lambda: cl.ResidualBlock(
                n, normalization="batch", dropout=0.1, seed=0
            ),
            lambda: KerasResidual(n),
            True,
            "Dense,BN,ReLU,Dropout,Dense,BN,+x,ReLU built-ins",
        ),
        (
            f"ensemble (k={k})",
            lambda: cl.Ensemble([cl.Dense(n) for _ in range(k)]),
            lambda: KerasAverage(n, k),
            False,
            f"Average of {k} Dense({n})",
        ),
        (
            f"batch_ensemble (k={k})",
            lambda: keras.Sequential(
                [cl.BatchEnsembleDense(n, ensemble_size=k), cl.EnsembleMean()]
            ),
            lambda: KerasAverage(n, k),
            False,
            f"Average of {k} Dense({n}) [k x the weights]",
        ),
    ]


def _step_fn(layer: keras.layers.Layer, x: tf.Tensor, training: bool):
    layer(x, training=training)  # build outside the traced function

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=training)
            loss = tf.reduce_sum(y)
        # Return the loss too: otherwise graph pruning may skip a forward
        # pass whose values the gradient does not need (e.g. added noise).
        return [loss] + tape.gradient(loss, [x] + layer.trainable_variables)

    return step


def _time_block(step: Callable, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        result = step()
    # Wait for the values: the last gradient forces the whole graph.
    _ = [np.asarray(g) for g in result if g is not None]
    return (time.perf_counter() - start) / calls


def main() -> None:
    print(
        f"keras {keras.__version__}, tensorflow {tf.__version__}, backend "
        f"{keras.backend.backend()}"
    )
    rounds = f"{ARGS.repeats} rounds of {ARGS.block:g} s per side and layer"
    quick, full = common.timings(__doc__)
    print(common.mode_line(ARGS, f"{rounds}, {quick}", f"{rounds}, {full}"))
    print(common.thread_line())
    print(
        f"input ({ARGS.batch}, {ARGS.features}) float32; forward+backward "
        "in tf.function (loss = sum of outputs; gradients w.r.t. inputs "
        f"and weights); {ARGS.repeats} alternating rounds; load average "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    x = tf.constant(
        np.random.default_rng(0)
        .normal(size=(ARGS.batch, ARGS.features))
        .astype("float32")
    )
    header = (
        f"{'layer':<26} {'custom ms':>9} {'keras ms':>9} {'ratio':>6} "
        f"{'median':>6}  reference"
    )
    print(header)
    print("-" * len(header))
    ratios = {}
    for name, make_custom, make_reference, training, label in _cases(
        ARGS.features
    ):
        if not any(name.startswith(o) for o in ARGS.only):
            continue
        keras.utils.set_random_seed(0)
        steps = [
            _step_fn(make_custom(), x, training),
            _step_fn(make_reference(), x, training),
        ]
        for step in steps:
            _time_block(step, 3)  # trace and warm up
        per_call = max(_time_block(step, 3) for step in steps)
        calls = max(3, int(ARGS.block / per_call))
        times = ([], [])
        for _ in range(ARGS.repeats):
            for index, step in enumerate(steps):
                times[index].append(_time_block(step, calls))
        best = (min(times[0]), min(times[1]))
        ratio = best[0] / best[1]
        median = statistics.median(c / r for c, r in zip(*times, strict=True))
        ratios[name] = ratio
        flag = "" if ratio <= 1.10 else "  (> 1.10)"
        print(
            f"{name:<26} {1e3 * best[0]:>9.3f} {1e3 * best[1]:>9.3f} "
            f"{ratio:>6.3f} {median:>6.3f}  {label}{flag}",
            flush=True,
        )
    if ratios:
        worst = max(ratios, key=ratios.get)
        above = [n for n, r in ratios.items() if r > 1.10]
        print(
            f"summary: {len(ratios)} layers, median ratio "
            f"{statistics.median(ratios.values()):.3f}, worst "
            f"{ratios[worst]:.3f} ({worst}), {len(above)} above 1.10"
            + (f": {', '.join(above)}" if above else "")
            + f"; load average {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
