"""Training throughput of a recipe against plain Keras, and CPU settings.

Run alone: `python benchmarks/throughput.py [--rows 100000] [--features 20]
[--repeats 3] [--epochs 3] [--threads 2] [--units 1024]`. The default run
takes about 2-3 minutes on 2 cores.

The data are generated with NumPy (`--seed`): `--rows` rows of `--features`
standard-normal columns in a DataFrame, and a regression target (a linear
function plus a sine and noise), so nothing is downloaded. A `Regression`
recipe prepares them once (its 85 / 15 split, z-scores, standardized
target); every model below trains on those NumPy matrices in memory.

1. Training throughput of the recipe against a hand-written model:
   `Recipe.train` (model.fit of `Recipe.build`'s network, i.e.
   recipes/network.py's `custom_layers.Dense` + `custom_layers.ReLU` and
   `custom_optimizers.Adam`, with its validation pass, `EarlyStopping`
   (patience never reached here) and progress callback) against
   `keras.Sequential([Dense(128, "relu")] * 2 + [Dense(1)])`,
   `keras.optimizers.Adam(1e-3)`, MSE, fitted on the same arrays with the
   same batch size (`recipes.recipe.batch_size`, 256) and the same
   validation data. Rows/s counts training rows: "train pass" is the time
   from the start of an epoch to the start of its validation, "epoch" the
   whole epoch (validation and callbacks included). Target: recipe /
   hand-written >= 0.95 for the epoch figure. Below them: a second copy of
   the hand-written model (the A/A control: how far a ratio strays from 1
   by chance), and three models splitting the difference: the recipe's
   network with its own optimizer in a plain `fit` (no recipe callbacks),
   with Keras's Adam, and the Sequential with the custom Adam. A last line
   compares the op types of the two networks' traced training steps.
2. A sweep over `compile(steps_per_execution=...)` (`--steps`) and
   `jit_compile` at batch sizes `--batches`: the recipe's network compiled
   as `Recipe.build` does plus those two arguments, trained by
   `Recipe.train` on the first `--sweep-rows` training rows (and the same
   share of validation rows). Speed-ups are against steps_per_execution=1
   without XLA at the same batch size; "1st epoch s" is the first epoch of
   the first call (tracing, XLA compilation).
3. The fraction of the machine's dense-matmul peak that the MLP's training
   step reaches at batch `--peak-batch` (4096). Peak: a `tf.function`
   chaining float32 `tf.matmul(A, X)` of square matrices of the sizes
   `--matmul-sizes` (A orthogonal, so values stay finite), 2 n^3 FLOPs
   each, timed like the models (2 calls per "epoch"); per round the best
   size's figure, and the median over rounds.
   Achieved: FLOPs of the dense layers per training step divided by the
   step time of `fit` on in-memory data (`--peak-steps` steps per epoch),

       FLOPs/step = 3 x 2 x batch x sum over dense layers of (in x out)

   (forward x W, and in the backward pass dL/dW = x^T dy and
   dL/dx = dy W^T, each a matmul of the same size; the first layer's dL/dx
   is not computed, an overcount under 1 % here; bias, ReLU, loss and
   optimizer updates are not counted but take time). The default network
   (20 -> 128 -> 128 -> 1) is too narrow for the matmuls to dominate, so
   the figure is given for hidden layers of `--units` (1024) as well as for
   128, for the recipe's network and the hand-written one. Target: >= 0.5.

Timing: a Keras callback notes the time of each epoch's start, validation
start and end. Each contender runs one `fit` call of `--epochs` epochs per
round (section 1, whose ratio is held to a 5 % target: four calls, in the
order A B C, C B A, A B C, C B A); the first epoch of every call (tracing,
iterator and validation set-up) is left out and the median of the others
is the round's figure. The contenders of a section take turns within a round
(in reverse order every other round), `--repeats` rounds; a rows/s figure
is the median over the rounds and a ratio the median of the round-by-round
ratios. The "A/A control" shows how far such a ratio strays from 1 by
chance. (Running the contenders side by side epoch by epoch, each `fit` in
a thread of its own waiting for its turn in a callback, was tried and
dropped: epochs stalled for seconds with the CPU idle.) After each
section, the cores used by other processes meanwhile and the load average
are printed, to spot a disturbed run. Threads are set explicitly from
`--threads` (intra-op and OMP_NUM_THREADS, default 2) and
`--inter-threads` (default 1) and printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import os
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3, help="rounds")
    parser.add_argument(
        "--epochs", type=int, default=3, help="per fit call (first untimed)"
    )
    parser.add_argument("--threads", type=int, default=2, help="intra-op")
    parser.add_argument("--inter-threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--steps", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--sweep-rows", type=int, default=32_768)
    parser.add_argument(
        "--units", type=int, default=1024, help="wide MLP of section 3"
    )
    parser.add_argument("--peak-batch", type=int, default=4096)
    parser.add_argument("--peak-steps", type=int, default=8)
    parser.add_argument(
        "--matmul-sizes", type=int, nargs="+", default=[1024, 2048]
    )
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first is untimed)")
    for name in ("rows", "features", "repeats", "threads", "inter_threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


ARGS = _parse_args()
for _variable in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
    os.environ[_variable] = str(ARGS.threads)
os.environ["TF_NUM_INTEROP_THREADS"] = str(ARGS.inter_threads)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

import custom_optimizers  # noqa: E402
from recipes import network  # noqa: E402
from recipes.recipe import (  # noqa: E402
    STEPS_PER_EXECUTION,
    Prepared,
    Regression,
    batch_size,
)

tf.config.threading.set_intra_op_parallelism_threads(ARGS.threads)
tf.config.threading.set_inter_op_parallelism_threads(ARGS.inter_threads)

TARGET_RATIO = 0.95
TARGET_PEAK = 0.5
THROUGHPUT_CALLS = 4  # fit calls per model per round in section 1


def _log(message: str) -> None:
    """Progress, on stderr (stdout holds the results)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr)


