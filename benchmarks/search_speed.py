"""Speed and payoff of `Recipe.tune`: trials/minute, overhead, test score.

Run alone: `python benchmarks/search_speed.py [--dataset credit_data]
[--trials 6] [--epochs 30] [--workers 2] [--seed 0] [--threads 0]`.
The default run takes about 2-3 minutes on 2 cores.

On one dataset of /work/shared/datasets (train.csv for the search and its
validation split, test.csv only for the scores) it measures:

1. Trials per minute of `recipe.tune(...)` (random strategy, the fixed
   small `SPACE` below, `--trials` trials of at most `--epochs` epochs),
   once with `workers=1` and once with `workers=--workers`, each in a fresh
   search directory under a temporary directory. Only the search phase
   counts: the call of `tuning.search` inside `tune`, wrapped in this
   process; the data preparation before it and the refit after it are
   timed apart. With `workers=1` this process trains with TensorFlow's
   default threads (or `--threads`); with more, `tuning/distributed.py`
   gives each worker process cpu_count // workers threads and this process
   only serves the oracle. The oracle's `create_trial`/`end_trial` are
   wrapped too, giving each worker's start-up delay, trial time and tail.
2. keras-tuner's overhead per trial (workers=1): search time minus the time
   spent in `Recipe.train` (the `fit` handed to `tuning.search`), divided
   by the trials, and its share of the search; broken down into model
   building (with keras-tuner's `clear_session` + `gc.collect`), the end of
   trial (oracle + tuner state saving) and the rest. keras-tuner's
   callbacks run inside `fit` (best-epoch weight checkpoints, its per-epoch
   `TunerCallback`) and are reported apart, as part of the train time.
3. The test-set metrics of the tuned recipe against the untuned default
   (`Recipe(target=..., seed=...).fit(train)`, which runs first and also
   warms TensorFlow up in this process) and the catalog's baselines.

Everything is seeded with `--seed` (split, weights, oracle). One run of each
configuration: on a shared machine the load average is printed so that a
disturbed run can be recognised.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This file is named like the `tuning` package: keep its folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

DATASETS = Path("/work/shared/datasets")
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


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="credit_data")
    parser.add_argument("--datasets-dir", type=Path, default=DATASETS)
    parser.add_argument("--target", help="default: the catalog's target")
    parser.add_argument("--trials", type=int, default=6, help="max_trials")
    parser.add_argument("--epochs", type=int, default=30, help="per trial")
    parser.add_argument("--workers", type=int, default=2, help="vs 1 worker")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="TF intra-op threads of this process (0: TensorFlow's default)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the search directories"
    )
    args = parser.parse_args()
    if args.workers < 2:
        parser.error("--workers must be at least 2 (compared with 1)")
    if args.trials < 1 or args.epochs < 1:
        parser.error("--trials and --epochs must be positive")
    return args


ARGS = _parse_args()
if ARGS.threads:  # before TensorFlow starts; workers get their own
    for _variable in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ[_variable] = str(ARGS.threads)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # inherited by workers

import keras_tuner  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras_tuner.src.engine import base_tuner, tuner_utils  # noqa: E402
from keras_tuner.src.engine import oracle as oracle_module  # noqa: E402

import tuning  # noqa: E402
from recipes.errors import DataWarning  # noqa: E402
from recipes.recipe import BY_TASK, Recipe  # noqa: E402
from tuning import distributed  # noqa: E402

if ARGS.threads:
    tf.config.threading.set_intra_op_parallelism_threads(ARGS.threads)


def _log(message: str) -> None:
    """Progress, on stderr (stdout holds the results)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished (waited-for) children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclasses.dataclass(frozen=True)
class Call:
    """One call of a wrapped function (perf_counter times)."""

    key: str
    start: float
    end: float
    cpu: float
    detail: tuple | None


