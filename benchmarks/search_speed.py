"""Speed and payoff of `Recipe.tune`: trials/minute, overhead, test score.

    python benchmarks/search_speed.py          # quick: about 1 min, 2 cores
    python benchmarks/search_speed.py --full   # full: ~1.5 min, credit_data

Quick: penguins (275 rows), 4 trials of at most 5 epochs, the untuned
default capped at 10 epochs; its workers=2 figures are mostly start-up and
the chief's 20 s poll. Full: credit_data (3,563 rows), 6 trials of at most
30 epochs, the untuned default as it is. Options (`--dataset`, `--trials`,
`--epochs`, `--untuned-epochs` (0: the recipe's), `--workers`, ...)
override the mode.

On a dataset of ../shared/datasets (train.csv for the search and its
validation split, test.csv only for the scores) it measures:

1. Trials per minute of `recipe.tune(...)` (random strategy, the fixed
   small `SPACE` below), once with `workers=1` and once with `--workers`,
   each in a fresh directory. Only the search phase counts: the
   `tuning.search` call inside `tune` (wrapped here); the data preparation
   before it and the refit after it are timed apart. With `workers=1` this
   process trains with TensorFlow's default threads (or `--threads`); with
   more, tuning gives each worker process cpu_count // workers threads and
   this process serves the oracle, whose `create_trial`/`end_trial`
   (wrapped: `keras_tuner.Oracle`) give each worker's start-up delay,
   trial time and the tail (last trial ended -> search returned; the
   chief re-checks only every 20 s whether all workers are done).
2. keras-tuner's overhead per trial (workers=1): search time minus the
   time in `keras.Model.fit`, per trial, and its share; of it, the trial
   end (`keras_tuner.Tuner.on_trial_end`: oracle + tuner state), the new
   trial (`Oracle.create_trial`), `Recipe.build` (network + compile) and
   the rest (keras-tuner's `clear_session` + `gc.collect`, ...). Best-epoch
   checkpoints (`keras.Model.save_weights`) run inside `fit`: shown apart.
   The recipe's own steps (`prepare`, `build`, `refit`) are timed
   by a subclass of the recipe class, of the same name (worker processes
   run the plain class).
3. The test metrics of the tuned recipe against the untuned default
   (`Recipe(target=..., seed=...).fit(train)`, which runs first and warms
   TensorFlow up) and the catalog's baselines.

Everything is seeded with `--seed` (split, weights, oracle). One run of each
configuration; the cores used by other processes are printed.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import resource
import shutil
import tempfile
import time
import types
import warnings
from pathlib import Path

import _common as common
from _common import DATASETS, log, section, watch_fit

SPACE = {  # fixed, small: 2 x 2 x 2 x 2 x 2 x 2 choices and a rate range
    "hidden_layers": [1, 2],
    "units": [64, 128],
    "activation": "relu",
    "normalization": ["none", "batch"],
    "dropout": [0.0, 0.2],
    "l1": 0.0,
    "l2": [0.0, 1e-4],
    "residual": False,
    "optimizer": "adam",
    "learning_rate": {"min": 3e-4, "max": 3e-3, "sampling": "log"},
    "lr_decay": "none",
    "batch_size": [128, 256],
}
PRIMARY = {
    "binary": ("roc_auc", "log_loss"),
    "multiclass": ("accuracy", "log_loss"),
    "regression": ("rmse", "mae"),
}
QUICK = dict(dataset="penguins", trials=4, epochs=5, untuned_epochs=10)
FULL = dict(dataset="credit_data", trials=6, epochs=30, untuned_epochs=0)
OPTIONS = dict(workers=2, seed=0, threads=0, target="", keep=False)
OPTIONS.update(datasets_dir=DATASETS)  # threads 0: TensorFlow's default
ARGS = common.parse(__doc__, QUICK, FULL, OPTIONS)
if ARGS.workers < 2 or ARGS.trials < 1 or ARGS.epochs < 1:
    raise SystemExit("--workers must be at least 2, --trials and --epochs 1")
if ARGS.threads:  # before TensorFlow starts; workers get their own
    common.pin_threads(ARGS.threads, ARGS.threads)

import keras  # noqa: E402
import keras_tuner  # noqa: E402
import tensorflow as tf  # noqa: E402

import tuning  # noqa: E402
from recipes import (  # noqa: E402
    BinaryClassification,
    DataWarning,
    MulticlassClassification,
    Regression,
)
from tuning import distributed  # noqa: E402

RECIPES = {
    "regression": Regression,
    "binary": BinaryClassification,
    "multiclass": MulticlassClassification,
}


class Run(types.SimpleNamespace):
    """What one `tune` call measured, in seconds unless named otherwise."""

    def each(self, i: int, form: str) -> str:
        """Field `i` of each worker's figures, " / " between workers."""
        figures = sorted(self.per_worker.items())
        return " / ".join(format(w[i], form) for _, w in figures)


