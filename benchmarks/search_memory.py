"""Memory of a long search: the process's RSS after each of 50 trials.

    python benchmarks/search_memory.py          # quick: about 35 s, 10 trials
    python benchmarks/search_memory.py --full   # full: about 2.5 min, 50 trials

Quick: 10 trials of at most 3 epochs (the growth from trial 5 to 10 says
little). Full: 50 trials of at most 5 epochs. `--trials`, `--epochs` and
`--plain-gc` override the mode.

keras-tuner users report searches whose memory grows trial after trial.
This runs `Recipe.tune` (random strategy, the default search space, at most
`--epochs` epochs per trial) on data/credit_data/train.csv and prints the
resident set size after trials 1, 5, 10, ... (taken when each trial's
training returns, from a `BinaryClassification` subclass) and the growth
from trial 5 to the last (target: at most 300 MB).

Threads: TensorFlow's defaults (both cores for one job), printed.
"""

from __future__ import annotations

import gc
import logging
import tempfile
import warnings

import _common as common
import psutil

from recipes import BinaryClassification

LIMIT_MB = 300
QUICK = dict(trials=10, epochs=3)
FULL = dict(trials=50, epochs=5)
# plain gc: the heap tuning freezes when the search starts is unfrozen at
# the first trial, so keras-tuner's collection before each trial scans it all
OPTIONS = dict(plain_gc=False)


class Measured(BinaryClassification):
    """Notes the process's RSS (MB) in `rss` each time a trial's training
    ends; with `plain_gc`, unfreezes the heap first."""

    plain_gc = False
    rss: list[float]

    def train(self, *args, **kwargs):
        if self.plain_gc:
            gc.unfreeze()
        try:
            return super().train(*args, **kwargs)
        finally:
            self.rss.append(psutil.Process().memory_info().rss / 2**20)


def main() -> None:
    args = common.parse(__doc__, QUICK, FULL, OPTIONS)
    runs = f"{args.trials} trials of at most {args.epochs} epochs"
    quick, full = common.timings(__doc__)
    print(common.mode_line(args, f"{runs}, {quick}", f"{runs}, {full}"))
    print(common.thread_line())
    logging.getLogger("recipes").setLevel(logging.WARNING)
    logging.getLogger("tuning").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    recipe = Measured(target="Status", epochs=args.epochs)
    recipe.plain_gc, recipe.rss = args.plain_gc, []
    with tempfile.TemporaryDirectory() as directory:
        recipe.tune(
            common.DATA / "credit_data" / "train.csv",
            strategy="random",
            max_trials=args.trials,
            directory=directory,
            ensemble=1,
        )
    rss = recipe.rss[: args.trials]  # the refit after the search trains too
    print("trial   RSS MB")
    for i, mb in enumerate(rss, 1):
        if i in (1, len(rss)) or i % 5 == 0:
            print(f"{i:>5} {mb:>8.0f}")
    growth = rss[-1] - rss[min(4, len(rss) - 1)]
    verdict = "within" if growth <= LIMIT_MB else "over"
    print(
        f"summary: RSS grew {growth:.0f} MB from trial 5 to trial {len(rss)} "
        f"({verdict} the {LIMIT_MB} MB target); peak {max(rss):.0f} MB; "
        f"{'plain gc' if args.plain_gc else 'frozen heap'}"
    )


if __name__ == "__main__":
    main()
