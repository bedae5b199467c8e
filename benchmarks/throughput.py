"""Training throughput of a recipe against plain Keras, and CPU settings.

    python benchmarks/throughput.py          # quick: about 50 s, 2 cores
    python benchmarks/throughput.py --full   # full: about 4 min

Quick: 20,000 rows; 1 round of 2 fit calls per model in section 1; batch
256, steps_per_execution 1 and 32 in 2; matmul size 1024 in 3. Full:
100,000 rows; 3 rounds of 4 calls; batches 64 and 256, steps 1, 8 and 32;
matmul sizes 1024 and 2048. Options override the mode's values. Data:
NumPy normals (`--seed`), a target linear in them plus a sine and noise;
`Regression.prepare` once (85 / 15 split, z-scores, scaled target).

1. `Recipe.train` (network.py's 2 x 128 custom Dense + ReLU, custom Adam,
   steps_per_execution 32, validation, early stopping that never
   triggers, progress callback) against a Keras `Sequential` of that shape
   with Keras's Adam(1e-3), fitted on the same arrays, batch size
   (`recipes.training.batch_size`) and validation data. "train" is an
   epoch up to its validation. Target: recipe / hand-written >= 0.95 per
   epoch. Below: a hand-written copy (the A/A control: how far a ratio
   strays by chance) and three models splitting the difference: the
   recipe's network with its own optimizer in a plain `fit`, with Keras's
   Adam, and the Sequential with the custom Adam; then the op types of the
   two networks' traced training steps compared.
2. `steps_per_execution` (`--steps`) x `jit_compile` at `--batches`: the
   recipe's network compiled as `Recipe.build` does plus those two, trained
   by `Recipe.train` on the first `--sweep-rows` training rows (and as many
   validation rows in proportion), against 1 step without XLA.
3. The share of the dense-matmul peak (chained float32 n x n `tf.matmul`,
   2 n^3 FLOPs each, the best of `--matmul-sizes` per round) the MLP's
   training step reaches at batch `--peak-batch`, counting 3 x 2 x batch x
   sum(in x out) FLOPs per step (forward, dL/dW, dL/dx; not bias, ReLU,
   loss, updates), hidden layers of `--units` and of 128. Target: >= 0.5.

Timing: a call is one `fit` of `--epochs` epochs; the first epoch (tracing,
XLA) is left out but shown ("1st s"). Models take turns (A B C, C B A) for
`--repeats` rounds; medians over rounds, ratios round by round; each section
prints the cores other processes used meanwhile. Threads: `--threads`
intra-op and OpenMP (2), `--inter-threads` inter-op (1), printed.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import statistics
import time
import warnings
from collections import Counter
from collections.abc import Callable

import _common as common
from _common import line, section, watch_fit

QUICK = dict(rows=20_000, repeats=1, calls=2, batches=[256], steps=[1, 32])
QUICK.update(sweep_rows=8192, peak_steps=4, matmul_sizes=[1024])
FULL = dict(rows=100_000, repeats=3, calls=4, batches=[64, 256])
FULL.update(steps=[1, 8, 32], sweep_rows=32_768, peak_steps=8)
FULL.update(matmul_sizes=[1024, 2048])
OPTIONS = dict(features=20, epochs=3, threads=2, inter_threads=1, seed=0)
OPTIONS.update(units=1024, peak_batch=4096)  # section 3's wide MLP, batch
TARGET_RATIO, TARGET_PEAK = 0.95, 0.5
ARGS = common.parse(__doc__, QUICK, FULL, OPTIONS)
if ARGS.epochs < 2:
    raise SystemExit("--epochs must be at least 2 (the first is untimed)")
common.pin_threads(ARGS.threads, ARGS.inter_threads)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

import custom_optimizers  # noqa: E402
from recipes import Regression, network  # noqa: E402
from recipes.preparation import Prepared  # noqa: E402
from recipes.training import STEPS_PER_EXECUTION, batch_size  # noqa: E402


@dataclasses.dataclass
class Contender:
    """A model; `run` makes one call of `--epochs` epochs, returns them."""

    label: str
    run: Callable[[], list[tuple[float, float]]]  # (train pass, epoch) s
    rows: int  # per epoch (FLOPs per "epoch" for a matmul)
    steps: int  # per epoch
    train: list[float] = dataclasses.field(default_factory=list)
    epoch: list[float] = dataclasses.field(default_factory=list)
    first: float | None = None  # 1st epoch of the 1st call, s

    def call(self) -> list[tuple[float, float]]:
        epochs = self.run()
        if len(epochs) != ARGS.epochs:
            raise RuntimeError(f"{self.label}: fit stopped early")
        self.first = epochs[0][1] if self.first is None else self.first
        return epochs[1:]

    def rate(self, which: str = "epoch") -> list[float]:
        return [self.rows / s for s in getattr(self, which)]

    def median(self, which: str = "epoch") -> float:
        return statistics.median(self.rate(which))

    def ratios(self, other: Contender, which: str = "epoch") -> list[float]:
        pairs = zip(self.rate(which), other.rate(which), strict=True)
        return [a / b for a, b in pairs]

    def vs(self, other: Contender, which: str = "epoch") -> float:
        return statistics.median(self.ratios(other, which))

    def ms(self) -> float:
        """Milliseconds per step of the train pass."""
        return 1000 * statistics.median(self.train) / self.steps


def rounds(contenders: list[Contender], calls: int = 1) -> None:
    for round_ in range(ARGS.repeats):
        order = contenders if round_ % 2 == 0 else contenders[::-1]
        timed = {id(c): [] for c in contenders}
        for call in range(calls):
            for contender in order if call % 2 == 0 else order[::-1]:
                timed[id(contender)] += contender.call()
        for c in contenders:
            c.train.append(statistics.median(t for t, _ in timed[id(c)]))
            c.epoch.append(statistics.median(e for _, e in timed[id(c)]))


def timed(fit: Callable[[], object]) -> Callable:
    """A contender's `run`: one `fit` call, its epochs' times."""

    def run():
        with watch_fit() as calls:
            fit()
        return calls[-1].epochs

    return run


def recipe_fit(recipe: Regression, model, hp: dict, data: Prepared):
    return timed(lambda: recipe.train(model, hp, data, ARGS.epochs))


def plain_fit(model, x, y, batch: int, validation=None) -> Callable:
    return timed(
        lambda: model.fit(
            x, y, batch, ARGS.epochs, 0, validation_data=validation
        )
    )


def sequential(inputs: int, units: int, optimizer=None) -> keras.Model:
    """The hand-written model: built-in Dense layers, MSE."""
    dense = [keras.layers.Dense(units, activation="relu") for _ in "ab"]
    model = keras.Sequential([keras.Input((inputs,)), *dense])
    model.add(keras.layers.Dense(1))
    optimizer = optimizer or keras.optimizers.Adam(1e-3)
    model.compile(optimizer=optimizer, loss="mse")
    return model


def recipe_network(inputs: int, hp: dict, **compile_kw) -> keras.Model:
    """The recipe's network compiled as `Recipe.build` compiles it, with
    `steps_per_execution` as given (Keras's default 1 if not)."""
    model = network.build_network(inputs, 1, "linear", hp)
    optimizer, loss = network.build_optimizer(hp, 1), network.build_loss("mse")
    model.compile(optimizer=optimizer, loss=loss, **compile_kw)
    return model


def matmul(n: int, rng: np.random.Generator) -> Contender:
    """'Epochs' of 2 calls of a chain of n x n matmuls; rows are FLOPs."""
    a = tf.constant(np.linalg.qr(rng.standard_normal((n, n)))[0], tf.float32)
    x = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
    chain = max(2, math.ceil(16 * 2**30 / n**3))  # about 34 GFLOP a call

    @tf.function
    def chained(a, x):
        for _ in range(chain):
            x = tf.matmul(a, x)  # a is orthogonal: x keeps its norm
        return x

    chained(a, x).numpy()  # traced before timing

    def epoch() -> tuple[float, float]:
        start = time.perf_counter()
        chained(a, x).numpy(), chained(a, x).numpy()
        return (time.perf_counter() - start,) * 2

    def run():
        return [epoch() for _ in range(ARGS.epochs)]

    return Contender(f"matmul n = {n}", run, 2 * 2 * n**3 * chain, 2)


def scaled(data: Prepared, y: np.ndarray) -> np.ndarray:
    """The standardized target `Recipe.train` fits."""
    return data.targets(y).astype(np.float32)


def section1(recipe: Regression, data: Prepared) -> list[Contender]:
    hp = network.hyperparameters()
    x, y = data.x_train, scaled(data, data.y_train)
    validation = (data.x_valid, scaled(data, data.y_valid))
    batch, inputs = batch_size(hp, len(x)), x.shape[1]
    steps, units, rate = math.ceil(len(x) / batch), hp["units"], 1e-3
    own = recipe.build(hp, data, ARGS.seed)
    keras_adam = network.build_network(inputs, 1, "linear", hp)
    keras_adam.compile(optimizer=keras.optimizers.Adam(rate), loss="mse")
    custom_adam = custom_optimizers.Adam(hp["learning_rate"])
    models = {
        "hand-written Sequential + keras Adam, fit": sequential(inputs, units),
        "  the same again (A/A control)": sequential(inputs, units),
        "  recipe network + custom Adam, plain fit": recipe_network(inputs, hp),
        "  recipe network + keras Adam, plain fit": keras_adam,
        "  Sequential + custom Adam, plain fit": sequential(
            inputs, units, custom_adam
        ),
    }
    run = recipe_fit(recipe, own, hp, data)
    contenders = [Contender("recipe: Recipe.train", run, len(x), steps)]
    for label, model in models.items():
        run = plain_fit(model, x, y, batch, validation)
        contenders.append(Contender(label, run, len(x), steps))
    rounds(contenders, ARGS.calls)
    hand, widths = contenders[1], (46, 13, 13, 13, 13, 8)
    heads = "model|train rows/s|epoch rows/s|x hand train|x hand epoch|1st s"
    print(line(heads.split("|"), widths))
    for c in contenders:
        cells = [c.label, f"{c.median('train'):,.0f}", f"{c.median():,.0f}"]
        cells += [f"{c.vs(hand, 'train'):.3f}", f"{c.vs(hand):.3f}"]
        print(line([*cells, f"{c.first:.2f}"], widths))
    for name, c in (("recipe", contenders[0]), ("A/A control", contenders[2])):
        each = " ".join(f"{r:.3f}" for r in c.ratios(hand))
        print(f"{name} / hand-written epoch rows/s, round by round: {each}")
    return contenders


def step_ops(model: keras.Model, optimizer, inputs: int) -> Counter:
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


def graph_line(inputs: int) -> str:
    """Whether the recipe's training step traces to the hand-written one's
    ops (recipe network + custom Adam vs Sequential + keras Adam)."""
    hp = network.hyperparameters()
    ours = step_ops(
        network.build_network(inputs, 1, "linear", hp),
        network.build_optimizer(hp, 1),
        inputs,
    )
    theirs = step_ops(
        sequential(inputs, hp["units"]), keras.optimizers.Adam(1e-3), inputs
    )
    if ours == theirs:
        return (
            f"traced training step: {ours.total()} ops in both, the same "
            "count of every op type (recipe network + custom Adam vs "
            "Sequential + keras Adam)"
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


def section2(recipe: Regression, data: Prepared) -> dict[tuple, Contender]:
    rows = min(ARGS.sweep_rows, len(data.x_train))
    n_valid = max(1, round(len(data.x_valid) * rows / len(data.x_train)))
    small = dataclasses.replace(
        data,
        x_train=data.x_train[:rows],
        y_train=data.y_train[:rows],
        x_valid=data.x_valid[:n_valid],
        y_valid=data.y_valid[:n_valid],
    )
    inputs, swept = data.x_train.shape[1], {}
    for b, jit, spe in itertools.product(ARGS.batches, (0, 1), ARGS.steps):
        hp = network.hyperparameters({"batch_size": b})
        keras.utils.set_random_seed(ARGS.seed)
        model = recipe_network(
            inputs, hp, steps_per_execution=spe, jit_compile=bool(jit)
        )
        run = recipe_fit(recipe, model, hp, small)
        steps = math.ceil(rows / batch_size(hp, rows))
        swept[b, jit, spe] = Contender(f"{b} {jit} {spe}", run, rows, steps)
    rounds(list(swept.values()))
    widths = (6, 12, 11, 13, 13, 9, 9, 8)
    heads = "batch|jit_compile|steps/exec|train rows/s|epoch rows/s|x spe=1"
    print(line([*heads.split("|"), "ms/step", "1st s"], widths))
    for (b, jit, spe), c in swept.items():
        base = swept[b, 0, ARGS.steps[0]]
        actual = batch_size(network.hyperparameters({"batch_size": b}), rows)
        cells = [actual, bool(jit), spe, f"{c.median('train'):,.0f}"]
        cells += [f"{c.median():,.0f}", f"{c.vs(base):.2f}", f"{c.ms():.3f}"]
        print(line([*cells, f"{c.first:.2f}"], widths))
    return swept


def section3(inputs: int, rng) -> tuple[float, dict[int, float]]:
    """The median peak FLOP/s, and the recipe network's share by units."""
    batch, rows = ARGS.peak_batch, ARGS.peak_batch * ARGS.peak_steps
    x = rng.standard_normal((rows, inputs), dtype=np.float32)
    y = rng.standard_normal((rows, 1), dtype=np.float32)
    matmuls, mlps = [matmul(n, rng) for n in ARGS.matmul_sizes], []
    for units in sorted({ARGS.units, 128}, reverse=True):
        flops = 6 * batch * (inputs * units + units * units + units)
        hp = network.hyperparameters({"units": units, "batch_size": batch})
        keras.utils.set_random_seed(ARGS.seed)
        for label, model in (
            ("recipe network + custom Adam", recipe_network(inputs, hp)),
            ("hand-written Sequential + keras Adam", sequential(inputs, units)),
        ):
            run = plain_fit(model, x, y, batch)
            c = Contender(f"{label}, units {units}", run, rows, ARGS.peak_steps)
            mlps.append((c, units, flops))
    rounds(matmuls + [c for c, _, _ in mlps])
    peak = [max(r) for r in zip(*(m.rate() for m in matmuls), strict=True)]
    print(f"{'matmul, float32':<46}{'GFLOP/s':>11}{'best round':>11}")
    for label, rates in [(m.label, m.rate()) for m in matmuls] + [
        ("peak: the best size, round by round", peak)
    ]:
        median, best = statistics.median(rates) / 1e9, max(rates) / 1e9
        print(f"{label:<46}{median:>11.1f}{best:>11.1f}")
    widths, shares = (46, 11, 9, 9, 9), {}
    heads = (
        f"MLP training step, batch {batch}|GFLOP/step|ms/step|GFLOP/s|of peak"
    )
    print(line(heads.split("|"), widths))
    for c, units, flops in mlps:
        achieved = [flops * c.steps / s for s in c.train]
        pairs = zip(achieved, peak, strict=True)
        share = statistics.median(a / p for a, p in pairs)
        shares.setdefault(units, share)  # the recipe's network comes first
        cells = [c.label, f"{flops / 1e9:.2f}", f"{c.ms():.1f}"]
        cells += [f"{statistics.median(achieved) / 1e9:.1f}", f"{share:.2f}"]
        print(line(cells, widths))
    return statistics.median(peak), shares


def warm_up(features: int) -> None:
    """One small fit, so the first contender pays no first-use costs."""
    rng = np.random.default_rng(ARGS.seed)
    x = rng.standard_normal((2048, features), dtype=np.float32)
    model = sequential(features, 8)
    model.fit(x, x[:, :1], 256, 2, 0, validation_data=(x, x[:, :1]))


def main() -> None:
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset (on)")
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    mode = (
        f"{ARGS.rows:,} rows, {ARGS.repeats} round(s) of {ARGS.calls} "
        f"calls of {ARGS.epochs} epochs in section 1"
    )
    quick, full = common.timings(__doc__)
    print(common.mode_line(ARGS, f"{mode}, {quick}", f"{mode}, {full}"))
    print(common.thread_line(f", TF_ENABLE_ONEDNN_OPTS {onednn}"))
    rng = np.random.default_rng(ARGS.seed)
    x = rng.standard_normal((ARGS.rows, ARGS.features), dtype=np.float32)
    weights = rng.standard_normal(ARGS.features)
    y = x @ weights + np.sin(2 * x[:, 0]) + 0.1 * rng.standard_normal(len(x))
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(ARGS.features)])
    frame["y"] = y
    recipe = Regression(
        target="y", seed=ARGS.seed, epochs=10**6, patience=10**6, ensemble=1
    )
    begun = time.perf_counter()
    data = recipe.prepare(frame)
    prepared, inputs = time.perf_counter() - begun, data.x_train.shape[1]
    hp = network.hyperparameters()
    batch = batch_size(hp, len(data.x_train))
    print(
        f"data: generated regression, {ARGS.rows:,} rows x {ARGS.features} "
        f"numeric features (seed {ARGS.seed}); Recipe.prepare "
        f"{prepared:.2f} s -> {len(data.x_train):,} training and "
        f"{len(data.x_valid):,} validation rows, {inputs} columns"
    )
    warm_up(inputs)
    with section(
        f"1. training throughput, batch {batch} "
        f"({math.ceil(len(data.x_train) / batch)} steps/epoch), validation "
        f"every epoch; units {hp['units']}, Adam {hp['learning_rate']:g}, "
        f"no XLA; steps_per_execution {STEPS_PER_EXECUTION} in "
        "Recipe.train, 1 in every other model (Keras's default)"
    ):
        own, hand, control, *_ = section1(recipe, data)
        print(graph_line(inputs))
    with section(
        "2. steps_per_execution x jit_compile: the recipe's network by "
        f"Recipe.train on {min(ARGS.sweep_rows, len(data.x_train)):,} "
        "training rows (validation included in epoch rows/s)"
    ):
        swept = section2(recipe, data)
    with section(
        f"3. dense-matmul peak and the MLP's training step at batch "
        f"{ARGS.peak_batch} ({ARGS.peak_steps} steps/epoch, in-memory fit, "
        "no validation); FLOPs/step = 6 x batch x sum(in x out)"
    ):
        peak, shares = section3(inputs, np.random.default_rng(ARGS.seed + 1))

    ratio, one, speed_ups = own.vs(hand), ARGS.steps[0], []
    for b in ARGS.batches:
        best = max(ARGS.steps, key=lambda s: swept[b, 0, s].median())
        gain = swept[b, 0, best].vs(swept[b, 0, one])
        pairs = ((swept[b, 1, s], swept[b, 0, s]) for s in ARGS.steps)
        xla = statistics.median(a.vs(b) for a, b in pairs)
        speed_ups.append(f"batch {b} x{gain:.2f} (best {best}), XLA x{xla:.2f}")
    wide, met = shares[ARGS.units], ("NOT met", "met")
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    print(
        f"summary: recipe / hand-written rows/s x{ratio:.3f} per epoch "
        f"(train pass x{own.vs(hand, 'train'):.3f}; A/A control "
        f"x{control.vs(hand):.3f}; target >= {TARGET_RATIO} "
        f"{met[ratio >= TARGET_RATIO]}); steps_per_execution vs {one}: "
        f"{'; '.join(speed_ups)}; recipe MLP at batch {ARGS.peak_batch}: "
        f"{wide:.2f} of the {peak / 1e9:.0f} GFLOP/s matmul peak with units "
        f"{ARGS.units} (target >= {TARGET_PEAK} {met[wide >= TARGET_PEAK]}), "
        f"{shares[128]:.2f} with units 128"
    )


if __name__ == "__main__":
    main()