def cpu() -> float:
    """CPU time of this process and of its finished (waited-for) children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Probe:
    """Times the calls of public functions in this process."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float, float, tuple]] = []

    def patch(self, owner, name: str, key: str, describe=None) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            result, start, cpu_start = None, time.perf_counter(), cpu()
            try:
                result = original(*args, **kwargs)
                return result
            finally:
                detail = describe(args, result) if describe else ()
                end, used = time.perf_counter(), cpu() - cpu_start
                self.calls.append((key, start, end, used, detail))

        setattr(owner, name, timed)

    def of(self, key: str, within: tuple | None = None) -> list[tuple]:
        return [
            c
            for c in self.calls
            if c[0] == key and (not within or within[1] <= c[1] <= within[2])
        ]

    def seconds(self, key: str, within: tuple | None = None) -> float:
        return sum(c[2] - c[1] for c in self.of(key, within))


def install(probe: Probe) -> None:
    """The wrappers; worker processes run unwrapped code."""
    probe.patch(tuning, "search", "search")  # as `Recipe.tune` calls it
    probe.patch(keras.Model, "save_weights", "checkpoint")
    probe.patch(keras_tuner.Tuner, "on_trial_end", "trial end")
    oracle = keras_tuner.Oracle
    probe.patch(oracle, "create_trial", "create", handed_out)
    probe.patch(oracle, "end_trial", "end", lambda a, _: (a[1].trial_id,))
    probe.patch(distributed, "wait", "workers")  # their processes exited


def timed_class(recipe_class, probe: Probe) -> type:
    """`recipe_class` timing its steps in `probe`; named as it is, so that
    the workers tune started (and its project directory) are the same."""

    def timed(name: str):
        def method(self, *args, **kwargs):
            start, cpu_start = time.perf_counter(), cpu()
            try:
                return getattr(super(cls, self), name)(*args, **kwargs)
            finally:
                end, used = time.perf_counter(), cpu() - cpu_start
                probe.calls.append((f"recipe {name}", start, end, used, ()))

        return method

    steps = {name: timed(name) for name in ("prepare", "build", "refit")}
    cls = type(recipe_class.__name__, (recipe_class,), steps)
    return cls


def handed_out(args: tuple, trial) -> tuple:
    """(tuner id, trial id) of a trial `Oracle.create_trial` started."""
    running = trial is not None and str(trial.status) == "RUNNING"
    return (args[1], trial.trial_id) if running else ()


def tune(recipe_class, target: str, workers: int, data, probe) -> Run:
    """One `tune` call and what the probe saw of it (seconds)."""
    train, test, directory = data
    probe.calls.clear()
    timed = timed_class(recipe_class, probe)
    recipe = timed(target=target, seed=ARGS.seed, epochs=ARGS.epochs)
    start = time.perf_counter()
    with watch_fit() as fits:
        # a new directory: resume=True starts afresh (resume=False would
        # delete the worker.json tuning wrote into it before the workers)
        recipe.tune(
            str(train),
            strategy="random",
            max_trials=ARGS.trials,
            directory=directory / f"workers{workers}",
            resume=True,
            workers=workers,
            search_space=SPACE,
        )
    r = Run(workers=workers, tune=time.perf_counter() - start)
    (search,) = probe.of("search")
    _, begin, end, r.cpu, _ = search
    r.wall, r.prepare, r.refit = (
        end - begin,
        begin - start,
        r.tune - end + start,
    )
    result, ended = recipe.search_, {c[4][0]: c[2] for c in probe.of("end")}
    r.trials, r.completed = len(result.trials), len(result.completed)
    r.epochs = [t.epochs for t in result.trials if t.epochs]
    r.per_worker = {}  # tuner: [first start s, trials, busy s, last end s]
    for _, begun, _, _, (tuner, trial) in [
        c for c in probe.of("create") if c[4]
    ]:
        worker = r.per_worker.setdefault(tuner, [begun - begin, 0, 0.0, 0.0])
        worker[1] += 1
        worker[2] += ended.get(trial, begun) - begun
        worker[3] = max(worker[3], ended.get(trial, begun) - begin)
    r.busy = sum(w[2] for w in r.per_worker.values())
    r.tail = r.wall - max(w[3] for w in r.per_worker.values())
    r.fit = sum(f.end - f.start for f in fits if begin <= f.start <= end)
    r.trial_end = probe.seconds("trial end", search)
    r.create = probe.seconds("create", search)
    r.checkpoint = probe.seconds("checkpoint", search)
    r.checkpoints = len(probe.of("checkpoint", search))
    r.build = probe.seconds("recipe build", search)
    r.prepare_only = probe.seconds("recipe prepare")
    r.refit_only = probe.seconds("recipe refit")
    exits = probe.of("workers")
    r.exited = exits[0][2] - begin if exits else None
    r.scores, r.best = recipe.evaluate(str(test)), result.best_values
    r.best_loss, r.best_epoch = result.completed[0].score, result.best_epoch
    return r