class Probe:
    """Wraps functions in this process to time their calls, run by run."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def patch(
        self,
        owner: Any,
        name: str,
        key: str,
        describe: Callable[[tuple, Any], tuple] | None = None,
    ) -> None:
        """Replaces `owner.name` by a timed call of the original."""
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            result = None
            start, cpu = time.perf_counter(), _cpu_seconds()
            try:
                result = original(*args, **kwargs)
                return result
            finally:
                detail = describe(args, result) if describe else None
                self.calls.append(
                    Call(
                        key,
                        start,
                        time.perf_counter(),
                        _cpu_seconds() - cpu,
                        detail,
                    )
                )

        setattr(owner, name, timed)

    def of(self, key: str, within: Call | None = None) -> list[Call]:
        """The calls of `key` (those started during `within`)."""
        return [
            c
            for c in self.calls
            if c.key == key
            and (within is None or within.start <= c.start <= within.end)
        ]

    def seconds(self, key: str, within: Call | None = None) -> float:
        """Time in calls of `key` (those started during `within`)."""
        return sum(c.end - c.start for c in self.of(key, within))

    def count(self, key: str, within: Call | None = None) -> int:
        return len(self.of(key, within))

    def one(self, key: str) -> Call:
        (call,) = [c for c in self.calls if c.key == key]
        return call


def _install(probe: Probe) -> None:
    """The wrappers; worker processes run unwrapped code."""
    probe.patch(tuning, "search", "search")  # as `recipes.search` calls it
    probe.patch(Recipe, "prepare", "prepare")
    probe.patch(Recipe, "train", "train")
    probe.patch(Recipe, "refit", "refit")
    probe.patch(Recipe, "build", "recipe build")
    probe.patch(keras_tuner.Tuner, "_try_build", "build")
    probe.patch(base_tuner.BaseTuner, "on_trial_end", "trial end")
    probe.patch(tuner_utils.SaveBestEpoch, "_save_model", "checkpoint")
    probe.patch(tuner_utils.TunerCallback, "on_epoch_end", "epoch report")
    probe.patch(distributed, "wait", "workers")
    probe.patch(oracle_module.Oracle, "create_trial", "create", _handed_out)
    probe.patch(oracle_module.Oracle, "end_trial", "end", _ended)


def _handed_out(args: tuple, trial: Any) -> tuple:
    """(tuner id, trial id, status) of `Oracle.create_trial(tuner_id)`."""
    if trial is None:
        return (args[1], None, None)
    return (args[1], trial.trial_id, str(trial.status))


def _ended(args: tuple, _: Any) -> tuple:
    """(trial id, status) of `Oracle.end_trial(trial)`."""
    return (args[1].trial_id, str(args[1].status))


@dataclasses.dataclass
class Worker:
    """One tuner's trials as the oracle saw them (seconds from the start)."""

    first: float  # search start -> its first trial handed out
    trials: int
    busy: float  # sum over its trials of trial handed out -> trial ended
    last: float  # search start -> its last trial ended


@dataclasses.dataclass
class Run:
    """What one `tune` call measured."""

    workers: int
    trials: int
    completed: int
    trial_epochs: list[int]  # epochs trained by each trial's fit
    tune: float
    search: float
    search_cpu: float
    prepare: float
    refit: float
    per_tuner: dict[str, Worker]
    exited: float | None  # search start -> worker processes all exited
    scores: dict[str, float]
    best: dict
    best_loss: float
    best_epoch: int

    @property
    def epochs(self) -> int:
        return sum(self.trial_epochs)

    @property
    def per_minute(self) -> float:
        return 60 * self.trials / self.search

    @property
    def steady_per_minute(self) -> float:
        """Trials/min from trial time alone (no start-up, no tail)."""
        busy = sum(w.busy for w in self.per_tuner.values())
        return 60 * self.trials * len(self.per_tuner) / busy

    @property
    def mean_trial(self) -> float:
        busy = sum(w.busy for w in self.per_tuner.values())
        return busy / sum(w.trials for w in self.per_tuner.values())

    @property
    def tail(self) -> float:
        """Last trial ended -> search returned."""
        return self.search - max(w.last for w in self.per_tuner.values())


def _per_tuner(probe: Probe, start: float) -> dict[str, Worker]:
    handed = {
        c.detail[1]: (c.detail[0], c.end)
        for c in probe.calls
        if c.key == "create" and c.detail[2] == "RUNNING"
    }
    ended = {c.detail[0]: c.end for c in probe.calls if c.key == "end"}
    tuners: dict[str, Worker] = {}
    for trial_id, (tuner_id, begun) in sorted(handed.items()):
        end = ended.get(trial_id, begun)
        worker = tuners.setdefault(tuner_id, Worker(begun - start, 0, 0.0, 0.0))
        worker.trials += 1
        worker.busy += end - begun
        worker.last = max(worker.last, end - start)
    return tuners