class EpochTimer(keras.callbacks.Callback):
    """(train pass s, whole epoch s) of every epoch of one `fit` call.

    Put last among the callbacks, so the epoch's end includes the others'.
    """

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[tuple[float, float]] = []
        self._begin = self._validation = None

    def on_epoch_begin(self, epoch, logs=None):
        self._begin, self._validation = time.perf_counter(), None

    def on_test_begin(self, logs=None):
        self._validation = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        end = time.perf_counter()
        self.epochs.append(
            ((self._validation or end) - self._begin, end - self._begin)
        )


@dataclasses.dataclass
class Contender:
    """A model trained by one `fit` call of `--epochs` epochs per round."""

    label: str
    fit: Callable[[EpochTimer], object]  # one call of ARGS.epochs epochs
    rows: int  # training rows per epoch (FLOPs per "epoch" for a matmul)
    steps: int  # optimizer steps per epoch
    # per round: the median of the timed epochs (all but the first), s
    train: list[float] = dataclasses.field(default_factory=list)
    epoch: list[float] = dataclasses.field(default_factory=list)
    first: float | None = None  # 1st epoch of the 1st call, s

    def call(self) -> list[tuple[float, float]]:
        """One `fit` call; its timed epochs (all but the first)."""
        timer = EpochTimer()
        self.fit(timer)
        if len(timer.epochs) != ARGS.epochs:
            raise RuntimeError(f"{self.label}: fit stopped early")
        if self.first is None:
            self.first = timer.epochs[0][1]
        return timer.epochs[1:]

    def add_round(self, epochs: list[tuple[float, float]]) -> None:
        self.train.append(statistics.median(t for t, _ in epochs))
        self.epoch.append(statistics.median(e for _, e in epochs))

    def rate(self, which: str = "epoch") -> list[float]:
        """Training rows/s, round by round."""
        return [self.rows / s for s in getattr(self, which)]

    def median(self, which: str = "epoch") -> float:
        return statistics.median(self.rate(which))

    def ratios(self, other: Contender, which: str = "epoch") -> list[float]:
        """Rows/s over the other's, round by round (side by side)."""
        pairs = zip(self.rate(which), other.rate(which), strict=True)
        return [a / b for a, b in pairs]

    def vs(self, other: Contender, which: str = "epoch") -> float:
        """The median of `ratios`."""
        return statistics.median(self.ratios(other, which))