def speed_table(runs: list[Run]) -> None:
    rows = {
        "": lambda r: f"workers={r.workers}",
        "trials run (completed)": lambda r: f"{r.trials} ({r.completed})",
        "epochs trained in all trials": lambda r: sum(r.epochs),
        "search wall s (tuning.search call)": lambda r: f"{r.wall:.1f}",
        "trials/min (search)": lambda r: f"{60 * r.trials / r.wall:.2f}",
        "epochs/s (search)": lambda r: f"{sum(r.epochs) / r.wall:.2f}",
        "mean trial s (handed out -> ended)": lambda r: (
            f"{r.busy / r.trials:.1f}"
        ),
        "trials/min, trial time only (in parallel)": lambda r: (
            f"{60 * r.trials * len(r.per_worker) / r.busy:.2f}"
        ),
        "start -> first trial s, per worker": lambda r: r.each(0, ".1f"),
        "trials per worker": lambda r: r.each(1, "d"),
        "start -> worker's last trial ended s": lambda r: r.each(3, ".1f"),
        "-> worker processes exited s": lambda r: (
            "-" if r.exited is None else f"{r.exited:.1f}"
        ),
        "last trial ended -> search returned s": lambda r: f"{r.tail:.1f}",
        "CPU s in search (waited-for processes)": lambda r: f"{r.cpu:.1f}",
        "cores busy in search (CPU / wall)": lambda r: f"{r.cpu / r.wall:.2f}",
        "before the search s (Recipe.prepare)": lambda r: (
            f"{r.prepare:.1f} ({r.prepare_only:.1f})"
        ),
        "after it s (Recipe.refit of the best 3)": lambda r: (
            f"{r.refit:.1f} ({r.refit_only:.1f})"
        ),
        "tune() call s in all": lambda r: f"{r.tune:.1f}",
    }
    for label, cell in rows.items():
        print(f"{label:<42}" + "".join(f"{cell(r):>16}" for r in runs))