def _tune(
    recipe_class: type[Recipe],
    target: str,
    workers: int,
    train: Path,
    test: Path,
    directory: Path,
    probe: Probe,
) -> Run:
    probe.calls.clear()
    recipe = recipe_class(target=target, seed=ARGS.seed, epochs=ARGS.epochs)
    start = time.perf_counter()
    # `directory` is new, so resume=True starts afresh; resume=False would
    # make keras-tuner delete the project folder after recipes.search wrote
    # worker.json into it, and the workers could not start.
    recipe.tune(
        str(train),
        strategy="random",
        max_trials=ARGS.trials,
        directory=directory,
        resume=True,
        workers=workers,
        search_space=SPACE,
    )
    tune = time.perf_counter() - start
    search = probe.one("search")
    exited = None
    if probe.count("workers"):
        exited = probe.one("workers").end - search.start
    trials = recipe.search_.trials
    return Run(
        workers=workers,
        trials=len(trials),
        completed=len(recipe.search_.completed),
        trial_epochs=[t.epochs for t in trials if t.epochs],
        tune=tune,
        search=search.end - search.start,
        search_cpu=search.cpu,
        prepare=probe.seconds("prepare"),
        refit=probe.seconds("refit"),
        per_tuner=_per_tuner(probe, search.start),
        exited=exited,
        scores=recipe.evaluate(str(test)),
        best=recipe.search_.best_values,
        best_loss=recipe.search_.completed[0].score,
        best_epoch=recipe.search_.best_epoch,
    )


def _overhead(probe: Probe, run: Run) -> dict[str, float]:
    """Seconds per trial of the workers=1 search, from the probe."""
    n, search = run.trials, probe.one("search")
    return {
        "trial": run.search / n,
        "train": probe.seconds("train") / n,
        "outside": (run.search - probe.seconds("train")) / n,
        "build": probe.seconds("build") / n,
        "recipe build": probe.seconds("recipe build", search) / n,
        "end": probe.seconds("trial end") / n,
        "create": probe.seconds("create") / n,
        "checkpoint": probe.seconds("checkpoint") / n,
        "checkpoints": probe.count("checkpoint") / n,
        "report": probe.seconds("epoch report") / n,
    }


def _thread_lines(workers: int) -> list[str]:
    cores = os.cpu_count() or 1
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    omp = os.environ.get("OMP_NUM_THREADS", "unset")
    default = "0 = TensorFlow's default: one thread per core"
    return [
        f"cores: os.cpu_count() {cores}, usable "
        f"{len(os.sched_getaffinity(0))}; load average "
        f"{os.getloadavg()[0]:.2f}",
        f"workers=1 (and the untuned fit and all refits) run in this "
        f"process: TF intra-op {intra or default}, inter-op "
        f"{inter or default}, OMP_NUM_THREADS {omp}",
        f"workers={workers}: {workers} worker processes, each "
        f"OMP_NUM_THREADS = TF_NUM_INTRAOP_THREADS = "
        f"{max(1, cores // workers)}, TF_NUM_INTEROP_THREADS = 1 (set by "
        "tuning/distributed.py); this process serves the oracle over gRPC",
    ]


def _speed_table(runs: list[Run]) -> list[str]:
    def row(label: str, cell: Callable[[Run], str]) -> str:
        return f"{label:<42}" + "".join(f"{cell(r):>16}" for r in runs)

    def per_worker(values: Callable[[Worker], float], form: str) -> Callable:
        return lambda r: " / ".join(
            format(values(w), form) for _, w in sorted(r.per_tuner.items())
        )

    lines = [row("", lambda r: f"workers={r.workers}")]
    lines += [
        row("trials run (completed)", lambda r: f"{r.trials} ({r.completed})"),
        row("epochs trained in all trials", lambda r: f"{r.epochs}"),
        row("search wall s (tuning.search call)", lambda r: f"{r.search:.1f}"),
        row("trials/min (search)", lambda r: f"{r.per_minute:.2f}"),
        row("epochs/s (search)", lambda r: f"{r.epochs / r.search:.2f}"),
        row(
            "mean trial s (handed out -> ended)",
            lambda r: f"{r.mean_trial:.1f}",
        ),
        row(
            "trials/min, trial time only (in parallel)",
            lambda r: f"{r.steady_per_minute:.2f}",
        ),
        row(
            "start -> first trial s, per worker",
            per_worker(lambda w: w.first, ".1f"),
        ),
        row("trials per worker", per_worker(lambda w: w.trials, "d")),
        row(
            "start -> worker's last trial ended s",
            per_worker(lambda w: w.last, ".1f"),
        ),
        row(
            "-> worker processes exited s",
            lambda r: "-" if r.exited is None else f"{r.exited:.1f}",
        ),
        row("last trial ended -> search returned s", lambda r: f"{r.tail:.1f}"),
        row("CPU s in search (all processes)", lambda r: f"{r.search_cpu:.1f}"),
        row(
            "cores busy in search (CPU / wall)",
            lambda r: f"{r.search_cpu / r.search:.2f}",
        ),
        row("data preparation s (this process)", lambda r: f"{r.prepare:.1f}"),
        row("refit of the best 3 s", lambda r: f"{r.refit:.1f}"),
        row("tune() call s in all", lambda r: f"{r.tune:.1f}"),
    ]
    return lines