def _rounds(contenders: list[Contender], calls: int = 1) -> None:
    """`--repeats` rounds of `calls` `fit` calls per contender, taking turns
    (A B C, then C B A for a second call; reversed every other round)."""
    for round_ in range(ARGS.repeats):
        order = contenders if round_ % 2 == 0 else contenders[::-1]
        timed: dict[int, list] = {id(c): [] for c in contenders}
        for call in range(calls):
            for contender in order if call % 2 == 0 else order[::-1]:
                timed[id(contender)] += contender.call()
        for contender in contenders:
            contender.add_round(timed[id(contender)])


def _generated() -> pd.DataFrame:
    rng = np.random.default_rng(ARGS.seed)
    x = rng.standard_normal((ARGS.rows, ARGS.features), dtype=np.float32)
    weights = rng.standard_normal(ARGS.features)
    y = x @ weights + np.sin(2 * x[:, 0]) + 0.1 * rng.standard_normal(len(x))
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(ARGS.features)])
    frame["y"] = y
    return frame


def _scaled(data: Prepared, y: np.ndarray) -> np.ndarray:
    """The standardized target `Recipe.train` fits (regression)."""
    mean, std = data.target_scale
    return ((y - mean) / std).astype(np.float32)


def _sequential(inputs: int, units: int, optimizer) -> keras.Model:
    """The hand-written model: built-in Dense layers, MSE."""
    model = keras.Sequential(
        [
            keras.Input(shape=(inputs,)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _recipe_network(inputs: int, hp: dict, **compile_kwargs) -> keras.Model:
    """The recipe's network compiled as `Recipe.build` compiles it, but
    with `steps_per_execution` as given (Keras's default 1 if not)."""
    model = network.build_network(inputs, 1, "linear", hp)
    model.compile(
        optimizer=network.build_optimizer(hp, 1),
        loss=network.build_loss("mse"),
        **compile_kwargs,
    )
    return model


def _plain_fit(model, x, y, batch, validation=None) -> Callable:
    def fit(timer: EpochTimer):
        return model.fit(
            x,
            y,
            batch_size=batch,
            epochs=ARGS.epochs,
            validation_data=validation,
            callbacks=[timer],
            verbose=0,
        )

    return fit


def _recipe_fit(recipe, model, hp, data) -> Callable:
    def fit(timer: EpochTimer):
        return recipe.train(model, hp, data, ARGS.epochs, callbacks=[timer])

    return fit


def _steps(rows: int, batch: int) -> int:
    return math.ceil(rows / batch)


def _cpu_seconds() -> tuple[float, float] | None:
    """(busy CPU s of the machine, CPU s of this process); None off Linux."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    busy = sum(ticks[:3]) + sum(ticks[5:8])  # all but idle and iowait
    own = time.process_time()
    return busy / os.sysconf("SC_CLK_TCK"), own


class Disturbance:
    """Cores used by other processes on average since `start`, to spot a
    disturbed section, and the load average."""

    def __init__(self) -> None:
        self.start = time.perf_counter(), _cpu_seconds()

    def __str__(self) -> str:
        wall = time.perf_counter() - self.start[0]
        load = f"load average {os.getloadavg()[0]:.2f}"
        now, then = _cpu_seconds(), self.start[1]
        if now is None or then is None:
            return f"({load})"
        others = max(0.0, (now[0] - then[0]) - (now[1] - then[1])) / wall
        return (
            f"(other processes used {others:.2f} cores on average meanwhile; "
            f"{load})"
        )


def _warm_up(features: int) -> None:
    """One small fit, so the first contender pays no first-use costs."""
    rng = np.random.default_rng(ARGS.seed)
    x = rng.standard_normal((2048, features), dtype=np.float32)
    model = _sequential(features, 8, keras.optimizers.Adam())
    model.fit(
        x,
        x[:, :1],
        batch_size=256,
        validation_data=(x, x[:, :1]),
        epochs=2,
        verbose=0,
    )


# -- 1. recipe against hand-written -----------------------------------------


def throughput(recipe: Regression, data: Prepared) -> list[Contender]:
    """The recipe, the hand-written model, a copy of it (the A/A control:
    the noise floor of the ratios) and three models splitting the gap."""
    hp = network.hyperparameters()
    x, y = data.x_train, _scaled(data, data.y_train)
    validation = (data.x_valid, _scaled(data, data.y_valid))
    batch, inputs = batch_size(hp, len(x)), x.shape[1]
    units, rate = hp["units"], hp["learning_rate"]
    keras.utils.set_random_seed(ARGS.seed)
    own = recipe.build(hp, data, ARGS.seed)
    with_keras_adam = network.build_network(inputs, 1, "linear", hp)
    with_keras_adam.compile(optimizer=keras.optimizers.Adam(rate), loss="mse")
    plain = {
        "hand-written Sequential + keras Adam, fit": _sequential(
            inputs, units, keras.optimizers.Adam(rate)
        ),
        "  the same again (A/A control: noise floor)": _sequential(
            inputs, units, keras.optimizers.Adam(rate)
        ),
        "  recipe network + custom Adam, plain fit": _recipe_network(
            inputs, hp
        ),
        "  recipe network + keras Adam, plain fit": with_keras_adam,
        "  Sequential + custom Adam, plain fit": _sequential(
            inputs, units, custom_optimizers.Adam(rate)
        ),
    }
    steps = _steps(len(x), batch)
    contenders = [
        Contender(
            "recipe: Recipe.train (network.py, custom Adam)",
            _recipe_fit(recipe, own, hp, data),
            len(x),
            steps,
        )
    ] + [
        Contender(
            label, _plain_fit(model, x, y, batch, validation), len(x), steps
        )
        for label, model in plain.items()
    ]
    _rounds(contenders, calls=THROUGHPUT_CALLS)
    return contenders


def _step_ops(model: keras.Model, optimizer, inputs: int) -> Counter:
    """Op types of a traced training step (forward, MSE, gradients, update)."""
    optimizer.build(model.trainable_variables)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        return loss

    graph = step.get_concrete_function(
        tf.TensorSpec((None, inputs)), tf.TensorSpec((None, 1))
    ).graph
    return Counter(op.type for op in graph.get_operations())


def _graph_line(inputs: int) -> str:
    """Whether the recipe's training step traces to the same ops as the
    hand-written one's."""
    hp = network.hyperparameters()
    rate = hp["learning_rate"]
    ours = _step_ops(
        network.build_network(inputs, 1, "linear", hp),
        network.build_optimizer(hp, 1),
        inputs,
    )
    theirs = _step_ops(
        _sequential(inputs, hp["units"], keras.optimizers.Adam(rate)),
        keras.optimizers.Adam(rate),
        inputs,
    )
    if ours == theirs:
        return (
            f"traced training step: {ours.total()} ops in both, the same count "
            "of every op type (recipe network + custom Adam vs Sequential + "
            "keras Adam)"
        )
    differ = sorted(
        f"{k} {ours[k]} vs {theirs[k]}"
        for k in set(ours) | set(theirs)
        if ours[k] != theirs[k]
    )
    return (
        f"traced training step: {ours.total()} ops (recipe) vs "
        f"{theirs.total()} (hand-written); differing: {', '.join(differ)}"
    )


def _throughput_table(contenders: list[Contender]) -> list[str]:
    hand = contenders[1]
    lines = [
        f"{'model':<46}{'train rows/s':>13}{'epoch rows/s':>13}"
        f"{'x hand train':>13}{'x hand epoch':>13}{'1st epoch s':>12}"
    ]
    for c in contenders:
        lines.append(
            f"{c.label:<46}{c.median('train'):>13,.0f}{c.median():>13,.0f}"
            f"{c.vs(hand, 'train'):>13.3f}{c.vs(hand):>13.3f}"
            f"{c.first:>12.2f}"
        )
    return lines


# -- 2. steps_per_execution and jit_compile ---------------------------------


def sweep(recipe: Regression, data: Prepared) -> dict[tuple, Contender]:
    share = min(1.0, ARGS.sweep_rows / len(data.x_train))
    n_valid = max(1, round(len(data.x_valid) * share))
    small = dataclasses.replace(
        data,
        x_train=data.x_train[: ARGS.sweep_rows],
        y_train=data.y_train[: ARGS.sweep_rows],
        x_valid=data.x_valid[:n_valid],
        y_valid=data.y_valid[:n_valid],
    )
    contenders = {}
    for batch in ARGS.batches:
        hp = network.hyperparameters({"batch_size": batch})
        rows = len(small.x_train)
        actual = batch_size(hp, rows)
        for jit in (False, True):
            for steps in ARGS.steps:
                keras.utils.set_random_seed(ARGS.seed)
                model = _recipe_network(
                    small.x_train.shape[1],
                    hp,
                    steps_per_execution=steps,
                    jit_compile=jit,
                )
                contenders[(batch, jit, steps)] = Contender(
                    f"batch {actual} jit {jit} spe {steps}",
                    _recipe_fit(recipe, model, hp, small),
                    rows,
                    _steps(rows, actual),
                )
    _rounds(list(contenders.values()))
    return contenders


def _sweep_table(contenders: dict[tuple, Contender]) -> list[str]:
    lines = [
        f"{'batch':>6}{'jit_compile':>12}{'steps/exec':>11}"
        f"{'train rows/s':>13}{'epoch rows/s':>13}{'x spe=1 epoch':>14}"
        f"{'ms/step':>9}{'1st epoch s':>12}"
    ]
    for (batch, jit, steps), c in contenders.items():
        base = contenders[(batch, False, ARGS.steps[0])]
        ms = 1000 * statistics.median(c.train) / c.steps
        lines.append(
            f"{batch:>6}{jit!s:>12}{steps:>11}{c.median('train'):>13,.0f}"
            f"{c.median():>13,.0f}{c.vs(base):>14.2f}{ms:>9.3f}"
            f"{c.first:>12.2f}"
        )
    return lines


# -- 3. fraction of the dense-matmul peak -----------------------------------


MATMUL_CALLS = 2  # per "epoch" of a matmul contender


def _matmul(n: int, rng: np.random.Generator) -> Contender:
    """A contender whose "epochs" are calls of a chain of n x n matmuls.

    Its `rows` are the FLOPs of an "epoch", so its rates are FLOP/s.
    """
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = tf.constant(q.astype(np.float32))  # orthogonal: norms stay put
    x = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
    chain = max(2, math.ceil(16 * 2**30 / n**3))  # about 34 GFLOP a call

    @tf.function
    def run(a, x):
        for _ in range(chain):
            x = tf.matmul(a, x)
        return x

    run(a, x).numpy()  # traced before timing

    def fit(timer: EpochTimer):
        for epoch in range(ARGS.epochs):
            timer.on_epoch_begin(epoch)
            for _ in range(MATMUL_CALLS):
                run(a, x).numpy()
            timer.on_epoch_end(epoch)

    flops = 2 * n**3 * chain * MATMUL_CALLS
    return Contender(f"matmul n = {n}", fit, flops, MATMUL_CALLS)


def _dense_flops(widths: list[int], batch: int) -> int:
    """3 x 2 x batch x sum(in x out): forward, dL/dW and dL/dx matmuls."""
    return 6 * batch * sum(a * b for a, b in itertools.pairwise(widths))


@dataclasses.dataclass
class Peak:
    """Section 3: matmul contenders, MLP contenders with FLOPs per step."""

    matmuls: list[Contender]
    mlps: list[tuple[Contender, int, int]]  # (contender, units, FLOPs/step)

    def peak(self) -> list[float]:
        """FLOP/s per round: the best size's median "epoch"."""
        rates = [m.rate() for m in self.matmuls]
        return [max(r) for r in zip(*rates, strict=True)]

    def achieved(self, contender: Contender, flops: int) -> list[float]:
        """FLOP/s per round of the training step (the train pass)."""
        return [flops * contender.steps / s for s in contender.train]

    def fraction(self, contender: Contender, flops: int) -> float:
        pairs = zip(self.achieved(contender, flops), self.peak(), strict=True)
        return statistics.median(a / p for a, p in pairs)

    def recipe(self, units: int) -> float:
        """The recipe network's fraction of the peak at `units`."""
        for contender, u, flops in self.mlps:
            if contender.label.startswith("recipe") and u == units:
                return self.fraction(contender, flops)
        raise KeyError(units)


def peak_fraction(features: int) -> Peak:
    batch, rows = ARGS.peak_batch, ARGS.peak_batch * ARGS.peak_steps
    rng = np.random.default_rng(ARGS.seed + 1)
    x = rng.standard_normal((rows, features), dtype=np.float32)
    y = rng.standard_normal((rows, 1), dtype=np.float32)
    matmuls = [_matmul(n, rng) for n in ARGS.matmul_sizes]
    mlps = []
    for units in sorted({ARGS.units, network.DEFAULTS["units"]}, reverse=True):
        hp = network.hyperparameters({"units": units, "batch_size": batch})
        keras.utils.set_random_seed(ARGS.seed)
        recipe_model = _recipe_network(features, hp)
        hand = _sequential(features, units, keras.optimizers.Adam(1e-3))
        flops = _dense_flops([features, units, units, 1], batch)
        for label, model in (
            ("recipe network + custom Adam", recipe_model),
            ("hand-written Sequential + keras Adam", hand),
        ):
            contender = Contender(
                f"{label}, units {units}",
                _plain_fit(model, x, y, batch),
                rows,
                ARGS.peak_steps,
            )
            mlps.append((contender, units, flops))
    _rounds(matmuls + [c for c, _, _ in mlps])
    return Peak(matmuls, mlps)


def _peak_table(peak: Peak) -> list[str]:
    lines = [f"{'matmul, float32':<46}{'GFLOP/s':>11}{'best round':>11}"]
    for m in peak.matmuls:
        lines.append(
            f"{m.label:<46}{m.median() / 1e9:>11.1f}"
            f"{max(m.rate()) / 1e9:>11.1f}"
        )
    lines.append(
        f"{'peak (best size, round by round)':<46}"
        f"{statistics.median(peak.peak()) / 1e9:>11.1f}"
    )
    lines.append("")
    lines.append(
        f"{'MLP training step, batch ' + str(ARGS.peak_batch):<46}"
        f"{'GFLOP/step':>11}{'ms/step':>9}{'GFLOP/s':>9}{'of peak':>9}"
    )
    for contender, _, flops in peak.mlps:
        ms = 1000 * statistics.median(contender.train) / contender.steps
        achieved = statistics.median(peak.achieved(contender, flops))
        lines.append(
            f"{contender.label:<46}{flops / 1e9:>11.2f}{ms:>9.1f}"
            f"{achieved / 1e9:>9.1f}{peak.fraction(contender, flops):>9.2f}"
        )
    return lines


# -- main --------------------------------------------------------------------


def main() -> None:
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset (TF's default: on)")
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"NumPy {np.__version__}; backend {keras.backend.backend()}"
    )
    print(
        f"threads: TF intra-op {intra}, inter-op {inter}, OMP_NUM_THREADS "
        f"{os.environ['OMP_NUM_THREADS']}, TF_ENABLE_ONEDNN_OPTS {onednn}; "
        f"cores {os.cpu_count()} (usable {len(os.sched_getaffinity(0))}); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"timing: {ARGS.repeats} rounds of one fit call of {ARGS.epochs} "
        f"epochs per model ({THROUGHPUT_CALLS} calls in section 1), taking "
        "turns; a round's figure is the median of its epochs after the "
        "first of each call; medians over rounds, ratios round by round"
    )

    frame = _generated()
    recipe = Regression(
        target="y", seed=ARGS.seed, epochs=10**6, patience=10**6, ensemble=1
    )
    begun = time.perf_counter()
    data = recipe.prepare(frame)
    prepared = time.perf_counter() - begun
    features = data.x_train.shape[1]
    hp = network.hyperparameters()
    batch = batch_size(hp, len(data.x_train))
    print(
        f"data: generated regression, {ARGS.rows:,} rows x {ARGS.features} "
        f"numeric features (seed {ARGS.seed}); Recipe.prepare "
        f"{prepared:.2f} s -> {len(data.x_train):,} training and "
        f"{len(data.x_valid):,} validation rows, {features} columns"
    )
    _warm_up(features)

    _log("1. recipe against hand-written")
    disturbance = Disturbance()
    print()
    print(
        f"1. training throughput, batch {batch} "
        f"({_steps(len(data.x_train), batch)} steps/epoch), validation "
        f"every epoch; units {hp['units']}, Adam {hp['learning_rate']:g}, "
        f"no XLA; steps_per_execution {STEPS_PER_EXECUTION} in Recipe.train "
        "(its default), 1 in every other model (Keras's default)"
    )
    contenders = throughput(recipe, data)
    for line in _throughput_table(contenders):
        print(line)
    own, hand, control = contenders[:3]
    ratio, train_ratio = own.vs(hand), own.vs(hand, "train")
    for name, contender in (("recipe", own), ("A/A control", control)):
        each = " ".join(f"{r:.3f}" for r in contender.ratios(hand))
        print(f"{name} / hand-written epoch rows/s, round by round: {each}")
    print(disturbance)
    print(_graph_line(features))

    _log("2. steps_per_execution x jit_compile sweep")
    disturbance = Disturbance()
    print()
    print(
        f"2. steps_per_execution and jit_compile: the recipe's network by "
        f"Recipe.train on {min(ARGS.sweep_rows, len(data.x_train)):,} "
        "training rows (validation included in epoch rows/s)"
    )
    swept = sweep(recipe, data)
    for line in _sweep_table(swept):
        print(line)
    print(disturbance)

    _log("3. fraction of the dense-matmul peak")
    disturbance = Disturbance()
    print()
    print(
        f"3. dense-matmul peak and the MLP's training step at batch "
        f"{ARGS.peak_batch} ({ARGS.peak_steps} steps/epoch, in-memory "
        "fit, no validation); FLOPs/step = 6 x batch x sum(in x out)"
    )
    peak = peak_fraction(features)
    for line in _peak_table(peak):
        print(line)
    print(disturbance)

    one = ARGS.steps[0]
    speed_ups = []
    for b in ARGS.batches:
        base = swept[(b, False, one)]
        most = max(ARGS.steps, key=lambda s: swept[(b, False, s)].median())
        xla = statistics.median(
            swept[(b, True, s)].vs(swept[(b, False, s)]) for s in ARGS.steps
        )
        speed_ups.append(
            f"batch {b} x{swept[(b, False, most)].vs(base):.2f} "
            f"(best {most}), jit_compile x{xla:.2f}"
        )
    wide = peak.recipe(ARGS.units)
    narrow = peak.recipe(network.DEFAULTS["units"])
    print()
    print(f"total {time.perf_counter() - start:.0f} s")
    print(
        f"summary: recipe / hand-written rows/s x{ratio:.3f} per epoch "
        f"(train pass x{train_ratio:.3f}; A/A control "
        f"x{control.vs(hand):.3f}; target >= {TARGET_RATIO} "
        f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}); "
        f"steps_per_execution vs {one}: {'; '.join(speed_ups)}; recipe "
        f"MLP at batch {ARGS.peak_batch}: {wide:.2f} of the "
        f"{statistics.median(peak.peak()) / 1e9:.0f} GFLOP/s matmul peak "
        f"with units {ARGS.units} (target >= {TARGET_PEAK} "
        f"{'met' if wide >= TARGET_PEAK else 'NOT met'}), {narrow:.2f} with "
        f"units {network.DEFAULTS['units']}"
    )


if __name__ == "__main__":
    main()