def main() -> None:
    warnings.filterwarnings("ignore", category=DataWarning)
    catalog = json.loads((ARGS.datasets_dir / "catalog.json").read_text())
    entry = catalog["datasets"][ARGS.dataset]
    task, target = entry["task"], ARGS.target or entry["target"]
    folder = ARGS.datasets_dir / ARGS.dataset
    train, test = (folder / entry["files"][s] for s in ("train", "test"))
    recipe_class, (primary, secondary) = RECIPES[task], PRIMARY[task]
    work = Path(tempfile.mkdtemp(prefix="tuning-benchmark-"))
    # Workers run `python -m recipes.worker` from the current directory,
    # where a tuning/ folder other than ours could shadow the package.
    os.chdir(work)
    paths = (str(common.ROOT), os.environ.get("PYTHONPATH"))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    probe, workers = Probe(), ARGS.workers
    install(probe)
    print(f"TensorFlow {tf.__version__}, keras-tuner {keras_tuner.__version__}")
    runs = (
        f"{ARGS.dataset}, {ARGS.trials} trials of at most {ARGS.epochs} epochs"
    )
    quick, full = common.timings(__doc__)
    print(common.mode_line(ARGS, f"{runs}, {quick}", f"{runs}, {full}"))
    print(common.thread_line(" (workers=1, the untuned fit and the refits)"))
    threads = max(1, (os.cpu_count() or 1) // workers)
    print(
        f"threads: workers={workers}: OMP_NUM_THREADS = TF intra-op = "
        f"{threads}, inter-op 1 in each worker process (set by tuning); "
        "this process serves the oracle"
    )
    print(
        f"data: {ARGS.dataset} ({task}, target {target}): {entry['n_train']}"
        f" rows for the search, {entry['n_test']} test rows for the scores; "
        f"random search, {ARGS.trials} trials of at most {ARGS.epochs} epochs"
        f" (patience 10), seed {ARGS.seed}, space {json.dumps(SPACE)}"
    )

    log(f"untuned default fit (also warms TensorFlow up) in {work}")
    start = time.perf_counter()
    capped = {"epochs": ARGS.untuned_epochs} if ARGS.untuned_epochs else {}
    untuned = recipe_class(target=target, seed=ARGS.seed, **capped)
    untuned.fit(str(train))
    untuned_seconds = time.perf_counter() - start
    runs = []
    for count in (1, workers):
        with section(f"tune with workers={count}"):
            try:
                data = train, test, work
                runs.append(tune(recipe_class, target, count, data, probe))
            except Exception:
                log(f"failed; the search directories are in {work}")
                raise
    one, many = runs
    print()
    speed_table(runs)
    ratio = (many.trials / many.wall) / (one.trials / one.wall)
    print(f"speed-up trials/min workers={workers} / workers=1: x{ratio:.2f}")
    print(f"epochs per trial: {one.epochs}, {many.epochs} (cap {ARGS.epochs})")

    n = one.trials
    trial, outside = one.wall / n, (one.wall - one.fit) / n
    rest = outside - (one.trial_end + one.create + one.build) / n
    print(
        f"\nkeras-tuner overhead (workers=1, per trial): {trial:.2f} s per "
        f"trial, {one.fit / n:.2f} s in keras.Model.fit, {outside:.2f} s "
        f"outside it ({outside / trial:.1%}): trial end (oracle + tuner save)"
        f" {one.trial_end / n:.2f} s, new trial {one.create / n:.3f} s, "
        f"Recipe.build (network + compile) {one.build / n:.2f} s, rest "
        f"(clear_session + gc.collect, ...) {rest:.2f} s; "
        f"inside fit: best-epoch checkpoints {one.checkpoint / n:.2f} s "
        f"({one.checkpoints / n:.1f} saves)"
    )
    start = time.perf_counter()
    gc.collect()
    print(
        f"(one gc.collect() here now takes {time.perf_counter() - start:.2f} "
        "s; keras-tuner runs one before each trial)"
    )
    plain = entry.get("baselines", {}).get("keras_tuner_random10", {})
    if "overhead_s_per_trial" in plain:
        print(
            f"catalog keras_tuner_random10 (plain keras-tuner, "
            f"{plain['trials']} trials): {plain['s_per_trial']:.2f} s per "
            f"trial, overhead {plain['overhead_s_per_trial']:.2f} s "
            f"({plain['overhead_fraction']:.1%})"
        )

    history = untuned.history_["val_loss"]
    print(
        f"\nscores on {test.name}; tuned (workers=1): best val_loss "
        f"{one.best_loss:.4f} at epoch {one.best_epoch}, the best 3 trials "
        f"refitted and averaged, best {json.dumps(one.best)}; untuned: "
        f"val_loss {min(history):.4f} at epoch {untuned.best_epoch_} of "
        f"{len(history)} (cap {untuned.epochs}, patience {untuned.patience})"
    )
    untuned_scores = untuned.evaluate(str(test))
    rows = [(f"tuned, workers=1 ({n} trials)", one.scores, one.tune)]
    rows.append((f"tuned, workers={workers}", many.scores, many.tune))
    rows.append(("untuned default", untuned_scores, untuned_seconds))
    for name, baseline in entry.get("baselines", {}).items():
        rows.append((f"catalog {name}", baseline, baseline.get("fit_seconds")))
    metrics = catalog["metrics"][task]
    print(f"{'model':<34}" + "".join(f"{m:>10}" for m in metrics) + "    fit s")
    for name, scores, seconds in rows:
        cells = [f"{scores[m]:.4f}" if m in scores else "-" for m in metrics]
        cells.append("-" if seconds is None else f"{seconds:.1f}")
        print(f"{name:<34}" + "".join(f"{c:>10}" for c in cells[:-1]), end="")
        print(f"{cells[-1]:>9}")
    print("(fit s: the tune() call, fit() for the untuned, the catalog's own)")
    if ARGS.keep:
        print(f"search directories kept in {work}")
    else:
        os.chdir(common.ROOT)
        shutil.rmtree(work, ignore_errors=True)
    tuned = one.scores
    print(
        f"summary: {ARGS.dataset} trials/min 1 worker "
        f"{60 * n / one.wall:.2f}, {workers} workers "
        f"{60 * many.trials / many.wall:.2f} (x{ratio:.2f}); overhead "
        f"{outside:.2f} s/trial ({outside / trial:.1%}); tuned {primary} "
        f"{tuned[primary]:.4f} vs untuned {untuned_scores[primary]:.4f} "
        f"({secondary} {tuned[secondary]:.4f} vs "
        f"{untuned_scores[secondary]:.4f})"
    )


if __name__ == "__main__":
    main()