def _score_table(
    metrics: list[str],
    rows: list[tuple[str, dict, float | None]],
) -> list[str]:
    head = f"{'model':<34}" + "".join(f"{m:>10}" for m in metrics)
    lines = [head + f"{'fit s':>9}"]
    for name, scores, seconds in rows:
        cells = "".join(
            f"{scores[m]:>10.4f}" if m in scores else f"{'-':>10}"
            for m in metrics
        )
        fit = "-" if seconds is None else f"{seconds:.1f}"
        lines.append(f"{name:<34}{cells}{fit:>9}")
    return lines


def main() -> None:
    warnings.filterwarnings("ignore", category=DataWarning)
    catalog = json.loads((ARGS.datasets_dir / "catalog.json").read_text())
    entry = catalog["datasets"][ARGS.dataset]
    task, target = entry["task"], ARGS.target or entry["target"]
    folder = ARGS.datasets_dir / ARGS.dataset
    train, test = (folder / entry["files"][s] for s in ("train", "test"))
    recipe_class = BY_TASK[task]
    primary, secondary = PRIMARY[task]
    workers = ARGS.workers
    work = Path(tempfile.mkdtemp(prefix="tuning-benchmark-"))
    # Workers run `python -m recipes.worker` from the current directory,
    # where a tuning/ folder other than ours could shadow the package.
    os.chdir(work)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
    )
    probe = Probe()
    _install(probe)

    print(f"TensorFlow {tf.__version__}, keras-tuner {keras_tuner.__version__}")
    for line in _thread_lines(workers):
        print(f"threads: {line}")
    print(
        f"data: {ARGS.dataset} ({task}, target {target}): {train.name} "
        f"{entry['n_train']} rows for the search (validation: the recipe's "
        f"split of it), {test.name} {entry['n_test']} rows for the scores "
        "only"
    )
    print(
        f"search: random, max_trials {ARGS.trials}, up to {ARGS.epochs} "
        f"epochs per trial (early stopping, patience 10), seed {ARGS.seed}, "
        f"space {json.dumps(SPACE, separators=(',', ':'))}"
    )
    print(
        "timed: the search phase = the tuning.search call inside "
        "recipe.tune (keras-tuner's trials; workers' process start-up "
        "included); data preparation and the refit are timed apart"
    )

    _log(f"untuned default fit (also warms TensorFlow up) in {work}")
    start = time.perf_counter()
    untuned = recipe_class(target=target, seed=ARGS.seed).fit(str(train))
    untuned_seconds = time.perf_counter() - start
    untuned_scores = untuned.evaluate(str(test))

    runs = []
    overhead = {}
    for count in (1, workers):
        _log(f"tune with workers={count}")
        load = os.getloadavg()[0]
        try:
            run = _tune(
                recipe_class,
                target,
                count,
                train,
                test,
                work / f"workers{count}",
                probe,
            )
        except Exception:
            _log(f"failed; the search directories (worker logs) are in {work}")
            raise
        _log(
            f"workers={count}: {run.search:.1f} s search, load average "
            f"{load:.2f} -> {os.getloadavg()[0]:.2f}"
        )
        if count == 1:
            overhead = _overhead(probe, run)
        runs.append(run)
    one, many = runs

    print()
    print(f"speed (load average at the end {os.getloadavg()[0]:.2f})")
    for line in _speed_table(runs):
        print(line)
    ratio = many.per_minute / one.per_minute
    print(f"speed-up trials/min workers={workers} / workers=1: x{ratio:.2f}")
    print(
        f"epochs per trial (cap {ARGS.epochs}): workers=1 "
        f"{one.trial_epochs}, workers={workers} {many.trial_epochs} "
        "(worker by worker)"
    )
    if many.exited is not None:
        print(
            "tail: once a worker has been told to stop, keras-tuner's chief "
            "server (oracle_chief.start_server) re-checks only every 20 s "
            f"whether all trials are done; here {many.search - many.exited:.1f}"
            " s passed between the worker processes' exit and the end of the "
            "search"
        )

    o = overhead
    print()
    print(
        f"keras-tuner overhead (workers=1, per trial): {o['trial']:.2f} s "
        f"per trial, {o['train']:.2f} s in Recipe.train, {o['outside']:.2f} "
        f"s outside it ({o['outside'] / o['trial']:.1%})"
    )
    rest = o["outside"] - o["build"] - o["end"] - o["create"]
    print(
        f"  outside fit: keras-tuner's clear_session + gc.collect "
        f"{o['build'] - o['recipe build']:.2f} s, Recipe.build (network + "
        f"compile) {o['recipe build']:.2f} s, trial end (oracle + tuner "
        f"save) {o['end']:.2f} s, new trial {o['create']:.3f} s, rest "
        f"{rest:.2f} s"
    )
    print(
        f"  inside fit (counted as train): best-epoch checkpoints "
        f"{o['checkpoint']:.2f} s ({o['checkpoints']:.1f} saves), "
        f"TunerCallback.on_epoch_end {o['report']:.3f} s"
    )
    start = time.perf_counter()
    gc.collect()
    print(
        f"  (one gc.collect() in this process now takes "
        f"{time.perf_counter() - start:.2f} s; keras-tuner calls it before "
        "each trial, and clear_session calls it again)"
    )
    plain = entry.get("baselines", {}).get("keras_tuner_random10")
    if plain and "overhead_s_per_trial" in plain:
        print(
            f"  catalog keras_tuner_random10 (plain keras-tuner, "
            f"{plain['trials']} trials): {plain['s_per_trial']:.2f} s per "
            f"trial, overhead {plain['overhead_s_per_trial']:.2f} s "
            f"({plain['overhead_fraction']:.1%})"
        )

    print()
    print(f"scores on {test.name}")
    print(
        f"tuned (workers=1) best trial: val_loss {one.best_loss:.4f} at "
        f"epoch {one.best_epoch}; the exported model averages the best 3 "
        "trials, each refitted on train + validation for its best epoch "
        f"count; best: {json.dumps(one.best)}"
    )
    print(
        f"untuned default: val_loss {min(untuned.history_['val_loss']):.4f}"
        f" (same validation split) at epoch {untuned.best_epoch_} of "
        f"{len(untuned.history_['val_loss'])} trained (cap {untuned.epochs},"
        f" patience {untuned.patience}); {json.dumps(untuned.hyperparameters_)}"
    )
    rows = [
        (f"tuned, workers=1 ({ARGS.trials} trials)", one.scores, one.tune),
        (f"tuned, workers={workers}", many.scores, many.tune),
        (
            f"untuned default (epochs {untuned.epochs})",
            untuned_scores,
            untuned_seconds,
        ),
    ]
    for name, baseline in entry.get("baselines", {}).items():
        rows.append((f"catalog {name}", baseline, baseline.get("fit_seconds")))
    for line in _score_table(catalog["metrics"][task], rows):
        print(line)
    print(
        "(fit s: the whole tune() call for tuned rows, fit() for the "
        "untuned one, the catalog's own fit_seconds for its rows)"
    )

    if ARGS.keep:
        print(f"search directories kept in {work}")
    else:
        os.chdir(ROOT)
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"summary: {ARGS.dataset} trials/min 1 worker {one.per_minute:.2f}, "
        f"{workers} workers {many.per_minute:.2f} (x{ratio:.2f}); overhead "
        f"{o['outside']:.2f} s/trial ({o['outside'] / o['trial']:.1%}); "
        f"tuned {primary} {one.scores[primary]:.4f} vs untuned "
        f"{untuned_scores[primary]:.4f} ({secondary} "
        f"{one.scores[secondary]:.4f} vs {untuned_scores[secondary]:.4f})"
    )


if __name__ == "__main__":
    main()
